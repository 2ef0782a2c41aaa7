//! Search over the archive: the normaliser applied to what is indexed and
//! to every query ([`fold`]).

pub mod export;
pub mod extract;
pub mod find;
pub mod fold;
pub mod index;
#[cfg(feature = "parquet")]
pub mod parquet;
#[cfg(feature = "postgres")]
mod pg;
pub mod query;
mod rank;
pub mod show;
