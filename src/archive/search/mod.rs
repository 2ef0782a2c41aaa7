//! Search over the archive: the normaliser applied to what is indexed and
//! to every query ([`fold`]).

pub mod export;
pub mod find;
pub mod fold;
pub mod index;
pub mod query;
pub mod show;
