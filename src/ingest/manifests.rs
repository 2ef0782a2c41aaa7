//! The payload manifests of an ingest, made while the payload is copied
//! into the ZIP: the lines are formatted on the copying thread and handed,
//! a buffer at a time, to one thread per manifest, which writes them to a
//! file in ingest's temporary directory, hashes them (for the tag
//! manifests) and, when the manifest will be larger than what is deflated
//! in memory, deflates them as [`ZipBuilder::add_stream`] would, so that
//! writing the manifest into the ZIP is only a copy. zlib-rs's output
//! depends on how its input is split: the bytes go to the deflater in the
//! pieces `add_stream` makes of a tag file read from disk (the first
//! [`SAMPLE`] bytes, then [`PUMP_READ`] at a time).
//!
//! [`ZipBuilder::add_stream`]: crate::serialize::ZipBuilder::add_stream

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::{Scope, ScopedJoinHandle};

use crate::checksum::{Algorithm, Digest, MultiHasher};
use crate::error::{Error, Result};
use crate::manifest::push_manifest_line;
use crate::serialize::{MANIFEST_DEFLATE_LEVEL, PUMP_READ, SAMPLE};

/// Bytes of lines handed to a manifest's thread at a time.
const CHUNK: usize = 256 * 1024;

/// A manifest written.
pub(super) struct Done {
    /// Its file.
    pub(super) path: PathBuf,
    /// Its size.
    pub(super) size: u64,
    /// Its checksums, in the algorithms of the tag manifests.
    pub(super) digests: Vec<(Algorithm, Digest)>,
    /// Its bytes deflated, if asked for.
    pub(super) deflated: Option<Deflated>,
}

/// A manifest's bytes deflated (raw deflate at [`MANIFEST_DEFLATE_LEVEL`]).
pub(super) struct Deflated {
    pub(super) path: PathBuf,
    pub(super) crc32: u32,
    pub(super) csize: u64,
}

/// The manifests being written, one thread each.
pub(super) struct Manifests<'scope> {
    writers: Vec<Writer<'scope>>,
    line: String,
}

struct Writer<'scope> {
    algorithm: Algorithm,
    name: String,
    buf: Vec<u8>,
    to: Option<SyncSender<Vec<u8>>>,
    thread: ScopedJoinHandle<'scope, Result<Done>>,
}

impl<'scope> Manifests<'scope> {
    /// Starts a thread per algorithm writing `dir/manifest-<algorithm>.txt`
    /// (deflated too when `deflate(algorithm)`).
    pub(super) fn start(
        scope: &'scope Scope<'scope, '_>,
        dir: &Path,
        algorithms: &[Algorithm],
        deflate: impl Fn(Algorithm) -> bool,
    ) -> Self {
        let writers = algorithms
            .iter()
            .map(|&a| {
                let name = a.manifest_name();
                let path = dir.join(&name);
                let deflated = deflate(a).then(|| dir.join(format!("{name}.deflated")));
                let (to, from) = sync_channel(4);
                let thread = scope.spawn(move || write(&from, path, deflated));
                Writer {
                    algorithm: a,
                    name,
                    buf: Vec::with_capacity(CHUNK),
                    to: Some(to),
                    thread,
                }
            })
            .collect();
        Manifests {
            writers,
            line: String::new(),
        }
    }

    /// Appends the line of the payload file at `path` (`data/…`) to every
    /// manifest; `digest(a)` is its checksum with algorithm `a`.
    pub(super) fn push<'d>(
        &mut self,
        path: &str,
        digest: impl Fn(Algorithm) -> &'d [u8],
    ) -> Result<()> {
        for w in &mut self.writers {
            self.line.clear();
            push_manifest_line(&mut self.line, path, digest(w.algorithm));
            w.buf.extend_from_slice(self.line.as_bytes());
            if w.buf.len() >= CHUNK {
                w.send()?;
            }
        }
        Ok(())
    }

    /// Waits for every manifest; returns them by name.
    pub(super) fn finish(self) -> Result<Vec<(String, Done)>> {
        let mut out = Vec::new();
        for mut w in self.writers {
            let sent = w.send();
            w.to = None; // the thread ends with the channel
            let done = w.thread.join().unwrap_or_else(|_| {
                Err(Error::io(
                    "write",
                    &w.name,
                    std::io::Error::other("the thread writing it failed"),
                ))
            });
            sent.and(done.map(|d| out.push((w.name, d))))?;
        }
        Ok(out)
    }
}

impl Writer<'_> {
    /// Hands the buffered lines to the thread.
    fn send(&mut self) -> Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let buf = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        match &self.to {
            Some(to) if to.send(buf).is_ok() => Ok(()),
            // The thread stopped on an error, which `finish` returns.
            _ => Ok(()),
        }
    }
}

/// A manifest's thread: writes what comes to `path`, hashing it, and
/// deflates it to `deflated` if given.
fn write(from: &Receiver<Vec<u8>>, path: PathBuf, deflated: Option<PathBuf>) -> Result<Done> {
    let werr = |p: &Path, e| Error::io("write", p, e);
    let file = File::create_new(&path).map_err(|e| werr(&path, e))?;
    let mut out = BufWriter::with_capacity(CHUNK, file);
    let mut hasher = MultiHasher::new(&Algorithm::DEFAULT);
    let mut deflate = match deflated {
        Some(p) => {
            let file = File::create_new(&p).map_err(|e| werr(&p, e))?;
            let enc = flate2::write::DeflateEncoder::new(
                BufWriter::with_capacity(CHUNK, file),
                flate2::Compression::new(MANIFEST_DEFLATE_LEVEL),
            );
            Some((enc, crc32fast::Hasher::new(), p))
        }
        None => None,
    };
    // Bytes not yet deflated, and the size of the next piece.
    let mut pending: Vec<u8> = Vec::new();
    let mut piece = SAMPLE;
    for buf in from {
        out.write_all(&buf).map_err(|e| werr(&path, e))?;
        hasher.update(&buf);
        if let Some((enc, crc, p)) = &mut deflate {
            crc.update(&buf);
            pending.extend_from_slice(&buf);
            let mut at = 0;
            while pending.len() - at >= piece {
                enc.write_all(&pending[at..at + piece])
                    .map_err(|e| werr(p.as_path(), e))?;
                at += piece;
                piece = PUMP_READ;
            }
            pending.drain(..at);
        }
    }
    out.into_inner().map_err(|e| werr(&path, e.into_error()))?;
    let deflated = match deflate {
        Some((mut enc, crc, p)) => {
            if !pending.is_empty() {
                enc.write_all(&pending).map_err(|e| werr(&p, e))?;
            }
            let file = enc
                .finish()
                .and_then(|w| w.into_inner().map_err(std::io::IntoInnerError::into_error))
                .map_err(|e| werr(&p, e))?;
            let csize = file.metadata().map_err(|e| werr(&p, e))?.len();
            Some(Deflated {
                path: p,
                crc32: crc.finalize(),
                csize,
            })
        }
        None => None,
    };
    let (size, digests) = hasher.finish();
    Ok(Done {
        path,
        size,
        digests,
        deflated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checksum::hash_bytes;
    use crate::serialize::{Method, ZipBuilder, dos_date};
    use std::io::{Cursor, Read};

    #[test]
    fn manifests_deflated_on_their_thread_are_what_add_stream_writes() {
        let dir = tempfile::tempdir().unwrap();
        let paths: Vec<String> = (0..20_000)
            .map(|i| format!("data/items/{i:05}-x/text.txt"))
            .chain(["data/a%b\nc".to_owned(), "data/*star".to_owned()])
            .collect();
        let done = std::thread::scope(|scope| {
            let mut m = Manifests::start(scope, dir.path(), &Algorithm::DEFAULT, |a| {
                a == Algorithm::Sha512
            });
            for p in &paths {
                let d = hash_bytes(p.as_bytes(), &Algorithm::DEFAULT);
                m.push(p, |a| {
                    d.iter()
                        .find(|(b, _)| *b == a)
                        .map_or(&[][..], |(_, d)| d.as_bytes())
                })
                .unwrap();
            }
            m.finish().unwrap()
        });
        assert_eq!(done.len(), 2);
        for (name, d) in &done {
            let bytes = std::fs::read(&d.path).unwrap();
            assert_eq!(d.size, bytes.len() as u64, "{name}");
            assert_eq!(d.digests, hash_bytes(&bytes, &Algorithm::DEFAULT), "{name}");
            let mut lines = String::new();
            for p in &paths {
                let a = if name.contains("512") {
                    Algorithm::Sha512
                } else {
                    Algorithm::Sha256
                };
                let digest = hash_bytes(p.as_bytes(), &[a]);
                push_manifest_line(&mut lines, p, digest[0].1.as_bytes());
            }
            assert!(bytes == lines.as_bytes(), "{name}");
            let Some(deflated) = &d.deflated else {
                assert!(name.contains("256"));
                continue;
            };
            let date = dos_date(None);
            let mut want = ZipBuilder::new(Cursor::new(Vec::new()), date);
            // As a tag file is read from disk: its first bytes, then the
            // rest.
            let (head, rest) = bytes.split_at(SAMPLE);
            let mut reader = Cursor::new(head).chain(rest);
            want.add_stream(name, Method::Deflated, d.size, &mut reader, |_| {})
                .unwrap();
            let mut got = ZipBuilder::new(Cursor::new(Vec::new()), date);
            let mut f = File::open(&deflated.path).unwrap();
            got.add_raw(
                name,
                Method::Deflated,
                deflated.crc32,
                d.size,
                deflated.csize,
                &mut f,
            )
            .unwrap();
            let got = got.finish().unwrap().into_inner();
            let want = want.finish().unwrap().into_inner();
            assert!(got == want, "{name}");
        }
    }
}
