//! Integration tests: the real `newsbag` binary on real files.

mod conformance;
mod fixtures;
mod peer;
mod util;
mod verify_cli;
