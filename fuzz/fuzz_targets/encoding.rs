//! Fuzz target `encoding`: detect + decode + normalise arbitrary bytes.
//! Nothing may panic; the derivative has no NUL or CR, does not start with a
//! BOM, and normalising it again changes nothing. The in-memory fast paths
//! (`to_text`, whose single-byte encodings never build the decoded text;
//! `detect_and_decode`) must agree with the general steps, and the
//! streaming `Normalizer`, fed in two chunks, with both.
//!
//! ```sh
//! cargo +nightly fuzz run encoding
//! ```
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsbag::encoding;

fuzz_target!(|data: &[u8]| {
    let detection = encoding::detect(data, None);
    let decoded = encoding::decode(data, &detection);
    let normalized = encoding::normalize(&decoded.text);
    assert!(!normalized.text.contains('\0'));
    assert!(!normalized.text.contains('\r'));
    assert!(!normalized.text.starts_with('\u{FEFF}'));
    assert_eq!(encoding::normalize(&normalized.text).text, normalized.text);

    let whole = encoding::to_text(data, None);
    assert_eq!(whole.text, normalized.text);
    let (d2, decoded2) = encoding::detect_and_decode(data, None);
    assert_eq!(d2, detection);
    assert_eq!(decoded2, decoded);
    let mut n = encoding::Normalizer::new(normalized.persian);
    let mut streamed = String::new();
    let cut = (0..=decoded.text.len() / 2)
        .rev()
        .find(|&i| decoded.text.is_char_boundary(i))
        .unwrap_or(0);
    n.push(&decoded.text[..cut], &mut streamed);
    n.push(&decoded.text[cut..], &mut streamed);
    n.finish(&mut streamed);
    assert_eq!(streamed, whole.text);
    let mut out = Vec::new();
    let report = encoding::normalize_stream(data, &mut out, None).expect("in-memory I/O");
    assert_eq!(out, whole.text.as_bytes());
    assert_eq!(report.repairs, whole.repairs);
});
