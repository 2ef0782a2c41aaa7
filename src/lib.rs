//! newsbag: digital preservation of news as BagIt bags.
//!
//! newsbag keeps every original byte exact, adds a UTF-8 normalised text,
//! a Dublin Core record and checksums, and packages everything as BagIt
//! (RFC 8493) bags.
//!
//! # From the top
//!
//! - [`checksum`]: algorithms, [`checksum::MultiHasher`] (one pass, many
//!   algorithms) and hex [`checksum::Digest`]s.
//! - [`tagfile`] and [`manifest`]: the one parser and one writer of each
//!   on-disk BagIt format.
//! - [`bag`]: make a bag of a directory, in place or at a new destination.
//! - [`verify`]: check a bag, a directory or a ZIP, and get every
//!   [`Problem`] in a [`Report`].
//! - [`serialize`]: write a bag as a deterministic ZIP.
//! - [`extract`]: unpack a zipped bag safely, verifying it on the way.
//! - [`encoding`]: detect the encoding of news bytes and make the UTF-8 text
//!   derivative ([`encoding::to_text`]), with a record of every decision.
//! - [`ingest`]: the main job, news items in, one verified zipped bag out.
//! - [`item`]: sniff and parse news items (plain text, HTML, RSS 2.0, Atom)
//!   into [`item::NewsItem`]s.
//! - [`archive`]: the archive root's catalog, event log, audits, copies
//!   and history, on top of ingest and verify.
//! - [`dc`]: the Dublin Core [`dc::Record`] of an item, written and read as
//!   `oai_dc` XML.
//! - [`date`]: dates as found (RFC 822, RFC 3339, Jalali, Persian digits)
//!   to W3CDTF.
//!
//! # Example: bag a directory and verify it
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use newsbag::{bag, verify, Level, progress::NoProgress};
//!
//! let src = tempfile::tempdir()?;
//! std::fs::write(src.path().join("article.txt"), "هم‌چنین")?;
//! let dest = tempfile::tempdir()?;
//! let dest = dest.path().join("my-bag");
//!
//! let options = bag::BagOptions::new("2026-11-28");
//! bag::bag_to(src.path(), &dest, &options, &NoProgress)?;
//!
//! let report = verify::verify_dir(&dest, Level::Fixity, &NoProgress)?;
//! assert!(report.is_valid(), "{:?}", report.problems);
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod archive;
pub mod bag;
pub mod checksum;
pub mod date;
pub mod dc;
pub mod encoding;
pub mod error;
pub mod extract;
pub mod ingest;
pub mod item;
pub mod manifest;
pub mod progress;
pub mod report;
pub mod serialize;
pub mod serve;
mod source;
pub mod spill;
#[cfg(feature = "s3")]
pub mod store;
pub mod tagfile;
pub mod verify;
mod walk;
pub mod warc;

pub use error::{Error, Result};
pub use report::{Level, Problem, ProblemKind, Report, Severity};
