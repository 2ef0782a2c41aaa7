//! Fuzz target for newsbag's own ZIP reader (`serialize/read/central.rs`:
//! end records, central directory, local headers, inflating): arbitrary
//! bytes as a zipped bag, verified from memory. Must never panic or hang.
//!
//! Reads are capped twice: entries are read at most one byte past their
//! declared size (newsbag's own `CheckedReader`), and only inputs of at most
//! `MAX_HASHED` bytes are verified at full fixity, as zip2's `fuzz_read.rs`
//! caps `MAX_BYTES_TO_READ`: overlapping entries are never hashed, so the
//! data read is at most the input inflated once (deflate expands at most
//! about 1032:1, so 16 KiB become at most about 16 MiB). Larger inputs are
//! verified at the fast and completeness levels (central directory and tag
//! files).
#![no_main]

use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use newsbag::Level;
use newsbag::progress::NoProgress;
use newsbag::verify::verify_zip_reader;

/// Inputs larger than this are skipped (run with `-max_len` below it).
const MAX_INPUT: usize = 1 << 20;
/// Inputs larger than this are not hashed.
const MAX_HASHED: usize = 16 << 10;

fuzz_target!(|data: &[u8]| {
    if data.len() > MAX_INPUT {
        return;
    }
    let bytes: Arc<[u8]> = Arc::from(data);
    let levels: &[Level] = if data.len() <= MAX_HASHED {
        &[Level::Fast, Level::Completeness, Level::Fixity]
    } else {
        &[Level::Fast, Level::Completeness]
    };
    for &level in levels {
        if let Ok(report) =
            verify_zip_reader(Cursor::new(Arc::clone(&bytes)), Path::new("fuzz.zip"), level, &NoProgress)
        {
            // A report is always internally consistent.
            assert_eq!(report.valid, report.is_valid());
        }
    }
});
