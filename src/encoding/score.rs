//! How plausible a decoding is, as text a person wrote.
//!
//! Statistical detectors propose; this module disposes. A wrong decoding
//! betrays itself in the *words* it produces: letters of two scripts inside
//! one word (`ÑÇ` beside Arabic letters), symbols inside words (`Ã©`), C1
//! control characters, case flipping inside a word (KOI8-R read as
//! windows-1251 gives `пРИВЕТ`), Latin words made almost only of accented
//! letters (`ÈÑÇí`, Persian read as windows-1252). The score is the share of
//! words containing non-ASCII characters that show none of these signs.

/// The script (or kind) of a character, as far as plausibility goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// ASCII: letters are Latin, the rest separates or is neutral.
    AsciiLetter,
    Latin,
    Greek,
    Cyrillic,
    Armenian,
    Hebrew,
    Arabic,
    Thai,
    /// Han, kana, Hangul, CJK punctuation and full-width forms together:
    /// Japanese and Korean mix them within words.
    Cjk,
    /// Digits, joiners, combining marks that carry no script of their own,
    /// general punctuation (quotes, dashes): fine anywhere.
    Neutral,
    /// Signs that rarely sit inside a word: `©`, `¤`, `±`, box drawing, …
    Symbol,
    /// Never in good text: C0 (other than whitespace) and C1 controls, U+FFFD,
    /// private use, noncharacters.
    Bad,
}

fn class(c: char) -> Class {
    let u = u32::from(c);
    match u {
        0x41..=0x5A | 0x61..=0x7A => Class::AsciiLetter,
        0x00..=0x08 | 0x0B | 0x0E..=0x1F | 0x7F..=0x9F => Class::Bad,
        0x00..=0x7E => Class::Neutral,
        // U+00AC NOT SIGN is neutral: Persian text typed on some keyboards has
        // it where a ZWNJ belongs.
        0xA0 | 0xAB | 0xBB | 0xA1 | 0xBF | 0xB7 | 0xAD | 0xAC => Class::Neutral,
        0xC0..=0xD6 | 0xD8..=0xF6 | 0xF8..=0x24F | 0x1E00..=0x1EFF => Class::Latin,
        0xAA | 0xBA | 0xB5 => Class::Latin,
        0xA2..=0xBE => Class::Symbol,
        0xD7 | 0xF7 => Class::Symbol,
        0x250..=0x2FF => Class::Latin,
        0x300..=0x36F => Class::Neutral,
        0x370..=0x3FF | 0x1F00..=0x1FFF => Class::Greek,
        0x400..=0x52F => Class::Cyrillic,
        0x530..=0x58F => Class::Armenian,
        0x591..=0x5F4 | 0xFB1D..=0xFB4F => Class::Hebrew,
        0xFDD0..=0xFDEF => Class::Bad,
        0x600..=0x6FF | 0x750..=0x77F | 0x8A0..=0x8FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFC => {
            Class::Arabic
        }
        0xE00..=0xE7F => Class::Thai,
        0x200B..=0x200F => Class::Neutral,
        0x2010..=0x205E => Class::Neutral,
        0x20A0..=0x20CF | 0x2100..=0x214F => Class::Symbol,
        // Geometric shapes and miscellaneous symbols (`◆`, `■`, `★`, `☆`):
        // bullets that Japanese and Chinese text sets right against its
        // words. (Box drawing, U+2500–U+259F, stays a symbol.)
        0x25A0..=0x26FF => Class::Neutral,
        0x1100..=0x11FF
        | 0x2E80..=0x2FDF
        | 0x3000..=0x30FF
        | 0x3130..=0x318F
        | 0x31F0..=0x31FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFF00..=0xFF60
        | 0xFFA0..=0xFFEF => Class::Cjk,
        0xE000..=0xF8FF | 0xFFF0..=0xFFFF => Class::Bad,
        // Half-width katakana: not used in modern Japanese text.
        0xFF61..=0xFF9F => Class::Symbol,
        _ if c.is_alphabetic() => Class::Neutral,
        _ if c.is_numeric() => Class::Neutral,
        _ => Class::Symbol,
    }
}

/// Whether `c` makes the word it sits in implausible: a character never
/// in good text (a control, U+FFFD, private use, a noncharacter) that does
/// not end words (NUL does).
pub(crate) fn spoils_word(c: char) -> bool {
    class(c) == Class::Bad && !is_separator(c)
}

/// Whether `c` ends a word: ASCII whitespace and ASCII punctuation (except
/// the apostrophe), and Unicode whitespace.
fn is_separator(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_whitespace() || (c.is_ascii_punctuation() && c != '\'') || c == '\0'
    } else {
        c.is_whitespace()
            || matches!(
                c,
                '\u{AB}' | '\u{BB}' | '\u{2013}' | '\u{2014}' | '\u{2018}'..='\u{201F}'
                    | '\u{2026}' | '\u{3000}'..='\u{3002}' | '\u{060C}' | '\u{061B}' | '\u{061F}'
                    | '\u{06D4}' | '\u{FF0C}' | '\u{FF01}' | '\u{FF1F}'
            )
    }
}

/// The plausibility of a decoded text.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Plausibility {
    /// Words that contain at least one non-ASCII character.
    pub(crate) words: u32,
    /// Of those, words showing a sign of a wrong decoding.
    pub(crate) bad: u32,
    /// Characters of class `Bad` anywhere (controls, U+FFFD, private use).
    pub(crate) bad_chars: u32,
}

impl Plausibility {
    /// The share of implausible words (0 when there are no non-ASCII words),
    /// with bad characters outside words counted as bad words too.
    pub(crate) fn bad_ratio(&self) -> f32 {
        let words = self.words.max(1) as f32;
        (self.bad as f32 / words).min(1.0)
    }
}

/// What [`plausibility`] needs to know of one character: its class,
/// whether it ends a word, its case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Traits {
    class: Class,
    separator: bool,
    lower: bool,
    upper: bool,
}

fn traits(c: char) -> Traits {
    Traits {
        class: class(c),
        separator: is_separator(c),
        lower: c.is_lowercase(),
        upper: c.is_uppercase(),
    }
}

/// How many characters (from U+0000) [`TRAITS`] covers: all those of
/// one- and two-byte UTF-8 (Latin, Greek, Cyrillic, Hebrew, Arabic…).
const TABLE_LEN: usize = 0x800;

/// [`traits`] of U+0000–U+07FF, so that scoring text in those scripts needs
/// no Unicode table look-up.
static TRAITS: std::sync::LazyLock<[Traits; TABLE_LEN]> = std::sync::LazyLock::new(|| {
    let mut table = [traits('\0'); TABLE_LEN];
    for (u, slot) in (0u32..).zip(table.iter_mut()) {
        if let Some(c) = char::from_u32(u) {
            *slot = traits(c);
        }
    }
    table
});

/// [`traits`] of every [`common_cjk`] character.
const CJK_LETTER: Traits = Traits {
    class: Class::Cjk,
    separator: false,
    lower: false,
    upper: false,
};

/// Kana, CJK ideographs and Hangul syllables: the bulk of Chinese, Japanese
/// and Korean text, whose [`traits`] are all [`CJK_LETTER`] (a test checks
/// every one), found without the Unicode tables `traits` consults.
fn common_cjk(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{30FF}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7A3}')
}

/// [`traits`] of U+3000–U+30FF (CJK punctuation, kana) and U+FF00–U+FFFF
/// (full-width and half-width forms), frequent in Chinese, Japanese and
/// Korean text and beyond [`TRAITS`].
static WIDE_TRAITS: std::sync::LazyLock<[[Traits; 256]; 2]> = std::sync::LazyLock::new(|| {
    let mut tables = [[traits('\0'); 256]; 2];
    for (base, table) in [0x3000u32, 0xFF00].into_iter().zip(tables.iter_mut()) {
        for (u, slot) in (base..).zip(table.iter_mut()) {
            if let Some(c) = char::from_u32(u) {
                *slot = traits(c);
            }
        }
    }
    tables
});

/// [`traits`] of a character beyond [`TRAITS`], from [`WIDE_TRAITS`] where
/// it has them.
fn wide_traits(c: char) -> Traits {
    let u = u32::from(c);
    let (table, low) = match u >> 8 {
        0x30 => (0, u & 0xFF),
        0xFF => (1, u & 0xFF),
        _ => return traits(c),
    };
    WIDE_TRAITS
        .get(table)
        .and_then(|t| t.get(low as usize))
        .copied()
        .unwrap_or_else(|| traits(c))
}

/// Scores a decoded text.
pub(crate) fn plausibility(text: &str) -> Plausibility {
    let table = &*TRAITS;
    score(text.chars().map(|c| {
        let t = match table.get(c as usize) {
            Some(t) => *t,
            None if common_cjk(c) => CJK_LETTER,
            None => wide_traits(c),
        };
        (c.is_ascii(), t)
    }))
}

/// The plausibility of a text given as each character's ASCII-ness and
/// [`Traits`]: what every way of scoring shares.
#[inline]
fn score(characters: impl Iterator<Item = (bool, Traits)>) -> Plausibility {
    let mut p = Plausibility::default();
    let mut w = WordState::default();
    for (ascii, t) in characters {
        if t.separator {
            w.finish(&mut p);
            continue;
        }
        w.push(ascii, t, &mut p);
    }
    w.finish(&mut p);
    p
}

/// [`traits`] of the character each byte decodes to in one single-byte
/// encoding, so that a candidate's reading is scored straight from the
/// bytes, without decoding them.
pub(crate) struct ByteScores([Traits; 256]);

impl ByteScores {
    /// The table for an encoding whose byte `b` decodes to `chars[b]` (and
    /// whose bytes below 0x80 are ASCII).
    pub(crate) fn new(chars: &[char; 256]) -> Self {
        let mut table = [traits('\0'); 256];
        for (slot, &c) in table.iter_mut().zip(chars) {
            *slot = traits(c);
        }
        ByteScores(table)
    }
}

/// [`plausibility`] of what `bytes` decode to in the single-byte encoding
/// of `scores` (equal to decoding, then scoring: a property test checks it
/// in every such encoding).
pub(crate) fn plausibility_of_bytes(bytes: &[u8], scores: &ByteScores) -> Plausibility {
    score(bytes.iter().map(|&b| {
        let t = scores.0.get(usize::from(b)).copied().unwrap_or(CJK_LETTER);
        (b < 0x80, t)
    }))
}

#[cfg(test)]
/// The straightforward [`plausibility`] that the table-driven one must
/// agree with.
pub(crate) fn plausibility_reference(text: &str) -> Plausibility {
    let mut p = Plausibility::default();
    let mut w = WordState::default();
    for c in text.chars() {
        if is_separator(c) {
            w.finish(&mut p);
            continue;
        }
        w.push(c.is_ascii(), traits(c), &mut p);
    }
    w.finish(&mut p);
    p
}

#[derive(Default)]
struct WordState {
    non_ascii: bool,
    bad: bool,
    script: Option<Class>,
    symbol: bool,
    letter: bool,
    letters: u32,
    latin_non_ascii: u32,
    seen_lower: bool,
    upper_after_lower: bool,
    first_cased: bool,
    cased_count: u32,
}

impl WordState {
    fn push(&mut self, ascii: bool, t: Traits, p: &mut Plausibility) {
        if !ascii {
            self.non_ascii = true;
        }
        let k = t.class;
        match k {
            Class::Bad => {
                self.bad = true;
                p.bad_chars += 1;
                // Controls count even when no word is around them.
                self.non_ascii = true;
            }
            Class::Symbol => self.symbol = true,
            Class::Neutral => {}
            _ => {
                self.letter = true;
                self.letters += 1;
                let script = if k == Class::AsciiLetter {
                    Class::Latin
                } else {
                    k
                };
                if k == Class::Latin {
                    self.latin_non_ascii += 1;
                }
                match self.script {
                    None => self.script = Some(script),
                    Some(s) if s != script => self.bad = true,
                    Some(_) => {}
                }
            }
        }
        if t.lower {
            self.seen_lower = true;
            self.cased_count += 1;
        } else if t.upper {
            if self.seen_lower {
                self.upper_after_lower = true;
            }
            if self.cased_count == 0 {
                self.first_cased = true;
            }
            self.cased_count += 1;
        }
    }

    fn finish(&mut self, p: &mut Plausibility) {
        if self.non_ascii {
            p.words += 1;
            let mut bad = self.bad;
            if self.symbol && self.letter {
                bad = true;
            }
            if self.upper_after_lower {
                bad = true;
            }
            if self.script == Some(Class::Latin)
                && self.latin_non_ascii >= 3
                && self.latin_non_ascii * 4 > self.letters * 3
            {
                bad = true;
            }
            if bad {
                p.bad += 1;
            }
        }
        *self = WordState::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plausible_and_implausible_words() {
        let cases: &[(&str, u32, u32, &str)] = &[
            ("Привет, мир", 2, 0, "Russian"),
            ("пРИВЕТ мИР", 2, 2, "KOI8-R read as windows-1251"),
            ("کتاب‌ها و فعالیت‌ها", 3, 0, "Persian with ZWNJ"),
            ("ÈÑÇí ÝÇÑÓí", 2, 2, "Persian read as windows-1252"),
            ("Ø§ÙØ®Ø¨Ø§Ø±", 1, 1, "UTF-8 read as windows-1252"),
            ("Die Straße ist schön, déjà vu", 3, 0, "Western"),
            ("Příliš žluťoučký kůň úpěl", 4, 0, "Czech"),
            ("東京で新しい政策が発表された。", 1, 0, "Japanese"),
            ("a\u{0081}b", 1, 1, "C1 control"),
            ("ASCII only", 0, 0, "no non-ASCII word"),
        ];
        for (text, words, bad, note) in cases {
            let p = plausibility(text);
            assert_eq!((p.words, p.bad), (*words, *bad), "{note}: {text}");
            assert_eq!(p, plausibility_reference(text), "{note}");
        }
    }

    #[test]
    fn common_cjk_traits_are_those_of_unicode() {
        let mut checked = 0;
        for c in (0x800u32..0x1_0000)
            .filter_map(char::from_u32)
            .filter(|&c| common_cjk(c))
        {
            assert_eq!(traits(c), CJK_LETTER, "U+{:04X}", u32::from(c));
            checked += 1;
        }
        assert!(checked > 30_000);
    }

    #[test]
    fn wide_table_equals_unicode_properties() {
        for u in (0x3000u32..=0x30FF).chain(0xFF00..=0xFFFF) {
            if let Some(c) = char::from_u32(u) {
                assert_eq!(wide_traits(c), traits(c), "U+{u:04X}");
            }
        }
    }

    #[test]
    fn table_equals_unicode_properties() {
        for (u, t) in (0u32..).zip(TRAITS.iter()) {
            if let Some(c) = char::from_u32(u) {
                assert_eq!(*t, traits(c), "U+{u:04X}");
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]

        #[test]
        fn table_scoring_equals_reference(s in "\\PC{0,200}") {
            proptest::prop_assert_eq!(plausibility(&s), plausibility_reference(&s));
        }

        #[test]
        fn table_scoring_equals_reference_on_mixed_scripts(
            s in "[a-zA-Z0-9 .,'\u{80}-\u{7FF}\u{2000}-\u{2030}\u{FFFD}]{0,200}"
        ) {
            proptest::prop_assert_eq!(plausibility(&s), plausibility_reference(&s));
        }
    }
}
