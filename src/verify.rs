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
use std::ops::Range;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use unicode_normalization::UnicodeNormalization;

use crate::checksum::{Algorithm, Digest, hash_file};
use crate::error::{Error, Result};
use crate::manifest::{
    FetchEntry, ManifestEntry, drop_duplicates, duplicate_problem, parse_fetch, parse_manifest_line,
};
use crate::progress::Reporter;
use crate::report::{Level, Problem, ProblemKind, Report, Severity};
use crate::spill::{Record, Spill, SpillWriter};
use crate::tagfile::{
    BAG_DECLARATION, BagDeclaration, BagInfo, PayloadOxum, Version, decode_tag_file, encoding_for,
    split_lines,
};
use crate::walk::{Kind, Names, Walked, sizes_of, walk};

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
    /// Opens a (tag) file to read it as a stream; by default it is read
    /// whole with [`BagSource::read`].
    fn open(&self, file: &FoundFile) -> std::io::Result<Box<dyn std::io::Read + '_>> {
        Ok(Box::new(std::io::Cursor::new(self.read(file)?)))
    }
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

/// The files of a bag, sorted by path, held compactly: every path in one
/// string ([`Names`]) and a [`FoundFile`] each, about 16 bytes per file
/// beyond the path's text, where a map of `String`s costs about 100.
#[derive(Debug, Default)]
pub(crate) struct FileIndex {
    names: Names,
    files: Vec<FoundFile>,
}

impl FileIndex {
    /// The index of an inventory's files (already sorted by path).
    fn from_map(map: BTreeMap<String, FoundFile>) -> Self {
        let mut index = FileIndex::default();
        index.files.reserve_exact(map.len());
        for (name, file) in map {
            index.names.push(&name);
            index.files.push(file);
        }
        index.names.shrink_to_fit();
        index
    }

    /// The index of the files of an opened archive (its
    /// [`files`](crate::serialize::OpenedZip::files), already sorted):
    /// no per-file map or string is made on the way.
    fn from_zip<R: crate::serialize::ArchiveRead>(opened: &crate::serialize::OpenedZip<R>) -> Self {
        let mut index = FileIndex::default();
        index.files.reserve_exact(opened.files.len());
        for &pos in &opened.files {
            let e = opened.archive.entry(opened.entries[pos as usize]);
            index.names.push(e.rel);
            index.files.push(FoundFile {
                size: e.size,
                id: pos as usize,
            });
        }
        index.names.shrink_to_fit();
        index
    }

    fn len(&self) -> usize {
        self.files.len()
    }

    fn name(&self, i: usize) -> &str {
        self.names.get(i)
    }

    fn file(&self, i: usize) -> &FoundFile {
        &self.files[i]
    }

    /// The file at exactly `path`.
    fn find(&self, path: &str) -> Option<usize> {
        self.names.find_sorted(path)
    }

    /// The payload: paths under `data/` sort together, `/` being followed
    /// by `0`.
    fn payload(&self) -> Range<usize> {
        self.names.lower_bound("data/")..self.names.lower_bound("data0")
    }
}

/// A set of small integers, one bit each.
#[derive(Debug, Clone, Default)]
struct BitSet(Vec<u64>);

impl BitSet {
    fn new(len: usize) -> Self {
        BitSet(vec![0; len.div_ceil(64)])
    }

    fn get(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }

    fn set(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
}

/// A bag directory on disk: files are found by the walk and only those are
/// ever opened. A file's id is its position in the [`FileIndex`].
struct DirSource<'a> {
    root: &'a Path,
    index: &'a FileIndex,
    /// Where symbolic links inside the bag lead (by id): rare.
    targets: BTreeMap<usize, PathBuf>,
}

impl DirSource<'_> {
    fn path(&self, id: usize) -> PathBuf {
        match self.targets.get(&id) {
            Some(target) => target.clone(),
            None => self.root.join(self.index.name(id)),
        }
    }
}

impl BagSource for DirSource<'_> {
    fn read(&self, file: &FoundFile) -> std::io::Result<Vec<u8>> {
        read_capped(open_regular(&self.path(file.id))?)
    }

    fn open(&self, file: &FoundFile) -> std::io::Result<Box<dyn std::io::Read + '_>> {
        Ok(Box::new(open_regular(&self.path(file.id))?))
    }

    fn hash(
        &self,
        jobs: &[HashJob],
        reporter: &dyn Reporter,
    ) -> Vec<std::io::Result<Vec<(Algorithm, Digest)>>> {
        jobs.par_iter()
            .map(|job| {
                let f = open_regular(&self.path(job.file.id))?;
                let r = hash_file(f, &job.algorithms, job.file.size, &mut |n| {
                    reporter.advance(n);
                });
                reporter.file_done();
                r
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

/// What a walk of a bag directory found, held in memory.
struct Walk {
    index: FileIndex,
    targets: BTreeMap<usize, PathBuf>,
    has_payload_dir: bool,
    problems: Vec<Problem>,
}

/// What a walk of a bag directory with more files than the threshold
/// found: every file spilled to disk, keyed by [`part_key`] of its name,
/// and in memory only the totals and the top-level tag files.
struct SpilledWalk {
    spill: Spill,
    payload_files: u64,
    payload_bytes: u64,
    /// The top-level files verification reads whole (bagit.txt, bag-info,
    /// manifests, fetch.txt), ids into this index.
    tags: FileIndex,
    tag_targets: BTreeMap<usize, PathBuf>,
    has_payload_dir: bool,
    problems: Vec<Problem>,
}

/// What [`walk_bag`] found: a small bag in memory, a large one spilled.
enum BagWalk {
    InMemory(Walk),
    Spilled(SpilledWalk),
}

/// Whether a top-level file is one verification reads as a whole.
pub(crate) fn is_tag_to_read(name: &str) -> bool {
    !name.contains('/')
        && (matches!(
            name,
            BAG_DECLARATION | "bag-info.txt" | "package-info.txt" | "fetch.txt"
        ) || ((name.starts_with("manifest-") || name.starts_with("tagmanifest-"))
            && name.ends_with(".txt")))
}

/// Files found by the walk, spilled to disk a chunk at a time once there
/// are more than the threshold.
struct Spilling {
    out: SpillWriter,
    payload_files: u64,
    payload_bytes: u64,
    tag_names: Names,
    tag_sizes: Vec<u64>,
    tag_targets: BTreeMap<usize, PathBuf>,
}

impl Spilling {
    fn new() -> std::io::Result<Self> {
        Ok(Spilling {
            out: SpillWriter::new()?,
            payload_files: 0,
            payload_bytes: 0,
            tag_names: Names::default(),
            tag_sizes: Vec::new(),
            tag_targets: BTreeMap::new(),
        })
    }

    /// Spills the files of `regular` (with their sizes, read here in
    /// parallel) and empties it.
    fn push_chunk(
        &mut self,
        root: &Path,
        regular: &mut Names,
        targets: &mut BTreeMap<usize, PathBuf>,
        problems: &mut Vec<Problem>,
    ) -> std::io::Result<()> {
        let mut sizes = vec![0u64; regular.len()];
        for i in sized(root, regular, targets, &mut sizes, problems) {
            self.push(
                regular.get(i),
                sizes[i],
                targets.get(&i).map(PathBuf::as_path),
            )?;
        }
        *regular = Names::default();
        targets.clear();
        Ok(())
    }

    fn push(&mut self, name: &str, size: u64, target: Option<&Path>) -> std::io::Result<()> {
        if name.starts_with("data/") {
            self.payload_files += 1;
            self.payload_bytes += size;
        }
        if is_tag_to_read(name) {
            if let Some(t) = target {
                self.tag_targets.insert(self.tag_names.len(), t.to_owned());
            }
            self.tag_names.push(name);
            self.tag_sizes.push(size);
        }
        self.out.push(name, size, part_key(name, 0), target)
    }
}

/// The sizes of the files in `regular` (in parallel); failures become
/// problems. Returns the positions of the files kept.
fn sized(
    root: &Path,
    regular: &Names,
    targets: &BTreeMap<usize, PathBuf>,
    sizes: &mut [u64],
    problems: &mut Vec<Problem>,
) -> Vec<usize> {
    let failed = sizes_of(sizes, |i| match targets.get(&i) {
        Some(target) => target.clone(),
        None => root.join(regular.get(i)),
    });
    let mut kept: Vec<usize> = Vec::with_capacity(regular.len() - failed.len());
    let mut failed = failed.into_iter().peekable();
    for i in 0..regular.len() {
        match failed.next_if(|(f, _)| *f == i) {
            None => kept.push(i),
            Some((_, err)) => {
                let rel = regular.get(i);
                problems.push(Problem::error(
                    Some(rel),
                    ProblemKind::UnreadableFile {
                        path: rel.to_owned(),
                        error: err.to_string(),
                    },
                ));
            }
        }
    }
    kept
}

/// The index of the files `kept` of `regular` (sorted by name) and where
/// the links among them lead, by their new ids.
fn sorted_index(
    regular: &Names,
    sizes: &[u64],
    mut kept: Vec<usize>,
    targets: &mut BTreeMap<usize, PathBuf>,
) -> (FileIndex, BTreeMap<usize, PathBuf>) {
    // The walk visits siblings in order, but `a/b` comes before `a-c` in it
    // and after it as a string.
    kept.sort_by(|&a, &b| regular.get(a).cmp(regular.get(b)));
    let names = regular.permuted(&kept);
    let files = kept
        .iter()
        .enumerate()
        .map(|(id, &i)| FoundFile { size: sizes[i], id })
        .collect();
    let targets = kept
        .iter()
        .enumerate()
        .filter_map(|(id, i)| targets.remove(i).map(|t| (id, t)))
        .collect();
    (FileIndex { names, files }, targets)
}

/// Walks the bag at `root`; with more than `threshold` regular files, they
/// are spilled to a temporary file as the walk goes.
fn walk_bag(root: &Path, canonical_root: &Path, threshold: usize) -> std::io::Result<BagWalk> {
    let has_payload_dir = root.join("data").is_dir();
    let mut problems = Vec::new();
    // Regular files (and links to regular files inside the bag, with their
    // targets), in walk order.
    let mut regular = Names::default();
    let mut targets: BTreeMap<usize, PathBuf> = BTreeMap::new();
    let mut spilling: Option<Spilling> = None;
    for walked in walk(root) {
        let (rel, path, kind) = match walked {
            Walked::Entry { rel, path, kind } => (rel, path, kind),
            Walked::NonUtf8 { rel } => {
                problems.push(Problem::error(
                    None,
                    ProblemKind::NonUtf8FileName { path: rel },
                ));
                continue;
            }
            Walked::Error { rel, error } => {
                problems.push(Problem::error(
                    None,
                    ProblemKind::UnreadableFile { path: rel, error },
                ));
                continue;
            }
        };
        match kind {
            Kind::Dir => {}
            // Sizes are read after the walk, in parallel.
            Kind::File => regular.push(&rel),
            Kind::Symlink => match fs::canonicalize(&path) {
                Ok(target) if target.starts_with(canonical_root) => {
                    problems.push(Problem::warning(
                        Some(&rel),
                        ProblemKind::Symlink { path: rel.clone() },
                    ));
                    // Only links to regular files are followed; linked
                    // directories are not descended (no loops, no escapes).
                    if fs::metadata(&target).is_ok_and(|md| md.is_file()) {
                        targets.insert(regular.len(), target);
                        regular.push(&rel);
                    }
                }
                Ok(_) => problems.push(Problem::error(
                    Some(&rel),
                    ProblemKind::SymlinkOutsideBag { path: rel.clone() },
                )),
                Err(_) => problems.push(Problem::error(
                    Some(&rel),
                    ProblemKind::UnreadableFile {
                        path: rel.clone(),
                        error: "dangling symbolic link".into(),
                    },
                )),
            },
            Kind::Special(what) => problems.push(Problem::error(
                Some(&rel),
                ProblemKind::SpecialFile {
                    path: rel.clone(),
                    file_type: what.to_owned(),
                },
            )),
        }
        if regular.len() > threshold {
            let s = match &mut spilling {
                Some(s) => s,
                None => spilling.insert(Spilling::new()?),
            };
            s.push_chunk(root, &mut regular, &mut targets, &mut problems)?;
        }
    }
    if let Some(mut s) = spilling {
        if regular.len() > 0 {
            s.push_chunk(root, &mut regular, &mut targets, &mut problems)?;
        }
        let kept = (0..s.tag_names.len()).collect();
        let (tags, tag_targets) =
            sorted_index(&s.tag_names, &s.tag_sizes, kept, &mut s.tag_targets);
        return Ok(BagWalk::Spilled(SpilledWalk {
            spill: s.out.finish()?,
            payload_files: s.payload_files,
            payload_bytes: s.payload_bytes,
            tags,
            tag_targets,
            has_payload_dir,
            problems,
        }));
    }
    let mut sizes = vec![0u64; regular.len()];
    let kept = sized(root, &regular, &targets, &mut sizes, &mut problems);
    let (index, targets) = sorted_index(&regular, &sizes, kept, &mut targets);
    Ok(BagWalk::InMemory(Walk {
        index,
        targets,
        has_payload_dir,
        problems,
    }))
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

/// A 64-bit hash of the NFC form of `s`, computed without allocating.
fn nfc_hash(s: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    if s.is_ascii() {
        // ASCII is its own NFC: the same characters, hashed alike, without
        // the normaliser's per-character work.
        for b in s.bytes() {
            h.write_u32(u32::from(b));
        }
        return h.finish();
    }
    for c in s.nfc() {
        h.write_u32(u32::from(c));
    }
    h.finish()
}

/// A 64-bit hash of the case-folded NFC form of `s`, computed without
/// allocating.
pub(crate) fn fold_hash(s: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    if s.is_ascii() {
        // The same hash without the normaliser: ASCII is its own NFC form
        // and lowercases byte by byte.
        for b in s.bytes() {
            h.write_u32(u32::from(b.to_ascii_lowercase()));
        }
    } else {
        for c in s.nfc().flat_map(char::to_lowercase) {
            h.write_u32(u32::from(c));
        }
    }
    h.finish()
}

/// Which part a path belongs to when a bag is verified in parts: a 64-bit
/// hash of the case-folded NFC form of `path`, as [`fold_hash`], but with
/// FNV-1a and a final mix instead of SipHash (it is computed for every
/// manifest line in every part). Paths equal after folding get equal keys.
///
/// `seed` changes the hash's starting point: 0 for a bag directory (which
/// its owner made), a random one for an archive (which anyone may have
/// made), so that no archive can be crafted to put all its entries in one
/// part.
pub(crate) fn part_key(path: &str, seed: u64) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    let mut add = |c: u32| h = (h ^ u64::from(c)).wrapping_mul(PRIME);
    if path.is_ascii() {
        path.bytes()
            .for_each(|b| add(u32::from(b.to_ascii_lowercase())));
    } else {
        path.nfc()
            .flat_map(char::to_lowercase)
            .for_each(|c| add(u32::from(c)));
    }
    // splitmix64's finaliser: every bit of the key matters modulo a small
    // number of parts.
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// Resolves manifest paths to files found on disk: exactly, else after NFC
/// normalisation (a bag made on macOS), else ignoring case (a bag made on a
/// case-insensitive file system).
struct Matcher<'a> {
    index: &'a FileIndex,
    /// Built on the first lookup that is not an exact match: most bags never
    /// need them, and a million-file bag should not pay for them.
    fallback: std::sync::OnceLock<Fallback>,
}

/// (hash of the normalised name, file), sorted: 16 bytes a file, names
/// compared for real only when hashes are equal.
struct Fallback {
    by_nfc: Vec<(u64, usize)>,
    by_fold: Vec<(u64, usize)>,
}

enum Match {
    Exact(usize),
    Normalized(usize),
    Case(usize),
    None,
}

impl<'a> Matcher<'a> {
    fn new(index: &'a FileIndex) -> Self {
        Matcher {
            index,
            fallback: std::sync::OnceLock::new(),
        }
    }

    fn fallback(&self) -> &Fallback {
        self.fallback.get_or_init(|| {
            let names = (0..self.index.len()).map(|i| (i, self.index.name(i)));
            let mut by_nfc: Vec<(u64, usize)> =
                names.clone().map(|(i, n)| (nfc_hash(n), i)).collect();
            let mut by_fold: Vec<(u64, usize)> = names.map(|(i, n)| (fold_hash(n), i)).collect();
            by_nfc.sort_unstable();
            by_fold.sort_unstable();
            Fallback { by_nfc, by_fold }
        })
    }

    /// The first file (in path order) whose `key` form equals `want`.
    fn first_with(
        &self,
        keyed: &[(u64, usize)],
        hash: u64,
        want: &str,
        key: fn(&str) -> String,
    ) -> Option<usize> {
        let start = keyed.partition_point(|(h, _)| *h < hash);
        keyed[start..]
            .iter()
            .take_while(|(h, _)| *h == hash)
            .map(|(_, i)| *i)
            .find(|&i| key(self.index.name(i)) == want)
    }

    fn find(&self, path: &str) -> Match {
        if let Some(i) = self.index.find(path) {
            return Match::Exact(i);
        }
        let fb = self.fallback();
        if let Some(i) = self.first_with(&fb.by_nfc, nfc_hash(path), &nfc(path), nfc) {
            return Match::Normalized(i);
        }
        if let Some(i) = self.first_with(&fb.by_fold, fold_hash(path), &fold(path), fold) {
            return Match::Case(i);
        }
        Match::None
    }

    /// Groups of files whose names collide after case folding and NFC.
    fn collisions(&self) -> Vec<Vec<&'a str>> {
        // Sort (hash, file) pairs; only names with equal hashes are compared
        // for real, so no per-file strings are kept.
        let index = self.index;
        let mut keyed: Vec<(u64, usize)> = (0..index.len())
            .map(|i| (fold_hash(index.name(i)), i))
            .collect();
        keyed.sort_unstable();
        let mut groups = Vec::new();
        for run in keyed.chunk_by(|a, b| a.0 == b.0).filter(|r| r.len() > 1) {
            let mut by_fold: BTreeMap<String, Vec<&'a str>> = BTreeMap::new();
            for (_, i) in run {
                let name = index.name(*i);
                by_fold.entry(fold(name)).or_default().push(name);
            }
            groups.extend(by_fold.into_values().filter(|g| g.len() > 1));
        }
        groups
    }
}

/// A manifest file found at the top of the bag.
///
/// A payload manifest of a known algorithm keeps the checksums of the
/// payload files it lists exactly in one array indexed by file (`dense`),
/// the common case; every other entry (tag manifests, unknown algorithms,
/// paths not found as listed) is kept as parsed in `entries`.
struct ManifestFile {
    name: String,
    algorithm: Option<Algorithm>,
    entries: Vec<ManifestEntry>,
    tag: bool,
    dense: Option<Dense>,
}

/// Checksums of the payload files a manifest lists exactly, by position in
/// the payload range.
struct Dense {
    listed: BitSet,
    /// `len` bytes per payload file.
    digests: Vec<u8>,
    len: usize,
    /// Further checksums for files listed more than once with checksums
    /// that differ from the entry before (file index, checksum): rare.
    extra: Vec<(usize, Digest)>,
}

impl Dense {
    fn digest(&self, p: usize) -> &[u8] {
        &self.digests[p * self.len..(p + 1) * self.len]
    }
}

/// Reads tag file `name` (a manifest) in the declared encoding and calls
/// `each` with every line and its 1-based number. A UTF-8 file is read as a
/// stream, one line at a time (a manifest of a million files is never held
/// whole); other encodings are decoded whole. Decoding problems go to
/// `problems`; `Err` if the file cannot be read.
fn for_each_line(
    source: &dyn BagSource,
    file: &FoundFile,
    declared: &str,
    name: &str,
    problems: &mut Vec<Problem>,
    each: &mut dyn FnMut(usize, &str),
) -> std::io::Result<()> {
    use std::io::{BufRead, Read};
    let too_large = || {
        std::io::Error::other(format!(
            "larger than {MAX_TAG_FILE} bytes: refusing to read it into memory"
        ))
    };
    if encoding_for(declared).is_some_and(|e| e != encoding_rs::UTF_8) {
        let bytes = source.read(file)?;
        let (text, p) = decode_tag_file(&bytes, declared, name);
        drop(bytes);
        problems.extend(p);
        for (n, line) in split_lines(&text).enumerate() {
            each(n + 1, line);
        }
        return Ok(());
    }
    if file.size > MAX_TAG_FILE {
        return Err(too_large());
    }
    let mut reader =
        std::io::BufReader::with_capacity(64 * 1024, source.open(file)?.take(MAX_TAG_FILE + 1));
    let mut chunk: Vec<u8> = Vec::new();
    let mut lineno = 0;
    let mut total = 0u64;
    let mut first = true;
    let mut had_errors = false;
    loop {
        chunk.clear();
        // Each chunk ends at an LF: a line never spans two chunks (CR and
        // CRLF endings are split inside a chunk, as in a whole file).
        let n = reader.read_until(b'\n', &mut chunk)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if total > MAX_TAG_FILE {
            return Err(too_large());
        }
        let mut body = chunk.as_slice();
        if first {
            first = false;
            if let Some(rest) = body.strip_prefix(b"\xEF\xBB\xBF".as_slice()) {
                problems.push(Problem::warning(Some(name), ProblemKind::BomInTagFile));
                body = rest;
            }
        }
        let (text, errors) = encoding_rs::UTF_8.decode_without_bom_handling(body);
        had_errors |= errors;
        for line in split_lines(&text) {
            lineno += 1;
            each(lineno, line);
        }
    }
    if had_errors {
        problems.push(Problem::error(
            Some(name),
            ProblemKind::TagFileEncoding {
                encoding: declared.to_owned(),
            },
        ));
    }
    Ok(())
}

/// Where a part reads a manifest's lines from.
enum Lines<'a> {
    /// From the manifest itself. The first of several parts is given one
    /// temporary file per other part (`spread[p - 1]` for part `p`) and
    /// writes each line there that belongs to that part.
    File(Option<&'a mut [SpillWriter]>),
    /// From the temporary file the first part wrote for this part.
    Spilled(&'a Spill),
}

/// Parses one manifest (see [`ManifestFile`]). `Err` if it cannot be read;
/// nothing is reported then but that.
///
/// Only the entries `part` owns are kept, with their problems; problems of
/// lines without an entry (malformed, undecodable) belong to the first part.
#[allow(clippy::too_many_arguments)]
fn read_manifest(
    source: &dyn BagSource,
    index: &FileIndex,
    file: &FoundFile,
    name: &str,
    tag: bool,
    algorithm: Option<Algorithm>,
    encoding: &str,
    strict: bool,
    part: Part,
    lines: Lines<'_>,
    whole: &Whole,
    problems: &mut Vec<Problem>,
) -> std::io::Result<ManifestFile> {
    let payload = index.payload();
    let mut dense = match algorithm {
        Some(a) if !tag => Some(Dense {
            listed: BitSet::new(payload.len()),
            digests: vec![0; payload.len() * (a.hex_len() / 2)],
            len: a.hex_len() / 2,
            extra: Vec::new(),
        }),
        _ => None,
    };
    // The checksum of the entry before, for paths listed more than twice.
    let mut repeated: BTreeMap<usize, Digest> = BTreeMap::new();
    let mut entries = Vec::new();
    let mut found = Vec::new();
    let mut decoding = Vec::new();
    let (mut spread, replay) = match lines {
        Lines::File(spread) => (spread, None),
        Lines::Spilled(spill) => (None, Some(spill)),
    };
    let mut spread_error: Option<std::io::Error> = None;
    let mut each = |lineno: usize, line: &str| {
        // Past the limit on problems nothing more is kept.
        if whole.over(problems.len() + found.len()) {
            return;
        }
        let mark = found.len();
        let parsed = parse_manifest_line(line, lineno, name, algorithm, &mut found);
        let owner = match &parsed {
            Some(e) => part.owner(&e.path),
            None => 0,
        };
        if owner != part.p {
            found.truncate(mark);
            // The first part hands the line on to its own part.
            if let Some(spread) = spread.as_deref_mut()
                && let Err(e) = spread[owner - 1].push(line, lineno as u64, 0, None)
            {
                spread_error.get_or_insert(e);
            }
            return;
        }
        let Some(e) = parsed else {
            return;
        };
        let exact = dense.as_mut().zip(
            e.path
                .starts_with("data/")
                .then(|| index.find(&e.path))
                .flatten(),
        );
        let Some((d, i)) = exact else {
            entries.push(e);
            return;
        };
        let p = i - payload.start;
        if !d.listed.get(p) {
            d.listed.set(p);
            d.digests[p * d.len..(p + 1) * d.len].copy_from_slice(e.digest.as_bytes());
            return;
        }
        let before = repeated
            .get(&i)
            .copied()
            .unwrap_or_else(|| Digest::from_bytes(d.digest(p)));
        let conflicting = before != e.digest;
        found.push(duplicate_problem(
            &e.path,
            e.line,
            conflicting,
            name,
            strict,
        ));
        if conflicting {
            d.extra.push((i, e.digest));
        }
        repeated.insert(i, e.digest);
    };
    match replay {
        None => for_each_line(source, file, encoding, name, &mut decoding, &mut each)?,
        Some(spill) => {
            let mut reader = spill.reader()?;
            let mut rec = Record::default();
            while reader.next_into(&mut rec)? {
                each(usize::try_from(rec.size).unwrap_or(usize::MAX), &rec.name);
            }
        }
    }
    if let Some(e) = spread_error {
        return Err(std::io::Error::other(format!(
            "cannot write a temporary file in {}: {e}",
            std::env::temp_dir().display()
        )));
    }
    if part.is_first() {
        found.extend(decoding);
    }
    let entries = drop_duplicates(entries, name, strict, &mut found);
    for e in &entries {
        if e.path.starts_with("data/") == tag {
            found.push(
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
    problems.extend(found);
    Ok(ManifestFile {
        name: name.to_owned(),
        algorithm,
        entries,
        tag,
        dense,
    })
}

/// Verifies the bag at `root` at the given level.
///
/// Returns `Err` only if `root` is not a readable directory; any defect of
/// the bag is a [`Problem`] in the [`Report`].
///
/// Memory stays flat however many files the bag has: a bag of more than
/// [`DEFAULT_THRESHOLD`](crate::spill::DEFAULT_THRESHOLD) files is verified
/// a part at a time (see [`verify_dir_with_threshold`]).
pub fn verify_dir(root: &Path, level: Level, reporter: &dyn Reporter) -> Result<Report> {
    verify_dir_with_threshold(root, level, reporter, crate::spill::DEFAULT_THRESHOLD)
}

/// [`verify_dir`], with a bag of more than `threshold` files verified in
/// `ceil(files / threshold)` parts: the walk's list of files goes to a
/// temporary file, and each part (the files whose [`part_key`] falls in
/// it, so that names colliding after NFC or case folding, a file and its
/// manifest entries, and repeated entries meet in one part) is loaded,
/// its manifest entries read, checked and hashed, then dropped. The report
/// is the one a single pass gives. Exposed for tests.
#[doc(hidden)]
pub fn verify_dir_with_threshold(
    root: &Path,
    level: Level,
    reporter: &dyn Reporter,
    threshold: usize,
) -> Result<Report> {
    let md = fs::metadata(root).map_err(|e| Error::io("read", root, e))?;
    if !md.is_dir() {
        return Err(Error::NotADirectory {
            path: root.to_owned(),
        });
    }
    let canonical_root = fs::canonicalize(root).map_err(|e| Error::io("resolve", root, e))?;
    let spill_error = |e| Error::io("write a temporary file in", std::env::temp_dir(), e);
    let walked = walk_bag(root, &canonical_root, threshold.max(1)).map_err(spill_error)?;
    let walked = match walked {
        BagWalk::InMemory(walked) => walked,
        BagWalk::Spilled(s) => return verify_spilled(root, level, reporter, threshold, s),
    };
    let source = DirSource {
        root,
        index: &walked.index,
        targets: walked.targets,
    };
    Ok(verify_index(
        Report::new(root.to_owned(), level),
        &walked.index,
        &Whole::new(walked.has_payload_dir),
        walked.problems,
        &source,
        reporter,
    ))
}

/// Verifies a bag whose walk was spilled, one part at a time.
fn verify_spilled(
    root: &Path,
    level: Level,
    reporter: &dyn Reporter,
    threshold: usize,
    walked: SpilledWalk,
) -> Result<Report> {
    let files = usize::try_from(walked.spill.len()).unwrap_or(usize::MAX);
    let k = files.div_ceil(threshold.max(1)).max(1);
    let tag_source = DirSource {
        root,
        index: &walked.tags,
        targets: walked.tag_targets,
    };
    let whole = Whole {
        progress: (walked.payload_files, walked.payload_bytes),
        ..Whole::new(walked.has_payload_dir)
    };
    let mut failed: Option<std::io::Error> = None;
    let report = verify_parts(
        Report::new(root.to_owned(), level),
        &walked.tags,
        &tag_source,
        &whole,
        walked.problems,
        k,
        reporter,
        &mut |p, visit| {
            if failed.is_some() {
                return;
            }
            match load_part(&walked.spill, p, k) {
                Ok((index, targets)) => {
                    let source = DirSource {
                        root,
                        index: &index,
                        targets,
                    };
                    visit(&index, &source);
                }
                Err(e) => failed = Some(e),
            }
        },
    );
    match failed {
        Some(e) => Err(Error::io(
            "read a temporary file in",
            std::env::temp_dir(),
            e,
        )),
        None => Ok(report),
    }
}

/// The files of part `p` of `k`, sorted, and where the links among them
/// lead.
fn load_part(
    spill: &Spill,
    p: usize,
    k: usize,
) -> std::io::Result<(FileIndex, BTreeMap<usize, PathBuf>)> {
    let part = Part { p, k, seed: 0 };
    let mut names = Names::default();
    let mut sizes = Vec::new();
    let mut targets = BTreeMap::new();
    let mut reader = spill.reader()?;
    let mut rec = Record::default();
    while reader.next_into(&mut rec)? {
        if part.owns_key(rec.key) {
            if let Some(t) = rec.target.take() {
                targets.insert(names.len(), t);
            }
            names.push(&rec.name);
            sizes.push(rec.size);
        }
    }
    let kept = (0..names.len()).collect();
    let (mut index, targets) = sorted_index(&names, &sizes, kept, &mut targets);
    index.names.shrink_to_fit();
    Ok((index, targets))
}

/// Verifies a bag whose files have been listed in `inventory` and can be
/// read through `source`, at `report.level`. Shared by every kind of
/// container (directory, ZIP).
pub(crate) fn verify_inventory(
    report: Report,
    inventory: Inventory,
    source: &dyn BagSource,
    reporter: &dyn Reporter,
) -> Report {
    let index = FileIndex::from_map(inventory.files);
    verify_index(
        report,
        &index,
        &Whole::new(inventory.has_payload_dir),
        inventory.problems,
        source,
        reporter,
    )
}

/// Files hashed per call of [`BagSource::hash`]: the results of one batch
/// are compared and dropped before the next is hashed, so they do not
/// accumulate with the number of files.
const HASH_BATCH: usize = 4096;

/// One of `k` parts of a bag's files: those whose [`part_key`] (with
/// `seed`) is `p` modulo `k`. With `k == 1`, the whole bag.
#[derive(Debug, Clone, Copy)]
struct Part {
    p: usize,
    k: usize,
    seed: u64,
}

impl Part {
    /// Whether the file or entry at `path` belongs to this part.
    fn owns(self, path: &str) -> bool {
        self.k == 1 || self.owns_key(part_key(path, self.seed))
    }

    fn owns_key(self, key: u64) -> bool {
        self.k == 1 || key % self.k as u64 == self.p as u64
    }

    /// The part the file or entry at `path` belongs to.
    fn owner(self, path: &str) -> usize {
        if self.k == 1 {
            return 0;
        }
        // Less than `k`, a `usize`.
        usize::try_from(part_key(path, self.seed) % self.k as u64).unwrap_or(0)
    }

    /// Whether this part reports what belongs to no file (it comes first).
    fn is_first(self) -> bool {
        self.p == 0
    }
}

/// What is known of the whole bag before its parts are verified.
struct Whole {
    /// Files and bytes announced to the reporter when there are several
    /// parts (the report's totals are counted from the parts).
    progress: (u64, u64),
    /// Whether a `data/` directory exists: set before the parts are
    /// verified, or by them.
    has_payload_dir: std::cell::Cell<bool>,
    /// The seed of [`part_key`].
    seed: u64,
    /// Verification stops (and [`Whole::overflowed`] is set) once more
    /// problems than this have been found: an archive's findings are
    /// bounded ([`MAX_ZIP_PROBLEMS`]), a directory's are not.
    max_problems: usize,
    /// Problems the caller holds apart (the listing of a ZIP part, CRC
    /// findings), counted against `max_problems`.
    found_elsewhere: std::cell::Cell<usize>,
    overflowed: std::cell::Cell<bool>,
}

impl Whole {
    fn new(has_payload_dir: bool) -> Self {
        Whole {
            progress: (0, 0),
            has_payload_dir: std::cell::Cell::new(has_payload_dir),
            seed: 0,
            max_problems: usize::MAX,
            found_elsewhere: std::cell::Cell::new(0),
            overflowed: std::cell::Cell::new(false),
        }
    }

    /// Whether `problems` and those held elsewhere pass the limit (and if
    /// so, it is noted).
    fn over(&self, problems: usize) -> bool {
        let over = problems.saturating_add(self.found_elsewhere.get()) > self.max_problems;
        if over {
            self.overflowed.set(true);
        }
        over
    }
}

/// Verification of an archive is refused (`Err`) once it has found more
/// problems than this, about as many as the 250,000 entries newsbag
/// accepted in an archive before archives were verified in parts: every
/// finding is kept for the report, so their number, unlike the number of
/// entries, still decides the memory a hostile archive can take.
pub const MAX_ZIP_PROBLEMS: usize = 250_000;

/// Verifies a bag held whole in `index`, in one pass.
fn verify_index(
    report: Report,
    index: &FileIndex,
    whole: &Whole,
    problems: Vec<Problem>,
    source: &dyn BagSource,
    reporter: &dyn Reporter,
) -> Report {
    verify_parts(
        report,
        index,
        source,
        whole,
        problems,
        1,
        reporter,
        &mut |_, visit| visit(index, source),
    )
}

/// A visitor of one part's files and the source to read them.
type Visit<'v> = dyn FnMut(&FileIndex, &dyn BagSource) + 'v;

/// Verifies a bag in `k` parts. The tag files verification reads whole
/// (bagit.txt, bag-info, the manifests, fetch.txt) are found in `tags` and
/// read through `tag_source`, once; then `parts(p, visit)` is called for
/// each part `p` in turn and calls `visit` with that part's files (all of
/// them, tag files included, whose [`part_key`] is `p` modulo `k`). With
/// `k == 1` the one part is the whole bag and `tags` may be the same index.
/// The payload's totals are counted from the parts, and checked against
/// Payload-Oxum once they are all done.
#[allow(clippy::too_many_arguments)]
fn verify_parts(
    mut report: Report,
    tags: &FileIndex,
    tag_source: &dyn BagSource,
    whole: &Whole,
    mut problems: Vec<Problem>,
    k: usize,
    reporter: &dyn Reporter,
    parts: &mut dyn FnMut(usize, &mut Visit<'_>),
) -> Report {
    let level = report.level;
    let read =
        |name: &str, i: usize, problems: &mut Vec<Problem>| match tag_source.read(tags.file(i)) {
            Ok(bytes) => Some(bytes),
            Err(e) => {
                problems.push(unreadable(name, &e));
                None
            }
        };

    // 1. The bag declaration.
    let declaration = match tags.find(BAG_DECLARATION) {
        Some(i) => read(BAG_DECLARATION, i, &mut problems).and_then(|bytes| {
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

    // 2. Bag metadata (Payload-Oxum is checked once the parts have
    // counted the payload).
    let info_name = version.info_file_name();
    let mut oxum: Option<String> = None;
    if let Some(i) = tags.find(info_name)
        && let Some(bytes) = read(info_name, i, &mut problems)
    {
        let (text, p) = decode_tag_file(&bytes, &encoding, info_name);
        problems.extend(p);
        let (info, p) = BagInfo::parse(&text, info_name, strict);
        problems.extend(p);
        oxum = info.get("Payload-Oxum").map(str::to_owned);
    }

    // 4. The manifests (read in each part) and fetch.txt.
    // Top-level files sort before `data/` only in part: look at them all.
    let manifest_files: Vec<(usize, bool, Option<Algorithm>)> = (0..tags.len())
        .filter(|&i| !tags.name(i).contains('/'))
        .filter_map(|i| {
            let name = tags.name(i);
            let (tag, alg_name) = if let Some(a) = name
                .strip_prefix("tagmanifest-")
                .and_then(|r| r.strip_suffix(".txt"))
            {
                (true, a)
            } else {
                let a = name
                    .strip_prefix("manifest-")
                    .and_then(|r| r.strip_suffix(".txt"))?;
                (false, a)
            };
            let algorithm = Algorithm::ALL.into_iter().find(|a| a.as_str() == alg_name);
            Some((i, tag, algorithm))
        })
        .collect();
    let mut fetch: Vec<FetchEntry> = Vec::new();
    if let Some(i) = tags.find("fetch.txt")
        && let Some(bytes) = read("fetch.txt", i, &mut problems)
    {
        let (text, p) = decode_tag_file(&bytes, &encoding, "fetch.txt");
        problems.extend(p);
        let (entries, p) = parse_fetch(&text, "fetch.txt");
        problems.extend(p);
        fetch = entries;
    }
    let fetch_by_path: BTreeMap<&str, &FetchEntry> =
        fetch.iter().map(|e| (e.path.as_str(), e)).collect();

    let own_progress = k == 1;
    if !own_progress && level >= Level::Fixity {
        reporter.start(whole.progress.0, whole.progress.1);
    }
    let (mut payload_files, mut payload_bytes) = (0u64, 0u64);
    // How the parts after the first read each manifest.
    let mut replays: Vec<Replay> = manifest_files.iter().map(|_| Replay::Reread).collect();
    for p in 0..k {
        if whole.over(problems.len()) {
            break;
        }
        let part = Part {
            p,
            k,
            seed: whole.seed,
        };
        parts(p, &mut |index, source| {
            let payload = index.payload();
            payload_files += payload.len() as u64;
            payload_bytes += payload.map(|i| index.file(i).size).sum::<u64>();
            let mut manifests = Vec::new();
            for (j, &(i, tag, algorithm)) in manifest_files.iter().enumerate() {
                let name = tags.name(i);
                let mut spread = None;
                let lines = match (p, &replays[j]) {
                    (0, _) if k > 1 => {
                        // Spread the other parts' lines to temporary files
                        // (if they cannot be made, each part reads the
                        // manifest again).
                        spread = (1..k)
                            .map(|_| SpillWriter::with_capacity(64 * 1024))
                            .collect::<std::io::Result<Vec<_>>>()
                            .ok();
                        Lines::File(spread.as_deref_mut())
                    }
                    (_, Replay::Spilled(spills)) => Lines::Spilled(&spills[p - 1]),
                    (_, Replay::Reread) => Lines::File(None),
                    (_, Replay::Unreadable) => continue,
                };
                match read_manifest(
                    tag_source,
                    index,
                    tags.file(i),
                    name,
                    tag,
                    algorithm,
                    &encoding,
                    strict,
                    part,
                    lines,
                    whole,
                    &mut problems,
                ) {
                    Ok(m) => manifests.push(m),
                    Err(e) => {
                        problems.push(unreadable(name, &e));
                        // As in one pass, the manifest counts for nothing.
                        replays[j] = Replay::Unreadable;
                        continue;
                    }
                }
                if let Some(spread) = spread {
                    replays[j] = spread
                        .into_iter()
                        .map(SpillWriter::finish)
                        .collect::<std::io::Result<Vec<_>>>()
                        .map_or(Replay::Reread, Replay::Spilled);
                }
            }
            if part.is_first() {
                check_manifest_set(&manifests, strict, &mut problems);
            }
            let ctx = PartContext {
                index,
                part,
                level,
                manifests: &manifests,
                fetch: &fetch,
                fetch_by_path: &fetch_by_path,
                own_progress,
                whole,
            };
            ctx.verify(source, reporter, &mut problems);
        });
    }
    if !own_progress && level >= Level::Fixity {
        reporter.finish();
    }
    if whole.overflowed.get() {
        // The caller refuses the bag: no report is made of a part of it.
        report.problems = problems;
        return report;
    }

    // 3. What is in the bag: totals and Payload-Oxum.
    report.payload_files = payload_files;
    report.payload_bytes = payload_bytes;
    if !whole.has_payload_dir.get() {
        problems.push(Problem::error(None, ProblemKind::MissingPayloadDirectory));
    }
    if let Some(oxum) = oxum {
        match oxum.parse::<PayloadOxum>() {
            Ok(expected) => {
                let found = PayloadOxum {
                    octets: payload_bytes,
                    streams: payload_files,
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
                ProblemKind::MalformedPayloadOxum { value: oxum },
            )),
        }
    }

    report.problems = problems;
    report.finish();
    report
}

/// How the parts after the first read a manifest.
enum Replay {
    /// From the lines the first part wrote to a temporary file for each.
    Spilled(Vec<Spill>),
    /// From the manifest itself.
    Reread,
    /// Not at all: the first part could not read it.
    Unreadable,
}

/// The checks of the set of manifests a bag has, made once.
fn check_manifest_set(manifests: &[ManifestFile], strict: bool, problems: &mut Vec<Problem>) {
    let payload_manifests = manifests.iter().filter(|m| !m.tag).count();
    let known_payload = manifests
        .iter()
        .filter(|m| !m.tag && m.algorithm.is_some())
        .count();
    if payload_manifests == 0 {
        problems.push(Problem::error(None, ProblemKind::NoPayloadManifest));
    }
    for m in manifests {
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
}

/// One part of a bag, with what it needs of the whole.
struct PartContext<'a> {
    index: &'a FileIndex,
    part: Part,
    level: Level,
    manifests: &'a [ManifestFile],
    fetch: &'a [FetchEntry],
    fetch_by_path: &'a BTreeMap<&'a str, &'a FetchEntry>,
    /// Whether fixity reports its own start and finish (one part only).
    own_progress: bool,
    /// For the limit on problems.
    whole: &'a Whole,
}

impl PartContext<'_> {
    /// The checks of the part's own files and manifest entries.
    fn verify(&self, source: &dyn BagSource, reporter: &dyn Reporter, problems: &mut Vec<Problem>) {
        let (index, manifests, level) = (self.index, self.manifests, self.level);
        let matcher = Matcher::new(index);
        let payload = index.payload();
        for i in payload.clone() {
            let rel = index.name(i);
            let name = rel.rsplit('/').next().unwrap_or(rel);
            if is_system_file(name) {
                problems.push(Problem::warning(
                    Some(rel),
                    ProblemKind::SystemFile {
                        path: rel.to_owned(),
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
        if level < Level::Completeness {
            return;
        }
        // Checksums to check beyond the dense ones (file, algorithm,
        // checksum, manifest), sorted by file below.
        let mut sparse: Vec<(usize, Algorithm, Digest, usize)> = Vec::new();
        for (mi, m) in manifests.iter().enumerate() {
            let mut covered = match &m.dense {
                Some(d) => d.listed.clone(),
                None => BitSet::new(payload.len()),
            };
            if let (Some(d), Some(a)) = (&m.dense, m.algorithm) {
                sparse.extend(d.extra.iter().map(|(i, digest)| (*i, a, *digest, mi)));
            }
            for e in &m.entries {
                if self.whole.over(problems.len()) {
                    return;
                }
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
                                    on_disk: index.name(k).to_owned(),
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
                                    on_disk: index.name(k).to_owned(),
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
                        if payload.contains(&k) {
                            covered.set(k - payload.start);
                        }
                        if let Some(a) = m.algorithm {
                            sparse.push((k, a, e.digest, mi));
                        }
                    }
                    None => {
                        let kind = match self.fetch_by_path.get(e.path.as_str()) {
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
                for i in payload.clone() {
                    if self.whole.over(problems.len()) {
                        return;
                    }
                    if !covered.get(i - payload.start) {
                        problems.push(Problem::error(
                            Some(index.name(i)),
                            ProblemKind::UnexpectedFile {
                                path: index.name(i).to_owned(),
                                manifest: m.name.clone(),
                            },
                        ));
                    }
                }
            }
        }
        // Paths listed in a payload manifest: exactly found (dense) or as
        // parsed.
        let listed_as_parsed: BTreeSet<&str> = manifests
            .iter()
            .filter(|m| !m.tag)
            .flat_map(|m| m.entries.iter().map(|e| e.path.as_str()))
            .collect();
        let listed = |path: &str| {
            listed_as_parsed.contains(path)
                || index.find(path).is_some_and(|i| {
                    payload.contains(&i)
                        && manifests.iter().any(|m| {
                            !m.tag
                                && m.dense
                                    .as_ref()
                                    .is_some_and(|d| d.listed.get(i - payload.start))
                        })
                })
        };
        for f in self.fetch.iter().filter(|f| self.part.owns(&f.path)) {
            if !listed(&f.path) {
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

        if level >= Level::Fixity && !self.whole.over(problems.len()) {
            sparse.sort_by_key(|s| s.0);
            let checks = Checks {
                index,
                manifests,
                payload: payload.clone(),
                sparse: &sparse,
            };
            checks.run(source, reporter, self.own_progress, problems);
        }
    }
}

/// Every checksum to verify, file by file.
struct Checks<'a> {
    index: &'a FileIndex,
    manifests: &'a [ManifestFile],
    payload: Range<usize>,
    /// (file, algorithm, checksum, manifest), sorted by file.
    sparse: &'a [(usize, Algorithm, Digest, usize)],
}

/// One checksum a file must have: algorithm, checksum, manifest name.
type Expected<'a> = (Algorithm, &'a [u8], &'a str);

impl<'a> Checks<'a> {
    /// The checksums file `i` must have; `cursor` walks `sparse`.
    fn expected(&self, i: usize, cursor: &mut usize, out: &mut Vec<Expected<'a>>) {
        out.clear();
        if self.payload.contains(&i) {
            let p = i - self.payload.start;
            for m in self.manifests {
                if let (Some(d), Some(a)) = (&m.dense, m.algorithm)
                    && d.listed.get(p)
                {
                    out.push((a, d.digest(p), &m.name));
                }
            }
        }
        while *cursor < self.sparse.len() && self.sparse[*cursor].0 == i {
            let (_, a, digest, mi) = &self.sparse[*cursor];
            out.push((*a, digest.as_bytes(), &self.manifests[*mi].name));
            *cursor += 1;
        }
    }

    /// Hashes every file that has checksums to check, in batches, and
    /// reports every mismatch.
    /// With `own_progress`, the reporter is told the work to come and its
    /// end (else the caller does, once for every part).
    fn run(
        &self,
        source: &dyn BagSource,
        reporter: &dyn Reporter,
        own_progress: bool,
        problems: &mut Vec<Problem>,
    ) {
        let mut expected = Vec::new();
        if own_progress {
            let (mut files, mut bytes, mut cursor) = (0u64, 0u64, 0);
            for i in 0..self.index.len() {
                self.expected(i, &mut cursor, &mut expected);
                if !expected.is_empty() {
                    files += 1;
                    bytes += self.index.file(i).size;
                }
            }
            reporter.start(files, bytes);
        }
        let mut cursor = 0;
        let mut batch: Vec<(usize, Vec<Expected<'a>>)> = Vec::new();
        let mut jobs: Vec<HashJob> = Vec::new();
        for i in 0..self.index.len() {
            self.expected(i, &mut cursor, &mut expected);
            if expected.is_empty() {
                continue;
            }
            let mut algorithms: Vec<Algorithm> = expected.iter().map(|(a, _, _)| *a).collect();
            algorithms.sort();
            algorithms.dedup();
            jobs.push(HashJob {
                file: self.index.file(i).clone(),
                algorithms,
            });
            batch.push((i, expected.clone()));
            if jobs.len() == HASH_BATCH {
                self.check_batch(source, reporter, &jobs, &batch, problems);
                jobs.clear();
                batch.clear();
            }
        }
        if !jobs.is_empty() {
            self.check_batch(source, reporter, &jobs, &batch, problems);
        }
        if own_progress {
            reporter.finish();
        }
    }

    fn check_batch(
        &self,
        source: &dyn BagSource,
        reporter: &dyn Reporter,
        jobs: &[HashJob],
        batch: &[(usize, Vec<Expected<'a>>)],
        problems: &mut Vec<Problem>,
    ) {
        let results = source.hash(jobs, reporter);
        for ((i, expected), result) in batch.iter().zip(results) {
            problems.extend(compare_digests(self.index.name(*i), expected, result));
        }
    }
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
    rel: &str,
    expected: &[Expected<'_>],
    result: std::io::Result<Vec<(Algorithm, Digest)>>,
) -> Vec<Problem> {
    match result {
        Ok(digests) => expected
            .iter()
            .filter_map(|(a, want, manifest)| {
                let found = digests.iter().find(|(da, _)| da == a).map(|(_, d)| d)?;
                (found.as_bytes() != *want).then(|| {
                    Problem::error(
                        Some(manifest),
                        ProblemKind::ChecksumMismatch {
                            path: rel.to_owned(),
                            algorithm: *a,
                            expected: Box::new(Digest::from_bytes(want)),
                            found: Box::new(*found),
                        },
                    )
                })
            })
            .collect(),
        Err(err) => vec![Problem::error(
            Some(rel),
            ProblemKind::UnreadableFile {
                path: rel.to_owned(),
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
/// Memory stays flat however many entries the archive has: an archive of
/// more than [`DEFAULT_THRESHOLD`](crate::spill::DEFAULT_THRESHOLD) entries
/// is verified a part at a time (see [`verify_zip_with_threshold`]).
///
/// `Err` if `path` cannot be read as a ZIP archive at all (not a ZIP,
/// truncated, corrupt central directory, more than
/// [`MAX_ZIP_ENTRIES`](crate::serialize::MAX_ZIP_ENTRIES) entries); any
/// defect of the bag inside is a [`Problem`] in the [`Report`].
pub fn verify_zip(path: &Path, level: Level, reporter: &dyn Reporter) -> Result<Report> {
    verify_zip_with_threshold(path, level, reporter, crate::spill::DEFAULT_THRESHOLD)
}

/// [`verify_zip`] on any seekable reader (an in-memory archive, say), named
/// `path` in the report.
pub fn verify_zip_reader<R: crate::serialize::ArchiveRead>(
    reader: R,
    path: &Path,
    level: Level,
    reporter: &dyn Reporter,
) -> Result<Report> {
    verify_zip_reader_with_threshold(
        reader,
        path,
        level,
        reporter,
        crate::spill::DEFAULT_THRESHOLD,
    )
}

/// [`verify_zip`], with an archive of more than `threshold` entries (or
/// names adding up to more than 64 bytes an entry of the threshold)
/// verified in parts, as [`verify_dir_with_threshold`] verifies a
/// directory: the central directory is read once, its records go to a
/// temporary file and then to one temporary file per part (by
/// [`part_key`] of the path inside the bag, with a seed drawn for the
/// archive), and each part is listed, checked and hashed in turn. The
/// report is the one a single pass gives. Exposed for tests.
#[doc(hidden)]
pub fn verify_zip_with_threshold(
    path: &Path,
    level: Level,
    reporter: &dyn Reporter,
    threshold: usize,
) -> Result<Report> {
    let file = crate::serialize::SharedFile::open(path)?;
    verify_zip_reader_with_threshold(file, path, level, reporter, threshold)
}

/// [`verify_zip_with_threshold`] on any seekable reader. Exposed for tests.
#[doc(hidden)]
pub fn verify_zip_reader_with_threshold<R: crate::serialize::ArchiveRead>(
    reader: R,
    path: &Path,
    level: Level,
    reporter: &dyn Reporter,
    threshold: usize,
) -> Result<Report> {
    verify_zip_limited(reader, path, level, reporter, threshold, MAX_ZIP_PROBLEMS)
}

/// [`verify_zip_reader_with_threshold`], refusing the archive past
/// `max_problems` problems.
fn verify_zip_limited<R: crate::serialize::ArchiveRead>(
    reader: R,
    path: &Path,
    level: Level,
    reporter: &dyn Reporter,
    threshold: usize,
    max_problems: usize,
) -> Result<Report> {
    use crate::serialize::Scanned;
    let scanned =
        crate::serialize::scan_zip(reader, path, crate::serialize::MAX_ZIP_ENTRIES, threshold)?;
    let opened = match scanned {
        Scanned::Whole(opened) => opened,
        Scanned::Spilled(spilled) => {
            return verify_zip_spilled(path, level, reporter, threshold, max_problems, spilled);
        }
    };
    // Overlapping entries are never hashed (see `ArchiveLayout`); the
    // report states the level actually applied.
    let level = if opened.overlapping {
        level.min(Level::Completeness)
    } else {
        level
    };
    let index = FileIndex::from_zip(&opened);
    let source = crate::serialize::ZipSource::new(opened.archive, opened.entries);
    let whole = Whole {
        max_problems,
        ..Whole::new(opened.inventory.has_payload_dir)
    };
    let mut report = verify_index(
        Report::new(path.to_owned(), level),
        &index,
        &whole,
        opened.inventory.problems,
        &source,
        reporter,
    );
    if whole.overflowed.get() {
        return Err(too_many_problems(max_problems));
    }
    report.problems.extend(source.into_problems());
    report.finish();
    Ok(report)
}

/// The refusal of an archive with more than `max` problems.
fn too_many_problems(max: usize) -> Error {
    Error::LimitExceeded {
        what: format!(
            "the number of problems found (more than {max}: verification stopped; \
             a damaged or hostile archive)"
        ),
        limit: max as u64,
    }
}

/// Verifies an archive whose records were spilled, one part at a time.
fn verify_zip_spilled<R: crate::serialize::ArchiveRead>(
    path: &Path,
    level: Level,
    reporter: &dyn Reporter,
    threshold: usize,
    max_problems: usize,
    mut zip: crate::serialize::SpilledZip<R>,
) -> Result<Report> {
    use crate::serialize::ZipSource;
    let temp_error = |verb, e| Error::io(verb, std::env::temp_dir(), e);
    let level = if zip.overlapping {
        level.min(Level::Completeness)
    } else {
        level
    };
    let k = zip.part_count(threshold);
    let tags = zip
        .distribute(k)
        .map_err(|e| temp_error("write a temporary file in", e))?;
    let tag_index = FileIndex::from_map(tags.opened.inventory.files);
    // Manifests may be as long as the whole archive's entries allow.
    let tag_records = zip.record_count();
    let tag_source =
        ZipSource::new(tags.opened.archive, tags.opened.entries).streaming_up_to(tag_records);
    let whole = Whole {
        progress: tags.payload,
        seed: zip.seed,
        max_problems,
        ..Whole::new(false)
    };
    // Findings of the listing of each part and of the reading of its
    // entries (CRC, sizes).
    let mut found: Vec<Problem> = Vec::new();
    let mut failed: Option<std::io::Error> = None;
    let mut report = verify_parts(
        Report::new(path.to_owned(), level),
        &tag_index,
        &tag_source,
        &whole,
        std::mem::take(&mut zip.problems),
        k,
        reporter,
        &mut |p, visit| {
            if failed.is_some() {
                return;
            }
            match zip.part(p) {
                Ok(opened) => {
                    if opened.inventory.has_payload_dir {
                        whole.has_payload_dir.set(true);
                    }
                    let index = FileIndex::from_zip(&opened);
                    found.extend(opened.inventory.problems);
                    whole.found_elsewhere.set(found.len());
                    if whole.over(0) {
                        return;
                    }
                    let source =
                        ZipSource::new(opened.archive, opened.entries).streaming_up_to(tag_records);
                    visit(&index, &source);
                    found.extend(source.into_problems());
                    whole.found_elsewhere.set(found.len());
                }
                Err(e) => failed = Some(e),
            }
        },
    );
    if let Some(e) = failed {
        return Err(temp_error("read a temporary file in", e));
    }
    if whole.overflowed.get() {
        return Err(too_many_problems(max_problems));
    }
    report.problems.extend(found);
    report.problems.extend(tag_source.into_problems());
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checksum::hash_bytes;
    use crate::progress::NoProgress;
    use proptest::prelude::*;

    /// One file in memory, read whole (the default `open`).
    struct Memory(Vec<u8>);

    impl BagSource for Memory {
        fn read(&self, _: &FoundFile) -> std::io::Result<Vec<u8>> {
            Ok(self.0.clone())
        }

        fn hash(
            &self,
            _: &[HashJob],
            _: &dyn Reporter,
        ) -> Vec<std::io::Result<Vec<(Algorithm, Digest)>>> {
            Vec::new()
        }
    }

    /// The same file, streamed in pieces of 3 bytes.
    struct Trickle(Vec<u8>);

    impl BagSource for Trickle {
        fn read(&self, _: &FoundFile) -> std::io::Result<Vec<u8>> {
            Ok(self.0.clone())
        }

        fn open(&self, _: &FoundFile) -> std::io::Result<Box<dyn std::io::Read + '_>> {
            struct Slow<'a>(&'a [u8]);
            impl std::io::Read for Slow<'_> {
                fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                    let n = buf.len().min(3).min(self.0.len());
                    buf[..n].copy_from_slice(&self.0[..n]);
                    self.0 = &self.0[n..];
                    Ok(n)
                }
            }
            Ok(Box::new(Slow(&self.0)))
        }

        fn hash(
            &self,
            _: &[HashJob],
            _: &dyn Reporter,
        ) -> Vec<std::io::Result<Vec<(Algorithm, Digest)>>> {
            Vec::new()
        }
    }

    fn lines_of(source: &dyn BagSource, declared: &str) -> (Vec<(usize, String)>, Vec<Problem>) {
        let file = FoundFile { size: 0, id: 0 };
        let mut lines = Vec::new();
        let mut problems = Vec::new();
        for_each_line(
            source,
            &file,
            declared,
            "m.txt",
            &mut problems,
            &mut |n, l| {
                lines.push((n, l.to_owned()));
            },
        )
        .unwrap();
        (lines, problems)
    }

    proptest! {
        /// Reading a manifest line by line gives exactly the lines and the
        /// decoding problems of decoding it whole.
        #[test]
        fn streamed_lines_match_whole_decoding(
            bytes in proptest::collection::vec(
                prop_oneof![
                    Just(b'\r'), Just(b'\n'), Just(0xEF), Just(0xBB), Just(0xBF),
                    Just(0xC3), Just(0xA9), Just(0xFF), Just(b'a'), Just(b' ')
                ],
                0..40,
            ),
            declared in prop_oneof![Just("UTF-8"), Just("nonsense")],
        ) {
            let (text, want_problems) = decode_tag_file(&bytes, declared, "m.txt");
            let want: Vec<(usize, String)> = split_lines(&text)
                .enumerate()
                .map(|(n, l)| (n + 1, l.to_owned()))
                .collect();
            for source in [&Memory(bytes.clone()) as &dyn BagSource, &Trickle(bytes.clone())] {
                let (got, problems) = lines_of(source, declared);
                prop_assert_eq!(&got, &want);
                prop_assert_eq!(&problems, &want_problems);
            }
        }
    }

    #[test]
    fn other_encodings_are_decoded_whole() {
        let bytes = b"caf\xe9\r\nx".to_vec();
        let (lines, problems) = lines_of(&Memory(bytes), "ISO-8859-1");
        assert_eq!(lines, [(1, "café".to_owned()), (2, "x".to_owned())]);
        assert!(problems.is_empty(), "{problems:?}");
    }

    fn problem_codes(report: &Report) -> Vec<(String, Option<usize>, String)> {
        report
            .problems
            .iter()
            .map(|p| (p.kind.code().to_owned(), p.line, p.message()))
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn ascii_hashes_equal_the_general_ones(s in "[ -~]{0,40}") {
            use std::hash::Hasher;
            let general = |chars: &mut dyn Iterator<Item = char>| {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                for c in chars {
                    h.write_u32(u32::from(c));
                }
                h.finish()
            };
            proptest::prop_assert_eq!(nfc_hash(&s), general(&mut s.nfc()));
            proptest::prop_assert_eq!(
                fold_hash(&s),
                general(&mut s.nfc().flat_map(char::to_lowercase))
            );
        }
    }

    /// Repeated manifest entries are found the same way whether the path is
    /// a payload file (checksums held per file) or not (entries held as
    /// parsed), and a conflicting repeat is still checked.
    #[test]
    fn repeated_entries_in_payload_manifests() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("data")).unwrap();
        fs::write(
            root.join("bagit.txt"),
            b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
        )
        .unwrap();
        fs::write(root.join("data/a"), b"a").unwrap();
        fs::write(root.join("data/b"), b"b").unwrap();
        let d = |bytes: &[u8]| hash_bytes(bytes, &[Algorithm::Sha256])[0].1.to_hex();
        let (a, b, z) = (d(b"a"), d(b"b"), d(b"z"));
        let manifest = format!(
            "{a}  data/a\n{a}  data/a\n{z}  data/a\n{z}  data/a\n{b}  data/b\r\n{a}  data/gone\r{a}  data/gone\n{a}  ./data/a\n"
        );
        fs::write(root.join("manifest-sha256.txt"), manifest).unwrap();
        let report = verify_dir(root, Level::Fixity, &NoProgress).unwrap();
        let codes = problem_codes(&report);
        let has =
            |code: &str, line: Option<usize>| codes.iter().any(|(c, l, _)| c == code && *l == line);
        // Lines 2 (same), 3 (conflicting), 4 (same as 3), 7 (gone twice)
        // and 8 (`./data/a` is `data/a`).
        for line in [2, 3, 4, 7, 8] {
            assert!(
                has("duplicate-manifest-entry", Some(line)),
                "{line}: {codes:?}"
            );
        }
        assert!(has("missing-file", Some(6)), "{codes:?}");
        assert!(has("non-canonical-path", Some(8)), "{codes:?}");
        // The conflicting checksum of line 3 is checked and fails.
        let mismatches: Vec<_> = codes
            .iter()
            .filter(|(c, _, _)| c == "checksum-mismatch")
            .collect();
        assert_eq!(mismatches.len(), 1, "{codes:?}");
        assert!(mismatches[0].2.contains(&z), "{codes:?}");
        assert!(!report.is_valid());
    }

    /// Everything a report says, in its final order.
    fn summary(r: &Report) -> String {
        format!(
            "{:?} {:?} {} {} {} {:#?}",
            r.version, r.level, r.valid, r.payload_files, r.payload_bytes, r.problems
        )
    }

    /// Verifies `root` at every level in one pass and in parts of at most
    /// 1, 2, 3 and 7 files, and checks the reports are the same.
    fn assert_parts_agree(root: &Path) -> Report {
        let mut whole = None;
        for level in [Level::Fast, Level::Completeness, Level::Fixity] {
            let one = verify_dir(root, level, &NoProgress).unwrap();
            for threshold in [1, 2, 3, 7] {
                let parts = verify_dir_with_threshold(root, level, &NoProgress, threshold).unwrap();
                assert_eq!(
                    summary(&parts),
                    summary(&one),
                    "threshold {threshold}, {level:?}"
                );
            }
            whole = Some(one);
        }
        whole.unwrap()
    }

    fn sha256_hex(bytes: &[u8]) -> String {
        hash_bytes(bytes, &[Algorithm::Sha256])[0].1.to_hex()
    }

    /// The kinds of problem [`defective_bag`]'s defects give.
    const DEFECTIVE_BAG_CODES: &[&str] = &[
        "checksum-mismatch",
        "missing-file",
        "unexpected-file",
        "duplicate-manifest-entry",
        "colliding-names",
        "oxum-mismatch",
        "not-fetched",
        "fetch-not-in-manifest",
        "tag-file-encoding",
        "malformed-manifest-line",
        "case-mismatch",
        "normalization-mismatch",
        "system-file",
        "unknown-algorithm",
        "wrong-manifest-scope",
    ];

    /// Asserts that `report` has a problem of each kind of `codes`.
    fn assert_codes(report: &Report, codes: &[&str]) {
        let found: BTreeSet<&str> = report.problems.iter().map(|p| p.kind.code()).collect();
        for code in codes {
            assert!(found.contains(code), "{code} missing from {found:?}");
        }
    }

    /// A bag with most of the defects verification knows of.
    fn defective_bag(root: &Path) {
        let files: &[(&str, &[u8])] = &[
            ("data/a.txt", b"a"),
            ("data/A.txt", b"A"),
            ("data/Caf\u{e9}", b"nfc"),
            ("data/Cafe\u{301}", b"nfd"),
            ("data/dir/b", b"b"),
            ("data/dir/c", b"c"),
            ("data/dir/changed", b"new"),
            ("data/unlisted", b"u"),
            ("data/.DS_Store", b"x"),
            ("data/Upper", b"upper"),
            ("data/nf\u{e9}", b"nfd listed"),
            ("data/x%20y", b"percent"),
            ("metadata/extra.txt", b"tag"),
            ("Bagit.txt", b"colliding tag file"),
        ];
        for (name, bytes) in files {
            let p = root.join(name);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, bytes).unwrap();
        }
        for i in 0..20 {
            fs::write(root.join(format!("data/dir/f{i:02}")), format!("{i}")).unwrap();
        }
        fs::write(
            root.join("bagit.txt"),
            b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
        )
        .unwrap();
        fs::write(
            root.join("bag-info.txt"),
            b"Payload-Oxum: 1.1\nBagging-Date: 2000-01-01\n",
        )
        .unwrap();
        let h = sha256_hex;
        let mut m = String::new();
        for (name, bytes) in files.iter().filter(|(n, _)| n.starts_with("data/")) {
            match *name {
                "data/unlisted" => {}
                "data/dir/changed" => m.push_str(&format!("{}  {name}\n", h(b"old"))),
                "data/Upper" => m.push_str(&format!("{}  data/UPPER\n", h(bytes))),
                "data/nf\u{e9}" => m.push_str(&format!("{}  data/nfe\u{301}\n", h(bytes))),
                "data/x%20y" => m.push_str(&format!("{}  data/x%2520y\n", h(bytes))),
                _ => m.push_str(&format!("{}  {name}\n", h(bytes))),
            }
        }
        for i in 0..20 {
            m.push_str(&format!(
                "{}  data/dir/f{i:02}\n",
                h(format!("{i}").as_bytes())
            ));
        }
        // Repeats (same and conflicting), missing files (one fetched), a
        // non-UTF-8 line, malformed lines, an unsafe path, a tag file.
        m.push_str(&format!("{}  data/a.txt\n", h(b"a")));
        m.push_str(&format!("{}  data/dir/b\n", h(b"zz")));
        m.push_str(&format!("{}  data/dir/b\n", h(b"zz")));
        m.push_str(&format!("{}  data/gone\n", h(b"gone")));
        m.push_str(&format!("{}  data/fetched\n", h(b"f")));
        m.push_str(&format!("{}  ./data/dir/c\n", h(b"c")));
        m.push_str("nothex  data/odd\n");
        m.push_str("abc\n");
        m.push_str(&format!("{}  ../escape\n", h(b"e")));
        m.push_str(&format!("{}  bagit.txt\n", h(b"e")));
        let mut bytes = m.into_bytes();
        bytes.extend_from_slice(b"\xff\xfe  data/\xe9\n");
        fs::write(root.join("manifest-sha256.txt"), bytes).unwrap();
        // A second manifest listing fewer files, with a BOM.
        let mut m5 = String::from("\u{feff}");
        for (name, bytes) in files.iter().filter(|(n, _)| n.starts_with("data/dir")) {
            m5.push_str(&format!(
                "{}  {name}\n",
                crate::checksum::hash_bytes(bytes, &[Algorithm::Sha512])[0]
                    .1
                    .to_hex()
            ));
        }
        fs::write(root.join("manifest-sha512.txt"), m5).unwrap();
        fs::write(root.join("manifest-foo.txt"), "abcd  data/a.txt\n").unwrap();
        fs::write(
            root.join("fetch.txt"),
            "http://example.org/f 1 data/fetched\nhttp://example.org/g - data/not-listed\nnot a fetch line\n",
        )
        .unwrap();
        let tm = format!(
            "{}  bagit.txt\n{}  metadata/extra.txt\n{}  data/a.txt\n{}  gone-tag.txt\n",
            h(b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"),
            h(b"wrong"),
            h(b"a"),
            h(b"x"),
        );
        fs::write(root.join("tagmanifest-sha256.txt"), tm).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("a.txt", root.join("data/link")).unwrap();
    }

    #[test]
    fn names_equal_after_folding_share_a_part_key() {
        for (a, b) in [
            ("data/Caf\u{e9}", "data/cafe\u{301}"),
            ("data/README", "data/readme"),
            ("data/\u{212a}", "data/k"),
            ("DATA/\u{c9}T\u{c9}", "data/e\u{301}te\u{301}"),
        ] {
            assert_eq!(part_key(a, 0), part_key(b, 0), "{a} {b}");
            assert_eq!(part_key(a, 7), part_key(b, 7), "{a} {b}");
            assert_eq!(fold_hash(a), fold_hash(b), "{a} {b}");
        }
        assert_ne!(part_key("data/a", 0), part_key("data/b", 0));
        // The ASCII shortcut gives what the general path gives.
        let slow = |s: &str| {
            use std::hash::Hasher;
            let mut h = std::collections::hash_map::DefaultHasher::new();
            for c in s.nfc().flat_map(char::to_lowercase) {
                h.write_u32(u32::from(c));
            }
            h.finish()
        };
        assert_eq!(
            fold_hash("data/Mixed-Case_1.TXT"),
            slow("data/Mixed-Case_1.TXT")
        );
    }

    #[test]
    fn parts_report_what_one_pass_reports() {
        let dir = tempfile::tempdir().unwrap();
        defective_bag(dir.path());
        let report = assert_parts_agree(dir.path());
        assert_codes(&report, DEFECTIVE_BAG_CODES);
    }

    /// Zips the directory `root` byte for byte under `bag/` (directory
    /// entries included, links as link entries) with the zip crate,
    /// deflating every other file, then applies `patch` to the bytes.
    fn zip_tree(root: &Path, out: &Path, patch: &dyn Fn(&mut Vec<u8>)) {
        use std::io::Write;
        use zip::write::SimpleFileOptions;
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let stored =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        let deflated =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        w.add_directory("bag/", stored).unwrap();
        let mut paths: Vec<PathBuf> = walkdir::WalkDir::new(root)
            .min_depth(1)
            .into_iter()
            .map(|e| e.unwrap().into_path())
            .collect();
        paths.sort();
        for (i, p) in paths.iter().enumerate() {
            let rel = p.strip_prefix(root).unwrap().to_str().unwrap();
            let md = fs::symlink_metadata(p).unwrap();
            if md.is_symlink() {
                let target = fs::read_link(p).unwrap();
                w.add_symlink(format!("bag/{rel}"), target.to_str().unwrap(), stored)
                    .unwrap();
            } else if md.is_dir() {
                w.add_directory(format!("bag/{rel}/"), stored).unwrap();
            } else {
                // Files to patch are stored, so their bytes can be found.
                let options = if i % 2 == 0 && !rel.contains("crc") {
                    deflated
                } else {
                    stored
                };
                w.start_file(format!("bag/{rel}"), options).unwrap();
                w.write_all(&fs::read(p).unwrap()).unwrap();
            }
        }
        let mut bytes = w.finish().unwrap().into_inner();
        patch(&mut bytes);
        fs::write(out, bytes).unwrap();
    }

    /// Replaces every occurrence of `from` in `bytes` by `to` (as long).
    fn replace_all(bytes: &mut [u8], from: &[u8], to: &[u8]) {
        assert_eq!(from.len(), to.len());
        let mut i = 0;
        while i + from.len() <= bytes.len() {
            if &bytes[i..i + from.len()] == from {
                bytes[i..i + from.len()].copy_from_slice(to);
                i += from.len();
            } else {
                i += 1;
            }
        }
    }

    /// Verifies the archive `zip` at every level in one pass and in parts
    /// of at most 1, 2, 3 and 7 entries, and checks the reports (or the
    /// errors) are the same.
    fn assert_zip_parts_agree(zip: &Path) -> Option<Report> {
        let mut whole = None;
        for level in [Level::Fast, Level::Completeness, Level::Fixity] {
            let one = verify_zip(zip, level, &NoProgress);
            for threshold in [1, 2, 3, 7] {
                let parts = verify_zip_with_threshold(zip, level, &NoProgress, threshold);
                match (&parts, &one) {
                    (Ok(parts), Ok(one)) => assert_eq!(
                        summary(parts),
                        summary(one),
                        "threshold {threshold}, {level:?}"
                    ),
                    (parts, one) => assert_eq!(
                        format!("{:?}", parts.as_ref().err()),
                        format!("{:?}", one.as_ref().err()),
                        "threshold {threshold}, {level:?}"
                    ),
                }
            }
            whole = one.ok();
        }
        whole
    }

    #[test]
    fn zip_parts_report_what_one_pass_reports() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("bag");
        fs::create_dir(&root).unwrap();
        defective_bag(&root);
        // ZIP-only defects besides the bag's: a name twice, a bad CRC (and
        // so a checksum mismatch), a name that is not safe, an entry
        // outside the top-level directory, a second top-level directory, a
        // link entry.
        fs::write(root.join("data/dupA"), b"one").unwrap();
        fs::write(root.join("data/dupB"), b"two").unwrap();
        fs::write(root.join("data/crc"), b"hello").unwrap();
        let mut m = fs::read(root.join("manifest-sha256.txt")).unwrap();
        m.extend_from_slice(format!("{}  data/crc\n", sha256_hex(b"hello")).as_bytes());
        fs::write(root.join("manifest-sha256.txt"), m).unwrap();
        fs::write(root.join("data/x:y"), b"colon").unwrap();
        fs::write(root.join("loose"), b"l").unwrap();
        fs::create_dir(root.join("zecond")).unwrap();
        fs::write(root.join("zecond/f"), b"f").unwrap();
        let zip = dir.path().join("defects.zip");
        zip_tree(&root, &zip, &|bytes| {
            replace_all(bytes, b"data/dupB", b"data/dupA");
            replace_all(bytes, b"hello", b"jello");
            replace_all(bytes, b"bag/loose", b"bag_loose");
            replace_all(bytes, b"bag/zecond", b"zag/zecond");
        });
        let report = assert_zip_parts_agree(&zip).unwrap();
        assert_codes(&report, DEFECTIVE_BAG_CODES);
        assert_codes(
            &report,
            &[
                "archive-layout",
                "bad-crc",
                "unsafe-entry-name",
                "special-file",
            ],
        );
        let layout: Vec<String> = report
            .problems
            .iter()
            .filter(|p| p.kind.code() == "archive-layout")
            .map(Problem::message)
            .collect();
        assert!(layout.iter().any(|m| m.contains("same name")), "{layout:?}");
        assert!(
            layout.iter().any(|m| m.contains("appears twice")),
            "{layout:?}"
        );
        assert!(
            layout.iter().any(|m| m.contains("top-level directories")),
            "{layout:?}"
        );

        // A valid bag, and the same with every entry overlapping the next.
        let valid = dir.path().join("valid");
        fs::create_dir_all(valid.join("data/d")).unwrap();
        let mut m = String::new();
        for i in 0..12 {
            let bytes = format!("file {i}");
            fs::write(valid.join(format!("data/d/f{i}")), &bytes).unwrap();
            m.push_str(&format!("{}  data/d/f{i}\n", sha256_hex(bytes.as_bytes())));
        }
        fs::write(
            valid.join("bagit.txt"),
            b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
        )
        .unwrap();
        fs::write(valid.join("manifest-sha256.txt"), m).unwrap();
        let zip = dir.path().join("valid.zip");
        zip_tree(&valid, &zip, &|_| {});
        let report = assert_zip_parts_agree(&zip).unwrap();
        assert!(report.is_valid(), "{:?}", report.problems);
        assert_eq!(report.payload_files, 12);
        // Every local header offset of the central directory made 0: a
        // quoted-overlap bomb's shape.
        zip_tree(&valid, &zip, &|bytes| {
            let mut at = 0;
            while let Some(i) = bytes[at..]
                .windows(4)
                .position(|w| w == [0x50, 0x4b, 0x01, 0x02])
            {
                let rec = at + i;
                bytes[rec + 42..rec + 46].copy_from_slice(&[0; 4]);
                at = rec + 4;
            }
        });
        let report = assert_zip_parts_agree(&zip).unwrap();
        assert_eq!(report.level, Level::Completeness);
        // Not a ZIP at all, and a truncated one: the same error.
        fs::write(&zip, b"PK\x03\x04 nothing").unwrap();
        assert!(assert_zip_parts_agree(&zip).is_none());
    }

    /// Past the limit on problems an archive is refused, in one pass and
    /// in parts, however its problems come (listing, manifest lines,
    /// unexpected files); under it, the report is whole.
    #[test]
    fn archives_with_too_many_problems_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("bag");
        fs::create_dir(&root).unwrap();
        defective_bag(&root);
        let zip = dir.path().join("defects.zip");
        zip_tree(&root, &zip, &|_| {});
        let file = || crate::serialize::SharedFile::open(&zip).unwrap();
        for level in [Level::Fast, Level::Completeness, Level::Fixity] {
            let all = verify_zip(&zip, level, &NoProgress).unwrap().problems.len();
            for threshold in [1, 3, 1000] {
                let limited =
                    |max| verify_zip_limited(file(), &zip, level, &NoProgress, threshold, max);
                let err = limited(3).unwrap_err();
                assert!(
                    matches!(err, Error::LimitExceeded { limit: 3, .. }),
                    "{err}"
                );
                // Far enough above the count that duplicates found in
                // several parts (deduplicated in the report) do not count.
                let report = limited(all + 10).unwrap();
                assert_eq!(report.problems.len(), all, "{level:?} {threshold}");
            }
        }
    }

    #[test]
    fn many_top_level_directories_are_counted_in_bounded_memory() {
        let dir = tempfile::tempdir().unwrap();
        let zip = dir.path().join("tops.zip");
        let mut w = zip::ZipWriter::new(fs::File::create(&zip).unwrap());
        let opts = zip::write::SimpleFileOptions::default();
        for i in 0..1_100 {
            w.start_file(format!("t{i:04}/f"), opts).unwrap();
        }
        w.start_file("zz/bagit.txt", opts).unwrap();
        w.finish().unwrap();
        let report = verify_zip(&zip, Level::Fast, &NoProgress).unwrap();
        let layout: Vec<String> = report
            .problems
            .iter()
            .filter(|p| p.kind.code() == "archive-layout")
            .map(Problem::message)
            .collect();
        assert!(
            layout.iter().any(|m| m.contains(
                "at least 1001 top-level directories (`t0000`, `t0001`, `t0002`, `t0003`, `t0004` and more)"
            )),
            "{layout:?}"
        );
        // The one holding a bagit.txt is the one verified.
        assert!(
            report
                .problems
                .iter()
                .all(|p| p.kind.code() != "missing-bag-declaration"),
            "{:?}",
            report.problems
        );
        for threshold in [1, 7, 500] {
            let parts =
                verify_zip_with_threshold(&zip, Level::Fast, &NoProgress, threshold).unwrap();
            assert_eq!(summary(&parts), summary(&report), "threshold {threshold}");
        }
    }

    #[test]
    fn parts_agree_on_bags_without_manifests_or_declaration() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..9 {
            fs::create_dir_all(dir.path().join("data")).unwrap();
            fs::write(dir.path().join(format!("data/{i}")), b"x").unwrap();
        }
        assert_parts_agree(dir.path());
        fs::write(dir.path().join("bagit.txt"), b"BagIt-Version: 0.97\n").unwrap();
        fs::write(dir.path().join("manifest-md5.txt"), b"\xff\n").unwrap();
        assert_parts_agree(dir.path());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        /// Random small bags with random manifests: every partitioning
        /// reports what one pass reports.
        #[test]
        fn parts_agree_with_one_pass(
            files in proptest::collection::btree_map(
                prop_oneof![
                    Just("a".to_owned()), Just("A".to_owned()), Just("b".to_owned()),
                    Just("d/c".to_owned()), Just("d/C".to_owned()), Just("\u{e9}".to_owned()),
                    Just("e\u{301}".to_owned()), Just("x y".to_owned()), Just("._z".to_owned()),
                    "[a-f]{1,3}",
                ],
                proptest::collection::vec(any::<u8>(), 0..4),
                0..12,
            ),
            lines in proptest::collection::vec(
                (prop_oneof![
                    Just("a".to_owned()), Just("A".to_owned()), Just("B".to_owned()),
                    Just("d/c".to_owned()), Just("E\u{301}".to_owned()), Just("\u{e9}".to_owned()),
                    Just("gone".to_owned()), "[a-f]{1,3}",
                ], any::<bool>(), 0u8..3),
                0..16,
            ),
            oxum in prop_oneof![Just(None), Just(Some("1.1".to_owned())), Just(Some("x".to_owned()))],
            fetch in any::<bool>(),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path();
            fs::create_dir_all(root.join("data")).unwrap();
            for (name, bytes) in &files {
                let p = root.join("data").join(name);
                // A name clashing with a file or directory already made
                // is skipped.
                let _ = fs::create_dir_all(p.parent().unwrap());
                let _ = fs::write(p, bytes);
            }
            fs::write(root.join("bagit.txt"), b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n").unwrap();
            let mut m = String::new();
            // Every file listed correctly, then the random lines.
            for (name, bytes) in &files {
                m.push_str(&format!("{}  data/{name}\n", sha256_hex(bytes)));
            }
            for (name, right, extra) in &lines {
                let bytes = files.get(name).cloned().unwrap_or_default();
                let digest = if *right { sha256_hex(&bytes) } else { sha256_hex(b"?") };
                for _ in 0..=*extra {
                    m.push_str(&format!("{digest}  data/{name}\n"));
                }
            }
            fs::write(root.join("manifest-sha256.txt"), m).unwrap();
            if let Some(o) = oxum {
                fs::write(root.join("bag-info.txt"), format!("Payload-Oxum: {o}\n")).unwrap();
            }
            if fetch {
                fs::write(root.join("fetch.txt"), "http://x/ 1 data/gone\nhttp://x/ 1 data/a\n").unwrap();
            }
            assert_parts_agree(root);
            // The same bag zipped: in parts, the single pass's report.
            let zipped = tempfile::tempdir().unwrap();
            let zip = zipped.path().join("b.zip");
            zip_tree(root, &zip, &|_| {});
            assert_zip_parts_agree(&zip);
        }
    }
}
