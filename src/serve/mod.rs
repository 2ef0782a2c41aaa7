//! `newsbag serve`: the archive served read-only over HTTP.
//!
//! - [`oai`]: the OAI-PMH 2.0 data provider, pure functions from a
//!   request's arguments and the catalog to the response XML.
//! - [`record`]: an item's `dc.xml` read from its zipped bag in place.
//! - `http` (feature `serve`): the HTTP server around them (axum).
//! - `room` (feature `serve`): the reading room, HTML pages for
//!   researchers at `/` (search, items, the archive's status).
//! - `pool` (feature `serve`): the bounded pool of read-only catalog
//!   connections the server answers from.

pub mod oai;
pub mod record;

#[cfg(feature = "serve")]
pub mod http;
#[cfg(feature = "serve")]
pub mod pool;
#[cfg(feature = "serve")]
pub mod room;
