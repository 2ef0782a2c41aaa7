//! Where copies of an archive's bags are kept, and how one is written,
//! checked and read back: another archive root on a local disk or mount,
//! or a prefix in an S3-compatible bucket (feature `s3`).
//!
//! A copy is a bag's zip at the same relative path under the copy's root
//! (`ROOT/bags/NAME.zip`, `s3://BUCKET/PREFIX/bags/NAME.zip`). It counts as
//! good only when it is the bag the catalog recorded: the same size, the
//! same SHA-256 of the whole zip, and valid at full fixity, checked where
//! it lies (a copy in a bucket is read with ranged requests, never
//! downloaded to disk).

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::catalog::BagRow;
use super::events::sync_dir;
use super::replica::QUARANTINE_DIR;
use super::{Error, Result, now_rfc3339};
use crate::checksum::{Algorithm, MultiHasher};
use crate::report::Level;

#[cfg(feature = "s3")]
use crate::store::{S3Location, Store, is_s3_url};

/// The root under which copies of the bags are kept.
pub enum CopyRoot {
    /// A directory: another disk or mount (canonical path).
    Dir(PathBuf),
    /// A prefix in a bucket.
    #[cfg(feature = "s3")]
    S3 {
        /// `s3://BUCKET/PREFIX`.
        prefix: S3Location,
        /// The connection to its bucket.
        store: Store,
    },
}

impl std::fmt::Debug for CopyRoot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.location())
    }
}

/// Whether `location` names a bucket (`s3://…`) rather than a directory.
fn names_bucket(location: &str) -> bool {
    location.len() >= 5 && location[..5].eq_ignore_ascii_case("s3://")
}

impl CopyRoot {
    /// The copy root `location` names: `s3://BUCKET[/PREFIX]` (endpoint
    /// and credentials from the `AWS_*` environment variables) or a
    /// directory, created if needed. A directory may not be the archive at
    /// `archive` itself, inside it, or hold it.
    pub fn open(archive: &Path, location: &Path) -> Result<CopyRoot> {
        let text = location.to_string_lossy();
        if names_bucket(&text) {
            return Self::open_bucket(location, &text);
        }
        check_dir_root(archive, location)?;
        fs::create_dir_all(location).map_err(|e| Error::io("create", location, e))?;
        let dir = fs::canonicalize(location).map_err(|e| Error::io("read", location, e))?;
        Ok(CopyRoot::Dir(dir))
    }

    /// [`CopyRoot::open`] for a root that must exist already: the source
    /// of a repair, or a location the catalog recorded.
    pub fn open_existing(archive: &Path, location: &Path) -> Result<CopyRoot> {
        let text = location.to_string_lossy();
        if !names_bucket(&text) && !location.is_dir() {
            return Err(Error::Replica {
                path: location.to_owned(),
                reason: "no such directory".into(),
            });
        }
        Self::open(archive, location)
    }

    #[cfg(feature = "s3")]
    fn open_bucket(location: &Path, text: &str) -> Result<CopyRoot> {
        debug_assert!(is_s3_url(text));
        let replica = |e: crate::Error| Error::Replica {
            path: location.to_owned(),
            reason: e.to_string(),
        };
        let prefix = S3Location::parse_prefix(text).map_err(replica)?;
        // The process's one connection to the bucket (the archive's own
        // bags may be in it too).
        let store = crate::store::shared(&prefix.bucket).map_err(replica)?;
        Ok(CopyRoot::S3 { prefix, store })
    }

    #[cfg(not(feature = "s3"))]
    fn open_bucket(location: &Path, _text: &str) -> Result<CopyRoot> {
        Err(Error::Replica {
            path: location.to_owned(),
            reason: "this newsbag was built without S3 support (feature `s3`)".into(),
        })
    }

    /// The location as the catalog records it: the canonical directory,
    /// or `s3://BUCKET/PREFIX`.
    pub fn location(&self) -> String {
        match self {
            CopyRoot::Dir(dir) => dir.display().to_string(),
            #[cfg(feature = "s3")]
            CopyRoot::S3 { prefix, .. } => prefix.to_string(),
        }
    }

    /// Where the copy of `bag` is (for messages and events).
    pub fn copy_of(&self, bag: &BagRow) -> String {
        match self {
            CopyRoot::Dir(dir) => dir.join(&bag.path).display().to_string(),
            #[cfg(feature = "s3")]
            CopyRoot::S3 { prefix, .. } => prefix.with_key(&self.key(bag)).to_string(),
        }
    }

    #[cfg(feature = "s3")]
    fn key(&self, bag: &BagRow) -> String {
        match self {
            CopyRoot::S3 { prefix, .. } => prefix.key_of(&bag.path),
            CopyRoot::Dir(_) => bag.path.clone(),
        }
    }

    /// Checks the copy of `bag` where it lies: `Ok(bytes read)` if it is
    /// the bag the catalog recorded (size, SHA-256 of the zip, valid at
    /// full fixity), else why not.
    pub fn verify(&self, bag: &BagRow) -> std::result::Result<u64, String> {
        match self {
            CopyRoot::Dir(dir) => verify_file(&dir.join(&bag.path), bag),
            #[cfg(feature = "s3")]
            CopyRoot::S3 { store, .. } => verify_object(store, &self.key(bag), bag),
        }
    }

    /// Makes this root hold a good copy of `bag`, whose zip in the archive
    /// is `src`: `Ok(true)` if it was written, `Ok(false)` if a good copy
    /// was there already. A copy there that is not the bag is moved to
    /// the root's `quarantine/` first (never deleted).
    pub fn put(&self, src: &Path, bag: &BagRow) -> std::result::Result<bool, String> {
        if self.verify(bag).is_ok() {
            return Ok(false);
        }
        self.write(src, bag)?;
        Ok(true)
    }

    /// Writes the copy of `bag` from `src` (a copy there found not good
    /// already: [`CopyRoot::put`] without its first check), moving what
    /// is there to the root's `quarantine/` first, and checks it.
    pub fn write(&self, src: &Path, bag: &BagRow) -> std::result::Result<(), String> {
        match self {
            // Checked before it is renamed into place.
            CopyRoot::Dir(dir) => put_file(dir, src, bag)?,
            #[cfg(feature = "s3")]
            CopyRoot::S3 { prefix, store } => {
                let key = self.key(bag);
                if store.exists(&key).map_err(|e| e.to_string())? {
                    let q = prefix.key_of(&quarantine_name(bag));
                    store
                        .copy(&key, &q)
                        .map_err(|e| format!("cannot move the bad copy aside: {e}"))?;
                }
                // Hashed locally first: a zip changed under the archive
                // since the catalog recorded it is never spread.
                let (_, sha) = super::register::file_sha256(src).map_err(|e| e.to_string())?;
                check_own_copy(&sha, bag)?;
                store.upload(src, &key).map_err(|e| e.to_string())?;
                self.verify(bag)?;
            }
        }
        Ok(())
    }

    /// Reads the copy of `bag` into a new temporary file in `dir`, made
    /// durable, hashing it as it is read; returns the file and its SHA-256.
    pub fn fetch(&self, bag: &BagRow, dir: &Path) -> Result<(tempfile::NamedTempFile, String)> {
        match self {
            CopyRoot::Dir(root) => {
                let from = root.join(&bag.path);
                let src = File::open(&from).map_err(|e| Error::io("open", &from, e))?;
                copy_hashed(src, &from, dir)
            }
            #[cfg(feature = "s3")]
            CopyRoot::S3 { store, .. } => {
                let key = self.key(bag);
                let reader = store.open(&key)?;
                let url = PathBuf::from(reader.url());
                copy_hashed(reader, &url, dir)
            }
        }
    }
}

/// Refuses a directory copy root that is the archive itself, inside it,
/// or holds it.
pub fn check_dir_root(root: &Path, replica: &Path) -> Result<()> {
    let bad = |reason: &str| Error::Replica {
        path: replica.to_owned(),
        reason: reason.to_owned(),
    };
    // The replica may not exist yet: resolve its nearest existing ancestor.
    let mut existing = replica;
    let mut rest = Vec::new();
    while !existing.exists() {
        let (Some(parent), Some(name)) = (existing.parent(), existing.file_name()) else {
            break;
        };
        rest.push(name);
        existing = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
    }
    let mut replica_c = fs::canonicalize(existing).map_err(|e| Error::io("read", existing, e))?;
    replica_c.extend(rest.iter().rev());
    if replica.exists() && !replica_c.is_dir() {
        return Err(bad("not a directory"));
    }
    let root_c = fs::canonicalize(root).map_err(|e| Error::io("read", root, e))?;
    if replica_c.starts_with(&root_c) || root_c.starts_with(&replica_c) {
        return Err(bad("is the archive itself, inside it, or holds it"));
    }
    Ok(())
}

/// The name a damaged copy of `bag` gets in `quarantine/`: not `.zip`, so
/// that nothing takes it for a bag of the archive.
pub fn quarantine_name(bag: &BagRow) -> String {
    let stamp = now_rfc3339().replace(':', "");
    format!("{QUARANTINE_DIR}/{}.{stamp}.zip.damaged", bag.name)
}

fn check_sha(sha: &str, bag: &BagRow, what: &str) -> std::result::Result<(), String> {
    if sha == bag.sha256 {
        return Ok(());
    }
    Err(format!(
        "SHA-256 of {what} is {sha}, the catalog recorded {}",
        bag.sha256
    ))
}

/// Refuses to spread a bag whose zip in the archive (SHA-256 `sha`) is no
/// longer the one the catalog recorded.
fn check_own_copy(sha: &str, bag: &BagRow) -> std::result::Result<(), String> {
    if sha == bag.sha256 {
        return Ok(());
    }
    Err(format!(
        "the archive's own copy no longer matches the catalog (SHA-256 {sha}, recorded {}): \
         run `newsbag audit` first",
        bag.sha256
    ))
}

fn check_size(size: u64, bag: &BagRow) -> std::result::Result<(), String> {
    if size == bag.size {
        return Ok(());
    }
    Err(format!(
        "the copy is {size} bytes, the catalog recorded {}",
        bag.size
    ))
}

fn first_problem(report: &crate::report::Report) -> String {
    let first = report
        .errors()
        .next()
        .map(ToString::to_string)
        .unwrap_or_default();
    format!("the copy is invalid: {first}")
}

/// Whether the file `zip` is the bag the catalog recorded.
fn verify_file(zip: &Path, bag: &BagRow) -> std::result::Result<u64, String> {
    let size = fs::metadata(zip)
        .map_err(|e| format!("`{}`: {e}", zip.display()))?
        .len();
    check_size(size, bag)?;
    let (hashed, verified) = super::register::hash_and_verify(zip, Level::Fixity, true);
    if let Some(sha) = hashed {
        check_sha(&sha.map_err(|e| e.to_string())?, bag, "the copy")?;
    }
    let report = verified.map_err(|e| e.to_string())?;
    if !report.is_valid() {
        return Err(first_problem(&report));
    }
    Ok(size.saturating_mul(2))
}

/// Whether the object `key` is the bag the catalog recorded: read once
/// whole for its SHA-256 (in order, a block at a time), then verified in
/// place as `verify s3://…` does. Both reads ask for the entity tag seen
/// when the object was opened: an object replaced meanwhile is an error.
#[cfg(feature = "s3")]
fn verify_object(store: &Store, key: &str, bag: &BagRow) -> std::result::Result<u64, String> {
    let reader = store.open(key).map_err(|e| e.to_string())?;
    check_size(reader.len(), bag)?;
    let sha = super::bags::object_sha256(&reader).map_err(|e| e.to_string())?;
    check_sha(&sha, bag, "the copy")?;
    let url = PathBuf::from(reader.url());
    let report =
        crate::verify::verify_zip_reader(reader, &url, Level::Fixity, &crate::progress::NoProgress)
            .map_err(|e| e.to_string())?;
    if !report.is_valid() {
        return Err(first_problem(&report));
    }
    Ok(bag.size.saturating_mul(2))
}

fn hex_sha256(hasher: MultiHasher) -> String {
    hasher
        .finish()
        .1
        .first()
        .map(|(_, d)| d.to_hex())
        .unwrap_or_default()
}

/// Copies `src` (named `from` in errors) to a new temporary file in `dir`,
/// made durable, hashing the bytes as they are copied.
fn copy_hashed(
    mut src: impl Read,
    from: &Path,
    dir: &Path,
) -> Result<(tempfile::NamedTempFile, String)> {
    fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".newsbag-tmp-copy-")
        .tempfile_in(dir)
        .map_err(|e| Error::io("create a file in", dir, e))?;
    let mut hasher = MultiHasher::new(&[Algorithm::Sha256]);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = src.read(&mut buf).map_err(|e| Error::io("read", from, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        tmp.write_all(&buf[..n])
            .map_err(|e| Error::io("write", tmp.path(), e))?;
    }
    tmp.as_file()
        .sync_all()
        .map_err(|e| Error::io("sync", tmp.path(), e))?;
    Ok((tmp, hex_sha256(hasher)))
}

/// Writes the copy of `bag` under the directory `root` from `src`: a bad
/// copy there is moved to `ROOT/quarantine/`, the new one is written
/// beside its place, checked against the catalog, then renamed into place.
fn put_file(root: &Path, src: &Path, bag: &BagRow) -> std::result::Result<(), String> {
    let dest = root.join(&bag.path);
    if dest.exists() {
        let q = root.join(quarantine_name(bag));
        let qdir = q.parent().unwrap_or(root);
        fs::create_dir_all(qdir).map_err(|e| e.to_string())?;
        fs::rename(&dest, &q).map_err(|e| format!("cannot move the bad copy aside: {e}"))?;
    }
    let dir = dest.parent().ok_or("no parent directory")?;
    let file = File::open(src).map_err(|e| format!("`{}`: {e}", src.display()))?;
    let (tmp, sha) = copy_hashed(file, src, dir).map_err(|e| e.to_string())?;
    check_own_copy(&sha, bag)?;
    verify_file(tmp.path(), bag)?;
    tmp.persist_noclobber(&dest)
        .map_err(|e| format!("cannot put the copy at `{}`: {}", dest.display(), e.error))?;
    sync_dir(dir);
    Ok(())
}
