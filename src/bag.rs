//! Making bags: [`bag_to`] writes a new bag at a destination and leaves the
//! source untouched; [`bag_in_place`] turns a directory into a bag, moving
//! its content under `data/`. Either way every file is read exactly once
//! (copied and hashed in the same pass), all algorithms at once, and a
//! failure leaves nothing behind: `bag_to` builds the bag in a temporary
//! directory beside the destination and renames it into place;
//! `bag_in_place` hashes everything before it moves anything and moves it
//! back if a later step fails.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use unicode_normalization::{UnicodeNormalization, is_nfc};

use crate::checksum::{Algorithm, Digest, MultiHasher, hash_bytes, hash_reader};
use crate::error::{Error, Refusal, Result};
use crate::manifest::{push_manifest_line, write_manifest};
use crate::progress::Reporter;
use crate::spill::{Record, Spill, SpillReader, SpillWriter};
use crate::tagfile::{BAG_DECLARATION, BAG_INFO, BagDeclaration, BagInfo, PayloadOxum};
use crate::walk::{Kind, Names, Walked, sizes_under, walk};

/// The default `Bag-Software-Agent`.
pub const SOFTWARE_AGENT: &str = concat!("newsbag ", env!("CARGO_PKG_VERSION"));

/// Labels newsbag computes itself and refuses from the user.
const COMPUTED_LABELS: [&str; 3] = ["Payload-Oxum", "Bagging-Date", "Bag-Software-Agent"];

/// How to make a bag.
#[derive(Debug, Clone)]
pub struct BagOptions {
    bagging_date: String,
    software_agent: String,
    algorithms: Vec<Algorithm>,
    info: Vec<(String, String)>,
    extra_tags: Vec<(String, Vec<u8>)>,
    threshold: usize,
}

impl BagOptions {
    /// Options with the given `Bagging-Date` (`YYYY-MM-DD`), the default
    /// algorithms (SHA-512 and SHA-256) and no extra metadata.
    pub fn new(bagging_date: impl Into<String>) -> Self {
        BagOptions {
            bagging_date: bagging_date.into(),
            software_agent: SOFTWARE_AGENT.to_owned(),
            algorithms: Algorithm::DEFAULT.to_vec(),
            info: Vec::new(),
            extra_tags: Vec::new(),
            threshold: crate::spill::DEFAULT_THRESHOLD,
        }
    }

    /// Bags a source of more than `threshold` files through sorted runs on
    /// disk (the default is
    /// [`DEFAULT_THRESHOLD`](crate::spill::DEFAULT_THRESHOLD)); the bag is
    /// the same either way. Exposed for tests.
    #[doc(hidden)]
    pub fn spill_threshold(mut self, threshold: usize) -> Self {
        self.threshold = threshold.max(1);
        self
    }

    /// Uses these checksum algorithms (duplicates removed; empty means the
    /// default).
    pub fn algorithms(mut self, algorithms: &[Algorithm]) -> Self {
        let mut v: Vec<Algorithm> = Vec::new();
        for a in algorithms {
            if !v.contains(a) {
                v.push(*a);
            }
        }
        if !v.is_empty() {
            self.algorithms = v;
        }
        self
    }

    /// Sets `Bag-Software-Agent`.
    pub fn software_agent(mut self, agent: impl Into<String>) -> Self {
        self.software_agent = agent.into();
        self
    }

    /// Adds a `bag-info.txt` element, written after the computed ones in
    /// the order given.
    pub fn info(mut self, label: impl Into<String>, value: impl Into<String>) -> Self {
        self.info.push((label.into(), value.into()));
        self
    }

    /// Adds a tag file of newsbag's own (for example `metadata/dc.xml`),
    /// written beside the standard ones and listed in the tag manifests.
    /// `name` is a relative `/`-separated path outside `data/` that does not
    /// replace a standard tag file.
    pub fn tag_file(mut self, name: impl Into<String>, bytes: Vec<u8>) -> Self {
        self.extra_tags.push((name.into(), bytes));
        self
    }

    /// Builds bag-info.txt, checking every label and value.
    fn bag_info(&self, oxum: PayloadOxum) -> Result<BagInfo> {
        let mut info = BagInfo::new();
        info.push("Bagging-Date", &self.bagging_date)?;
        info.push("Payload-Oxum", &oxum.to_string())?;
        info.push("Bag-Software-Agent", &self.software_agent)?;
        for (label, value) in &self.info {
            if COMPUTED_LABELS
                .iter()
                .any(|l| l.eq_ignore_ascii_case(label))
            {
                return Err(Error::InvalidInfo {
                    label: label.clone(),
                    reason: "newsbag computes this element itself",
                });
            }
            info.push(label, value)?;
        }
        Ok(info)
    }

    /// bagit.txt, bag-info.txt and the extra tag files, as (name, bytes).
    pub(crate) fn fixed_tag_files(&self, oxum: PayloadOxum) -> Result<Vec<(String, Vec<u8>)>> {
        let mut tags = vec![
            (BAG_DECLARATION.to_owned(), BagDeclaration::new().to_bytes()),
            (BAG_INFO.to_owned(), self.bag_info(oxum)?.to_bytes()),
        ];
        tags.extend(self.extra_tags.iter().cloned());
        Ok(tags)
    }

    /// Checks the options before any file is touched.
    pub(crate) fn check(&self) -> Result<()> {
        for (name, _) in &self.extra_tags {
            let reserved = name == BAG_DECLARATION
                || name == BAG_INFO
                || name == "fetch.txt"
                || name.starts_with("manifest-")
                || name.starts_with("tagmanifest-")
                || name == "data"
                || name.starts_with("data/");
            let unsafe_name = crate::manifest::unsafe_path_reason(name).is_some()
                || name.split('/').any(|c| c.is_empty() || c == ".")
                || name.contains(['\\', '\r', '\n']);
            if reserved || unsafe_name {
                return Err(Error::InvalidInfo {
                    label: name.clone(),
                    reason: "not a usable name for an extra tag file",
                });
            }
        }
        self.bag_info(PayloadOxum::default()).map(|_| ())
    }
}

/// What was bagged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BagSummary {
    /// The bag directory.
    pub path: PathBuf,
    /// Payload bytes and files.
    pub oxum: PayloadOxum,
}

/// What a scan of the source found: the regular files, sorted by name,
/// held compactly (a bag of a million files should not need a `String`, a
/// `PathBuf` and a digest vector per file).
struct Scan {
    /// Paths relative to the source root, `/`-separated, sorted.
    files: Names,
    /// The size of each file, as the walk found it.
    sizes: Vec<u64>,
    /// Directories (relative), to recreate empty ones in a copy.
    dirs: Vec<String>,
}

impl Scan {
    fn oxum(&self) -> PayloadOxum {
        PayloadOxum {
            octets: self.sizes.iter().sum(),
            streams: self.files.len() as u64,
        }
    }
}

/// What a scan of a source of more files than the threshold found: the
/// regular files in sorted runs on disk (each record keyed by its position
/// in the walk), and only totals and directories in memory.
struct SpilledScan {
    runs: Vec<Spill>,
    oxum: PayloadOxum,
    dirs: Vec<String>,
}

/// What [`scan`] found: a small source in memory, a large one spilled.
enum Scanned {
    InMemory(Scan),
    Spilled(SpilledScan),
}

/// Lists the regular files under `root` (sorted), refusing symlinks,
/// special files, unreadable entries, non-UTF-8 names and names that
/// collide after NFC normalisation. Every refused file is named. With more
/// than `threshold` files, they go to sorted runs on disk a chunk at a time.
fn scan(root: &Path, threshold: usize) -> Result<Scanned> {
    let mut files = Names::default();
    let mut dirs = Vec::new();
    let mut refused = Vec::new();
    let mut spilled: Option<Spilled> = None;
    for walked in walk(root) {
        let (rel, kind) = match walked {
            Walked::Entry { rel, kind, .. } => (rel, kind),
            Walked::NonUtf8 { rel } => {
                refused.push(Refusal {
                    path: PathBuf::from(rel),
                    reason: "the name is not valid UTF-8".into(),
                });
                continue;
            }
            Walked::Error { rel, error } => {
                refused.push(Refusal {
                    path: PathBuf::from(rel),
                    reason: format!("cannot be read: {error}"),
                });
                continue;
            }
        };
        match kind {
            Kind::Dir => dirs.push(rel),
            // Sizes are read after the walk, in parallel. Readability is
            // established when the file is hashed, which happens before
            // anything is moved or written in place.
            Kind::File => files.push(&rel),
            Kind::Symlink => refused.push(Refusal {
                path: PathBuf::from(rel),
                reason: "is a symbolic link (bag its target instead)".into(),
            }),
            Kind::Special(what) => refused.push(Refusal {
                path: PathBuf::from(rel),
                reason: format!("is a {what}, not a regular file"),
            }),
        }
        if files.len() > threshold {
            spilled.get_or_insert_with(Spilled::default).push_run(
                root,
                &mut files,
                &mut refused,
            )?;
        }
    }
    if let Some(mut spilled) = spilled {
        if files.len() > 0 {
            spilled.push_run(root, &mut files, &mut refused)?;
        }
        refused.extend(spilled.nfc_collisions(&dirs)?);
        if !refused.is_empty() {
            refused.sort_by(|a, b| a.path.cmp(&b.path));
            return Err(Error::Unbaggable {
                root: root.to_owned(),
                refused,
            });
        }
        return Ok(Scanned::Spilled(SpilledScan {
            runs: spilled.runs,
            oxum: spilled.oxum,
            dirs,
        }));
    }
    let mut sizes = vec![0u64; files.len()];
    for (i, e) in sizes_under(root, &files, &mut sizes) {
        refused.push(Refusal {
            path: PathBuf::from(files.get(i)),
            reason: format!("cannot be read: {e}"),
        });
    }
    refused.extend(nfc_collisions(&files, &dirs));
    if !refused.is_empty() {
        refused.sort_by(|a, b| a.path.cmp(&b.path));
        return Err(Error::Unbaggable {
            root: root.to_owned(),
            refused,
        });
    }
    // The walk visits siblings in order, but `a/b` comes before `a-c` in it
    // and after it as a string: manifests are written in string order.
    let order = files.sorted_order();
    let files = files.permuted(&order);
    let sizes = order.iter().map(|&i| sizes[i]).collect();
    Ok(Scanned::InMemory(Scan { files, sizes, dirs }))
}

/// A scan being spilled: the runs written so far, and the NFC forms of the
/// names not in NFC (the only ones that can collide).
#[derive(Default)]
struct Spilled {
    runs: Vec<Spill>,
    oxum: PayloadOxum,
    /// Files already spilled, in walk order.
    walked: u64,
    nfc_forms: BTreeMap<String, Vec<(u64, String)>>,
}

fn spill_error(e: io::Error) -> Error {
    Error::io("write a temporary file in", std::env::temp_dir(), e)
}

impl Spilled {
    /// Writes `files` (in walk order) as one sorted run and empties it.
    fn push_run(
        &mut self,
        root: &Path,
        files: &mut Names,
        refused: &mut Vec<Refusal>,
    ) -> Result<()> {
        let mut sizes = vec![0u64; files.len()];
        for (i, e) in sizes_under(root, files, &mut sizes) {
            refused.push(Refusal {
                path: PathBuf::from(files.get(i)),
                reason: format!("cannot be read: {e}"),
            });
        }
        let mut out = SpillWriter::new().map_err(spill_error)?;
        for i in files.sorted_order() {
            let name = files.get(i);
            if !is_nfc(name) {
                self.nfc_forms.entry(name.nfc().collect()).or_default();
            }
            out.push(name, sizes[i], self.walked + i as u64, None)
                .map_err(spill_error)?;
            self.oxum.octets += sizes[i];
        }
        self.oxum.streams += files.len() as u64;
        self.walked += files.len() as u64;
        self.runs.push(out.finish().map_err(spill_error)?);
        *files = Names::default();
        Ok(())
    }

    /// [`nfc_collisions`] of the spilled files and `dirs`: the same groups,
    /// each in walk order, directories last.
    fn nfc_collisions(&mut self, dirs: &[String]) -> Result<Vec<Refusal>> {
        let mut by_nfc = std::mem::take(&mut self.nfc_forms);
        for d in dirs.iter().filter(|d| !is_nfc(d)) {
            by_nfc.entry(d.nfc().collect()).or_default();
        }
        if by_nfc.is_empty() {
            return Ok(Vec::new());
        }
        let mut rec = Record::default();
        for run in &self.runs {
            let mut reader = run.reader().map_err(spill_error)?;
            while reader.next_into(&mut rec).map_err(spill_error)? {
                if let Some(group) = nfc_group(&mut by_nfc, &rec.name) {
                    group.push((rec.key, rec.name.clone()));
                }
            }
        }
        for group in by_nfc.values_mut() {
            group.sort();
        }
        for d in dirs {
            if let Some(group) = nfc_group(&mut by_nfc, d) {
                group.push((u64::MAX, d.clone()));
            }
        }
        Ok(collision_refusals(
            by_nfc
                .values()
                .map(|g| g.iter().map(|(_, n)| n.as_str()).collect()),
        ))
    }
}

/// The group of names whose NFC form is `name`'s, if any.
fn nfc_group<'m, T>(
    by_nfc: &'m mut BTreeMap<String, Vec<T>>,
    name: &str,
) -> Option<&'m mut Vec<T>> {
    if is_nfc(name) {
        by_nfc.get_mut(name)
    } else {
        by_nfc.get_mut(&name.nfc().collect::<String>())
    }
}

/// Names that collide after NFC normalisation (e.g. `Núñez` typed on macOS
/// and on Linux) would be one file on many systems. Only a name that is not
/// in NFC can collide with another, so nothing is kept per file unless such
/// a name exists.
fn nfc_collisions(files: &Names, dirs: &[String]) -> Vec<Refusal> {
    let mut by_nfc: BTreeMap<String, Vec<&str>> = files
        .iter()
        .chain(dirs.iter().map(String::as_str))
        .filter(|n| !is_nfc(n))
        .map(|n| (n.nfc().collect(), Vec::new()))
        .collect();
    if by_nfc.is_empty() {
        return Vec::new();
    }
    for name in files.iter().chain(dirs.iter().map(String::as_str)) {
        if let Some(group) = nfc_group(&mut by_nfc, name) {
            group.push(name);
        }
    }
    collision_refusals(by_nfc.into_values())
}

/// A refusal for every name of every group of more than one.
fn collision_refusals<'a>(groups: impl Iterator<Item = Vec<&'a str>>) -> Vec<Refusal> {
    let mut refused = Vec::new();
    for group in groups.filter(|g| g.len() > 1) {
        for name in &group {
            refused.push(Refusal {
                path: PathBuf::from(name),
                reason: format!(
                    "collides after Unicode NFC normalisation with {}",
                    group
                        .iter()
                        .filter(|n| *n != name)
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
    }
    refused
}

/// A reader that writes everything it reads to `out` (copy while hashing).
struct Tee<R, W> {
    inner: R,
    out: W,
}

impl<R: Read, W: Write> Read for Tee<R, W> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.out.write_all(&buf[..n])?;
        Ok(n)
    }
}

/// The digests of every file: for file `i`, the bytes of each algorithm's
/// digest one after the other, at `i * stride` (no allocation per file).
struct DigestTable {
    algorithms: Vec<Algorithm>,
    stride: usize,
    bytes: Vec<u8>,
}

impl DigestTable {
    fn new(algorithms: &[Algorithm], files: usize) -> Self {
        let stride = algorithms.iter().map(|a| a.hex_len() / 2).sum();
        DigestTable {
            algorithms: algorithms.to_vec(),
            stride,
            bytes: vec![0; files * stride],
        }
    }

    /// The digest of file `i` with algorithm `a` (one of the table's).
    fn get(&self, i: usize, a: Algorithm) -> &[u8] {
        let mut at = i * self.stride;
        for &b in &self.algorithms {
            let len = b.hex_len() / 2;
            if a == b {
                return &self.bytes[at..at + len];
            }
            at += len;
        }
        &[]
    }
}

/// Hashes (and, with `copy_to`, copies) every file, in parallel. Files that
/// cannot be read are all named in one [`Error::Unbaggable`].
fn hash_files(
    root: &Path,
    scan: &Scan,
    algorithms: &[Algorithm],
    copy_to: Option<&Path>,
    reporter: &dyn Reporter,
) -> Result<DigestTable> {
    let mut table = DigestTable::new(algorithms, scan.files.len());
    reporter.start(scan.files.len() as u64, scan.sizes.iter().sum());
    let stride = table.stride.max(1);
    let failures: Vec<(usize, Error)> = table
        .bytes
        .par_chunks_mut(stride)
        .enumerate()
        .filter_map(|(i, slot)| {
            let rel = scan.files.get(i);
            let r = hash_one(root, rel, scan.sizes[i], algorithms, copy_to, reporter);
            reporter.file_done();
            match r {
                Ok(digests) => {
                    let mut at = 0;
                    for (_, d) in digests {
                        let b = d.as_bytes();
                        slot[at..at + b.len()].copy_from_slice(b);
                        at += b.len();
                    }
                    None
                }
                Err(e) => Some((i, e)),
            }
        })
        .collect();
    reporter.finish();
    let mut refused = Vec::new();
    for (i, e) in failures {
        refused.push(refusal_of(scan.files.get(i), e)?);
    }
    if refused.is_empty() {
        Ok(table)
    } else {
        Err(Error::Unbaggable {
            root: root.to_owned(),
            refused,
        })
    }
}

fn hash_one(
    root: &Path,
    rel: &str,
    size: u64,
    algorithms: &[Algorithm],
    copy_to: Option<&Path>,
    reporter: &dyn Reporter,
) -> Result<Vec<(Algorithm, Digest)>> {
    let abs = root.join(rel);
    let input = fs::File::open(&abs).map_err(|e| Error::io("read", &abs, e))?;
    let mut on_bytes = |n| reporter.advance(n);
    let (len, digests) = match copy_to {
        None => hash_reader(input, algorithms, Some(size), &mut on_bytes)
            .map_err(|e| Error::io("read", &abs, e))?,
        Some(dest) => {
            let target = dest.join(rel);
            // The temporary bag is new: nothing can be there already.
            let out = fs::File::create_new(&target).map_err(|e| Error::io("create", &target, e))?;
            // Reads come in chunks of up to 256 KiB, so each is written
            // straight through: no second buffer to allocate per file.
            // Timestamps are not copied: BagIt does not carry them, and one
            // more system call per file costs ~10% on bags of small files.
            let mut tee = Tee { inner: input, out };
            hash_reader(&mut tee, algorithms, Some(size), &mut on_bytes)
                .map_err(|e| Error::io("copy", &abs, e))?
        }
    };
    if len != size {
        return Err(Error::io(
            "read",
            &abs,
            io::Error::other("the file changed size while it was being bagged"),
        ));
    }
    Ok(digests)
}

/// The tag manifests of a bag whose `fixed` tag files
/// ([`BagOptions::fixed_tag_files`]) are in memory and whose payload
/// manifests were written elsewhere (`manifests`: their names and
/// checksums): (name, text) per algorithm.
pub(crate) fn tag_manifest_files(
    options: &BagOptions,
    fixed: &[(String, Vec<u8>)],
    manifests: Vec<Written>,
) -> Vec<(String, Vec<u8>)> {
    let mut written: Vec<Written> = fixed
        .par_iter()
        .map(|(name, bytes)| (name.clone(), hash_bytes(bytes, &options.algorithms)))
        .collect();
    written.extend(manifests);
    tag_manifests(&mut written, &options.algorithms)
        .into_iter()
        .map(|(name, text)| (name, text.into_bytes()))
        .collect()
}

/// The tag manifests, as (name, text), one per algorithm, of the tag files
/// `written` with their digests (sorted by name here).
fn tag_manifests(
    written: &mut [(String, Vec<(Algorithm, Digest)>)],
    algorithms: &[Algorithm],
) -> Vec<(String, String)> {
    written.sort_by(|x, y| x.0.cmp(&y.0));
    algorithms
        .iter()
        .map(|&a| {
            let rows = written.iter().filter_map(|(name, sums)| {
                sums.iter()
                    .find(|(b, _)| *b == a)
                    .map(|(_, d)| (name.as_str(), d))
            });
            (a.tag_manifest_name(), write_manifest(rows))
        })
        .collect()
}

/// A writer that hashes what it writes (tag files are hashed for the tag
/// manifests as they are written, not read back or held in memory).
pub(crate) struct HashingWriter<W> {
    inner: W,
    hasher: MultiHasher,
}

impl<W: Write> HashingWriter<W> {
    /// A writer to `inner` hashing with each of `algorithms`.
    pub(crate) fn new(inner: W, algorithms: &[Algorithm]) -> Self {
        HashingWriter {
            inner,
            hasher: MultiHasher::new(algorithms),
        }
    }

    /// The writer, and the checksums of what went through.
    pub(crate) fn finish(self) -> (W, Vec<(Algorithm, Digest)>) {
        (self.inner, self.hasher.finish().1)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A tag file written, with its checksum in every algorithm.
pub(crate) type Written = (String, Vec<(Algorithm, Digest)>);

/// The payload manifests of a bag being written, one per algorithm, each
/// hashed as it is written (for the tag manifests).
struct ManifestWriters {
    algorithms: Vec<Algorithm>,
    files: Vec<(String, PathBuf, HashingWriter<io::BufWriter<fs::File>>)>,
    line: String,
    rel: String,
}

impl ManifestWriters {
    fn create(dir: &Path, algorithms: &[Algorithm]) -> Result<Self> {
        let mut files = Vec::new();
        // One 256 KiB buffer in all, as when the manifests were written one
        // after the other.
        let capacity = 256 * 1024 / algorithms.len().max(1);
        for &a in algorithms {
            let name = a.manifest_name();
            let path = dir.join(&name);
            let file = fs::File::create_new(&path).map_err(|e| Error::io("write", &path, e))?;
            let out = HashingWriter {
                inner: io::BufWriter::with_capacity(capacity, file),
                hasher: MultiHasher::new(algorithms),
            };
            files.push((name, path, out));
        }
        Ok(ManifestWriters {
            algorithms: algorithms.to_vec(),
            files,
            line: String::new(),
            rel: String::new(),
        })
    }

    /// Appends the line of payload file `name` (relative to `data/`) to
    /// every manifest; `digest(a)` is its checksum with algorithm `a`.
    fn push<'d>(&mut self, name: &str, digest: impl Fn(Algorithm) -> &'d [u8]) -> Result<()> {
        self.rel.clear();
        self.rel.push_str("data/");
        self.rel.push_str(name);
        for (&a, (_, path, out)) in self.algorithms.iter().zip(&mut self.files) {
            self.line.clear();
            push_manifest_line(&mut self.line, &self.rel, digest(a));
            out.write_all(self.line.as_bytes())
                .map_err(|e| Error::io("write", &*path, e))?;
        }
        Ok(())
    }

    /// Flushes every manifest; returns their names with their checksums.
    fn finish(self) -> Result<Vec<Written>> {
        let mut written = Vec::new();
        for (name, path, mut out) in self.files {
            out.inner
                .flush()
                .map_err(|e| Error::io("write", &path, e))?;
            written.push((name, out.hasher.finish().1));
        }
        Ok(written)
    }
}

/// Writes the tag files of a bag into `dir` (bagit.txt, bag-info.txt, the
/// extra tag files, the manifests, whose lines `payload` pushes in path
/// order, then the tag manifests) and returns their names.
fn write_tag_files(
    dir: &Path,
    oxum: PayloadOxum,
    options: &BagOptions,
    payload: impl FnOnce(&mut ManifestWriters) -> Result<()>,
) -> Result<Vec<String>> {
    let algorithms = &options.algorithms;
    // Every tag file with its digest in each algorithm.
    let mut written: Vec<(String, Vec<(Algorithm, Digest)>)> = Vec::new();
    for (name, bytes) in options.fixed_tag_files(oxum)? {
        let path = dir.join(&name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| Error::io("create", parent, e))?;
        }
        fs::write(&path, &bytes).map_err(|e| Error::io("write", &path, e))?;
        written.push((name, hash_bytes(&bytes, algorithms)));
    }
    let mut manifests = ManifestWriters::create(dir, algorithms)?;
    payload(&mut manifests)?;
    written.extend(manifests.finish()?);
    let mut names: Vec<String> = Vec::new();
    for (name, text) in tag_manifests(&mut written, algorithms) {
        let path = dir.join(&name);
        fs::write(&path, text).map_err(|e| Error::io("write", &path, e))?;
        names.push(name);
    }
    names.extend(written.into_iter().map(|(n, _)| n));
    Ok(names)
}

/// Writes the manifest lines of a scan held in memory, hashed beforehand.
fn push_scanned(scan: &Scan, digests: &DigestTable, out: &mut ManifestWriters) -> Result<()> {
    for i in 0..scan.files.len() {
        out.push(scan.files.get(i), |a| digests.get(i, a))?;
    }
    Ok(())
}

/// Files hashed together when hashing from sorted runs.
const HASH_BATCH: usize = 4096;

/// The files of sorted runs, merged into one sorted sequence.
struct Merge {
    readers: Vec<SpillReader>,
    /// The next file of each run, smallest name first.
    heap: std::collections::BinaryHeap<std::cmp::Reverse<(String, u64, usize)>>,
}

impl Merge {
    fn new(runs: &[Spill]) -> io::Result<Self> {
        let mut merge = Merge {
            readers: Vec::new(),
            heap: std::collections::BinaryHeap::new(),
        };
        for run in runs {
            merge.readers.push(run.reader()?);
            merge.advance(merge.readers.len() - 1)?;
        }
        Ok(merge)
    }

    fn advance(&mut self, run: usize) -> io::Result<()> {
        let mut rec = Record::default();
        if self.readers[run].next_into(&mut rec)? {
            self.heap.push(std::cmp::Reverse((rec.name, rec.size, run)));
        }
        Ok(())
    }

    /// The next (name, size), in name order.
    fn next(&mut self) -> io::Result<Option<(String, u64)>> {
        let Some(std::cmp::Reverse((name, size, run))) = self.heap.pop() else {
            return Ok(None);
        };
        self.advance(run)?;
        Ok(Some((name, size)))
    }
}

/// Hashes (and, with `copy_to`, copies) the files of sorted runs in name
/// order, a batch at a time in parallel, writing their manifest lines as
/// they come. Files that cannot be read are all named in one
/// [`Error::Unbaggable`].
fn hash_runs(
    root: &Path,
    scan: &SpilledScan,
    algorithms: &[Algorithm],
    copy_to: Option<&Path>,
    out: &mut ManifestWriters,
    reporter: &dyn Reporter,
) -> Result<()> {
    reporter.start(scan.oxum.streams, scan.oxum.octets);
    let mut merge = Merge::new(&scan.runs).map_err(spill_error)?;
    let mut refused = Vec::new();
    let mut batch: Vec<(String, u64)> = Vec::with_capacity(HASH_BATCH);
    loop {
        batch.clear();
        while batch.len() < HASH_BATCH {
            match merge.next().map_err(spill_error)? {
                Some(file) => batch.push(file),
                None => break,
            }
        }
        if batch.is_empty() {
            break;
        }
        let results: Vec<Result<Vec<(Algorithm, Digest)>>> = batch
            .par_iter()
            .map(|(rel, size)| {
                let r = hash_one(root, rel, *size, algorithms, copy_to, reporter);
                reporter.file_done();
                r
            })
            .collect();
        for ((rel, _), r) in batch.iter().zip(results) {
            match r {
                Ok(digests) => out.push(rel, |a| {
                    digests
                        .iter()
                        .find(|(b, _)| *b == a)
                        .map_or(&[][..], |(_, d)| d.as_bytes())
                })?,
                Err(e) => refused.push(refusal_of(rel, e)?),
            }
        }
    }
    reporter.finish();
    if refused.is_empty() {
        Ok(())
    } else {
        Err(Error::Unbaggable {
            root: root.to_owned(),
            refused,
        })
    }
}

/// The refusal of a file that could not be hashed, or the error itself if
/// it is not about that file (a full disk, a failed copy).
fn refusal_of(rel: &str, e: Error) -> Result<Refusal> {
    match e {
        Error::Io { cause, .. } if cause.kind() != io::ErrorKind::StorageFull => Ok(Refusal {
            path: PathBuf::from(rel),
            reason: format!("cannot be read: {cause}"),
        }),
        e => Err(e),
    }
}

/// Makes a new bag at `dest` from the files under `src`, which is left
/// untouched. `dest` must not exist. The bag is assembled in a temporary
/// directory beside `dest` and renamed into place only when complete.
pub fn bag_to(
    src: &Path,
    dest: &Path,
    options: &BagOptions,
    reporter: &dyn Reporter,
) -> Result<BagSummary> {
    options.check()?;
    check_source_dir(src)?;
    if fs::symlink_metadata(dest).is_ok() {
        return Err(Error::DestinationExists {
            path: dest.to_owned(),
        });
    }
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    // A destination inside the source would be bagged into itself.
    if let (Ok(s), Ok(p)) = (fs::canonicalize(src), fs::canonicalize(&parent))
        && p.starts_with(&s)
    {
        return Err(Error::InvalidDestination {
            path: dest.to_owned(),
            reason: "it is inside the directory being bagged",
        });
    }
    let scanned = scan(src, options.threshold)?;
    let tmp = tempfile::Builder::new()
        .prefix(".newsbag-tmp-")
        .tempdir_in(&parent)
        .map_err(|e| Error::io("create a temporary directory in", &parent, e))?;
    let data = tmp.path().join("data");
    fs::create_dir(&data).map_err(|e| Error::io("create", &data, e))?;
    let dirs = match &scanned {
        Scanned::InMemory(scan) => &scan.dirs,
        Scanned::Spilled(scan) => &scan.dirs,
    };
    for d in dirs {
        let p = data.join(d);
        fs::create_dir_all(&p).map_err(|e| Error::io("create", &p, e))?;
    }
    let oxum = match &scanned {
        Scanned::InMemory(scan) => {
            let digests = hash_files(src, scan, &options.algorithms, Some(&data), reporter)?;
            write_tag_files(tmp.path(), scan.oxum(), options, |out| {
                push_scanned(scan, &digests, out)
            })?;
            scan.oxum()
        }
        Scanned::Spilled(scan) => {
            write_tag_files(tmp.path(), scan.oxum, options, |out| {
                hash_runs(src, scan, &options.algorithms, Some(&data), out, reporter)
            })?;
            scan.oxum
        }
    };
    let tmp_path = tmp.keep();
    if let Err(e) = fs::rename(&tmp_path, dest) {
        let _ = fs::remove_dir_all(&tmp_path);
        return Err(Error::io("rename the finished bag to", dest, e));
    }
    Ok(BagSummary {
        path: dest.to_owned(),
        oxum,
    })
}

fn check_source_dir(src: &Path) -> Result<()> {
    let md = fs::metadata(src).map_err(|e| Error::io("read", src, e))?;
    if !md.is_dir() {
        return Err(Error::NotADirectory {
            path: src.to_owned(),
        });
    }
    Ok(())
}

/// Turns `dir` into a bag: its content moves under `dir/data/` and the tag
/// files are written beside it. Every file is hashed before anything moves;
/// if a later step fails, what was moved is moved back, so `dir` is left as
/// it was.
pub fn bag_in_place(
    dir: &Path,
    options: &BagOptions,
    reporter: &dyn Reporter,
) -> Result<BagSummary> {
    options.check()?;
    check_source_dir(dir)?;
    if dir.join(BAG_DECLARATION).exists() {
        return Err(Error::InvalidDestination {
            path: dir.to_owned(),
            reason: "it is already a bag (it has a bagit.txt)",
        });
    }
    let scanned = scan(dir, options.threshold)?;
    let tmp = tempfile::Builder::new()
        .prefix(".newsbag-tmp-")
        .tempdir_in(dir)
        .map_err(|e| Error::io("create a temporary directory in", dir, e))?;
    let tmp_path = tmp.path().to_owned();
    // Every file is hashed and the tag files are written before anything
    // moves: the manifests are streamed from the digests (or, for a large
    // source, hashed here from the sorted runs) rather than held in memory.
    let (tags, oxum) = match &scanned {
        Scanned::InMemory(scan) => {
            let digests = hash_files(dir, scan, &options.algorithms, None, reporter)?;
            let tags = write_tag_files(&tmp_path, scan.oxum(), options, |out| {
                push_scanned(scan, &digests, out)
            })?;
            (tags, scan.oxum())
        }
        Scanned::Spilled(scan) => (
            write_tag_files(&tmp_path, scan.oxum, options, |out| {
                hash_runs(dir, scan, &options.algorithms, None, out, reporter)
            })?,
            scan.oxum,
        ),
    };
    drop(scanned);
    let data = tmp_path.join("data");
    fs::create_dir(&data).map_err(|e| Error::io("create", &data, e))?;
    let tmp_name = tmp_path
        .file_name()
        .map(ToOwned::to_owned)
        .unwrap_or_default();

    let mut top: Vec<PathBuf> = Vec::new();
    let entries = fs::read_dir(dir).map_err(|e| Error::io("list", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("list", dir, e))?;
        if entry.file_name() != tmp_name {
            top.push(PathBuf::from(entry.file_name()));
        }
    }
    top.sort();
    let mut moved: Vec<&PathBuf> = Vec::new();
    let rollback = |moved: &[&PathBuf]| {
        for name in moved.iter().rev() {
            let _ = fs::rename(data.join(name), dir.join(name));
        }
    };
    for name in &top {
        if let Err(e) = fs::rename(dir.join(name), data.join(name)) {
            rollback(&moved);
            return Err(Error::io("move into data/", dir.join(name), e));
        }
        moved.push(name);
    }
    let finish = || -> Result<()> {
        let final_data = dir.join("data");
        fs::rename(&data, &final_data).map_err(|e| Error::io("rename", &final_data, e))?;
        for name in &tags {
            let to = dir.join(name);
            let placed = match to.parent() {
                Some(parent) => fs::create_dir_all(parent),
                None => Ok(()),
            }
            .and_then(|()| fs::rename(tmp_path.join(name), &to));
            if let Err(e) = placed {
                // Undo: tag files already placed, then the payload.
                for n in &tags {
                    let _ = fs::remove_file(dir.join(n));
                    if let Some((sub, _)) = n.split_once('/') {
                        let _ = fs::remove_dir_all(dir.join(sub));
                    }
                }
                let _ = fs::rename(&final_data, &data);
                return Err(Error::io("write", &to, e));
            }
        }
        Ok(())
    };
    if let Err(e) = finish() {
        rollback(&moved);
        return Err(e);
    }
    drop(tmp);
    Ok(BagSummary {
        path: dir.to_owned(),
        oxum,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::NoProgress;
    use crate::report::Level;
    use crate::verify::verify_dir;

    fn tree(files: &[(&str, &[u8])]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, bytes) in files {
            let p = dir.path().join(name);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, bytes).unwrap();
        }
        dir
    }

    /// The entries under `root` that `keep` accepts, sorted, with their
    /// paths relative to `root`.
    fn entries(
        root: &Path,
        keep: fn(&fs::FileType) -> bool,
    ) -> impl Iterator<Item = (String, walkdir::DirEntry)> + '_ {
        walkdir::WalkDir::new(root)
            .sort_by_file_name()
            .into_iter()
            .map(|e| e.unwrap())
            .filter(move |e| keep(&e.file_type()))
            .map(move |e| {
                let rel = e
                    .path()
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                (rel, e)
            })
    }

    fn listing(root: &Path) -> Vec<(String, Vec<u8>)> {
        entries(root, fs::FileType::is_file)
            .map(|(rel, e)| (rel, fs::read(e.path()).unwrap()))
            .collect()
    }

    #[test]
    fn bag_to_writes_a_valid_deterministic_bag() {
        let src = tree(&[
            ("a.txt", b"hello"),
            ("dir/b%\r\n.txt", b"odd name"),
            ("dir/sub/c.bin", &[0, 1, 2, 255]),
        ]);
        let before = listing(src.path());
        let out = tempfile::tempdir().unwrap();
        let opts = BagOptions::new("2026-01-02").info("Source-Organization", "Example");
        let s1 = bag_to(src.path(), &out.path().join("one"), &opts, &NoProgress).unwrap();
        assert_eq!(
            s1.oxum,
            PayloadOxum {
                octets: 17,
                streams: 3
            }
        );
        bag_to(src.path(), &out.path().join("two"), &opts, &NoProgress).unwrap();
        assert_eq!(listing(src.path()), before, "source untouched");
        assert_eq!(
            listing(&out.path().join("one")),
            listing(&out.path().join("two"))
        );
        let info = fs::read_to_string(out.path().join("one/bag-info.txt")).unwrap();
        assert_eq!(
            info,
            format!(
                "Bagging-Date: 2026-01-02\nPayload-Oxum: 17.3\nBag-Software-Agent: {SOFTWARE_AGENT}\nSource-Organization: Example\n"
            )
        );
        let manifest = fs::read_to_string(out.path().join("one/manifest-sha256.txt")).unwrap();
        assert!(
            manifest.contains("  data/dir/b%25%0D%0A.txt\n"),
            "{manifest}"
        );
        let report = verify_dir(&out.path().join("one"), Level::Fixity, &NoProgress).unwrap();
        assert!(report.is_valid(), "{:?}", report.problems);
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        // No temporary directory is left beside the bags.
        let names: Vec<_> = fs::read_dir(out.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2);
    }

    /// Bags `files` with the default path and through sorted runs of at
    /// most 1, 2, 3 and 7 files, to a new directory and in place, and
    /// checks every bag (or every refusal) is the same.
    fn assert_runs_agree(files: &[(&str, &[u8])], empty_dirs: &[&str]) {
        let src = tree(files);
        for d in empty_dirs {
            fs::create_dir_all(src.path().join(d)).unwrap();
        }
        let out = tempfile::tempdir().unwrap();
        let opts = BagOptions::new("2026-01-02")
            .algorithms(&[Algorithm::Sha256, Algorithm::Md5])
            .tag_file("metadata/x.txt", b"x".to_vec());
        let outcome = |r: Result<BagSummary>, bag: &Path| match r {
            Ok(s) => Ok((s.oxum, listing(bag), dirs_of(bag))),
            Err(e) => Err(e.to_string().replace(&bag.display().to_string(), "BAG")),
        };
        let whole = outcome(
            bag_to(src.path(), &out.path().join("whole"), &opts, &NoProgress),
            &out.path().join("whole"),
        );
        for t in [1, 2, 3, 7] {
            let bag = out.path().join(format!("t{t}"));
            let opts = opts.clone().spill_threshold(t);
            let got = bag_to(src.path(), &bag, &opts, &NoProgress);
            let got = outcome(got, &bag);
            assert_eq!(
                // Only the bag's own path is renamed: a temporary
                // directory's random name may contain `t3` too.
                got.as_ref().map_err(|e| e.replace(
                    &bag.display().to_string(),
                    &out.path().join("whole").display().to_string()
                )),
                whole.as_ref().map_err(String::clone),
                "threshold {t}"
            );
            // In place, on a copy of the source.
            let copy = out.path().join(format!("in-place-{t}"));
            bag_to(
                src.path(),
                &copy,
                &BagOptions::new("2000-01-01"),
                &NoProgress,
            )
            .map(|_| ())
            .unwrap_or(());
            if copy.exists() {
                let data = copy.join("data");
                let moved = out.path().join(format!("src-{t}"));
                fs::rename(&data, &moved).unwrap();
                fs::remove_dir_all(&copy).unwrap();
                let mut bags = Vec::new();
                for opts in [opts.clone(), opts.clone().spill_threshold(usize::MAX)] {
                    let dir = out.path().join(format!("ip-{t}-{}", bags.len()));
                    copy_tree(&moved, &dir);
                    bag_in_place(&dir, &opts, &NoProgress).unwrap();
                    bags.push((listing(&dir), dirs_of(&dir)));
                }
                assert_eq!(bags[0], bags[1], "in place, threshold {t}");
            }
        }
    }

    fn dirs_of(root: &Path) -> Vec<String> {
        entries(root, fs::FileType::is_dir)
            .map(|(rel, _)| rel)
            .collect()
    }

    fn copy_tree(from: &Path, to: &Path) {
        for e in walkdir::WalkDir::new(from) {
            let e = e.unwrap();
            let target = to.join(e.path().strip_prefix(from).unwrap());
            if e.file_type().is_dir() {
                fs::create_dir_all(&target).unwrap();
            } else {
                fs::copy(e.path(), &target).unwrap();
            }
        }
    }

    #[test]
    fn runs_on_disk_make_the_same_bag() {
        let mut files: Vec<(String, Vec<u8>)> = vec![
            ("a.txt".into(), b"hello".to_vec()),
            ("a-c".into(), b"1".to_vec()),
            ("a/b".into(), b"2".to_vec()),
            ("dir/b%\r\n.txt".into(), b"odd name".to_vec()),
            ("*star".into(), b"star".to_vec()),
            ("Z".into(), Vec::new()),
            ("\u{e9}t\u{e9}/x".into(), b"nfc".to_vec()),
        ];
        for i in 0..30 {
            files.push((
                format!("many/{}/{i}", i % 4),
                vec![u8::try_from(i).unwrap(); i],
            ));
        }
        let files: Vec<(&str, &[u8])> = files
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice()))
            .collect();
        assert_runs_agree(&files, &["empty", "many/deep/er"]);
    }

    #[test]
    fn runs_on_disk_refuse_the_same_collisions() {
        assert_runs_agree(
            &[
                ("Nu\u{301}n\u{303}ez", b"1"),
                ("x", b"x"),
                ("N\u{fa}\u{f1}ez", b"2"),
                ("d\u{e9}/a", b"3"),
                ("y", b"y"),
                ("N\u{fa}n\u{303}ez", b"4"),
            ],
            &["de\u{301}"],
        );
    }

    #[test]
    fn extra_tag_files_are_listed_in_tag_manifests() {
        let src = tree(&[("a.txt", b"hello")]);
        let out = tempfile::tempdir().unwrap();
        let opts = BagOptions::new("2026-01-02").tag_file("metadata/dc.xml", b"<dc/>".to_vec());
        bag_to(src.path(), &out.path().join("b"), &opts, &NoProgress).unwrap();
        let tm = fs::read_to_string(out.path().join("b/tagmanifest-sha256.txt")).unwrap();
        assert!(tm.contains("  metadata/dc.xml\n"), "{tm}");
        let report = verify_dir(&out.path().join("b"), Level::Fixity, &NoProgress).unwrap();
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        for bad in [
            "bagit.txt",
            "data/x",
            "../x",
            "/x",
            "manifest-md5.txt",
            "a//b",
        ] {
            let opts = BagOptions::new("2026-01-02").tag_file(bad, Vec::new());
            assert!(
                bag_to(src.path(), &out.path().join("c"), &opts, &NoProgress).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn bag_in_place_moves_payload() {
        let src = tree(&[("a.txt", b"hello"), ("data/x", b"payload named data")]);
        bag_in_place(src.path(), &BagOptions::new("2026-01-02"), &NoProgress).unwrap();
        assert_eq!(fs::read(src.path().join("data/a.txt")).unwrap(), b"hello");
        assert_eq!(
            fs::read(src.path().join("data/data/x")).unwrap(),
            b"payload named data"
        );
        let report = verify_dir(src.path(), Level::Fixity, &NoProgress).unwrap();
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        // A second attempt is refused: it is a bag now.
        assert!(bag_in_place(src.path(), &BagOptions::new("2026-01-02"), &NoProgress).is_err());
    }

    #[test]
    fn refuses_nfc_collisions_and_leaves_source() {
        let src = tree(&[("Nu\u{301}n\u{303}ez", b"1"), ("N\u{fa}\u{f1}ez", b"2")]);
        let before = listing(src.path());
        let err =
            bag_in_place(src.path(), &BagOptions::new("2026-01-02"), &NoProgress).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("NFC"), "{msg}");
        assert_eq!(listing(src.path()), before);
    }

    #[cfg(unix)]
    #[test]
    fn refuses_symlinks_naming_them() {
        let src = tree(&[("a", b"1")]);
        std::os::unix::fs::symlink("/etc/passwd", src.path().join("link")).unwrap();
        let out = tempfile::tempdir().unwrap();
        let err = bag_to(
            src.path(),
            &out.path().join("b"),
            &BagOptions::new("2026-01-02"),
            &NoProgress,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("`link`: is a symbolic link"),
            "{err}"
        );
        assert!(!out.path().join("b").exists());
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn payloads() -> impl Strategy<Value = std::collections::BTreeMap<String, Vec<u8>>> {
            proptest::collection::btree_map(
                "[a-zA-Z0-9 %\r\n\u{e9}\u{627}_-]{1,10}(/[a-z]{1,3})?",
                proptest::collection::vec(any::<u8>(), 0..300),
                1..6,
            )
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(24))]

            #[test]
            fn bag_then_verify_is_valid_and_any_flip_is_caught(
                files in payloads(),
                pick in any::<prop::sample::Index>(),
                bit in 0u8..8,
            ) {
                // Names that a file system would merge are refused by design.
                // (Case-only differences are bagged but verify warns about
                // them, so they are left out of this property.)
                let nfc: BTreeMap<String, ()> =
                    files.keys().map(|k| (k.nfc().collect::<String>().to_lowercase(), ())).collect();
                let dirs_clash = files.keys().any(|k| files.keys().any(|o| o.starts_with(&format!("{k}/"))));
                prop_assume!(nfc.len() == files.len() && !dirs_clash);
                let src = tempfile::tempdir().unwrap();
                for (name, bytes) in &files {
                    let p = src.path().join(name);
                    fs::create_dir_all(p.parent().unwrap()).unwrap();
                    fs::write(p, bytes).unwrap();
                }
                let out = tempfile::tempdir().unwrap();
                let bag = out.path().join("bag");
                bag_to(src.path(), &bag, &BagOptions::new("2000-01-01"), &NoProgress).unwrap();
                let report = verify_dir(&bag, Level::Fixity, &NoProgress).unwrap();
                prop_assert!(report.problems.is_empty(), "{:?}", report.problems);
                // Flip one bit of one non-empty payload file.
                let non_empty: Vec<&String> =
                    files.iter().filter(|(_, b)| !b.is_empty()).map(|(k, _)| k).collect();
                if !non_empty.is_empty() {
                    let name = non_empty[pick.index(non_empty.len())];
                    let path = bag.join("data").join(name);
                    let mut bytes = fs::read(&path).unwrap();
                    let at = pick.index(bytes.len());
                    bytes[at] ^= 1 << bit;
                    fs::write(&path, bytes).unwrap();
                    let report = verify_dir(&bag, Level::Fixity, &NoProgress).unwrap();
                    prop_assert!(!report.is_valid());
                    prop_assert!(report.problems.iter().all(|p| p.kind.code() == "checksum-mismatch"));
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(16))]

        /// Any small tree bags the same through runs of any size.
        #[test]
        fn runs_agree_with_one_pass(
            files in proptest::collection::btree_map(
                "[a-cA\u{e9}%]{1,3}(/[a-c\u{301}]{1,2})?",
                proptest::collection::vec(proptest::prelude::any::<u8>(), 0..8),
                0..10,
            ),
        ) {
            let dirs_clash = files.keys().any(|k| files.keys().any(|o| o.starts_with(&format!("{k}/"))));
            proptest::prop_assume!(!dirs_clash);
            let files: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
            assert_runs_agree(&files, &[]);
        }
    }

    #[test]
    fn refuses_computed_labels() {
        let src = tree(&[("a", b"1")]);
        let opts = BagOptions::new("2026-01-02").info("Payload-Oxum", "1.1");
        assert!(bag_in_place(src.path(), &opts, &NoProgress).is_err());
        assert!(src.path().join("a").exists());
    }
}
