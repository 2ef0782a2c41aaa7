//! Integration tests: the real `newsbag` binary on real files.

mod conformance;
mod fixtures;
mod hostile_zip;
mod peer;
mod util;
mod verify_cli;
mod zip;
