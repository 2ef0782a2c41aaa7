//! Verification of bags on disk: every rule of RFC 8493 §2–3 and §5, each
//! BagIt version's own rules, every problem returned as data.
//!
//! [`verify_dir`] returns `Ok(Report)` for any bag, valid or not; `Err` only
//! when the path itself cannot be examined. Files are only ever opened if the
//! directory walk found them to be regular files inside the bag, so a
//! manifest cannot make newsbag read outside the bag, and a FIFO cannot make
//! it hang.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use unicode_normalization::UnicodeNormalization;

use crate::checksum::{Algorithm, Digest, hash_reader};
use crate::error::{Error, Result};
use crate::manifest::{FetchEntry, ManifestEntry, parse_fetch, parse_manifest};
use crate::progress::Reporter;
use crate::report::{Level, Problem, ProblemKind, Report, Severity};
use crate::tagfile::{
    BAG_DECLARATION, BagDeclaration, BagInfo, PayloadOxum, Version, decode_tag_file,
};
use crate::walk::{Kind, Walked, sizes, walk};

/// Whether `path` looks like a bag directory (it holds a `bagit.txt`).
pub fn is_bag_dir(path: &Path) -> bool {
    path.join(BAG_DECLARATION).is_file()
}

/// Tag files larger than this are not read into memory (a hostile bag could
/// hold a 100 GB "manifest"); the bag is reported invalid instead.
pub const MAX_TAG_FILE: u64 = 1 << 30;

/// A regular file found inside the bag, by whatever means (a directory walk,
/// a ZIP central directory).
#[derive(Debug, Clone)]
pub(crate) struct FoundFile {
    /// Its size in bytes.
    pub(crate) size: u64,
    /// What the [`BagSource`] needs to find it again (an index).
    pub(crate) id: usize,
}

/// Everything found in a bag's container before any file is read.
#[derive(Debug, Default)]
pub(crate) struct Inventory {
    /// Regular files, by path relative to the bag root with `/` separators.
    pub(crate) files: BTreeMap<String, FoundFile>,
    /// Whether a `data/` directory exists (it may be empty).
    pub(crate) has_payload_dir: bool,
    /// Problems found while listing (special files, unsafe names, …).
    pub(crate) problems: Vec<Problem>,
}

/// One file to hash, with the algorithms wanted.
#[derive(Debug, Clone)]
pub(crate) struct HashJob {
    /// The file.
    pub(crate) file: FoundFile,
    /// The algorithms to compute.
    pub(crate) algorithms: Vec<Algorithm>,
}

/// Read access to the files of an [`Inventory`]: a directory or an archive.
pub(crate) trait BagSource: Sync {
    /// Reads a whole (tag) file, at most [`MAX_TAG_FILE`] bytes.
    fn read(&self, file: &FoundFile) -> std::io::Result<Vec<u8>>;
    /// Hashes every job, in parallel where the source allows, reading each
    /// file once; returns one result per job, in order.
    fn hash(
        &self,
        jobs: &[HashJob],
        reporter: &dyn Reporter,
    ) -> Vec<std::io::Result<Vec<(Algorithm, Digest)>>>;
}

/// Reads at most `MAX_TAG_FILE` bytes from `r`, failing beyond.
pub(crate) fn read_capped(r: impl std::io::Read) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut buf = Vec::new();
    r.take(MAX_TAG_FILE + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > MAX_TAG_FILE {
        return Err(std::io::Error::other(format!(
            "larger than {MAX_TAG_FILE} bytes: refusing to read it into memory"
        )));
    }
    Ok(buf)
}

/// A bag directory on disk: files are found by the walk and only those are
/// ever opened.
struct DirSource {
    paths: Vec<PathBuf>,
}

impl BagSource for DirSource {
    fn read(&self, file: &FoundFile) -> std::io::Result<Vec<u8>> {
        read_capped(open_regular(&self.paths[file.id])?)
    }

    fn hash(
        &self,
        jobs: &[HashJob],
        reporter: &dyn Reporter,
    ) -> Vec<std::io::Result<Vec<(Algorithm, Digest)>>> {
        jobs.par_iter()
            .map(|job| {
                let f = open_regular(&self.paths[job.file.id])?;
                let r = hash_reader(f, &job.algorithms, Some(job.file.size), &mut |n| {
                    reporter.advance(n);
                });
                reporter.file_done();
                r.map(|(_, d)| d)
            })
            .collect()
    }
}

/// Opens a file the walk found to be regular, refusing anything that has
/// replaced it since.
fn open_regular(path: &Path) -> std::io::Result<fs::File> {
    let f = fs::File::open(path)?;
    if !f.metadata()?.is_file() {
        return Err(std::io::Error::other("no longer a regular file"));
    }
    Ok(f)
}

fn walk_bag(root: &Path, canonical_root: &Path) -> (Inventory, DirSource) {
    let mut inventory = Inventory {
        has_payload_dir: root.join("data").is_dir(),
        ..Inventory::default()
    };
    let mut paths = Vec::new();
    let mut regular: Vec<(String, PathBuf)> = Vec::new();
    for walked in walk(root) {
        let (rel, path, kind) = match walked {
            Walked::Entry { rel, path, kind } => (rel, path, kind),
            Walked::NonUtf8 { rel } => {
                inventory.problems.push(Problem::error(
                    None,
                    ProblemKind::NonUtf8FileName { path: rel },
                ));
                continue;
            }
            Walked::Error { rel, error } => {
                inventory.problems.push(Problem::error(
                    None,
                    ProblemKind::UnreadableFile { path: rel, error },
                ));
                continue;
            }
        };
        match kind {
            Kind::Dir => {}
            // Sizes are read after the walk, in parallel.
            Kind::File => regular.push((rel, path)),
            Kind::Symlink => match fs::canonicalize(&path) {
                Ok(target) if target.starts_with(canonical_root) => {
                    inventory.problems.push(Problem::warning(
                        Some(&rel),
                        ProblemKind::Symlink { path: rel.clone() },
                    ));
                    // Only links to regular files are followed; linked
                    // directories are not descended (no loops, no escapes).
                    if fs::metadata(&target).is_ok_and(|md| md.is_file()) {
                        regular.push((rel, target));
                    }
                }
                Ok(_) => inventory.problems.push(Problem::error(
                    Some(&rel),
                    ProblemKind::SymlinkOutsideBag { path: rel.clone() },
                )),
                Err(_) => inventory.problems.push(Problem::error(
                    Some(&rel),
                    ProblemKind::UnreadableFile {
                        path: rel.clone(),
                        error: "dangling symbolic link".into(),
                    },
                )),
            },
            Kind::Special(what) => inventory.problems.push(Problem::error(
                Some(&rel),
                ProblemKind::SpecialFile {
                    path: rel.clone(),
                    file_type: what.to_owned(),
                },
            )),
        }
    }
    let sizes = sizes(regular.iter().map(|(_, p)| p.as_path()).collect::<Vec<_>>());
    for ((rel, path), size) in regular.into_iter().zip(sizes) {
        match size {
            Ok(size) => {
                inventory.files.insert(
                    rel,
                    FoundFile {
                        id: paths.len(),
                        size,
                    },
                );
                paths.push(path);
            }
            Err(err) => inventory.problems.push(Problem::error(
                Some(&rel),
                ProblemKind::UnreadableFile {
                    path: rel.clone(),
                    error: err.to_string(),
                },
            )),
        }
    }
    (inventory, DirSource { paths })
}

/// Names of operating-system metadata files that should not be payload.
fn is_system_file(name: &str) -> bool {
    matches!(
        name,
        ".DS_Store" | "Thumbs.db" | "desktop.ini" | "Icon\r" | ".Spotlight-V100" | ".Trashes"
    ) || name.starts_with("._")
}

fn nfc(s: &str) -> String {
    s.nfc().collect()
}

fn fold(s: &str) -> String {
    s.nfc().flat_map(char::to_lowercase).collect()
}

/// Resolves manifest paths to files found on disk: exactly, else after NFC
/// normalisation (a bag made on macOS), else ignoring case (a bag made on a
/// case-insensitive file system).
struct Matcher<'a> {
    files: &'a BTreeMap<String, FoundFile>,
    /// Built on the first lookup that is not an exact match: most bags never
    /// need them, and a million-file bag should not pay for them.
    fallback: std::sync::OnceLock<Fallback<'a>>,
}

struct Fallback<'a> {
    by_nfc: BTreeMap<String, &'a str>,
    by_fold: BTreeMap<String, &'a str>,
}

enum Match<'a> {
    Exact(&'a str),
    Normalized(&'a str),
    Case(&'a str),
    None,
}

/// A 64-bit hash of the case-folded NFC form of `s`, computed without
/// allocating.
fn fold_hash(s: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for c in s.nfc().flat_map(char::to_lowercase) {
        h.write_u32(u32::from(c));
    }
    h.finish()
}

impl<'a> Matcher<'a> {
    fn new(files: &'a BTreeMap<String, FoundFile>) -> Self {
        Matcher {
            files,
            fallback: std::sync::OnceLock::new(),
        }
    }

    fn fallback(&self) -> &Fallback<'a> {
        self.fallback.get_or_init(|| {
            let mut by_nfc = BTreeMap::new();
            let mut by_fold = BTreeMap::new();
            for k in self.files.keys() {
                by_nfc.entry(nfc(k)).or_insert(k.as_str());
                by_fold.entry(fold(k)).or_insert(k.as_str());
            }
            Fallback { by_nfc, by_fold }
        })
    }

    fn find(&self, path: &str) -> Match<'a> {
        if let Some((k, _)) = self.files.get_key_value(path) {
            return Match::Exact(k);
        }
        let fb = self.fallback();
        if let Some(k) = fb.by_nfc.get(&nfc(path)) {
            return Match::Normalized(k);
        }
        if let Some(k) = fb.by_fold.get(&fold(path)) {
            return Match::Case(k);
        }
        Match::None
    }

    /// Groups of files whose names collide after case folding and NFC.
    fn collisions(&self) -> Vec<Vec<&'a str>> {
        // Sort (hash, name) pairs; only names with equal hashes are compared
        // for real, so no per-file strings are kept.
        let mut keyed: Vec<(u64, &'a str)> = self
            .files
            .keys()
            .map(|k| (fold_hash(k), k.as_str()))
            .collect();
        keyed.sort_unstable();
        let mut groups = Vec::new();
        for run in keyed.chunk_by(|a, b| a.0 == b.0).filter(|r| r.len() > 1) {
            let mut by_fold: BTreeMap<String, Vec<&'a str>> = BTreeMap::new();
            for (_, name) in run {
                by_fold.entry(fold(name)).or_default().push(name);
            }
            groups.extend(by_fold.into_values().filter(|g| g.len() > 1));
        }
        groups
    }
}

/// A manifest file found at the top of the bag.
struct ManifestFile {
    name: String,
    algorithm: Option<Algorithm>,
    entries: Vec<ManifestEntry>,
    tag: bool,
}

/// One file to hash and the checksums it must have (algorithm, checksum,
/// manifest name).
struct Expected<'a> {
    rel: &'a str,
    file: &'a FoundFile,
    expected: Vec<(Algorithm, &'a Digest, &'a str)>,
}

/// Verifies the bag at `root` at the given level.
///
/// Returns `Err` only if `root` is not a readable directory; any defect of
/// the bag is a [`Problem`] in the [`Report`].
pub fn verify_dir(root: &Path, level: Level, reporter: &dyn Reporter) -> Result<Report> {
    let md = fs::metadata(root).map_err(|e| Error::io("read", root, e))?;
    if !md.is_dir() {
        return Err(Error::NotADirectory {
            path: root.to_owned(),
        });
    }
    let canonical_root = fs::canonicalize(root).map_err(|e| Error::io("resolve", root, e))?;
    let (inventory, source) = walk_bag(root, &canonical_root);
    Ok(verify_inventory(
        Report::new(root.to_owned(), level),
        inventory,
        &source,
        reporter,
    ))
}

/// Verifies a bag whose files have been listed in `inventory` and can be
/// read through `source`, at `report.level`. Shared by every kind of
/// container (directory, ZIP).
pub(crate) fn verify_inventory(
    mut report: Report,
    inventory: Inventory,
    source: &dyn BagSource,
    reporter: &dyn Reporter,
) -> Report {
    let level = report.level;
    let mut problems = inventory.problems;
    let files = inventory.files;
    let read = |name: &str, f: &FoundFile, problems: &mut Vec<Problem>| match source.read(f) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            problems.push(unreadable(name, &e));
            None
        }
    };

    // 1. The bag declaration.
    let declaration = match files.get(BAG_DECLARATION) {
        Some(f) => read(BAG_DECLARATION, f, &mut problems).and_then(|bytes| {
            let (d, p) = BagDeclaration::parse(&bytes);
            problems.extend(p);
            d
        }),
        None => {
            problems.push(Problem::error(None, ProblemKind::MissingBagDeclaration));
            None
        }
    };
    // Without a usable declaration, apply the strictest rules (1.0, UTF-8).
    let version = declaration.as_ref().map_or(Version::V1_0, |d| d.version);
    let encoding = declaration
        .as_ref()
        .map_or_else(|| "UTF-8".to_owned(), |d| d.encoding.clone());
    report.version = declaration.as_ref().map(|d| d.version.to_string());
    let strict = version >= Version::V1_0;

    // 2. What is in the bag.
    let matcher = Matcher::new(&files);
    let payload: Vec<(&String, &FoundFile)> = files
        .iter()
        .filter(|(k, _)| k.starts_with("data/"))
        .collect();
    report.payload_files = payload.len() as u64;
    report.payload_bytes = payload.iter().map(|(_, f)| f.size).sum();
    if !inventory.has_payload_dir {
        problems.push(Problem::error(None, ProblemKind::MissingPayloadDirectory));
    }
    for (rel, _) in &payload {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        if is_system_file(name) {
            problems.push(Problem::warning(
                Some(rel),
                ProblemKind::SystemFile {
                    path: (*rel).clone(),
                },
            ));
        }
    }
    for group in matcher.collisions() {
        problems.push(Problem::warning(
            None,
            ProblemKind::CollidingNames {
                paths: group.into_iter().map(str::to_owned).collect(),
            },
        ));
    }

    // 3. Bag metadata and Payload-Oxum.
    let info_name = version.info_file_name();
    if let Some(f) = files.get(info_name)
        && let Some(bytes) = read(info_name, f, &mut problems)
    {
        {
            let (text, p) = decode_tag_file(&bytes, &encoding, info_name);
            problems.extend(p);
            let (info, p) = BagInfo::parse(&text, info_name, strict);
            problems.extend(p);
            if let Some(oxum) = info.get("Payload-Oxum") {
                match oxum.parse::<PayloadOxum>() {
                    Ok(expected) => {
                        let found = PayloadOxum {
                            octets: report.payload_bytes,
                            streams: report.payload_files,
                        };
                        if expected != found {
                            problems.push(Problem::error(
                                Some(info_name),
                                ProblemKind::OxumMismatch {
                                    expected: expected.to_string(),
                                    found: found.to_string(),
                                },
                            ));
                        }
                    }
                    Err(()) => problems.push(Problem::error(
                        Some(info_name),
                        ProblemKind::MalformedPayloadOxum {
                            value: oxum.to_owned(),
                        },
                    )),
                }
            }
        }
    }

    // 4. Manifests and fetch.txt.
    let mut manifests = Vec::new();
    for (name, f) in files.range::<str, _>(..).filter(|(k, _)| !k.contains('/')) {
        let (tag, alg_name) = if let Some(a) = name
            .strip_prefix("tagmanifest-")
            .and_then(|r| r.strip_suffix(".txt"))
        {
            (true, a)
        } else if let Some(a) = name
            .strip_prefix("manifest-")
            .and_then(|r| r.strip_suffix(".txt"))
        {
            (false, a)
        } else {
            continue;
        };
        let algorithm = Algorithm::ALL.into_iter().find(|a| a.as_str() == alg_name);
        let Some(bytes) = read(name, f, &mut problems) else {
            continue;
        };
        let (text, p) = decode_tag_file(&bytes, &encoding, name);
        problems.extend(p);
        let (entries, p) = parse_manifest(&text, name, algorithm, strict);
        problems.extend(p);
        for e in &entries {
            if e.path.starts_with("data/") == tag {
                problems.push(
                    Problem::error(
                        Some(name),
                        ProblemKind::WrongManifestScope {
                            path: e.path.clone(),
                        },
                    )
                    .at_line(e.line),
                );
            }
        }
        manifests.push(ManifestFile {
            name: name.clone(),
            algorithm,
            entries,
            tag,
        });
    }
    let payload_manifests = manifests.iter().filter(|m| !m.tag).count();
    let known_payload = manifests
        .iter()
        .filter(|m| !m.tag && m.algorithm.is_some())
        .count();
    if payload_manifests == 0 {
        problems.push(Problem::error(None, ProblemKind::NoPayloadManifest));
    }
    for m in &manifests {
        if m.algorithm.is_none() {
            let name = m
                .name
                .trim_start_matches("tag")
                .trim_start_matches("manifest-")
                .trim_end_matches(".txt")
                .to_owned();
            // Fatal only if no payload manifest can be checked at all.
            let severity = if !m.tag && known_payload == 0 {
                Severity::Error
            } else {
                Severity::Warning
            };
            problems.push(Problem::new(
                severity,
                Some(&m.name),
                ProblemKind::UnknownAlgorithm { name },
            ));
        }
    }
    if strict && manifests.iter().any(|m| m.tag) {
        for m in manifests.iter().filter(|m| !m.tag) {
            if let Some(a) = m.algorithm
                && !manifests.iter().any(|t| t.tag && t.algorithm == Some(a))
            {
                problems.push(Problem::warning(
                    None,
                    ProblemKind::MissingTagManifest {
                        algorithm: a.to_string(),
                    },
                ));
            }
        }
    }
    let mut fetch: Vec<FetchEntry> = Vec::new();
    if let Some(f) = files.get("fetch.txt")
        && let Some(bytes) = read("fetch.txt", f, &mut problems)
    {
        let (text, p) = decode_tag_file(&bytes, &encoding, "fetch.txt");
        problems.extend(p);
        let (entries, p) = parse_fetch(&text, "fetch.txt");
        problems.extend(p);
        fetch = entries;
    }

    if level >= Level::Completeness {
        let fetch_by_path: BTreeMap<&str, &FetchEntry> =
            fetch.iter().map(|e| (e.path.as_str(), e)).collect();
        let mut jobs: BTreeMap<&str, Expected<'_>> = BTreeMap::new();
        for m in &manifests {
            let mut covered: BTreeSet<&str> = BTreeSet::new();
            for e in &m.entries {
                if e.path.starts_with("data/") == m.tag {
                    continue; // already reported as wrong scope
                }
                let found = match matcher.find(&e.path) {
                    Match::Exact(k) => Some(k),
                    Match::Normalized(k) => {
                        problems.push(
                            Problem::warning(
                                Some(&m.name),
                                ProblemKind::NormalizationMismatch {
                                    listed: e.path.clone(),
                                    on_disk: k.to_owned(),
                                },
                            )
                            .at_line(e.line),
                        );
                        Some(k)
                    }
                    Match::Case(k) => {
                        problems.push(
                            Problem::warning(
                                Some(&m.name),
                                ProblemKind::CaseMismatch {
                                    listed: e.path.clone(),
                                    on_disk: k.to_owned(),
                                },
                            )
                            .at_line(e.line),
                        );
                        Some(k)
                    }
                    Match::None => None,
                };
                match found {
                    Some(k) => {
                        covered.insert(k);
                        if let (Some(a), Some(file)) = (m.algorithm, files.get(k)) {
                            jobs.entry(k)
                                .or_insert_with(|| Expected {
                                    rel: k,
                                    file,
                                    expected: Vec::new(),
                                })
                                .expected
                                .push((a, &e.digest, &m.name));
                        }
                    }
                    None => {
                        let kind = match fetch_by_path.get(e.path.as_str()) {
                            Some(f) => ProblemKind::NotFetched {
                                path: e.path.clone(),
                                url: f.url.clone(),
                            },
                            None => ProblemKind::MissingFile {
                                path: e.path.clone(),
                            },
                        };
                        problems.push(Problem::error(Some(&m.name), kind).at_line(e.line));
                    }
                }
            }
            if !m.tag {
                for (rel, _) in &payload {
                    if !covered.contains(rel.as_str()) {
                        problems.push(Problem::error(
                            Some(rel),
                            ProblemKind::UnexpectedFile {
                                path: (*rel).clone(),
                                manifest: m.name.clone(),
                            },
                        ));
                    }
                }
            }
        }
        let listed: BTreeSet<&str> = manifests
            .iter()
            .filter(|m| !m.tag)
            .flat_map(|m| m.entries.iter().map(|e| e.path.as_str()))
            .collect();
        for f in &fetch {
            if !listed.contains(f.path.as_str()) {
                problems.push(
                    Problem::error(
                        Some("fetch.txt"),
                        ProblemKind::FetchNotInManifest {
                            path: f.path.clone(),
                        },
                    )
                    .at_line(f.line),
                );
            }
        }

        if level >= Level::Fixity {
            let expected: Vec<Expected<'_>> = jobs.into_values().collect();
            let jobs: Vec<HashJob> = expected
                .iter()
                .map(|e| {
                    let mut algorithms: Vec<Algorithm> =
                        e.expected.iter().map(|(a, _, _)| *a).collect();
                    algorithms.sort();
                    algorithms.dedup();
                    HashJob {
                        file: e.file.clone(),
                        algorithms,
                    }
                })
                .collect();
            reporter.start(jobs.len() as u64, jobs.iter().map(|j| j.file.size).sum());
            let results = source.hash(&jobs, reporter);
            reporter.finish();
            for (e, result) in expected.iter().zip(results) {
                problems.extend(compare_digests(e, result));
            }
        }
    }

    report.problems = problems;
    report.finish();
    report
}

fn unreadable(name: &str, e: &std::io::Error) -> Problem {
    Problem::error(
        Some(name),
        ProblemKind::UnreadableFile {
            path: name.to_owned(),
            error: e.to_string(),
        },
    )
}

fn compare_digests(
    e: &Expected<'_>,
    result: std::io::Result<Vec<(Algorithm, Digest)>>,
) -> Vec<Problem> {
    match result {
        Ok(digests) => e
            .expected
            .iter()
            .filter_map(|(a, expected, manifest)| {
                let found = digests.iter().find(|(da, _)| da == a).map(|(_, d)| d)?;
                (found != *expected).then(|| {
                    Problem::error(
                        Some(manifest),
                        ProblemKind::ChecksumMismatch {
                            path: e.rel.to_owned(),
                            algorithm: *a,
                            expected: **expected,
                            found: *found,
                        },
                    )
                })
            })
            .collect(),
        Err(err) => vec![Problem::error(
            Some(e.rel),
            ProblemKind::UnreadableFile {
                path: e.rel.to_owned(),
                error: err.to_string(),
            },
        )],
    }
}

/// Whether `path` names a zipped bag (a regular file ending in `.zip`, in
/// any case).
pub fn is_zip_path(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
        && fs::metadata(path).is_ok_and(|m| m.is_file())
}

/// Verifies the zipped bag at `path` at the given level, without extracting
/// it: structure, completeness and Payload-Oxum come from the central
/// directory alone; fixity streams each entry once through every hasher,
/// several entries in parallel, checking each entry's CRC-32 and size too.
///
/// `Err` if `path` cannot be read as a ZIP archive at all (not a ZIP,
/// truncated, corrupt central directory, more than
/// [`MAX_ZIP_ENTRIES`](crate::serialize::MAX_ZIP_ENTRIES) entries); any
/// defect of the bag inside is a [`Problem`] in the [`Report`].
pub fn verify_zip(path: &Path, level: Level, reporter: &dyn Reporter) -> Result<Report> {
    let file = crate::serialize::SharedFile::open(path)?;
    verify_zip_reader(file, path, level, reporter)
}

/// [`verify_zip`] on any seekable reader (an in-memory archive, say), named
/// `path` in the report.
pub fn verify_zip_reader<R: crate::serialize::ArchiveRead>(
    reader: R,
    path: &Path,
    level: Level,
    reporter: &dyn Reporter,
) -> Result<Report> {
    let opened = crate::serialize::open_zip(reader, path, crate::serialize::MAX_ZIP_ENTRIES)?;
    // Overlapping entries are never hashed (see `ArchiveLayout`); the
    // report states the level actually applied.
    let level = if opened.overlapping {
        level.min(Level::Completeness)
    } else {
        level
    };
    let source = crate::serialize::ZipSource::new(opened.archive, opened.entries);
    let mut report = verify_inventory(
        Report::new(path.to_owned(), level),
        opened.inventory,
        &source,
        reporter,
    );
    report.problems.extend(source.into_problems());
    report.finish();
    Ok(report)
}

/// Verifies a bag found by [`find_bags`]: a zipped bag with [`verify_zip`],
/// a directory with [`verify_dir`].
pub fn verify_bag(path: &Path, level: Level, reporter: &dyn Reporter) -> Result<Report> {
    if is_zip_path(path) {
        verify_zip(path, level, reporter)
    } else {
        verify_dir(path, level, reporter)
    }
}

/// The bags at `path`: `path` itself if it is a `.zip` file or holds a
/// `bagit.txt`; otherwise every bag directory and every `.zip` file below
/// it (an archive root), without looking inside bags, in sorted order.
/// Temporary files of unfinished writes (`.newsbag-tmp-*`) are skipped. A
/// directory with no bag at all is returned as is, so that verifying it
/// reports what is missing.
pub fn find_bags(path: &Path) -> Result<Vec<PathBuf>> {
    let md = fs::metadata(path).map_err(|e| Error::io("read", path, e))?;
    if md.is_file() && is_zip_path(path) {
        return Ok(vec![path.to_owned()]);
    }
    if !md.is_dir() {
        return Err(Error::NotABag {
            path: path.to_owned(),
            reason: "not a directory".into(),
        });
    }
    if is_bag_dir(path) {
        return Ok(vec![path.to_owned()]);
    }
    let mut bags = Vec::new();
    let mut it = walkdir::WalkDir::new(path)
        .follow_links(false)
        .sort_by_file_name()
        .min_depth(1)
        .into_iter();
    while let Some(entry) = it.next() {
        let Ok(entry) = entry else { continue };
        if entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(".newsbag-tmp-"))
        {
            if entry.file_type().is_dir() {
                it.skip_current_dir();
            }
            continue;
        }
        if entry.file_type().is_dir() && is_bag_dir(entry.path()) {
            bags.push(entry.path().to_owned());
            it.skip_current_dir();
        } else if entry.file_type().is_file() && is_zip_path(entry.path()) {
            bags.push(entry.path().to_owned());
        }
    }
    if bags.is_empty() {
        bags.push(path.to_owned());
    }
    Ok(bags)
}
