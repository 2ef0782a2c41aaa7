//! chardetng alone, for `benches/compare_encoding.py`: prints one line per
//! file, `<WHATWG name in lower case>\t<file>`, with no BOM, declaration or
//! UTF-16 handling and no plausibility check — the baseline newsbag builds on.
//!
//! ```sh
//! cargo run --release --example chardetng_only -- FILE...
//! ```
#![allow(clippy::print_stdout, clippy::print_stderr, reason = "a CLI example")]

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};

fn main() -> std::process::ExitCode {
    let mut failed = false;
    for path in std::env::args_os().skip(1) {
        match std::fs::read(&path) {
            Ok(bytes) => {
                let mut detector = EncodingDetector::new(Iso2022JpDetection::Allow);
                detector.feed(&bytes, true);
                let guess = detector.guess(None, Utf8Detection::Allow);
                println!(
                    "{}\t{}",
                    guess.name().to_ascii_lowercase(),
                    path.to_string_lossy()
                );
            }
            Err(e) => {
                eprintln!("chardetng_only: {}: {e}", path.to_string_lossy());
                failed = true;
            }
        }
    }
    if failed {
        std::process::ExitCode::from(2)
    } else {
        std::process::ExitCode::SUCCESS
    }
}
