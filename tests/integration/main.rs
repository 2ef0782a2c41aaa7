//! Integration tests: the real `newsbag` binary on real files.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stderr,
    clippy::print_stdout,
    reason = "test helpers fail loudly and report what they skip"
)]

mod archive;
mod conformance;
mod dc_record;
mod differential;
mod docs;
mod encoding;
mod errors;
mod extract_dest;
mod fixtures;
mod hostile_zip;
mod ingest;
mod links;
mod peer;
#[cfg(feature = "postgres")]
mod pg;
#[cfg(feature = "postgres")]
mod pg_catalog;
#[cfg(feature = "postgres")]
mod pg_serve;
mod room;
#[cfg(feature = "s3")]
mod s3;
mod search;
mod serve;
mod serve_large;
#[cfg(all(feature = "s3", feature = "postgres"))]
mod stations;
mod util;
mod verify_cli;
mod warc;
#[cfg(feature = "postgres")]
mod workers;
mod zip;
