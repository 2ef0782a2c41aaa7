//! One pass over an archive's central directory, in bounded memory.
//!
//! [`scan_zip`] reads the central directory record by record. What needs
//! the whole archive is kept small as it goes: the top-level directories
//! (a few names), the entries outside them (a count and the first few),
//! and the byte ranges of the entries, to find overlaps (sorted in memory,
//! or in sorted runs on disk past the threshold). Up to the threshold the
//! records are kept in memory and listed as before ([`OpenedZip`]); beyond
//! it, every record (name, sizes, CRC, method, local header offset) goes to
//! a temporary file, keyed by [`part_key`] of its path inside the bag, and
//! the archive is listed and verified a part at a time ([`SpilledZip`]),
//! the way a bag directory of more files than the threshold is.
//!
//! The listing of a part is the listing of a whole archive
//! ([`list`]), so every finding is the same: a name appears in exactly one
//! part, and names that are equal, or equal after NFC and case folding,
//! meet in one part.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, Write};
use std::path::Path;
use std::sync::Arc;

use super::central::{
    CentralDirectory, CentralError, LOCAL_LEN, NAME_BYTES_PER_ENTRY, Record, Records,
};
use super::{Archive, ArchiveRead, EntryId, OpenedZip, method_name, unsafe_entry_name_reason};
use crate::error::{Error, Result};
use crate::report::{Problem, ProblemKind};
use crate::source::{FoundFile, Inventory, is_tag_to_read, part_key};
use crate::spill::{self, Spill, SpillWriter};

/// What [`scan_zip`] made of an archive.
pub(crate) enum Scanned<R> {
    /// Up to the threshold: listed whole, in memory.
    Whole(OpenedZip<R>),
    /// Beyond it: every record in a temporary file, to be listed in parts.
    Spilled(SpilledZip<R>),
}

/// An archive of more records (or longer names) than the threshold: its
/// records are in a temporary file, and [`SpilledZip::part`] lists the
/// records of one part at a time.
pub(crate) struct SpilledZip<R> {
    reader: R,
    /// Where the central directory starts.
    start: u64,
    /// Every record, in directory order (name, [`Record`] bytes, key),
    /// until [`SpilledZip::distribute`] has split it into parts.
    spill: Option<Spill>,
    /// Each part's records, once [`SpilledZip::distribute`] has run.
    parts: Vec<Spill>,
    /// Number of records, and bytes of their names.
    records: u64,
    name_bytes: u64,
    /// The seed of [`part_key`] for this archive.
    pub(crate) seed: u64,
    /// The single top-level directory (the bag's name), if one was found.
    pub(crate) top: Option<String>,
    /// Whether entries overlap: such archives are never hashed.
    pub(crate) overlapping: bool,
    /// Findings about the archive as a whole (overlaps, top-level
    /// directories, entries outside them).
    pub(crate) problems: Vec<Problem>,
}

/// Opens the archive in `reader` (named `path` in messages) and lists it
/// from the central directory alone: nothing is decompressed.
///
/// `Err` if it is not a ZIP archive at all (no end of central directory,
/// truncated, corrupt central directory) or has more than `max_entries`
/// entries, or names adding up to more than [`NAME_BYTES_PER_ENTRY`] a
/// entry allowed (everything is held in memory); any defect of the bag
/// inside is a problem in the inventory.
pub(crate) fn open_zip<R: ArchiveRead>(
    reader: R,
    path: &Path,
    max_entries: u64,
) -> Result<OpenedZip<R>> {
    let mut opened = list_zip(reader, path, max_entries)?;
    // A map of the files, for extraction.
    for &pos in &opened.files {
        let e = opened.archive.entry(opened.entries[pos as usize]);
        let found = FoundFile {
            size: e.size,
            id: pos as usize,
        };
        opened.inventory.files.insert(e.rel.to_owned(), found);
    }
    Ok(opened)
}

/// Opens the archive in `reader` as [`open_zip`] does, without the map of
/// its files by path (`inventory.files` stays empty): for readers that find
/// entries by binary search in `files`, at about half the memory.
pub(crate) fn list_zip<R: ArchiveRead>(
    reader: R,
    path: &Path,
    max_entries: u64,
) -> Result<OpenedZip<R>> {
    match scan(reader, path, max_entries, None)? {
        Scanned::Whole(opened) => Ok(opened),
        Scanned::Spilled(_) => Err(Error::Zip {
            path: path.to_owned(),
            reason: "archive too large to list in memory".into(),
        }),
    }
}

/// Opens the archive in `reader` as [`open_zip`] does when it has at most
/// `threshold` entries and names of at most [`NAME_BYTES_PER_ENTRY`] bytes
/// an entry on average; beyond, its records are spilled to a temporary
/// file (memory then no longer depends on the number of entries).
pub(crate) fn scan_zip<R: ArchiveRead>(
    reader: R,
    path: &Path,
    max_entries: u64,
    threshold: usize,
) -> Result<Scanned<R>> {
    scan(reader, path, max_entries, Some(threshold.max(1)))
}

fn temp_error(e: io::Error) -> Error {
    Error::io("write a temporary file in", std::env::temp_dir(), e)
}

/// A seed for [`part_key`] that an archive's author cannot know, so that
/// no archive can be made to put all its entries in one part.
fn random_seed() -> u64 {
    use std::hash::BuildHasher;
    std::hash::RandomState::new().hash_one(0x006e_6577_7362_6167_u64)
}

/// The path that decides a record's part: the name after its first `/`
/// (the path inside the bag, for the bag's top-level directory, and the
/// same for names that are equal), or the whole name.
fn part_path(name: &str) -> &str {
    name.split_once('/').map_or(name, |(_, rest)| rest)
}

fn scan<R: ArchiveRead>(
    mut reader: R,
    path: &Path,
    max_entries: u64,
    threshold: Option<usize>,
) -> Result<Scanned<R>> {
    let zip_err = |e| super::zip_err(path, e, max_entries);
    let mut records = Records::open(&mut reader, max_entries).map_err(zip_err)?;
    let start = records.start();
    let claimed = usize::try_from(records.claimed()).unwrap_or(usize::MAX);
    // Past these, records are spilled (with a threshold) or refused
    // (without: names only, as the number of records is `max_entries`).
    let (max_records, max_names) = match threshold {
        Some(t) => (t, (t as u64).saturating_mul(NAME_BYTES_PER_ENTRY)),
        None => {
            if records.size() > u64::from(u32::MAX) / 3 {
                // Names are stored decoded (code page 437 takes up to 3
                // bytes a character) and indexed with 32 bits.
                return Err(zip_err(CentralError::Invalid(
                    "central directory larger than 1 GiB".into(),
                )));
            }
            (usize::MAX, max_entries.saturating_mul(NAME_BYTES_PER_ENTRY))
        }
    };
    let mut cd = CentralDirectory::new(start);
    let mut layout = Layout::new(max_records, claimed);
    let mut spilled: Option<SpillWriter> = None;
    let seed = if threshold.is_some() {
        random_seed()
    } else {
        0
    };
    let (mut count, mut name_bytes) = (0u64, 0u64);
    let mut name = String::new();
    while let Some(record) = records.next(&mut name).map_err(zip_err)? {
        count += 1;
        name_bytes += name.len() as u64;
        let named = if record.name_is_invalid() {
            Err(name.as_str())
        } else {
            Ok(name.as_str())
        };
        layout.add(named, &record).map_err(temp_error)?;
        if spilled.is_none() && (count > max_records as u64 || name_bytes > max_names) {
            if threshold.is_none() {
                return Err(zip_err(CentralError::NamesTooLong(name_bytes)));
            }
            // Past the threshold: the records so far, then every other,
            // go to a temporary file.
            let mut w = SpillWriter::new().map_err(temp_error)?;
            for i in 0..cd.len() {
                let n = match cd.name(i) {
                    Ok(n) | Err(n) => n,
                };
                spill_record(&mut w, cd.record(i), n, seed).map_err(temp_error)?;
            }
            cd = CentralDirectory::new(start);
            spilled = Some(w);
        }
        match &mut spilled {
            Some(w) => spill_record(w, &record, &name, seed).map_err(temp_error)?,
            None => {
                if cd.len() == 0 {
                    // The names take at most what the records leave of the
                    // directory (untouched capacity costs no memory).
                    let names = records.size() - records.claimed() * 46;
                    cd.reserve(claimed.min(max_records), names.min(max_names));
                }
                cd.push(record, &name).map_err(|e| Error::Zip {
                    path: path.to_owned(),
                    reason: e.to_string(),
                })?;
            }
        }
    }
    drop(records);
    let mut problems = Vec::new();
    let (top, overlapping) = layout.finish(start, &mut problems).map_err(temp_error)?;
    match spilled {
        None => {
            cd.shrink_to_fit();
            Ok(Scanned::Whole(list(reader, cd, top, problems, overlapping)))
        }
        Some(w) => Ok(Scanned::Spilled(SpilledZip {
            reader,
            start,
            spill: Some(w.finish().map_err(temp_error)?),
            parts: Vec::new(),
            records: count,
            name_bytes,
            seed,
            top,
            overlapping,
            problems,
        })),
    }
}

fn spill_record(w: &mut SpillWriter, record: &Record, name: &str, seed: u64) -> io::Result<()> {
    let key = part_key(part_path(name), seed);
    w.push_with(name, record.size, key, None, &record.to_bytes())
}

/// Why the record `record`, named `name` (`Err` if flagged UTF-8 but not),
/// is not an entry of the bag, if it is not: a name that is not UTF-8 or
/// not safe, a link, a special file.
fn record_problem(name: std::result::Result<&str, &str>, record: &Record) -> Option<Problem> {
    let name = match name {
        Ok(name) => name,
        Err(lossy) => {
            return Some(Problem::error(
                None,
                ProblemKind::UnsafeEntryName {
                    name: lossy.to_owned(),
                    reason: "not valid UTF-8".into(),
                },
            ));
        }
    };
    if let Some(reason) = unsafe_entry_name_reason(name) {
        return Some(Problem::error(
            None,
            ProblemKind::UnsafeEntryName {
                name: name.to_owned(),
                reason: reason.into(),
            },
        ));
    }
    let is_dir = name.ends_with('/');
    let file_type = record.unix_mode().map_or(0, |m| m & 0o170_000);
    if file_type == 0o120_000 {
        return Some(Problem::error(
            Some(name),
            ProblemKind::SpecialFile {
                path: name.to_owned(),
                file_type: "symbolic link entry".into(),
            },
        ));
    }
    let expected_type = if is_dir { 0o040_000 } else { 0o100_000 };
    if file_type != 0 && file_type != expected_type {
        return Some(Problem::error(
            Some(name),
            ProblemKind::SpecialFile {
                path: name.to_owned(),
                file_type: format!("entry of Unix file type {file_type:o}"),
            },
        ));
    }
    None
}

fn layout_problem(reason: String) -> Problem {
    Problem::error(None, ProblemKind::ArchiveLayout { reason })
}

/// Distinct top-level directories kept by name: past either limit only the
/// few first in order are kept (and the count is given as "at least").
const MAX_TOPS: usize = 1000;
const MAX_TOP_BYTES: usize = 1 << 20;
/// Top-level directories named in a message.
const TOPS_SHOWN: usize = 5;

/// What the pass over the central directory learns of the archive as a
/// whole, in bounded memory.
struct Layout {
    /// Distinct top-level directories (all of them, or, past the limits,
    /// the first few in order).
    tops: BTreeSet<String>,
    top_bytes: usize,
    /// How many there were when the limits were passed.
    tops_overflowed: Option<usize>,
    /// The first top-level directory (in order) holding a `bagit.txt`.
    bag_like: Option<String>,
    /// Entries outside any directory: how many, and the first few.
    loose: u64,
    loose_first: Vec<String>,
    ranges: Ranges,
}

impl Layout {
    fn new(run_len: usize, claimed: usize) -> Self {
        Layout {
            tops: BTreeSet::new(),
            top_bytes: 0,
            tops_overflowed: None,
            bag_like: None,
            loose: 0,
            loose_first: Vec::new(),
            ranges: Ranges::new(run_len, claimed),
        }
    }

    fn add(&mut self, name: std::result::Result<&str, &str>, record: &Record) -> io::Result<()> {
        let Ok(name) = name else {
            return Ok(());
        };
        // An entry's local header and data take at least 30 + name +
        // compressed bytes.
        let end = record
            .header_offset
            .saturating_add(LOCAL_LEN)
            .saturating_add(record.raw_name_len(name) as u64)
            .saturating_add(record.compressed_size);
        self.ranges.push((record.header_offset, end))?;
        if record_problem(Ok(name), record).is_some() {
            return Ok(());
        }
        match name.split_once('/') {
            Some((top, rest)) => {
                if rest == "bagit.txt" && self.bag_like.as_deref().is_none_or(|b| top < b) {
                    self.bag_like = Some(top.to_owned());
                }
                if !self.tops.contains(top) {
                    self.tops.insert(top.to_owned());
                    self.top_bytes += top.len();
                    if self.tops_overflowed.is_none()
                        && (self.tops.len() > MAX_TOPS || self.top_bytes > MAX_TOP_BYTES)
                    {
                        self.tops_overflowed = Some(self.tops.len());
                    }
                    if self.tops_overflowed.is_some() {
                        while self.tops.len() > TOPS_SHOWN + 1 {
                            self.tops.pop_last();
                        }
                    }
                }
            }
            None => {
                self.loose += 1;
                if self.loose_first.len() < TOPS_SHOWN {
                    self.loose_first.push(name.to_owned());
                }
            }
        }
        Ok(())
    }

    /// The findings about the whole archive, and the top-level directory
    /// to verify and whether entries overlap.
    fn finish(
        self,
        cd_start: u64,
        problems: &mut Vec<Problem>,
    ) -> io::Result<(Option<String>, bool)> {
        let overlapping = self.ranges.overlapping(cd_start)?;
        if overlapping > 0 {
            problems.push(layout_problem(format!(
                "{overlapping} entries overlap another entry or the central directory \
                 (a ZIP bomb or a damaged archive); entries are not hashed"
            )));
        }
        if self.loose > 0 {
            let first: Vec<&str> = self.loose_first.iter().map(String::as_str).collect();
            problems.push(layout_problem(format!(
                "{} entr{} outside the top-level directory: {}",
                self.loose,
                if self.loose == 1 { "y is" } else { "ies are" },
                quote_first(&first, self.loose)
            )));
        }
        let tops = &self.tops;
        let top = match (tops.len(), self.tops_overflowed) {
            (0, _) => {
                problems.push(layout_problem("it holds no top-level directory".into()));
                None
            }
            (1, None) => tops.first().cloned(),
            (n, overflowed) => {
                let shown: Vec<&str> = tops.iter().map(String::as_str).take(TOPS_SHOWN).collect();
                let what = match overflowed {
                    None => format!(
                        "{n} top-level directories ({})",
                        quote_first(&shown, n as u64)
                    ),
                    Some(at_least) => format!(
                        "at least {at_least} top-level directories ({} and more)",
                        quote_first(&shown, shown.len() as u64)
                    ),
                };
                problems.push(layout_problem(format!("{what}, expected exactly one")));
                // Verify the first that looks like a bag, so its problems show.
                self.bag_like.clone().or_else(|| tops.first().cloned())
            }
        };
        Ok((top, overlapping > 0))
    }
}

/// `first` (at most [`TOPS_SHOWN`]) quoted, and how many more of `total`.
fn quote_first(first: &[&str], total: u64) -> String {
    let mut s = first
        .iter()
        .take(TOPS_SHOWN)
        .map(|t| format!("`{}`", t.escape_debug()))
        .collect::<Vec<_>>()
        .join(", ");
    if total > TOPS_SHOWN as u64 {
        s.push_str(&format!(" and {} more", total - TOPS_SHOWN as u64));
    }
    s
}

/// The byte ranges entries take, to count the ones that overlap the next
/// in order: sorted in memory up to `run_len`, beyond in sorted runs in
/// temporary files, merged at the end.
struct Ranges {
    mem: Vec<(u64, u64)>,
    run_len: usize,
    runs: Vec<File>,
}

impl Ranges {
    fn new(run_len: usize, claimed: usize) -> Self {
        Ranges {
            mem: Vec::with_capacity(run_len.min(claimed)),
            run_len: run_len.max(1),
            runs: Vec::new(),
        }
    }

    fn push(&mut self, range: (u64, u64)) -> io::Result<()> {
        self.mem.push(range);
        if self.mem.len() >= self.run_len {
            self.write_run()?;
        }
        Ok(())
    }

    fn write_run(&mut self) -> io::Result<()> {
        self.mem.sort_unstable();
        let mut out = BufWriter::with_capacity(64 * 1024, tempfile::tempfile()?);
        for (a, b) in &self.mem {
            out.write_all(&a.to_le_bytes())?;
            out.write_all(&b.to_le_bytes())?;
        }
        let mut file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.rewind()?;
        self.runs.push(file);
        self.mem.clear();
        Ok(())
    }

    /// How many ranges start before the one before them (in order) ends,
    /// plus one if the last runs into the central directory.
    fn overlapping(mut self, cd_start: u64) -> io::Result<usize> {
        let mut count = 0;
        let mut last: Option<(u64, u64)> = None;
        let mut next = |r: (u64, u64)| {
            if last.is_some_and(|l| r.0 < l.1) {
                count += 1;
            }
            last = Some(r);
        };
        if self.runs.is_empty() {
            self.mem.sort_unstable();
            self.mem.iter().for_each(|r| next(*r));
        } else {
            if !self.mem.is_empty() {
                self.write_run()?;
            }
            let mut runs: Vec<BufReader<File>> = self
                .runs
                .into_iter()
                .map(|f| BufReader::with_capacity(16 * 1024, f))
                .collect();
            let mut heap = BinaryHeap::new();
            for (i, run) in runs.iter_mut().enumerate() {
                if let Some(r) = read_range(run)? {
                    heap.push(Reverse((r, i)));
                }
            }
            while let Some(Reverse((r, i))) = heap.pop() {
                next(r);
                if let Some(r) = read_range(&mut runs[i])? {
                    heap.push(Reverse((r, i)));
                }
            }
        }
        if last.is_some_and(|l| l.1 > cd_start) {
            count += 1;
        }
        Ok(count)
    }
}

fn read_range(r: &mut impl Read) -> io::Result<Option<(u64, u64)>> {
    let mut b = [0u8; 16];
    match r.read_exact(&mut b) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let (x, y) = b.split_at(8);
    let u = |s: &[u8]| u64::from_le_bytes(s.try_into().unwrap_or([0; 8]));
    Ok(Some((u(x), u(y))))
}

/// Lists the records of `cd` (a whole archive, or the records of one part)
/// as the bag in `top`: names that appear twice, each record's own
/// problems, then `layout` (the archive's findings), then each entry's.
/// The files are listed in [`OpenedZip::files`], not in the inventory's
/// map (which the caller fills if it needs it).
fn list<R>(
    reader: R,
    cd: CentralDirectory,
    top: Option<String>,
    layout: Vec<Problem>,
    overlapping: bool,
) -> OpenedZip<R> {
    let mut problems = Vec::new();
    // Duplicate names (only one could be extracted), found by sorting
    // indices rather than copying names.
    let name_of = |i: u32| match cd.name(i as usize) {
        Ok(n) | Err(n) => n,
    };
    let mut by_name: Vec<u32> = (0..cd.len())
        .filter_map(|i| u32::try_from(i).ok())
        .collect();
    by_name.sort_unstable_by(|&a, &b| name_of(a).cmp(name_of(b)));
    if by_name.windows(2).any(|w| name_of(w[0]) == name_of(w[1])) {
        problems.push(layout_problem(
            "two entries have the same name (only one could be extracted)".into(),
        ));
    }
    drop(by_name);

    // Names and types; `named` keeps the indices of entries that passed.
    let mut named: Vec<u32> = Vec::with_capacity(cd.len());
    for (index, record) in cd.records().iter().enumerate() {
        match record_problem(cd.name(index), record) {
            Some(p) => problems.push(p),
            None => named.extend(u32::try_from(index).ok()),
        }
    }
    problems.extend(layout);

    let name_at = |i: u32| cd.name(i as usize).unwrap_or("");
    let mut inventory = Inventory::default();
    let mut entries = Vec::new();
    let mut dirs = Vec::new();
    let prefix = top.as_ref().map_or(0, |t| t.len() + 1);
    if let Some(top) = &top {
        for &i in &named {
            let index = i as usize;
            let name = name_at(i);
            let Some(rel) = name
                .strip_prefix(top.as_str())
                .and_then(|r| r.strip_prefix('/'))
            else {
                continue;
            };
            let is_dir = rel.ends_with('/');
            let rel = rel.strip_suffix('/').unwrap_or(rel);
            if rel.is_empty() {
                continue;
            }
            // An entry named `data` that is a file is not the payload
            // directory (as in a directory bag).
            if (is_dir && rel == "data") || rel.starts_with("data/") {
                inventory.has_payload_dir = true;
            }
            if is_dir {
                dirs.push(EntryId(i));
                continue;
            }
            let record = cd.record(index);
            if let Some(reason) = unsupported(record) {
                problems.push(Problem::error(
                    Some(rel),
                    ProblemKind::UnsupportedEntry {
                        path: rel.to_owned(),
                        reason,
                    },
                ));
                continue;
            }
            entries.push(EntryId(i));
        }
    }
    drop(named);
    // The files sorted by path (stable: in directory order among equal
    // paths), the last entry of a path standing for it.
    let rel_of = |pos: &u32| {
        name_at(entries[*pos as usize].0)
            .get(prefix..)
            .unwrap_or("")
    };
    let mut by_path: Vec<u32> = (0..entries.len())
        .filter_map(|i| u32::try_from(i).ok())
        .collect();
    by_path.sort_by(|a, b| rel_of(a).cmp(rel_of(b)));
    let mut files = Vec::with_capacity(by_path.len());
    for same in by_path.chunk_by(|a, b| rel_of(a) == rel_of(b)) {
        if same.len() > 1 {
            problems.push(layout_problem(format!(
                "`{}` appears twice",
                rel_of(&same[0])
            )));
        }
        files.extend(same.last().copied());
    }
    drop(by_path);
    entries.shrink_to_fit();
    dirs.shrink_to_fit();
    inventory.problems = problems;
    OpenedZip {
        archive: Archive {
            reader,
            cd: Arc::new(cd),
            prefix,
            inflate: None,
        },
        top,
        entries,
        files,
        dirs,
        inventory,
        overlapping,
    }
}

/// Why an entry's data cannot be read, if it cannot.
fn unsupported(record: &Record) -> Option<String> {
    if record.encrypted() {
        Some("encrypted".into())
    } else if record.method != 0 && record.method != 8 {
        Some(format!(
            "compression method {} (newsbag reads stored and deflate)",
            method_name(record.method)
        ))
    } else {
        None
    }
}

/// The record a spilled record holds.
fn read_record(rec: &spill::Record) -> io::Result<Record> {
    Record::from_bytes(&rec.extra)
        .ok_or_else(|| io::Error::other("damaged temporary file (a record of the wrong size)"))
}

/// What [`SpilledZip::distribute`] finds besides the parts.
pub(crate) struct Tags<R> {
    /// The top-level tag files verification reads whole (bagit.txt,
    /// bag-info.txt, manifests, fetch.txt), listed as an archive of their
    /// own: `inventory.files` ids are into `entries`.
    pub(crate) opened: OpenedZip<R>,
    /// Payload files and bytes, for progress (entries that appear twice
    /// are counted twice).
    pub(crate) payload: (u64, u64),
}

impl<R: ArchiveRead> SpilledZip<R> {
    /// How many parts of at most about `threshold` records and
    /// [`NAME_BYTES_PER_ENTRY`] bytes of names a record verification
    /// takes.
    pub(crate) fn part_count(&self, threshold: usize) -> usize {
        let t = threshold.max(1) as u64;
        let by_records = self.records.div_ceil(t);
        let by_names = self
            .name_bytes
            .div_ceil(t.saturating_mul(NAME_BYTES_PER_ENTRY));
        usize::try_from(by_records.max(by_names).max(1)).unwrap_or(usize::MAX)
    }

    /// The number of records of the central directory.
    pub(crate) fn record_count(&self) -> u64 {
        self.records
    }

    /// Writes each record to the temporary file of its part (of `k`), in
    /// directory order, and lists the bag's top-level tag files.
    pub(crate) fn distribute(&mut self, k: usize) -> io::Result<Tags<R>> {
        let capacity = ((8 << 20) / k.max(1)).clamp(8 * 1024, 256 * 1024);
        let mut writers = (0..k)
            .map(|_| SpillWriter::with_capacity(capacity))
            .collect::<io::Result<Vec<_>>>()?;
        let mut tags = CentralDirectory::new(self.start);
        let mut tag_files: BTreeMap<String, FoundFile> = BTreeMap::new();
        let mut entries = Vec::new();
        let mut payload = (0u64, 0u64);
        let top_slash = self.top.as_ref().map(|t| format!("{t}/"));
        // The file is removed (its space freed) once split.
        let whole = self
            .spill
            .take()
            .ok_or_else(|| io::Error::other("the archive's records were already split"))?;
        let mut reader = whole.reader()?;
        let mut rec = spill::Record::default();
        while reader.next_into(&mut rec)? {
            let record = read_record(&rec)?;
            let part = usize::try_from(rec.key % k as u64).unwrap_or(0);
            writers[part].push_with(&rec.name, rec.size, rec.key, None, &rec.extra)?;
            let Some(rel) = top_slash.as_deref().and_then(|t| rec.name.strip_prefix(t)) else {
                continue;
            };
            if rel.is_empty()
                || rel.ends_with('/')
                || record.name_is_invalid()
                || record_problem(Ok(&rec.name), &record).is_some()
                || unsupported(&record).is_some()
            {
                continue;
            }
            if rel.starts_with("data/") {
                payload.0 += 1;
                payload.1 = payload.1.saturating_add(record.size);
            }
            if is_tag_to_read(rel) {
                let id = entries.len();
                entries.push(EntryId(
                    u32::try_from(tags.len()).map_err(io::Error::other)?,
                ));
                tag_files.insert(
                    rel.to_owned(),
                    FoundFile {
                        size: record.size,
                        id,
                    },
                );
                tags.push(record, &rec.name)?;
            }
        }
        self.parts = writers
            .into_iter()
            .map(SpillWriter::finish)
            .collect::<io::Result<Vec<_>>>()?;
        let prefix = top_slash.as_ref().map_or(0, String::len);
        let opened = OpenedZip {
            archive: Archive {
                reader: self.reader.clone(),
                cd: Arc::new(tags),
                prefix,
                inflate: None,
            },
            top: self.top.clone(),
            files: Vec::new(),
            entries,
            dirs: Vec::new(),
            inventory: Inventory {
                files: tag_files,
                has_payload_dir: false,
                problems: Vec::new(),
            },
            overlapping: self.overlapping,
        };
        Ok(Tags { opened, payload })
    }

    /// The records of part `p` (after [`SpilledZip::distribute`]), listed
    /// as [`open_zip`] lists a whole archive but without the findings
    /// about the whole (in [`SpilledZip::problems`]).
    pub(crate) fn part(&self, p: usize) -> io::Result<OpenedZip<R>> {
        let mut cd = CentralDirectory::new(self.start);
        if let Some(spill) = self.parts.get(p) {
            let mut reader = spill.reader()?;
            let mut rec = spill::Record::default();
            while reader.next_into(&mut rec)? {
                cd.push(read_record(&rec)?, &rec.name)?;
            }
        }
        cd.shrink_to_fit();
        Ok(list(
            self.reader.clone(),
            cd,
            self.top.clone(),
            Vec::new(),
            self.overlapping,
        ))
    }
}
