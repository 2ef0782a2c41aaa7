//! The crate's error type.
//!
//! Errors mean "newsbag could not do what was asked" (an unreadable file, a
//! refused input, a bad option). Findings about a bag being *invalid* are not
//! errors: [`crate::verify`] returns them as data in a
//! [`Report`](crate::verify::Report).

use std::io;
use std::path::PathBuf;

/// A specialised `Result` for newsbag operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can make a newsbag operation fail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An I/O operation on `path` failed.
    #[error("failed to {action} `{path}`: {source}")]
    Io {
        /// What was being done ("read", "create", "rename", …).
        action: &'static str,
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// A path that should be a directory is not.
    #[error("`{path}` is not a directory")]
    NotADirectory {
        /// The offending path.
        path: PathBuf,
    },
    /// The destination of a new bag already exists.
    #[error("`{path}` already exists; refusing to overwrite it")]
    DestinationExists {
        /// The destination.
        path: PathBuf,
    },
    /// The source directory cannot be bagged; every offending file is named.
    #[error("cannot bag `{root}`:{}", format_refusals(refused))]
    Unbaggable {
        /// The directory that was to be bagged.
        root: PathBuf,
        /// Each refused file with the reason.
        refused: Vec<Refusal>,
    },
    /// A checksum algorithm name newsbag does not know.
    #[error("unknown checksum algorithm `{name}` (known: md5, sha1, sha224, sha256, sha384, sha512)")]
    UnknownAlgorithm {
        /// The name as given.
        name: String,
    },
    /// A bag-info.txt label or value that cannot be written.
    #[error("invalid bag-info.txt entry `{label}`: {reason}")]
    InvalidInfo {
        /// The label as given.
        label: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// A path given for verification is neither a bag nor a directory of bags.
    #[error("`{path}` is not a bag: {reason}")]
    NotABag {
        /// The path.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// An encoding label that the WHATWG Encoding Standard does not know.
    #[error(
        "unknown encoding `{label}` (use a WHATWG label such as utf-8, windows-1256, shift_jis)"
    )]
    UnknownEncoding {
        /// The label as given.
        label: String,
    },
}

/// One file that [`crate::bag`] refuses to put in a bag, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The path of the file, relative to the directory being bagged.
    pub path: PathBuf,
    /// Why the file is refused.
    pub reason: String,
}

fn format_refusals(refused: &[Refusal]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for r in refused {
        let _ = write!(out, "\n  `{}`: {}", r.path.display(), r.reason);
    }
    out
}

impl Error {
    /// Wraps an I/O error with the action and path it concerns.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
