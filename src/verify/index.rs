//! The files found in a bag, held compactly and sorted, and how a
//! manifest's paths find them: exactly, after NFC normalisation, or
//! ignoring case.

use std::collections::BTreeMap;
use std::ops::Range;

use unicode_normalization::UnicodeNormalization;

use crate::source::FoundFile;
use crate::walk::Names;

/// The files of a bag, sorted by path, held compactly: every path in one
/// string ([`Names`]) and a [`FoundFile`] each, about 16 bytes per file
/// beyond the path's text, where a map of `String`s costs about 100.
#[derive(Debug, Default)]
pub(crate) struct FileIndex {
    pub(super) names: Names,
    pub(super) files: Vec<FoundFile>,
}

impl FileIndex {
    /// The index of an inventory's files (already sorted by path).
    pub(super) fn from_map(map: BTreeMap<String, FoundFile>) -> Self {
        let mut index = FileIndex::default();
        index.files.reserve_exact(map.len());
        for (name, file) in map {
            index.names.push(&name);
            index.files.push(file);
        }
        index.names.shrink_to_fit();
        index
    }

    /// The index of the files of an opened archive (its
    /// [`files`](crate::serialize::OpenedZip::files), already sorted):
    /// no per-file map or string is made on the way.
    pub(super) fn from_zip<R: crate::serialize::ArchiveRead>(
        opened: &crate::serialize::OpenedZip<R>,
    ) -> Self {
        let mut index = FileIndex::default();
        index.files.reserve_exact(opened.files.len());
        for &pos in &opened.files {
            let e = opened.archive.entry(opened.entries[pos as usize]);
            index.names.push(e.rel);
            index.files.push(FoundFile {
                size: e.size,
                id: pos as usize,
            });
        }
        index.names.shrink_to_fit();
        index
    }

    pub(super) fn len(&self) -> usize {
        self.files.len()
    }

    pub(super) fn name(&self, i: usize) -> &str {
        self.names.get(i)
    }

    pub(super) fn file(&self, i: usize) -> &FoundFile {
        &self.files[i]
    }

    /// The file at exactly `path`.
    pub(super) fn find(&self, path: &str) -> Option<usize> {
        self.names.find_sorted(path)
    }

    /// The payload: paths under `data/` sort together, `/` being followed
    /// by `0`.
    pub(super) fn payload(&self) -> Range<usize> {
        self.names.lower_bound("data/")..self.names.lower_bound("data0")
    }
}

/// A set of small integers, one bit each.
#[derive(Debug, Clone, Default)]
pub(super) struct BitSet(Vec<u64>);

impl BitSet {
    pub(super) fn new(len: usize) -> Self {
        BitSet(vec![0; len.div_ceil(64)])
    }

    pub(super) fn get(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }

    pub(super) fn set(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
}

pub(super) fn nfc(s: &str) -> String {
    s.nfc().collect()
}

pub(super) fn fold(s: &str) -> String {
    s.nfc().flat_map(char::to_lowercase).collect()
}

/// A 64-bit hash of the NFC form of `s`, computed without allocating.
pub(super) fn nfc_hash(s: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    if s.is_ascii() {
        // ASCII is its own NFC: the same characters, hashed alike, without
        // the normaliser's per-character work.
        for b in s.bytes() {
            h.write_u32(u32::from(b));
        }
        return h.finish();
    }
    for c in s.nfc() {
        h.write_u32(u32::from(c));
    }
    h.finish()
}

/// A 64-bit hash of the case-folded NFC form of `s`, computed without
/// allocating.
pub(crate) fn fold_hash(s: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    if s.is_ascii() {
        // The same hash without the normaliser: ASCII is its own NFC form
        // and lowercases byte by byte.
        for b in s.bytes() {
            h.write_u32(u32::from(b.to_ascii_lowercase()));
        }
    } else {
        for c in s.nfc().flat_map(char::to_lowercase) {
            h.write_u32(u32::from(c));
        }
    }
    h.finish()
}

/// Resolves manifest paths to files found on disk: exactly, else after NFC
/// normalisation (a bag made on macOS), else ignoring case (a bag made on a
/// case-insensitive file system).
pub(super) struct Matcher<'a> {
    pub(super) index: &'a FileIndex,
    /// Built on the first lookup that is not an exact match: most bags never
    /// need them, and a million-file bag should not pay for them.
    pub(super) fallback: std::sync::OnceLock<Fallback>,
}

/// (hash of the normalised name, file), sorted: 16 bytes a file, names
/// compared for real only when hashes are equal.
pub(super) struct Fallback {
    pub(super) by_nfc: Vec<(u64, usize)>,
    pub(super) by_fold: Vec<(u64, usize)>,
}

pub(super) enum Match {
    Exact(usize),
    Normalized(usize),
    Case(usize),
    None,
}

impl<'a> Matcher<'a> {
    pub(super) fn new(index: &'a FileIndex) -> Self {
        Matcher {
            index,
            fallback: std::sync::OnceLock::new(),
        }
    }

    pub(super) fn fallback(&self) -> &Fallback {
        self.fallback.get_or_init(|| {
            let names = (0..self.index.len()).map(|i| (i, self.index.name(i)));
            let mut by_nfc: Vec<(u64, usize)> =
                names.clone().map(|(i, n)| (nfc_hash(n), i)).collect();
            let mut by_fold: Vec<(u64, usize)> = names.map(|(i, n)| (fold_hash(n), i)).collect();
            by_nfc.sort_unstable();
            by_fold.sort_unstable();
            Fallback { by_nfc, by_fold }
        })
    }

    /// The first file (in path order) whose `key` form equals `want`.
    pub(super) fn first_with(
        &self,
        keyed: &[(u64, usize)],
        hash: u64,
        want: &str,
        key: fn(&str) -> String,
    ) -> Option<usize> {
        let start = keyed.partition_point(|(h, _)| *h < hash);
        keyed[start..]
            .iter()
            .take_while(|(h, _)| *h == hash)
            .map(|(_, i)| *i)
            .find(|&i| key(self.index.name(i)) == want)
    }

    pub(super) fn find(&self, path: &str) -> Match {
        if let Some(i) = self.index.find(path) {
            return Match::Exact(i);
        }
        let fb = self.fallback();
        if let Some(i) = self.first_with(&fb.by_nfc, nfc_hash(path), &nfc(path), nfc) {
            return Match::Normalized(i);
        }
        if let Some(i) = self.first_with(&fb.by_fold, fold_hash(path), &fold(path), fold) {
            return Match::Case(i);
        }
        Match::None
    }

    /// Groups of files whose names collide after case folding and NFC.
    pub(super) fn collisions(&self) -> Vec<Vec<&'a str>> {
        // Sort (hash, file) pairs; only names with equal hashes are compared
        // for real, so no per-file strings are kept.
        let index = self.index;
        let mut keyed: Vec<(u64, usize)> = (0..index.len())
            .map(|i| (fold_hash(index.name(i)), i))
            .collect();
        keyed.sort_unstable();
        let mut groups = Vec::new();
        for run in keyed.chunk_by(|a, b| a.0 == b.0).filter(|r| r.len() > 1) {
            let mut by_fold: BTreeMap<String, Vec<&'a str>> = BTreeMap::new();
            for (_, i) in run {
                let name = index.name(*i);
                by_fold.entry(fold(name)).or_default().push(name);
            }
            groups.extend(by_fold.into_values().filter(|g| g.len() > 1));
        }
        groups
    }
}
