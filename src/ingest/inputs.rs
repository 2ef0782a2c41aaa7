//! The inputs: files and directories walked in sorted order, counted
//! first (what cannot be ingested refused or listed), then read a batch
//! at a time.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::{IngestSummary, Input, Rejected};
use crate::error::{Error, Result};
use crate::walk::{Kind, Walked, walk};

/// Where an input's bytes come from.
pub(super) enum Source<'a> {
    /// A file, and the name provenance records for it.
    File(PathBuf, String),
    Bytes(&'a [u8]),
}

/// An input opened: its bytes, or a WARC file to be streamed.
pub(super) enum Opened {
    Bytes(Vec<u8>),
    Warc,
}

/// Bytes read to tell a WARC file from other inputs.
const SNIFF: usize = 4096;

impl Source<'_> {
    /// The name provenance records for it (`name`, as given, for bytes).
    pub(super) fn stable<'n>(&'n self, name: &'n str) -> &'n str {
        match self {
            Source::File(_, stable) => stable.as_str(),
            Source::Bytes(_) => name,
        }
    }

    /// Opens the input: a WARC file (told from its first bytes, whatever
    /// its size and name) is left to be streamed; any other input is read
    /// whole, up to `max` bytes.
    pub(super) fn open(&self, name: &str, max: u64) -> Result<Opened> {
        match self {
            Source::Bytes(b) => {
                if crate::warc::is_warc(&b[..b.len().min(SNIFF)]) {
                    return Ok(Opened::Warc);
                }
                self.read(name, max).map(Opened::Bytes)
            }
            Source::File(p, _) => {
                let mut f = fs::File::open(p).map_err(|e| Error::io("read", p, e))?;
                let size = f.metadata().map_or(0, |m| m.len());
                let mut head = vec![0u8; SNIFF];
                let mut n = 0;
                while n < SNIFF {
                    match f.read(&mut head[n..]) {
                        Ok(0) => break,
                        Ok(k) => n += k,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(Error::io("read", p, e)),
                    }
                }
                head.truncate(n);
                if crate::warc::is_warc(&head) {
                    return Ok(Opened::Warc);
                }
                if size > max || n as u64 > max {
                    return Err(self.too_big(name, max));
                }
                let mut buf = Vec::with_capacity(usize::try_from(size).unwrap_or(0) + 1);
                buf.extend_from_slice(&head);
                f.take(max + 1 - n as u64)
                    .read_to_end(&mut buf)
                    .map_err(|e| Error::io("read", p, e))?;
                if buf.len() as u64 > max {
                    return Err(self.too_big(name, max));
                }
                Ok(Opened::Bytes(buf))
            }
        }
    }

    fn too_big(&self, name: &str, max: u64) -> Error {
        Error::LimitExceeded {
            what: format!("size of input `{name}`"),
            limit: max,
        }
    }

    /// Its size, as far as can be told before reading it.
    pub(super) fn size(&self) -> u64 {
        match self {
            Source::File(p, _) => fs::metadata(p).map_or(0, |m| m.len()),
            Source::Bytes(b) => b.len() as u64,
        }
    }

    pub(super) fn read(&self, name: &str, max: u64) -> Result<Vec<u8>> {
        let too_big = || Error::LimitExceeded {
            what: format!("size of input `{name}`"),
            limit: max,
        };
        match self {
            Source::Bytes(b) => {
                if b.len() as u64 > max {
                    return Err(too_big());
                }
                Ok(b.to_vec())
            }
            Source::File(p, _) => {
                let f = fs::File::open(p).map_err(|e| Error::io("read", p, e))?;
                // Sized from the metadata: one read for a small file.
                let size = f.metadata().map_or(0, |m| m.len());
                if size > max {
                    return Err(too_big());
                }
                let mut buf = Vec::with_capacity(usize::try_from(size).unwrap_or(0) + 1);
                f.take(max + 1)
                    .read_to_end(&mut buf)
                    .map_err(|e| Error::io("read", p, e))?;
                if buf.len() as u64 > max {
                    return Err(too_big());
                }
                Ok(buf)
            }
        }
    }
}

/// Provenance names inputs by their last component and their path inside
/// a directory input, so that the same inputs give the same bag wherever
/// they lie; messages name them as given.
pub(super) fn base_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(|| ".".to_owned(), |n| n.to_string_lossy().into_owned())
}

/// Whether `src` is one of the `excluded` files (canonical paths).
pub(super) fn is_excluded(src: &Source<'_>, excluded: &[PathBuf]) -> bool {
    match src {
        // Only a file of the same name can be an excluded one.
        Source::File(p, _) => {
            excluded.iter().any(|e| e.file_name() == p.file_name())
                && fs::canonicalize(p).is_ok_and(|c| excluded.contains(&c))
        }
        Source::Bytes(_) => false,
    }
}

/// The files of the inputs, in order (directories walked recursively in
/// sorted order), but the `excluded` ones. Only files: what else the walks
/// find was reported by [`expand`], which walked them first.
pub(super) fn input_files<'a>(
    inputs: &'a [Input],
    excluded: &'a [PathBuf],
) -> impl Iterator<Item = (String, Source<'a>)> + 'a {
    inputs
        .iter()
        .flat_map(
            |input| -> Box<dyn Iterator<Item = (String, Source<'a>)> + 'a> {
                match input {
                    Input::Bytes { name, bytes } => {
                        Box::new(std::iter::once((name.clone(), Source::Bytes(bytes))))
                    }
                    Input::Path(path) => {
                        let base = base_name(path);
                        if fs::metadata(path).is_ok_and(|md| md.is_file()) {
                            let src = Source::File(path.clone(), base);
                            return Box::new(std::iter::once((path.display().to_string(), src)));
                        }
                        Box::new(walk(path).filter_map(move |w| match w {
                            Walked::Entry {
                                kind: Kind::File,
                                path: p,
                                rel,
                            } => Some((
                                p.display().to_string(),
                                Source::File(p, format!("{base}/{rel}")),
                            )),
                            _ => None,
                        }))
                    }
                }
            },
        )
        .filter(|(_, src)| !is_excluded(src, excluded))
}

/// Walks the input `path` (a file, or a directory read recursively) and
/// counts its files but the `excluded` ones; what cannot be ingested is
/// refused, or with `keep_going` listed in `summary`.
pub(super) fn expand(
    path: &Path,
    excluded: &[PathBuf],
    summary: &mut IngestSummary,
    keep_going: bool,
) -> Result<u64> {
    let md = fs::metadata(path).map_err(|e| Error::io("read", path, e))?;
    let base = base_name(path);
    let mut count = 0u64;
    let mut found = |src: Source<'_>| {
        if !is_excluded(&src, excluded) {
            count += 1;
        }
    };
    if md.is_file() {
        found(Source::File(path.to_owned(), base));
        return Ok(count);
    }
    for walked in walk(path) {
        match walked {
            Walked::Entry {
                kind: Kind::File,
                path: p,
                ..
            } => found(Source::File(p, String::new())),
            Walked::Entry {
                kind: Kind::Dir, ..
            } => {}
            Walked::Entry { rel, kind, .. } => summary.warnings.push(format!(
                "skipped `{}`: not a regular file ({kind:?})",
                path.join(rel).display()
            )),
            Walked::NonUtf8 { rel } | Walked::Error { rel, .. } if keep_going => {
                summary.rejected.push(Rejected {
                    input: path.join(&rel).display().to_string(),
                    reason: "cannot be read, or its name is not UTF-8".into(),
                });
            }
            Walked::NonUtf8 { rel } => {
                return Err(Error::NotABag {
                    path: path.join(rel),
                    reason: "input file names must be UTF-8".into(),
                });
            }
            Walked::Error { rel, error } => {
                return Err(Error::io(
                    "read",
                    path.join(rel),
                    std::io::Error::other(error),
                ));
            }
        }
    }
    Ok(count)
}
