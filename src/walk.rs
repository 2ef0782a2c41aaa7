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

/// The sizes of the files `names` under `root` (without following links),
/// read in parallel: one `lstat` per file is most of the cost of walking a
/// large tree. Fills `sizes` (one per name) and returns the failures, by
/// index, in order.
pub(crate) fn sizes_under(
    root: &Path,
    names: &Names,
    sizes: &mut [u64],
) -> Vec<(usize, io::Error)> {
    sizes_of(sizes, |i| root.join(names.get(i)))
}

/// Fills `sizes[i]` with the size of `path_of(i)` (without following
/// links), in parallel; returns the failures, by index, in order.
pub(crate) fn sizes_of(
    sizes: &mut [u64],
    path_of: impl Fn(usize) -> PathBuf + Sync,
) -> Vec<(usize, io::Error)> {
    sizes
        .par_iter_mut()
        .enumerate()
        .filter_map(|(i, size)| match fs::symlink_metadata(path_of(i)) {
            Ok(m) => {
                *size = m.len();
                None
            }
            Err(e) => Some((i, e)),
        })
        .collect()
}

/// Many relative paths in one string: a few bytes per name beyond its text,
/// where a `String` per name costs 24 bytes and an allocation.
#[derive(Debug, Clone, Default)]
pub(crate) struct Names {
    text: String,
    ends: Vec<usize>,
}

impl Names {
    /// Adds a name at the end.
    pub(crate) fn push(&mut self, name: &str) {
        self.text.push_str(name);
        self.ends.push(self.text.len());
    }

    /// The `i`th name.
    pub(crate) fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    /// How many names there are.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Every name, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// The permutation that sorts the names (byte order, which is `str`
    /// order), stable.
    pub(crate) fn sorted_order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.sort_by(|&a, &b| self.get(a).cmp(self.get(b)));
        order
    }

    /// The names in the order given by `order` (a permutation).
    pub(crate) fn permuted(&self, order: &[usize]) -> Names {
        let mut out = Names {
            text: String::with_capacity(self.text.len()),
            ends: Vec::with_capacity(order.len()),
        };
        for &i in order {
            out.push(self.get(i));
        }
        out
    }

    /// Where `name` is, if the names are sorted.
    pub(crate) fn find_sorted(&self, name: &str) -> Option<usize> {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.get(mid).cmp(name) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }

    /// The first index whose name is not less than `name`, if sorted.
    pub(crate) fn lower_bound(&self, name: &str) -> usize {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.get(mid) < name {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// Drops spare capacity.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.ends.shrink_to_fit();
    }
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
