//! Copies and repair (NDSA Integrity level 4, Storage levels 1 to 3):
//! [`replicate`] copies each bag to a second archive root or an S3 prefix
//! ([`CopyRoot`]) and verifies the copy; [`repair`] replaces a missing or damaged bag by the replica's copy
//! only after that copy verifies, moving the damaged one to
//! `ARCHIVE/quarantine/` (never deleting it).

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::catalog::BagRow;
use super::copy::{CopyRoot, quarantine_name};
use super::events::{EventType, Outcome, sync_dir};
use super::lock::ArchiveLock;
use super::{Archive, Error, Result, event};

/// Where damaged bags go, in the archive root.
pub const QUARANTINE_DIR: &str = "quarantine";

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
/// `replica`, only once that copy verifies where it lies; the damaged
/// bag, if any, is moved to `ARCHIVE/quarantine/`. Records quarantine and
/// repair events, or a failed repair event when the replica's copy is bad
/// too.
pub fn repair(
    archive: &mut Archive,
    bag: &BagRow,
    replica: &CopyRoot,
    why: &str,
) -> Result<Repaired> {
    let copy = replica.copy_of(bag);
    if let Err(reason) = replica.verify(bag) {
        let reason = format!("the replica's copy `{copy}` does not verify: {reason}");
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
    // Fetched beside the bag's place (for bags in a bucket: beside where
    // an ingest builds them), hashed as it arrives.
    let dest = archive.root().join(&bag.path);
    let dir = dest.parent().unwrap_or(archive.root()).to_owned();
    let (tmp, sha) = replica.fetch(bag, &dir)?;
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
    let bags = archive.bags().clone();
    if bags.has(&bag.path) {
        let to = quarantine_name(bag);
        let q = bags.quarantine(&bag.path, &to)?;
        let e = event(
            EventType::Quarantine,
            &bag.name,
            Outcome::Success,
            serde_json::json!({"from": bag.path, "to": to, "why": why}),
        );
        archive.record(&[(e, None)])?;
        out.quarantined = Some(q);
    }
    if bags.in_bucket() {
        // Uploaded and read back before the repair is recorded; the
        // temporary file goes when `tmp` is dropped.
        bags.publish_over(tmp.path(), &bag.path)?;
    } else {
        tmp.persist_noclobber(&dest)
            .map_err(|e| Error::io("put the replica's copy at", &dest, e.error))?;
        sync_dir(&dir);
    }
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

/// Copies every present bag of the archive at `root` to the copy root
/// `to` (a directory, or `s3://BUCKET/PREFIX`; same relative paths),
/// verifies each copy where it lies, and records it. A bag whose own bytes
/// no longer match the catalog is not copied (an audit must deal with it
/// first); a copy already there that is not the bag is moved to the copy
/// root's `quarantine/` and replaced.
pub fn replicate(root: &Path, to: &Path) -> Result<ReplicaReport> {
    super::check_archive(root)?;
    super::bags::check_writable(root, "replicate it")?;
    let copies = CopyRoot::open(root, to)?;
    let _lock = ArchiveLock::acquire(root, "replicate")?;
    let mut archive = Archive::open_existing(root)?;
    let location = copies.location();
    let mut report = ReplicaReport {
        location: PathBuf::from(&location),
        copied: 0,
        verified: 0,
        failed: 0,
        bags: Vec::new(),
    };
    // An archive whose bags are in a bucket: each bag is read from there
    // into a temporary file (only when the copy needs writing).
    let own: Option<CopyRoot> = match archive.bags() {
        super::bags::Bags::Root(_) => None,
        #[cfg(feature = "s3")]
        super::bags::Bags::Bucket(loc) => {
            if loc.to_string() == location {
                return Err(Error::Replica {
                    path: to.to_owned(),
                    reason: "is where the archive's own bags are".into(),
                });
            }
            Some(CopyRoot::open_existing(root, &loc.to_path())?)
        }
    };
    let staging = archive.root().join("bags");
    for bag in archive.catalog().bags_by_check_age()? {
        if bag.state != "present" {
            continue;
        }
        let r = match &own {
            None => copies.put(&archive.bag_location(&bag.path), &bag),
            Some(_) if copies.verify(&bag).is_ok() => Ok(false),
            // Found not good just now: written without checking again.
            Some(own) => match own.fetch(&bag, &staging) {
                Ok((tmp, _)) => copies.write(tmp.path(), &bag).map(|()| true),
                Err(e) => Err(format!("cannot read the archive's own copy: {e}")),
            },
        };
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
