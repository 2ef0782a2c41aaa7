//! Audits for scheduled jobs: verify the bags whose last successful full
//! check is oldest, within a time or byte budget, record an event per bag,
//! and notice bags that went missing, appeared, or changed.
//!
//! An audit is resumable by construction: each bag's event is recorded as
//! soon as it is checked, and the next run starts from the bags checked
//! least recently. It holds the archive's lock ([`super::lock`]) so that
//! two audits never run at once, and writes the catalog in short
//! transactions so that an ingest can run beside it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::bags::{BagSource, Bags};
use super::catalog::BagRow;
use super::copy::CopyRoot;
use super::events::{Event, EventType, Outcome};
use super::lock::ArchiveLock;
use super::register::size_hash_and_verify;
use super::{Archive, Result, event, now_rfc3339, now_unix, parse_time, rfc3339};
use crate::report::Level;

/// Fixity events recorded together, at most.
const RECORD_BATCH: usize = 256;

/// Fixity events are recorded at least this often.
const RECORD_EVERY: Duration = Duration::from_secs(1);

/// At most this many problems of one bag are kept in its event.
pub const MAX_PROBLEMS_IN_EVENT: usize = 100;

/// What an audit is asked to do.
#[derive(Debug, Clone)]
pub struct AuditOptions {
    /// Every bag should be fully checked within this period.
    pub cycle: Duration,
    /// Stop starting new bags after this long.
    pub budget: Option<Duration>,
    /// Stop starting new bags once this many bytes have been read.
    pub max_bytes: Option<u64>,
    /// How thoroughly each bag is checked.
    pub level: Level,
    /// Register bags found on disk but not in the catalog.
    pub adopt: bool,
    /// Repair missing or damaged bags from this replica root.
    pub repair_from: Option<PathBuf>,
    /// Write Prometheus metrics here after the run.
    pub metrics: Option<PathBuf>,
    /// Also check the replica copies the catalog records, where they lie,
    /// least recently verified first, within the same budget.
    pub copies: bool,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            cycle: Duration::from_secs(90 * 86_400),
            budget: None,
            max_bytes: None,
            level: Level::Fixity,
            adopt: false,
            repair_from: None,
            metrics: None,
            copies: false,
        }
    }
}

/// The outcome of one bag in an audit.
#[derive(Debug, Clone, Serialize)]
pub struct BagResult {
    /// The bag's name.
    pub name: String,
    /// Its path relative to the archive root.
    pub path: String,
    /// `valid`, `invalid`, `missing`, `repaired` (a damaged or missing bag
    /// replaced by a verified replica copy).
    pub outcome: String,
    /// Bytes read.
    pub bytes: u64,
    /// What was found (or done), one line each.
    pub problems: Vec<String>,
}

/// Counts of an audit (the one summary it prints).
#[derive(Debug, Clone, Default, Serialize)]
pub struct AuditSummary {
    /// Bags in the catalog.
    pub bags: u64,
    /// Bags checked in this run.
    pub checked: u64,
    /// Bytes read in this run.
    pub bytes: u64,
    /// Bags checked and found valid.
    pub valid: u64,
    /// Bags checked and found invalid (and not repaired).
    pub invalid: u64,
    /// Registered bags gone from disk (and not repaired).
    pub missing: u64,
    /// Bags on disk the catalog does not know (and not adopted).
    pub unknown: u64,
    /// Bags adopted in this run.
    pub adopted: u64,
    /// Bags repaired from a replica in this run.
    pub repaired: u64,
    /// Present bags not fully checked within the cycle, after this run.
    pub overdue: u64,
    /// Their bytes.
    pub overdue_bytes: u64,
    /// Bags left for a later run because the budget was spent.
    pub remaining: u64,
    /// Replica copies checked in this run (`--copies`).
    pub copies_checked: u64,
    /// Of those, copies that are the bag the catalog recorded.
    pub copies_valid: u64,
    /// Copies damaged, missing or unreachable.
    pub copies_invalid: u64,
    /// Copies left for a later run because the budget was spent.
    pub copies_remaining: u64,
    /// Seconds this run took.
    pub duration_seconds: f64,
}

/// Everything an audit found: printed as text, or as JSON following
/// `schemas/audit-report.schema.json`.
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    /// `newsbag VERSION`.
    pub agent: String,
    /// The archive root.
    pub archive: PathBuf,
    /// The level of the checks.
    pub level: Level,
    /// The cycle, in days.
    pub cycle_days: f64,
    /// When the run started and ended (RFC 3339).
    pub started: String,
    /// When it ended.
    pub finished: String,
    /// `time` or `bytes` if the budget stopped the run early, else null.
    pub stopped_by: Option<String>,
    /// The counts.
    pub summary: AuditSummary,
    /// When every overdue bag will have been checked at the rate of the
    /// last seven days (RFC 3339), if anything is checked at all.
    pub cycle_complete_eta: Option<String>,
    /// Every bag checked, missing or repaired in this run.
    pub bags: Vec<BagResult>,
    /// Every replica copy checked in this run.
    pub copies: Vec<CopyResult>,
    /// Zipped bags on disk the catalog does not know.
    pub unknown: Vec<String>,
    /// Things worth knowing (damaged event log lines, adoptions).
    pub warnings: Vec<String>,
}

/// The outcome of one replica copy in an audit.
#[derive(Debug, Clone, Serialize)]
pub struct CopyResult {
    /// The bag.
    pub name: String,
    /// The copy root, as the catalog records it.
    pub location: String,
    /// The copy itself.
    pub copy: String,
    /// `valid` or `invalid` (damaged, missing or unreachable).
    pub outcome: String,
    /// Bytes read.
    pub bytes: u64,
    /// Why it is invalid.
    pub problem: Option<String>,
}

impl AuditReport {
    /// Whether an invalid or missing bag, or a damaged copy, was found
    /// (exit status 1).
    pub fn has_failures(&self) -> bool {
        self.summary.invalid > 0 || self.summary.missing > 0 || self.summary.copies_invalid > 0
    }
}

/// Bags in a bucket fetched ahead of the one being checked (each at most
/// 1 MiB whole: a larger one is read in ranges as it is checked).
pub(crate) const PREFETCH_BAGS: usize = 8;

/// Audits the archive at `root`.
pub fn audit(root: &Path, options: &AuditOptions) -> Result<AuditReport> {
    super::check_archive(root)?;
    super::bags::check_writable(root, "audit it")?;
    let _lock = ArchiveLock::acquire(root, "audit")?;
    let clock = Instant::now();
    let started = now_rfc3339();
    let mut archive = Archive::open_existing(root)?;
    let repair_from = match &options.repair_from {
        Some(replica) => Some(CopyRoot::open_existing(root, replica)?),
        None => None,
    };
    let mut report = AuditReport {
        agent: super::agent(),
        archive: root.to_owned(),
        level: options.level,
        cycle_days: options.cycle.as_secs_f64() / 86_400.0,
        started,
        finished: String::new(),
        stopped_by: None,
        summary: AuditSummary::default(),
        cycle_complete_eta: None,
        bags: Vec::new(),
        copies: Vec::new(),
        unknown: Vec::new(),
        warnings: Vec::new(),
    };
    for e in archive.adopt_interrupted()? {
        report.summary.adopted += 1;
        report.warnings.push(format!(
            "adopted `{}`, left by an interrupted ingest",
            e.bag
        ));
    }
    // Bags on disk the catalog does not know.
    for zip in archive.unknown_bags()? {
        let rel = archive.relative(&zip);
        if options.adopt {
            match archive.register(
                &zip,
                EventType::Adopt,
                serde_json::json!({"reason": "adopted by audit --adopt"}),
            ) {
                Ok(_) => {
                    report.summary.adopted += 1;
                    continue;
                }
                Err(e) => report.warnings.push(format!("`{rel}` not adopted: {e}")),
            }
        }
        report.unknown.push(rel);
    }
    for dir in archive.bag_directories()? {
        let rel = archive.relative(&dir);
        report
            .warnings
            .push(format!("`{rel}` not catalogued: {}", super::UNZIPPED_BAG));
        report.unknown.push(rel);
    }
    report.summary.unknown = report.unknown.len() as u64;
    // Missing bags (every run until resolved) and bags found again.
    let mut present = Vec::new();
    // Bags in a bucket: one listing says which are there.
    let mut listing = archive.bags().listing()?;
    for bag in archive.catalog().bags_by_check_age()? {
        let there = match &mut listing {
            Some(listed) => listed.remove(&bag.path).map(Some),
            None => archive.bag_location(&bag.path).is_file().then_some(None),
        };
        if let Some(source) = there {
            if bag.state == "missing" {
                let e = event(
                    EventType::Found,
                    &bag.name,
                    Outcome::Success,
                    serde_json::json!({"path": bag.path}),
                );
                archive.record(&[(e, None)])?;
            }
            present.push((bag, source));
            continue;
        }
        if let Some(replica) = &repair_from {
            let r = super::replica::repair(&mut archive, &bag, replica, "missing")?;
            if r.repaired {
                report.summary.repaired += 1;
                report.bags.push(BagResult {
                    name: bag.name.clone(),
                    path: bag.path.clone(),
                    outcome: "repaired".into(),
                    bytes: 0,
                    problems: vec!["missing; restored from the replica".into()],
                });
                continue;
            }
            report.warnings.push(format!(
                "`{}` not repaired: {}",
                bag.name,
                r.reason.unwrap_or_default()
            ));
        }
        let (e, result) = missing_bag(&bag);
        archive.record(&[(e, None)])?;
        report.summary.missing += 1;
        report.bags.push(result);
    }
    // Objects in the bucket's `bags/` the catalog does not know: adopted
    // where they lie with `--adopt`, else reported; never touched.
    for (rel, _) in listing.unwrap_or_default() {
        if options.adopt {
            match archive.adopt_in_place(&rel, "found in the bucket by audit --adopt") {
                Ok(Some(_)) => {
                    report.summary.adopted += 1;
                    continue;
                }
                // Registered meanwhile by the root that ingested it.
                Ok(None) => continue,
                Err(e) => report.warnings.push(format!("`{rel}` not adopted: {e}")),
            }
        }
        report.warnings.push(format!(
            "`{}` is in the bucket but not in the catalog",
            archive.bag_location(&rel).display()
        ));
        report.unknown.push(rel);
        report.summary.unknown += 1;
    }
    // Check bags, least recently fully checked first, within the budget.
    // Their events are recorded in batches (one log write and fsync, one
    // commit), at least every second and at once for a bag that fails: a
    // killed audit checks again at most a second's worth of valid bags.
    let mut unrecorded: Vec<(Event, Option<super::register::Registration>)> = Vec::new();
    let mut recorded_at = Instant::now();
    let mut pending = present.into_iter();
    while let Some((bag, source)) = pending.next() {
        // Small bags in a bucket: the next few are fetched while this one
        // is checked, hiding the store's latency.
        for (_, next) in pending.as_slice().iter().take(PREFETCH_BAGS) {
            if let Some(next) = next {
                next.prefetch();
            }
        }
        if let Some(b) = options.budget
            && clock.elapsed() >= b
        {
            report.stopped_by = Some("time".into());
            report.summary.remaining = 1;
            break;
        }
        if let Some(max) = options.max_bytes
            && report.summary.checked > 0
            && report.summary.bytes + bag.size > max
        {
            report.stopped_by = Some("bytes".into());
            report.summary.remaining = 1;
            break;
        }
        let (e, result) = check_opened(archive.bags(), &bag, source, options.level);
        unrecorded.push((e, None));
        if result.outcome != "valid"
            || unrecorded.len() >= RECORD_BATCH
            || recorded_at.elapsed() >= RECORD_EVERY
        {
            archive.record(&unrecorded)?;
            unrecorded.clear();
            recorded_at = Instant::now();
        }
        report.summary.checked += 1;
        report.summary.bytes += result.bytes;
        if result.outcome == "valid" {
            report.summary.valid += 1;
            report.bags.push(result);
            continue;
        }
        if let Some(replica) = &repair_from {
            let r = super::replica::repair(&mut archive, &bag, replica, "failed its check")?;
            if r.repaired {
                report.summary.repaired += 1;
                let mut result = result;
                result.outcome = "repaired".into();
                result.problems.push(
                    "replaced by the replica's verified copy; the damaged one is in quarantine/"
                        .into(),
                );
                report.bags.push(result);
                continue;
            }
            report.warnings.push(format!(
                "`{}` not repaired: {}",
                bag.name,
                r.reason.unwrap_or_default()
            ));
        }
        report.summary.invalid += 1;
        report.bags.push(result);
    }
    archive.record(&unrecorded)?;
    report.summary.remaining += pending.count() as u64;
    if options.copies {
        check_copies(&mut archive, options, clock, &mut report)?;
    }
    // Overdue bags and the cycle's end at the recent rate.
    let now = now_unix();
    let cutoff = super::cycle_cutoff(now, options.cycle);
    let bags = archive.catalog().bags_by_check_age()?;
    report.summary.bags = bags.len() as u64;
    for b in bags.iter().filter(|b| b.state == "present") {
        if b.overdue(&cutoff) {
            report.summary.overdue += 1;
            report.summary.overdue_bytes += b.size;
        }
    }
    report.cycle_complete_eta = eta(&archive, report.summary.overdue_bytes, now)?;
    report.summary.duration_seconds = clock.elapsed().as_secs_f64();
    report.finished = now_rfc3339();
    report.warnings.append(&mut archive.warnings);
    let success = !report.has_failures();
    archive.set_last_audit(&report.finished, success)?;
    if let Some(path) = &options.metrics {
        super::metrics::Metrics::after(&archive, &report)?.write(path)?;
    }
    Ok(report)
}

/// Checks the replica copies the catalog records, least recently
/// verified first, each where it lies, within what is left of the budget;
/// records a `copy_check` event for each.
fn check_copies(
    archive: &mut Archive,
    options: &AuditOptions,
    clock: Instant,
    report: &mut AuditReport,
) -> Result<()> {
    let copies = archive.catalog().copies_by_check_age()?;
    let mut roots: std::collections::BTreeMap<String, std::result::Result<CopyRoot, String>> =
        std::collections::BTreeMap::new();
    let mut pending = copies.into_iter();
    for (name, location) in pending.by_ref() {
        if report.stopped_by.is_some() || options.budget.is_some_and(|b| clock.elapsed() >= b) {
            report.stopped_by.get_or_insert_with(|| "time".into());
            report.summary.copies_remaining = 1;
            break;
        }
        let Some(bag) = archive.catalog().bag(&name)? else {
            continue;
        };
        if let Some(max) = options.max_bytes
            && report.summary.checked + report.summary.copies_checked > 0
            && report.summary.bytes + bag.size > max
        {
            report.stopped_by = Some("bytes".into());
            report.summary.copies_remaining = 1;
            break;
        }
        let root = roots.entry(location.clone()).or_insert_with(|| {
            CopyRoot::open_existing(archive.root(), std::path::Path::new(&location))
                .map_err(|e| e.to_string())
        });
        let start = now_rfc3339();
        let (copy, verdict) = match root {
            Ok(root) => (root.copy_of(&bag), root.verify(&bag)),
            Err(e) => (location.clone(), Err(e.clone())),
        };
        let end = now_rfc3339();
        let (outcome, bytes, problem) = match verdict {
            Ok(bytes) => (Outcome::Success, bytes, None),
            Err(reason) => (Outcome::Failure, 0, Some(reason)),
        };
        let e = event(
            EventType::CopyCheck,
            &bag.name,
            outcome,
            serde_json::json!({"location": location, "copy": copy, "level": "fixity",
                "start": start, "end": end, "bytes": bytes, "size": bag.size,
                "sha256": bag.sha256, "reason": problem}),
        );
        archive.record(&[(e, None)])?;
        report.summary.copies_checked += 1;
        report.summary.bytes += bytes;
        if problem.is_none() {
            report.summary.copies_valid += 1;
        } else {
            report.summary.copies_invalid += 1;
        }
        report.copies.push(CopyResult {
            name: bag.name.clone(),
            location,
            copy,
            outcome: if problem.is_none() {
                "valid"
            } else {
                "invalid"
            }
            .into(),
            bytes,
            problem,
        });
    }
    report.summary.copies_remaining += pending.count() as u64;
    Ok(())
}

/// When `overdue_bytes` will have been checked at the rate of full checks
/// of the last seven days (or since the first check, if more recent).
fn eta(archive: &Archive, overdue_bytes: u64, now: u64) -> Result<Option<String>> {
    if overdue_bytes == 0 {
        return Ok(Some(rfc3339(now)));
    }
    let week = 7 * 86_400;
    let since = rfc3339(now.saturating_sub(week));
    let bytes = archive.catalog().bytes_checked_since(&since)?;
    let first = archive
        .catalog()
        .events(None, Some(&since))?
        .iter()
        .find(|e| e.kind == EventType::FixityCheck)
        .and_then(|e| parse_time(&e.time));
    let Some(first) = first else { return Ok(None) };
    // The rate over the window, counted as at least a day: a nightly
    // job's bytes, even on its first night.
    let span = now.saturating_sub(first).clamp(86_400, week);
    if bytes == 0 {
        return Ok(None);
    }
    let secs = u128::from(overdue_bytes) * u128::from(span) / u128::from(bytes);
    let secs = u64::try_from(secs).unwrap_or(u64::MAX / 2);
    Ok(Some(rfc3339(now.saturating_add(secs))))
}

/// The `missing` event and result of a registered bag gone from the
/// archive.
pub fn missing_bag(bag: &BagRow) -> (Event, BagResult) {
    let e = event(
        EventType::Missing,
        &bag.name,
        Outcome::Failure,
        serde_json::json!({"path": bag.path, "since": bag.last_check}),
    );
    let result = BagResult {
        name: bag.name.clone(),
        path: bag.path.clone(),
        outcome: "missing".into(),
        bytes: 0,
        problems: vec![format!("`{}` is gone from the archive", bag.path)],
    };
    (e, result)
}

/// Checks one bag: its zip's size and whole-file SHA-256 against the
/// catalog (at full fixity), and the bag inside as `verify` does.
/// The bag is read where it lies (`bags`): a file, or an object in a
/// bucket read in place.
pub fn check_bag(bags: &Bags, bag: &BagRow, level: Level) -> (Event, BagResult) {
    check_opened(bags, bag, None, level)
}

/// [`check_bag`] of a bag already opened (`source`), if it was: as a
/// listing found it, or with the requests of others.
pub(crate) fn check_opened(
    bags: &Bags,
    bag: &BagRow,
    source: Option<BagSource>,
    level: Level,
) -> (Event, BagResult) {
    let zip = bags.location(&bag.path);
    let start = now_rfc3339();
    let mut problems: Vec<String> = Vec::new();
    let mut errors = 0usize;
    let (size, hashed, verified) =
        size_hash_and_verify(&zip, source, level, level == Level::Fixity);
    let size = size.unwrap_or(0);
    if size != bag.size {
        errors += 1;
        problems.push(format!(
            "error[zip_changed]: the zip is {size} bytes, the catalog recorded {}",
            bag.size
        ));
    }
    let mut found_sha = None;
    match hashed {
        Some(Ok(sha)) => {
            if sha != bag.sha256 {
                errors += 1;
                problems.push(format!(
                    "error[zip_changed]: SHA-256 of the zip is {sha}, the catalog recorded {}",
                    bag.sha256
                ));
            }
            found_sha = Some(sha);
        }
        Some(Err(e)) => {
            errors += 1;
            problems.push(format!("error[unreadable_file]: {e}"));
        }
        None => {}
    }
    match verified {
        Ok(report) => {
            errors += report.errors().count();
            problems.extend(report.problems.iter().map(ToString::to_string));
        }
        Err(e) => {
            errors += 1;
            problems.push(format!("error[not_a_zip]: {e}"));
        }
    }
    let outcome = if errors == 0 {
        Outcome::Success
    } else {
        Outcome::Failure
    };
    let bytes = if level == Level::Fixity { size } else { 0 };
    let e = event(
        EventType::FixityCheck,
        &bag.name,
        outcome,
        serde_json::json!({
            "level": level.as_str(),
            "start": start,
            "end": now_rfc3339(),
            "bytes": bytes,
            "size": size,
            "sha256": found_sha,
            "problem_count": problems.len(),
            "error_count": errors,
            "problems": problems.iter().take(MAX_PROBLEMS_IN_EVENT).collect::<Vec<_>>(),
        }),
    );
    let result = BagResult {
        name: bag.name.clone(),
        path: bag.path.clone(),
        outcome: if errors == 0 { "valid" } else { "invalid" }.into(),
        bytes,
        problems,
    };
    (e, result)
}
