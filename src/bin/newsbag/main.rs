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
                .filter_map(|e| {
                    e.downcast_ref::<std::io::Error>().or_else(|| {
                        e.downcast_ref::<newsbag::Error>()
                            .and_then(newsbag::Error::io_cause)
                    })
                })
                .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            eprintln!("newsbag: {}", output::error_message(&err));
            exit::Outcome::Errored.into()
        }
    }
}
