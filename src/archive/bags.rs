//! Where an archive's bags lie: under its own root (`ARCHIVE/bags/`), or
//! under a prefix in an S3-compatible bucket (feature `s3`).
//!
//! An archive whose bags are in a bucket keeps everything else on the
//! machine that ingests: the catalog, the event log, the lock and the
//! markers of running ingests, in the archive root as for any archive. The
//! root's `store.json` names the bucket (`{"bags": "s3://BUCKET/PREFIX"}`),
//! and a bag registered as `bags/NAME.zip` is the object
//! `PREFIX/bags/NAME.zip`, the same key a replica in a bucket uses.
//!
//! An ingest builds and verifies the bag in `ARCHIVE/bags/` as always,
//! then [`Bags::publish`]es it: uploaded (multipart, each part with its
//! SHA-256 for the server to check) and read back whole to prove the
//! object is those bytes, before the catalog registers it. Only then is
//! the local zip removed. A crash at any point leaves either a local zip
//! the catalog does not know (adopted, thus uploaded, by the next run, as
//! for a local archive) or one it knows (removed by the next run once the
//! bucket is seen to hold it).
//!
//! Everything above reads a bag through its location ([`Bags::location`]:
//! a path, or `s3://BUCKET/KEY` as a path) and [`BagSource::open`], so the
//! audit, `find`, `show`, `export` and `serve` read bags in a bucket in
//! place, with ranged requests, never downloading one to disk.

use std::fs;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::{Error, Result};
use crate::serialize::SharedFile;

#[cfg(feature = "s3")]
use crate::store::{ObjectReader, S3Location, is_s3_url};

/// The file in an archive root naming where its bags lie.
pub const STORE_FILE: &str = "store.json";

/// A zipped bag open for reading, wherever it lies: positional reads of a
/// local file, or ranged requests to an object. An
/// [`ArchiveRead`](crate::serialize::ArchiveRead).
#[derive(Debug, Clone)]
pub enum BagSource {
    /// A local file.
    File(SharedFile),
    /// An object in a bucket.
    #[cfg(feature = "s3")]
    Object(ObjectReader),
}

impl BagSource {
    /// Opens the bag at `location`: a local path, or `s3://BUCKET/KEY`
    /// (one HEAD request, through the process's connection to the bucket).
    pub fn open(location: &Path) -> crate::Result<BagSource> {
        #[cfg(feature = "s3")]
        if let Some(url) = s3_location(location)? {
            let store = crate::store::shared(&url.bucket)?;
            return Ok(BagSource::Object(store.open(&url.key)?));
        }
        Ok(BagSource::File(SharedFile::open(location)?))
    }

    /// The size in bytes.
    #[must_use]
    pub fn len(&self) -> u64 {
        match self {
            BagSource::File(f) => f.len(),
            #[cfg(feature = "s3")]
            BagSource::Object(o) => o.len(),
        }
    }

    /// Whether the bag is empty (never a valid zip).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Starts fetching a small object whole in the background, so that it
    /// is here when it is checked (nothing for a file or a large object).
    pub fn prefetch(&self) {
        #[cfg(feature = "s3")]
        if let BagSource::Object(o) = self {
            o.prefetch();
        }
    }

    /// What tells this version of the bag from another written at the same
    /// location later: the object's entity tag (`None` for a local file,
    /// whose metadata tells).
    #[must_use]
    pub fn version(&self) -> Option<String> {
        match self {
            BagSource::File(_) => None,
            #[cfg(feature = "s3")]
            BagSource::Object(o) => o.e_tag().map(str::to_owned),
        }
    }
}

impl Read for BagSource {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            BagSource::File(f) => f.read(buf),
            #[cfg(feature = "s3")]
            BagSource::Object(o) => o.read(buf),
        }
    }
}

impl Seek for BagSource {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        match self {
            BagSource::File(f) => f.seek(pos),
            #[cfg(feature = "s3")]
            BagSource::Object(o) => o.seek(pos),
        }
    }
}

/// Whether `location` names an object (`s3://…`) rather than a path.
#[must_use]
pub fn is_object(location: &Path) -> bool {
    let s = location.to_string_lossy();
    s.len() >= 5 && s[..5].eq_ignore_ascii_case("s3://")
}

#[cfg(feature = "s3")]
fn s3_location(location: &Path) -> crate::Result<Option<S3Location>> {
    let text = location.to_string_lossy();
    if !is_s3_url(&text) {
        return Ok(None);
    }
    Ok(Some(S3Location::parse(&text)?))
}

/// Where an archive's bags lie.
#[derive(Debug, Clone)]
pub enum Bags {
    /// Under the archive root itself.
    Root(PathBuf),
    /// Under a prefix in a bucket.
    #[cfg(feature = "s3")]
    Bucket(S3Location),
}

#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct StoreFile {
    bags: String,
    /// A reading copy ([`Bags::reading_copy`]): it records no event.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    reading_copy: bool,
    /// The name of this root as a station of the archive (a further root
    /// ingesting into the same bucket and catalog, with an event log of
    /// its own: [`super::stations`]); absent for the archive's own root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    station: Option<String>,
}

/// What `store.json` says: where the bags are, and whether the root is a
/// reading copy.
pub(crate) fn read_store_file(root: &Path) -> Result<Option<StoreFile>> {
    let file = root.join(STORE_FILE);
    let text = match fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io("read", &file, e)),
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| Error::NotAnArchive {
            path: root.to_owned(),
            reason: format!("`{STORE_FILE}`: {e}"),
        })
}

fn write_store_file(root: &Path, content: &StoreFile) -> Result<()> {
    let text = serde_json::to_string_pretty(content).map_err(|e| Error::NotAnArchive {
        path: root.to_owned(),
        reason: e.to_string(),
    })?;
    let mut tmp = tempfile::NamedTempFile::new_in(root)
        .map_err(|e| Error::io("create a file in", root, e))?;
    io::Write::write_all(&mut tmp, format!("{text}\n").as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| Error::io("write", tmp.path(), e))?;
    let file = root.join(STORE_FILE);
    tmp.persist_noclobber(&file)
        .map_err(|e| Error::io("create", &file, e.error))?;
    super::events::sync_dir(root);
    Ok(())
}

/// The bucket `root` is a reading copy of (`None` for an archive root
/// that records its own events).
pub fn reading_copy_of(root: &Path) -> Result<Option<String>> {
    Ok(read_store_file(root)?
        .filter(|f| f.reading_copy)
        .map(|f| f.bags))
}

/// The station name of the root `root` (`None`: the archive's own root, or
/// a root without a bucket).
pub fn station_of(root: &Path) -> Result<Option<String>> {
    Ok(read_store_file(root)?.and_then(|f| f.station))
}

/// Refuses to record events in a reading copy: the archive's history is
/// written by its own root, where its bags are ingested.
pub fn check_writable(root: &Path, what: &str) -> Result<()> {
    match reading_copy_of(root)? {
        None => Ok(()),
        Some(url) => Err(Error::NotAnArchive {
            path: root.to_owned(),
            reason: format!(
                "it is a reading copy of `{url}`, which records no event: {what} where the \
                 archive's bags are ingested (its root, bound with `--bags-in {url}`), or \
                 check bags from here with `audit {url} --worker --remote --catalog …`"
            ),
        }),
    }
}

impl Bags {
    /// Where the bags of the archive at `root` lie, as its `store.json`
    /// says (under the root when there is none).
    pub fn of(root: &Path) -> Result<Bags> {
        let Some(parsed) = read_store_file(root)? else {
            return Ok(Bags::Root(root.into()));
        };
        Self::bucket(&parsed.bags).map_err(|e| Error::NotAnArchive {
            path: root.to_owned(),
            reason: format!("`{STORE_FILE}`: {e}"),
        })
    }

    #[cfg(feature = "s3")]
    fn bucket(url: &str) -> Result<Bags> {
        Ok(Bags::Bucket(S3Location::parse_prefix(url)?))
    }

    #[cfg(not(feature = "s3"))]
    fn bucket(url: &str) -> Result<Bags> {
        Err(Error::Replica {
            path: url.into(),
            reason: "this newsbag was built without S3 support (feature `s3`)".into(),
        })
    }

    /// Makes the archive at `root` keep its bags under `url`
    /// (`s3://BUCKET/PREFIX`): written once, before the archive's first
    /// bag; asking again for the same place is nothing, asking for another
    /// is refused (the catalog's bags are where the file said).
    pub fn bind(root: &Path, url: &str) -> Result<Bags> {
        Self::bind_station(root, url, None)
    }

    /// [`Bags::bind`], the root being station `station` of the archive
    /// whose bags are under `url` (`None`: the archive's own root). A root
    /// stays what it was made: another station name is refused.
    pub fn bind_station(root: &Path, url: &str, station: Option<&str>) -> Result<Bags> {
        let wanted = Self::bucket(url)?;
        let current = Self::of(root)?;
        let refuse = |reason: String| Error::NotAnArchive {
            path: root.to_owned(),
            reason,
        };
        if let Some(file) = read_store_file(root)?
            && station.is_some()
            && file.station.as_deref() != station
        {
            return Err(refuse(match &file.station {
                Some(s) => format!("it is station `{s}` of its archive (`{STORE_FILE}`)"),
                None => format!("it is its archive's own root (`{STORE_FILE}`), not a station"),
            }));
        }
        match (&current, &wanted) {
            #[cfg(feature = "s3")]
            (Bags::Bucket(a), Bags::Bucket(b)) if a == b => return Ok(current),
            #[cfg(feature = "s3")]
            (Bags::Bucket(a), _) => {
                return Err(refuse(format!(
                    "its bags are in `{a}` (`{STORE_FILE}`), not `{url}`"
                )));
            }
            _ => {}
        }
        let local = root.join("bags");
        let has_bags = fs::read_dir(&local)
            .map(|mut d| d.next().is_some())
            .unwrap_or(false);
        if has_bags || root.join(super::CATALOG_FILE).exists() || root.join("events").exists() {
            return Err(refuse(format!(
                "it keeps its bags under itself already; a new archive root is needed for bags \
                 in `{url}`"
            )));
        }
        fs::create_dir_all(root).map_err(|e| Error::io("create", root, e))?;
        write_store_file(
            root,
            &StoreFile {
                bags: url.into(),
                reading_copy: false,
                station: station.map(str::to_owned),
            },
        )?;
        Ok(wanted)
    }

    /// The local reading copy of the archive whose bags are under `url`
    /// (`s3://BUCKET/PREFIX`), made or brought up to date: a directory under
    /// `$NEWSBAG_HOME` (else `$XDG_STATE_HOME/newsbag`, else
    /// `~/.local/state/newsbag`), `s3/BUCKET/PREFIX`, holding the event log
    /// as the bucket's copy has it and a catalog made from it and the bags.
    /// Commands that only read (`find`, `show`, `export`, `extract`,
    /// `status`, `history`, `serve`, remote audit workers) take an `s3://`
    /// archive this way; it records no event of its own.
    #[cfg(feature = "s3")]
    pub fn reading_copy(url: &str) -> Result<PathBuf> {
        let loc = S3Location::parse_prefix(url)?;
        let store = crate::store::shared(&loc.bucket)?;
        // One listing of the log's copy: whether there is an archive, and
        // what to restore.
        let segments = super::log_copy::listed(&store, &loc)?;
        if segments.is_empty() {
            return Err(Error::NotAnArchive {
                path: url.into(),
                reason: format!(
                    "no newsbag archive there (no copy of an event log under `{}`)",
                    loc.with_key(&loc.key_of(super::log_copy::EVENTS))
                ),
            });
        }
        let mut home = state_dir()?.join("s3").join(&loc.bucket);
        for part in loc.key.split('/').filter(|p| !p.is_empty()) {
            home.push(part);
        }
        fs::create_dir_all(&home).map_err(|e| Error::io("create", &home, e))?;
        match read_store_file(&home)? {
            Some(f)
                if f.reading_copy
                    && S3Location::parse_prefix(&f.bags).ok().as_ref() == Some(&loc) => {}
            Some(_) => {
                return Err(Error::NotAnArchive {
                    path: home,
                    reason: format!("it is not a reading copy of `{url}`: move it aside"),
                });
            }
            None => write_store_file(
                &home,
                &StoreFile {
                    bags: loc.to_string(),
                    reading_copy: true,
                    station: None,
                },
            )?,
        }
        let restored =
            super::log_copy::restore_listed(&super::events::Log::new(&home), &store, segments)?;
        for gap in restored.gaps {
            log::warn!("{url}: the bucket's copy of the event log: {gap}");
        }
        // The logs of the archive's stations, replayed with its own.
        for said in super::stations::restore_peers(&home, &store, &loc, None)? {
            log::warn!("{url}: {said}");
        }
        // The catalog brought up to date with the log (`serve` opens it
        // read-only and would find none in a new copy).
        drop(super::Archive::open(&home)?);
        Ok(home)
    }

    /// The bucket holding the bags, if they are in one.
    #[cfg(feature = "s3")]
    #[must_use]
    pub fn bucket_prefix(&self) -> Option<&S3Location> {
        match self {
            Bags::Bucket(loc) => Some(loc),
            Bags::Root(_) => None,
        }
    }

    /// Whether the bags are in a bucket.
    #[must_use]
    pub fn in_bucket(&self) -> bool {
        !matches!(self, Bags::Root(_))
    }

    /// The location of the bag registered at `rel` (`bags/NAME.zip`): its
    /// path, or `s3://BUCKET/PREFIX/bags/NAME.zip` as a path.
    #[must_use]
    pub fn location(&self, rel: &str) -> PathBuf {
        match self {
            Bags::Root(root) => root.join(rel),
            #[cfg(feature = "s3")]
            Bags::Bucket(loc) => loc.with_key(&loc.key_of(rel)).to_path(),
        }
    }

    /// Whether the bag registered at `rel` is there (a HEAD request for a
    /// bag in a bucket). A bucket that cannot be asked counts as holding
    /// it: the check that follows reports why it cannot be read.
    #[must_use]
    pub fn has(&self, rel: &str) -> bool {
        match self {
            Bags::Root(root) => root.join(rel).is_file(),
            #[cfg(feature = "s3")]
            Bags::Bucket(_) => self.exists(rel).unwrap_or(true),
        }
    }

    /// Whether anything is at `rel` (a HEAD request for a bucket), a
    /// bucket that cannot be asked being an error.
    pub fn exists(&self, rel: &str) -> Result<bool> {
        match self {
            Bags::Root(root) => Ok(fs::symlink_metadata(root.join(rel)).is_ok()),
            #[cfg(feature = "s3")]
            Bags::Bucket(loc) => Ok(crate::store::shared(&loc.bucket)?.exists(&loc.key_of(rel))?),
        }
    }

    /// The bags present in the bucket, by path relative to the prefix,
    /// opened as one listing found them (no request each); `None` for bags
    /// under the root, which are looked at one by one.
    pub fn listing(&self) -> Result<Option<std::collections::BTreeMap<String, BagSource>>> {
        match self {
            Bags::Root(_) => Ok(None),
            #[cfg(feature = "s3")]
            Bags::Bucket(loc) => {
                let store = crate::store::shared(&loc.bucket)?;
                let under = loc.key_of("bags");
                // `PREFIX/` (nothing for the whole bucket).
                let strip = loc.key_of("");
                Ok(Some(
                    store
                        .list_zip_objects(&under)?
                        .into_iter()
                        .filter_map(|l| {
                            let rel = l.key.strip_prefix(&strip)?.to_owned();
                            Some((rel, BagSource::Object(store.open_listed(&l))))
                        })
                        .collect(),
                ))
            }
        }
    }

    /// Opens the bags at `rels` (several requests at once for a bucket):
    /// `None` for a bag that is not there.
    pub fn open_all(&self, rels: &[String]) -> Vec<crate::Result<Option<BagSource>>> {
        match self {
            Bags::Root(root) => rels
                .iter()
                .map(|rel| {
                    let path = root.join(rel);
                    if path.is_file() {
                        BagSource::open(&path).map(Some)
                    } else {
                        Ok(None)
                    }
                })
                .collect(),
            #[cfg(feature = "s3")]
            Bags::Bucket(loc) => {
                let store = match crate::store::shared(&loc.bucket) {
                    Ok(s) => s,
                    Err(e) => {
                        let e = e.to_string();
                        return rels
                            .iter()
                            .map(|_| {
                                Err(crate::Error::ObjectStore {
                                    action: "connect to",
                                    url: loc.to_string(),
                                    cause: e.clone(),
                                })
                            })
                            .collect();
                    }
                };
                let keys: Vec<String> = rels.iter().map(|r| loc.key_of(r)).collect();
                store
                    .open_all(&keys)
                    .into_iter()
                    .map(|r| r.map(|o| o.map(BagSource::Object)))
                    .collect()
            }
        }
    }

    /// Puts the local zip `zip`, to be registered at `rel`, in the bucket
    /// and proves it is there: uploaded (each part's SHA-256 checked by the
    /// server) unless an object of its size and SHA-256 is there already,
    /// then read back whole and hashed. Returns the zip's size and SHA-256
    /// (hashed once, locally, before the upload). Nothing to do for bags
    /// under the root.
    ///
    /// Another object at that key (another bag of the same name, made by
    /// another root of the archive or left by an ingest whose zip was
    /// lost) is never written over: `DestinationExists`.
    pub fn publish(&self, zip: &Path, rel: &str) -> Result<Option<(u64, String)>> {
        self.put(zip, rel, false)
    }

    /// [`Bags::publish`] in place of the object there, whatever it holds:
    /// a repair, the damaged object having been set aside.
    pub fn publish_over(&self, zip: &Path, rel: &str) -> Result<Option<(u64, String)>> {
        self.put(zip, rel, true)
    }

    #[cfg_attr(not(feature = "s3"), allow(unused_variables))]
    fn put(&self, zip: &Path, rel: &str, over: bool) -> Result<Option<(u64, String)>> {
        match self {
            Bags::Root(_) => Ok(None),
            #[cfg(feature = "s3")]
            Bags::Bucket(loc) => {
                let (size, sha) = super::register::file_sha256(zip)?;
                let key = loc.key_of(rel);
                let store = crate::store::shared(&loc.bucket)?;
                let there = match store.open(&key) {
                    Ok(o) if o.len() == size && object_sha256(&o)? == sha => true,
                    Ok(_) if !over => {
                        return Err(crate::Error::DestinationExists {
                            path: loc.with_key(&key).to_path(),
                        }
                        .into());
                    }
                    Ok(_) | Err(_) => false,
                };
                if !there {
                    store.upload(zip, &key)?;
                    let o = store.open(&key)?;
                    let found = object_sha256(&o)?;
                    if o.len() != size || found != sha {
                        return Err(Error::BadBag {
                            path: loc.with_key(&key).to_path(),
                            reason: format!(
                                "the object read back is not the bag uploaded ({} bytes, SHA-256 \
                                 {found}; uploaded {size} bytes, SHA-256 {sha})",
                                o.len()
                            ),
                        });
                    }
                }
                Ok(Some((size, sha)))
            }
        }
    }

    /// Moves the bag at `rel` aside to `to` (both relative to the bags'
    /// root: `quarantine/…`), never deleting it: a rename under the root,
    /// a server-side copy in a bucket (the bag's key is then written over
    /// by the repair).
    pub fn quarantine(&self, rel: &str, to: &str) -> Result<PathBuf> {
        match self {
            Bags::Root(root) => {
                let (from, q) = (root.join(rel), root.join(to));
                let qdir = q.parent().unwrap_or(root).to_owned();
                fs::create_dir_all(&qdir).map_err(|e| Error::io("create", &qdir, e))?;
                fs::rename(&from, &q).map_err(|e| Error::io("move to quarantine", &from, e))?;
                super::events::sync_dir(&qdir);
                Ok(q)
            }
            #[cfg(feature = "s3")]
            Bags::Bucket(loc) => {
                let store = crate::store::shared(&loc.bucket)?;
                let to = loc.key_of(to);
                store.copy(&loc.key_of(rel), &to)?;
                Ok(loc.with_key(&to).to_path())
            }
        }
    }
}

/// Where newsbag keeps what is its own on this machine: reading copies of
/// archives in buckets (`s3/`), remote audit workers' event logs
/// (`workers/`). `$NEWSBAG_HOME`, else `$XDG_STATE_HOME/newsbag`, else
/// `~/.local/state/newsbag`.
pub fn state_dir() -> Result<PathBuf> {
    let var = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(d) = var("NEWSBAG_HOME") {
        return Ok(d);
    }
    if let Some(d) = var("XDG_STATE_HOME") {
        return Ok(d.join("newsbag"));
    }
    if let Some(d) = var("HOME") {
        return Ok(d.join(".local/state/newsbag"));
    }
    Err(Error::NotAnArchive {
        path: PathBuf::from("s3://"),
        reason: "no state directory (for reading copies and workers' logs): set NEWSBAG_HOME"
            .into(),
    })
}

/// The SHA-256 of the whole object, read in order.
#[cfg(feature = "s3")]
pub(crate) fn object_sha256(o: &ObjectReader) -> Result<String> {
    let (_, digests) = crate::checksum::hash_reader(
        o.clone(),
        &[crate::checksum::Algorithm::Sha256],
        Some(o.len()),
        &mut |_| {},
    )
    .map_err(|e| Error::io("read", o.url(), e))?;
    Ok(digests.first().map(|(_, d)| d.to_hex()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_archive_without_a_store_file_keeps_its_bags_under_itself() {
        let dir = tempfile::tempdir().unwrap();
        let bags = Bags::of(dir.path()).unwrap();
        assert!(!bags.in_bucket());
        assert_eq!(bags.location("bags/a.zip"), dir.path().join("bags/a.zip"));
        assert!(bags.listing().unwrap().is_none());
    }

    #[cfg(feature = "s3")]
    #[test]
    fn a_bound_bucket_is_kept_and_another_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("archive");
        Bags::bind(&root, "s3://news/archive-1").unwrap();
        let bags = Bags::of(&root).unwrap();
        assert_eq!(
            bags.location("bags/a.zip"),
            PathBuf::from("s3://news/archive-1/bags/a.zip")
        );
        assert!(Bags::bind(&root, "s3://news/archive-1/").is_ok());
        let e = Bags::bind(&root, "s3://news/other")
            .unwrap_err()
            .to_string();
        assert!(e.contains("s3://news/archive-1"), "{e}");
        let e = Bags::bind(&root, "s3://news/x.zip")
            .unwrap_err()
            .to_string();
        assert!(e.contains("names a zip"), "{e}");
    }

    #[cfg(feature = "s3")]
    #[test]
    fn an_archive_with_bags_of_its_own_is_not_bound_to_a_bucket() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("bags")).unwrap();
        fs::write(dir.path().join("bags/a.zip"), b"PK").unwrap();
        let e = Bags::bind(dir.path(), "s3://news/p")
            .unwrap_err()
            .to_string();
        assert!(e.contains("under itself"), "{e}");
        assert!(!dir.path().join(STORE_FILE).exists());
    }

    #[test]
    fn a_damaged_store_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(STORE_FILE), b"{\"bags\": 3").unwrap();
        let e = Bags::of(dir.path()).unwrap_err().to_string();
        assert!(e.contains(STORE_FILE), "{e}");
    }
}
