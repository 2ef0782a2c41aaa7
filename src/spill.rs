//! Lists of files too long to hold in memory, written to an anonymous
//! temporary file (in [`std::env::temp_dir`], never inside a bag) and read
//! back as often as needed: what lets `verify` and `bag` keep their memory
//! flat however many files a bag has.
//!
//! A record is a relative path, a size, a 64-bit key (whatever the user
//! needs: a hash of the name, a position in a walk), an optional second
//! path (where a symbolic link leads) and optional opaque bytes (a ZIP
//! central-directory record).

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Seek, Write};
use std::path::{Path, PathBuf};

/// Bags with more files than this are verified a part at a time and bagged
/// through sorted runs on disk; smaller ones are handled in memory in one
/// pass. About 150 bytes a file are held below it (under 40 MB).
pub const DEFAULT_THRESHOLD: usize = 250_000;

/// One file of a [`Spill`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Record {
    pub(crate) name: String,
    pub(crate) size: u64,
    pub(crate) key: u64,
    pub(crate) target: Option<PathBuf>,
    /// Opaque bytes for the user (empty if none were written).
    pub(crate) extra: Vec<u8>,
}

/// Appends records to a new temporary file.
pub(crate) struct SpillWriter {
    out: BufWriter<File>,
    count: u64,
}

/// Records written by a [`SpillWriter`], to be read any number of times.
#[derive(Debug)]
pub(crate) struct Spill {
    file: File,
    count: u64,
}

impl SpillWriter {
    /// A writer to a new anonymous file in the system's temporary directory.
    pub(crate) fn new() -> io::Result<Self> {
        Self::with_capacity(256 * 1024)
    }

    /// [`SpillWriter::new`] with a buffer of `capacity` bytes.
    pub(crate) fn with_capacity(capacity: usize) -> io::Result<Self> {
        Ok(SpillWriter {
            out: BufWriter::with_capacity(capacity, tempfile::tempfile()?),
            count: 0,
        })
    }

    /// Appends one record.
    pub(crate) fn push(
        &mut self,
        name: &str,
        size: u64,
        key: u64,
        target: Option<&Path>,
    ) -> io::Result<()> {
        self.push_with(name, size, key, target, &[])
    }

    /// Appends one record with opaque bytes `extra` (none if empty).
    pub(crate) fn push_with(
        &mut self,
        name: &str,
        size: u64,
        key: u64,
        target: Option<&Path>,
        extra: &[u8],
    ) -> io::Result<()> {
        write_bytes(&mut self.out, name.as_bytes())?;
        self.out.write_all(&size.to_le_bytes())?;
        self.out.write_all(&key.to_le_bytes())?;
        let flags = u8::from(target.is_some()) | (u8::from(!extra.is_empty()) << 1);
        self.out.write_all(&[flags])?;
        if let Some(t) = target {
            write_bytes(&mut self.out, &path_bytes(t))?;
        }
        if !extra.is_empty() {
            write_bytes(&mut self.out, extra)?;
        }
        self.count += 1;
        Ok(())
    }

    /// Ends writing.
    pub(crate) fn finish(self) -> io::Result<Spill> {
        let file = self
            .out
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?;
        Ok(Spill {
            file,
            count: self.count,
        })
    }
}

impl Spill {
    /// How many records there are.
    pub(crate) fn len(&self) -> u64 {
        self.count
    }

    /// A reader of every record, from the first.
    pub(crate) fn reader(&self) -> io::Result<SpillReader> {
        let mut file = self.file.try_clone()?;
        file.rewind()?;
        Ok(SpillReader {
            input: BufReader::with_capacity(256 * 1024, file),
            left: self.count,
        })
    }
}

/// Reads the records of a [`Spill`] in the order they were written.
pub(crate) struct SpillReader {
    input: BufReader<File>,
    left: u64,
}

impl SpillReader {
    /// Reads the next record into `rec`; `false` at the end.
    pub(crate) fn next_into(&mut self, rec: &mut Record) -> io::Result<bool> {
        if self.left == 0 {
            return Ok(false);
        }
        self.left -= 1;
        let mut name = std::mem::take(&mut rec.name).into_bytes();
        read_bytes(&mut self.input, &mut name)?;
        rec.name = String::from_utf8(name).map_err(io::Error::other)?;
        rec.size = read_u64(&mut self.input)?;
        rec.key = read_u64(&mut self.input)?;
        let mut flags = [0u8];
        self.input.read_exact(&mut flags)?;
        rec.target = if flags[0] & 1 == 0 {
            None
        } else {
            let mut bytes = Vec::new();
            read_bytes(&mut self.input, &mut bytes)?;
            Some(path_from_bytes(bytes))
        };
        if flags[0] & 2 == 0 {
            rec.extra.clear();
        } else {
            read_bytes(&mut self.input, &mut rec.extra)?;
        }
        Ok(true)
    }

    /// Whether the reader has buffered input left (for tests).
    #[cfg(test)]
    fn at_end(&mut self) -> io::Result<bool> {
        Ok(self.input.fill_buf()?.is_empty())
    }
}

fn write_bytes(out: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    out.write_all(&(bytes.len() as u64).to_le_bytes())?;
    out.write_all(bytes)
}

fn read_u64(input: &mut impl Read) -> io::Result<u64> {
    let mut b = [0u8; 8];
    input.read_exact(&mut b)?;
    Ok(u64::from_le_bytes(b))
}

fn read_bytes(input: &mut impl BufRead, out: &mut Vec<u8>) -> io::Result<()> {
    let len = read_u64(input)?;
    out.clear();
    input.take(len).read_to_end(out)?;
    if out.len() as u64 != len {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(())
}

#[cfg(unix)]
fn path_bytes(p: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    p.as_os_str().as_bytes().to_vec()
}

#[cfg(unix)]
fn path_from_bytes(b: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    PathBuf::from(std::ffi::OsString::from_vec(b))
}

#[cfg(not(unix))]
fn path_bytes(p: &Path) -> Vec<u8> {
    p.to_string_lossy().into_owned().into_bytes()
}

#[cfg(not(unix))]
fn path_from_bytes(b: Vec<u8>) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(&b).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_read_back_as_written_any_number_of_times() {
        let recs = vec![
            Record {
                name: "data/a".into(),
                size: 3,
                key: u64::MAX,
                target: None,
                extra: Vec::new(),
            },
            Record {
                name: String::new(),
                size: 0,
                key: 0,
                target: Some(PathBuf::from("/x/é")),
                extra: vec![1, 2, 3],
            },
            Record {
                name: "données/ü\r\n".into(),
                size: 1 << 40,
                key: 7,
                target: None,
                extra: vec![0; 39],
            },
        ];
        let mut w = SpillWriter::new().unwrap();
        for r in &recs {
            w.push_with(&r.name, r.size, r.key, r.target.as_deref(), &r.extra)
                .unwrap();
        }
        let spill = w.finish().unwrap();
        assert_eq!(spill.len(), 3);
        for _ in 0..2 {
            let mut reader = spill.reader().unwrap();
            let mut got = Vec::new();
            let mut rec = Record::default();
            while reader.next_into(&mut rec).unwrap() {
                got.push(rec.clone());
            }
            assert_eq!(got, recs);
            assert!(reader.at_end().unwrap());
        }
    }
}
