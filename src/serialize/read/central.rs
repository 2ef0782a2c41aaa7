//! A lean reader of ZIP central directories and local headers (APPNOTE
//! 6.3.10 §4.3), for reading zipped bags in bounded memory.
//!
//! Each central-directory record becomes a [`Record`] of 48 bytes, and
//! every entry name goes into one shared buffer: about 50 bytes plus the
//! name per entry, against about 840 for the zip crate's parsed archive.
//! The directory is streamed, never read whole, and everything is checked
//! on the way: the end record found unambiguously (a comment may hold a
//! fake one), ZIP64 records consistent with the classic ones, the directory
//! exactly where and as long as the end record says, the entry count
//! matching the records present, ZIP64 extra fields present where a field
//! is saturated. Anything else (names, overlaps, methods, encryption) is a
//! finding about the bag, made by the caller from the records.
//!
//! Entries are read by [`LocalHeader::read`], which checks that the local
//! header agrees with the central record before any data is trusted.
//!
//! The zip crate is still used to *write* archives.

use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};

pub(crate) const LOCAL_SIG: u32 = 0x0403_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const EOCD_SIG: u32 = 0x0605_4b50;
const EOCD64_LOCATOR_SIG: u32 = 0x0706_4b50;
const EOCD64_SIG: u32 = 0x0606_4b50;
/// The digital signature record that may follow the last central header.
const SIGNATURE_SIG: u32 = 0x0505_4b50;

const EOCD_LEN: u64 = 22;
const EOCD64_LOCATOR_LEN: u64 = 20;
const EOCD64_LEN: u64 = 56;
const CENTRAL_LEN: u64 = 46;
/// The fixed part of a local header.
pub(crate) const LOCAL_LEN: u64 = 30;
const MAX_COMMENT: u64 = 0xFFFF;

/// General-purpose flag bits.
pub(crate) const FLAG_ENCRYPTED: u16 = 1;
const FLAG_DATA_DESCRIPTOR: u16 = 1 << 3;
const FLAG_UTF8: u16 = 1 << 11;

/// Why an archive's central directory cannot be read.
#[derive(Debug)]
pub(crate) enum CentralError {
    /// Reading failed.
    Io(io::Error),
    /// Not a ZIP archive, or a damaged or ambiguous one.
    Invalid(String),
    /// More entries than the caller accepts (nothing was allocated for
    /// them).
    TooManyEntries(u64),
    /// Entry names adding up to more than the caller accepts (the given
    /// number of bytes so far).
    NamesTooLong(u64),
}

/// Names held in memory may add up to this many bytes per entry: when an
/// archive is listed whole in memory (extraction), per entry allowed (16 MB
/// at extraction's default limit of 250,000 entries, 160 bytes a name for
/// a bag of 100,000 files), and per entry of the threshold when it is
/// verified (beyond, it is verified in parts, each with about this much).
pub(crate) const NAME_BYTES_PER_ENTRY: u64 = 64;

impl From<io::Error> for CentralError {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            CentralError::Invalid("truncated central directory".into())
        } else {
            CentralError::Io(e)
        }
    }
}

fn invalid<T>(msg: impl Into<String>) -> Result<T, CentralError> {
    Err(CentralError::Invalid(msg.into()))
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(x)
}

/// One central-directory record, without its name (kept in the
/// directory's shared buffer), extra fields or comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Record {
    /// Offset of the local header.
    pub(crate) header_offset: u64,
    /// Compressed size (ZIP64 resolved).
    pub(crate) compressed_size: u64,
    /// Uncompressed size (ZIP64 resolved).
    pub(crate) size: u64,
    name_start: u32,
    name_len: u32,
    name_kind: NameKind,
    /// General-purpose flags.
    pub(crate) flags: u16,
    /// CRC-32 of the uncompressed data.
    pub(crate) crc32: u32,
    /// Compression method (0 stored, 8 deflate).
    pub(crate) method: u16,
    /// Version made by (the high byte is the host system).
    pub(crate) version_made_by: u16,
    /// External attributes (Unix mode in the high 16 bits).
    pub(crate) external_attributes: u32,
}

impl Record {
    /// Whether the entry's name is stored as the UTF-8 it is read as (so
    /// that a local header can be compared with it byte for byte).
    pub(crate) fn utf8_name(&self) -> bool {
        self.name_kind == NameKind::Utf8
    }

    /// Whether the entry is encrypted.
    pub(crate) fn encrypted(&self) -> bool {
        self.flags & FLAG_ENCRYPTED != 0
    }

    /// The Unix mode, as the zip crate derives it: the high 16 bits of the
    /// external attributes, except for archives made on DOS, where only
    /// the DOS directory bit counts.
    pub(crate) fn unix_mode(&self) -> Option<u32> {
        let ext = self.external_attributes;
        if ext == 0 {
            return None;
        }
        let host = self.version_made_by >> 8;
        if host == 0 {
            Some(if ext & 0x10 != 0 {
                0o040_775
            } else {
                0o100_664
            })
        } else if ext >> 16 != 0 {
            Some(ext >> 16)
        } else {
            None
        }
    }
}

/// How an entry's name was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NameKind {
    /// UTF-8 (flagged or not, as many writers forget the flag).
    Utf8,
    /// Not UTF-8 and not flagged: IBM code page 437, decoded.
    Cp437,
    /// Flagged UTF-8 but not: kept with replacement characters, for
    /// messages only.
    Invalid,
}

fn decode_cp437(raw: &[u8]) -> String {
    raw.iter().map(|&b| cp437(b)).collect()
}

/// The central directory of an archive: one [`Record`] per entry, in
/// directory order, and every name in one buffer.
#[derive(Debug, Default)]
pub(crate) struct CentralDirectory {
    records: Vec<Record>,
    /// Every name, decoded, one after the other.
    names: String,
    start: u64,
}

/// Where the end records say the central directory is.
#[derive(Debug)]
struct End {
    count: u64,
    size: u64,
    start: u64,
    /// Where the directory must end: the ZIP64 end record, or the classic
    /// one.
    end: u64,
    /// Whether the count is the classic 16-bit field (which some writers
    /// let wrap around past 65,535 entries).
    count_is_16_bit: bool,
}

/// Finds and checks the end-of-central-directory record, and the ZIP64 one
/// if there is a locator in front of it.
fn find_end<R: Read + Seek>(r: &mut R, len: u64) -> Result<End, CentralError> {
    if len < EOCD_LEN {
        return invalid("too short to be a ZIP archive (no end of central directory record)");
    }
    // The record is 22 bytes followed by a comment of at most 65,535: only
    // that much of the tail is searched.
    let tail_len = len.min(EOCD_LEN + MAX_COMMENT + EOCD64_LOCATOR_LEN);
    let tail_start = len - tail_len;
    let mut tail = vec![0u8; usize::try_from(tail_len).unwrap_or(0)];
    r.seek(SeekFrom::Start(tail_start))?;
    r.read_exact(&mut tail)?;
    // A candidate is only a record if its comment reaches exactly to the
    // end of the file; a signature inside a comment normally does not.
    let mut found = None;
    for i in (0..=tail.len() - 22).rev() {
        if u32_at(&tail, i) == EOCD_SIG
            && (i + 22 + usize::from(u16_at(&tail, i + 20))) == tail.len()
        {
            if found.is_some() {
                return invalid(
                    "two end of central directory records (one inside the archive comment): \
                     ambiguous archive",
                );
            }
            found = Some(i);
        }
    }
    let Some(at) = found else {
        return invalid("no end of central directory record (not a ZIP archive, or truncated)");
    };
    let e = &tail[at..at + 22];
    let eocd_pos = tail_start + at as u64;
    let (disk, cd_disk) = (u16_at(e, 4), u16_at(e, 6));
    let (disk_count, count) = (u16_at(e, 8), u16_at(e, 10));
    let (size, start) = (u32_at(e, 12), u32_at(e, 16));

    // The searched tail holds the 20 bytes before the longest comment, so
    // a locator is always inside it.
    let has_locator = at >= 20 && u32_at(&tail, at - 20) == EOCD64_LOCATOR_SIG;
    if !has_locator {
        if disk != 0 || cd_disk != 0 || disk_count != count {
            return invalid("split (multi-disk) archives are not supported");
        }
        return Ok(End {
            count: u64::from(count),
            size: u64::from(size),
            start: u64::from(start),
            end: eocd_pos,
            count_is_16_bit: true,
        });
    }
    let loc = &tail[at - 20..at];
    let (loc_disk, eocd64_pos, disks) = (u32_at(loc, 4), u64_at(loc, 8), u32_at(loc, 16));
    if loc_disk != 0 || disks > 1 {
        return invalid("split (multi-disk) archives are not supported");
    }
    let locator_pos = eocd_pos - EOCD64_LOCATOR_LEN;
    if eocd64_pos
        .checked_add(EOCD64_LEN)
        .is_none_or(|e| e > locator_pos)
    {
        return invalid("the ZIP64 end of central directory record lies outside the archive");
    }
    let mut rec = [0u8; 56]; // EOCD64_LEN
    r.seek(SeekFrom::Start(eocd64_pos))?;
    r.read_exact(&mut rec)?;
    if u32_at(&rec, 0) != EOCD64_SIG {
        return invalid("no ZIP64 end of central directory record where the locator points");
    }
    let rec_size = u64_at(&rec, 4);
    if rec_size < EOCD64_LEN - 12 || eocd64_pos.checked_add(12 + rec_size) != Some(locator_pos) {
        return invalid("the ZIP64 end of central directory record has a wrong size");
    }
    let (disk64, cd_disk64) = (u32_at(&rec, 16), u32_at(&rec, 20));
    let (disk_count64, count64) = (u64_at(&rec, 24), u64_at(&rec, 32));
    let (size64, start64) = (u64_at(&rec, 40), u64_at(&rec, 48));
    if disk64 != 0 || cd_disk64 != 0 || disk_count64 != count64 {
        return invalid("split (multi-disk) archives are not supported");
    }
    // A classic field that is not saturated must say what the ZIP64 one
    // says, or two readers could see two different archives.
    let agree = (count == 0xFFFF || u64::from(count) == count64)
        && (size == 0xFFFF_FFFF || u64::from(size) == size64)
        && (start == 0xFFFF_FFFF || u64::from(start) == start64);
    if !agree {
        return invalid("the end of central directory records (classic and ZIP64) disagree");
    }
    Ok(End {
        count: count64,
        size: size64,
        start: start64,
        end: eocd64_pos,
        count_is_16_bit: false,
    })
}

/// Resolves saturated sizes and offset from a ZIP64 extended information
/// extra field (id 1), whose values appear in this order and only for the
/// saturated fields.
fn apply_zip64(
    extra: &[u8],
    size: &mut u64,
    compressed: &mut u64,
    offset: Option<&mut u64>,
) -> Result<(), String> {
    let needs_size = *size == 0xFFFF_FFFF;
    let needs_compressed = *compressed == 0xFFFF_FFFF;
    let needs_offset = offset.as_ref().is_some_and(|o| **o == 0xFFFF_FFFF);
    if !(needs_size || needs_compressed || needs_offset) {
        return Ok(());
    }
    let mut rest = extra;
    while rest.len() >= 4 {
        let id = u16_at(rest, 0);
        let len = usize::from(u16_at(rest, 2));
        let Some(body) = rest.get(4..4 + len) else {
            break;
        };
        if id == 1 {
            let mut values = body.chunks_exact(8).map(|c| u64_at(c, 0));
            let mut take = |what: &str| {
                values
                    .next()
                    .ok_or_else(|| format!("the ZIP64 extra field lacks the {what}"))
            };
            if needs_size {
                *size = take("uncompressed size")?;
            }
            if needs_compressed {
                *compressed = take("compressed size")?;
            }
            if let Some(o) = offset.filter(|_| needs_offset) {
                *o = take("local header offset")?;
            }
            return Ok(());
        }
        rest = &rest[4 + len..];
    }
    Err("a saturated size or offset has no ZIP64 extra field".into())
}

/// The central directory's records, read one at a time in directory order
/// (nothing is held but the record being read): what [`CentralDirectory::read`]
/// collects, and what verification in parts streams to a temporary file.
pub(crate) struct Records<'a, R: Read + Seek> {
    cd: BufReader<io::Take<&'a mut R>>,
    end: End,
    max_entries: u64,
    consumed: u64,
    counted: u64,
    done: bool,
    raw_name: Vec<u8>,
    extra: Vec<u8>,
}

impl<'a, R: Read + Seek> Records<'a, R> {
    /// Finds and checks the end records of the archive in `r`, refusing a
    /// claim of more than `max_entries` entries (or more than the directory
    /// can hold) before anything is allocated for them.
    pub(crate) fn open(r: &'a mut R, max_entries: u64) -> Result<Self, CentralError> {
        let len = r.seek(SeekFrom::End(0))?;
        let end = find_end(r, len)?;
        if end.count > max_entries {
            return Err(CentralError::TooManyEntries(end.count));
        }
        if end.start.checked_add(end.size) != Some(end.end) {
            return invalid(format!(
                "the central directory ({} bytes at offset {}) does not end where the end \
                 record begins ({})",
                end.size, end.start, end.end
            ));
        }
        // Each record takes at least 46 bytes: a count the directory cannot
        // hold is refused here, whatever the limit.
        if end.count.saturating_mul(CENTRAL_LEN) > end.size {
            return invalid(format!(
                "{} entries claimed, but the central directory of {} bytes cannot hold them",
                end.count, end.size
            ));
        }
        r.seek(SeekFrom::Start(end.start))?;
        let size = end.size;
        Ok(Records {
            cd: BufReader::with_capacity(64 * 1024, r.take(size)),
            end,
            max_entries,
            consumed: 0,
            counted: 0,
            done: false,
            raw_name: Vec::new(),
            extra: Vec::new(),
        })
    }

    /// Where the central directory starts (entries' data must end before).
    pub(crate) fn start(&self) -> u64 {
        self.end.start
    }

    /// The central directory's size in bytes.
    pub(crate) fn size(&self) -> u64 {
        self.end.size
    }

    /// The number of entries the end record claims, at most what the
    /// directory can hold (a wrapped 16-bit count may claim fewer).
    pub(crate) fn claimed(&self) -> u64 {
        self.end.count.min(self.end.size / CENTRAL_LEN)
    }

    /// The next record, its decoded name in `name`; `None` after the last,
    /// once the directory's end has been checked (the count, and nothing
    /// but a signature record after the last header).
    pub(crate) fn next(&mut self, name: &mut String) -> Result<Option<Record>, CentralError> {
        if self.done {
            return Ok(None);
        }
        let (end, cd) = (&self.end, &mut self.cd);
        let counted = self.counted;
        let more = 'more: {
            if counted >= end.count && !(end.count_is_16_bit && self.consumed < end.size) {
                break 'more false;
            }
            if self.consumed == end.size {
                break 'more false;
            }
            let remaining = end.size - self.consumed;
            if remaining >= 4 && counted >= end.count {
                // Only a wrapped 16-bit count lets more records follow.
                let sig = cd.fill_buf()?;
                if sig.len() >= 4 && u32_at(sig, 0) != CENTRAL_SIG {
                    break 'more false;
                }
            }
            true
        };
        if !more {
            self.done = true;
            self.finish()?;
            return Ok(None);
        }
        let remaining = end.size - self.consumed;
        if remaining < CENTRAL_LEN {
            return invalid("truncated central directory record");
        }
        let mut fixed = [0u8; 46]; // CENTRAL_LEN
        cd.read_exact(&mut fixed)?;
        if u32_at(&fixed, 0) != CENTRAL_SIG {
            return invalid(format!(
                "entry {counted} of the central directory has no valid signature"
            ));
        }
        let name_len = u16_at(&fixed, 28);
        let extra_len = usize::from(u16_at(&fixed, 30));
        let comment_len = u64::from(u16_at(&fixed, 32));
        let variable = u64::from(name_len) + extra_len as u64 + comment_len;
        if CENTRAL_LEN + variable > remaining {
            return invalid(format!(
                "entry {counted} runs past the end of the central directory"
            ));
        }
        self.consumed += CENTRAL_LEN + variable;

        self.raw_name.resize(usize::from(name_len), 0);
        cd.read_exact(&mut self.raw_name)?;
        let flags = u16_at(&fixed, 8);
        name.clear();
        let name_kind = match std::str::from_utf8(&self.raw_name) {
            Ok(s) => {
                name.push_str(s);
                NameKind::Utf8
            }
            Err(_) if flags & FLAG_UTF8 != 0 => {
                name.push_str(&String::from_utf8_lossy(&self.raw_name));
                NameKind::Invalid
            }
            Err(_) => {
                name.push_str(&decode_cp437(&self.raw_name));
                NameKind::Cp437
            }
        };
        self.extra.resize(extra_len, 0);
        cd.read_exact(&mut self.extra)?;
        io::copy(&mut cd.by_ref().take(comment_len), &mut io::sink())?;

        let mut size = u64::from(u32_at(&fixed, 24));
        let mut compressed = u64::from(u32_at(&fixed, 20));
        let mut header_offset = u64::from(u32_at(&fixed, 42));
        apply_zip64(
            &self.extra,
            &mut size,
            &mut compressed,
            Some(&mut header_offset),
        )
        .or_else(|e| invalid(format!("entry {counted}: {e}")))?;
        self.counted += 1;
        if self.counted > self.max_entries {
            return Err(CentralError::TooManyEntries(self.counted));
        }
        Ok(Some(Record {
            header_offset,
            compressed_size: compressed,
            size,
            name_start: 0,
            name_len: 0,
            name_kind,
            flags,
            crc32: u32_at(&fixed, 16),
            method: u16_at(&fixed, 10),
            version_made_by: u16_at(&fixed, 4),
            external_attributes: u32_at(&fixed, 38),
        }))
    }

    /// Checks the end of the directory once every record has been read.
    fn finish(&mut self) -> Result<(), CentralError> {
        let (end, found) = (&self.end, self.counted);
        let count_ok = found == end.count || (end.count_is_16_bit && found % 0x1_0000 == end.count);
        if !count_ok {
            return invalid(format!(
                "the end record claims {} entries, but the central directory holds {found}",
                end.count
            ));
        }
        if self.consumed < end.size {
            // Only a digital signature record may follow the headers.
            let mut sig = [0u8; 4];
            if end.size - self.consumed < 6
                || self.cd.read_exact(&mut sig).is_err()
                || u32::from_le_bytes(sig) != SIGNATURE_SIG
            {
                return invalid(format!(
                    "{} unexplained bytes after the last central directory record",
                    end.size - self.consumed
                ));
            }
        }
        Ok(())
    }
}

/// Bytes of a [`Record`] as [`Record::to_bytes`] writes them.
pub(crate) const RECORD_BYTES: usize = 39;

impl Record {
    /// The record (without its name's place) as bytes, for a temporary
    /// file.
    pub(crate) fn to_bytes(self) -> [u8; RECORD_BYTES] {
        let mut b = [0u8; RECORD_BYTES];
        b[0..8].copy_from_slice(&self.header_offset.to_le_bytes());
        b[8..16].copy_from_slice(&self.compressed_size.to_le_bytes());
        b[16..24].copy_from_slice(&self.size.to_le_bytes());
        b[24..26].copy_from_slice(&self.flags.to_le_bytes());
        b[26..30].copy_from_slice(&self.crc32.to_le_bytes());
        b[30..32].copy_from_slice(&self.method.to_le_bytes());
        b[32..34].copy_from_slice(&self.version_made_by.to_le_bytes());
        b[34..38].copy_from_slice(&self.external_attributes.to_le_bytes());
        b[38] = match self.name_kind {
            NameKind::Utf8 => 0,
            NameKind::Cp437 => 1,
            NameKind::Invalid => 2,
        };
        b
    }

    /// A record written by [`Record::to_bytes`].
    pub(crate) fn from_bytes(b: &[u8]) -> Option<Record> {
        if b.len() != RECORD_BYTES {
            return None;
        }
        Some(Record {
            header_offset: u64_at(b, 0),
            compressed_size: u64_at(b, 8),
            size: u64_at(b, 16),
            name_start: 0,
            name_len: 0,
            name_kind: match b[38] {
                0 => NameKind::Utf8,
                1 => NameKind::Cp437,
                _ => NameKind::Invalid,
            },
            flags: u16_at(b, 24),
            crc32: u32_at(b, 26),
            method: u16_at(b, 30),
            version_made_by: u16_at(b, 32),
            external_attributes: u32_at(b, 34),
        })
    }

    /// Whether the name was flagged UTF-8 but is not (kept for messages
    /// only).
    pub(crate) fn name_is_invalid(&self) -> bool {
        self.name_kind == NameKind::Invalid
    }

    /// The length in bytes of the record's name as stored in the archive,
    /// `name` being its decoded form (code page 437 names are one byte a
    /// character; flagged UTF-8 names that are not UTF-8 are only
    /// approximated).
    pub(crate) fn raw_name_len(&self, name: &str) -> usize {
        match self.name_kind {
            NameKind::Cp437 => name.chars().count(),
            _ => name.len(),
        }
    }
}

impl CentralDirectory {
    /// Reads the central directory of the archive in `r`, refusing more
    /// than `max_entries` entries before allocating anything for them, and
    /// names adding up to more than [`NAME_BYTES_PER_ENTRY`] bytes for each
    /// entry allowed. (What `open_zip` does, without listing: for tests.)
    #[cfg(test)]
    pub(crate) fn read<R: Read + Seek>(r: &mut R, max_entries: u64) -> Result<Self, CentralError> {
        let mut records = Records::open(r, max_entries)?;
        if records.size() > u64::from(u32::MAX) / 3 {
            // Names are stored decoded (code page 437 takes up to 3 bytes
            // a character) and indexed with 32 bits.
            return invalid("central directory larger than 1 GiB");
        }
        let mut cd = CentralDirectory::new(records.start());
        // Entries may number up to 2^16 - 1 beyond the claimed count when
        // a 16-bit count wrapped around; never more than fits the size.
        let claimed = records.claimed();
        cd.records
            .reserve_exact(usize::try_from(claimed).unwrap_or(0));
        // The names take at most what the records leave of the directory
        // (untouched capacity costs no memory).
        let max_name_bytes = max_entries.saturating_mul(NAME_BYTES_PER_ENTRY);
        cd.names.reserve_exact(
            usize::try_from((records.size() - claimed * CENTRAL_LEN).min(max_name_bytes))
                .unwrap_or(0),
        );
        let mut name = String::new();
        while let Some(record) = records.next(&mut name)? {
            // Counted as stored in memory (code page 437 names grow when
            // decoded).
            let total = cd.names.len() as u64 + name.len() as u64;
            if total > max_name_bytes {
                return Err(CentralError::NamesTooLong(total));
            }
            cd.push(record, &name)
                .map_err(|e| CentralError::Invalid(e.to_string()))?;
        }
        cd.names.shrink_to_fit();
        cd.records.shrink_to_fit();
        Ok(cd)
    }

    /// An empty directory of an archive whose central directory starts at
    /// `start`, to which records are [pushed](CentralDirectory::push).
    pub(crate) fn new(start: u64) -> Self {
        CentralDirectory {
            records: Vec::new(),
            names: String::new(),
            start,
        }
    }

    /// Appends `record`, named `name`; `Err` past 4 GiB of names.
    pub(crate) fn push(&mut self, mut record: Record, name: &str) -> io::Result<()> {
        let too_many = || io::Error::other("more than 4 GiB of entry names in one part");
        record.name_start = u32::try_from(self.names.len()).map_err(|_| too_many())?;
        record.name_len = u32::try_from(name.len()).map_err(|_| too_many())?;
        u32::try_from(self.names.len() + name.len()).map_err(|_| too_many())?;
        self.names.push_str(name);
        self.records.push(record);
        Ok(())
    }

    /// Room for `records` more records and `name_bytes` more bytes of
    /// names.
    pub(crate) fn reserve(&mut self, records: usize, name_bytes: u64) {
        self.records.reserve_exact(records);
        self.names
            .reserve_exact(usize::try_from(name_bytes).unwrap_or(0));
    }

    /// Frees unused capacity.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.records.shrink_to_fit();
        self.names.shrink_to_fit();
    }

    /// The number of entries.
    pub(crate) fn len(&self) -> usize {
        self.records.len()
    }

    /// Entry `i`'s record.
    pub(crate) fn record(&self, i: usize) -> &Record {
        &self.records[i]
    }

    /// The records, in directory order.
    pub(crate) fn records(&self) -> &[Record] {
        &self.records
    }

    /// Entry `i`'s name: `Err` with the name made readable (replacement
    /// characters) if it is flagged UTF-8 but is not; names neither valid
    /// UTF-8 nor flagged are decoded as IBM code page 437.
    pub(crate) fn name(&self, i: usize) -> Result<&str, &str> {
        let r = &self.records[i];
        let start = r.name_start as usize;
        let name = self
            .names
            .get(start..start + r.name_len as usize)
            .unwrap_or("");
        if r.name_kind == NameKind::Invalid {
            Err(name)
        } else {
            Ok(name)
        }
    }

    /// The length in bytes of entry `i`'s name as stored in the archive
    /// (code page 437 names are one byte a character; flagged UTF-8 names
    /// that are not UTF-8 are only approximated).
    #[cfg(test)]
    pub(crate) fn raw_name_len(&self, i: usize) -> usize {
        match (self.records[i].name_kind, self.name(i)) {
            (NameKind::Cp437, Ok(name)) => name.chars().count(),
            (_, Ok(name) | Err(name)) => name.len(),
        }
    }

    /// Whether `raw`, a name as stored in a local header, is entry `i`'s.
    pub(crate) fn same_name(&self, i: usize, raw: &[u8]) -> bool {
        let name = match self.name(i) {
            Ok(n) | Err(n) => n,
        };
        match self.records[i].name_kind {
            NameKind::Utf8 => raw == name.as_bytes(),
            NameKind::Cp437 => decode_cp437(raw) == name,
            NameKind::Invalid => String::from_utf8_lossy(raw) == name,
        }
    }
}

/// The character of IBM code page 437 for byte `b`.
fn cp437(b: u8) -> char {
    const HIGH: &str = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»\
        ░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀\
        αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}";
    if b < 0x80 {
        char::from(b)
    } else {
        HIGH.chars()
            .nth(usize::from(b - 0x80))
            .unwrap_or('\u{fffd}')
    }
}

/// A local header, checked against its central record.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LocalHeader {
    /// Where the entry's data starts.
    pub(crate) data_start: u64,
}

impl LocalHeader {
    /// Reads the local header of entry `index` of `cd` and checks that it agrees with the central directory: signature,
    /// flags that change how the data is read, method, name, and, unless
    /// a data descriptor follows the data, CRC and sizes. The data must
    /// end before the central directory (`cd_start`).
    pub(crate) fn read<R: Read + Seek>(
        r: &mut R,
        cd: &CentralDirectory,
        index: usize,
    ) -> io::Result<LocalHeader> {
        let record = cd.record(index);
        let bad = |what: String| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("local header disagrees with the central directory: {what}"),
            )
        };
        let mut fixed = [0u8; 30]; // LOCAL_LEN
        r.seek(SeekFrom::Start(record.header_offset))?;
        r.read_exact(&mut fixed).map_err(|e| {
            if e.kind() == io::ErrorKind::UnexpectedEof {
                io::Error::new(io::ErrorKind::InvalidData, "local header truncated")
            } else {
                e
            }
        })?;
        if u32_at(&fixed, 0) != LOCAL_SIG {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("no local header at offset {}", record.header_offset),
            ));
        }
        let flags = u16_at(&fixed, 6);
        let method = u16_at(&fixed, 8);
        let name_len = usize::from(u16_at(&fixed, 26));
        let extra_len = usize::from(u16_at(&fixed, 28));
        let mut var = vec![0u8; name_len + extra_len];
        r.read_exact(&mut var)?;
        let (local_name, extra) = var.split_at(name_len);
        let mask = FLAG_ENCRYPTED | FLAG_DATA_DESCRIPTOR | FLAG_UTF8;
        if flags & (FLAG_ENCRYPTED | FLAG_DATA_DESCRIPTOR)
            != record.flags & (FLAG_ENCRYPTED | FLAG_DATA_DESCRIPTOR)
        {
            return Err(bad(format!(
                "flags {:#06x} locally, {:#06x} centrally",
                flags & mask,
                record.flags & mask
            )));
        }
        if method != record.method {
            return Err(bad(format!(
                "compression method {method} locally, {} centrally",
                record.method
            )));
        }
        if !cd.same_name(index, local_name) {
            return Err(bad(format!(
                "the name is `{}` locally",
                String::from_utf8_lossy(local_name).escape_debug()
            )));
        }
        if flags & FLAG_DATA_DESCRIPTOR == 0 {
            let crc = u32_at(&fixed, 14);
            let mut compressed = u64::from(u32_at(&fixed, 18));
            let mut size = u64::from(u32_at(&fixed, 22));
            apply_zip64(extra, &mut size, &mut compressed, None).map_err(bad)?;
            if crc != record.crc32 {
                return Err(bad(format!(
                    "CRC-32 {crc:08x} locally, {:08x} centrally",
                    record.crc32
                )));
            }
            if size != record.size || compressed != record.compressed_size {
                return Err(bad(format!(
                    "sizes {size} ({compressed} compressed) locally, {} ({} compressed) centrally",
                    record.size, record.compressed_size
                )));
            }
        }
        let data_start = record.header_offset + LOCAL_LEN + (name_len + extra_len) as u64;
        if data_start
            .checked_add(record.compressed_size)
            .is_none_or(|end| end > cd.start)
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the entry's data runs into the central directory",
            ));
        }
        Ok(LocalHeader { data_start })
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::cast_possible_truncation,
        reason = "test archives are small; fields are sized by construction"
    )]
    use std::io::Cursor;

    use super::*;

    /// One entry of a hand-made archive (stored).
    #[derive(Clone, Default)]
    struct E {
        name: Vec<u8>,
        data: Vec<u8>,
        /// The local header's name and CRC, when they should differ.
        local_name: Option<Vec<u8>>,
        local_crc: Option<u32>,
        /// Reuse the local header of an earlier entry.
        offset_of: Option<usize>,
    }

    fn e(name: &str, data: &[u8]) -> E {
        E {
            name: name.as_bytes().to_vec(),
            data: data.to_vec(),
            ..E::default()
        }
    }

    #[derive(Default)]
    struct Opts {
        /// Write ZIP64 records (saturating every classic field) and ZIP64
        /// extra fields in the central directory.
        zip64: bool,
        comment: Vec<u8>,
        /// The entry count to claim, if not the true one.
        count: Option<u64>,
    }

    fn p16(v: &mut Vec<u8>, x: u16) {
        v.extend_from_slice(&x.to_le_bytes());
    }
    fn p32(v: &mut Vec<u8>, x: u32) {
        v.extend_from_slice(&x.to_le_bytes());
    }
    fn p64(v: &mut Vec<u8>, x: u64) {
        v.extend_from_slice(&x.to_le_bytes());
    }

    fn build(entries: &[E], o: &Opts) -> Vec<u8> {
        let mut out = Vec::new();
        let mut offsets = Vec::new();
        for x in entries {
            if let Some(i) = x.offset_of {
                offsets.push(offsets[i]);
                continue;
            }
            offsets.push(out.len() as u64);
            let name = x.local_name.as_ref().unwrap_or(&x.name);
            p32(&mut out, LOCAL_SIG);
            p16(&mut out, 20);
            p16(&mut out, FLAG_UTF8);
            p16(&mut out, 0);
            p32(&mut out, 0);
            p32(&mut out, x.local_crc.unwrap_or(crc32fast::hash(&x.data)));
            p32(&mut out, x.data.len() as u32);
            p32(&mut out, x.data.len() as u32);
            p16(&mut out, name.len() as u16);
            p16(&mut out, 0);
            out.extend_from_slice(name);
            out.extend_from_slice(&x.data);
        }
        let cd_start = out.len() as u64;
        for (x, &off) in entries.iter().zip(&offsets) {
            let len = x.data.len() as u64;
            let (size32, off32, extra) = if o.zip64 {
                let mut extra = Vec::new();
                p16(&mut extra, 1);
                p16(&mut extra, 24);
                p64(&mut extra, len);
                p64(&mut extra, len);
                p64(&mut extra, off);
                (u32::MAX, u32::MAX, extra)
            } else {
                (len as u32, off as u32, Vec::new())
            };
            p32(&mut out, CENTRAL_SIG);
            p16(&mut out, (3 << 8) | 45);
            p16(&mut out, 45);
            p16(&mut out, FLAG_UTF8);
            p16(&mut out, 0);
            p32(&mut out, 0);
            p32(&mut out, crc32fast::hash(&x.data));
            p32(&mut out, size32);
            p32(&mut out, size32);
            p16(&mut out, x.name.len() as u16);
            p16(&mut out, extra.len() as u16);
            p16(&mut out, 0);
            p16(&mut out, 0);
            p16(&mut out, 0);
            p32(&mut out, 0o100_644 << 16);
            p32(&mut out, off32);
            out.extend_from_slice(&x.name);
            out.extend_from_slice(&extra);
        }
        let cd_size = out.len() as u64 - cd_start;
        let count = o.count.unwrap_or(entries.len() as u64);
        if o.zip64 {
            let eocd64 = out.len() as u64;
            p32(&mut out, EOCD64_SIG);
            p64(&mut out, 44);
            p16(&mut out, 45);
            p16(&mut out, 45);
            p32(&mut out, 0);
            p32(&mut out, 0);
            p64(&mut out, count);
            p64(&mut out, count);
            p64(&mut out, cd_size);
            p64(&mut out, cd_start);
            p32(&mut out, EOCD64_LOCATOR_SIG);
            p32(&mut out, 0);
            p64(&mut out, eocd64);
            p32(&mut out, 1);
        }
        p32(&mut out, EOCD_SIG);
        p16(&mut out, 0);
        p16(&mut out, 0);
        let count16 = if o.zip64 { 0xFFFF } else { count as u16 };
        p16(&mut out, count16);
        p16(&mut out, count16);
        p32(&mut out, if o.zip64 { u32::MAX } else { cd_size as u32 });
        p32(&mut out, if o.zip64 { u32::MAX } else { cd_start as u32 });
        p16(&mut out, o.comment.len() as u16);
        out.extend_from_slice(&o.comment);
        out
    }

    fn read(bytes: &[u8]) -> Result<CentralDirectory, CentralError> {
        CentralDirectory::read(&mut Cursor::new(bytes), 250_000)
    }

    fn invalid_msg(bytes: &[u8]) -> String {
        match read(bytes) {
            Err(CentralError::Invalid(m)) => m,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    fn two() -> Vec<E> {
        vec![e("bag/a.txt", b"hello"), e("bag/b.txt", b"world!")]
    }

    fn names(cd: &CentralDirectory) -> Vec<&str> {
        (0..cd.len()).map(|i| cd.name(i).unwrap()).collect()
    }

    #[test]
    fn classic_and_zip64_archives_read_alike() {
        for zip64 in [false, true] {
            let bytes = build(
                &two(),
                &Opts {
                    zip64,
                    ..Opts::default()
                },
            );
            let cd = read(&bytes).unwrap();
            assert_eq!(names(&cd), ["bag/a.txt", "bag/b.txt"], "zip64 {zip64}");
            let r = cd.record(1);
            assert_eq!((r.size, r.compressed_size), (6, 6));
            assert_eq!(r.crc32, crc32fast::hash(b"world!"));
            assert_eq!(r.header_offset, 30 + 9 + 5);
            assert_eq!(r.unix_mode(), Some(0o100_644));
            let h = LocalHeader::read(&mut Cursor::new(&bytes), &cd, 1).unwrap();
            assert_eq!(h.data_start, r.header_offset + 30 + 9);
        }
    }

    #[test]
    fn zip64_saturated_field_without_extra_is_refused() {
        let mut bytes = build(&two(), &Opts::default());
        // Saturate the first entry's uncompressed size: no ZIP64 extra
        // field resolves it.
        let cd = bytes
            .windows(4)
            .position(|w| w == CENTRAL_SIG.to_le_bytes())
            .unwrap();
        bytes[cd + 24..cd + 28].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(invalid_msg(&bytes).contains("ZIP64"));
    }

    #[test]
    fn zip64_records_must_agree_with_classic_ones() {
        let mut bytes = build(
            &two(),
            &Opts {
                zip64: true,
                ..Opts::default()
            },
        );
        // A classic count of 1 that is not saturated, against ZIP64's 2.
        let n = bytes.len();
        bytes[n - 12..n - 10].copy_from_slice(&1u16.to_le_bytes());
        bytes[n - 14..n - 12].copy_from_slice(&1u16.to_le_bytes());
        assert!(invalid_msg(&bytes).contains("disagree"));
    }

    #[test]
    fn truncated_end_records() {
        for zip64 in [false, true] {
            let bytes = build(
                &two(),
                &Opts {
                    zip64,
                    ..Opts::default()
                },
            );
            for cut in 1..=80 {
                assert!(
                    matches!(
                        read(&bytes[..bytes.len() - cut]),
                        Err(CentralError::Invalid(_))
                    ),
                    "zip64 {zip64}, cut {cut}"
                );
            }
        }
        assert!(invalid_msg(b"").contains("too short"));
        assert!(invalid_msg(&[0u8; 100]).contains("no end of central directory"));
    }

    #[test]
    fn comment_holding_a_fake_end_signature() {
        // A signature in the comment, but not a record reaching the end.
        let mut comment = b"see PK\x05\x06 here".to_vec();
        comment.extend_from_slice(&[0u8; 30]);
        let bytes = build(
            &two(),
            &Opts {
                comment,
                ..Opts::default()
            },
        );
        assert_eq!(names(&read(&bytes).unwrap()), ["bag/a.txt", "bag/b.txt"]);

        // A whole record in the comment, reaching the end: two readers
        // could pick two different directories, so neither is trusted.
        let mut fake = Vec::new();
        p32(&mut fake, EOCD_SIG);
        fake.extend_from_slice(&[0u8; 16]);
        p16(&mut fake, 0);
        let bytes = build(
            &two(),
            &Opts {
                comment: fake,
                ..Opts::default()
            },
        );
        assert!(invalid_msg(&bytes).contains("ambiguous"));
    }

    #[test]
    fn entry_count_must_match_the_records() {
        let claims = |count: u64, zip64: bool| {
            build(
                &two(),
                &Opts {
                    count: Some(count),
                    zip64,
                    ..Opts::default()
                },
            )
        };
        // Fewer claimed than present: an entry hidden from some readers.
        assert!(invalid_msg(&claims(1, false)).contains("claims 1 entries, but"));
        assert!(invalid_msg(&claims(1, true)).contains("unexplained bytes"));
        // More claimed than present.
        assert!(invalid_msg(&claims(3, false)).contains("cannot hold"));
        assert!(invalid_msg(&claims(3, true)).contains("claims 3 entries, but"));
        // Names too long in total for the number of entries allowed.
        let long: Vec<E> = (0..3)
            .map(|i| e(&format!("{i}{}", "x".repeat(99)), b""))
            .collect();
        let bytes = build(&long, &Opts::default());
        assert!(matches!(
            CentralDirectory::read(&mut Cursor::new(&bytes), 4),
            Err(CentralError::NamesTooLong(300))
        ));
        assert!(CentralDirectory::read(&mut Cursor::new(&bytes), 5).is_ok());
        // Many more claimed than allowed: refused before allocating.
        assert!(matches!(
            read(&claims(4_000_000_000, true)),
            Err(CentralError::TooManyEntries(4_000_000_000))
        ));
    }

    #[test]
    fn wrapped_16_bit_count_is_accepted() {
        // 65,538 entries, the classic count wrapped to 2 and no ZIP64
        // record (as some old writers do): every record is read.
        let entries: Vec<E> = (0..65_538).map(|i| e(&format!("b/{i}"), b"")).collect();
        let bytes = build(
            &entries,
            &Opts {
                count: Some(2),
                ..Opts::default()
            },
        );
        let cd = read(&bytes).unwrap();
        assert_eq!(cd.len(), 65_538);
        assert_eq!(cd.name(65_537), Ok("b/65537"));
    }

    #[test]
    fn central_directory_must_be_where_the_end_record_says() {
        let mut bytes = build(&two(), &Opts::default());
        let n = bytes.len();
        let off = u32::from_le_bytes(bytes[n - 6..n - 2].try_into().unwrap());
        bytes[n - 6..n - 2].copy_from_slice(&(off - 1).to_le_bytes());
        assert!(invalid_msg(&bytes).contains("does not end where"));
        bytes[n - 6..n - 2].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(invalid_msg(&bytes).contains("does not end where"));
    }

    #[test]
    fn corrupt_record_signature() {
        let mut bytes = build(&two(), &Opts::default());
        let at = bytes
            .windows(4)
            .rposition(|w| w == CENTRAL_SIG.to_le_bytes())
            .unwrap();
        bytes[at + 2] = 9;
        assert!(invalid_msg(&bytes).contains("no valid signature"));
    }

    #[test]
    fn overlapping_entries_share_a_local_header() {
        // The directory itself is readable; the overlap is a finding of
        // `open_zip`, and the twin's local header names the other entry.
        let mut entries = two();
        entries.push(E {
            name: b"bag/twin.txt".to_vec(),
            offset_of: Some(0),
            ..e("", b"hello")
        });
        let bytes = build(&entries, &Opts::default());
        let cd = read(&bytes).unwrap();
        assert_eq!(cd.record(2).header_offset, cd.record(0).header_offset);
        let err = LocalHeader::read(&mut Cursor::new(&bytes), &cd, 2).unwrap_err();
        assert!(err.to_string().contains("name"), "{err}");
    }

    #[test]
    fn local_header_must_match_the_central_one() {
        let table: &[(E, &str)] = &[
            (
                E {
                    local_name: Some(b"bag/evil.txt".to_vec()),
                    ..e("bag/a.txt", b"hello")
                },
                "the name is `bag/evil.txt` locally",
            ),
            (
                E {
                    local_crc: Some(1),
                    ..e("bag/a.txt", b"hello")
                },
                "CRC-32",
            ),
        ];
        for (entry, expected) in table {
            let bytes = build(std::slice::from_ref(entry), &Opts::default());
            let cd = read(&bytes).unwrap();
            let err = LocalHeader::read(&mut Cursor::new(&bytes), &cd, 0).unwrap_err();
            assert!(err.to_string().contains(expected), "{err}");
        }
        // A method that differs.
        let mut bytes = build(&two(), &Opts::default());
        bytes[8] = 8;
        let cd = read(&bytes).unwrap();
        let err = LocalHeader::read(&mut Cursor::new(&bytes), &cd, 0).unwrap_err();
        assert!(err.to_string().contains("compression method"), "{err}");
        // No local header at all where the directory points.
        let mut bytes = build(&two(), &Opts::default());
        bytes[0] = b'X';
        let cd = read(&bytes).unwrap();
        let err = LocalHeader::read(&mut Cursor::new(&bytes), &cd, 0).unwrap_err();
        assert!(err.to_string().contains("no local header"), "{err}");
    }

    #[test]
    fn names_that_are_not_utf8() {
        let mut entries = two();
        entries[0].name = b"bag/caf\x82.txt".to_vec();
        let mut bytes = build(&entries, &Opts::default());
        // Flagged UTF-8 but not: kept for messages only.
        let cd = read(&bytes).unwrap();
        assert_eq!(cd.name(0), Err("bag/caf\u{fffd}.txt"));
        // Not flagged: code page 437, and the local header still matches.
        for sig in [LOCAL_SIG, CENTRAL_SIG] {
            let at = bytes
                .windows(4)
                .position(|w| w == sig.to_le_bytes())
                .unwrap();
            let flags_at = at + if sig == LOCAL_SIG { 6 } else { 8 };
            bytes[flags_at + 1] &= !(FLAG_UTF8 >> 8) as u8;
        }
        let cd = read(&bytes).unwrap();
        assert_eq!(cd.name(0), Ok("bag/café.txt"));
        assert_eq!(cd.raw_name_len(0), 12);
        LocalHeader::read(&mut Cursor::new(&bytes), &cd, 0).unwrap();
    }

    #[test]
    fn cp437_table() {
        assert_eq!(cp437(b'a'), 'a');
        assert_eq!(cp437(0x80), 'Ç');
        assert_eq!(cp437(0xE1), 'ß');
        assert_eq!(cp437(0xFE), '■');
        assert_eq!(cp437(0xFF), '\u{a0}');
    }
}
