//! Safe extraction of zipped bags: [`extract_zip`] checks every entry name
//! and the archive's layout before writing anything, caps sizes, hashes
//! while writing into a temporary directory beside the destination, and
//! renames it into place only when the bag verified. The destination may
//! be absent or an empty directory, which the rename replaces atomically.
//!
//! The zip crate's own `ZipArchive::extract` is never used (it has had
//! several path-traversal advisories): every path written here is built
//! from a name that passed newsbag's entry-name checks, inside a directory
//! newsbag has just created.

use std::fs::{self, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use unicode_normalization::UnicodeNormalization;

use crate::checksum::{Algorithm, Digest, hash_reader};
use crate::error::{Error, Result};
use crate::progress::{NoProgress, Reporter};
use crate::report::{Level, Problem, ProblemKind, Report};
use crate::serialize::{
    ArchiveRead, EntryInfo, OpenedZip, SharedFile, ZipSource, open_entry, open_zip, read_tag_entry,
};
use crate::verify::{BagSource, FoundFile, HashJob, fold_hash, verify_inventory};

/// Default limit on the number of entries of an archive to extract: the
/// whole central directory is held in memory while extracting (about 50
/// bytes plus the name an entry, and the verification engine's 150 or so;
/// names may add up to 64 bytes an entry allowed), so extraction keeps the
/// limit verification had before it was done in parts.
pub const DEFAULT_MAX_ENTRIES: u64 = 250_000;

/// Default limit on the total size of the entries extracted: 100 GiB.
pub const DEFAULT_MAX_TOTAL_BYTES: u64 = 100 << 30;

/// Default limit on the compression ratio of one entry (uncompressed size
/// over compressed size), applied to entries of [`RATIO_FLOOR`] bytes or
/// more. Text rarely exceeds 20:1; deflate cannot exceed about 1032:1.
pub const DEFAULT_MAX_RATIO: u64 = 250;

/// Entries smaller than this are exempt from the ratio limit (a small file
/// of zeros compresses very well and harms nobody).
pub const RATIO_FLOOR: u64 = 1 << 20;

/// How to extract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractOptions {
    /// Payload files to extract (paths inside the bag such as `data/a.txt`;
    /// a path ending in `/` names every payload file under that
    /// directory); empty means the whole bag. Tag files are always extracted. Only the
    /// files extracted are hashed; the others are checked for completeness
    /// (listed, present, sizes adding up to Payload-Oxum) but not read.
    pub items: Vec<String>,
    /// Refuse if the entries to extract add up to more than this many bytes.
    pub max_total_bytes: u64,
    /// Refuse if an entry of [`RATIO_FLOOR`] bytes or more expands more than
    /// this many times.
    pub max_ratio: u64,
    /// Refuse archives with more entries than this.
    pub max_entries: u64,
}

impl Default for ExtractOptions {
    fn default() -> Self {
        ExtractOptions {
            items: Vec::new(),
            max_total_bytes: DEFAULT_MAX_TOTAL_BYTES,
            max_ratio: DEFAULT_MAX_RATIO,
            max_entries: DEFAULT_MAX_ENTRIES,
        }
    }
}

fn fold(s: &str) -> String {
    s.nfc().flat_map(char::to_lowercase).collect()
}

/// Escapes control characters so a hostile name cannot drive a terminal.
fn sanitize(s: &str) -> String {
    s.escape_debug().to_string()
}

/// Turns the findings of the central-directory listing into a refusal:
/// anything that would make extraction unsafe or ambiguous.
fn refuse_unsafe<R: crate::serialize::ArchiveRead>(opened: &OpenedZip<R>) -> Result<()> {
    for p in opened.inventory.problems.iter().filter(|p| p.is_error()) {
        match &p.kind {
            ProblemKind::UnsafeEntryName { name, reason } => {
                return Err(Error::UnsafeMemberName {
                    name: sanitize(name),
                    reason: reason.clone(),
                });
            }
            ProblemKind::SpecialFile { path, file_type } => {
                return Err(Error::UnsafeMemberName {
                    name: sanitize(path),
                    reason: format!("a {file_type} is never extracted"),
                });
            }
            ProblemKind::UnsupportedEntry { path, reason } => {
                return Err(Error::UnsafeMemberName {
                    name: sanitize(path),
                    reason: format!("cannot be read: {reason}"),
                });
            }
            ProblemKind::ArchiveLayout { reason } => {
                return Err(Error::NotASingleBag {
                    top_level: reason.clone(),
                });
            }
            _ => {}
        }
    }
    if opened.top.is_none() {
        return Err(Error::NotASingleBag {
            top_level: "no top-level directory".into(),
        });
    }
    Ok(())
}

/// Refuses two entries that would land on the same file on a normalising
/// or case-insensitive file system, and a file that another entry uses as
/// a directory.
fn check_collisions(entries: &[EntryInfo<'_>], dirs: &[&str]) -> Result<()> {
    let collide = |a: &str, b: &str| Error::UnsafeMemberName {
        name: sanitize(a),
        reason: format!(
            "lands on the same file as `{}` (after Unicode NFC normalisation and case folding)",
            sanitize(b)
        ),
    };
    // Names keyed by a hash of their folded form, sorted; folded forms are
    // only made (and compared) where two hashes agree. A folded `String`
    // per entry in a map cost about 100 bytes an entry on the largest
    // archives accepted.
    let mut keyed: Vec<(u64, bool, &str)> = entries
        .iter()
        .map(|e| (fold_hash(e.rel), false, e.rel))
        .chain(dirs.iter().map(|d| (fold_hash(d), true, *d)))
        .collect();
    keyed.sort_unstable();
    // The same directory listed twice is harmless (and must not make the
    // pairwise check below quadratic).
    keyed.dedup_by(|a, b| a.1 && b.1 && a.2 == b.2);
    for group in keyed.chunk_by(|a, b| a.0 == b.0) {
        if group.len() < 2 {
            continue;
        }
        let folded: Vec<String> = group.iter().map(|k| fold(k.2)).collect();
        for (i, f) in folded.iter().enumerate() {
            if let Some(j) = folded[..i].iter().position(|g| g == f) {
                return Err(collide(group[i].2, group[j].2));
            }
        }
    }
    let file_folded_as = |prefix: &str| -> Option<&str> {
        let h = fold_hash(prefix);
        let start = keyed.partition_point(|k| k.0 < h);
        keyed[start..]
            .iter()
            .take_while(|k| k.0 == h)
            .find(|k| !k.1 && fold(k.2) == fold(prefix))
            .map(|k| k.2)
    };
    for e in entries {
        let mut prefix = String::new();
        for c in e
            .rel
            .split('/')
            .take(e.rel.split('/').count().saturating_sub(1))
        {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(c);
            if let Some(other) = file_folded_as(&prefix) {
                return Err(Error::UnsafeMemberName {
                    name: sanitize(e.rel),
                    reason: format!(
                        "needs `{}` as a directory, but it is a file",
                        sanitize(other)
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Which entries to extract (by entry id).
fn select(entries: &[EntryInfo<'_>], items: &[String]) -> Result<Vec<bool>> {
    if items.is_empty() {
        return Ok(vec![true; entries.len()]);
    }
    let mut selected: Vec<bool> = entries
        .iter()
        .map(|e| !e.rel.starts_with("data/"))
        .collect();
    for item in items {
        let item = item.trim_start_matches("./");
        if item.ends_with('/') {
            // A directory: every payload file under it (an item's folder).
            let with_data = format!("data/{item}");
            let mut any = false;
            for (e, s) in entries.iter().zip(selected.iter_mut()) {
                if e.rel.starts_with("data/")
                    && (e.rel.starts_with(item) || e.rel.starts_with(&with_data))
                {
                    *s = true;
                    any = true;
                }
            }
            if !any {
                return Err(Error::NoSuchItem {
                    item: sanitize(item),
                });
            }
            continue;
        }
        let found = entries
            .iter()
            .position(|e| e.rel == item && e.rel.starts_with("data/"))
            .or_else(|| {
                let with_data = format!("data/{item}");
                entries.iter().position(|e| e.rel == with_data)
            });
        match found {
            Some(i) => selected[i] = true,
            None => {
                return Err(Error::NoSuchItem {
                    item: sanitize(item),
                });
            }
        }
    }
    Ok(selected)
}

fn check_limits(
    entries: &[EntryInfo<'_>],
    selected: &[bool],
    options: &ExtractOptions,
) -> Result<()> {
    let mut total = 0u64;
    for (e, _) in entries.iter().zip(selected).filter(|(_, s)| **s) {
        total = total.saturating_add(e.size);
        if e.size >= RATIO_FLOOR {
            let ratio = e.size / e.compressed_size.max(1);
            if ratio > options.max_ratio {
                return Err(Error::LimitExceeded {
                    what: format!(
                        "the compression ratio of `{}` ({ratio}:1, {} bytes declared)",
                        sanitize(e.rel),
                        e.size
                    ),
                    limit: options.max_ratio,
                });
            }
        }
    }
    if total > options.max_total_bytes {
        return Err(Error::LimitExceeded {
            what: format!("the total size of the entries ({total} bytes)"),
            limit: options.max_total_bytes,
        });
    }
    Ok(())
}

/// Extracts the zipped bag at `zip` to `dest` (which must not exist or be
/// an empty directory), verifying it at full fixity while writing.
///
/// Returns `Err`, with nothing written, if the archive is unreadable or
/// refused (unsafe names, symbolic links, not one top-level directory,
/// colliding names, limits exceeded, an unknown `--item`). Returns an
/// invalid [`Report`], with nothing left behind, if the bag is invalid
/// (checked for structure, completeness and Payload-Oxum before anything is
/// written, for checksums, CRCs and sizes while writing). Returns a valid
/// report once the bag is in place at `dest`.
pub fn extract_zip(
    zip: &Path,
    dest: &Path,
    options: &ExtractOptions,
    reporter: &dyn Reporter,
) -> Result<Report> {
    extract_zip_from(SharedFile::open(zip)?, zip, dest, options, reporter)
}

/// [`extract_zip`] of the zipped bag `file` reads (named `zip` in the
/// report and errors): a local file, or an object read in place.
pub fn extract_zip_from<R: crate::serialize::ArchiveRead>(
    file: R,
    zip: &Path,
    dest: &Path,
    options: &ExtractOptions,
    reporter: &dyn Reporter,
) -> Result<Report> {
    let target = Target::of(dest)?;
    let parent = target.parent();
    let md = fs::metadata(&parent).map_err(|e| Error::io("read", &parent, e))?;
    if !md.is_dir() {
        return Err(Error::NotADirectory { path: parent });
    }
    let mut opened = open_zip(file, zip, options.max_entries)?;
    refuse_unsafe(&opened)?;
    let archive = &opened.archive;
    let selected = {
        let views: Vec<EntryInfo<'_>> = opened.entries.iter().map(|e| archive.entry(*e)).collect();
        let dirs: Vec<&str> = opened.dirs.iter().map(|d| archive.entry(*d).rel).collect();
        check_collisions(&views, &dirs)?;
        let selected = select(&views, &options.items)?;
        check_limits(&views, &selected, options)?;
        selected
    };

    // Before writing anything: structure, completeness, Payload-Oxum (tag
    // files are read, nothing else). The listing's problems are kept for
    // the second pass (only warnings are left once `refuse_unsafe` let the
    // archive through), and its inventory is rebuilt rather than copied.
    let listing_problems = opened.inventory.problems.clone();
    let precheck = ZipSource::new(archive.clone(), opened.entries.clone());
    let mut report = verify_inventory(
        Report::new(zip.to_owned(), Level::Completeness),
        std::mem::take(&mut opened.inventory),
        &precheck,
        &NoProgress,
    );
    report.problems.extend(precheck.into_problems());
    report.finish();
    if !report.is_valid() {
        return Ok(report);
    }
    let inventory = opened.inventory_again(listing_problems);

    let tmp = tempfile::Builder::new()
        .prefix(".newsbag-tmp-")
        .tempdir_in(&parent)
        .map_err(|e| Error::io("create a temporary directory in", &parent, e))?;
    let root = tmp.path().to_owned();
    // Directories first: every selected entry's ancestors, and the bag's
    // directory entries (empty directories are part of the bag).
    let mut to_create: Vec<&str> = Vec::new();
    for (e, _) in opened.entries.iter().zip(&selected).filter(|(_, s)| **s) {
        if let Some((dir, _)) = archive.entry(*e).rel.rsplit_once('/') {
            to_create.push(dir);
        }
    }
    if options.items.is_empty() {
        to_create.extend(opened.dirs.iter().map(|d| archive.entry(*d).rel));
    }
    to_create.sort_unstable();
    to_create.dedup();
    for d in &to_create {
        let p = root.join(d);
        fs::create_dir_all(&p).map_err(|e| Error::io("create", &p, e))?;
    }
    drop(to_create);

    let source = ExtractingSource {
        opened: &opened,
        written: opened
            .entries
            .iter()
            .map(|_| AtomicBool::new(false))
            .collect(),
        selected,
        root: root.clone(),
        found: Mutex::new(Vec::new()),
        write_error: Mutex::new(None),
    };
    let mut report = verify_inventory(
        Report::new(zip.to_owned(), Level::Fixity),
        inventory,
        &source,
        reporter,
    );
    // Entries no manifest covers (tag files outside tag manifests, say)
    // are still extracted, with their CRC and size checked.
    let mut reader = opened.archive.clone();
    for id in 0..opened.entries.len() {
        if source.selected[id] && !source.written[id].load(Ordering::SeqCst) {
            let Ok(entry) = source.entry(id) else {
                continue;
            };
            let Ok(mut data) = open_entry(&mut reader, &entry) else {
                continue;
            };
            if source
                .write_entry(id, &entry, &mut data, &[], &NoProgress)
                .is_ok()
            {
                source.record(data.finish(&entry));
            }
        }
    }
    if let Some(err) = source
        .write_error
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take()
    {
        return Err(err);
    }
    report.problems.extend(source.into_problems());
    report.finish();
    if !report.is_valid() {
        return Ok(report); // `tmp` is removed on drop
    }
    target.put_in_place(tmp, dest)?;
    report.bag = dest.to_owned();
    Ok(report)
}

/// One bag of [`extract_zips`]: the zipped bag, the name of its
/// directory in the destination, and what to take from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipPart {
    /// The zipped bag.
    pub zip: PathBuf,
    /// The directory it is extracted to, inside the destination: one plain
    /// path component.
    pub name: String,
    /// What to extract from it.
    pub options: ExtractOptions,
}

/// Extracts several zipped bags (or parts of them) into one destination,
/// `DEST/NAME` each, as [`extract_zip`] does for one: into a temporary
/// directory beside `dest`, put in place by one rename only once every
/// bag verified. Returns the reports of the bags in order; when one is
/// invalid, nothing is left behind (the reports say why).
pub fn extract_zips(
    parts: &[ZipPart],
    dest: &Path,
    reporter: &dyn Reporter,
) -> Result<Vec<Report>> {
    extract_zips_from(parts, dest, reporter, &SharedFile::open)
}

/// [`extract_zips`], each part's zip opened with `open` (a local file, or
/// an object read in place).
pub fn extract_zips_from<R: crate::serialize::ArchiveRead>(
    parts: &[ZipPart],
    dest: &Path,
    reporter: &dyn Reporter,
    open: &dyn Fn(&Path) -> Result<R>,
) -> Result<Vec<Report>> {
    for p in parts {
        let mut components = Path::new(&p.name).components();
        let plain = matches!(
            (components.next(), components.next()),
            (Some(std::path::Component::Normal(_)), None)
        ) && !p.name.contains(['/', '\\'])
            && !p.name.chars().any(char::is_control);
        if !plain {
            return Err(Error::UnsafeMemberName {
                name: sanitize(&p.name),
                reason: "a bag's directory must be one plain name".into(),
            });
        }
    }
    let target = Target::of(dest)?;
    let parent = target.parent();
    let md = fs::metadata(&parent).map_err(|e| Error::io("read", &parent, e))?;
    if !md.is_dir() {
        return Err(Error::NotADirectory { path: parent });
    }
    let tmp = tempfile::Builder::new()
        .prefix(".newsbag-tmp-")
        .tempdir_in(&parent)
        .map_err(|e| Error::io("create a temporary directory in", &parent, e))?;
    let mut reports = Vec::with_capacity(parts.len());
    let mut valid = true;
    for p in parts {
        let report = extract_zip_from(
            open(&p.zip)?,
            &p.zip,
            &tmp.path().join(&p.name),
            &p.options,
            reporter,
        )?;
        valid &= report.is_valid();
        reports.push(report);
    }
    if valid {
        target.put_in_place(tmp, dest)?;
        for (report, p) in reports.iter_mut().zip(parts) {
            report.bag = dest.join(&p.name);
        }
    }
    Ok(reports)
}

/// Where an extracted bag goes: a path that does not exist yet, or an
/// existing empty directory (as `mkdir out` or `mktemp -d` leave it).
///
/// Either way the bag is written into a temporary directory beside the
/// destination and put in place by one `rename`: on Unix, rename(2)
/// replaces an empty directory atomically, so the destination is at every
/// instant either what it was (absent, or empty) or the complete verified
/// bag. A crash before the rename leaves only a `.newsbag-tmp-*` directory
/// beside it; a file written into the empty directory meanwhile makes the
/// rename fail (the directory is no longer empty) and nothing is replaced.
#[derive(Debug)]
enum Target {
    /// Nothing at the destination; the temporary directory goes beside it.
    Absent {
        /// The directory that will hold the destination.
        parent: PathBuf,
    },
    /// An empty directory, by its resolved path (so `.` or `out/` name the
    /// directory itself and its real parent), with its permissions, which
    /// the extracted bag keeps.
    EmptyDir {
        /// The directory, resolved.
        resolved: PathBuf,
        /// Its permissions before extracting.
        permissions: fs::Permissions,
    },
}

impl Target {
    /// Accepts `dest` if it does not exist or is an empty directory (not a
    /// symbolic link to one); refuses anything else without touching it.
    fn of(dest: &Path) -> Result<Target> {
        let md = match fs::symlink_metadata(dest) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let parent = match dest.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
                    _ => PathBuf::from("."),
                };
                return Ok(Target::Absent { parent });
            }
            Err(e) => return Err(Error::io("read", dest, e)),
            Ok(md) => md,
        };
        let refuse = || Error::DestinationNotEmpty {
            path: dest.to_owned(),
        };
        if !md.is_dir() {
            return Err(refuse());
        }
        let mut entries = fs::read_dir(dest).map_err(|e| Error::io("read", dest, e))?;
        if entries.next().is_some() {
            return Err(refuse());
        }
        let resolved = fs::canonicalize(dest).map_err(|e| Error::io("resolve", dest, e))?;
        if resolved.parent().is_none() {
            return Err(refuse()); // the root directory has no parent to work in
        }
        Ok(Target::EmptyDir {
            resolved,
            permissions: md.permissions(),
        })
    }

    /// The directory in which the temporary directory is made.
    fn parent(&self) -> PathBuf {
        match self {
            Target::Absent { parent } => parent.clone(),
            Target::EmptyDir { resolved, .. } => resolved
                .parent()
                .map_or_else(|| PathBuf::from("/"), Path::to_owned),
        }
    }

    /// Renames the verified bag in `tmp` to the destination; on failure
    /// the temporary directory is removed and the destination left as it
    /// was.
    fn put_in_place(&self, tmp: tempfile::TempDir, dest: &Path) -> Result<()> {
        let failed = |e| Error::io("rename the extracted bag to", dest, e);
        match self {
            Target::Absent { .. } => {
                let kept = tmp.keep();
                fs::rename(&kept, dest).map_err(|e| {
                    let _ = fs::remove_dir_all(&kept);
                    failed(e)
                })
            }
            Target::EmptyDir {
                resolved,
                permissions,
            } => {
                fs::set_permissions(tmp.path(), permissions.clone())
                    .map_err(|e| Error::io("set the permissions of", tmp.path(), e))?;
                let kept = tmp.keep();
                replace_empty_dir(&kept, resolved).map_err(|e| {
                    let _ = fs::remove_dir_all(&kept);
                    failed(e)
                })
            }
        }
    }
}

/// Renames the directory `from` over the empty directory `to`: one
/// rename(2) on Unix, which replaces an empty directory atomically and
/// fails if it is no longer empty.
#[cfg(unix)]
fn replace_empty_dir(from: &Path, to: &Path) -> io::Result<()> {
    fs::rename(from, to)
}

/// Renames the directory `from` over the empty directory `to`. Windows
/// cannot rename over a directory: the empty directory is removed first
/// (`remove_dir` fails if it is no longer empty), so a crash between the
/// two steps leaves the destination absent and the bag beside it.
#[cfg(not(unix))]
fn replace_empty_dir(from: &Path, to: &Path) -> io::Result<()> {
    fs::remove_dir(to)?;
    fs::rename(from, to)
}

/// A reader that writes everything it reads to `out` (a tee), remembering
/// whether writing failed.
struct Tee<'a, R> {
    inner: R,
    out: &'a mut fs::File,
    write_failed: Option<io::Error>,
}

impl<R: Read> Read for Tee<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Err(e) = self.out.write_all(&buf[..n]) {
            let msg = e.to_string();
            self.write_failed = Some(e);
            return Err(io::Error::other(msg));
        }
        Ok(n)
    }
}

/// A [`BagSource`] that extracts what it reads: each selected entry is
/// written once, hashed as it is written.
struct ExtractingSource<'a, R> {
    /// The archive and its entries; each thread reads through its own
    /// clone of `opened.archive`.
    opened: &'a OpenedZip<R>,
    selected: Vec<bool>,
    written: Vec<AtomicBool>,
    root: PathBuf,
    found: Mutex<Vec<Problem>>,
    write_error: Mutex<Option<Error>>,
}

impl<R: ArchiveRead> ExtractingSource<'_, R> {
    fn into_problems(self) -> Vec<Problem> {
        self.found
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn record(&self, p: Option<Problem>) {
        if let Some(p) = p {
            self.found
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(p);
        }
    }

    fn write_failed(&self, action: &'static str, path: &Path, e: io::Error) {
        let mut slot = self
            .write_error
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if slot.is_none() {
            *slot = Some(Error::io(action, path, e));
        }
    }

    /// Entry `id` as the central directory describes it.
    fn entry(&self, id: usize) -> io::Result<EntryInfo<'_>> {
        let e = self
            .opened
            .entries
            .get(id)
            .ok_or_else(|| io::Error::other("no such entry"))?;
        Ok(self.opened.archive.entry(*e))
    }

    /// Writes entry `id` (`entry`, read from `data`) under the root, hashing
    /// it with `algorithms`; if it was written already, only hashes it.
    fn write_entry(
        &self,
        id: usize,
        entry: &EntryInfo<'_>,
        data: &mut dyn Read,
        algorithms: &[Algorithm],
        reporter: &dyn Reporter,
    ) -> io::Result<Vec<(Algorithm, Digest)>> {
        if self.written[id].swap(true, Ordering::SeqCst) {
            // Already on disk: hash it from the archive again.
            let (_, d) = hash_reader(data, algorithms, Some(entry.size), &mut |_| {})?;
            return Ok(d);
        }
        let path = self.root.join(entry.rel);
        let mut out = match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(f) => f,
            Err(e) => {
                let msg = e.to_string();
                self.write_failed("create", &path, e);
                return Err(io::Error::other(msg));
            }
        };
        let mut tee = Tee {
            inner: data,
            out: &mut out,
            write_failed: None,
        };
        let result = hash_reader(&mut tee, algorithms, Some(entry.size), &mut |n| {
            reporter.advance(n);
        });
        reporter.file_done();
        if let Some(e) = tee.write_failed.take() {
            self.write_failed("write", &path, e);
        }
        let (_, digests) = result?;
        Ok(digests)
    }
}

impl<R: ArchiveRead> BagSource for ExtractingSource<'_, R> {
    fn read(&self, file: &FoundFile) -> io::Result<Vec<u8>> {
        let entry = self
            .opened
            .entries
            .get(file.id)
            .ok_or_else(|| io::Error::other("no such entry"))?;
        let (buf, finding) = read_tag_entry(&self.opened.archive, *entry)?;
        self.record(finding);
        Ok(buf)
    }

    fn hash(
        &self,
        jobs: &[HashJob],
        reporter: &dyn Reporter,
    ) -> Vec<io::Result<Vec<(Algorithm, Digest)>>> {
        jobs.par_iter()
            .map_init(
                || self.opened.archive.clone(),
                |reader, job| {
                    let id = job.file.id;
                    if !self.selected.get(id).copied().unwrap_or(false) {
                        // Not extracted (`--item`): not read, so no digest
                        // to compare.
                        return Ok(Vec::new());
                    }
                    let entry = self.entry(id)?;
                    let mut data = open_entry(reader, &entry)?;
                    let digests =
                        self.write_entry(id, &entry, &mut data, &job.algorithms, reporter)?;
                    self.record(data.finish(&entry));
                    Ok(digests)
                },
            )
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serialize::unsafe_entry_name_reason;

    #[test]
    fn collisions() {
        let entry = |rel: &'static str| EntryInfo {
            index: 0,
            rel,
            size: 0,
            compressed_size: 0,
            crc32: 0,
        };
        let check = |files: &[&'static str], dirs: &[&str]| {
            let entries: Vec<EntryInfo<'_>> = files.iter().map(|f| entry(f)).collect();
            check_collisions(&entries, dirs).map_err(|e| e.to_string())
        };
        assert!(check(&["data/a", "data/b/c"], &["data", "data/b", "data/b"]).is_ok());
        let nfd = "data/cafe\u{301}";
        let err = check(&["data/caf\u{e9}", nfd], &["data"]).unwrap_err();
        assert!(err.contains("lands on the same file"), "{err}");
        assert!(check(&["data/Readme", "data/README"], &[]).is_err());
        assert!(check(&["data/x", "data/x"], &[]).is_err());
        assert!(check(&["data/x"], &["data/X"]).is_err());
        let err = check(&["data/a", "data/A/b"], &[]).unwrap_err();
        assert!(err.contains("as a directory"), "{err}");
        // Many distinct names: no false collision.
        let many: Vec<&'static str> = (0..2000)
            .map(|i| &*Box::leak(format!("data/f{i}").into_boxed_str()))
            .collect();
        assert!(check(&many, &["data"]).is_ok());
    }

    #[test]
    fn entry_name_table() {
        // (name, refused?)
        let table: &[(&str, bool)] = &[
            ("bag/data/a.txt", false),
            ("bag/data/", false),
            ("bag/data/é ü.txt", false),
            ("bag/data/..a", false),
            ("../evil", true),
            ("bag/../../evil", true),
            ("bag/data/..", true),
            ("/etc/passwd", true),
            ("C:/Windows/x", true),
            ("c:x", true),
            ("bag\\..\\evil", true),
            ("bag/data/a\\b", true),
            ("bag/data/a\0b", true),
            ("bag/data/a\nb", true),
            ("bag/data/a\u{1b}[2J", true),
            ("bag/data/a\u{7f}", true),
            ("bag//data", true),
            ("bag/./data", true),
            ("", true),
            ("bag/data/x:stream", true),
        ];
        for (name, refused) in table {
            assert_eq!(
                unsafe_entry_name_reason(name).is_some(),
                *refused,
                "{name:?}: {:?}",
                unsafe_entry_name_reason(name)
            );
        }
    }

    fn info(rel: &str) -> EntryInfo<'_> {
        EntryInfo {
            index: 0,
            rel,
            size: 0,
            compressed_size: 0,
            crc32: 0,
        }
    }

    #[test]
    fn collisions_after_nfc_and_case_folding() {
        let ok = [info("data/a.txt"), info("data/b.txt")];
        assert!(check_collisions(&ok, &["data"]).is_ok());
        let case = [info("data/A.txt"), info("data/a.txt")];
        assert!(check_collisions(&case, &[]).is_err());
        let nfc = [info("data/caf\u{e9}"), info("data/cafe\u{301}")];
        assert!(check_collisions(&nfc, &[]).is_err());
        let file_as_dir = [info("data/x"), info("data/X/y")];
        assert!(check_collisions(&file_as_dir, &[]).is_err());
        let dir_vs_file = [info("data/x")];
        assert!(check_collisions(&dir_vs_file, &["data/x"]).is_err());
    }

    #[test]
    fn limits() {
        let mut big = info("data/bomb");
        big.size = 10 << 30;
        big.compressed_size = 10 << 20;
        let o = ExtractOptions::default();
        assert!(matches!(
            check_limits(std::slice::from_ref(&big), &[true], &o),
            Err(Error::LimitExceeded { .. })
        ));
        big.compressed_size = 5 << 30;
        assert!(check_limits(std::slice::from_ref(&big), &[true], &o).is_ok());
        let small = ExtractOptions {
            max_total_bytes: 1 << 30,
            ..o
        };
        assert!(check_limits(std::slice::from_ref(&big), &[true], &small).is_err());
        assert!(check_limits(std::slice::from_ref(&big), &[false], &small).is_ok());
    }

    #[test]
    fn selection() {
        let e = [info("bagit.txt"), info("data/a"), info("data/b")];
        assert_eq!(select(&e, &[]).unwrap(), [true, true, true]);
        assert_eq!(select(&e, &["data/b".into()]).unwrap(), [true, false, true]);
        assert_eq!(select(&e, &["a".into()]).unwrap(), [true, true, false]);
        assert!(select(&e, &["bagit.txt".into()]).is_err());
        assert!(select(&e, &["data/zzz".into()]).is_err());
    }
}
