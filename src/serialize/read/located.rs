//! Reading one entry again from where the central directory said it lies,
//! without the central directory: for a reader that recorded an entry's
//! [`EntryLocation`] when it first listed the zip (the archive's catalog
//! records each item's text this way, so that a search's snippets read
//! twenty entries instead of parsing twenty directories of 50,000
//! records).
//!
//! What was recorded is checked against the file before any byte is
//! trusted: the local header's signature, flags, method and name, then the
//! inflated bytes' size and CRC-32. A zip replaced or damaged since gives an
//! error (the caller then reads it the long way), never other bytes.

use std::io::{self, Read, Seek, SeekFrom};

use super::central::{FLAG_ENCRYPTED, LOCAL_SIG};
use super::{Archive, ArchiveRead, EntryId};

/// Where an entry lies in a zip and what it holds, as its central
/// directory said.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EntryLocation {
    /// The entry's whole name in the zip (with the bag's top-level
    /// directory).
    pub name: String,
    /// Offset of its local header.
    pub header_offset: u64,
    /// Compression method (0 stored, 8 deflate).
    pub method: u16,
    /// Compressed size.
    pub compressed_size: u64,
    /// Uncompressed size.
    pub size: u64,
    /// CRC-32 of the uncompressed bytes.
    pub crc32: u32,
}

impl<R: ArchiveRead> Archive<R> {
    /// Where `e` lies, to read it again with [`read_located`]; `None` for
    /// an entry whose name is not stored as the UTF-8 it is read as (a
    /// code page 437 name: the local header is compared byte for byte).
    pub(crate) fn location(&self, e: EntryId) -> Option<EntryLocation> {
        let index = e.0 as usize;
        let r = self.cd.record(index);
        let name = self.cd.name(index).ok()?;
        if !self.cd.same_name(index, name.as_bytes()) {
            return None;
        }
        Some(EntryLocation {
            name: name.to_owned(),
            header_offset: r.header_offset,
            method: r.method,
            compressed_size: r.compressed_size,
            size: r.size,
            crc32: r.crc32,
        })
    }
}

fn invalid(what: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what)
}

/// Reads the entry at `at` from `r` whole, if it is at most `max` bytes,
/// checking the local header against `at` and the bytes' size and CRC-32.
pub fn read_located<R: Read + Seek>(
    r: &mut R,
    at: &EntryLocation,
    max: u64,
) -> io::Result<Vec<u8>> {
    if at.size > max || at.compressed_size > max.saturating_mul(2).max(1 << 20) {
        return Err(invalid(format!(
            "`{}` declares {} bytes ({} compressed): more than {max} are not read into memory",
            at.name, at.size, at.compressed_size
        )));
    }
    r.seek(SeekFrom::Start(at.header_offset))?;
    let mut fixed = [0u8; 30]; // LOCAL_LEN
    r.read_exact(&mut fixed)?;
    let u16_at = |i: usize| u16::from_le_bytes([fixed[i], fixed[i + 1]]);
    if u32::from_le_bytes([fixed[0], fixed[1], fixed[2], fixed[3]]) != LOCAL_SIG {
        return Err(invalid(format!(
            "no local header at offset {}",
            at.header_offset
        )));
    }
    if u16_at(6) & FLAG_ENCRYPTED != 0 || u16_at(8) != at.method {
        return Err(invalid(format!(
            "the local header at offset {} is not that of `{}` as recorded",
            at.header_offset, at.name
        )));
    }
    let name_len = usize::from(u16_at(26));
    let extra_len = i64::from(u16_at(28));
    let mut name = vec![0u8; name_len];
    r.read_exact(&mut name)?;
    if name != at.name.as_bytes() {
        return Err(invalid(format!(
            "the entry at offset {} is `{}`, not `{}`",
            at.header_offset,
            String::from_utf8_lossy(&name).escape_debug(),
            at.name
        )));
    }
    r.seek(SeekFrom::Current(extra_len))?;
    let mut packed = Vec::new();
    let got = r.take(at.compressed_size).read_to_end(&mut packed)?;
    if got as u64 != at.compressed_size {
        return Err(invalid(format!("`{}` is truncated", at.name)));
    }
    let bytes = match at.method {
        0 => packed,
        8 => {
            let mut out = vec![0u8; usize::try_from(at.size).unwrap_or(0)];
            let n = libdeflater::Decompressor::new()
                .deflate_decompress(&packed, &mut out)
                .map_err(|e| invalid(format!("`{}` does not inflate: {e}", at.name)))?;
            out.truncate(n);
            out
        }
        m => {
            return Err(invalid(format!(
                "`{}`: unsupported compression method {m}",
                at.name
            )));
        }
    };
    if bytes.len() as u64 != at.size || crc32fast::hash(&bytes) != at.crc32 {
        return Err(invalid(format!(
            "`{}` at offset {} does not hold what was recorded (size or CRC-32 differs)",
            at.name, at.header_offset
        )));
    }
    Ok(bytes)
}
