//! Fuzz target `encoding`: detect + decode + normalise arbitrary bytes.
//! Nothing may panic; the derivative has no NUL or CR, does not start with a
//! BOM, and normalising it again changes nothing. The streaming path must
//! give the same text as the in-memory one.
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
    let mut out = Vec::new();
    let report = encoding::normalize_stream(data, &mut out, None).expect("in-memory I/O");
    assert_eq!(out, whole.text.as_bytes());
    assert_eq!(report.repairs, whole.repairs);
});
