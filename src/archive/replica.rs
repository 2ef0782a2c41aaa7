//! Copies and repair (NDSA Integrity level 4, Storage levels 1 to 3):
//! [`replicate`] copies each bag to a second archive root and verifies the
//! copy; [`repair`] replaces a missing or damaged bag by the replica's copy
//! only after that copy verifies, moving the damaged one to
//! `ARCHIVE/quarantine/` (never deleting it).

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::catalog::BagRow;
use super::events::{EventType, Outcome, sync_dir};
use super::lock::ArchiveLock;
use super::register::file_sha256;
use super::{Archive, Error, Result, event, now_rfc3339};
use crate::checksum::{Algorithm, MultiHasher};
use crate::progress::NoProgress;
use crate::report::Level;

/// Where damaged bags go, in the archive root.
pub const QUARANTINE_DIR: &str = "quarantine";

/// Refuses a replica root that is the archive itself or inside it.
pub fn check_replica_root(root: &Path, replica: &Path) -> Result<()> {
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

/// Whether the copy at `zip` is the bag the catalog recorded: same size,
/// same SHA-256, and valid at full fixity. `Err(reason)` if not.
fn copy_verifies(zip: &Path, bag: &BagRow) -> std::result::Result<(), String> {
    let size = fs::metadata(zip)
        .map_err(|e| format!("`{}`: {e}", zip.display()))?
        .len();
    if size != bag.size {
        return Err(format!(
            "the copy is {size} bytes, the catalog recorded {}",
            bag.size
        ));
    }
    let (_, sha) = file_sha256(zip).map_err(|e| e.to_string())?;
    if sha != bag.sha256 {
        return Err(format!(
            "SHA-256 of the copy is {sha}, the catalog recorded {}",
            bag.sha256
        ));
    }
    let report =
        crate::verify::verify_zip(zip, Level::Fixity, &NoProgress).map_err(|e| e.to_string())?;
    if !report.is_valid() {
        let first = report
            .errors()
            .next()
            .map(ToString::to_string)
            .unwrap_or_default();
        return Err(format!("the copy is invalid: {first}"));
    }
    Ok(())
}

/// Copies `from` to a temporary file in `dir`, made durable, hashing the
/// bytes as they are copied; returns the temporary file and the SHA-256.
fn copy_hashed(from: &Path, dir: &Path) -> Result<(tempfile::NamedTempFile, String)> {
    fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".newsbag-tmp-copy-")
        .tempfile_in(dir)
        .map_err(|e| Error::io("create a file in", dir, e))?;
    let mut src = File::open(from).map_err(|e| Error::io("open", from, e))?;
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
    let sha = hasher
        .finish()
        .1
        .first()
        .map(|(_, d)| d.to_hex())
        .unwrap_or_default();
    Ok((tmp, sha))
}

/// What [`repair`] did.
#[derive(Debug, Clone, Default)]
pub struct Repaired {
    /// Whether the bag was replaced by the replica's copy.
    pub repaired: bool,
    /// Why not, if not.
    pub reason: Option<String>,
    /// Where the damaged bag was moved.
    pub quarantined: Option<PathBuf>,
}

/// Replaces `bag` (missing, or damaged: `why`) by its copy under
/// `replica`, only once that copy verifies; the damaged bag, if any, is
/// moved to `ARCHIVE/quarantine/`. Records quarantine and repair events,
/// or a failed repair event when the replica's copy is bad too.
pub fn repair(archive: &mut Archive, bag: &BagRow, replica: &Path, why: &str) -> Result<Repaired> {
    let copy = replica.join(&bag.path);
    if let Err(reason) = copy_verifies(&copy, bag) {
        let reason = format!(
            "the replica's copy `{}` does not verify: {reason}",
            copy.display()
        );
        let e = event(
            EventType::Repair,
            &bag.name,
            Outcome::Failure,
            serde_json::json!({"source": copy, "why": why, "reason": reason}),
        );
        archive.record(&[(e, None)])?;
        return Ok(Repaired {
            repaired: false,
            reason: Some(reason),
            quarantined: None,
        });
    }
    let dest = archive.root().join(&bag.path);
    let dir = dest.parent().unwrap_or(archive.root()).to_owned();
    let (tmp, sha) = copy_hashed(&copy, &dir)?;
    if sha != bag.sha256 {
        return Ok(Repaired {
            repaired: false,
            reason: Some(format!(
                "the replica's copy changed while copied (SHA-256 {sha})"
            )),
            quarantined: None,
        });
    }
    let mut out = Repaired {
        repaired: true,
        ..Repaired::default()
    };
    if dest.exists() {
        let qdir = archive.root().join(QUARANTINE_DIR);
        fs::create_dir_all(&qdir).map_err(|e| Error::io("create", &qdir, e))?;
        // Not named `.zip`: `verify ARCHIVE` and audits do not take it
        // for a bag of the archive.
        let stamp = now_rfc3339().replace(':', "");
        let q = qdir.join(format!("{}.{stamp}.zip.damaged", bag.name));
        fs::rename(&dest, &q).map_err(|e| Error::io("move to quarantine", &dest, e))?;
        sync_dir(&qdir);
        let e = event(
            EventType::Quarantine,
            &bag.name,
            Outcome::Success,
            serde_json::json!({"from": bag.path, "to": q.strip_prefix(archive.root()).unwrap_or(&q), "why": why}),
        );
        archive.record(&[(e, None)])?;
        out.quarantined = Some(q);
    }
    tmp.persist_noclobber(&dest)
        .map_err(|e| Error::io("put the replica's copy at", &dest, e.error))?;
    sync_dir(&dir);
    let e = event(
        EventType::Repair,
        &bag.name,
        Outcome::Success,
        serde_json::json!({"source": copy, "why": why, "sha256": sha, "size": bag.size}),
    );
    archive.record(&[(e, None)])?;
    Ok(out)
}

/// One bag of a replication.
#[derive(Debug, Clone, Serialize)]
pub struct ReplicaResult {
    /// The bag.
    pub name: String,
    /// `copied`, `verified` (an existing good copy), or `failed`.
    pub outcome: String,
    /// Why it failed.
    pub reason: Option<String>,
}

/// What [`replicate`] did.
#[derive(Debug, Clone, Serialize)]
pub struct ReplicaReport {
    /// The replica root.
    pub location: PathBuf,
    /// Bags copied.
    pub copied: u64,
    /// Bags whose copy was there already and verified.
    pub verified: u64,
    /// Bags that could not be replicated.
    pub failed: u64,
    /// Each bag.
    pub bags: Vec<ReplicaResult>,
}

/// Copies every present bag of the archive at `root` to the archive root
/// `to` (same relative paths), verifies each copy, and records it. A bag
/// whose own bytes no longer match the catalog is not copied (an audit
/// must deal with it first); a copy already there that is not the bag is
/// moved to `TO/quarantine/` and replaced.
pub fn replicate(root: &Path, to: &Path) -> Result<ReplicaReport> {
    super::check_archive(root)?;
    check_replica_root(root, to)?;
    let _lock = ArchiveLock::acquire(root, "replicate")?;
    fs::create_dir_all(to).map_err(|e| Error::io("create", to, e))?;
    let mut archive = Archive::open_existing(root)?;
    let location = fs::canonicalize(to).map_err(|e| Error::io("read", to, e))?;
    let mut report = ReplicaReport {
        location: location.clone(),
        copied: 0,
        verified: 0,
        failed: 0,
        bags: Vec::new(),
    };
    for bag in archive.catalog().bags_by_check_age()? {
        if bag.state != "present" {
            continue;
        }
        let dest = location.join(&bag.path);
        let r = replicate_one(archive.root(), &bag, &dest);
        let (outcome, detail) = match &r {
            Ok(copied) => (
                Outcome::Success,
                serde_json::json!({"location": location, "path": bag.path, "size": bag.size,
                    "sha256": bag.sha256, "copied": copied}),
            ),
            Err(reason) => (
                Outcome::Failure,
                serde_json::json!({"location": location, "path": bag.path, "reason": reason}),
            ),
        };
        archive.record(&[(
            event(EventType::Replicate, &bag.name, outcome, detail),
            None,
        )])?;
        let (name, result) = match r {
            Ok(true) => {
                report.copied += 1;
                ("copied", None)
            }
            Ok(false) => {
                report.verified += 1;
                ("verified", None)
            }
            Err(reason) => {
                report.failed += 1;
                ("failed", Some(reason))
            }
        };
        report.bags.push(ReplicaResult {
            name: bag.name.clone(),
            outcome: name.into(),
            reason: result,
        });
    }
    Ok(report)
}

/// Makes `dest` a verified copy of `bag`; `Ok(true)` if copied, `Ok(false)`
/// if a verified copy was there already.
fn replicate_one(root: &Path, bag: &BagRow, dest: &Path) -> std::result::Result<bool, String> {
    if dest.exists() {
        if copy_verifies(dest, bag).is_ok() {
            return Ok(false);
        }
        let replica_root = dest
            .ancestors()
            .nth(bag.path.split('/').count())
            .unwrap_or(dest);
        let qdir = replica_root.join(QUARANTINE_DIR);
        fs::create_dir_all(&qdir).map_err(|e| e.to_string())?;
        let stamp = now_rfc3339().replace(':', "");
        let q = qdir.join(format!("{}.{stamp}.zip.damaged", bag.name));
        fs::rename(dest, &q).map_err(|e| format!("cannot move the bad copy aside: {e}"))?;
    }
    let src = root.join(&bag.path);
    let dir = dest.parent().ok_or("no parent directory")?;
    let (tmp, sha) = copy_hashed(&src, dir).map_err(|e| e.to_string())?;
    if sha != bag.sha256 {
        return Err(format!(
            "the archive's own copy no longer matches the catalog (SHA-256 {sha}, recorded {}): \
             run `newsbag audit` first",
            bag.sha256
        ));
    }
    let path = tmp.path().to_owned();
    copy_verifies(&path, bag)?;
    tmp.persist_noclobber(dest)
        .map_err(|e| format!("cannot put the copy at `{}`: {}", dest.display(), e.error))?;
    sync_dir(dir);
    Ok(true)
}
