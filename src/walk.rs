//! Sorted directory walks that never follow links, shared by bagging and
//! verification: each entry comes classified, with its `/`-separated path
//! relative to the root.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

/// What an entry is (the link itself, never its target).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    File,
    Dir,
    Symlink,
    /// A FIFO, socket or device, with a word for it.
    Special(&'static str),
}

/// One step of a walk.
#[derive(Debug)]
pub(crate) enum Walked {
    /// An entry with a UTF-8 name.
    Entry {
        rel: String,
        path: PathBuf,
        kind: Kind,
    },
    /// A name that is not UTF-8 (lossily decoded); a directory is not
    /// descended.
    NonUtf8 { rel: String },
    /// An entry that could not be read (lossy relative path).
    Error { rel: String, error: String },
}

/// Walks `root` (not included) in sorted order.
pub(crate) fn walk(root: &Path) -> impl Iterator<Item = Walked> + '_ {
    let mut it = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .min_depth(1)
        .into_iter();
    let rel_of = move |p: &Path| p.strip_prefix(root).unwrap_or(p).to_owned();
    std::iter::from_fn(move || {
        let entry = match it.next()? {
            Ok(e) => e,
            Err(err) => {
                let rel = err
                    .path()
                    .map(|p| rel_of(p).to_string_lossy().into_owned())
                    .unwrap_or_default();
                let error = err
                    .io_error()
                    .map_or_else(|| err.to_string(), ToString::to_string);
                return Some(Walked::Error { rel, error });
            }
        };
        let ft = entry.file_type();
        let rel_path = rel_of(entry.path());
        let Some(rel) = rel_path
            .to_str()
            .map(|s| s.replace(std::path::MAIN_SEPARATOR, "/"))
        else {
            if ft.is_dir() {
                it.skip_current_dir();
            }
            return Some(Walked::NonUtf8 {
                rel: rel_path.to_string_lossy().into_owned(),
            });
        };
        let kind = if ft.is_dir() {
            Kind::Dir
        } else if ft.is_file() {
            Kind::File
        } else if ft.is_symlink() {
            Kind::Symlink
        } else {
            Kind::Special(special_kind(&ft))
        };
        Some(Walked::Entry {
            rel,
            path: entry.into_path(),
            kind,
        })
    })
}

/// The sizes of `paths` (without following links), read in parallel: one
/// `lstat` per file is most of the cost of walking a large tree.
pub(crate) fn sizes<'a>(paths: impl IntoParallelIterator<Item = &'a Path>) -> Vec<io::Result<u64>> {
    paths
        .into_par_iter()
        .map(|p| fs::symlink_metadata(p).map(|m| m.len()))
        .collect()
}

#[cfg(unix)]
fn special_kind(ft: &fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_fifo() {
        "FIFO"
    } else if ft.is_socket() {
        "socket"
    } else if ft.is_block_device() {
        "block device"
    } else if ft.is_char_device() {
        "character device"
    } else {
        "special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_ft: &fs::FileType) -> &'static str {
    "special file"
}
