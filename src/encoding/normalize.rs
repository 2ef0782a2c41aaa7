//! The normaliser: NFC, LF, no BOM, no NUL, Persian repairs — chunk by chunk.

use unicode_normalization::char::{canonical_combining_class, compose};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use super::persian::repair_token;
use super::{RepairKind, Repairs, add_repair};

/// A token longer than this is cut at the next ASCII character; one longer
/// than [`HARD_TOKEN_LIMIT`] at the next safe boundary for NFC.
pub(super) const TOKEN_LIMIT: usize = 64 * 1024;
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
        finish_token(&self.token, self.persian, out, &mut self.repairs);
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

/// Emits one whitespace-free token: in NFC (counted if NFC changed it),
/// then with the Persian repairs if `persian`. The one place both the
/// [`Normalizer`] and [`normalize_fast`] treat a token.
pub(super) fn finish_token(token: &str, persian: bool, out: &mut String, repairs: &mut Repairs) {
    let nfc;
    let token = if trivially_nfc(token) || is_nfc_quick(token.chars()) == IsNormalized::Yes {
        token
    } else {
        nfc = token.nfc().collect::<String>();
        if nfc != token {
            add_repair(repairs, RepairKind::Nfc, 1);
        }
        nfc.as_str()
    };
    if persian && !token.is_ascii() {
        repair_token(token, out, repairs);
    } else {
        out.push_str(token);
    }
}

/// The in-memory normaliser: the same output and repairs as pushing all of
/// `text` through a [`Normalizer`] at once, in one pass over the bytes that
/// copies untouched stretches whole. Only the tokens that hold a character
/// NFC might change, or (in Persian text) a character a Persian repair
/// might change, go through [`finish_token`]; line endings are rewritten in
/// passing.
///
/// Returns `None` (the caller then uses the [`Normalizer`]) for the rare
/// texts where the Normalizer's state matters: a NUL anywhere (it is removed
/// *inside* a token, so it may join two pieces for NFC), a leading U+FEFF,
/// or a token longer than the Normalizer holds whole.
pub(super) fn normalize_fast(text: &str, persian: bool) -> Option<(String, Repairs)> {
    let bytes = text.as_bytes();
    if bytes.starts_with("\u{FEFF}".as_bytes()) || memchr::memchr(0, bytes).is_some() {
        return None;
    }
    let table = &*TWO_BYTE;
    let mut out = String::with_capacity(text.len());
    let mut repairs = Repairs::new();
    let (mut crlf, mut cr) = (0u64, 0u64);
    // `text[..copied]` is already in `out`; the current token starts at
    // `token_start`; `special` says it must go through `finish_token`.
    let mut copied = 0;
    let mut token_start = 0;
    let mut special = false;
    let mut i = 0;
    // Ends the token `text[token_start..end]`; false if it is too long.
    let end_token = |out: &mut String,
                     repairs: &mut Repairs,
                     copied: &mut usize,
                     token_start: usize,
                     end: usize,
                     special: &mut bool| {
        if end - token_start > TOKEN_LIMIT {
            return false;
        }
        if *special {
            out.push_str(text.get(*copied..token_start).unwrap_or_default());
            let token = text.get(token_start..end).unwrap_or_default();
            finish_token(token, persian, out, repairs);
            *copied = end;
            *special = false;
        }
        true
    };
    while let Some(&b) = bytes.get(i) {
        if b < 0x80 {
            // ASCII: NFC-stable, never repaired; whitespace ends a token.
            if matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ') {
                if !end_token(
                    &mut out,
                    &mut repairs,
                    &mut copied,
                    token_start,
                    i,
                    &mut special,
                ) {
                    return None;
                }
                if b == b'\r' {
                    out.push_str(text.get(copied..i).unwrap_or_default());
                    out.push('\n');
                    if bytes.get(i + 1) == Some(&b'\n') {
                        crlf += 1;
                        i += 1;
                    } else {
                        cr += 1;
                    }
                    copied = i + 1;
                }
                token_start = i + 1;
            }
            i += 1;
            continue;
        }
        if let (0xC2..=0xDF, Some(&b2)) = (b, bytes.get(i + 1)) {
            // Two-byte UTF-8 (U+0080–U+07FF: Latin, Greek, Cyrillic, Hebrew,
            // Arabic…), through a table.
            let u = (usize::from(b & 0x1F) << 6) | usize::from(b2 & 0x3F);
            let f = table.get(u).copied().unwrap_or(0);
            if f & SPACE != 0 {
                if !end_token(
                    &mut out,
                    &mut repairs,
                    &mut copied,
                    token_start,
                    i,
                    &mut special,
                ) {
                    return None;
                }
                token_start = i + 2;
            } else if f & (NOT_TRIVIAL | if persian { PERSIAN_TARGET } else { 0 }) != 0 {
                special = true;
            }
            i += 2;
            continue;
        }
        let ideograph_or_syllable = match (b, bytes.get(i + 1)) {
            // U+4E00–U+9FFF and U+AC00–U+CFFF: CJK ideographs and Hangul
            // syllables, trivially NFC (see `trivially_nfc_char`), never
            // whitespace, never a Persian target.
            (0xE5..=0xE9 | 0xEB..=0xEC, _) => true,
            (0xE4, Some(&b2)) => b2 >= 0xB8,
            (0xEA, Some(&b2)) => b2 >= 0xB0,
            // U+3040–U+30FF, kana, but for the combining voiced sound marks
            // U+3099 and U+309A (E3 82 99, E3 82 9A).
            (0xE3, Some(&b2)) => {
                (0x81..=0x83).contains(&b2)
                    && !(b2 == 0x82 && matches!(bytes.get(i + 2), Some(0x99 | 0x9A)))
            }
            _ => false,
        };
        if ideograph_or_syllable {
            // `text` is valid UTF-8: three bytes from here are the character.
            i += 3;
            continue;
        }
        let c = text.get(i..).and_then(|r| r.chars().next())?;
        let len = c.len_utf8();
        if c.is_whitespace() {
            if !end_token(
                &mut out,
                &mut repairs,
                &mut copied,
                token_start,
                i,
                &mut special,
            ) {
                return None;
            }
            token_start = i + len;
        } else if !special
            && (!trivially_nfc_char(c)
                || (persian && matches!(c, '\u{00AC}' | '\u{064A}' | '\u{0649}' | '\u{0643}')))
        {
            special = true;
        }
        i += len;
    }
    if !end_token(
        &mut out,
        &mut repairs,
        &mut copied,
        token_start,
        bytes.len(),
        &mut special,
    ) {
        return None;
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    add_repair(&mut repairs, RepairKind::CrlfToLf, crlf);
    add_repair(&mut repairs, RepairKind::CrToLf, cr);
    Some((out, repairs))
}

/// Whether every character of `s` is one that NFC leaves alone whatever
/// surrounds it *within this set*: below U+0300, Arabic-script letters,
/// digits and punctuation (not the marks), ZWNJ/ZWJ and most general
/// punctuation, CJK ideographs, kana (not the voicing marks), Hangul
/// syllables. A cheap test that spares the full quick check for most text.
pub(crate) fn trivially_nfc(s: &str) -> bool {
    let table = &*TWO_BYTE;
    let bytes = s.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b < 0x80 {
            i += 1;
            continue;
        }
        if let (0xC2..=0xDF, Some(&b2)) = (b, bytes.get(i + 1)) {
            let u = (usize::from(b & 0x1F) << 6) | usize::from(b2 & 0x3F);
            if table.get(u).is_none_or(|&f| f & NOT_TRIVIAL != 0) {
                return false;
            }
            i += 2;
            continue;
        }
        let Some(c) = s.get(i..).and_then(|r| r.chars().next()) else {
            return false;
        };
        if !trivially_nfc_char(c) {
            return false;
        }
        i += c.len_utf8();
    }
    true
}

/// What the in-memory normaliser knows of a character (bit flags):
/// whitespace (ends a token)…
pub(super) const SPACE: u8 = 1;
/// …not [`trivially_nfc_char`]…
pub(super) const NOT_TRIVIAL: u8 = 2;
/// …a character a Persian repair may change.
pub(super) const PERSIAN_TARGET: u8 = 4;

pub(super) fn char_flags(c: char) -> u8 {
    let mut f = 0;
    if c.is_whitespace() {
        f |= SPACE;
    }
    if !trivially_nfc_char(c) {
        f |= NOT_TRIVIAL;
    }
    if matches!(c, '\u{00AC}' | '\u{064A}' | '\u{0649}' | '\u{0643}') {
        f |= PERSIAN_TARGET;
    }
    f
}

/// [`char_flags`] of U+0000–U+07FF (one- and two-byte UTF-8).
static TWO_BYTE: std::sync::LazyLock<[u8; 0x800]> = std::sync::LazyLock::new(|| {
    let mut table = [0u8; 0x800];
    for (u, slot) in (0u32..).zip(table.iter_mut()) {
        *slot = char::from_u32(u).map_or(NOT_TRIVIAL, char_flags);
    }
    table
});

/// One character of [`trivially_nfc`].
fn trivially_nfc_char(c: char) -> bool {
    matches!(c,
            '\0'..='\u{2FF}'
            | '\u{0600}'..='\u{060F}'
            | '\u{061B}'..='\u{064A}'
            | '\u{0660}'..='\u{066F}'
            | '\u{0671}'..='\u{06D3}'
            | '\u{06D5}'
            | '\u{06EE}'..='\u{06FF}'
            | '\u{0400}'..='\u{0482}'
            | '\u{048A}'..='\u{04FF}'
            | '\u{05D0}'..='\u{05EA}'
            | '\u{2002}'..='\u{206F}'
            | '\u{3000}'..='\u{3029}'
            | '\u{3030}'..='\u{3098}'
            | '\u{309B}'..='\u{30FF}'
            | '\u{4E00}'..='\u{9FFF}'
            | '\u{AC00}'..='\u{D7A3}'
            | '\u{FF01}'..='\u{FFEE}')
        || (u32::from(c) < 0x800 && stable_starter(c))
}

/// Whether NFC leaves `c` as it is whatever surrounds it in a token: its
/// quick check says yes (it never decomposes) and it is a starter
/// (combining class 0: nothing is reordered around it, and a following
/// mark that composes with it is not trivial itself). Greek, Armenian and
/// Hebrew letters, for instance; the table of U+0000–U+07FF holds it, so
/// this is asked only when that table is made.
fn stable_starter(c: char) -> bool {
    canonical_combining_class(c) == 0 && is_nfc_quick(std::iter::once(c)) == IsNormalized::Yes
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
    fn trivially_nfc_characters_are_stable_starters() {
        // What makes the fast paths right: NFC leaves a token made only of
        // such characters as it is (U+0610–U+061A and U+302A–U+302F, marks
        // of different classes, used to be counted in: `\u{610}\u{618}` was
        // left unordered).
        for c in (0u32..0x11_0000).filter_map(char::from_u32) {
            if trivially_nfc_char(c) {
                assert!(stable_starter(c), "U+{:04X}", u32::from(c));
            }
        }
        let marks = "\u{627}\u{610}\u{618} \u{4E00}\u{302E}\u{302A}";
        assert_ne!(super::super::normalize(marks).text, marks);
        assert_eq!(
            super::super::normalize(marks).text,
            marks.nfc().collect::<String>()
        );
    }

    #[test]
    fn trivially_nfc_agrees_with_the_quick_check() {
        for c in (0u32..0x1_0000).filter_map(char::from_u32) {
            let s = format!("{c}a{c}\u{627}{c}");
            assert_eq!(
                trivially_nfc(&s),
                s.chars().all(trivially_nfc_char),
                "U+{:04X}",
                u32::from(c)
            );
            assert_eq!(
                TWO_BYTE
                    .get(c as usize)
                    .copied()
                    .unwrap_or_else(|| char_flags(c)),
                char_flags(c)
            );
            if trivially_nfc(&s) {
                assert_eq!(s.nfc().collect::<String>(), s, "U+{:04X}", u32::from(c));
            }
        }
    }

    /// The straightforward normaliser every fast path must agree with: the
    /// whole text pushed through a [`Normalizer`].
    fn reference(text: &str, persian: bool) -> (String, Repairs) {
        let mut n = Normalizer::new(persian);
        let mut out = String::new();
        n.push(text, &mut out);
        n.finish(&mut out);
        (out, n.into_repairs())
    }

    /// Checks `normalize_fast` (when it applies) and `normalize` against the
    /// reference, Persian repairs on and off.
    fn assert_same_as_reference(text: &str) {
        for persian in [false, true] {
            if let Some(fast) = normalize_fast(text, persian) {
                assert_eq!(fast, reference(text, persian), "{text:?} persian={persian}");
            }
        }
        let n = normalize(text);
        assert_eq!((n.text, n.repairs), reference(text, n.persian), "{text:?}");
    }

    #[test]
    fn fast_path_equals_reference_on_the_corpus() {
        let root =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/encoding/corpus");
        let mut files = vec![root];
        let mut seen = 0;
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let text = super::super::to_text(&bytes, None).text;
            // The decoded text before normalisation, with CR LF and BOMs.
            let d = super::super::detect(&bytes, None);
            let decoded = super::super::decode(&bytes, &d).text;
            assert_same_as_reference(&decoded);
            assert_same_as_reference(&text);
            assert_same_as_reference(&decoded.replace('\n', "\r\n"));
            seen += 1;
        }
        assert!(seen > 1000, "{seen} corpus files");
    }

    #[test]
    fn fast_path_edge_cases() {
        for text in [
            "",
            "\r",
            "\r\r\n\n\r",
            "a\r",
            "\u{FEFF}abc",
            "a\u{FEFF}b",
            "a\0b",
            "\0\u{FEFF}",
            "e\u{301} \u{301}x",
            "\u{301}",
            "رييس\u{85}كشور\u{A0}هم¬چنین\u{3000}كتاب\u{2028}ي",
            "www.كتاب.com كتاب",
            "a\u{0651}\u{064E} \u{064E}\u{0651}",
        ] {
            assert_same_as_reference(text);
        }
        // Tokens around the length the Normalizer holds whole.
        for len in [TOKEN_LIMIT - 1, TOKEN_LIMIT, TOKEN_LIMIT + 1] {
            let mut long = "ك".repeat(len / 2);
            if len % 2 == 1 {
                long.push('a');
            }
            let text = format!("این كتاب {long} است");
            assert_same_as_reference(&text);
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
                "[\u{4DF0}-\u{9FFF}\u{A9F0}-\u{D7FF}\u{3000}-\u{30FF}\u{FF01}-\u{FF65}\u{0610}-\u{061A}\u{0370}-\u{03FF}\u{0300}-\u{0345}]{0,6}",
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
        fn fast_path_equals_reference(s in text_strategy()) {
            for persian in [false, true] {
                if let Some(fast) = normalize_fast(&s, persian) {
                    prop_assert_eq!(fast, reference(&s, persian));
                }
            }
            let n = normalize(&s);
            prop_assert_eq!((n.text, n.repairs), reference(&s, n.persian));
        }

        #[test]
        fn fast_path_equals_reference_on_any_text(s in "\\PC{0,300}") {
            for persian in [false, true] {
                if let Some(fast) = normalize_fast(&s, persian) {
                    prop_assert_eq!(fast, reference(&s, persian));
                }
            }
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
