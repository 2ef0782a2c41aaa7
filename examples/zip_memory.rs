//! What listing (or writing) a large ZIP costs with the zip crate and with
//! newsbag's own reader, for `benches/zip_crate_memory.sh` and
//! docs/zip-decision.md. Each mode does one thing and prints what it
//! found; the script measures peak memory and time around it with
//! `/usr/bin/time`.
//!
//! ```sh
//! cargo run --release --example zip_memory -- MODE ARGS
//! ```
//!
//! - `baseline ARCHIVE`: only opens the file (the process's own memory);
//! - `zip-crate ARCHIVE`: `zip::ZipArchive::new` parses the central
//!   directory (what the zip crate must hold to read any entry), then the
//!   names are walked;
//! - `newsbag-one-pass ARCHIVE`: `verify --fast` through newsbag's reader,
//!   the whole archive listed and checked in memory at once (no parts);
//! - `newsbag ARCHIVE`: the same as `newsbag verify --fast` (in parts
//!   beyond 250,000 entries);
//! - `zip-crate-write N OUT`: the zip crate writes N empty stored entries
//!   (`bag/data/dNNNN/fNNNN.txt`) to OUT: what its writer holds per entry.
#![allow(clippy::print_stdout, clippy::print_stderr, reason = "a CLI example")]

use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::process::ExitCode;

use newsbag::Level;
use newsbag::progress::NoProgress;
use newsbag::verify::{verify_zip, verify_zip_with_threshold};

fn run(mode: &str, arg: &str, out: Option<&str>) -> Result<String, Box<dyn std::error::Error>> {
    let path = Path::new(arg);
    Ok(match mode {
        "baseline" => format!("{} bytes", File::open(path)?.metadata()?.len()),
        "zip-crate" => {
            let archive = zip::ZipArchive::new(BufReader::new(File::open(path)?))?;
            let names: usize = archive.file_names().map(|n| n.map_or(0, |n| n.len())).sum();
            format!("{} entries, {names} bytes of names", archive.len())
        }
        "newsbag-one-pass" | "newsbag" => {
            let report = if mode == "newsbag" {
                verify_zip(path, Level::Fast, &NoProgress)?
            } else {
                verify_zip_with_threshold(path, Level::Fast, &NoProgress, usize::MAX)?
            };
            format!(
                "{} payload files, valid: {}",
                report.payload_files,
                report.is_valid()
            )
        }
        "zip-crate-write" => {
            let n: usize = arg.parse()?;
            let out = out.ok_or("zip-crate-write N OUT")?;
            let mut w = zip::ZipWriter::new(std::io::BufWriter::new(File::create(out)?));
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored);
            for i in 0..n {
                w.start_file(
                    format!("bag/data/d{:04}/f{:04}.txt", i / 1000, i % 1000),
                    opts,
                )?;
            }
            w.finish()?;
            format!("{n} entries written")
        }
        _ => return Err(format!("unknown mode {mode}").into()),
    })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(mode), Some(arg)) = (args.first(), args.get(1)) else {
        eprintln!("usage: zip_memory MODE ARCHIVE | zip_memory zip-crate-write N OUT");
        return ExitCode::from(2);
    };
    match run(mode, arg, args.get(2).map(String::as_str)) {
        Ok(found) => {
            println!("{mode}: {found}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{mode}: {e}");
            ExitCode::FAILURE
        }
    }
}
