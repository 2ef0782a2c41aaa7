//! `status`: the whole archive in one view (bags, items, bytes, copies,
//! audits, overdue bags, open problems), from the catalog alone.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde::Serialize;

use super::{Archive, Result, now_unix, parse_time, rfc3339};

/// One open problem.
#[derive(Debug, Clone, Serialize)]
pub struct OpenProblem {
    /// The bag.
    pub bag: String,
    /// `missing` or `invalid`.
    pub problem: String,
    /// Since when (the event that found it).
    pub since: Option<String>,
}

/// The archive at a glance.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// The archive root.
    pub archive: std::path::PathBuf,
    /// Where the bags are, when not under the root: `s3://BUCKET/PREFIX`.
    pub bags_in: Option<String>,
    /// When the root is a reading copy of an archive in a bucket (it
    /// records no event).
    pub reading_copy: bool,
    /// Bags in the catalog.
    pub bags: u64,
    /// Items in them.
    pub items: u64,
    /// Bytes of their zips.
    pub bytes: u64,
    /// Number of bags by number of verified copies (the archive's own
    /// copy, when present and not failing its last check, and each replica
    /// copy verified by `replicate`).
    pub copies: BTreeMap<u64, u64>,
    /// The number of copies asked for.
    pub min_copies: u64,
    /// Bags with fewer verified copies than that.
    pub under_copied: Vec<String>,
    /// When the last audit ended.
    pub last_audit: Option<String>,
    /// When an audit last ended with no invalid or missing bag.
    pub last_audit_success: Option<String>,
    /// When the next bag falls due (its last full check plus the cycle).
    pub next_due: Option<String>,
    /// The cycle, in days.
    pub cycle_days: f64,
    /// Present bags not fully checked within the cycle.
    pub overdue: u64,
    /// Missing or invalid bags.
    pub problems: Vec<OpenProblem>,
    /// Zipped bags on disk the catalog does not know.
    pub unknown: Vec<String>,
    /// Bags of interrupted ingests adopted now.
    pub adopted: Vec<String>,
    /// Things worth knowing.
    pub warnings: Vec<String>,
}

/// Where the bags of `archive` are, when not under its root.
fn bags_in(archive: &Archive) -> Option<String> {
    match archive.bags() {
        super::bags::Bags::Root(_) => None,
        #[cfg(feature = "s3")]
        super::bags::Bags::Bucket(loc) => Some(loc.to_string()),
    }
}

/// The status of the archive at `root`.
pub fn status(root: &Path, cycle: Duration, min_copies: u64) -> Result<Status> {
    let mut archive = Archive::open_for_reading(root)?;
    let adopted = match archive.adopt_interrupted() {
        Ok(events) => events.into_iter().map(|e| e.bag).collect(),
        Err(e) => {
            archive
                .warnings
                .push(format!("interrupted ingests not adopted: {e}"));
            Vec::new()
        }
    };
    let mut s = summary(&archive, cycle, min_copies)?;
    s.adopted = adopted;
    s.warnings = std::mem::take(&mut archive.warnings);
    Ok(s)
}

/// The status of an archive already open, as it is (nothing adopted,
/// nothing written: `newsbag serve`'s archive page).
pub fn summary(archive: &Archive, cycle: Duration, min_copies: u64) -> Result<Status> {
    let root = archive.root();
    let catalog = archive.catalog();
    let (bags_n, items, bytes) = catalog.totals()?;
    let bags = catalog.bags_by_check_age()?;
    let replicas: BTreeMap<String, u64> = catalog.verified_copies()?.into_iter().collect();
    let now = now_unix();
    let cutoff = super::cycle_cutoff(now, cycle);
    let mut copies = BTreeMap::new();
    let mut under_copied = Vec::new();
    let mut problems = Vec::new();
    let mut overdue = 0;
    let mut next_due: Option<u64> = None;
    for b in &bags {
        let own_ok = b.state == "present" && b.last_outcome.as_deref() != Some("failure");
        let n = u64::from(own_ok) + replicas.get(&b.name).copied().unwrap_or(0);
        *copies.entry(n).or_insert(0) += 1;
        if n < min_copies {
            under_copied.push(b.name.clone());
        }
        if b.state == "missing" {
            problems.push(OpenProblem {
                bag: b.name.clone(),
                problem: "missing".into(),
                since: b.last_check.clone(),
            });
            continue;
        }
        if b.last_outcome.as_deref() == Some("failure") {
            problems.push(OpenProblem {
                bag: b.name.clone(),
                problem: "invalid".into(),
                since: b.last_check.clone(),
            });
        }
        match &b.last_full_check {
            Some(t) if t.as_str() >= cutoff.as_str() => {
                let due = parse_time(t).unwrap_or(0) + cycle.as_secs();
                next_due = Some(next_due.map_or(due, |d| d.min(due)));
            }
            _ => {
                overdue += 1;
                next_due = Some(now);
            }
        }
    }
    // Zipped bags the catalog does not know, then bag directories (never
    // catalogued).
    let unknown = archive
        .unknown_bags()?
        .iter()
        .chain(&archive.bag_directories()?)
        .map(|p| archive.relative(p))
        .collect();
    Ok(Status {
        archive: root.to_owned(),
        bags_in: bags_in(archive),
        reading_copy: super::bags::reading_copy_of(root)?.is_some(),
        bags: bags_n,
        items,
        bytes,
        copies,
        min_copies,
        under_copied,
        last_audit: archive.catalog().meta("last_audit_run")?,
        last_audit_success: archive.catalog().meta("last_audit_success")?,
        next_due: next_due.map(rfc3339),
        cycle_days: cycle.as_secs_f64() / 86_400.0,
        overdue,
        problems,
        unknown,
        adopted: Vec::new(),
        warnings: Vec::new(),
    })
}
