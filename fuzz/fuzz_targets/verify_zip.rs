//! Fuzz target for newsbag's ZIP reader: arbitrary bytes as a zipped bag,
//! verified at every level from memory. Must never panic or hang.
//!
//! Reads are capped twice: entries are read at most one byte past their
//! declared size (newsbag's own `CheckedReader`), and inputs whose declared
//! uncompressed total exceeds `MAX_EXPANDED` are only verified at the fast
//! level (central directory and tag files), as zip2's `fuzz_read.rs` caps
//! `MAX_BYTES_TO_READ`.
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
/// Declared bytes beyond which entries are not hashed.
const MAX_EXPANDED: u128 = 16 << 20;

fuzz_target!(|data: &[u8]| {
    if data.len() > MAX_INPUT {
        return;
    }
    let bytes: Arc<[u8]> = Arc::from(data);
    let expanded = zip::ZipArchive::new(Cursor::new(Arc::clone(&bytes)))
        .ok()
        .and_then(|a| a.decompressed_size())
        .unwrap_or(u128::MAX);
    let levels: &[Level] = if expanded <= MAX_EXPANDED {
        &[Level::Fast, Level::Completeness, Level::Fixity]
    } else {
        &[Level::Fast]
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
