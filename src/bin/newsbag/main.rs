//! The `newsbag` command: translates arguments to library calls and results
//! to text and exit codes. The exit code is decided once, here.
#![forbid(unsafe_code)]
#![allow(clippy::print_stdout, clippy::print_stderr, reason = "the CLI prints")]

mod args;
mod commands;
mod exit;
mod output;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = args::Args::parse();
    output::init_logging(args.global.verbose, args.global.quiet);
    match commands::run(args) {
        Ok(outcome) => outcome.into(),
        Err(err) => {
            // A closed pipe (`newsbag verify … | head`) is not an error.
            if err
                .chain()
                .filter_map(|e| e.downcast_ref::<std::io::Error>())
                .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            eprintln!("newsbag: {}", output::sanitize(&format!("{err:#}")));
            exit::Outcome::Errored.into()
        }
    }
}
