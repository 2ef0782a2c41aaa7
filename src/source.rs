//! What verification, extraction and the ZIP reader share about a bag's
//! container, whatever it is (a directory, an archive): the files found in
//! it before any is read ([`Inventory`]), read access to them
//! ([`BagSource`]), which top-level files are read whole, and the key that
//! decides a file's part when a large bag is handled a part at a time.

use std::collections::BTreeMap;

use unicode_normalization::UnicodeNormalization;

use crate::checksum::{Algorithm, Digest};
use crate::progress::Reporter;
use crate::report::Problem;
use crate::tagfile::BAG_DECLARATION;

/// Tag files larger than this are not read into memory (a hostile bag could
/// hold a 100 GB "manifest"); the bag is reported invalid instead.
pub const MAX_TAG_FILE: u64 = 1 << 30;

/// A regular file found inside the bag, by whatever means (a directory walk,
/// a ZIP central directory).
#[derive(Debug, Clone)]
pub(crate) struct FoundFile {
    /// Its size in bytes.
    pub(crate) size: u64,
    /// What the [`BagSource`] needs to find it again (an index).
    pub(crate) id: usize,
}

/// Everything found in a bag's container before any file is read.
#[derive(Debug, Default)]
pub(crate) struct Inventory {
    /// Regular files, by path relative to the bag root with `/` separators.
    pub(crate) files: BTreeMap<String, FoundFile>,
    /// Whether a `data/` directory exists (it may be empty).
    pub(crate) has_payload_dir: bool,
    /// Problems found while listing (special files, unsafe names, …).
    pub(crate) problems: Vec<Problem>,
}

/// One file to hash, with the algorithms wanted.
#[derive(Debug, Clone)]
pub(crate) struct HashJob {
    /// The file.
    pub(crate) file: FoundFile,
    /// The algorithms to compute.
    pub(crate) algorithms: Vec<Algorithm>,
}

/// Read access to the files of an [`Inventory`]: a directory or an archive.
pub(crate) trait BagSource: Sync {
    /// Reads a whole (tag) file, at most [`MAX_TAG_FILE`] bytes.
    fn read(&self, file: &FoundFile) -> std::io::Result<Vec<u8>>;
    /// Hashes every job, in parallel where the source allows, reading each
    /// file once; returns one result per job, in order.
    fn hash(
        &self,
        jobs: &[HashJob],
        reporter: &dyn Reporter,
    ) -> Vec<std::io::Result<Vec<(Algorithm, Digest)>>>;
    /// Opens a (tag) file to read it as a stream; by default it is read
    /// whole with [`BagSource::read`].
    fn open(&self, file: &FoundFile) -> std::io::Result<Box<dyn std::io::Read + '_>> {
        Ok(Box::new(std::io::Cursor::new(self.read(file)?)))
    }
}

/// Reads at most `MAX_TAG_FILE` bytes from `r`, failing beyond.
pub(crate) fn read_capped(r: impl std::io::Read) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut buf = Vec::new();
    r.take(MAX_TAG_FILE + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > MAX_TAG_FILE {
        return Err(std::io::Error::other(format!(
            "larger than {MAX_TAG_FILE} bytes: refusing to read it into memory"
        )));
    }
    Ok(buf)
}

/// Whether a top-level file is one verification reads as a whole.
pub(crate) fn is_tag_to_read(name: &str) -> bool {
    !name.contains('/')
        && (matches!(
            name,
            BAG_DECLARATION | "bag-info.txt" | "package-info.txt" | "fetch.txt"
        ) || crate::manifest::is_manifest_name(name))
}

/// Which part a path belongs to when a bag is verified in parts: a 64-bit
/// hash of the case-folded NFC form of `path`, as [`fold_hash`], but with
/// FNV-1a and a final mix instead of SipHash (it is computed for every
/// manifest line in every part). Paths equal after folding get equal keys.
///
/// `seed` changes the hash's starting point: 0 for a bag directory (which
/// its owner made), a random one for an archive (which anyone may have
/// made), so that no archive can be crafted to put all its entries in one
/// part.
pub(crate) fn part_key(path: &str, seed: u64) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    let mut add = |c: u32| h = (h ^ u64::from(c)).wrapping_mul(PRIME);
    if path.is_ascii() {
        path.bytes()
            .for_each(|b| add(u32::from(b.to_ascii_lowercase())));
    } else {
        path.nfc()
            .flat_map(char::to_lowercase)
            .for_each(|c| add(u32::from(c)));
    }
    // splitmix64's finaliser: every bit of the key matters modulo a small
    // number of parts.
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}
