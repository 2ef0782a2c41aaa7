//! The normaliser: NFC, LF, no BOM, no NUL, Persian repairs — chunk by chunk.

use unicode_normalization::char::{canonical_combining_class, compose};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use super::persian::repair_token;
use super::{RepairKind, Repairs, add_repair};

/// A token longer than this is cut at the next ASCII character; one longer
/// than [`HARD_TOKEN_LIMIT`] at the next safe boundary for NFC.
const TOKEN_LIMIT: usize = 64 * 1024;
const HARD_TOKEN_LIMIT: usize = 1024 * 1024;

/// Normalises text pushed to it in chunks of any size into the derivative,
/// counting repairs. Holding back at most one word (bounded by 1 MiB), it
/// gives the same output whatever the chunking.
///
/// ```
/// use newsbag::encoding::Normalizer;
///
/// let mut n = Normalizer::new(false);
/// let mut out = String::new();
/// n.push("line one\r", &mut out);
/// n.push("\nline two\r\n", &mut out);
/// n.finish(&mut out);
/// assert_eq!(out, "line one\nline two\n");
/// ```
#[derive(Debug, Default)]
pub struct Normalizer {
    persian: bool,
    token: String,
    pending_cr: bool,
    started: bool,
    repairs: Repairs,
}

impl Normalizer {
    /// A normaliser; `persian` turns the Persian repairs on (decide it with
    /// [`super::is_persian`] on the start of the text).
    pub fn new(persian: bool) -> Self {
        Normalizer {
            persian,
            ..Normalizer::default()
        }
    }

    /// Normalises the next chunk, appending what is ready to `out`.
    pub fn push(&mut self, chunk: &str, out: &mut String) {
        let mut rest = chunk;
        while let Some(c) = rest.chars().next() {
            // Fast path: a run of ordinary characters joins the held token
            // in one copy.
            if self.started && !self.pending_cr && self.token.len() < TOKEN_LIMIT {
                let end = rest
                    .char_indices()
                    .find(|&(_, c)| c == '\0' || c == '\r' || c.is_whitespace())
                    .map_or(rest.len(), |(i, _)| i);
                if end > 0 {
                    let (run, tail) = rest.split_at(end);
                    if self.token.len() + run.len() <= TOKEN_LIMIT {
                        self.token.push_str(run);
                    } else {
                        // A very long token: character by character, where
                        // it may be cut (linear, never re-scanned).
                        for c in run.chars() {
                            self.push_char(c, out);
                        }
                    }
                    rest = tail;
                    continue;
                }
            }
            self.push_char(c, out);
            rest = rest.get(c.len_utf8()..).unwrap_or_default();
        }
    }

    fn push_char(&mut self, c: char, out: &mut String) {
        if !self.started && c == '\u{FEFF}' {
            add_repair(&mut self.repairs, RepairKind::BomRemoved, 1);
            return;
        }
        if c == '\0' {
            add_repair(&mut self.repairs, RepairKind::NulRemoved, 1);
            return;
        }
        self.started = true;
        if self.pending_cr {
            self.pending_cr = false;
            out.push('\n');
            if c == '\n' {
                add_repair(&mut self.repairs, RepairKind::CrlfToLf, 1);
                return;
            }
            add_repair(&mut self.repairs, RepairKind::CrToLf, 1);
        }
        if c == '\r' {
            self.flush(out);
            self.pending_cr = true;
        } else if c.is_whitespace() {
            self.flush(out);
            out.push(c);
        } else {
            if self.token.len() >= TOKEN_LIMIT
                && (c.is_ascii()
                    || (self.token.len() >= HARD_TOKEN_LIMIT && self.safe_boundary_before(c)))
            {
                self.flush(out);
            }
            self.token.push(c);
        }
    }

    /// Whether NFC cannot join the held token with `c`: `c` is a starter that
    /// is NFC by itself and composes with nothing before it.
    fn safe_boundary_before(&self, c: char) -> bool {
        let Some(prev) = self.token.chars().next_back() else {
            return true;
        };
        canonical_combining_class(c) == 0
            && compose(prev, c).is_none()
            && is_nfc_quick(std::iter::once(c)) == IsNormalized::Yes
    }

    /// Ends the text: emits what is held back.
    pub fn finish(&mut self, out: &mut String) {
        if self.pending_cr {
            self.pending_cr = false;
            out.push('\n');
            add_repair(&mut self.repairs, RepairKind::CrToLf, 1);
        }
        self.flush(out);
    }

    fn flush(&mut self, out: &mut String) {
        if self.token.is_empty() {
            return;
        }
        let token = std::mem::take(&mut self.token);
        let token = if trivially_nfc(&token) || is_nfc_quick(token.chars()) == IsNormalized::Yes {
            token
        } else {
            let nfc: String = token.nfc().collect();
            if nfc != token {
                add_repair(&mut self.repairs, RepairKind::Nfc, 1);
            }
            nfc
        };
        if self.persian && !token.is_ascii() {
            repair_token(&token, out, &mut self.repairs);
        } else {
            out.push_str(&token);
        }
        // Reuse the allocation.
        self.token = token;
        self.token.clear();
    }

    /// The repairs counted so far.
    pub fn repairs(&self) -> &Repairs {
        &self.repairs
    }

    /// The repairs counted, consuming the normaliser.
    pub fn into_repairs(self) -> Repairs {
        self.repairs
    }
}

/// Whether every character of `s` is one that NFC leaves alone whatever
/// surrounds it *within this set*: below U+0300, Arabic-script letters,
/// digits and punctuation (not the marks), ZWNJ/ZWJ and most general
/// punctuation, CJK ideographs, kana (not the voicing marks), Hangul
/// syllables. A cheap test that spares the full quick check for most text.
pub(crate) fn trivially_nfc(s: &str) -> bool {
    s.chars().all(|c| {
        matches!(c,
            '\0'..='\u{2FF}'
            | '\u{0600}'..='\u{064A}'
            | '\u{0660}'..='\u{066F}'
            | '\u{0671}'..='\u{06D3}'
            | '\u{06D5}'
            | '\u{06EE}'..='\u{06FF}'
            | '\u{0400}'..='\u{0482}'
            | '\u{048A}'..='\u{04FF}'
            | '\u{05D0}'..='\u{05EA}'
            | '\u{2002}'..='\u{206F}'
            | '\u{3000}'..='\u{3098}'
            | '\u{309B}'..='\u{30FF}'
            | '\u{4E00}'..='\u{9FFF}'
            | '\u{AC00}'..='\u{D7A3}')
    })
}

#[cfg(test)]
mod tests {
    use super::super::{RepairKind as K, normalize};
    use super::*;
    use proptest::prelude::*;

    /// The Persian repairs, table-driven: (input, expected output, repairs,
    /// note). Rows whose output equals the input are the cases that must not
    /// change.
    #[allow(clippy::type_complexity, reason = "a table")]
    const PERSIAN: &[(&str, &str, &[(K, u64)], &str)] = &[
        (
            "هم¬چنین تاثیرات مثبت ثبت شهر رشت",
            "هم\u{200C}چنین تاثیرات مثبت ثبت شهر رشت",
            &[(K::ZwnjFromNotSign, 1)],
            "the seed's NOT SIGN for ZWNJ",
        ),
        (
            "اهم فعالیت-ها و اقدامات این ستاد",
            "اهم فعالیت-ها و اقدامات این ستاد",
            &[],
            "the seed's hyphen for ZWNJ is left alone",
        ),
        (
            "رييس جمهوري اين كشور گفت",
            "رییس جمهوری این کشور گفت",
            &[(K::PersianYeh, 4), (K::PersianKeheh, 1)],
            "Arabic yeh and kaf in Persian words",
        ),
        (
            "مصطفى به تهران رفت",
            "مصطفی به تهران رفت",
            &[(K::PersianYeh, 1)],
            "alef maksura at the end of a Persian word",
        ),
        (
            "قیمت دلار ۴۲٬۵۰۰ تومان و 42,500 ریال است",
            "قیمت دلار ۴۲٬۵۰۰ تومان و 42,500 ریال است",
            &[],
            "digits of every script untouched",
        ),
        (
            "خبرگزاری ایرنا www.irna.ir و info@kayhan.ir گزارش داد که",
            "خبرگزاری ایرنا www.irna.ir و info@kayhan.ir گزارش داد که",
            &[],
            "URLs and e-mail addresses",
        ),
        (
            "سایت https://example.com/كتاب را ببینید",
            "سایت https://example.com/كتاب را ببینید",
            &[],
            "Arabic kaf inside a URL stays",
        ),
        (
            "ایران در جام جهانی FIFA بازی کرد، Kayak",
            "ایران در جام جهانی FIFA بازی کرد، Kayak",
            &[],
            "Latin text",
        ),
        (
            "بسیـــار خوب، اَلحَمدُ لِلّه",
            "بسیـــار خوب، اَلحَمدُ لِلّه",
            &[],
            "tatweel and diacritics stay",
        ),
        (
            "در قرآن آمده است: وَهُوَ عَلِيمٌ و این كتاب را بخوانید",
            "در قرآن آمده است: وَهُوَ عَلِيمٌ و این کتاب را بخوانید",
            &[(K::PersianKeheh, 1)],
            "a word with harakat (Arabic quotation) is left alone",
        ),
        (
            "این خبر ( گزارش ) : مهم !",
            "این خبر ( گزارش ) : مهم !",
            &[],
            "spacing around punctuation is not changed",
        ),
        (
            "x¬y و این ¬ آن",
            "x¬y و این ¬ آن",
            &[],
            "NOT SIGN not between two Arabic-script letters",
        ),
    ];

    #[test]
    fn persian_repairs() {
        for (input, want, repairs, note) in PERSIAN {
            let n = normalize(input);
            assert!(n.persian, "{note}: not judged Persian");
            assert_eq!(n.text, *want, "{note}");
            let want_repairs: Repairs = repairs.iter().copied().collect();
            assert_eq!(n.repairs, want_repairs, "{note}");
            assert_eq!(normalize(&n.text).text, n.text, "{note}: idempotent");
        }
    }

    #[test]
    fn arabic_text_is_never_altered() {
        for text in [
            "قال الرئيس في كلمته إن الحكومة ستواصل العمل على تحسين الاقتصاد",
            "أعلنت وزارة الصحة المصرية اليوم عن تسجيل حالات جديدة في القاهرة",
            "ذهب مصطفى إلى المكتبة التي في المدينة",
        ] {
            let n = normalize(text);
            assert!(!n.persian, "{text}");
            assert_eq!(n.text, text);
            assert!(n.repairs.is_empty());
        }
    }

    #[test]
    fn seed_article_lines() {
        let seed = include_str!("../../tests/fixtures/encoding/seed.txt");
        let n = normalize(seed);
        assert!(n.persian);
        assert!(n.text.contains("هم\u{200C}چنین"));
        assert!(!n.text.contains('¬'));
        assert!(n.text.contains("فعالیت-ها"));
        assert_eq!(n.repairs.get(&K::ZwnjFromNotSign), Some(&1));
        // Only that line changes.
        let changed: Vec<_> = seed
            .lines()
            .zip(n.text.lines())
            .filter(|(a, b)| a != b)
            .collect();
        assert_eq!(changed.len(), 1);
    }

    #[test]
    #[allow(clippy::type_complexity, reason = "a table")]
    fn general_repairs() {
        let cases: &[(&str, &str, &[(K, u64)])] = &[
            (
                "\u{FEFF}a\r\nb\rc\n",
                "a\nb\nc\n",
                &[(K::BomRemoved, 1), (K::CrlfToLf, 1), (K::CrToLf, 1)],
            ),
            ("a\0b", "ab", &[(K::NulRemoved, 1)]),
            ("e\u{301}te\u{301}", "été", &[(K::Nfc, 1)]),
            ("a\u{FEFF}b", "a\u{FEFF}b", &[]),
            ("\r", "\n", &[(K::CrToLf, 1)]),
            ("", "", &[]),
        ];
        for (input, want, repairs) in cases {
            let n = normalize(input);
            assert_eq!(n.text, *want, "{input:?}");
            let want_repairs: Repairs = repairs.iter().copied().collect();
            assert_eq!(n.repairs, want_repairs, "{input:?}");
        }
    }

    #[test]
    fn trivially_nfc_agrees_with_the_quick_check() {
        for c in (0u32..0x1_0000).filter_map(char::from_u32) {
            let s = format!("{c}a{c}\u{627}{c}");
            if trivially_nfc(&s) {
                assert_eq!(s.nfc().collect::<String>(), s, "U+{:04X}", u32::from(c));
            }
        }
    }

    fn text_strategy() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                "[a-zA-Z0-9 .,:/@-]{0,6}",
                "[ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیيكى¬ـ\u{064E}\u{0650}\u{200C}]{0,8}",
                Just("\r\n".to_owned()),
                Just("\r".to_owned()),
                Just("\0".to_owned()),
                Just("\u{FEFF}".to_owned()),
                Just("e\u{301}".to_owned()),
                Just(" ".to_owned()),
                "\\PC{0,4}",
            ],
            0..30,
        )
        .prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn normalisation_is_idempotent(s in text_strategy()) {
            let once = normalize(&s);
            let twice = normalize(&once.text);
            prop_assert_eq!(&twice.text, &once.text);
            prop_assert!(twice.repairs.is_empty(), "{:?}", twice.repairs);
            prop_assert!(!once.text.contains('\0') && !once.text.contains('\r'));
            prop_assert!(!once.text.starts_with('\u{FEFF}'), "BOM left");
        }

        #[test]
        fn chunking_does_not_matter(s in text_strategy(), cut in 0usize..200) {
            let whole = normalize(&s);
            let mut cut = cut.min(s.len());
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            let mut n = Normalizer::new(whole.persian);
            let mut out = String::new();
            n.push(&s[..cut], &mut out);
            n.push(&s[cut..], &mut out);
            n.finish(&mut out);
            prop_assert_eq!(out, whole.text);
            prop_assert_eq!(n.into_repairs(), whole.repairs);
        }
    }
}
