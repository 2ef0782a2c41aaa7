//! Encoding detection and normalisation of news text to UTF-8.
//!
//! News reaches archives in windows-1256, UTF-16 without a byte-order mark,
//! pages that declare iso-8859-1 but hold Persian, Shift_JIS, KOI8-R, GBK…
//! This module turns such bytes into the *text derivative* that newsbag stores
//! beside the untouched original: UTF-8, Unicode NFC, LF line endings, no BOM,
//! no NUL, with the safe Persian orthographic repairs, and a record of every
//! decision and every change.
//!
//! # Brief overview
//!
//! - [`detect`] (or [`detect_prefix`] for a bounded look at a long stream)
//!   decides the encoding and returns a [`Detection`]: which encoding, how
//!   ([`DetectedBy`]), how sure, and what the document declared.
//! - [`decode`] turns the bytes into a [`Decoded`] string, counting malformed
//!   sequences (each becomes U+FFFD).
//! - [`normalize`] makes the derivative text and counts its repairs by
//!   [`RepairKind`]; [`Normalizer`] does the same chunk by chunk.
//! - [`to_text`] does all three for bytes in memory; [`normalize_stream`] does
//!   them from a reader to a writer in bounded memory.
//!
//! The policy, written for archivists, is in `docs/encoding.md`.
//!
//! # Example
//!
//! ```
//! use newsbag::encoding::{self, DetectedBy};
//!
//! // Persian as an old Iranian site would send it: windows-1256, with
//! // Arabic yeh and kaf (that code page has no Persian yeh).
//! let cp1256 = encoding::encoding_for_label("windows-1256").unwrap();
//! let (bytes, _, _) = cp1256.encode("اين كتاب فارسي است");
//! let derivative = encoding::to_text(&bytes, None);
//! assert_eq!(derivative.detection.label(), "windows-1256");
//! assert_eq!(derivative.detection.method, DetectedBy::Sniffed);
//! // Yeh and kaf repaired to their Persian forms.
//! assert_eq!(derivative.text, "این کتاب فارسی است");
//! ```

mod detect;
mod language;
mod normalize;
mod persian;
mod score;
mod single_byte;

use std::collections::BTreeMap;
use std::io::{self, Read, Write};

use encoding_rs::DecoderResult;
use serde::{Serialize, Serializer};

pub use detect::{DETECT_LIMIT, sniff_declaration};
/// The encoding type (from encoding_rs, the WHATWG Encoding Standard).
pub use encoding_rs::Encoding;
pub use normalize::Normalizer;
pub use persian::is_persian;

use crate::error::{Error, Result};

/// How the encoding of an input was decided, in the order newsbag tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DetectedBy {
    /// The caller named the encoding (`--encoding`); nothing was detected.
    Given,
    /// A byte-order mark (UTF-8, UTF-16LE or UTF-16BE).
    Bom,
    /// An in-band declaration (`<?xml encoding=…?>`, `<meta charset>`) that
    /// the bytes agree with.
    Declared,
    /// The bytes were examined: valid UTF-8, UTF-16 without a BOM, or
    /// statistical detection.
    Sniffed,
    /// Nothing fitted; windows-1252 was used as a last resort.
    Default,
}

impl DetectedBy {
    /// The name used in reports: `given`, `bom`, `declared`, `sniffed`,
    /// `default`.
    pub fn as_str(self) -> &'static str {
        match self {
            DetectedBy::Given => "given",
            DetectedBy::Bom => "bom",
            DetectedBy::Declared => "declared",
            DetectedBy::Sniffed => "sniffed",
            DetectedBy::Default => "default",
        }
    }
}

/// The outcome of encoding detection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Detection {
    /// The encoding to decode with.
    #[serde(serialize_with = "serialize_encoding")]
    pub encoding: &'static Encoding,
    /// How sure newsbag is, from 0 to 1.
    pub confidence: f32,
    /// How the encoding was decided.
    pub method: DetectedBy,
    /// The encoding the document declared in-band, if any, whether it was
    /// believed or not (as its WHATWG name).
    #[serde(serialize_with = "serialize_opt_encoding")]
    pub declared: Option<&'static Encoding>,
    /// Length of the byte-order mark that starts the input (0 if none). The
    /// BOM is not part of the text.
    pub bom_len: usize,
    /// Whether decoding the examined prefix met malformed sequences.
    pub had_errors: bool,
    /// Where newsbag is unsure: another encoding that reads the same bytes
    /// as different, nearly as plausible text (statistical detection only).
    /// An archivist may want to review such items. Left out of JSON when
    /// there is none.
    #[serde(
        serialize_with = "serialize_opt_encoding",
        skip_serializing_if = "Option::is_none"
    )]
    pub runner_up: Option<&'static Encoding>,
}

impl Detection {
    /// The encoding's WHATWG name in lower case (`utf-8`, `windows-1256`,
    /// `utf-16le`, `shift_jis`, `gbk`, …), a valid label for
    /// [`encoding_for_label`].
    pub fn label(&self) -> String {
        label_of(self.encoding)
    }
}

/// The lower-case WHATWG name of an encoding (`utf-8`, `windows-1256`, …).
pub fn label_of(encoding: &'static Encoding) -> String {
    encoding.name().to_ascii_lowercase()
}

fn serialize_encoding<S: Serializer>(e: &&'static Encoding, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&label_of(e))
}

fn serialize_opt_encoding<S: Serializer>(
    e: &Option<&'static Encoding>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match e {
        Some(e) => s.serialize_some(&label_of(e)),
        None => s.serialize_none(),
    }
}

/// Text decoded from bytes, before normalisation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decoded {
    /// The decoded text (the BOM, if any, is not included).
    pub text: String,
    /// The encoding used.
    #[serde(serialize_with = "serialize_encoding")]
    pub encoding: &'static Encoding,
    /// How the encoding was decided.
    pub detected_by: DetectedBy,
    /// Whether any malformed sequence was met.
    pub had_errors: bool,
    /// How many malformed sequences became U+FFFD.
    pub replacements: u64,
}

/// A kind of change made to the text derivative; every change is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RepairKind {
    /// A malformed byte sequence became U+FFFD REPLACEMENT CHARACTER.
    ReplacementChar,
    /// A byte-order mark (or U+FEFF at the start of the text) was removed.
    BomRemoved,
    /// A NUL character was removed.
    NulRemoved,
    /// A CR LF pair became LF.
    CrlfToLf,
    /// A lone CR became LF.
    CrToLf,
    /// A whitespace-separated token was changed by Unicode NFC.
    Nfc,
    /// In Persian text, U+00AC NOT SIGN between two letters became U+200C
    /// ZERO WIDTH NON-JOINER.
    ZwnjFromNotSign,
    /// In Persian text, Arabic yeh U+064A or alef maksura U+0649 became
    /// Persian yeh U+06CC.
    PersianYeh,
    /// In Persian text, Arabic kaf U+0643 became keheh U+06A9.
    PersianKeheh,
}

/// Counts of repairs by kind (only kinds that occurred are present).
pub type Repairs = BTreeMap<RepairKind, u64>;

pub(crate) fn add_repair(repairs: &mut Repairs, kind: RepairKind, n: u64) {
    if n > 0 {
        *repairs.entry(kind).or_insert(0) += n;
    }
}

/// Normalised text and what was changed to make it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Normalized {
    /// The derivative text: NFC, LF, no BOM, no NUL, Persian repairs applied.
    pub text: String,
    /// Whether the text was judged Persian (and so got the Persian repairs).
    pub persian: bool,
    /// Every change, counted by kind.
    pub repairs: Repairs,
}

/// The provenance of a text derivative: how the encoding was decided and
/// what was repaired. Serialised into the item's provenance record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextReport {
    /// The detection.
    pub detection: Detection,
    /// Whether decoding the whole input met malformed sequences.
    pub had_errors: bool,
    /// Whether the text was judged Persian.
    pub persian: bool,
    /// Every change, counted by kind (decoding replacements included).
    pub repairs: Repairs,
    /// Bytes read.
    pub bytes_in: u64,
    /// Bytes of UTF-8 written.
    pub bytes_out: u64,
}

/// The UTF-8 text derivative of some bytes, with its provenance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextDerivative {
    /// The derivative text.
    pub text: String,
    /// The detection.
    pub detection: Detection,
    /// Whether decoding met malformed sequences.
    pub had_errors: bool,
    /// Whether the text was judged Persian.
    pub persian: bool,
    /// Every change, counted by kind (decoding replacements included).
    pub repairs: Repairs,
}

/// Looks up an encoding by WHATWG label (`utf-8`, `latin1`, `cp1256`,
/// `shift_jis`, …), case-insensitively.
///
/// # Errors
///
/// [`Error::UnknownEncoding`] if the label is not a WHATWG label.
pub fn encoding_for_label(label: &str) -> Result<&'static Encoding> {
    Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| Error::UnknownEncoding {
        label: label.to_owned(),
    })
}

/// Decides the encoding of a complete input. Only the first
/// [`DETECT_LIMIT`] bytes are examined. `given` (an explicit `--encoding`)
/// overrides everything.
pub fn detect(bytes: &[u8], given: Option<&'static Encoding>) -> Detection {
    detect::detect_prefix(bytes, bytes.len() <= DETECT_LIMIT, given)
}

/// Decides the encoding from a prefix of an input. `complete` says whether
/// `prefix` is the whole input; if not, a character cut at the end of the
/// prefix is not held against an encoding.
pub fn detect_prefix(prefix: &[u8], complete: bool, given: Option<&'static Encoding>) -> Detection {
    detect::detect_prefix(prefix, complete, given)
}

/// [`detect`] and [`decode`] of a complete input in memory, with the same
/// results, doing once what they would each do: valid UTF-8 is validated
/// once (and then copied, not decoded), and whether the input has errors
/// is learnt from decoding it rather than by decoding its start a second
/// time.
pub fn detect_and_decode(bytes: &[u8], given: Option<&'static Encoding>) -> (Detection, Decoded) {
    let complete = bytes.len() <= DETECT_LIMIT;
    let valid = std::str::from_utf8(bytes).ok();
    let mut detection =
        detect::detect_without_error_check_hinted(bytes, complete, given, valid.is_some());
    let decoded = match valid.and_then(|t| t.get(detection.bom_len..)) {
        Some(text) if detection.encoding == encoding_rs::UTF_8 => Decoded {
            text: text.to_owned(),
            encoding: detection.encoding,
            detected_by: detection.method,
            had_errors: false,
            replacements: 0,
        },
        _ => decode(bytes, &detection),
    };
    detection.had_errors = if complete {
        // Detection examined the whole input: it has errors exactly when
        // decoding it met a malformed sequence.
        decoded.had_errors
    } else {
        detect::has_errors(
            bytes.get(..DETECT_LIMIT).unwrap_or(bytes),
            &detection,
            false,
        )
    };
    (detection, decoded)
}

/// Decodes `bytes` as `detection` says: the BOM (if detected) is skipped,
/// malformed sequences become U+FFFD and are counted.
pub fn decode(bytes: &[u8], detection: &Detection) -> Decoded {
    let body = bytes.get(detection.bom_len..).unwrap_or_default();
    let mut text = String::new();
    let replacements = decode_all(detection.encoding, body, true, &mut text);
    Decoded {
        text,
        encoding: detection.encoding,
        detected_by: detection.method,
        had_errors: replacements > 0,
        replacements,
    }
}

/// Decodes all of `src` with `encoding` (single-byte encodings through
/// their tables), appending to `out`; returns the number of malformed
/// sequences. Unless `last`, a character cut at the end is left out.
pub(crate) fn decode_all(
    encoding: &'static Encoding,
    src: &[u8],
    last: bool,
    out: &mut String,
) -> u64 {
    if let Some(table) = single_byte::table(encoding) {
        // No character spans two bytes: none can be cut at the end.
        return single_byte::decode_into(table, src, out);
    }
    let mut decoder = encoding.new_decoder_without_bom_handling();
    decode_chunk(&mut decoder, src, last, out)
}

/// Decodes one chunk, appending to `out`; returns the number of malformed
/// sequences (each replaced by U+FFFD).
pub(crate) fn decode_chunk(
    decoder: &mut encoding_rs::Decoder,
    mut src: &[u8],
    last: bool,
    out: &mut String,
) -> u64 {
    let mut replacements = 0;
    loop {
        let need = decoder
            .max_utf8_buffer_length_without_replacement(src.len())
            .unwrap_or(src.len().saturating_mul(3).saturating_add(16));
        out.reserve(need.clamp(16, 1 << 20));
        let (result, read) = decoder.decode_to_string_without_replacement(src, out, last);
        src = src.get(read..).unwrap_or_default();
        match result {
            DecoderResult::InputEmpty => return replacements,
            DecoderResult::OutputFull => {}
            DecoderResult::Malformed(_, _) => {
                out.push('\u{FFFD}');
                replacements += 1;
            }
        }
    }
}

/// Normalises text into the derivative: NFC, LF line endings, no BOM, no
/// NUL, and for Persian text (see [`is_persian`]) the safe orthographic
/// repairs. Idempotent: normalising the result changes nothing.
pub fn normalize(text: &str) -> Normalized {
    let persian = persian::decide(text);
    if let Some((text, repairs)) = normalize::normalize_fast(text, persian) {
        return Normalized {
            text,
            persian,
            repairs,
        };
    }
    let mut n = Normalizer::new(persian);
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    n.push(text, &mut out);
    n.finish(&mut out);
    Normalized {
        text: out,
        persian,
        repairs: n.into_repairs(),
    }
}

/// Detects, decodes and normalises bytes held in memory.
pub fn to_text(bytes: &[u8], given: Option<&'static Encoding>) -> TextDerivative {
    // UTF-8 is validated once: valid input is then neither validated again
    // by detection nor decoded (decoding valid UTF-8 yields the same text).
    let valid = std::str::from_utf8(bytes).ok();
    let detection = detect::detect_without_error_check_hinted(
        bytes,
        bytes.len() <= DETECT_LIMIT,
        given,
        valid.is_some(),
    );
    if detection.encoding == encoding_rs::UTF_8
        && let Some(text) = valid.and_then(|t| t.get(detection.bom_len..))
    {
        return derive_text(detection, text, 0);
    }
    // Single-byte encodings are decoded and normalised in one go.
    if let Some(table) = single_byte::table(detection.encoding)
        && let Some((text, persian, repairs, bad)) =
            single_byte::to_text(table, bytes.get(detection.bom_len..).unwrap_or_default())
    {
        let mut detection = detection;
        detection.had_errors = bad > 0;
        return TextDerivative {
            text,
            detection,
            had_errors: bad > 0,
            persian,
            repairs,
        };
    }
    let decoded = decode(bytes, &detection);
    derive(detection, &decoded)
}

/// The text derivative of input already detected and decoded (so that a
/// caller who needed the decoded text does not decode twice): normalises
/// it and counts every repair, decoding replacements and a removed BOM
/// included.
pub fn derive(detection: Detection, decoded: &Decoded) -> TextDerivative {
    derive_text(detection, &decoded.text, decoded.replacements)
}

/// [`derive`] of decoded text that met `replacements` malformed sequences.
fn derive_text(mut detection: Detection, text: &str, replacements: u64) -> TextDerivative {
    let had_errors = replacements > 0;
    detection.had_errors = had_errors;
    let normalized = normalize(text);
    let mut repairs = normalized.repairs;
    add_repair(&mut repairs, RepairKind::ReplacementChar, replacements);
    if detection.bom_len > 0 {
        add_repair(&mut repairs, RepairKind::BomRemoved, 1);
    }
    TextDerivative {
        text: normalized.text,
        detection,
        had_errors,
        persian: normalized.persian,
        repairs,
    }
}

/// Size of the chunks [`normalize_stream`] reads.
const STREAM_CHUNK: usize = 64 * 1024;

/// Detects, decodes and normalises from a reader to a writer in bounded
/// memory: detection looks at the first [`DETECT_LIMIT`] bytes, and whether
/// the text is Persian is decided on the start of the decoded text, as
/// [`normalize`] does. The output equals [`to_text`]'s text.
///
/// # Errors
///
/// Any I/O error from the reader or the writer.
pub fn normalize_stream<R: Read, W: Write>(
    mut reader: R,
    mut writer: W,
    given: Option<&'static Encoding>,
) -> io::Result<TextReport> {
    // The prefix used for detection, and for the Persian decision.
    let mut prefix = Vec::new();
    (&mut reader)
        .take(DETECT_LIMIT as u64 + 1)
        .read_to_end(&mut prefix)?;
    let complete = prefix.len() <= DETECT_LIMIT;
    if complete {
        // The whole input is in memory: the in-memory fast paths make the
        // same text (and the same report) as streaming would.
        let t = to_text(&prefix, given);
        writer.write_all(t.text.as_bytes())?;
        writer.flush()?;
        return Ok(TextReport {
            detection: t.detection,
            had_errors: t.had_errors,
            persian: t.persian,
            repairs: t.repairs,
            bytes_in: prefix.len() as u64,
            bytes_out: t.text.len() as u64,
        });
    }
    let detection = detect_prefix(&prefix, complete, given);
    let mut decoder = detection.encoding.new_decoder_without_bom_handling();
    let mut repairs = Repairs::new();
    if detection.bom_len > 0 {
        add_repair(&mut repairs, RepairKind::BomRemoved, 1);
    }
    let mut replacements = 0;
    let mut text = String::new();
    let body = prefix.get(detection.bom_len..).unwrap_or_default();
    replacements += decode_chunk(&mut decoder, body, complete, &mut text);
    let persian = persian::decide(&text);
    let mut normalizer = Normalizer::new(persian);
    let mut out = String::new();
    normalizer.push(&text, &mut out);
    drop(text);
    let mut bytes_in = prefix.len() as u64;
    let mut bytes_out = 0u64;
    writer.write_all(out.as_bytes())?;
    bytes_out += out.len() as u64;
    if !complete {
        let mut buf = vec![0u8; STREAM_CHUNK];
        loop {
            let n = match reader.read(&mut buf) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            bytes_in += n as u64;
            let mut text = String::new();
            let chunk = buf.get(..n).unwrap_or_default();
            replacements += decode_chunk(&mut decoder, chunk, n == 0, &mut text);
            out.clear();
            normalizer.push(&text, &mut out);
            writer.write_all(out.as_bytes())?;
            bytes_out += out.len() as u64;
            if n == 0 {
                break;
            }
        }
    }
    out.clear();
    normalizer.finish(&mut out);
    writer.write_all(out.as_bytes())?;
    bytes_out += out.len() as u64;
    writer.flush()?;
    for (kind, n) in normalizer.into_repairs() {
        add_repair(&mut repairs, kind, n);
    }
    add_repair(&mut repairs, RepairKind::ReplacementChar, replacements);
    Ok(TextReport {
        detection,
        had_errors: replacements > 0,
        persian,
        repairs,
        bytes_in,
        bytes_out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn labels_are_lower_case_whatwg_names() {
        for (label, name) in [
            ("UTF-8", "utf-8"),
            ("latin1", "windows-1252"),
            ("cp1256", "windows-1256"),
            ("sjis", "shift_jis"),
            ("gb2312", "gbk"),
            ("utf-16", "utf-16le"),
        ] {
            assert_eq!(label_of(encoding_for_label(label).unwrap()), name);
        }
        assert!(matches!(
            encoding_for_label("klingon"),
            Err(Error::UnknownEncoding { .. })
        ));
    }

    /// Issue 11, item 6: a short Persian line followed by a link is
    /// Persian, repaired, and the link is left as it is (from UTF-8 and
    /// from windows-1256 bytes alike).
    #[test]
    fn short_persian_line_with_a_url_is_repaired() {
        let url = "https://www.example.com/news/2024/world/article-12345.html";
        let line = format!("رييس جمهوري گفت اين كار را مي كنيم {url}");
        let want = format!("رییس جمهوری گفت این کار را می کنیم {url}");
        let n = normalize(&line);
        assert!(n.persian);
        assert_eq!(n.text, want);
        let (bytes, _, _) = encoding_rs::WINDOWS_1256.encode(&line);
        let t = to_text(&bytes, Some(encoding_rs::WINDOWS_1256));
        assert!(t.persian);
        assert_eq!(t.text, want);
    }

    #[test]
    fn decode_counts_malformed_sequences() {
        let d = detect(b"abc", Some(encoding_rs::UTF_8));
        let out = decode(b"a\xFFb\xC3", &d);
        assert_eq!(out.text, "a\u{FFFD}b\u{FFFD}");
        assert_eq!(out.replacements, 2);
        assert!(out.had_errors);
    }

    #[test]
    fn stream_equals_in_memory() {
        let seed = include_str!("../../tests/fixtures/encoding/seed.txt");
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice(seed.replace('\n', "\r\n").as_bytes());
        let whole = to_text(&bytes, None);
        let mut out = Vec::new();
        let report = normalize_stream(&bytes[..], &mut out, None).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), whole.text);
        assert_eq!(report.repairs, whole.repairs);
        assert!(whole.persian);
        assert_eq!(whole.repairs.get(&RepairKind::BomRemoved), Some(&1));
        assert!(whole.repairs.contains_key(&RepairKind::CrlfToLf));
        assert!(whole.text.contains("هم\u{200C}چنین"));
    }

    #[test]
    fn stream_of_a_long_input_is_bounded_and_equal() {
        // Longer than DETECT_LIMIT, one line, in windows-1256.
        let (word, _, _) = encoding_rs::WINDOWS_1256.encode("كتاب¬ها ");
        let mut bytes = Vec::new();
        while bytes.len() < DETECT_LIMIT + 3 * STREAM_CHUNK + 7 {
            bytes.extend_from_slice(&word);
        }
        let whole = to_text(&bytes, None);
        let mut out = Vec::new();
        let report = normalize_stream(&bytes[..], &mut out, None).unwrap();
        assert_eq!(report.detection.encoding, encoding_rs::WINDOWS_1256);
        assert_eq!(out.len(), whole.text.len());
        assert!(String::from_utf8(out).unwrap() == whole.text);
        assert_eq!(report.bytes_in, bytes.len() as u64);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn utf8_round_trip(s in "\\PC{0,200}") {
            let d = detect(s.as_bytes(), None);
            let decoded = decode(s.as_bytes(), &d);
            prop_assert_eq!(d.encoding, encoding_rs::UTF_8);
            prop_assert_eq!(decoded.text, s);
        }

        #[test]
        fn utf16_round_trip_with_bom(s in "\\PC{0,200}", be in any::<bool>()) {
            let mut bytes = if be { vec![0xFE, 0xFF] } else { vec![0xFF, 0xFE] };
            for u in s.encode_utf16() {
                let b = if be { u.to_be_bytes() } else { u.to_le_bytes() };
                bytes.extend_from_slice(&b);
            }
            let d = detect(&bytes, None);
            prop_assert_eq!(d.method, DetectedBy::Bom);
            prop_assert_eq!(decode(&bytes, &d).text, s);
        }

        #[test]
        fn utf16_round_trip_given(s in "\\PC{0,200}", be in any::<bool>()) {
            let enc = if be { encoding_rs::UTF_16BE } else { encoding_rs::UTF_16LE };
            let mut bytes = Vec::new();
            for u in s.encode_utf16() {
                let b = if be { u.to_be_bytes() } else { u.to_le_bytes() };
                bytes.extend_from_slice(&b);
            }
            let d = detect(&bytes, Some(enc));
            prop_assert_eq!(decode(&bytes, &d).text, s);
        }

        #[test]
        fn utf16_without_bom_round_trip_for_text_with_spaces(
            words in proptest::collection::vec(
                prop_oneof!["[a-z]{1,8}", "[а-я]{1,8}", "[ا-ی]{1,8}", "[α-ω]{1,8}", "[0-9]{1,4}"],
                2..20,
            ),
            be in any::<bool>(),
        ) {
            let s = words.join(" ");
            let mut bytes = Vec::new();
            for u in s.encode_utf16() {
                let b = if be { u.to_be_bytes() } else { u.to_le_bytes() };
                bytes.extend_from_slice(&b);
            }
            let d = detect(&bytes, None);
            prop_assert_eq!(decode(&bytes, &d).text, s);
        }

        #[test]
        fn to_text_equals_detect_decode_derive(
            s in "\\PC{0,100}",
            bytes in proptest::collection::vec(any::<u8>(), 0..100),
            bom in any::<bool>(),
            given in proptest::option::of(proptest::sample::select(vec![
                encoding_rs::UTF_8, encoding_rs::WINDOWS_1256, encoding_rs::UTF_16LE,
            ])),
        ) {
            let mut utf8 = if bom { b"\xEF\xBB\xBF".to_vec() } else { Vec::new() };
            utf8.extend_from_slice(s.as_bytes());
            let mut cut = utf8.clone();
            cut.pop();
            for input in [utf8, cut, bytes] {
                let d = detect::detect_without_error_check(&input, true, given);
                let slow = derive(d.clone(), &decode(&input, &d));
                prop_assert_eq!(to_text(&input, given), slow);
            }
        }

        #[test]
        fn detect_and_decode_equals_detect_then_decode(
            bytes in proptest::collection::vec(any::<u8>(), 0..300),
            utf16 in any::<bool>(),
            s in "\\PC{0,80}",
        ) {
            // Random bytes, and text as UTF-8 or UTF-16 (so that every
            // detection step is taken).
            for input in [bytes, if utf16 {
                s.encode_utf16().flat_map(u16::to_le_bytes).collect()
            } else {
                s.clone().into_bytes()
            }] {
                let (d, decoded) = detect_and_decode(&input, None);
                let d2 = detect(&input, None);
                prop_assert_eq!(&d, &d2);
                prop_assert_eq!(decoded, decode(&input, &d2));
            }
        }

        #[test]
        fn never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let t = to_text(&bytes, None);
            prop_assert!(!t.text.contains('\0'));
            prop_assert_eq!(normalize(&t.text).text, t.text);
        }
    }
}
