//! Single-byte encodings (windows-1256, windows-1251, KOI8-R, ISO-8859-x…)
//! decoded and normalised straight from the input bytes.
//!
//! In a single-byte encoding every byte is one character, so everything the
//! decoder, the Persian decision and the normaliser need to know of a
//! character can be looked up once per byte value: the character, its
//! [`Counted`] class for the Persian decision, its normaliser flags and its
//! Persian-repair flags. [`to_text`] then makes the text derivative in two
//! passes over the input bytes (decide, then decode and normalise) without
//! first building the decoded text; tokens that need Unicode normalisation
//! (rare: harakat, undefined bytes) are decoded and handed to the general
//! normaliser's [`finish_token`]. Its output equals decoding with
//! encoding_rs followed by [`super::normalize`], which the tests check on
//! the corpus and on random bytes in every single-byte encoding.

use std::sync::LazyLock;

use encoding_rs::Encoding;

use super::normalize::{NOT_TRIVIAL, PERSIAN_TARGET, SPACE, TOKEN_LIMIT, char_flags, finish_token};
use super::persian::{self, Counted, Evidence};
use super::score::{ByteScores, Plausibility, plausibility_of_bytes};
use super::{RepairKind, Repairs, add_repair};

/// Normaliser flag of the byte that decodes to CR.
const CR: u8 = 8;
/// Normaliser flag of a byte that decodes to NUL (the general normaliser
/// then takes over).
const NUL: u8 = 16;
/// Normaliser flag of a byte the encoding does not define (U+FFFD).
const BAD: u8 = 32;

/// What is known of each byte value in one single-byte encoding.
pub(crate) struct ByteTable {
    encoding: &'static Encoding,
    /// The character each byte decodes to (U+FFFD where it is undefined).
    chars: [char; 256],
    /// The length of that character in UTF-8.
    utf8_len: [u8; 256],
    /// The character with the Persian repairs of single characters made
    /// (Arabic yeh and alef maksura → Farsi yeh, Arabic kaf → keheh).
    persian_chars: [char; 256],
    /// Normaliser flags: `SPACE`, `NOT_TRIVIAL`, `PERSIAN_TARGET` (as
    /// `char_flags` gives them), `CR`, `NUL`, `BAD`.
    flags: [u8; 256],
    /// The Persian decision's view of each character.
    counted: [Counted; 256],
    /// The Persian repairs' flags of each character.
    repair: [u8; 256],
    /// Whether any byte decodes to an Arabic-script letter (without one,
    /// no text in the encoding is Persian).
    arabic_letters: bool,
    /// The plausibility scorer's view of each character.
    scores: ByteScores,
}

impl ByteTable {
    /// Whether byte `b` is undefined in the encoding.
    fn undefined(&self, b: u8) -> bool {
        self.flags
            .get(usize::from(b))
            .is_some_and(|&f| f & BAD != 0)
    }

    /// The plausibility of what `bytes` decode to (see
    /// [`plausibility_of_bytes`]).
    pub(crate) fn plausibility(&self, bytes: &[u8]) -> Plausibility {
        plausibility_of_bytes(bytes, &self.scores)
    }

    /// Whether some byte decodes to an Arabic-script letter.
    pub(crate) fn has_arabic_letters(&self) -> bool {
        self.arabic_letters
    }

    /// Whether this encoding and `other` read every byte of `bytes` as the
    /// same character (so decode them to the same text).
    pub(crate) fn reads_alike(&self, other: &ByteTable, bytes: &[u8]) -> bool {
        let mut differs = [false; 256];
        for (slot, (a, b)) in differs
            .iter_mut()
            .zip(self.chars.iter().zip(other.chars.iter()))
        {
            *slot = a != b;
        }
        !bytes
            .iter()
            .any(|&b| differs.get(usize::from(b)).copied().unwrap_or(true))
    }

    /// Whether any byte of `bytes` is undefined in the encoding.
    pub(crate) fn has_undefined(&self, bytes: &[u8]) -> bool {
        bytes.iter().any(|&b| self.undefined(b))
    }

    fn new(encoding: &'static Encoding) -> Option<Self> {
        let mut table = ByteTable {
            encoding,
            chars: ['\u{FFFD}'; 256],
            utf8_len: [3; 256],
            persian_chars: ['\u{FFFD}'; 256],
            flags: [0; 256],
            counted: [Counted::Mark; 256],
            repair: [0; 256],
            arabic_letters: false,
            scores: ByteScores::new(&['\0'; 256]),
        };
        for b in 0..=255u8 {
            let i = usize::from(b);
            let byte = [b];
            let decoded = encoding.decode_without_bom_handling_and_without_replacement(&byte);
            let c = match decoded.as_deref().map(|s| {
                let mut chars = s.chars();
                (chars.next(), chars.next())
            }) {
                Some((Some(c), None)) => c,
                Some(_) => return None,
                None => {
                    *table.flags.get_mut(i)? |= BAD;
                    '\u{FFFD}'
                }
            };
            // ASCII bytes must be ASCII, and only they: the URL and e-mail
            // tests and the line-ending rules read the bytes as ASCII.
            if (b < 0x80) != c.is_ascii() || (b < 0x80 && u32::from(b) != u32::from(c)) {
                return None;
            }
            *table.chars.get_mut(i)? = c;
            let repaired = match c {
                '\u{064A}' | '\u{0649}' => '\u{06CC}',
                '\u{0643}' => '\u{06A9}',
                c => c,
            };
            *table.persian_chars.get_mut(i)? = repaired;
            *table.utf8_len.get_mut(i)? = u8::try_from(c.len_utf8()).ok()?;
            let mut f = char_flags(c);
            if c == '\r' {
                f |= CR;
            }
            if c == '\0' {
                f |= NUL;
            }
            *table.flags.get_mut(i)? |= f;
            *table.counted.get_mut(i)? = persian::counted(c);
            *table.repair.get_mut(i)? = persian::repair_flags(c);
            table.arabic_letters |= persian::is_arabic_letter(c);
        }
        table.scores = ByteScores::new(&table.chars);
        Some(table)
    }
}

/// The tables of every single-byte encoding of the WHATWG standard that
/// qualifies (all of them do), made on first use (about 30 × 256 decodes).
static TABLES: LazyLock<Vec<ByteTable>> = LazyLock::new(|| {
    use encoding_rs::*;
    [
        IBM866,
        ISO_8859_2,
        ISO_8859_3,
        ISO_8859_4,
        ISO_8859_5,
        ISO_8859_6,
        ISO_8859_7,
        ISO_8859_8,
        ISO_8859_8_I,
        ISO_8859_10,
        ISO_8859_13,
        ISO_8859_14,
        ISO_8859_15,
        ISO_8859_16,
        KOI8_R,
        KOI8_U,
        MACINTOSH,
        WINDOWS_874,
        WINDOWS_1250,
        WINDOWS_1251,
        WINDOWS_1252,
        WINDOWS_1253,
        WINDOWS_1254,
        WINDOWS_1255,
        WINDOWS_1256,
        WINDOWS_1257,
        WINDOWS_1258,
        X_MAC_CYRILLIC,
        X_USER_DEFINED,
    ]
    .into_iter()
    .filter_map(ByteTable::new)
    .collect()
});

/// The table of `encoding`, if it is a single-byte encoding.
pub(crate) fn table(encoding: &'static Encoding) -> Option<&'static ByteTable> {
    if !encoding.is_single_byte() {
        return None;
    }
    TABLES.iter().find(|t| t.encoding == encoding)
}

/// Decodes `bytes`, appending to `out`; returns the number of undefined
/// bytes (each becomes U+FFFD), as encoding_rs would.
pub(crate) fn decode_into(table: &ByteTable, bytes: &[u8], out: &mut String) -> u64 {
    out.reserve(bytes.len() + bytes.len() / 2);
    push_decoded(table, bytes, out);
    bytes.iter().filter(|&&b| table.undefined(b)).count() as u64
}

/// Appends the decoding of `bytes` to `out`.
#[inline]
fn push_decoded(table: &ByteTable, bytes: &[u8], out: &mut String) {
    for &b in bytes {
        if b < 0x80 {
            out.push(char::from(b));
        } else {
            out.push(
                table
                    .chars
                    .get(usize::from(b))
                    .copied()
                    .unwrap_or('\u{FFFD}'),
            );
        }
    }
}

/// `persian::decide` of the decoding of `bytes`: the decision on the first
/// 64 KiB of decoded text, fed byte by byte.
pub(crate) fn decide(table: &ByteTable, bytes: &[u8]) -> bool {
    if !table.arabic_letters {
        return false; // the verdict needs two Arabic-script letters
    }
    let mut evidence = Evidence::default();
    let mut decoded = 0usize;
    for &b in bytes {
        let i = usize::from(b);
        decoded += usize::from(table.utf8_len.get(i).copied().unwrap_or(3));
        if decoded > persian::WINDOW {
            break;
        }
        evidence.push(table.counted.get(i).copied().unwrap_or(Counted::Mark));
    }
    evidence.verdict()
}

/// The text derivative of `bytes` in the table's encoding: the text, the
/// Persian decision, the repairs (replacement characters included) and the
/// number of undefined bytes. `None` where the general path must decide
/// (a NUL, or a token too long to be sure the general normaliser treats it
/// in one piece); the caller then decodes and normalises as usual.
pub(crate) fn to_text(table: &ByteTable, bytes: &[u8]) -> Option<(String, bool, Repairs, u64)> {
    let persian = decide(table, bytes);
    let (text, mut repairs, bad) = normalize_bytes(table, bytes, persian)?;
    add_repair(&mut repairs, RepairKind::ReplacementChar, bad);
    Some((text, persian, repairs, bad))
}

/// The longest token (in input bytes) taken here: its decoding is then at
/// most [`TOKEN_LIMIT`] bytes, which the general normaliser holds whole.
const BYTE_TOKEN_LIMIT: usize = TOKEN_LIMIT / 3;

/// What `normalize::normalize_fast` does to the decoded text, done on the
/// bytes in one pass.
///
/// The Persian repairs reduce here to a rule per character: a token that
/// reaches them holds no character Unicode normalisation could change, so
/// no haraka either (harakat are combining marks), and then
/// `persian::repair_token` changes every Arabic yeh, alef maksura and kaf
/// (each a letter, so inside a word) and every NOT SIGN between two
/// Arabic-script letters — unless the token is a URL or an e-mail address.
/// So each character is written repaired at once, and the rare token that
/// turns out to be a URL, or to need Unicode normalisation, is written
/// again.
fn normalize_bytes(
    table: &ByteTable,
    bytes: &[u8],
    persian: bool,
) -> Option<(String, Repairs, u64)> {
    use persian::LETTER;
    // Written a character at a time from the tables.
    let mut out = String::with_capacity(bytes.len() * 2 + 16);
    let mut repairs = Repairs::new();
    let (mut scratch, mut written) = (String::new(), String::new());
    let chars = if persian {
        &table.persian_chars
    } else {
        &table.chars
    };
    let letter = |k: usize| {
        bytes.get(k).is_some_and(|&b| {
            table
                .repair
                .get(usize::from(b))
                .is_some_and(|&r| r & LETTER != 0)
        })
    };
    let (mut crlf, mut cr, mut bad) = (0u64, 0u64, 0u64);
    let (mut yeh, mut keheh, mut zwnj) = (0u64, 0u64, 0u64);
    // The current token: where it starts in `bytes` and in `out`, the flags
    // seen in it, and its repairs (counted once the token is kept).
    let mut token_start = 0;
    let mut token_out = 0;
    let mut seen = 0u8;
    let (mut t_yeh, mut t_keheh, mut t_zwnj) = (0u64, 0u64, 0u64);
    let mut i = 0;
    loop {
        let b = bytes.get(i).copied();
        let k = usize::from(b.unwrap_or(0));
        let f = b.map_or(SPACE, |_| table.flags.get(k).copied().unwrap_or(BAD));
        if f & (SPACE | NUL) == 0 {
            seen |= f;
            if persian && f & PERSIAN_TARGET != 0 {
                match table.chars.get(k) {
                    Some('\u{064A}' | '\u{0649}') => t_yeh += 1,
                    Some('\u{0643}') => t_keheh += 1,
                    _ => {
                        // NOT SIGN: ZWNJ between two Arabic-script letters.
                        if i > 0 && letter(i - 1) && letter(i + 1) {
                            out.push('\u{200C}');
                            t_zwnj += 1;
                            i += 1;
                            continue;
                        }
                    }
                }
            }
            push_char(&mut out, chars, k);
            i += 1;
            continue;
        }
        if f & NUL != 0 {
            return None;
        }
        // The token `bytes[token_start..i]` ends.
        if i - token_start > BYTE_TOKEN_LIMIT {
            return None;
        }
        let token = bytes.get(token_start..i).unwrap_or_default();
        if seen & (NOT_TRIVIAL | BAD) != 0 {
            // Rare: Unicode normalisation may change the token; the general
            // normaliser writes it.
            out.truncate(token_out);
            scratch.clear();
            written.clear();
            bad += decode_into(table, token, &mut scratch);
            finish_token(&scratch, persian, &mut written, &mut repairs);
            out.push_str(&written);
        } else if t_yeh + t_keheh + t_zwnj > 0 {
            if persian::is_url_or_email_bytes(token) {
                out.truncate(token_out);
                for &b in token {
                    push_char(&mut out, &table.chars, usize::from(b));
                }
            } else {
                (yeh, keheh, zwnj) = (yeh + t_yeh, keheh + t_keheh, zwnj + t_zwnj);
            }
        }
        (seen, t_yeh, t_keheh, t_zwnj) = (0, 0, 0, 0);
        if b.is_none() {
            break;
        }
        if f & CR != 0 {
            out.push('\n');
            if bytes.get(i + 1) == Some(&b'\n') {
                crlf += 1;
                i += 1;
            } else {
                cr += 1;
            }
        } else {
            push_char(&mut out, &table.chars, k);
        }
        i += 1;
        token_start = i;
        token_out = out.len();
    }
    add_repair(&mut repairs, RepairKind::CrlfToLf, crlf);
    add_repair(&mut repairs, RepairKind::CrToLf, cr);
    add_repair(&mut repairs, RepairKind::PersianYeh, yeh);
    add_repair(&mut repairs, RepairKind::PersianKeheh, keheh);
    add_repair(&mut repairs, RepairKind::ZwnjFromNotSign, zwnj);
    Some((out, repairs, bad))
}

/// Appends the character of byte `k` from a table (a `String` is written
/// directly: building bytes and validating them at the end costs more).
#[inline]
fn push_char(out: &mut String, chars: &[char; 256], k: usize) {
    if let Some(&c) = chars.get(k) {
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The general path: encoding_rs, then the in-memory normaliser.
    fn general(enc: &'static Encoding, bytes: &[u8]) -> (String, bool, Repairs, u64) {
        let mut decoder = enc.new_decoder_without_bom_handling();
        let mut text = String::new();
        let bad = super::super::decode_chunk(&mut decoder, bytes, true, &mut text);
        let n = super::super::normalize(&text);
        let mut repairs = n.repairs;
        add_repair(&mut repairs, RepairKind::ReplacementChar, bad);
        (n.text, n.persian, repairs, bad)
    }

    fn check(enc: &'static Encoding, bytes: &[u8]) {
        let t = table(enc).expect("single-byte");
        let mut decoded = String::new();
        let bad = decode_into(t, bytes, &mut decoded);
        let (reference, reference_bad) = enc.decode_without_bom_handling(bytes);
        assert_eq!(decoded, reference, "{}", enc.name());
        assert_eq!(bad > 0, reference_bad, "{}", enc.name());
        assert_eq!(
            t.plausibility(bytes),
            super::super::score::plausibility(&reference),
            "{} {bytes:?}",
            enc.name()
        );
        if let Some(fast) = to_text(t, bytes) {
            assert_eq!(fast, general(enc, bytes), "{} {bytes:?}", enc.name());
        }
    }

    #[test]
    fn every_single_byte_encoding_has_a_table() {
        assert_eq!(TABLES.len(), 29);
        assert!(table(encoding_rs::UTF_8).is_none());
        assert!(table(encoding_rs::GBK).is_none());
    }

    #[test]
    fn equals_general_path_on_the_corpus() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/encoding");
        let mut checked = 0;
        for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
            let entry = entry.unwrap();
            if !entry.file_type().is_file() {
                continue;
            }
            let bytes = std::fs::read(entry.path()).unwrap();
            for enc in TABLES.iter().map(|t| t.encoding) {
                check(enc, &bytes);
                checked += 1;
            }
        }
        assert!(checked > 1000, "{checked}");
    }

    #[test]
    fn seed_in_windows_1256() {
        let seed = include_str!("../../tests/fixtures/encoding/seed.txt");
        let enc = encoding_rs::WINDOWS_1256;
        let text = seed.replace('ی', "ي").replace('\n', "\r\n");
        let bytes = enc.encode(&text).0;
        let t = table(enc).unwrap();
        let (text, persian, repairs, _) = to_text(t, &bytes).unwrap();
        assert!(persian);
        assert!(text.contains("هم\u{200C}چنین"));
        assert!(
            repairs
                .get(&RepairKind::PersianYeh)
                .is_some_and(|&n| n > 10)
        );
        assert_eq!(
            (text, persian, repairs, 0),
            general(enc, &bytes),
            "same as the general path"
        );
    }

    #[test]
    fn nul_and_long_tokens_go_the_general_way() {
        let t = table(encoding_rs::WINDOWS_1256).unwrap();
        assert!(to_text(t, b"a\0b").is_none());
        assert!(to_text(t, &vec![0xC7; BYTE_TOKEN_LIMIT + 1]).is_none());
        assert!(to_text(t, &vec![0xC7; BYTE_TOKEN_LIMIT]).is_some());
    }

    /// Bytes that are mostly Arabic-script letters of windows-1256 with the
    /// characters the repairs and the normaliser care about.
    fn cp1256_words() -> impl Strategy<Value = Vec<u8>> {
        let byte = prop_oneof![
            4 => 0xC1u8..=0xDE,
            2 => prop_oneof![Just(0xEDu8), Just(0xECu8), Just(0xDFu8), Just(0xAC), Just(0x81), Just(0x8D), Just(0x90), Just(0x98), Just(0x9D)],
            2 => prop_oneof![Just(b' '), Just(b'\r'), Just(b'\n'), Just(0xA0u8), Just(b'.'), Just(b':'), Just(b'@'), Just(b'/')],
            1 => 0xF0u8..=0xFA,
            1 => b'a'..=b'z',
            1 => any::<u8>(),
        ];
        proptest::collection::vec(byte, 0..300)
    }

    proptest! {
        #[test]
        fn equals_general_path_on_persian_like_bytes(bytes in cp1256_words()) {
            check(encoding_rs::WINDOWS_1256, &bytes);
        }

        #[test]
        fn equals_general_path_on_any_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..200),
            which in 0usize..29,
        ) {
            let enc = TABLES.get(which).map_or(encoding_rs::WINDOWS_1252, |t| t.encoding);
            check(enc, &bytes);
        }
    }
}
