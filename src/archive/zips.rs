//! Zipped bags opened to read items from, their central directories kept
//! for the next reads.
//!
//! Reading one item's file from a zip costs two things: parsing the zip's
//! central directory (every entry of the bag: 5 to 9 per item) and
//! inflating the entry. The first dwarfs the second when each request
//! opens the zip again: a `GetRecord` on a bag of 3,400 items parsed
//! 17,000 directory records to read one `dc.xml`. A [`ZipCache`] keeps
//! parsed directories ([`Listing`]) for the next reads, within a bound on
//! entries and bags (least recently used out first), and is shared by the
//! requests of `newsbag serve` or owned by one reader (`find`, `show`,
//! `export`).
//!
//! A cached listing is used only while the file at its path is the one it
//! was read from (same length, modification time and inode): a bag
//! replaced by a repair, or written again, is read afresh. Reads check
//! each entry's CRC and size, so a zip damaged in place is an error, never
//! other bytes.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use super::bags::{BagSource, is_object};
use crate::archive::{Error, Result};
use crate::serialize::{MAX_ZIP_ENTRIES, OpenedZip, list_zip, read_tag_entry};

/// Entries (of all cached bags together) a cache keeps by default: about
/// 110 bytes each (the directory record, the name, two indexes), so at
/// most about 55 MB.
pub const DEFAULT_MAX_ENTRIES: usize = 500_000;

/// Bags a cache keeps by default.
pub const DEFAULT_MAX_BAGS: usize = 64;

/// A zipped bag's central directory, parsed, with the file open for
/// positional reads (shared by every reader of it).
pub struct Listing {
    zip: PathBuf,
    opened: OpenedZip<BagSource>,
}

impl std::fmt::Debug for Listing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listing")
            .field("zip", &self.zip)
            .field("entries", &self.opened.entries.len())
            .finish_non_exhaustive()
    }
}

impl Listing {
    /// Opens the zipped bag `zip` and parses its central directory.
    pub fn open(zip: &Path) -> Result<Self> {
        let opened = list_zip(BagSource::open(zip)?, zip, MAX_ZIP_ENTRIES)?;
        Ok(Listing {
            zip: zip.to_owned(),
            opened,
        })
    }

    /// The number of regular-file entries.
    #[must_use]
    pub fn len(&self) -> usize {
        self.opened.entries.len()
    }

    /// Whether the bag has no file at all.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.opened.entries.is_empty()
    }

    fn bad(&self, reason: String) -> Error {
        Error::BadBag {
            path: self.zip.clone(),
            reason,
        }
    }

    /// The path (relative to the bag root) of the `i`-th file in path
    /// order.
    fn rel(&self, i: usize) -> &str {
        let pos = self.opened.files[i] as usize;
        self.opened.archive.entry(self.opened.entries[pos]).rel
    }

    /// Whether the bag holds the file `rel` (relative to the bag root).
    #[must_use]
    pub fn contains(&self, rel: &str) -> bool {
        self.position(rel).is_some()
    }

    /// The first position in path order whose path is not below `key`.
    /// `files` is sorted by path: a binary search, not a scan of the zip's
    /// (maybe hundreds of thousands of) entries for every read.
    fn lower_bound(&self, key: &str) -> usize {
        let (mut lo, mut hi) = (0, self.opened.files.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.rel(mid) < key {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    fn position(&self, rel: &str) -> Option<usize> {
        let at = self.lower_bound(rel);
        (at < self.opened.files.len() && self.rel(at) == rel).then_some(at)
    }

    /// The paths of the files directly under the folder `dir` (relative
    /// to the bag root, without its trailing `/`), in path order, as names
    /// relative to it.
    #[must_use]
    pub fn names_in(&self, dir: &str) -> Vec<&str> {
        let prefix = format!("{dir}/");
        (self.lower_bound(&prefix)..self.opened.files.len())
            .map(|i| self.rel(i))
            .take_while(|r| r.starts_with(&prefix))
            .filter_map(|r| r.strip_prefix(&prefix))
            .filter(|name| !name.contains('/'))
            .collect()
    }

    /// The bytes of the file `rel` (at most [`crate::serialize::MAX_ZIP_TAG_FILE`]),
    /// checked against the entry's CRC and size; `None` when the bag has
    /// no such file.
    pub fn read(&self, rel: &str) -> Result<Option<Vec<u8>>> {
        let Some(at) = self.position(rel) else {
            return Ok(None);
        };
        let entry = self.opened.entries[self.opened.files[at] as usize];
        let (bytes, finding) = read_tag_entry(&self.opened.archive, entry)
            .map_err(|e| self.bad(format!("cannot read `{rel}`: {e}")))?;
        if let Some(p) = finding {
            return Err(self.bad(format!("`{rel}`: {}", p.message())));
        }
        Ok(Some(bytes))
    }

    /// Streams the file `rel` to `out`, checking its CRC and size as it
    /// goes; the number of bytes and their SHA-256 (hex). A damaged entry
    /// is an error once its bytes have been written. `None` when the bag
    /// has no such file.
    pub fn copy(&self, rel: &str, out: &mut dyn std::io::Write) -> Result<Option<(u64, String)>> {
        use sha2::Digest;
        let Some(at) = self.position(rel) else {
            return Ok(None);
        };
        let entry = self.opened.entries[self.opened.files[at] as usize];
        let mut archive = self.opened.archive.clone();
        let info = self.opened.archive.entry(entry);
        let mut r = crate::serialize::open_entry(&mut archive, &info)
            .map_err(|e| self.bad(format!("cannot read `{rel}`: {e}")))?;
        let mut hasher = sha2::Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        let mut n = 0u64;
        loop {
            let k = std::io::Read::read(&mut r, &mut buf)
                .map_err(|e| self.bad(format!("cannot read `{rel}`: {e}")))?;
            if k == 0 {
                break;
            }
            hasher.update(&buf[..k]);
            out.write_all(&buf[..k])
                .map_err(|e| Error::io("write", "standard output", e))?;
            n += k as u64;
        }
        if let Some(p) = r.finish(&info) {
            return Err(self.bad(format!("`{rel}`: {}", p.message())));
        }
        let hex: String = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(Some((n, hex)))
    }
}

/// What tells one file at a path from another written there later (for
/// an object in a bucket: its size and entity tag, one HEAD request).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    #[cfg(unix)]
    inode: (u64, u64),
    e_tag: Option<String>,
}

impl Stamp {
    fn of(path: &Path) -> Result<Self> {
        if is_object(path) {
            let o = BagSource::open(path)?;
            return Ok(Stamp {
                len: o.len(),
                modified: None,
                #[cfg(unix)]
                inode: (0, 0),
                e_tag: o.version(),
            });
        }
        let md = fs::metadata(path).map_err(|e| Error::io("read", path, e))?;
        Ok(Stamp {
            len: md.len(),
            modified: md.modified().ok(),
            #[cfg(unix)]
            inode: {
                use std::os::unix::fs::MetadataExt;
                (md.dev(), md.ino())
            },
            e_tag: None,
        })
    }
}

struct Cached {
    listing: Arc<Listing>,
    stamp: Stamp,
    used: u64,
}

#[derive(Default)]
struct State {
    bags: BTreeMap<PathBuf, Cached>,
    entries: usize,
    tick: u64,
}

/// Parsed central directories of zipped bags, kept within a bound: at most
/// `max_entries` entries and `max_bags` bags together, the least recently
/// used given up first, but always the last one opened (a bag larger than
/// the bound is read item after item without parsing it again). Safe to
/// share between threads.
pub struct ZipCache {
    state: Mutex<State>,
    max_entries: usize,
    max_bags: usize,
}

impl std::fmt::Debug for ZipCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZipCache")
            .field("max_entries", &self.max_entries)
            .field("max_bags", &self.max_bags)
            .finish_non_exhaustive()
    }
}

impl Default for ZipCache {
    fn default() -> Self {
        ZipCache::new(DEFAULT_MAX_ENTRIES, DEFAULT_MAX_BAGS)
    }
}

impl ZipCache {
    /// A cache of at most `max_entries` entries and `max_bags` bags (each
    /// at least 1).
    #[must_use]
    pub fn new(max_entries: usize, max_bags: usize) -> Self {
        ZipCache {
            state: Mutex::new(State::default()),
            max_entries: max_entries.max(1),
            max_bags: max_bags.max(1),
        }
    }

    /// The listing of the zipped bag `zip`: the cached one if the file is
    /// still the one it was read from, else read now (and kept).
    pub fn get(&self, zip: &Path) -> Result<Arc<Listing>> {
        let stamp = Stamp::of(zip)?;
        {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            state.tick += 1;
            let tick = state.tick;
            if let Some(c) = state.bags.get_mut(zip)
                && c.stamp == stamp
            {
                c.used = tick;
                return Ok(Arc::clone(&c.listing));
            }
        }
        // Parsed outside the lock: other requests go on meanwhile (two
        // requests missing the same bag at once both parse it; the last
        // one is kept).
        let listing = Arc::new(Listing::open(zip)?);
        // The file may have been replaced while it was read: keep the
        // listing only under the stamp taken before opening it if nothing
        // changed since.
        if Stamp::of(zip)? == stamp {
            self.insert(zip, Arc::clone(&listing), stamp);
        }
        Ok(listing)
    }

    fn insert(&self, zip: &Path, listing: Arc<Listing>, stamp: Stamp) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(old) = state.bags.remove(zip) {
            state.entries -= old.listing.len();
        }
        state.tick += 1;
        let used = state.tick;
        let n = listing.len();
        while !state.bags.is_empty()
            && (state.entries + n > self.max_entries || state.bags.len() + 1 > self.max_bags)
        {
            let Some(oldest) = state
                .bags
                .iter()
                .min_by_key(|(_, c)| c.used)
                .map(|(p, _)| p.clone())
            else {
                break;
            };
            if let Some(c) = state.bags.remove(&oldest) {
                state.entries -= c.listing.len();
            }
        }
        state.entries += n;
        state.bags.insert(
            zip.to_owned(),
            Cached {
                listing,
                stamp,
                used,
            },
        );
    }

    /// The bags and entries held now.
    #[must_use]
    pub fn held(&self) -> (usize, usize) {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        (state.bags.len(), state.entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{IngestOptions, Input};
    use crate::progress::NoProgress;

    /// The sample inbox ingested as bag `name` under `root`; its zip.
    fn bag(root: &Path, name: &str) -> PathBuf {
        let inbox = Path::new(env!("CARGO_MANIFEST_DIR")).join("archive/inbox");
        let mut options = IngestOptions::new(root, "2026-11-28", "2026-11-28T00:00:00Z");
        options.name = Some(name.into());
        crate::ingest::ingest(&[Input::Path(inbox)], &options, &NoProgress)
            .unwrap()
            .bag
    }

    /// The first item folder of the listing, by path.
    fn first_item(listing: &Listing) -> String {
        let i = listing.lower_bound("data/items/");
        let rel = listing.rel(i);
        let id = rel["data/items/".len()..].split('/').next().unwrap();
        format!("data/items/{id}")
    }

    #[test]
    fn files_are_found_by_path_and_read_checked() {
        let tmp = tempfile::tempdir().unwrap();
        let zip = bag(tmp.path(), "one");
        let listing = Listing::open(&zip).unwrap();
        assert!(listing.contains("bagit.txt"));
        assert!(listing.contains("manifest-sha256.txt"));
        assert!(!listing.contains("bagit.tx"));
        assert!(!listing.contains("data"));
        assert_eq!(
            listing.read("bagit.txt").unwrap().unwrap(),
            b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
        );
        assert_eq!(listing.read("no/such/file").unwrap(), None);
        let item = first_item(&listing);
        let names = listing.names_in(&item);
        for want in ["dc.xml", "provenance.json", "text.txt"] {
            assert!(names.contains(&want), "{want} not in {names:?}");
        }
        assert!(names.iter().any(|n| n.starts_with("original.")));
        assert!(names.iter().all(|n| !n.contains('/')));
        let dc = listing.read(&format!("{item}/dc.xml")).unwrap().unwrap();
        assert!(dc.starts_with(b"<?xml"));
        // Every file of the bag is found, and nothing between them.
        for i in 0..listing.opened.files.len() {
            let rel = listing.rel(i).to_owned();
            assert_eq!(listing.position(&rel), Some(i));
            assert_eq!(listing.position(&format!("{rel}\u{0}")), None);
        }
        // Streamed with the SHA-256 of what was sent.
        let mut out = Vec::new();
        let (n, sha) = listing
            .copy(&format!("{item}/dc.xml"), &mut out)
            .unwrap()
            .unwrap();
        assert_eq!((n, out.as_slice()), (dc.len() as u64, dc.as_slice()));
        let hex: String = <sha2::Sha256 as sha2::Digest>::digest(&dc)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(sha, hex);
    }

    #[test]
    fn a_cached_listing_is_shared_until_its_file_is_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let zip = bag(tmp.path(), "one");
        let cache = ZipCache::default();
        let a = cache.get(&zip).unwrap();
        let b = cache.get(&zip).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(cache.held(), (1, a.len()));
        // Another bag renamed over it (as a repair does): read afresh.
        let other = bag(&tmp.path().join("elsewhere"), "two");
        fs::rename(&other, &zip).unwrap();
        let c = cache.get(&zip).unwrap();
        assert!(!Arc::ptr_eq(&a, &c));
        assert!(Arc::ptr_eq(&c, &cache.get(&zip).unwrap()));
        assert_eq!(cache.held(), (1, c.len()));
        // Gone: an error naming the file, not the old listing.
        fs::remove_file(&zip).unwrap();
        let e = cache.get(&zip).unwrap_err().to_string();
        assert!(e.contains("one.zip"), "{e}");
    }

    #[test]
    fn the_bound_gives_up_the_least_recently_used_but_keeps_the_last() {
        let tmp = tempfile::tempdir().unwrap();
        let zips: Vec<PathBuf> = ["a", "b", "c"].iter().map(|n| bag(tmp.path(), n)).collect();
        let per_bag = Listing::open(&zips[0]).unwrap().len();
        // Room for two bags.
        let cache = ZipCache::new(2 * per_bag, 10);
        let a = cache.get(&zips[0]).unwrap();
        cache.get(&zips[1]).unwrap();
        // `a` used again: `b` is now the least recently used.
        assert!(Arc::ptr_eq(&a, &cache.get(&zips[0]).unwrap()));
        cache.get(&zips[2]).unwrap();
        assert_eq!(cache.held(), (2, 2 * per_bag));
        assert!(Arc::ptr_eq(&a, &cache.get(&zips[0]).unwrap()));
        // A bound below one bag still keeps the last one opened.
        let small = ZipCache::new(1, 10);
        let x = small.get(&zips[1]).unwrap();
        assert!(Arc::ptr_eq(&x, &small.get(&zips[1]).unwrap()));
        small.get(&zips[2]).unwrap();
        assert_eq!(small.held(), (1, per_bag));
        // And by number of bags.
        let two = ZipCache::new(usize::MAX, 2);
        for z in &zips {
            two.get(z).unwrap();
        }
        assert_eq!(two.held().0, 2);
    }

    #[test]
    fn a_damaged_entry_is_an_error_never_other_bytes() {
        let tmp = tempfile::tempdir().unwrap();
        let zip = bag(tmp.path(), "one");
        let listing = Listing::open(&zip).unwrap();
        let item = first_item(&listing);
        let rel = format!("{item}/text.txt");
        let want = listing.read(&rel).unwrap().unwrap();
        // Flip a byte inside that entry's data, in place.
        let mut bytes = fs::read(&zip).unwrap();
        let entry =
            listing.opened.entries[listing.opened.files[listing.position(&rel).unwrap()] as usize];
        let info = listing.opened.archive.entry(entry);
        // The local header comes first in the file: its name, then the
        // extra field, then the data.
        let name = format!("one/{rel}");
        let p = memchr::memmem::find(&bytes, name.as_bytes()).unwrap();
        let extra = usize::from(u16::from_le_bytes([bytes[p - 2], bytes[p - 1]]));
        let at = p + name.len() + extra + usize::try_from(info.compressed_size / 2).unwrap();
        bytes[at] ^= 0x55;
        fs::write(&zip, &bytes).unwrap();
        let cache = ZipCache::default();
        match cache.get(&zip).unwrap().read(&rel) {
            Err(e) => assert!(e.to_string().contains("text.txt"), "{e}"),
            Ok(got) => panic!(
                "read {} bytes, was {}",
                got.map_or(0, |g| g.len()),
                want.len()
            ),
        }
    }
}
