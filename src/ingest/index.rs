//! The index of ingest's payload spool: for each payload file, its path in
//! the bag, its checksums and where its packed bytes lie in the spool.
//!
//! Records are held in memory up to a fixed number ([`RUN`]); beyond it
//! each full buffer is sorted by path and written as a run file in ingest's
//! temporary directory, and the runs are merged back in path order when the
//! ZIP is written. Ingest's memory for the index is then one buffer plus a
//! read buffer per run, whatever the size of the corpus.
//!
//! A run is a sequence of records, each (integers little-endian): the path
//! (`u32` length, UTF-8 bytes), the method (`u8`: 0 stored, 8 deflated), the
//! CRC-32 (`u32`), the size, the spool offset and the packed size (`u64`
//! each), then the number of digests (`u8`) and for each its algorithm (`u8`,
//! its place in [`Algorithm::ALL`]), its length (`u8`) and its bytes.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use crate::checksum::{Algorithm, Digest};
use crate::error::{Error, Result};
use crate::manifest::manifest_line_len;
use crate::serialize::Method;
use crate::tagfile::PayloadOxum;

/// Records held in memory before they are written as a sorted run (a few
/// MB: about 300 bytes each).
pub(super) const RUN: usize = 8192;

/// Bytes buffered for each run read while merging.
const READ_BUFFER: usize = 64 * 1024;

/// A payload file already hashed, packed and spooled: where its packed
/// bytes lie in the spool file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Spooled {
    /// Path in the bag (`data/…`).
    pub(super) path: String,
    /// Its checksums, in the order of [`Algorithm::DEFAULT`].
    pub(super) digests: Vec<(Algorithm, Digest)>,
    pub(super) method: Method,
    pub(super) crc32: u32,
    pub(super) size: u64,
    pub(super) offset: u64,
    pub(super) csize: u64,
}

impl Spooled {
    /// Its checksum with `a` (empty if it has none).
    pub(super) fn digest(&self, a: Algorithm) -> &[u8] {
        self.digests
            .iter()
            .find(|(b, _)| *b == a)
            .map_or(&[], |(_, d)| d.as_bytes())
    }
}

/// The records of the payload files spooled so far.
pub(super) struct Index {
    dir: PathBuf,
    run: usize,
    buffer: Vec<Spooled>,
    runs: Vec<PathBuf>,
    oxum: PayloadOxum,
    /// The size of each payload manifest to be written.
    manifest_sizes: Vec<(Algorithm, u64)>,
}

impl Index {
    /// An empty index whose runs (of `run` records) go to `dir`.
    pub(super) fn new(dir: &Path, run: usize) -> Self {
        Index {
            dir: dir.to_owned(),
            run: run.max(1),
            buffer: Vec::new(),
            runs: Vec::new(),
            oxum: PayloadOxum::default(),
            manifest_sizes: Vec::new(),
        }
    }

    /// Adds a record.
    pub(super) fn push(&mut self, s: Spooled) -> Result<()> {
        self.oxum.octets += s.size;
        self.oxum.streams += 1;
        for (a, d) in &s.digests {
            let line = manifest_line_len(&s.path, d.as_bytes().len());
            match self.manifest_sizes.iter_mut().find(|(b, _)| b == a) {
                Some((_, size)) => *size += line,
                None => self.manifest_sizes.push((*a, line)),
            }
        }
        self.buffer.push(s);
        if self.buffer.len() >= self.run {
            self.write_run()?;
        }
        Ok(())
    }

    /// The payload's size and number of files.
    pub(super) fn oxum(&self) -> PayloadOxum {
        self.oxum
    }

    /// The size the payload manifest in algorithm `a` will have.
    pub(super) fn manifest_size(&self, a: Algorithm) -> u64 {
        self.manifest_sizes
            .iter()
            .find(|(b, _)| *b == a)
            .map_or(0, |(_, size)| *size)
    }

    /// Writes the buffer, sorted by path, as a new run.
    fn write_run(&mut self) -> Result<()> {
        self.buffer.sort_unstable_by(|a, b| a.path.cmp(&b.path));
        let path = self.dir.join(format!("index-{}.run", self.runs.len()));
        let err = |e| Error::io("write", &path, e);
        let mut out = BufWriter::with_capacity(256 * 1024, File::create_new(&path).map_err(err)?);
        for s in self.buffer.drain(..) {
            write_record(&mut out, &s).map_err(err)?;
        }
        out.into_inner().map_err(|e| err(e.into_error()))?;
        self.runs.push(path);
        Ok(())
    }

    /// Every record, in path order.
    pub(super) fn into_sorted(mut self) -> Result<Sorted> {
        if self.runs.is_empty() {
            self.buffer.sort_unstable_by(|a, b| a.path.cmp(&b.path));
            return Ok(Sorted::Memory(self.buffer.into_iter()));
        }
        if !self.buffer.is_empty() {
            self.write_run()?;
        }
        self.buffer = Vec::new();
        let mut merge = Merge {
            runs: Vec::new(),
            heap: BinaryHeap::with_capacity(self.runs.len()),
        };
        for path in self.runs {
            let file = File::open(&path).map_err(|e| Error::io("read", &path, e))?;
            merge
                .runs
                .push((BufReader::with_capacity(READ_BUFFER, file), path));
            merge.advance(merge.runs.len() - 1)?;
        }
        Ok(Sorted::Runs(merge))
    }
}

/// The records of an [`Index`] in path order.
pub(super) enum Sorted {
    Memory(std::vec::IntoIter<Spooled>),
    Runs(Merge),
}

impl Sorted {
    /// The next record, or `None` after the last.
    pub(super) fn next(&mut self) -> Result<Option<Spooled>> {
        match self {
            Sorted::Memory(it) => Ok(it.next()),
            Sorted::Runs(merge) => merge.next(),
        }
    }
}

/// Sorted runs merged: the next record of each run in a heap.
pub(super) struct Merge {
    runs: Vec<(BufReader<File>, PathBuf)>,
    heap: BinaryHeap<Reverse<Head>>,
}

/// The next record of run `.1`, ordered by path (then run).
struct Head(Spooled, usize);

impl PartialEq for Head {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Head {}
impl PartialOrd for Head {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Head {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.0.path.as_str(), self.1).cmp(&(other.0.path.as_str(), other.1))
    }
}

impl Merge {
    /// Reads the next record of run `i` into the heap.
    fn advance(&mut self, i: usize) -> Result<()> {
        let (input, path) = &mut self.runs[i];
        if let Some(s) = read_record(input).map_err(|e| Error::io("read", &*path, e))? {
            self.heap.push(Reverse(Head(s, i)));
        }
        Ok(())
    }

    fn next(&mut self) -> Result<Option<Spooled>> {
        let Some(Reverse(Head(s, i))) = self.heap.pop() else {
            return Ok(None);
        };
        self.advance(i)?;
        Ok(Some(s))
    }
}

fn write_record(out: &mut impl Write, s: &Spooled) -> io::Result<()> {
    let too_long = || io::Error::other(format!("{}: too many checksums or too long", s.path));
    let len = u32::try_from(s.path.len()).map_err(|_| too_long())?;
    out.write_all(&len.to_le_bytes())?;
    out.write_all(s.path.as_bytes())?;
    out.write_all(&[match s.method {
        Method::Stored => 0,
        Method::Deflated => 8,
    }])?;
    out.write_all(&s.crc32.to_le_bytes())?;
    for x in [s.size, s.offset, s.csize] {
        out.write_all(&x.to_le_bytes())?;
    }
    out.write_all(&[u8::try_from(s.digests.len()).map_err(|_| too_long())?])?;
    for (a, d) in &s.digests {
        let at = Algorithm::ALL.iter().position(|b| b == a).unwrap_or(0);
        let bytes = d.as_bytes();
        out.write_all(&[
            u8::try_from(at).map_err(|_| too_long())?,
            u8::try_from(bytes.len()).map_err(|_| too_long())?,
        ])?;
        out.write_all(bytes)?;
    }
    Ok(())
}

/// Reads one record; `None` at the end of the run.
fn read_record(input: &mut impl BufRead) -> io::Result<Option<Spooled>> {
    if input.fill_buf()?.is_empty() {
        return Ok(None);
    }
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, format!("bad {what}"));
    let mut len = [0u8; 4];
    input.read_exact(&mut len)?;
    let mut path = vec![0u8; usize::try_from(u32::from_le_bytes(len)).map_err(|_| bad("path"))?];
    input.read_exact(&mut path)?;
    let path = String::from_utf8(path).map_err(|_| bad("path"))?;
    let method = match read_u8(input)? {
        0 => Method::Stored,
        8 => Method::Deflated,
        _ => return Err(bad("method")),
    };
    let mut crc = [0u8; 4];
    input.read_exact(&mut crc)?;
    let [size, offset, csize] = [read_u64(input)?, read_u64(input)?, read_u64(input)?];
    let n = read_u8(input)?;
    let mut digests = Vec::with_capacity(usize::from(n));
    let mut bytes = [0u8; 64];
    for _ in 0..n {
        let a = *Algorithm::ALL
            .get(usize::from(read_u8(input)?))
            .ok_or_else(|| bad("algorithm"))?;
        let len = usize::from(read_u8(input)?);
        let bytes = bytes.get_mut(..len).ok_or_else(|| bad("digest"))?;
        input.read_exact(bytes)?;
        digests.push((a, Digest::from_bytes(bytes)));
    }
    Ok(Some(Spooled {
        path,
        digests,
        method,
        crc32: u32::from_le_bytes(crc),
        size,
        offset,
        csize,
    }))
}

fn read_u8(input: &mut impl Read) -> io::Result<u8> {
    let mut b = [0u8];
    input.read_exact(&mut b)?;
    Ok(b[0])
}

fn read_u64(input: &mut impl Read) -> io::Result<u64> {
    let mut b = [0u8; 8];
    input.read_exact(&mut b)?;
    Ok(u64::from_le_bytes(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checksum::hash_bytes;
    use proptest::prelude::*;

    fn spooled(path: &str, n: u64) -> Spooled {
        Spooled {
            path: path.to_owned(),
            digests: hash_bytes(path.as_bytes(), &Algorithm::DEFAULT),
            method: if n.is_multiple_of(2) {
                Method::Stored
            } else {
                Method::Deflated
            },
            crc32: u32::try_from(n % 1000).unwrap(),
            size: n,
            offset: n << 33,
            csize: u64::MAX - n,
        }
    }

    fn all(mut sorted: Sorted) -> Vec<Spooled> {
        let mut out = Vec::new();
        while let Some(s) = sorted.next().unwrap() {
            out.push(s);
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        /// Whatever the run length, the records come back whole and in
        /// path order, and the runs live in the given directory.
        #[test]
        fn records_come_back_sorted_whatever_the_run(
            paths in proptest::collection::btree_set("data/[a-z0-9./-]{0,12}|data/[é😀\r\n%]{1,3}", 0..60),
            run in 1usize..20,
        ) {
            let dir = tempfile::tempdir().unwrap();
            let mut want: Vec<Spooled> = Vec::new();
            let mut index = Index::new(dir.path(), run);
            // Pushed in an order unrelated to the paths.
            for (n, p) in paths.iter().rev().enumerate() {
                let s = spooled(p, n as u64);
                want.push(s.clone());
                index.push(s).unwrap();
            }
            let oxum = index.oxum();
            prop_assert_eq!(oxum.streams, paths.len() as u64);
            prop_assert_eq!(oxum.octets, want.iter().map(|s| s.size).sum::<u64>());
            let runs = std::fs::read_dir(dir.path()).unwrap().count();
            prop_assert_eq!(runs, paths.len() / run);
            want.sort_by(|a, b| a.path.cmp(&b.path));
            prop_assert_eq!(all(index.into_sorted().unwrap()), want);
        }
    }

    #[test]
    fn a_damaged_run_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = Index::new(dir.path(), 2);
        for p in ["data/b", "data/a", "data/c"] {
            index.push(spooled(p, 1)).unwrap();
        }
        let run = dir.path().join("index-0.run");
        let len = std::fs::metadata(&run).unwrap().len();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&run)
            .unwrap()
            .set_len(len - 3)
            .unwrap();
        let mut sorted = index.into_sorted().unwrap();
        let err = loop {
            match sorted.next() {
                Ok(Some(_)) => {}
                Ok(None) => panic!("a cut run read to its end"),
                Err(e) => break e,
            }
        };
        assert!(err.to_string().contains("index-0.run"), "{err}");
    }
}
