//! The payload spool: each payload file's packed (compressed or stored)
//! bytes, one after another in a temporary file, and the index of where
//! each lies. Files made in memory are packed on the thread pool
//! ([`Spool::put`]); a file too large for memory (a WARC kept whole) is
//! hashed and packed as it streams past ([`Copier`]), following the same
//! compression rule as `write_zip` ([`crate::serialize`]): packed in
//! memory up to the in-memory size, streamed through zlib-rs in
//! [`PUMP_READ`] pieces beyond it.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::Digests;
use super::index::{Index, Spooled};
use crate::checksum::{Algorithm, MultiHasher};
use crate::error::{Error, Result};
use crate::serialize::{DEFLATE_LEVEL, Method, PUMP_READ, Packed, SAMPLE, method_for, pack};

/// The spool file and its index.
pub(super) struct Spool {
    pub(super) out: BufWriter<File>,
    pub(super) len: u64,
    pub(super) path: PathBuf,
    pub(super) index: Index,
}

impl Spool {
    /// Appends a packed file at `path` (`data/…`).
    pub(super) fn put(&mut self, path: String, digests: Digests, p: &Packed) -> Result<()> {
        self.out
            .write_all(&p.data)
            .map_err(|e| Error::io("write", &self.path, e))?;
        let csize = p.data.len() as u64;
        self.index.push(Spooled {
            path,
            digests,
            method: p.method,
            crc32: p.crc32,
            size: p.size,
            offset: self.len,
            csize,
        })?;
        self.len += csize;
        Ok(())
    }

    /// Appends what a [`Copier`] made.
    pub(super) fn put_copy(&mut self, copied: Copied) -> Result<()> {
        match copied {
            Copied::Packed(path, digests, p) => self.put(path, digests, &p),
            Copied::File {
                path,
                digests,
                method,
                crc32,
                size,
                file,
            } => {
                let mut f = File::open(&file).map_err(|e| Error::io("read", &file, e))?;
                let csize = io::copy(&mut f, &mut self.out)
                    .map_err(|e| Error::io("write", &self.path, e))?;
                drop(f);
                let _ = fs::remove_file(&file);
                self.index.push(Spooled {
                    path,
                    digests,
                    method,
                    crc32,
                    size,
                    offset: self.len,
                    csize,
                })?;
                self.len += csize;
                Ok(())
            }
        }
    }
}

/// A payload file packed by a [`Copier`].
pub(super) enum Copied {
    /// Small enough to be packed in memory.
    Packed(String, Digests, Packed),
    /// Packed into a temporary file.
    File {
        path: String,
        digests: Digests,
        method: Method,
        crc32: u32,
        size: u64,
        file: PathBuf,
    },
}

enum Sink {
    Stored(BufWriter<File>),
    Deflated(flate2::write::DeflateEncoder<BufWriter<File>>),
}

/// Hashes and packs a payload file as its bytes are written to it.
pub(super) struct Copier {
    path: String,
    hasher: MultiHasher,
    crc: crc32fast::Hasher,
    in_memory: u64,
    /// The size the file is expected to have, if known.
    expected: Option<u64>,
    size: u64,
    /// Bytes not yet packed: all of them while they fit in memory, then
    /// less than [`PUMP_READ`].
    pending: Vec<u8>,
    sink: Option<Sink>,
    temp: PathBuf,
}

impl Copier {
    /// A copier of the payload file at `path` (`data/…`), packing into
    /// `temp` once it passes `in_memory` bytes, or as soon as the first
    /// [`SAMPLE`] bytes are in when its `expected` size is larger.
    pub(super) fn new(path: String, temp: PathBuf, in_memory: u64, expected: Option<u64>) -> Self {
        Copier {
            path,
            hasher: MultiHasher::new(&Algorithm::DEFAULT),
            crc: crc32fast::Hasher::new(),
            in_memory,
            expected,
            size: 0,
            pending: Vec::new(),
            sink: None,
            temp,
        }
    }

    /// Bytes written so far.
    pub(super) fn len(&self) -> u64 {
        self.size
    }

    fn sink_err(&self, e: io::Error) -> Error {
        Error::io("write", &self.temp, e)
    }

    /// More bytes of the file.
    pub(super) fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.hasher.update(bytes);
        self.crc.update(bytes);
        self.size += bytes.len() as u64;
        self.pending.extend_from_slice(bytes);
        let large = self.expected.is_some_and(|e| e > self.in_memory);
        if self.sink.is_none()
            && (self.pending.len() as u64 > self.in_memory
                || (large && self.pending.len() >= SAMPLE))
        {
            let method = method_for(
                self.path.strip_prefix("data/").unwrap_or(&self.path),
                &self.pending[..self.pending.len().min(SAMPLE)],
            );
            let f = File::create(&self.temp).map_err(|e| self.sink_err(e))?;
            let w = BufWriter::with_capacity(1 << 20, f);
            self.sink = Some(match method {
                Method::Stored => Sink::Stored(w),
                Method::Deflated => Sink::Deflated(flate2::write::DeflateEncoder::new(
                    w,
                    flate2::Compression::new(DEFLATE_LEVEL),
                )),
            });
        }
        if self.sink.is_some() {
            self.pump(false)?;
        }
        Ok(())
    }

    /// Feeds pending bytes to the sink in [`PUMP_READ`] pieces (all of
    /// them when `last`), as `add_stream` reads a file.
    fn pump(&mut self, last: bool) -> Result<()> {
        let mut start = 0;
        while self.pending.len() - start >= PUMP_READ || (last && start < self.pending.len()) {
            let end = (start + PUMP_READ).min(self.pending.len());
            let piece = &self.pending[start..end];
            let r = match self.sink.as_mut() {
                Some(Sink::Stored(w)) => w.write_all(piece),
                Some(Sink::Deflated(w)) => w.write_all(piece),
                None => Ok(()),
            };
            r.map_err(|e| Error::io("write", &self.temp, e))?;
            start = end;
        }
        self.pending.drain(..start);
        Ok(())
    }

    /// The packed file.
    pub(super) fn finish(mut self) -> Result<Copied> {
        let crc32 = self.crc.clone().finalize();
        let size = self.len();
        let (_, digests) = self.hasher.clone().finish();
        if self.sink.is_none() {
            let rel = self
                .path
                .strip_prefix("data/")
                .unwrap_or(&self.path)
                .to_owned();
            let mut p = pack(&rel, std::mem::take(&mut self.pending));
            // `pack` chose from the path inside the bag; so did `write_zip`.
            p.crc32 = crc32;
            return Ok(Copied::Packed(self.path, digests, p));
        }
        self.pump(true)?;
        let (method, w) = match self.sink.take() {
            Some(Sink::Stored(w)) => (Method::Stored, w),
            Some(Sink::Deflated(e)) => (
                Method::Deflated,
                e.finish().map_err(|e| Error::io("write", &self.temp, e))?,
            ),
            None => unreachable!("the sink was made"),
        };
        let f = w
            .into_inner()
            .map_err(|e| Error::io("write", &self.temp, e.into_error()))?;
        drop(f);
        Ok(Copied::File {
            path: self.path,
            digests,
            method,
            crc32,
            size,
            file: self.temp,
        })
    }
}

/// Packs the file `from` (of `size` bytes), read once in [`PUMP_READ`]
/// pieces, as the payload file at `path`.
pub(super) fn copy_file(
    path: String,
    from: &Path,
    temp: PathBuf,
    in_memory: u64,
) -> Result<Copied> {
    use std::io::Read;
    let mut f = File::open(from).map_err(|e| Error::io("read", from, e))?;
    let size = f.metadata().map_err(|e| Error::io("read", from, e))?.len();
    let mut copy = Copier::new(path, temp, in_memory, Some(size));
    let mut buf = vec![0u8; PUMP_READ];
    loop {
        let n = match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io("read", from, e)),
        };
        copy.write(&buf[..n])?;
    }
    drop(f);
    let _ = fs::remove_file(from);
    copy.finish()
}

/// A reader that copies what it reads into a [`Copier`].
pub(super) struct Tee<'a, R> {
    pub(super) inner: R,
    pub(super) copy: &'a mut Copier,
    pub(super) error: Option<Error>,
}

impl<R: io::Read> io::Read for Tee<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Err(e) = self.copy.write(&buf[..n]) {
            let msg = e.to_string();
            self.error = Some(e);
            return Err(io::Error::other(msg));
        }
        Ok(n)
    }
}

/// The path of a temporary file in `work` for the `n`th copy.
pub(super) fn temp_path(work: &Path, n: usize) -> PathBuf {
    work.join(format!("copy-{n}.part"))
}
