//! The crate's error type.
//!
//! Errors mean "newsbag could not do what was asked" (an unreadable file, a
//! refused input, a bad option). Findings about a bag being *invalid* are not
//! errors: [`crate::verify`] returns them as data in a
//! [`Report`](crate::report::Report).

use std::io;
use std::path::PathBuf;

/// A specialised `Result` for newsbag operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can make a newsbag operation fail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An I/O operation on `path` failed.
    ///
    /// The message holds the cause, so the cause is not also returned by
    /// [`source`](std::error::Error::source): a reporter that prints the
    /// chain (`anyhow`'s `{:#}`) would print it twice.
    #[error("failed to {action} `{path}`: {cause}")]
    Io {
        /// What was being done ("read", "create", "rename", …).
        action: &'static str,
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        cause: io::Error,
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
    /// The destination of an extraction exists and is not an empty
    /// directory.
    #[error("`{path}` already exists and is not an empty directory; refusing to extract into it")]
    DestinationNotEmpty {
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
    #[error(
        "unknown checksum algorithm `{name}` (known: md5, sha1, sha224, sha256, sha384, sha512)"
    )]
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
    /// The destination of a bag cannot be used.
    #[error("cannot make a bag at `{path}`: {reason}")]
    InvalidDestination {
        /// The destination.
        path: PathBuf,
        /// Why.
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
    /// A file cannot be read as a ZIP archive at all (not a ZIP, truncated,
    /// corrupt central directory), or writing one failed.
    #[error("`{path}` is not a readable ZIP archive: {reason}")]
    Zip {
        /// The archive.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// An archive entry name that could write outside the destination.
    #[error("unsafe archive entry name `{name}`: {reason}")]
    UnsafeMemberName {
        /// The name, with control characters escaped.
        name: String,
        /// Why it is refused.
        reason: String,
    },
    /// The archive is not exactly one bag under one top-level directory.
    #[error("the archive is not a single bag: {top_level}")]
    NotASingleBag {
        /// What was found at the top level.
        top_level: String,
    },
    /// A configured limit (entries, total size, compression ratio) would be
    /// exceeded: a possible ZIP bomb.
    #[error("refusing the archive: {what} exceeds the limit of {limit}")]
    LimitExceeded {
        /// What was measured, with its value.
        what: String,
        /// The limit.
        limit: u64,
    },
    /// An ingest whose bag would hold more ZIP entries than newsbag reads.
    #[error(
        "{items} items already make a bag of more than {limit} ZIP entries, the most newsbag verifies; ingest the inputs in several runs, each with its own --name"
    )]
    TooManyEntries {
        /// Items laid out when the limit was passed.
        items: u64,
        /// The limit on entries.
        limit: u64,
    },
    /// A bag did not verify, so it was not zipped or not extracted; nothing
    /// was left under the final name.
    #[error("`{path}` did not verify:{}", format_problems(problems))]
    Invalid {
        /// The archive or bag concerned.
        path: PathBuf,
        /// The error-level problems (at most a few dozen).
        problems: Vec<String>,
    },
    /// An `--item` that is not a payload file of the bag.
    #[error("`{item}` is not a payload file of the bag")]
    NoSuchItem {
        /// The item as given.
        item: String,
    },
    /// A news item holds nothing: zero bytes, or only whitespace.
    #[error("the input is empty")]
    EmptyInput,
    /// A news item that is binary data, not text.
    #[error(
        "the input is binary data, not text (control character U+{code:04X} at line {line}, column {column})"
    )]
    Binary {
        /// 1-based line of the first offending character.
        line: u64,
        /// 1-based column (in characters) of that character.
        column: u64,
        /// The offending character's code point.
        code: u32,
    },
    /// A text item with a line too long to be news (a guard against
    /// unbounded titles and quadratic work).
    #[error("line {line} is longer than {limit} bytes; refusing it as a news item")]
    LineTooLong {
        /// 1-based line number.
        line: u64,
        /// The limit in bytes.
        limit: usize,
    },
    /// An RSS or Atom feed that cannot be read.
    #[error("malformed feed at line {line}, column {column}: {reason}")]
    Feed {
        /// 1-based line.
        line: u64,
        /// 1-based column, in characters.
        column: u64,
        /// What is wrong.
        reason: String,
    },
    /// An HTML page from which no news item can be taken.
    #[error("cannot read the HTML page: {reason}")]
    Html {
        /// What is wrong.
        reason: String,
    },
    /// A record of a WARC file (web archive) that cannot be read or used.
    #[error("bad WARC record at offset {offset}: {reason}")]
    Warc {
        /// Where the record starts in the file (for a gzipped WARC, the
        /// offset of the gzip member it starts in).
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// A Dublin Core (`oai_dc`) record that cannot be read back.
    #[error("malformed Dublin Core record at line {line}, column {column}: {reason}")]
    DcXml {
        /// 1-based line.
        line: u64,
        /// 1-based column, in characters.
        column: u64,
        /// What is wrong.
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
    /// Nothing could be ingested: no input, or no news item in any input.
    #[error("nothing to ingest: no news item found in the inputs")]
    NothingToIngest,
    /// An input could not be ingested.
    ///
    /// The message holds the cause, which is therefore not also its
    /// [`source`](std::error::Error::source).
    #[error("cannot ingest `{input}`: {cause}")]
    Input {
        /// The input's name.
        input: String,
        /// What went wrong.
        cause: Box<Error>,
    },
    /// A `--meta` sidecar that cannot be used.
    #[error("invalid metadata file `{file}`: {reason}")]
    Meta {
        /// The sidecar.
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// An `s3://` location that cannot be used.
    #[error("invalid S3 location `{url}`: {reason}")]
    InvalidS3Url {
        /// The location as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A request to an object store failed (wrong credentials, a missing
    /// bucket or object, the network).
    #[error("failed to {action} `{url}`: {cause}")]
    ObjectStore {
        /// What was being done ("open", "list", …).
        action: &'static str,
        /// The bucket, object or prefix concerned.
        url: String,
        /// The store's answer.
        cause: String,
    },
}

fn format_problems(problems: &[String]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for p in problems {
        let _ = write!(out, "\n  {p}");
    }
    out
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
    pub fn io(action: &'static str, path: impl Into<PathBuf>, cause: io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            cause,
        }
    }

    /// The I/O error behind this one, if any (through [`Error::Input`]).
    pub fn io_cause(&self) -> Option<&io::Error> {
        match self {
            Error::Io { cause, .. } => Some(cause),
            Error::Input { cause, .. } => cause.io_cause(),
            _ => None,
        }
    }
}
