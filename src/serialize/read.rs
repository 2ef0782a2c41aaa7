//! The reading side of zipped bags: the central directory becomes an
//! [`Inventory`] (names checked, one top-level directory, no links), and
//! [`ZipSource`] streams entries for verification without extracting them.

mod central;
mod located;
mod scan;

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

pub(crate) use central::Records;
use central::{CentralDirectory, CentralError, LocalHeader, NAME_BYTES_PER_ENTRY};
pub use located::{EntryLocation, read_located};
pub(crate) use scan::{Scanned, SpilledZip, list_zip, open_zip, scan_zip};

use crate::checksum::{Algorithm, Digest, hash_reader};
use crate::error::{Error, Result};
use crate::progress::Reporter;
use crate::report::{Problem, ProblemKind};
use crate::source::{BagSource, FoundFile, HashJob, Inventory};

/// Tag files in a ZIP that are read whole (bagit.txt, bag-info.txt,
/// fetch.txt, manifests in an encoding other than UTF-8) are not read into
/// memory beyond this size. UTF-8 manifests are streamed line by line
/// whatever their size (up to [`crate::verify::MAX_TAG_FILE`]).
pub const MAX_ZIP_TAG_FILE: u64 = 32 << 20;

/// A tag file streamed line by line (a manifest) may declare at most this
/// many bytes per entry of its archive (or [`MAX_ZIP_TAG_FILE`], if more),
/// so that what a manifest's lines make (entries, findings) stays
/// proportional to the archive's entries: a manifest line of a real bag
/// (SHA-512, a path) is about 170 bytes.
pub(crate) const STREAM_BYTES_PER_ENTRY: u64 = 512;

fn stream_limit(records: u64) -> u64 {
    records
        .saturating_mul(STREAM_BYTES_PER_ENTRY)
        .max(MAX_ZIP_TAG_FILE)
}

/// Archives claiming (or holding) more entries than this are refused
/// before their central directory is read: `newsbag verify`'s limit, and
/// ingest's default. Memory does not depend on it: beyond
/// [`crate::spill::DEFAULT_THRESHOLD`] entries an archive is verified in
/// parts, and a count the central directory cannot hold (46 bytes a
/// record) is refused whatever the limit. It bounds time and temporary
/// disk space (about 110 bytes an entry) instead: 100 million entries of
/// at least 76 bytes each (central record and local header) is an archive
/// of 7.6 GB or more.
pub const MAX_ZIP_ENTRIES: u64 = 100_000_000;

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

    /// The file's size in bytes.
    #[must_use]
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
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

/// Where `to` leads from `pos` in a source of `len` bytes: the position
/// every seekable reader of an archive (a local file, an object in a
/// bucket) moves to, or an error for a negative or overflowing one.
pub(crate) fn seek_position(len: u64, pos: u64, to: SeekFrom) -> io::Result<u64> {
    let new = match to {
        SeekFrom::Start(n) => Some(n),
        SeekFrom::End(d) => len.checked_add_signed(d),
        SeekFrom::Current(d) => pos.checked_add_signed(d),
    };
    new.ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "seek to a negative or overflowing position",
        )
    })
}

impl Seek for SharedFile {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.pos = seek_position(self.len, self.pos, to)?;
        Ok(self.pos)
    }
}

/// One entry of the bag (a regular file or a directory): the index of its
/// central-directory record, 4 bytes. Its name, sizes and CRC stay in the
/// shared [`CentralDirectory`]; [`Archive::entry`] gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EntryId(u32);

/// What the central directory says of one entry of the bag.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EntryInfo<'a> {
    /// Index of the central-directory record.
    pub(crate) index: usize,
    /// Path relative to the bag root (without a directory's trailing `/`).
    pub(crate) rel: &'a str,
    /// Declared uncompressed size.
    pub(crate) size: u64,
    /// Declared compressed size.
    pub(crate) compressed_size: u64,
    /// Declared CRC-32.
    pub(crate) crc32: u32,
}

/// A reusable inflater: one per reading thread, not one per entry (100,000
/// small entries would otherwise allocate and zero 100,000 windows).
pub(crate) struct Inflate {
    z: flate2::Decompress,
    buf: Box<[u8]>,
    /// Whole-buffer inflater for small entries.
    whole: Option<libdeflater::Decompressor>,
    /// A small entry's compressed bytes.
    packed: Vec<u8>,
    /// A small entry's inflated bytes.
    unpacked: Vec<u8>,
}

/// Deflated entries of up to this size (compressed and declared
/// uncompressed) are inflated whole by libdeflate, about twice as fast as
/// streaming through zlib-rs for the small files bags are made of; on any
/// complaint from libdeflate (bad data, more data than declared) the entry
/// is read again through the streaming inflater, whose findings are the
/// ones reported.
const WHOLE_INFLATE: u64 = 1024 * 1024;

impl Inflate {
    fn new() -> Box<Self> {
        Box::new(Inflate {
            z: flate2::Decompress::new(false),
            buf: vec![0; INFLATE_BUF].into_boxed_slice(),
            whole: None,
            packed: Vec::new(),
            unpacked: Vec::new(),
        })
    }

    /// Inflates `csize` bytes from `input` whole into `self.unpacked`,
    /// expecting at most `size` bytes out; the length inflated, or `None`
    /// if libdeflate cannot (the caller then streams).
    fn whole(&mut self, input: &mut impl Read, csize: u64, size: u64) -> io::Result<Option<usize>> {
        self.packed.clear();
        let got = input.take(csize).read_to_end(&mut self.packed)?;
        if got as u64 != csize {
            return Ok(None);
        }
        self.unpacked.resize(usize::try_from(size).unwrap_or(0), 0);
        let d = self
            .whole
            .get_or_insert_with(libdeflater::Decompressor::new);
        Ok(d.deflate_decompress(&self.packed, &mut self.unpacked).ok())
    }
}

const INFLATE_BUF: usize = 32 * 1024;

/// An archive: its reader and its parsed central directory. Clones share
/// the directory and each get their own cursor and inflater, so each
/// hashing thread has one.
pub(crate) struct Archive<R> {
    reader: R,
    cd: Arc<CentralDirectory>,
    /// Bytes of the top-level directory's name and its `/`, stripped from
    /// every entry's name.
    prefix: usize,
    inflate: Option<Box<Inflate>>,
}

impl<R: Clone> Clone for Archive<R> {
    fn clone(&self) -> Self {
        Archive {
            reader: self.reader.clone(),
            cd: Arc::clone(&self.cd),
            prefix: self.prefix,
            inflate: None,
        }
    }
}

impl<R: ArchiveRead> Archive<R> {
    /// What the central directory says of `e`.
    pub(crate) fn entry(&self, e: EntryId) -> EntryInfo<'_> {
        let index = e.0 as usize;
        let r = self.cd.record(index);
        let name = self.cd.name(index).unwrap_or("");
        let rel = name.get(self.prefix..).unwrap_or("");
        EntryInfo {
            index,
            rel: rel.strip_suffix('/').unwrap_or(rel),
            size: r.size,
            compressed_size: r.compressed_size,
            crc32: r.crc32,
        }
    }

    /// Opens `entry` for reading (stored or deflated data), after checking
    /// its local header against the central directory.
    fn open(&mut self, entry: &EntryInfo<'_>) -> io::Result<EntryReader<'_, R>> {
        let record = *self.cd.record(entry.index);
        let header = LocalHeader::read(&mut self.reader, &self.cd, entry.index)?;
        self.reader.seek(SeekFrom::Start(header.data_start))?;
        match record.method {
            0 => Ok(EntryReader::Stored(
                (&mut self.reader).take(record.compressed_size),
            )),
            8 => {
                if record.size <= WHOLE_INFLATE && record.compressed_size <= WHOLE_INFLATE {
                    let n = self.inflate.get_or_insert_with(Inflate::new).whole(
                        &mut self.reader,
                        record.compressed_size,
                        record.size,
                    )?;
                    if let Some(n) = n {
                        let unpacked = self
                            .inflate
                            .as_deref()
                            .map_or(&[][..], |i| &i.unpacked[..n]);
                        return Ok(EntryReader::Whole(io::Cursor::new(unpacked)));
                    }
                    self.reader.seek(SeekFrom::Start(header.data_start))?;
                }
                let data = (&mut self.reader).take(record.compressed_size);
                let inflate = self.inflate.get_or_insert_with(Inflate::new);
                Ok(EntryReader::Deflated(Inflater::new(data, inflate)))
            }
            m => Err(io::Error::other(format!(
                "unsupported compression method {m}"
            ))),
        }
    }
}

impl<R: ArchiveRead> Archive<R> {
    /// Opens `entry` for reading as [`Archive::open`] does, with this
    /// archive (a clone) as the reader's own cursor and inflater: for a
    /// tag file streamed line by line.
    fn into_entry_reader(mut self, entry: &EntryInfo<'_>) -> io::Result<OwnedEntryReader<R>> {
        let record = *self.cd.record(entry.index);
        let header = LocalHeader::read(&mut self.reader, &self.cd, entry.index)?;
        self.reader.seek(SeekFrom::Start(header.data_start))?;
        let data = self.reader.take(record.compressed_size);
        match record.method {
            0 => Ok(OwnedEntryReader::Stored(data)),
            8 => {
                let inflate = self.inflate.take().unwrap_or_else(Inflate::new);
                Ok(OwnedEntryReader::Deflated(Inflater::new(data, inflate)))
            }
            m => Err(io::Error::other(format!(
                "unsupported compression method {m}"
            ))),
        }
    }
}

/// An entry's data, as stored, read through its own cursor.
enum OwnedEntryReader<R> {
    Stored(io::Take<R>),
    Deflated(Inflater<io::Take<R>, Box<Inflate>>),
}

impl<R: Read> Read for OwnedEntryReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            OwnedEntryReader::Stored(r) => r.read(buf),
            OwnedEntryReader::Deflated(r) => r.read(buf),
        }
    }
}

/// An entry's data, as stored.
pub(crate) enum EntryReader<'a, R> {
    /// Stored: the bytes themselves.
    Stored(io::Take<&'a mut R>),
    /// Deflated: inflated on the way.
    Deflated(Inflater<io::Take<&'a mut R>, &'a mut Inflate>),
    /// Deflated and small: already inflated whole.
    Whole(io::Cursor<&'a [u8]>),
}

impl<R: Read> Read for EntryReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            EntryReader::Stored(r) => r.read(buf),
            EntryReader::Deflated(r) => r.read(buf),
            EntryReader::Whole(r) => r.read(buf),
        }
    }
}

/// Inflates raw deflate data read from `input` with the inflater `state`
/// (borrowed from a reading thread's archive, or owned).
pub(crate) struct Inflater<I, S> {
    input: I,
    state: S,
    pos: usize,
    filled: usize,
    eof: bool,
    done: bool,
}

impl<I, S: std::borrow::BorrowMut<Inflate>> Inflater<I, S> {
    fn new(input: I, mut state: S) -> Self {
        state.borrow_mut().z.reset(false);
        Inflater {
            input,
            state,
            pos: 0,
            filled: 0,
            eof: false,
            done: false,
        }
    }
}

impl<I: Read, S: std::borrow::BorrowMut<Inflate>> Read for Inflater<I, S> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        use flate2::{FlushDecompress, Status};
        if self.done || out.is_empty() {
            return Ok(0);
        }
        let state = self.state.borrow_mut();
        loop {
            if self.pos == self.filled && !self.eof {
                self.filled = self.input.read(&mut state.buf)?;
                self.pos = 0;
                self.eof = self.filled == 0;
            }
            let (in_before, out_before) = (state.z.total_in(), state.z.total_out());
            let flush = if self.eof {
                FlushDecompress::Finish
            } else {
                FlushDecompress::None
            };
            let status = state
                .z
                .decompress(&state.buf[self.pos..self.filled], out, flush)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            let consumed = usize::try_from(state.z.total_in() - in_before).unwrap_or(0);
            let produced = usize::try_from(state.z.total_out() - out_before).unwrap_or(0);
            self.pos += consumed;
            if status == Status::StreamEnd {
                self.done = true;
                return Ok(produced);
            }
            if produced > 0 {
                return Ok(produced);
            }
            if consumed == 0 {
                // No progress with room to write: the input ran out, or
                // (never seen, but never looped on) the inflater is stuck.
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    if self.eof {
                        "deflate data ends before the end of its stream"
                    } else {
                        "deflate data makes no progress"
                    },
                ));
            }
        }
    }
}

/// An opened zipped bag: the archive, what its central directory says, and
/// the problems found in it.
pub(crate) struct OpenedZip<R> {
    pub(crate) archive: Archive<R>,
    /// The single top-level directory (the bag's name), if one was found.
    pub(crate) top: Option<String>,
    /// Regular-file entries of the bag, indexed by [`FoundFile::id`].
    pub(crate) entries: Vec<EntryId>,
    /// The bag's files: positions in `entries`, sorted by path, one a path
    /// (the last entry of a path that appears twice).
    pub(crate) files: Vec<u32>,
    /// Directory entries of the bag.
    pub(crate) dirs: Vec<EntryId>,
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
    // One pass over the bytes (every entry of every zip read goes through
    // here: a scan a rule was a fifth of the time `find` spent listing
    // zips); the reasons are then given in the order of the rules.
    if name.is_empty() {
        return Some("empty name");
    }
    let b = name.as_bytes();
    let (mut nul, mut control, mut backslash, mut colon) = (false, false, false, false);
    let mut prev = 0u8;
    for &c in b {
        match c {
            0 => nul = true,
            1..=0x1f | 0x7f => control = true,
            // U+0080 to U+009F (C1 controls) are C2 80 to C2 9F in UTF-8.
            0x80..=0x9f if prev == 0xc2 => control = true,
            b'\\' => backslash = true,
            b':' => colon = true,
            _ => {}
        }
        prev = c;
    }
    if nul {
        return Some("contains a NUL character");
    }
    if control {
        return Some("contains a control character");
    }
    if backslash {
        return Some("contains a backslash (a Windows path separator)");
    }
    if b[0] == b'/' {
        return Some("absolute path");
    }
    if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
        return Some("Windows drive letter");
    }
    if colon {
        return Some("contains `:` (a drive or alternate data stream on Windows)");
    }
    let trimmed = b.strip_suffix(b"/").unwrap_or(b);
    for c in trimmed.split(|&c| c == b'/') {
        match c {
            b".." => return Some("`..` component leads out of the destination"),
            b"." => return Some("`.` component"),
            b"" => return Some("empty component (`//`)"),
            _ => {}
        }
    }
    None
}

/// The error a central directory's finding is, for the zip at `path` read
/// with at most `max_entries` entries.
pub(crate) fn zip_err(path: &Path, e: CentralError, max_entries: u64) -> Error {
    match e {
        CentralError::TooManyEntries(count) => Error::LimitExceeded {
            what: format!("the number of entries ({count})"),
            limit: max_entries,
        },
        CentralError::NamesTooLong(bytes) => Error::LimitExceeded {
            what: format!(
                "the total length of entry names ({bytes} bytes or more, \
                 {NAME_BYTES_PER_ENTRY} bytes for each of the {max_entries} entries allowed)"
            ),
            limit: max_entries.saturating_mul(NAME_BYTES_PER_ENTRY),
        },
        CentralError::Io(e) => Error::io("read", path, e),
        CentralError::Invalid(msg) => Error::Zip {
            path: path.to_owned(),
            reason: msg,
        },
    }
}

/// A compression method's usual name.
fn method_name(method: u16) -> String {
    let name = match method {
        1 => "Shrink",
        6 => "Implode",
        9 => "Deflate64",
        12 => "Bzip2",
        14 => "LZMA",
        93 => "Zstd",
        95 => "XZ",
        98 => "PPMd",
        99 => "AES",
        _ => return method.to_string(),
    };
    format!("{method} ({name})")
}

impl<R: ArchiveRead> OpenedZip<R> {
    /// The inventory as [`open_zip`] made it, made again from the entries
    /// (for a second verification pass, without keeping a copy through
    /// the first), with `problems` as its problems.
    pub(crate) fn inventory_again(&self, problems: Vec<Problem>) -> Inventory {
        let mut inventory = Inventory {
            problems,
            ..Inventory::default()
        };
        for &d in &self.dirs {
            let rel = self.archive.entry(d).rel;
            if rel == "data" || rel.starts_with("data/") {
                inventory.has_payload_dir = true;
            }
        }
        for (id, &e) in self.entries.iter().enumerate() {
            let e = self.archive.entry(e);
            if e.rel.starts_with("data/") {
                inventory.has_payload_dir = true;
            }
            inventory
                .files
                .insert(e.rel.to_owned(), FoundFile { size: e.size, id });
        }
        inventory
    }
}

/// Reads an entry's data while counting it and computing its CRC-32, at
/// most one byte past the declared size.
pub(crate) struct CheckedReader<R> {
    inner: io::Take<R>,
    crc: crc32fast::Hasher,
    count: u64,
}

impl<R: Read> CheckedReader<R> {
    pub(crate) fn new(inner: R, declared: u64) -> Self {
        CheckedReader {
            inner: inner.take(declared.saturating_add(1)),
            crc: crc32fast::Hasher::new(),
            count: 0,
        }
    }

    /// The problem with what was read, if any (size first: a CRC over the
    /// wrong length says nothing more).
    pub(crate) fn finish(&self, entry: &EntryInfo<'_>) -> Option<Problem> {
        let crc = self.crc.clone().finalize();
        if self.count != entry.size {
            Some(Problem::error(
                Some(entry.rel),
                ProblemKind::EntrySizeMismatch {
                    path: entry.rel.to_owned(),
                    expected: entry.size,
                    found: self.count,
                },
            ))
        } else if crc != entry.crc32 {
            Some(Problem::error(
                Some(entry.rel),
                ProblemKind::BadCrc {
                    path: entry.rel.to_owned(),
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
        let n = self.inner.read(buf)?;
        self.crc.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
}

/// Opens `entry` of `archive` for reading through a [`CheckedReader`]: its
/// local header must agree with the central directory; its CRC and size are
/// findings made by [`CheckedReader::finish`], not I/O errors.
pub(crate) fn open_entry<'a, R: ArchiveRead>(
    archive: &'a mut Archive<R>,
    entry: &EntryInfo<'_>,
) -> io::Result<CheckedReader<EntryReader<'a, R>>> {
    let r = archive.open(entry)?;
    Ok(CheckedReader::new(r, entry.size))
}

/// Reads a whole tag-file entry of at most [`MAX_ZIP_TAG_FILE`] bytes, with
/// the CRC or size finding its reading made, if any.
pub(crate) fn read_tag_entry<R: ArchiveRead>(
    archive: &Archive<R>,
    entry: EntryId,
) -> io::Result<(Vec<u8>, Option<Problem>)> {
    let entry = archive.entry(entry);
    if entry.size > MAX_ZIP_TAG_FILE {
        return Err(io::Error::other(format!(
            "declared size {} is larger than {MAX_ZIP_TAG_FILE} bytes: refusing to read it into memory",
            entry.size
        )));
    }
    let mut archive = archive.clone();
    let mut r = open_entry(&mut archive, &entry)?;
    let mut buf = Vec::new();
    r.read_to_end(&mut buf)?;
    let finding = r.finish(&entry);
    Ok((buf, finding))
}

/// A zipped bag as a [`BagSource`]: each hashing thread clones the archive
/// (the central directory is parsed once; clones share it) and streams
/// entries through every hasher at once.
pub(crate) struct ZipSource<R> {
    archive: Archive<R>,
    entries: Vec<EntryId>,
    /// Entries declaring more than this are not streamed either.
    stream_limit: u64,
    /// CRC and size findings made while reading.
    found: Mutex<Vec<Problem>>,
}

impl<R: ArchiveRead> ZipSource<R> {
    pub(crate) fn new(archive: Archive<R>, entries: Vec<EntryId>) -> Self {
        let records = archive.cd.len() as u64;
        ZipSource {
            archive,
            entries,
            stream_limit: stream_limit(records),
            found: Mutex::new(Vec::new()),
        }
    }

    /// The source, streaming (tag) files as long as an archive of
    /// `records` entries allows.
    pub(crate) fn streaming_up_to(mut self, records: u64) -> Self {
        self.stream_limit = stream_limit(records);
        self
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

    fn entry(&self, file: &FoundFile) -> io::Result<EntryId> {
        self.entries
            .get(file.id)
            .copied()
            .ok_or_else(|| io::Error::other("no such entry"))
    }
}

impl<R: ArchiveRead> BagSource for ZipSource<R> {
    fn read(&self, file: &FoundFile) -> io::Result<Vec<u8>> {
        let (buf, finding) = read_tag_entry(&self.archive, self.entry(file)?)?;
        self.record(finding);
        Ok(buf)
    }

    /// Streams a (tag) file of any size: a manifest is read line by line,
    /// never whole. The CRC and size finding is made at its end.
    fn open(&self, file: &FoundFile) -> io::Result<Box<dyn Read + '_>> {
        let entry = self.archive.entry(self.entry(file)?);
        if entry.size > self.stream_limit {
            return Err(io::Error::other(format!(
                "declared size {} is larger than {} bytes, {STREAM_BYTES_PER_ENTRY} for each \
                 entry of the archive: refusing to read it",
                entry.size, self.stream_limit
            )));
        }
        let inner = self.archive.clone().into_entry_reader(&entry)?;
        Ok(Box::new(StreamedEntry {
            inner: CheckedReader::new(inner, entry.size),
            entry,
            source: self,
            done: false,
        }))
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
                    // The entry's name borrows from the shared archive, not
                    // from this thread's clone, which is read mutably.
                    let entry = self.archive.entry(self.entry(&job.file)?);
                    let mut r = open_entry(archive, &entry)?;
                    let result = hash_reader(&mut r, &job.algorithms, Some(entry.size), &mut |n| {
                        reporter.advance(n);
                    });
                    reporter.file_done();
                    let (_, digests) = result?;
                    self.record(r.finish(&entry));
                    Ok(digests)
                },
            )
            .collect()
    }
}

/// An entry read as a stream by [`ZipSource::open`]; at its end, its CRC
/// and size finding goes to the source.
struct StreamedEntry<'a, R> {
    inner: CheckedReader<OwnedEntryReader<R>>,
    entry: EntryInfo<'a>,
    source: &'a ZipSource<R>,
    done: bool,
}

impl<R: ArchiveRead> Read for StreamedEntry<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() && !self.done {
            self.done = true;
            self.source.record(self.inner.finish(&self.entry));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::io::{Cursor, Write};

    use proptest::prelude::*;
    use zip::write::SimpleFileOptions;
    use zip::{CompressionMethod, ZipWriter};

    use super::*;

    /// Writes `files` under `bag/` with the zip crate, deflating the odd
    /// ones (and ZIP64 headers for the ones that ask for it).
    fn write(files: &BTreeMap<String, (Vec<u8>, bool)>) -> Vec<u8> {
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        zip.add_directory("bag/", SimpleFileOptions::default())
            .unwrap();
        for (i, (name, (bytes, large))) in files.iter().enumerate() {
            let method = if i % 2 == 1 {
                CompressionMethod::Deflated
            } else {
                CompressionMethod::Stored
            };
            let options = SimpleFileOptions::default()
                .compression_method(method)
                .large_file(*large);
            zip.start_file(format!("bag/{name}"), options).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    /// Every file of the bag, read back through `open_zip` and the
    /// archive's own entry reader.
    fn read_back(bytes: Vec<u8>) -> BTreeMap<String, Vec<u8>> {
        let mut file = Cursor::new(bytes.clone());
        let opened = open_zip(Cursor::new(bytes), Path::new("t.zip"), MAX_ZIP_ENTRIES).unwrap();
        assert_eq!(opened.top.as_deref(), Some("bag"));
        assert!(
            opened.inventory.problems.is_empty(),
            "{:?}",
            opened.inventory.problems
        );
        assert!(!opened.overlapping);
        let mut out = BTreeMap::new();
        for (rel, found) in &opened.inventory.files {
            let id = opened.entries[found.id];
            assert_eq!(opened.archive.entry(id).rel, rel);
            let (data, finding) = read_tag_entry(&opened.archive, id).unwrap();
            assert!(finding.is_none(), "{finding:?}");
            assert_eq!(data.len() as u64, found.size);
            // Read again from its recorded location alone: the same bytes.
            if let Some(at) = opened.archive.location(id) {
                assert_eq!(at.name, format!("bag/{rel}"));
                assert_eq!(
                    read_located(&mut file, &at, MAX_ZIP_TAG_FILE).unwrap(),
                    data
                );
            }
            out.insert(rel.clone(), data);
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn zip_crate_archives_read_back_identically(
            files in proptest::collection::btree_map(
                "[a-z0-9]{1,8}(/[a-zé0-9_-][a-zé0-9 ._-]{0,7}){0,2}",
                (proptest::collection::vec(any::<u8>(), 0..3000), any::<bool>()),
                1..12,
            )
        ) {
            // A name that is a prefix directory of another would be a file
            // and a directory at once: keep the leaves only.
            let files: BTreeMap<String, (Vec<u8>, bool)> = files
                .iter()
                .filter(|(n, _)| !files.keys().any(|m| m.starts_with(&format!("{n}/"))))
                .map(|(n, v)| (n.clone(), v.clone()))
                .collect();
            let got = read_back(write(&files));
            let want: BTreeMap<String, Vec<u8>> =
                files.into_iter().map(|(n, (b, _))| (n, b)).collect();
            prop_assert_eq!(got, want);
        }
    }

    /// A location that no longer describes the entry is refused, never
    /// read as other bytes.
    #[test]
    fn stale_locations_are_refused() {
        let files = BTreeMap::from([
            ("data/a.txt".to_owned(), (b"first file ".repeat(50), false)),
            ("data/b.txt".to_owned(), (b"second file ".repeat(50), false)),
        ]);
        let bytes = write(&files);
        let opened = open_zip(
            Cursor::new(bytes.clone()),
            Path::new("t.zip"),
            MAX_ZIP_ENTRIES,
        )
        .unwrap();
        let at = |rel: &str| {
            let found = &opened.inventory.files[rel];
            opened.archive.location(opened.entries[found.id]).unwrap()
        };
        let (a, b) = (at("data/a.txt"), at("data/b.txt"));
        let mut file = Cursor::new(bytes.clone());
        assert_eq!(
            read_located(&mut file, &b, MAX_ZIP_TAG_FILE).unwrap(),
            files["data/b.txt"].0
        );
        let refused = |at: &EntryLocation, file: &mut Cursor<Vec<u8>>| {
            read_located(file, at, MAX_ZIP_TAG_FILE)
                .unwrap_err()
                .to_string()
        };
        // Another entry's header at the recorded offset.
        let moved = EntryLocation {
            name: b.name.clone(),
            ..a.clone()
        };
        assert!(
            refused(&moved, &mut file).contains("is `bag/data/a.txt`"),
            "{}",
            refused(&moved, &mut file)
        );
        // No header at all there.
        let inside = EntryLocation {
            header_offset: b.header_offset + 3,
            ..b.clone()
        };
        assert!(refused(&inside, &mut file).contains("no local header"));
        // The right entry, but not the recorded bytes (size or CRC-32).
        assert_eq!(
            read_located(&mut file, &a, MAX_ZIP_TAG_FILE).unwrap(),
            files["data/a.txt"].0
        );
        let crc = EntryLocation {
            crc32: a.crc32 ^ 1,
            ..a.clone()
        };
        assert!(refused(&crc, &mut file).contains("does not hold"));
        let size = EntryLocation {
            size: a.size - 1,
            compressed_size: a.compressed_size - 1,
            ..a.clone()
        };
        assert!(refused(&size, &mut file).contains("does not hold"));
        // The file changed under the location: one byte of a's (stored)
        // data.
        let mut changed = bytes;
        let h = usize::try_from(a.header_offset).unwrap();
        let extra = usize::from(u16::from_le_bytes([changed[h + 28], changed[h + 29]]));
        let inside = h + 30 + a.name.len() + extra + 5;
        changed[inside] ^= 0x20;
        assert!(refused(&a, &mut Cursor::new(changed)).contains("does not hold"));
        // Past the limit: not read into memory.
        let big = EntryLocation {
            size: MAX_ZIP_TAG_FILE + 1,
            ..b
        };
        assert!(refused(&big, &mut file).contains("not read into memory"));
    }

    #[test]
    fn compressible_data_round_trips() {
        // Long enough to take several reads of the inflater's buffer.
        let text: Vec<u8> = b"news bag archive ".repeat(20_000);
        let files = BTreeMap::from([
            ("data/a.txt".to_owned(), (text.clone(), false)),
            ("data/b.txt".to_owned(), (text.clone(), true)),
        ]);
        let got = read_back(write(&files));
        assert_eq!(got["data/a.txt"], text);
        assert_eq!(got["data/b.txt"], text);
    }

    /// Tag files are streamed beyond what is read whole (a manifest of a
    /// million files is), deflated or not, as long as the archive's number
    /// of entries allows, and the CRC finding is made at the end of the
    /// stream.
    #[test]
    fn entries_stream_past_the_whole_read_limit_with_their_findings() {
        let big = vec![b'x'; usize::try_from(MAX_ZIP_TAG_FILE).unwrap() + 10];
        let files = BTreeMap::from([
            ("a".to_owned(), (big.clone(), false)),
            ("b".to_owned(), (big.clone(), false)),
            ("c".to_owned(), (b"hello".to_vec(), false)),
        ]);
        let mut bytes = write(&files);
        let at = bytes.windows(5).position(|w| w == b"hello").unwrap();
        bytes[at] = b'j';
        let opened = open_zip(Cursor::new(bytes), Path::new("t.zip"), MAX_ZIP_ENTRIES).unwrap();
        // A four-entry archive streams no more than MAX_ZIP_TAG_FILE; one
        // of a million entries, 512 bytes each.
        let source = ZipSource::new(opened.archive.clone(), opened.entries.clone());
        assert!(source.open(&opened.inventory.files["a"]).is_err());
        let source = ZipSource::new(opened.archive, opened.entries).streaming_up_to(1 << 20);
        for name in ["a", "b"] {
            let file = &opened.inventory.files[name];
            assert!(source.read(file).is_err(), "{name} read whole");
            let mut n = 0u64;
            let mut r = source.open(file).unwrap();
            let mut buf = vec![0u8; 1 << 16];
            loop {
                let got = r.read(&mut buf).unwrap();
                if got == 0 {
                    break;
                }
                assert!(buf[..got].iter().all(|&b| b == b'x'));
                n += got as u64;
            }
            assert_eq!(n, big.len() as u64, "{name}");
        }
        let mut text = Vec::new();
        source
            .open(&opened.inventory.files["c"])
            .unwrap()
            .read_to_end(&mut text)
            .unwrap();
        assert_eq!(text, b"jello");
        let problems = source.into_problems();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(matches!(problems[0].kind, ProblemKind::BadCrc { .. }));
    }

    #[test]
    fn truncated_deflate_data_is_an_error_not_a_hang() {
        let text: Vec<u8> = b"0123456789".repeat(10_000);
        let files = BTreeMap::from([
            ("a".to_owned(), (Vec::new(), false)),
            ("b".to_owned(), (text, false)),
        ]);
        let mut bytes = write(&files);
        // Cut the deflate stream of `bag/b` short by zeroing its end (the
        // sizes in the headers stay as they are).
        let at = bytes
            .windows(4)
            .position(|w| w == [0x50, 0x4b, 0x01, 0x02])
            .unwrap();
        for b in &mut bytes[at - 20..at] {
            *b = 0xFF;
        }
        let opened = open_zip(Cursor::new(bytes), Path::new("t.zip"), MAX_ZIP_ENTRIES).unwrap();
        let id = opened.entries[opened.inventory.files["b"].id];
        match read_tag_entry(&opened.archive, id) {
            Err(_) => {}
            Ok((_, finding)) => assert!(finding.is_some()),
        }
    }

    #[test]
    fn code_page_437_names_are_decoded_and_do_not_overlap() {
        let files = BTreeMap::from([
            (
                "data/caf\u{1}\u{1}.txt".to_owned(),
                (b"one".to_vec(), false),
            ),
            ("data/z.txt".to_owned(), (b"two".to_vec(), false)),
        ]);
        let mut bytes = write(&files);
        // Not UTF-8 and not flagged as such: IBM code page 437 (0x82 is
        // `é`), in the local and central headers alike.
        for i in 0..bytes.len() - 1 {
            if bytes[i..i + 2] == [1, 1] {
                bytes[i] = 0x82;
                bytes[i + 1] = 0x82;
            }
        }
        let got = read_back(bytes);
        assert_eq!(got["data/caf\u{e9}\u{e9}.txt"], b"one");
        assert_eq!(got["data/z.txt"], b"two");
    }

    #[test]
    fn overlapping_entries_are_a_finding() {
        let files = BTreeMap::from([("a".to_owned(), (b"hello".to_vec(), false))]);
        let mut bytes = write(&files);
        // A second central record for the same local header, under another
        // name: copy the last central record, rename it, fix the end record.
        let n = bytes.len();
        let cd_size = u32::from_le_bytes(bytes[n - 10..n - 6].try_into().unwrap()) as usize;
        let cd_start = u32::from_le_bytes(bytes[n - 6..n - 2].try_into().unwrap()) as usize;
        let last = bytes[cd_start..cd_start + cd_size]
            .windows(4)
            .rposition(|w| w == [0x50, 0x4b, 0x01, 0x02])
            .unwrap();
        let mut twin = bytes[cd_start + last..cd_start + cd_size].to_vec();
        let name_at = 46;
        assert_eq!(&twin[name_at..name_at + 5], b"bag/a");
        twin[name_at + 4] = b'z';
        let mut eocd = bytes[n - 22..].to_vec();
        bytes.truncate(cd_start + cd_size);
        bytes.extend_from_slice(&twin);
        let count = u16::from_le_bytes([eocd[10], eocd[11]]) + 1;
        eocd[8..10].copy_from_slice(&count.to_le_bytes());
        eocd[10..12].copy_from_slice(&count.to_le_bytes());
        let size = u32::try_from(cd_size + twin.len()).unwrap();
        eocd[12..16].copy_from_slice(&size.to_le_bytes());
        bytes.extend_from_slice(&eocd);
        let opened = open_zip(Cursor::new(bytes), Path::new("t.zip"), MAX_ZIP_ENTRIES).unwrap();
        assert!(opened.overlapping);
        assert!(opened.inventory.problems.iter().any(|p| matches!(
            &p.kind,
            ProblemKind::ArchiveLayout { reason } if reason.contains("overlap")
        )));
    }

    /// The rules one at a time, as they were written first: the one-pass
    /// [`unsafe_entry_name_reason`] must give the same reason for any name.
    fn unsafe_entry_name_reason_by_rules(name: &str) -> Option<&'static str> {
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

    proptest::proptest! {
        #[test]
        fn name_rules_in_one_pass_give_the_same_reasons(
            name in "(([a-z.:/\\\\]|\\.\\.|//|\\x00|\\x1f|\\x7f|\\u{80}|\\u{9f}|\\u{a0}|\\u{85}|é|ک){0,12})"
        ) {
            proptest::prop_assert_eq!(
                unsafe_entry_name_reason(&name),
                unsafe_entry_name_reason_by_rules(&name),
                "{:?}", name
            );
        }
    }
}
