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
//! - [`encoding`]: detect the encoding of news bytes and make the UTF-8 text
//!   derivative ([`encoding::to_text`]), with a record of every decision.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod checksum;
pub mod encoding;
pub mod error;

pub use error::{Error, Result};
