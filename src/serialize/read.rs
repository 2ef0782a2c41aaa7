//! The reading side of zipped bags: the central directory becomes an
//! [`Inventory`] (names checked, one top-level directory, no links), and
//! [`ZipSource`] streams entries for verification without extracting them.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::{Arc, Mutex};

use rayon::prelude::*;
use zip::{CompressionMethod, ZipArchive, ZipReadOptions};

use crate::checksum::{Algorithm, Digest, hash_reader};
use crate::error::{Error, Result};
use crate::progress::Reporter;
use crate::report::{Problem, ProblemKind};
use crate::verify::{BagSource, FoundFile, HashJob, Inventory};

/// Tag files in a ZIP larger than this are not read into memory. Lower than
/// [`crate::verify::MAX_TAG_FILE`] so that verifying any archive stays
/// within about 100 MB; a manifest of 100,000 files is about 20 MB.
pub const MAX_ZIP_TAG_FILE: u64 = 32 << 20;

/// Archives with more entries than this are refused before their central
/// directory is parsed (each parsed entry costs a few hundred bytes).
pub const MAX_ZIP_ENTRIES: u64 = 250_000;

/// What a reader of archives must offer: seekable, and cheap to clone into
/// an independent cursor so each hashing thread has its own.
pub trait ArchiveRead: Read + Seek + Clone + Send + Sync {}
impl<T: Read + Seek + Clone + Send + Sync> ArchiveRead for T {}

/// A file shared by many cursors: reads are positional (`pread`), so clones
/// never disturb each other, and a small buffer keyed by file offset makes
/// the many small reads of headers cheap.
#[derive(Debug, Clone)]
pub struct SharedFile {
    file: Arc<File>,
    len: u64,
    pos: u64,
    buf: Vec<u8>,
    buf_start: u64,
}

const SHARED_BUF: usize = 16 * 1024;

impl SharedFile {
    /// Opens `path` for positional reads.
    pub fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|e| Error::io("open", path, e))?;
        let md = file.metadata().map_err(|e| Error::io("read", path, e))?;
        if !md.is_file() {
            return Err(Error::NotABag {
                path: path.to_owned(),
                reason: "not a regular file".into(),
            });
        }
        Ok(SharedFile {
            file: Arc::new(file),
            len: md.len(),
            pos: 0,
            buf: Vec::new(),
            buf_start: 0,
        })
    }

    #[cfg(unix)]
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        std::os::unix::fs::FileExt::read_at(&*self.file, buf, offset)
    }

    #[cfg(windows)]
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        std::os::windows::fs::FileExt::seek_read(&*self.file, buf, offset)
    }
}

impl Read for SharedFile {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.len || out.is_empty() {
            return Ok(0);
        }
        let in_buf =
            self.pos >= self.buf_start && self.pos < self.buf_start + self.buf.len() as u64;
        if !in_buf {
            if out.len() >= SHARED_BUF {
                let n = self.read_at(out, self.pos)?;
                self.pos += n as u64;
                return Ok(n);
            }
            let mut buf = std::mem::take(&mut self.buf);
            buf.resize(SHARED_BUF, 0);
            let n = self.read_at(&mut buf, self.pos)?;
            buf.truncate(n);
            self.buf = buf;
            self.buf_start = self.pos;
            if n == 0 {
                return Ok(0);
            }
        }
        let off = usize::try_from(self.pos - self.buf_start).unwrap_or(usize::MAX);
        let avail = &self.buf[off.min(self.buf.len())..];
        let n = avail.len().min(out.len());
        out[..n].copy_from_slice(&avail[..n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for SharedFile {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let new = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        match new {
            Some(n) => {
                self.pos = n;
                Ok(n)
            }
            None => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek to a negative or overflowing position",
            )),
        }
    }
}

/// One regular-file entry of the bag, as the central directory records it.
#[derive(Debug, Clone)]
pub(crate) struct EntryInfo {
    /// Index in the archive.
    pub(crate) index: usize,
    /// Path relative to the bag root.
    pub(crate) rel: String,
    /// Declared uncompressed size.
    pub(crate) size: u64,
    /// Declared compressed size.
    pub(crate) compressed_size: u64,
    /// Declared CRC-32.
    pub(crate) crc32: u32,
    /// Whether the local header must match the central directory (off
    /// only when duplicate names make the check impossible; that defect is
    /// reported on its own).
    pub(crate) check_header: bool,
}

/// An opened zipped bag: the parsed archive, what its central directory
/// says, and the problems found in it.
pub(crate) struct OpenedZip<R> {
    pub(crate) archive: ZipArchive<R>,
    /// The single top-level directory (the bag's name), if one was found.
    pub(crate) top: Option<String>,
    /// Regular-file entries of the bag, indexed by [`FoundFile::id`].
    pub(crate) entries: Vec<EntryInfo>,
    /// Directory entries, relative to the bag root, without trailing `/`.
    pub(crate) dirs: Vec<String>,
    pub(crate) inventory: Inventory,
    /// Whether entries overlap (a quoted-overlap ZIP bomb can make each of
    /// thousands of entries expand to the maximum): such archives are
    /// never hashed.
    pub(crate) overlapping: bool,
}

/// Why `name` (a full entry name, `/`-separated) must not be extracted, if
/// it must not: the rules of uv-extract's `validate_archive_member_name`
/// plus those of RFC 8493 §5 for manifest paths.
pub(crate) fn unsafe_entry_name_reason(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("empty name");
    }
    if name.contains('\0') {
        return Some("contains a NUL character");
    }
    if name.chars().any(char::is_control) {
        return Some("contains a control character");
    }
    if name.contains('\\') {
        return Some("contains a backslash (a Windows path separator)");
    }
    if name.starts_with('/') {
        return Some("absolute path");
    }
    let b = name.as_bytes();
    if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
        return Some("Windows drive letter");
    }
    if name.contains(':') {
        return Some("contains `:` (a drive or alternate data stream on Windows)");
    }
    let trimmed = name.strip_suffix('/').unwrap_or(name);
    for c in trimmed.split('/') {
        match c {
            ".." => return Some("`..` component leads out of the destination"),
            "." => return Some("`.` component"),
            "" => return Some("empty component (`//`)"),
            _ => {}
        }
    }
    None
}

fn zip_err(path: &Path, source: zip::result::ZipError) -> Error {
    Error::Zip {
        path: path.to_owned(),
        source,
    }
}

/// Reads the end-of-central-directory record (and its ZIP64 form) to refuse
/// archives claiming more entries than [`MAX_ZIP_ENTRIES`] before anything
/// is allocated for them. Returns quietly when no record is found: the
/// ZIP reader then gives its own error.
fn check_entry_count<R: Read + Seek>(reader: &mut R, max: u64) -> Result<()> {
    const EOCD: [u8; 4] = [0x50, 0x4b, 0x05, 0x06];
    const LOC64: [u8; 4] = [0x50, 0x4b, 0x06, 0x07];
    const EOCD64: [u8; 4] = [0x50, 0x4b, 0x06, 0x06];
    let len = reader.seek(SeekFrom::End(0)).unwrap_or(0);
    let tail_len = len.min(22 + 65_535 + 20);
    let mut tail = vec![0u8; usize::try_from(tail_len).unwrap_or(0)];
    if reader.seek(SeekFrom::Start(len - tail_len)).is_err()
        || reader.read_exact(&mut tail).is_err()
    {
        return Ok(());
    }
    let Some(at) = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&i| tail[i..i + 4] == EOCD)
    else {
        return Ok(());
    };
    let mut count = u64::from(u16::from_le_bytes([tail[at + 10], tail[at + 11]]));
    if at >= 20 && tail[at - 20..at - 16] == LOC64 {
        let mut off = [0u8; 8];
        off.copy_from_slice(&tail[at - 12..at - 4]);
        let off = u64::from_le_bytes(off);
        let mut rec = [0u8; 56];
        if reader.seek(SeekFrom::Start(off)).is_ok()
            && reader.read_exact(&mut rec).is_ok()
            && rec[..4] == EOCD64
        {
            let mut n = [0u8; 8];
            n.copy_from_slice(&rec[32..40]);
            count = count.max(u64::from_le_bytes(n));
        }
    }
    if count > max {
        return Err(Error::LimitExceeded {
            what: format!("the number of entries ({count})"),
            limit: max,
        });
    }
    Ok(())
}

/// Opens the archive in `reader` (named `path` in messages) and lists it
/// from the central directory alone: nothing is decompressed.
///
/// `Err` if it is not a ZIP archive at all (no end of central directory,
/// truncated, corrupt central directory) or has too many entries; any
/// defect of the bag inside is a problem in the inventory.
pub(crate) fn open_zip<R: ArchiveRead>(
    mut reader: R,
    path: &Path,
    max_entries: u64,
) -> Result<OpenedZip<R>> {
    check_entry_count(&mut reader, max_entries)?;
    reader
        .seek(SeekFrom::Start(0))
        .map_err(|e| Error::io("read", path, e))?;
    let archive = ZipArchive::new(reader).map_err(|e| zip_err(path, e))?;
    let mut problems = Vec::new();
    let check_header = !archive.has_duplicate_names();
    let layout = |reason: String| Problem::error(None, ProblemKind::ArchiveLayout { reason });

    if archive.has_duplicate_names() {
        problems.push(layout(
            "two entries have the same name (only one could be extracted)".into(),
        ));
    }

    // Names, types and the top-level directory.
    struct Named {
        index: usize,
        name: String,
        is_dir: bool,
    }
    let mut named = Vec::with_capacity(archive.len());
    let mut ranges: Vec<(u64, u64, usize)> = Vec::with_capacity(archive.len());
    for index in 0..archive.len() {
        let Ok(entry) = archive.by_index_data(index) else {
            continue;
        };
        let raw = entry.name_raw();
        let name = match std::str::from_utf8(raw) {
            Ok(s) => s.to_owned(),
            Err(_) => match entry.name() {
                Ok(s) => s.into_owned(),
                Err(_) => {
                    problems.push(Problem::error(
                        None,
                        ProblemKind::UnsafeEntryName {
                            name: String::from_utf8_lossy(raw).into_owned(),
                            reason: "not valid UTF-8".into(),
                        },
                    ));
                    continue;
                }
            },
        };
        let start = entry.header_start();
        let end = start
            .saturating_add(30)
            .saturating_add(raw.len() as u64)
            .saturating_add(entry.compressed_size());
        ranges.push((start, end, index));
        if let Some(reason) = unsafe_entry_name_reason(&name) {
            problems.push(Problem::error(
                None,
                ProblemKind::UnsafeEntryName {
                    name,
                    reason: reason.into(),
                },
            ));
            continue;
        }
        let is_dir = name.ends_with('/');
        let file_type = entry.unix_mode().map_or(0, |m| m & 0o170_000);
        if file_type == 0o120_000 {
            problems.push(Problem::error(
                Some(&name),
                ProblemKind::SpecialFile {
                    path: name.clone(),
                    file_type: "symbolic link entry".into(),
                },
            ));
            continue;
        }
        let expected_type = if is_dir { 0o040_000 } else { 0o100_000 };
        if file_type != 0 && file_type != expected_type {
            problems.push(Problem::error(
                Some(&name),
                ProblemKind::SpecialFile {
                    path: name.clone(),
                    file_type: format!("entry of Unix file type {file_type:o}"),
                },
            ));
            continue;
        }
        named.push(Named {
            index,
            name,
            is_dir,
        });
    }

    // Overlaps, from the central directory alone: an entry's local header
    // and data take at least 30 + name + compressed bytes.
    ranges.sort_unstable();
    let dir_start = archive.central_directory_start();
    let mut overlapping = 0usize;
    for w in ranges.windows(2) {
        if w[1].0 < w[0].1 {
            overlapping += 1;
        }
    }
    if ranges.last().is_some_and(|r| r.1 > dir_start) {
        overlapping += 1;
    }
    if overlapping > 0 {
        problems.push(layout(format!(
            "{overlapping} entries overlap another entry or the central directory \
             (a ZIP bomb or a damaged archive); entries are not hashed"
        )));
    }

    let mut tops: Vec<&str> = named
        .iter()
        .map(|n| n.name.split('/').next().unwrap_or(""))
        .collect();
    tops.sort_unstable();
    tops.dedup();
    let loose: Vec<&str> = named
        .iter()
        .filter(|n| !n.name.contains('/'))
        .map(|n| n.name.as_str())
        .collect();
    if !loose.is_empty() {
        problems.push(layout(format!(
            "{} entr{} outside the top-level directory: {}",
            loose.len(),
            if loose.len() == 1 { "y is" } else { "ies are" },
            quote_list(&loose)
        )));
    }
    let dirs_at_top: Vec<&str> = tops
        .iter()
        .copied()
        .filter(|t| named.iter().any(|n| n.name.starts_with(&format!("{t}/"))))
        .collect();
    let top = match dirs_at_top.as_slice() {
        [] => {
            problems.push(layout("it holds no top-level directory".into()));
            None
        }
        [one] => Some((*one).to_owned()),
        many => {
            problems.push(layout(format!(
                "{} top-level directories ({}), expected exactly one",
                many.len(),
                quote_list(many)
            )));
            // Verify the first that looks like a bag, so its problems show.
            let bag = many
                .iter()
                .find(|t| named.iter().any(|n| n.name == format!("{t}/bagit.txt")))
                .unwrap_or(&many[0]);
            Some((*bag).to_owned())
        }
    };

    let mut inventory = Inventory::default();
    let mut entries = Vec::new();
    let mut dirs = Vec::new();
    if let Some(top) = &top {
        let prefix = format!("{top}/");
        for n in &named {
            let Some(rel) = n.name.strip_prefix(&prefix) else {
                continue;
            };
            let rel = rel.strip_suffix('/').unwrap_or(rel);
            if rel.is_empty() {
                continue;
            }
            if rel == "data" || rel.starts_with("data/") {
                inventory.has_payload_dir = true;
            }
            if n.is_dir {
                dirs.push(rel.to_owned());
                continue;
            }
            let Ok(entry) = archive.by_index_data(n.index) else {
                continue;
            };
            let method = entry.compression();
            if entry.encrypted() {
                problems.push(Problem::error(
                    Some(rel),
                    ProblemKind::UnsupportedEntry {
                        path: rel.to_owned(),
                        reason: "encrypted".into(),
                    },
                ));
                continue;
            }
            if method != CompressionMethod::Stored && method != CompressionMethod::Deflated {
                problems.push(Problem::error(
                    Some(rel),
                    ProblemKind::UnsupportedEntry {
                        path: rel.to_owned(),
                        reason: format!(
                            "compression method {method:?} (newsbag reads stored and deflate)"
                        ),
                    },
                ));
                continue;
            }
            let id = entries.len();
            entries.push(EntryInfo {
                index: n.index,
                rel: rel.to_owned(),
                size: entry.size(),
                compressed_size: entry.compressed_size(),
                crc32: entry.crc32(),
                check_header,
            });
            if inventory
                .files
                .insert(
                    rel.to_owned(),
                    FoundFile {
                        size: entry.size(),
                        id,
                    },
                )
                .is_some()
            {
                problems.push(layout(format!("`{rel}` appears twice")));
            }
        }
    }
    inventory.problems = problems;
    Ok(OpenedZip {
        archive,
        top,
        entries,
        dirs,
        inventory,
        overlapping: overlapping > 0,
    })
}

fn quote_list(items: &[&str]) -> String {
    const SHOWN: usize = 5;
    let mut s = items
        .iter()
        .take(SHOWN)
        .map(|t| format!("`{}`", t.escape_debug()))
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > SHOWN {
        s.push_str(&format!(" and {} more", items.len() - SHOWN));
    }
    s
}

/// Reads an entry's data while counting it and computing its CRC-32, at
/// most one byte past the declared size.
pub(crate) struct CheckedReader<R> {
    inner: io::Take<R>,
    crc: crc32fast::Hasher,
    count: u64,
    declared: u64,
}

impl<R: Read> CheckedReader<R> {
    pub(crate) fn new(inner: R, declared: u64) -> Self {
        CheckedReader {
            inner: inner.take(declared.saturating_add(1)),
            crc: crc32fast::Hasher::new(),
            count: 0,
            declared,
        }
    }

    /// The problem with what was read, if any (size first: a CRC over the
    /// wrong length says nothing more).
    pub(crate) fn finish(self, entry: &EntryInfo) -> Option<Problem> {
        let crc = self.crc.finalize();
        if self.count != entry.size {
            Some(Problem::error(
                Some(&entry.rel),
                ProblemKind::EntrySizeMismatch {
                    path: entry.rel.clone(),
                    expected: entry.size,
                    found: self.count,
                },
            ))
        } else if crc != entry.crc32 {
            Some(Problem::error(
                Some(&entry.rel),
                ProblemKind::BadCrc {
                    path: entry.rel.clone(),
                    expected: format!("{:08x}", entry.crc32),
                    found: format!("{crc:08x}"),
                },
            ))
        } else {
            None
        }
    }
}

impl<R: Read> Read for CheckedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = match self.inner.read(buf) {
            Ok(n) => n,
            // The zip crate stops an entry at its declared size with this
            // error; it is a finding about the entry (longer than declared),
            // reported by `finish`, not a failure to read.
            Err(e)
                if e.kind() == io::ErrorKind::InvalidData
                    && e.to_string().contains("declared uncompressed size") =>
            {
                self.count = self.declared.saturating_add(1);
                return Ok(0);
            }
            Err(e) => return Err(e),
        };
        self.crc.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
}

/// Read options for every entry: local headers must agree with the central
/// directory; the CRC is checked by [`CheckedReader`] so that a mismatch is
/// a finding, not an I/O error.
pub(crate) fn read_options(check_header: bool) -> ZipReadOptions<'static> {
    ZipReadOptions::new()
        .ignore_crc32(true)
        .enforce_header_consistency(check_header)
}

/// Opens entry `entry` of `archive` for reading through a [`CheckedReader`].
pub(crate) fn open_entry<'a, R: ArchiveRead>(
    archive: &'a mut ZipArchive<R>,
    entry: &EntryInfo,
) -> io::Result<CheckedReader<zip::read::ZipFile<'a, R>>> {
    let f = archive
        .by_index_with_options(entry.index, read_options(entry.check_header))
        .map_err(io::Error::other)?;
    Ok(CheckedReader::new(f, entry.size))
}

/// Reads a whole tag-file entry of at most [`MAX_ZIP_TAG_FILE`] bytes, with
/// the CRC or size finding its reading made, if any.
pub(crate) fn read_tag_entry<R: ArchiveRead>(
    archive: &ZipArchive<R>,
    entry: &EntryInfo,
) -> io::Result<(Vec<u8>, Option<Problem>)> {
    if entry.size > MAX_ZIP_TAG_FILE {
        return Err(io::Error::other(format!(
            "declared size {} is larger than {MAX_ZIP_TAG_FILE} bytes: refusing to read it into memory",
            entry.size
        )));
    }
    let mut archive = archive.clone();
    let mut r = open_entry(&mut archive, entry)?;
    let mut buf = Vec::new();
    r.read_to_end(&mut buf)?;
    let finding = r.finish(entry);
    Ok((buf, finding))
}

/// A zipped bag as a [`BagSource`]: each hashing thread clones the parsed
/// archive (the central directory is parsed once; clones share it) and
/// streams entries through every hasher at once.
pub(crate) struct ZipSource<R> {
    archive: ZipArchive<R>,
    entries: Vec<EntryInfo>,
    /// CRC and size findings made while reading.
    found: Mutex<Vec<Problem>>,
}

impl<R: ArchiveRead> ZipSource<R> {
    pub(crate) fn new(archive: ZipArchive<R>, entries: Vec<EntryInfo>) -> Self {
        ZipSource {
            archive,
            entries,
            found: Mutex::new(Vec::new()),
        }
    }

    /// The problems found while reading entries.
    pub(crate) fn into_problems(self) -> Vec<Problem> {
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

    fn entry(&self, file: &FoundFile) -> io::Result<&EntryInfo> {
        self.entries
            .get(file.id)
            .ok_or_else(|| io::Error::other("no such entry"))
    }
}

impl<R: ArchiveRead> BagSource for ZipSource<R> {
    fn read(&self, file: &FoundFile) -> io::Result<Vec<u8>> {
        let (buf, finding) = read_tag_entry(&self.archive, self.entry(file)?)?;
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
                || self.archive.clone(),
                |archive, job| {
                    let entry = self.entry(&job.file)?;
                    let mut r = open_entry(archive, entry)?;
                    let result = hash_reader(&mut r, &job.algorithms, Some(entry.size), &mut |n| {
                        reporter.advance(n);
                    });
                    reporter.file_done();
                    let (_, digests) = result?;
                    self.record(r.finish(entry));
                    Ok(digests)
                },
            )
            .collect()
    }
}
