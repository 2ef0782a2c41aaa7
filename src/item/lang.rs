//! The language of a text when nothing declares it.
//!
//! This is deliberately modest. It names a language only where the script
//! alone, or a handful of letters and words, make it near certain:
//!
//! - **Persian (`fa`) vs Arabic (`ar`)**, both in the Arabic script. Persian
//!   has four letters Arabic lacks (پ چ ژ گ) and writes yeh and kaf as ی ک;
//!   Arabic has teh marbuta (ة) and alef maksura (ى), and function words
//!   (في على التي الذي إلى عن هذه) Persian does not use; Persian has its own
//!   (است این را می های برای که). Each side scores letters and words; the
//!   higher score wins, a tie gives `None`. Arabic yeh (ي) and kaf (ك) are
//!   not evidence for Arabic: old Persian pages in windows-1256 use them.
//! - **Scripts used by one language**: Greek (`el`), Hangul (`ko`), Hiragana
//!   or Katakana (`ja`), Thai (`th`), Armenian (`hy`), Georgian (`ka`).
//! - Everything else, **Latin and Cyrillic included, gives `None`**: telling
//!   English from French or Russian from Ukrainian needs a real model, and a
//!   wrong `dc:language` is worse than none.
//!
//! Only the first 16 KiB of the text are looked at.

/// How much of a text is looked at.
const SAMPLE_BYTES: usize = 16 * 1024;

/// Guesses the language of `text` (a BCP 47 tag), or `None` when unsure.
///
/// ```
/// use newsbag::item::lang_from_text;
/// assert_eq!(lang_from_text("این یک گزارش کوتاه است که پس از جلسه منتشر شد"), Some("fa"));
/// assert_eq!(lang_from_text("قالت الوزارة في بيان إن الاجتماع الذي عقد اليوم"), Some("ar"));
/// assert_eq!(lang_from_text("An English sentence."), None);
/// ```
pub fn lang_from_text(text: &str) -> Option<&'static str> {
    let is_letter = letter_test();
    let mut end = text.len().min(SAMPLE_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let sample = &text[..end];

    let mut letters = 0usize;
    let mut arabic_script = 0usize;
    let mut fa = 0usize;
    let mut ar = 0usize;
    // Function words, counted in the same pass; they decide only when the
    // Arabic script has the majority.
    let mut fa_words = 0usize;
    let mut ar_words = 0usize;
    let mut word_start: Option<usize> = None;
    let mut word = |range: std::ops::Range<usize>| match &sample[range] {
        "است" | "این" | "را" | "می" | "های" | "برای" | "که" | "شد" | "نیز" => {
            fa_words += 2
        }
        "في" | "على" | "التي" | "الذي" | "إلى" | "عن" | "هذه" | "أن" | "إن" | "كان" =>
        {
            ar_words += 2;
        }
        _ => {}
    };
    let mut scripts = [0usize; 6]; // el ko ja th hy ka
    for (i, c) in sample.char_indices() {
        if !is_letter(c) {
            if let Some(start) = word_start.take() {
                word(start..i);
            }
            continue;
        }
        word_start.get_or_insert(i);
        letters += 1;
        match c {
            '\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}' | '\u{FB50}'..='\u{FDFF}' => {
                arabic_script += 1;
                match c {
                    'پ' | 'چ' | 'ژ' | 'گ' => fa += 3,
                    'ی' | 'ک' => fa += 1,
                    'ة' => ar += 3,
                    'ى' => ar += 1,
                    _ => {}
                }
            }
            '\u{0370}'..='\u{03FF}' => scripts[0] += 1,
            '\u{AC00}'..='\u{D7AF}' | '\u{1100}'..='\u{11FF}' => scripts[1] += 1,
            '\u{3040}'..='\u{30FF}' => scripts[2] += 1,
            '\u{0E00}'..='\u{0E7F}' => scripts[3] += 1,
            '\u{0530}'..='\u{058F}' => scripts[4] += 1,
            '\u{10A0}'..='\u{10FF}' => scripts[5] += 1,
            _ => {}
        }
    }
    if let Some(start) = word_start {
        word(start..sample.len());
    }
    if letters < 8 {
        return None;
    }
    // A script must carry at least half of the letters.
    let majority = |n: usize| n * 2 >= letters;
    if majority(arabic_script) {
        fa += fa_words;
        ar += ar_words;
        return match fa.cmp(&ar) {
            std::cmp::Ordering::Greater => Some("fa"),
            std::cmp::Ordering::Less => Some("ar"),
            std::cmp::Ordering::Equal => None,
        };
    }
    // Japanese text mixes kana with Han: any sizeable kana share is enough.
    if scripts[2] * 10 >= letters {
        return Some("ja");
    }
    const TAGS: [&str; 6] = ["el", "ko", "ja", "th", "hy", "ka"];
    scripts
        .iter()
        .zip(TAGS)
        .find(|(n, _)| majority(**n))
        .map(|(_, tag)| tag)
}

/// `char::is_alphabetic`, with its answers for U+0000–U+07FF (Latin,
/// Greek, Cyrillic, Hebrew, Arabic: most news text) read from a table
/// built once: the standard library's lookup for non-ASCII characters was
/// the most expensive step of ingesting Persian text.
fn letter_test() -> impl Fn(char) -> bool {
    static TABLE: std::sync::OnceLock<[u64; 32]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = [0u64; 32];
        for cp in 0..0x800u32 {
            if char::from_u32(cp).is_some_and(char::is_alphabetic) {
                t[(cp / 64) as usize] |= 1 << (cp % 64);
            }
        }
        t
    });
    move |c: char| {
        let cp = c as u32;
        if cp < 0x800 {
            table[(cp / 64) as usize] & (1 << (cp % 64)) != 0
        } else {
            c.is_alphabetic()
        }
    }
}

/// Whether most letters of (the start of) `text` are Latin: then a
/// language declared for a whole Persian or Arabic feed does not fit it.
pub(crate) fn mostly_latin(text: &str) -> bool {
    let is_letter = letter_test();
    let mut letters = 0usize;
    let mut latin = 0usize;
    for c in text.chars().take(SAMPLE_BYTES).filter(|&c| is_letter(c)) {
        letters += 1;
        if c.is_ascii_alphabetic() || ('\u{00C0}'..='\u{024F}').contains(&c) {
            latin += 1;
        }
    }
    letters >= 8 && latin * 2 > letters
}

#[cfg(test)]
mod tests {
    use super::{lang_from_text, letter_test};

    #[test]
    fn letter_table_agrees_with_the_standard_library() {
        let is_letter = letter_test();
        for c in (0..0x3000u32).filter_map(char::from_u32) {
            assert_eq!(is_letter(c), c.is_alphabetic(), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn table() {
        let seed = include_str!("../../archive/inbox/seed-fa-utf8.txt");
        let table: &[(&str, Option<&str>, &str)] = &[
            (seed, Some("fa"), "the seed"),
            (
                "رییس ستاد توسعه پایدار شهرداری رشت یادآور شد",
                Some("fa"),
                "fa letters",
            ),
            // windows-1256 Persian: Arabic yeh and kaf, still Persian words.
            (
                "رييس ستاد توسعه پايدار شهرداري رشت يادآور شد و اين را گفت",
                Some("fa"),
                "fa in 1256",
            ),
            (
                "أعلنت وزارة الصحة في بيان على موقعها أن الحالة مستقرة",
                Some("ar"),
                "ar",
            ),
            ("Η Ελλάδα είναι χώρα της Ευρώπης", Some("el"), "el"),
            ("한국어 문장입니다 그리고 더", Some("ko"), "ko"),
            ("日本語の文章です。これはテスト", Some("ja"), "ja"),
            (
                "Русский текст без подсказки",
                None,
                "Cyrillic is not guessed",
            ),
            ("Plain English news text here", None, "Latin is not guessed"),
            ("", None, "empty"),
            ("پ", None, "too short"),
        ];
        for (text, want, note) in table {
            assert_eq!(lang_from_text(text), *want, "{note}");
        }
    }
}
