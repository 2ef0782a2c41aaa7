//! Audits spread over workers: `newsbag audit --worker --catalog
//! postgres://…` on any number of machines (or processes) divides one
//! fixity cycle between them through a shared PostgreSQL database
//! (its `db` module speaks to it).
//!
//! A worker on the archive's machine that finds no open cycle opens one:
//! every bag of the archive's catalog not fully checked within `--cycle`
//! (missing ones too, so that a loss is reported every cycle), least
//! recently checked first, each with its path, size and SHA-256, so that
//! a worker on another machine (`--remote`) needs no catalog. Each worker
//! then, in a loop:
//!
//! 1. claims a few bags with a lease (`WITH … SELECT … FOR UPDATE SKIP
//!    LOCKED … UPDATE`: two workers never claim the same bag, and never
//!    wait for each other), taking due bags and bags whose lease has run
//!    out (their worker died or lost its connection);
//! 2. checks them as `audit` does ([`super::audit::check_bag`]) where
//!    they lie under the archive root, while a thread of its own renews
//!    its leases and its heartbeat;
//! 3. records them in one PostgreSQL transaction: each bag's row is
//!    marked done only if this worker still holds its lease, and the
//!    events of those are stored with it.
//!
//! A bag is recorded once per cycle: by construction (the mark and the
//! event commit together), and a worker whose lease was taken over drops
//! its result. Workers on the archive's machine move the events into the
//! archive's event log and catalog ([`collect`]) when they start, after
//! each batch and when they end, so `status`, `history` and `audit` see
//! every worker's checks; an event the catalog already has is never
//! recorded twice. The cycle is closed by the worker that finds nothing
//! left.

mod db;

use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::audit::{BagResult, PREFETCH_BAGS, check_opened, missing_bag};
use super::bags::{BagSource, Bags};
use super::catalog::BagRow;
use super::lock::ArchiveLock;
use super::{Archive, Result, now_rfc3339, now_unix};
use crate::report::Level;
use db::{
    Client, Cycle, Done, Heartbeat, claim, close_if_done, connect, cycle_progress, db_error,
    find_cycle, open_cycle, prepare, record, release,
};

pub use db::{CycleProgress, Progress, SCHEMA_VERSION, WorkerRow, collect, progress, redact};

/// About how long the bags of one claim take to check.
pub const CLAIM_SECONDS: f64 = 1.0;

/// What a worker is asked to do.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// The shared database (`postgres://USER:PASSWORD@HOST:PORT/DB` or
    /// `host=… user=…`).
    pub catalog: String,
    /// Every bag should be fully checked within this period: a new cycle
    /// takes the bags not fully checked within it.
    pub cycle: Duration,
    /// How thoroughly each bag is checked.
    pub level: Level,
    /// A claimed bag is another worker's to take once its lease has not
    /// been renewed for this long.
    pub lease: Duration,
    /// The most bags claimed at once. Claims are sized to take about
    /// [`CLAIM_SECONDS`] of checking at the rate seen so far (the first
    /// claim is one bag), so that a worker records about once a second
    /// whatever the size of the bags, and holds little when the cycle
    /// ends.
    pub batch: usize,
    /// Claim no more bags after this long.
    pub budget: Option<Duration>,
    /// Claim no bag that would take the bytes read past this.
    pub max_bytes: Option<u64>,
    /// This worker does not run on the archive's machine: it reads the
    /// bags only and records in PostgreSQL (see [`work`]).
    pub remote: bool,
    /// For a remote worker: a directory under which it keeps its own
    /// event log (`DIR/HOST-PID-START/events/`, JSON Lines, fsync'd),
    /// every check it recorded, which `catalog collect` brings into the
    /// archive should the database be lost before collection.
    pub own_log: Option<PathBuf>,
}

impl WorkerOptions {
    /// The defaults for the database at `catalog`: a 90-day cycle at full
    /// fixity, 5-minute leases, at most 256 bags a claim, no budget.
    pub fn new(catalog: impl Into<String>) -> Self {
        WorkerOptions {
            catalog: catalog.into(),
            cycle: Duration::from_secs(90 * 86_400),
            level: Level::Fixity,
            lease: Duration::from_secs(300),
            batch: 256,
            budget: None,
            max_bytes: None,
            remote: false,
            own_log: None,
        }
    }
}

/// What one worker did: printed as text, or as JSON.
#[derive(Debug, Clone, Serialize)]
pub struct WorkerReport {
    /// `newsbag VERSION`.
    pub agent: String,
    /// The archive root.
    pub archive: PathBuf,
    /// This worker's id (`HOST:PID:START`).
    pub worker: String,
    /// Whether it ran away from the archive's machine (`--remote`).
    pub remote: bool,
    /// The cycle worked on, if any was open or due.
    pub cycle: Option<i64>,
    /// The level of the checks.
    pub level: Level,
    /// When the run started (RFC 3339).
    pub started: String,
    /// When it ended.
    pub finished: String,
    /// `time` or `bytes` if the budget stopped the run, else null.
    pub stopped_by: Option<String>,
    /// Bags this worker checked and recorded.
    pub checked: u64,
    /// Bytes it read.
    pub bytes: u64,
    /// Of its bags: valid.
    pub valid: u64,
    /// Invalid.
    pub invalid: u64,
    /// Missing.
    pub missing: u64,
    /// Results dropped because the bag's lease had passed to another
    /// worker (it was not renewed in time).
    pub dropped: u64,
    /// Events of any worker this one moved from PostgreSQL into the
    /// archive's event log and catalog (a worker on the archive's
    /// machine only).
    pub collected: u64,
    /// Things worth knowing (damaged event log lines).
    pub warnings: Vec<String>,
    /// Whether the cycle is complete (this worker or another closed it).
    pub cycle_complete: bool,
    /// The cycle's progress when this worker stopped.
    pub progress: Option<CycleProgress>,
    /// Every bag this worker checked that was not valid.
    pub problems: Vec<BagResult>,
}

impl WorkerReport {
    /// Whether this worker found an invalid or missing bag (exit 1).
    pub fn has_failures(&self) -> bool {
        self.invalid > 0 || self.missing > 0
    }
}

/// What [`collect_logs`] did.
#[derive(Debug, Default, Clone, Serialize)]
pub struct CollectedLogs {
    /// Events read from the workers' logs.
    pub read: u64,
    /// Of them, recorded in the archive (the others it had already).
    pub recorded: u64,
    /// Of them, about bags the catalog does not know: left out.
    pub unknown_bags: u64,
    /// Damaged or torn lines skipped.
    pub warnings: Vec<String>,
}

/// Brings into the archive at `root` the checks kept in remote workers'
/// own event logs (each of `dirs` a worker's directory, holding
/// `events/`, or a directory of such directories): every event the
/// catalog does not have, about a bag it knows, is recorded as collection
/// from PostgreSQL would have (for a database lost before collection).
/// Holds the archive's lock.
pub fn collect_logs(root: &Path, dirs: &[PathBuf]) -> Result<CollectedLogs> {
    super::check_archive(root)?;
    super::bags::check_writable(root, "collect checks")?;
    let _lock = ArchiveLock::acquire(root, "catalog collect")?;
    let mut archive = Archive::open_existing(root)?;
    let mut out = CollectedLogs::default();
    let mut logs = Vec::new();
    for dir in dirs {
        if dir.join("events").is_dir() {
            logs.push(dir.clone());
            continue;
        }
        let entries = std::fs::read_dir(dir).map_err(|e| super::Error::io("read", dir, e))?;
        let mut found: Vec<PathBuf> = entries
            .filter_map(std::result::Result::ok)
            .map(|e| e.path())
            .filter(|p| p.join("events").is_dir())
            .collect();
        if found.is_empty() {
            return Err(super::Error::EventLog {
                path: dir.clone(),
                reason: "no worker's event log (`events/`) in it or under it".into(),
            });
        }
        found.sort();
        logs.append(&mut found);
    }
    for dir in logs {
        let log = super::events::Log::new(&dir);
        // Recorded a thousand at a time as they are read: memory does not
        // grow with the log.
        let mut batch = Vec::new();
        let (_, bad) = log.for_each_from(&super::events::Position::default(), &mut |e, _| {
            out.read += 1;
            if archive.catalog().has_event(&e.id)? {
                return Ok(());
            }
            if archive.catalog().bag(&e.bag)?.is_none() {
                out.unknown_bags += 1;
                return Ok(());
            }
            batch.push((e, None));
            if batch.len() >= 1000 {
                archive.record(&batch)?;
                out.recorded += batch.len() as u64;
                batch.clear();
            }
            Ok(())
        })?;
        archive.record(&batch)?;
        out.recorded += batch.len() as u64;
        out.warnings.extend(bad.iter().map(ToString::to_string));
    }
    out.warnings.append(&mut archive.warnings);
    Ok(out)
}

/// This machine's name, for the worker's id.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown-host".into())
}

/// Checks one claimed bag where it lies (`bags`), as `audit` does:
/// `source` is the bag opened, `None` if it is not there (an error in
/// opening it is reported by the check).
fn check(
    bags: &Bags,
    bag: &BagRow,
    source: crate::Result<Option<BagSource>>,
    level: Level,
) -> Done {
    let (event, result) = match source {
        Ok(Some(s)) => check_opened(bags, bag, Some(s), level),
        Ok(None) => missing_bag(bag),
        Err(_) => check_opened(bags, bag, None, level),
    };
    Done { event, result }
}

/// Runs one worker on the archive at `root` until the open cycle is
/// complete or the budget is spent.
///
/// A worker on the archive's own machine (`options.remote` false) opens
/// cycles from the archive's catalog and collects every worker's events
/// into the archive's event log and catalog ([`collect`]) when it starts,
/// after each batch and when it ends. A remote worker only reads the bags
/// (the archive root mounted, or copied at the same paths) and records in
/// PostgreSQL; with no open cycle it has nothing to do.
pub fn work(root: &Path, options: &WorkerOptions) -> Result<WorkerReport> {
    super::check_archive(root)?;
    // The lock file is for the processes of one machine: a remote
    // worker's machine runs no audit of this archive.
    if !options.remote {
        super::bags::check_writable(root, "run a worker that collects events")?;
    }
    let _lock = if options.remote {
        None
    } else {
        Some(ArchiveLock::acquire_shared(root, "audit worker")?)
    };
    let clock = Instant::now();
    let url = options.catalog.as_str();
    let mut archive = if options.remote {
        None
    } else {
        Some(Archive::open_existing(root)?)
    };
    let mut report = WorkerReport {
        agent: super::agent(),
        archive: root.to_owned(),
        worker: String::new(),
        remote: options.remote,
        cycle: None,
        level: options.level,
        started: now_rfc3339(),
        finished: String::new(),
        stopped_by: None,
        checked: 0,
        bytes: 0,
        valid: 0,
        invalid: 0,
        missing: 0,
        dropped: 0,
        collected: 0,
        warnings: Vec::new(),
        cycle_complete: false,
        progress: None,
        problems: Vec::new(),
    };
    // The archive is named by its first event, read from the event log
    // (plain files, which a remote worker can read too).
    let Some(archive_id) = super::stations::main_log(root)?.first_event_id()? else {
        // An archive with no event has no bag to check.
        report.finished = now_rfc3339();
        report.cycle_complete = true;
        return Ok(report);
    };
    let mut client = connect(url)?;
    prepare(&mut client, url, &archive_id)?;
    let worker = format!("{}:{}:{}", host_name(), std::process::id(), now_unix());
    report.worker.clone_from(&worker);
    client
        .execute(
            "INSERT INTO newsbag_workers (id, host, pid, agent, archive, lease_seconds) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &worker,
                &host_name(),
                &i64::from(std::process::id()),
                &report.agent,
                &root.display().to_string(),
                &options.lease.as_secs_f64(),
            ],
        )
        .map_err(|e| db_error(url, &e))?;
    let result = work_cycle(
        &mut client,
        root,
        archive.as_mut(),
        &worker,
        options,
        clock,
        &mut report,
    );
    let _ = client.execute(
        "UPDATE newsbag_workers SET finished = now(), heartbeat = now() WHERE id = $1",
        &[&worker],
    );
    result?;
    if let Some(archive) = archive.as_mut() {
        report.collected += collect(&mut client, url, archive)?;
        report.warnings.append(&mut archive.warnings);
    }
    report.progress = match report.cycle {
        Some(id) => cycle_progress(&mut client, url, id)?,
        None => None,
    };
    report.finished = now_rfc3339();
    Ok(report)
}

/// The open cycle: opened from the archive's catalog if there is none
/// and this worker has the catalog.
fn current_cycle(
    client: &mut Client,
    url: &str,
    archive: Option<&mut Archive>,
    options: &WorkerOptions,
    report: &mut WorkerReport,
) -> Result<Option<Cycle>> {
    match archive {
        Some(archive) => {
            // Every check of earlier cycles is in the catalog before it
            // says which bags are due.
            report.collected += collect(client, url, archive)?;
            open_cycle(client, url, archive, options)
        }
        None => find_cycle(client, url),
    }
}

fn work_cycle(
    client: &mut Client,
    root: &Path,
    mut archive: Option<&mut Archive>,
    worker: &str,
    options: &WorkerOptions,
    clock: Instant,
    report: &mut WorkerReport,
) -> Result<()> {
    let url = options.catalog.as_str();
    let Some(cycle) = current_cycle(client, url, archive.as_deref_mut(), options, report)? else {
        report.cycle_complete = archive.is_some();
        return Ok(());
    };
    report.cycle = Some(cycle.id);
    client
        .execute(
            "UPDATE newsbag_workers SET cycle = $2 WHERE id = $1",
            &[&worker, &cycle.id],
        )
        .map_err(|e| db_error(url, &e))?;
    let level = Level::parse(&cycle.level).unwrap_or(Level::Fixity);
    let own_log = options
        .own_log
        .as_ref()
        .map(|dir| super::events::Log::new(&dir.join(worker.replace(':', "-"))));
    // Under the root, or in the bucket its `store.json` names.
    let bags = Bags::of(root)?;
    let _heartbeat = Heartbeat::start(url, worker, options.lease)?;
    // Seconds a bag takes to check, on average, lately.
    let mut per_bag: Option<f64> = None;
    loop {
        if options.budget.is_some_and(|b| clock.elapsed() >= b) {
            report.stopped_by = Some("time".into());
            break;
        }
        let want = match per_bag {
            None => 1,
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "clamped to 1..=batch"
            )]
            Some(secs) => {
                ((CLAIM_SECONDS / secs.max(1e-6)).round() as usize).clamp(1, options.batch.max(1))
            }
        };
        let claimed = claim(client, url, cycle.id, worker, options.lease, want)?;
        let batch_clock = Instant::now();
        if claimed.is_empty() {
            let (closed, others) = close_if_done(client, url, cycle.id)?;
            if closed {
                report.cycle_complete = true;
                break;
            }
            if others {
                // Wait for the others to finish, or for a lease of a
                // dead one to run out.
                thread::sleep(Duration::from_millis(250));
            }
            continue;
        }
        // Check the claimed bags in order; the budget is looked at before
        // each, and the bags not started are given back.
        let mut done: Vec<Done> = Vec::new();
        let mut batch_bytes = 0u64;
        // Opened all at once (a bucket's HEAD requests made together), the
        // next few small ones fetched while one is checked.
        let rels: Vec<String> = claimed.iter().map(|c| c.path.clone()).collect();
        let sources = bags.open_all(&rels);
        let mut pending = claimed
            .into_iter()
            .zip(sources)
            .collect::<Vec<_>>()
            .into_iter();
        while let Some((next, _)) = pending.as_slice().first() {
            if options.budget.is_some_and(|b| clock.elapsed() >= b) {
                report.stopped_by = Some("time".into());
                break;
            }
            if let Some(max) = options.max_bytes
                && report.checked + (done.len() as u64) > 0
                && report.bytes + batch_bytes + next.size > max
            {
                report.stopped_by = Some("bytes".into());
                break;
            }
            let Some((claimed, source)) = pending.next() else {
                break;
            };
            for (_, next) in pending.as_slice().iter().take(PREFETCH_BAGS) {
                if let Ok(Some(next)) = next {
                    next.prefetch();
                }
            }
            let d = check(&bags, &claimed, source, level);
            batch_bytes += d.result.bytes;
            done.push(d);
        }
        let left: Vec<String> = pending.map(|(c, _)| c.name).collect();
        if !done.is_empty() {
            #[allow(clippy::cast_precision_loss, reason = "a few hundred bags")]
            let secs = batch_clock.elapsed().as_secs_f64() / done.len() as f64;
            per_bag = Some(per_bag.map_or(secs, |old| 0.5 * old + 0.5 * secs));
        }
        let checked_in = batch_clock.elapsed();
        let (kept, dropped) = record(client, url, cycle.id, worker, done)?;
        if let Some(archive) = archive.as_deref_mut() {
            report.collected += collect(client, url, archive)?;
        } else if let Some(own) = &own_log
            && !kept.is_empty()
        {
            // A remote worker's own copy of what it recorded: the record
            // of last resort should the database be lost before the
            // checks are collected (`catalog collect`).
            let events: Vec<_> = kept.iter().map(|d| d.event.clone()).collect();
            if let Err(e) = own.append_all(&events) {
                let w = format!("this worker's own event log is behind: {e}");
                if !report.warnings.contains(&w) {
                    report.warnings.push(w);
                }
            }
        }
        log::debug!(
            "claimed {want}, checked {} in {:.3} s, recorded in {:.3} s",
            kept.len(),
            checked_in.as_secs_f64(),
            (batch_clock.elapsed() - checked_in).as_secs_f64()
        );
        report.dropped += dropped;
        for Done { result, .. } in kept {
            match result.outcome.as_str() {
                "valid" => report.valid += 1,
                "missing" => report.missing += 1,
                _ => report.invalid += 1,
            }
            report.checked += 1;
            report.bytes += result.bytes;
            if result.outcome != "valid" {
                report.problems.push(result);
            }
        }
        if report.stopped_by.is_some() {
            release(client, url, cycle.id, worker, &left)?;
            break;
        }
    }
    Ok(())
}
