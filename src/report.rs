//! Verification findings as data: [`Report`] holds every [`Problem`] found.
//!
//! Nothing here prints. The CLI turns a report into text or JSON (the JSON
//! form is described by `schemas/verify-report.schema.json`).

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

use crate::checksum::{Algorithm, Digest};

/// How thoroughly a bag is checked, cheapest first (bagit-python's `fast`,
/// `completeness_only` and full validation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// Structure, tag files and Payload-Oxum only: no manifest is compared
    /// with the payload and nothing is hashed.
    Fast,
    /// Everything but hashing: every manifest entry exists, every payload
    /// file is listed, Payload-Oxum matches.
    Completeness,
    /// Completeness plus every checksum of every manifest and tag manifest.
    Fixity,
}

impl Level {
    /// The level's name, as events and reports write it (`fast`,
    /// `completeness`, `fixity`).
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Fast => "fast",
            Level::Completeness => "completeness",
            Level::Fixity => "fixity",
        }
    }

    /// The level named [`Level::as_str`], if it is one.
    pub fn parse(name: &str) -> Option<Level> {
        [Level::Fast, Level::Completeness, Level::Fixity]
            .into_iter()
            .find(|l| l.as_str() == name)
    }
}

/// Whether a problem makes the bag invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; the bag is still valid.
    Warning,
    /// The bag is invalid.
    Error,
}

/// One finding about a bag.
///
/// Its human-readable sentence ([`Problem::message`], the `message` of the
/// JSON report) is made from its kind when shown, not stored: an archive of
/// 250,000 unlisted files gives 250,000 problems.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Error or warning.
    pub severity: Severity,
    /// The file the problem is about, relative to the bag root, if any.
    pub file: Option<String>,
    /// The line of `file` concerned (1-based), if any.
    pub line: Option<usize>,
    /// What is wrong, with its details.
    pub kind: ProblemKind,
}

/// How a [`Problem`] appears in the JSON report
/// (`schemas/verify-report.schema.json`).
#[derive(Serialize)]
struct ProblemJson<'a> {
    severity: Severity,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    #[serde(flatten)]
    kind: &'a ProblemKind,
    message: String,
}

impl Serialize for Problem {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ProblemJson {
            severity: self.severity,
            file: self.file.as_deref(),
            line: self.line,
            kind: &self.kind,
            message: self.message(),
        }
        .serialize(serializer)
    }
}

impl Problem {
    /// A problem of `kind` with the given severity, about `file`.
    pub fn new(severity: Severity, file: Option<&str>, kind: ProblemKind) -> Self {
        Problem {
            severity,
            file: file.map(str::to_owned),
            line: None,
            kind,
        }
    }

    /// A human-readable sentence describing the problem.
    pub fn message(&self) -> String {
        self.kind.to_string()
    }

    /// An error about `file`.
    pub fn error(file: Option<&str>, kind: ProblemKind) -> Self {
        Problem::new(Severity::Error, file, kind)
    }

    /// A warning about `file`.
    pub fn warning(file: Option<&str>, kind: ProblemKind) -> Self {
        Problem::new(Severity::Warning, file, kind)
    }

    /// The same problem, located at `line`.
    pub fn at_line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }

    /// Whether this problem makes the bag invalid.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{sev}[{}]", self.kind.code())?;
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, " {file}:{line}:")?,
            (Some(file), None) => write!(f, " {file}:")?,
            _ => write!(f, ":")?,
        }
        write!(f, " {}", self.kind)
    }
}

/// What is wrong. Each variant names the rule of RFC 8493 (or of the bag's
/// own BagIt version) that the bag breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ProblemKind {
    /// There is no `bagit.txt` (§2.1.1).
    MissingBagDeclaration,
    /// `bagit.txt` starts with a byte-order mark (§2.1.1).
    BomInBagDeclaration,
    /// `bagit.txt` does not have the exact two-line form (§2.1.1).
    MalformedBagDeclaration {
        /// What is wrong with it.
        reason: String,
    },
    /// A BagIt version newsbag cannot apply the rules of.
    UnsupportedVersion {
        /// The declared version.
        version: String,
    },
    /// The declared tag-file character encoding is unknown.
    UnknownTagFileEncoding {
        /// The declared name.
        encoding: String,
    },
    /// A tag file's bytes are not valid in the declared encoding.
    TagFileEncoding {
        /// The declared encoding.
        encoding: String,
    },
    /// A tag file (other than bagit.txt) starts with a byte-order mark.
    BomInTagFile,
    /// A line of bag-info.txt is not `Label: value` or a continuation.
    MalformedTagLine {
        /// What is wrong.
        reason: String,
    },
    /// A metadata element that must appear at most once appears again.
    RepeatedLabel {
        /// The label.
        label: String,
    },
    /// Payload-Oxum is not `<octets>.<streams>`.
    MalformedPayloadOxum {
        /// The value found.
        value: String,
    },
    /// Payload-Oxum disagrees with the payload.
    OxumMismatch {
        /// The value in bag-info.txt.
        expected: String,
        /// What the payload holds.
        found: String,
    },
    /// There is no `data/` directory (§2.1.2).
    MissingPayloadDirectory,
    /// There is no payload manifest (§2.1.3).
    NoPayloadManifest,
    /// A manifest names an algorithm newsbag does not know.
    UnknownAlgorithm {
        /// The algorithm part of the file name.
        name: String,
    },
    /// A manifest line is not `checksum whitespace path`.
    MalformedManifestLine {
        /// What is wrong.
        reason: String,
    },
    /// A manifest lists the same file more than once.
    DuplicateManifestEntry {
        /// The path listed more than once.
        path: String,
        /// Whether the entries give different checksums.
        conflicting: bool,
    },
    /// A path in a manifest or fetch.txt leads outside the bag or is not a
    /// portable relative path (§5: `..`, absolute paths, `~`, drive letters).
    PathOutsideBag {
        /// The path as listed.
        path: String,
        /// Why it is refused.
        reason: String,
    },
    /// A payload manifest lists a path outside `data/`, or a tag manifest
    /// lists a path inside it.
    WrongManifestScope {
        /// The path as listed.
        path: String,
    },
    /// A path in a manifest is written in a non-canonical but harmless way
    /// (`./data/x`, `*data/x`, `data//x`).
    NonCanonicalPath {
        /// The path as listed.
        listed: String,
        /// The path it was read as.
        read_as: String,
    },
    /// A file listed in a manifest does not exist.
    MissingFile {
        /// The path listed.
        path: String,
    },
    /// A file listed in fetch.txt has not been fetched yet.
    NotFetched {
        /// The path listed.
        path: String,
        /// Where it would be fetched from.
        url: String,
    },
    /// A fetch.txt line is malformed.
    MalformedFetchLine {
        /// What is wrong.
        reason: String,
    },
    /// A file listed in fetch.txt is not in the payload manifests.
    FetchNotInManifest {
        /// The path listed.
        path: String,
    },
    /// A payload file is not listed in a payload manifest (§3).
    UnexpectedFile {
        /// The payload file.
        path: String,
        /// The manifest that misses it.
        manifest: String,
    },
    /// A checksum does not match the file's content.
    ChecksumMismatch {
        /// The file.
        path: String,
        /// The algorithm.
        algorithm: Algorithm,
        /// The checksum in the manifest (boxed: a problem stays small,
        /// and an archive can hold hundreds of thousands of them).
        expected: Box<Digest>,
        /// The checksum of the file as read.
        found: Box<Digest>,
    },
    /// A file could not be read.
    UnreadableFile {
        /// The file.
        path: String,
        /// The operating system's message.
        error: String,
    },
    /// A symbolic link, FIFO, socket or device inside the bag (never
    /// opened, never followed).
    SpecialFile {
        /// The file.
        path: String,
        /// What it is.
        file_type: String,
    },
    /// A file name that is not valid UTF-8 and so cannot be listed.
    NonUtf8FileName {
        /// The name, lossily decoded.
        path: String,
    },
    /// A manifest path matches a file only after Unicode normalisation.
    NormalizationMismatch {
        /// The path as listed.
        listed: String,
        /// The file found.
        on_disk: String,
    },
    /// A manifest path matches a file only when case is ignored.
    CaseMismatch {
        /// The path as listed.
        listed: String,
        /// The file found.
        on_disk: String,
    },
    /// Files whose names differ only by case or Unicode normalisation: they
    /// collide on case-insensitive or normalising file systems.
    CollidingNames {
        /// The names.
        paths: Vec<String>,
    },
    /// An operating-system metadata file in the payload (`.DS_Store`,
    /// `Thumbs.db`).
    SystemFile {
        /// The file.
        path: String,
    },
    /// A payload manifest algorithm has no matching tag manifest.
    MissingTagManifest {
        /// The algorithm.
        algorithm: String,
    },
    /// A ZIP entry's data does not match the CRC-32 of its central-directory
    /// record.
    BadCrc {
        /// The entry, relative to the bag root.
        path: String,
        /// The CRC-32 recorded in the archive (hex).
        expected: String,
        /// The CRC-32 of the data as read (hex).
        found: String,
    },
    /// A ZIP entry's data is not as long as its central-directory record
    /// says (read at most one byte past the declared size).
    EntrySizeMismatch {
        /// The entry, relative to the bag root.
        path: String,
        /// The size recorded in the central directory.
        expected: u64,
        /// The size read (declared + 1 means "longer").
        found: u64,
    },
    /// A ZIP entry name that could lead outside the extraction directory or
    /// that no file system can hold (`..`, absolute, drive letter,
    /// backslash, control character).
    UnsafeEntryName {
        /// The name, as stored (control characters escaped when printed).
        name: String,
        /// Why it is refused.
        reason: String,
    },
    /// The archive is not laid out as one bag: not exactly one top-level
    /// directory, entries outside it, duplicate or overlapping entries.
    ArchiveLayout {
        /// What is wrong.
        reason: String,
    },
    /// A ZIP entry newsbag cannot read: encrypted, or compressed with a
    /// method other than stored or deflate.
    UnsupportedEntry {
        /// The entry, relative to the bag root.
        path: String,
        /// Why.
        reason: String,
    },
}

impl ProblemKind {
    /// A stable short code for the kind (its JSON `kind` value).
    pub fn code(&self) -> &'static str {
        use ProblemKind::*;
        match self {
            MissingBagDeclaration => "missing-bag-declaration",
            BomInBagDeclaration => "bom-in-bag-declaration",
            MalformedBagDeclaration { .. } => "malformed-bag-declaration",
            UnsupportedVersion { .. } => "unsupported-version",
            UnknownTagFileEncoding { .. } => "unknown-tag-file-encoding",
            TagFileEncoding { .. } => "tag-file-encoding",
            BomInTagFile => "bom-in-tag-file",
            MalformedTagLine { .. } => "malformed-tag-line",
            RepeatedLabel { .. } => "repeated-label",
            MalformedPayloadOxum { .. } => "malformed-payload-oxum",
            OxumMismatch { .. } => "oxum-mismatch",
            MissingPayloadDirectory => "missing-payload-directory",
            NoPayloadManifest => "no-payload-manifest",
            UnknownAlgorithm { .. } => "unknown-algorithm",
            MalformedManifestLine { .. } => "malformed-manifest-line",
            DuplicateManifestEntry { .. } => "duplicate-manifest-entry",
            PathOutsideBag { .. } => "path-outside-bag",
            WrongManifestScope { .. } => "wrong-manifest-scope",
            NonCanonicalPath { .. } => "non-canonical-path",
            MissingFile { .. } => "missing-file",
            NotFetched { .. } => "not-fetched",
            MalformedFetchLine { .. } => "malformed-fetch-line",
            FetchNotInManifest { .. } => "fetch-not-in-manifest",
            UnexpectedFile { .. } => "unexpected-file",
            ChecksumMismatch { .. } => "checksum-mismatch",
            UnreadableFile { .. } => "unreadable-file",
            SpecialFile { .. } => "special-file",
            NonUtf8FileName { .. } => "non-utf8-file-name",
            NormalizationMismatch { .. } => "normalization-mismatch",
            CaseMismatch { .. } => "case-mismatch",
            CollidingNames { .. } => "colliding-names",
            SystemFile { .. } => "system-file",
            MissingTagManifest { .. } => "missing-tag-manifest",
            BadCrc { .. } => "bad-crc",
            EntrySizeMismatch { .. } => "entry-size-mismatch",
            UnsafeEntryName { .. } => "unsafe-entry-name",
            ArchiveLayout { .. } => "archive-layout",
            UnsupportedEntry { .. } => "unsupported-entry",
        }
    }
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ProblemKind::*;
        match self {
            MissingBagDeclaration => write!(f, "bagit.txt is missing"),
            BomInBagDeclaration => write!(f, "bagit.txt starts with a byte-order mark"),
            MalformedBagDeclaration { reason } => write!(f, "bagit.txt is malformed: {reason}"),
            UnsupportedVersion { version } => {
                write!(
                    f,
                    "unsupported BagIt version `{version}` (known: 0.93 to 1.0)"
                )
            }
            UnknownTagFileEncoding { encoding } => {
                write!(f, "unknown Tag-File-Character-Encoding `{encoding}`")
            }
            TagFileEncoding { encoding } => {
                write!(
                    f,
                    "bytes are not valid in the declared encoding `{encoding}`"
                )
            }
            BomInTagFile => write!(f, "starts with a byte-order mark"),
            MalformedTagLine { reason } => write!(f, "malformed metadata line: {reason}"),
            RepeatedLabel { label } => write!(f, "`{label}` must not be repeated"),
            MalformedPayloadOxum { value } => {
                write!(f, "Payload-Oxum `{value}` is not `<octets>.<streams>`")
            }
            OxumMismatch { expected, found } => write!(
                f,
                "Payload-Oxum is `{expected}` but the payload holds `{found}` (octets.files)"
            ),
            MissingPayloadDirectory => write!(f, "the payload directory `data/` is missing"),
            NoPayloadManifest => write!(f, "the bag has no payload manifest"),
            UnknownAlgorithm { name } => {
                write!(
                    f,
                    "unknown checksum algorithm `{name}`: its checksums cannot be verified"
                )
            }
            MalformedManifestLine { reason } => write!(f, "malformed manifest line: {reason}"),
            DuplicateManifestEntry { path, conflicting } => {
                if *conflicting {
                    write!(
                        f,
                        "`{path}` is listed more than once, with different checksums"
                    )
                } else {
                    write!(f, "`{path}` is listed more than once")
                }
            }
            PathOutsideBag { path, reason } => write!(f, "unsafe path `{path}`: {reason}"),
            WrongManifestScope { path } => {
                write!(
                    f,
                    "`{path}` is on the wrong side of `data/` for this manifest"
                )
            }
            NonCanonicalPath { listed, read_as } => {
                write!(
                    f,
                    "path `{listed}` is written unusually; read as `{read_as}`"
                )
            }
            MissingFile { path } => write!(f, "`{path}` is listed but does not exist"),
            NotFetched { path, url } => {
                write!(
                    f,
                    "`{path}` is listed in fetch.txt and not fetched yet (from {url})"
                )
            }
            MalformedFetchLine { reason } => write!(f, "malformed fetch.txt line: {reason}"),
            FetchNotInManifest { path } => {
                write!(
                    f,
                    "`{path}` is in fetch.txt but not in the payload manifests"
                )
            }
            UnexpectedFile { path, manifest } => {
                write!(f, "`{path}` is in the payload but not listed in {manifest}")
            }
            ChecksumMismatch {
                path,
                algorithm,
                expected,
                found,
            } => write!(
                f,
                "{algorithm} checksum of `{path}` is {found}, expected {expected}"
            ),
            UnreadableFile { path, error } => write!(f, "cannot read `{path}`: {error}"),
            SpecialFile { path, file_type } => {
                write!(f, "`{path}` is a {file_type}, not a regular file")
            }
            NonUtf8FileName { path } => {
                write!(
                    f,
                    "file name `{path}` is not valid UTF-8 and cannot be listed"
                )
            }
            NormalizationMismatch { listed, on_disk } => write!(
                f,
                "`{listed}` matches `{on_disk}` only after Unicode normalisation"
            ),
            CaseMismatch { listed, on_disk } => {
                write!(
                    f,
                    "`{listed}` matches `{on_disk}` only when case is ignored"
                )
            }
            CollidingNames { paths } => write!(
                f,
                "names differ only by case or Unicode normalisation: {}",
                paths
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            SystemFile { path } => write!(f, "`{path}` is an operating-system metadata file"),
            MissingTagManifest { algorithm } => write!(
                f,
                "there is a payload manifest for {algorithm} but no tag manifest for it"
            ),
            BadCrc {
                path,
                expected,
                found,
            } => write!(
                f,
                "CRC-32 of ZIP entry `{path}` is {found}, the archive records {expected}"
            ),
            EntrySizeMismatch {
                path,
                expected,
                found,
            } => {
                if found > expected {
                    write!(
                        f,
                        "ZIP entry `{path}` holds more than the {expected} bytes its record declares"
                    )
                } else {
                    write!(
                        f,
                        "ZIP entry `{path}` holds {found} bytes, its record declares {expected}"
                    )
                }
            }
            UnsafeEntryName { name, reason } => {
                write!(
                    f,
                    "unsafe ZIP entry name `{}`: {reason}",
                    name.escape_debug()
                )
            }
            ArchiveLayout { reason } => write!(f, "the archive is not one bag: {reason}"),
            UnsupportedEntry { path, reason } => {
                write!(f, "cannot read ZIP entry `{path}`: {reason}")
            }
        }
    }
}

/// Everything found about one bag.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The bag that was verified.
    pub bag: PathBuf,
    /// The declared BagIt version, if bagit.txt could be read.
    pub version: Option<String>,
    /// How thoroughly it was checked.
    pub level: Level,
    /// Whether the bag is valid at that level (no error-level problem).
    pub valid: bool,
    /// Number of payload files found.
    pub payload_files: u64,
    /// Number of payload bytes found.
    pub payload_bytes: u64,
    /// Every problem found, errors and warnings.
    pub problems: Vec<Problem>,
}

impl Report {
    /// A report with no problems yet.
    pub fn new(bag: PathBuf, level: Level) -> Self {
        Report {
            bag,
            version: None,
            level,
            valid: true,
            payload_files: 0,
            payload_bytes: 0,
            problems: Vec::new(),
        }
    }

    /// Whether the bag has no error-level problem.
    pub fn is_valid(&self) -> bool {
        !self.problems.iter().any(Problem::is_error)
    }

    /// Error-level problems.
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(|p| p.is_error())
    }

    /// Warning-level problems.
    pub fn warnings(&self) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(|p| !p.is_error())
    }

    /// Sorts problems (errors first, then by file and line) and sets `valid`.
    pub fn finish(&mut self) {
        // Unstable: no buffer as large as the list; the order is still total
        // (problems equal in every key are equal, and deduplicated below).
        // Messages are made only to break ties.
        self.problems.sort_unstable_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.file.cmp(&b.file))
                .then_with(|| a.line.cmp(&b.line))
                .then_with(|| a.message().cmp(&b.message()))
        });
        self.problems.dedup();
        self.valid = self.is_valid();
    }
}
