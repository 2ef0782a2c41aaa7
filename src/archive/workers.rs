//! Audits spread over workers: `newsbag audit --worker --catalog
//! postgres://…` on any number of machines (or processes) divides one
//! fixity cycle between them through a shared PostgreSQL database.
//!
//! The first worker that finds no open cycle opens one: every bag of the
//! archive's catalog not fully checked within `--cycle` (missing ones
//! too, so that a loss is reported every cycle), least recently checked
//! first. Each worker then, in a loop:
//!
//! 1. claims a few bags with a lease (`UPDATE … FROM (SELECT … FOR
//!    UPDATE SKIP LOCKED)`: two workers never claim the same bag, and
//!    never wait for each other), taking due bags and bags whose lease
//!    has run out (their worker died or lost its connection);
//! 2. checks them as `audit` does ([`super::audit::check_bag`]), while a
//!    thread of its own renews its leases and its heartbeat;
//! 3. records them in one PostgreSQL transaction: each bag's row is
//!    marked done only if this worker still holds its lease (the update
//!    locks the row until the commit), then the events are appended to
//!    the archive's event log and catalog ([`super::Archive::record`]),
//!    then the transaction commits.
//!
//! A bag is recorded once per cycle: a worker whose lease was taken over
//! drops its result. A worker that dies after recording but before its
//! commit leaves a bag recorded but still leased: the worker that claims
//! it next finds the fixity event in the catalog (a check at the cycle's
//! level since the cycle started) and marks it done without checking it
//! again. The cycle is closed by the worker that finds nothing left.
//!
//! PostgreSQL holds only the division of work (cycles, leases, workers):
//! the bags, the catalog and the event log stay the record, as for a
//! single-machine audit, so `status`, `history` and `audit` see every
//! worker's checks.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use postgres::{Client, NoTls};
use serde::Serialize;

use super::audit::{BagResult, check_bag};
use super::catalog::BagRow;
use super::events::{EventType, Outcome};
use super::lock::ArchiveLock;
use super::{Archive, Error, Result, event, now_rfc3339, now_unix, rfc3339};
use crate::report::Level;

/// The key of the advisory lock taken to migrate the schema and to open
/// a cycle (`nbsg` and 1).
const LOCK_KEY: i64 = 0x6e62_7367_0000_0001;

/// The schema's forward migrations, as for the SQLite catalog:
/// `MIGRATIONS[v]` takes version `v` to `v + 1`. Tables are prefixed
/// `newsbag_` so that a database shared with other programs stays tidy.
const MIGRATIONS: &[&str] = &["
CREATE TABLE newsbag_cycles (
    id BIGSERIAL PRIMARY KEY,
    level TEXT NOT NULL,
    started TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished TIMESTAMPTZ,
    bags BIGINT NOT NULL,
    bytes BIGINT NOT NULL
);
CREATE TABLE newsbag_cycle_bags (
    cycle BIGINT NOT NULL REFERENCES newsbag_cycles (id),
    bag TEXT NOT NULL,
    position BIGINT NOT NULL,
    size BIGINT NOT NULL,
    state TEXT NOT NULL DEFAULT 'due' CHECK (state IN ('due', 'leased', 'done')),
    worker TEXT,
    lease_until TIMESTAMPTZ,
    claims INTEGER NOT NULL DEFAULT 0,
    outcome TEXT,
    bytes BIGINT,
    checked TIMESTAMPTZ,
    event TEXT,
    PRIMARY KEY (cycle, bag)
);
CREATE INDEX newsbag_cycle_bags_open ON newsbag_cycle_bags (cycle, position)
    WHERE state <> 'done';
CREATE INDEX newsbag_cycle_bags_leased ON newsbag_cycle_bags (worker)
    WHERE state = 'leased';
CREATE TABLE newsbag_workers (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    pid BIGINT NOT NULL,
    agent TEXT NOT NULL,
    archive TEXT NOT NULL,
    lease_seconds DOUBLE PRECISION NOT NULL,
    started TIMESTAMPTZ NOT NULL DEFAULT now(),
    heartbeat TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished TIMESTAMPTZ,
    cycle BIGINT,
    checked BIGINT NOT NULL DEFAULT 0,
    bytes BIGINT NOT NULL DEFAULT 0
);
"];

/// The schema version this newsbag writes.
#[allow(clippy::cast_possible_truncation, reason = "a handful of migrations")]
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// About how long the bags of one claim take to check.
pub const CLAIM_SECONDS: f64 = 1.0;

/// A time of PostgreSQL's as RFC 3339, as newsbag writes times.
const RFC3339: &str = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'";

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
    /// Bags found already recorded in this cycle by a worker that died
    /// before it could say so (marked done, not checked again).
    pub recovered: u64,
    /// Results dropped because the bag's lease had passed to another
    /// worker (it was not renewed in time).
    pub dropped: u64,
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

/// A cycle and how far the workers have got.
#[derive(Debug, Clone, Serialize)]
pub struct CycleProgress {
    /// Its number.
    pub id: i64,
    /// Its level.
    pub level: String,
    /// When it was opened.
    pub started: String,
    /// When it was completed, if it was.
    pub finished: Option<String>,
    /// Bags in it.
    pub bags: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Bags checked and recorded.
    pub done: u64,
    /// Bags claimed by a worker now.
    pub leased: u64,
    /// Bags not claimed yet.
    pub due: u64,
    /// Bags found invalid.
    pub invalid: u64,
    /// Bags found missing.
    pub missing: u64,
    /// Bytes read so far.
    pub bytes_done: u64,
}

/// A worker as the database has it.
#[derive(Debug, Clone, Serialize)]
pub struct WorkerRow {
    /// `HOST:PID:START`.
    pub id: String,
    /// The machine.
    pub host: String,
    /// Its process.
    pub pid: i64,
    /// `running`, `finished`, or `lost` (no heartbeat for longer than its
    /// lease: killed, or cut off from the database).
    pub state: String,
    /// When it started.
    pub started: String,
    /// Its last heartbeat.
    pub heartbeat: String,
    /// The cycle it worked on.
    pub cycle: Option<i64>,
    /// Bags it checked.
    pub checked: u64,
    /// Bytes it read.
    pub bytes: u64,
}

/// The state of the work in the shared database: the newest cycle and the
/// workers of the last day (and every one still running).
#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    /// The newest cycle.
    pub cycle: Option<CycleProgress>,
    /// The workers.
    pub workers: Vec<WorkerRow>,
}

/// `postgres://user:secret@host/db` without its password, for messages.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        // key=value form: drop a password=… pair.
        return url
            .split_whitespace()
            .map(|kv| {
                if kv.starts_with("password=") {
                    "password=…"
                } else {
                    kv
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
    };
    let (auth, host) = match rest.rsplit_once('@') {
        Some((auth, host)) => (Some(auth), host),
        None => (None, rest),
    };
    match auth.map(|a| a.split_once(':').map_or(a, |(user, _)| user)) {
        Some(user) if auth.is_some_and(|a| a.contains(':')) => {
            format!("{scheme}://{user}:…@{host}")
        }
        Some(user) => format!("{scheme}://{user}@{host}"),
        None => format!("{scheme}://{host}"),
    }
}

/// A clear error for the database at `url`.
fn db_error(url: &str, e: &postgres::Error) -> Error {
    let reason = match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => {
            let mut s = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(inner) = source {
                s = format!("{s}: {inner}");
                source = inner.source();
            }
            s
        }
    };
    Error::Coordination {
        catalog: redact(url),
        reason,
    }
}

fn connect(url: &str) -> Result<Client> {
    Client::connect(url, NoTls).map_err(|e| db_error(url, &e))
}

/// Brings the schema to [`SCHEMA_VERSION`] and checks that the database
/// coordinates the archive whose first event is `archive_id` (recording
/// it if the database is new to archives).
fn prepare(client: &mut Client, url: &str, archive_id: &str) -> Result<()> {
    let e = |err: postgres::Error| db_error(url, &err);
    let mut tx = client.transaction().map_err(e)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])
        .map_err(e)?;
    let new: bool = tx
        .query_one("SELECT to_regclass('newsbag_meta') IS NULL", &[])
        .map_err(e)?
        .get(0);
    if new {
        tx.batch_execute("CREATE TABLE newsbag_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            .map_err(e)?;
    }
    let meta = |tx: &mut postgres::Transaction<'_>, key: &str| -> Result<Option<String>> {
        Ok(tx
            .query_opt("SELECT value FROM newsbag_meta WHERE key = $1", &[&key])
            .map_err(e)?
            .map(|r| r.get(0)))
    };
    let version: u32 = meta(&mut tx, "schema_version")?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if version > SCHEMA_VERSION {
        return Err(Error::Coordination {
            catalog: redact(url),
            reason: format!(
                "its schema (version {version}) was written by a newer newsbag; this one knows \
                 versions up to {SCHEMA_VERSION}"
            ),
        });
    }
    for step in &MIGRATIONS[version as usize..] {
        tx.batch_execute(step).map_err(e)?;
    }
    tx.execute(
        "INSERT INTO newsbag_meta (key, value) VALUES ('schema_version', $1) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        &[&SCHEMA_VERSION.to_string()],
    )
    .map_err(e)?;
    match meta(&mut tx, "archive")? {
        Some(known) if known != archive_id => {
            return Err(Error::Coordination {
                catalog: redact(url),
                reason: format!(
                    "it divides the work of another archive (whose first event is {known}; \
                     this one's is {archive_id}): give each archive a database of its own"
                ),
            });
        }
        Some(_) => {}
        None => {
            tx.execute(
                "INSERT INTO newsbag_meta (key, value) VALUES ('archive', $1)",
                &[&archive_id],
            )
            .map_err(e)?;
        }
    }
    tx.commit().map_err(e)
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

fn as_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn as_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Renews a worker's leases and heartbeat from a thread of its own (with a
/// connection of its own) until dropped.
struct Heartbeat {
    /// Dropped to stop the thread (it waits on the other end).
    stop: Option<mpsc::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Heartbeat {
    fn start(url: &str, worker: &str, lease: Duration) -> Result<Heartbeat> {
        let mut client = connect(url)?;
        let (stop, stopped) = mpsc::channel::<()>();
        let worker = worker.to_owned();
        let every = (lease / 3).max(Duration::from_millis(100));
        let secs = lease.as_secs_f64();
        let thread = thread::Builder::new()
            .name("newsbag-lease".into())
            .spawn(move || {
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(every) {
                    let renewed = client.execute(
                        "UPDATE newsbag_cycle_bags SET lease_until = now() + make_interval(secs => $2) \
                         WHERE worker = $1 AND state = 'leased'",
                        &[&worker, &secs],
                    );
                    let beat = client.execute(
                        "UPDATE newsbag_workers SET heartbeat = now() WHERE id = $1",
                        &[&worker],
                    );
                    if let Err(e) = renewed.and(beat) {
                        log::warn!("cannot renew the leases of worker {worker}: {e}");
                    }
                }
            })
            .map_err(|e| Error::io("start a thread for", PathBuf::from("leases"), e))?;
        Ok(Heartbeat {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// An open cycle.
struct Cycle {
    id: i64,
    level: String,
    started: String,
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Fast => "fast",
        Level::Completeness => "completeness",
        Level::Fixity => "fixity",
    }
}

/// The open cycle, opening one (under the advisory lock, so that two
/// workers starting at once open one between them) if none is open and
/// some bag is due. `None`: nothing is due.
fn open_cycle(
    client: &mut Client,
    url: &str,
    archive: &Archive,
    options: &WorkerOptions,
) -> Result<Option<Cycle>> {
    let e = |err: postgres::Error| db_error(url, &err);
    let find = format!(
        "SELECT id, level, to_char(started AT TIME ZONE 'UTC', {RFC3339}) FROM newsbag_cycles \
         WHERE finished IS NULL ORDER BY id LIMIT 1"
    );
    let row = |r: postgres::Row| Cycle {
        id: r.get(0),
        level: r.get(1),
        started: r.get(2),
    };
    if let Some(r) = client.query_opt(find.as_str(), &[]).map_err(e)? {
        return Ok(Some(row(r)));
    }
    let mut tx = client.transaction().map_err(e)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])
        .map_err(e)?;
    if let Some(r) = tx.query_opt(find.as_str(), &[]).map_err(e)? {
        return Ok(Some(row(r)));
    }
    let cutoff = rfc3339(now_unix().saturating_sub(options.cycle.as_secs()));
    let due: Vec<BagRow> = archive
        .catalog()
        .bags_by_check_age()?
        .into_iter()
        .filter(|b| {
            b.last_full_check
                .as_deref()
                .is_none_or(|t| t < cutoff.as_str())
        })
        .collect();
    if due.is_empty() {
        return Ok(None);
    }
    let bytes: u64 = due.iter().map(|b| b.size).sum();
    let level = level_name(options.level);
    let id: i64 = tx
        .query_one(
            "INSERT INTO newsbag_cycles (level, bags, bytes) VALUES ($1, $2, $3) RETURNING id",
            &[&level, &as_i64(due.len() as u64), &as_i64(bytes)],
        )
        .map_err(e)?
        .get(0);
    // In chunks, each one statement of arrays.
    for (n, chunk) in due.chunks(10_000).enumerate() {
        let names: Vec<&str> = chunk.iter().map(|b| b.name.as_str()).collect();
        let sizes: Vec<i64> = chunk.iter().map(|b| as_i64(b.size)).collect();
        let first = as_i64((n * 10_000) as u64);
        tx.execute(
            "INSERT INTO newsbag_cycle_bags (cycle, bag, size, position) \
             SELECT $1, t.bag, t.size, $4 + t.n - 1 \
             FROM unnest($2::text[], $3::bigint[]) WITH ORDINALITY AS t (bag, size, n)",
            &[&id, &names, &sizes, &first],
        )
        .map_err(e)?;
    }
    let started: String = tx
        .query_one(
            format!(
                "SELECT to_char(started AT TIME ZONE 'UTC', {RFC3339}) FROM newsbag_cycles \
                 WHERE id = $1"
            )
            .as_str(),
            &[&id],
        )
        .map_err(e)?
        .get(0);
    tx.commit().map_err(e)?;
    log::info!("opened cycle {id}: {} bags, {bytes} bytes", due.len());
    Ok(Some(Cycle {
        id,
        level: level.to_owned(),
        started,
    }))
}

/// Claims up to `n` bags of `cycle`: due ones, least recently checked
/// first, then ones whose lease ran out.
fn claim(
    client: &mut Client,
    url: &str,
    cycle: i64,
    worker: &str,
    lease: Duration,
    n: usize,
) -> Result<Vec<String>> {
    let rows = client
        .query(
            "WITH pick AS MATERIALIZED ( \
                 SELECT bag FROM newsbag_cycle_bags \
                 WHERE cycle = $1 AND state <> 'done' \
                     AND (state = 'due' OR lease_until < now()) \
                 ORDER BY position LIMIT $4 FOR UPDATE SKIP LOCKED) \
             UPDATE newsbag_cycle_bags c SET state = 'leased', worker = $2, \
                 lease_until = now() + make_interval(secs => $3), claims = c.claims + 1 \
             FROM pick WHERE c.cycle = $1 AND c.bag = pick.bag \
             RETURNING c.bag, c.position",
            &[&cycle, &worker, &lease.as_secs_f64(), &as_i64(n as u64)],
        )
        .map_err(|e| db_error(url, &e))?;
    let mut bags: Vec<(i64, String)> = rows.into_iter().map(|r| (r.get(1), r.get(0))).collect();
    bags.sort();
    Ok(bags.into_iter().map(|(_, b)| b).collect())
}

/// Gives back bags claimed but not started (the budget ran out).
fn release(
    client: &mut Client,
    url: &str,
    cycle: i64,
    worker: &str,
    bags: &[String],
) -> Result<()> {
    if bags.is_empty() {
        return Ok(());
    }
    client
        .execute(
            "UPDATE newsbag_cycle_bags SET state = 'due', worker = NULL, lease_until = NULL \
             WHERE cycle = $1 AND worker = $2 AND state = 'leased' AND bag = ANY($3)",
            &[&cycle, &worker, &bags],
        )
        .map_err(|e| db_error(url, &e))?;
    Ok(())
}

/// One bag's outcome waiting to be recorded.
struct Done {
    bag: String,
    outcome: &'static str,
    bytes: u64,
    event: Option<super::events::Event>,
    result: Option<BagResult>,
}

/// Checks one claimed bag, or finds it already recorded in this cycle.
fn check(archive: &Archive, cycle: &Cycle, name: &str, level: Level) -> Result<Done> {
    let Some(bag) = archive.catalog().bag(name)? else {
        // Gone from the catalog since the cycle opened (a bag removed by
        // `catalog rebuild` or registered under another name): nothing
        // to check.
        return Ok(Done {
            bag: name.to_owned(),
            outcome: "gone",
            bytes: 0,
            event: None,
            result: None,
        });
    };
    if bag.last_check_level.as_deref() == Some(cycle.level.as_str())
        && bag
            .last_check
            .as_deref()
            .is_some_and(|t| t >= cycle.started.as_str())
    {
        let outcome = match bag.last_outcome.as_deref() {
            Some("success") => "valid",
            _ => "invalid",
        };
        return Ok(Done {
            bag: name.to_owned(),
            outcome,
            bytes: 0,
            event: None,
            result: None,
        });
    }
    let zip = archive.root().join(&bag.path);
    if !zip.is_file() {
        let e = event(
            EventType::Missing,
            &bag.name,
            Outcome::Failure,
            serde_json::json!({"path": bag.path, "since": bag.last_check}),
        );
        return Ok(Done {
            bag: name.to_owned(),
            outcome: "missing",
            bytes: 0,
            event: Some(e),
            result: Some(BagResult {
                name: bag.name.clone(),
                path: bag.path.clone(),
                outcome: "missing".into(),
                bytes: 0,
                problems: vec![format!("`{}` is gone from the archive", bag.path)],
            }),
        });
    }
    let (e, result) = check_bag(archive.root(), &bag, level);
    let outcome = if result.outcome == "valid" {
        "valid"
    } else {
        "invalid"
    };
    Ok(Done {
        bag: name.to_owned(),
        outcome,
        bytes: result.bytes,
        event: Some(e),
        result: Some(result),
    })
}

/// Records a batch: marks each bag done if this worker still holds its
/// lease, appends the events of those to the archive's log and catalog,
/// then commits. Returns the bags recorded and the ones dropped.
fn record(
    client: &mut Client,
    url: &str,
    archive: &mut Archive,
    cycle: i64,
    worker: &str,
    batch: Vec<Done>,
) -> Result<(Vec<Done>, u64)> {
    let e = |err: postgres::Error| db_error(url, &err);
    let mut tx = client.transaction().map_err(e)?;
    // One statement for the batch: the rows still leased to this worker
    // are marked done (and locked until the commit).
    let bags: Vec<&str> = batch.iter().map(|d| d.bag.as_str()).collect();
    let outcomes: Vec<&str> = batch.iter().map(|d| d.outcome).collect();
    let bytes: Vec<i64> = batch.iter().map(|d| as_i64(d.bytes)).collect();
    let ids: Vec<Option<&str>> = batch
        .iter()
        .map(|d| d.event.as_ref().map(|e| e.id.as_str()))
        .collect();
    let marked: std::collections::BTreeSet<String> = tx
        .query(
            "UPDATE newsbag_cycle_bags c SET state = 'done', outcome = t.outcome, \
                 bytes = t.bytes, checked = now(), event = t.event, lease_until = NULL \
             FROM unnest($3::text[], $4::text[], $5::bigint[], $6::text[]) \
                 AS t (bag, outcome, bytes, event) \
             WHERE c.cycle = $1 AND c.bag = t.bag AND c.worker = $2 AND c.state = 'leased' \
             RETURNING c.bag",
            &[&cycle, &worker, &bags, &outcomes, &bytes, &ids],
        )
        .map_err(e)?
        .into_iter()
        .map(|r| r.get(0))
        .collect();
    let mut kept = Vec::new();
    let mut dropped = 0;
    for d in batch {
        if marked.contains(&d.bag) {
            kept.push(d);
        } else {
            log::warn!(
                "the lease of `{}` passed to another worker before its check was recorded: \
                 the result is dropped",
                d.bag
            );
            dropped += 1;
        }
    }
    let events: Vec<_> = kept
        .iter()
        .filter_map(|d| d.event.clone().map(|e| (e, None)))
        .collect();
    if !events.is_empty() {
        archive.record(&events)?;
    }
    let bytes: u64 = kept.iter().map(|d| d.bytes).sum();
    tx.execute(
        "UPDATE newsbag_workers SET checked = checked + $2, bytes = bytes + $3, heartbeat = now() \
         WHERE id = $1",
        &[&worker, &as_i64(kept.len() as u64), &as_i64(bytes)],
    )
    .map_err(e)?;
    tx.commit().map_err(e)?;
    Ok((kept, dropped))
}

/// Closes `cycle` if nothing is left in it; returns whether it is closed,
/// and whether some bags are leased to others still (to wait for).
fn close_if_done(client: &mut Client, url: &str, cycle: i64) -> Result<(bool, bool)> {
    let e = |err: postgres::Error| db_error(url, &err);
    let r = client
        .query_one(
            "SELECT count(*) FILTER (WHERE state = 'due'), \
                    count(*) FILTER (WHERE state = 'leased') \
             FROM newsbag_cycle_bags WHERE cycle = $1 AND state <> 'done'",
            &[&cycle],
        )
        .map_err(e)?;
    let (due, leased): (i64, i64) = (r.get(0), r.get(1));
    if due + leased > 0 {
        return Ok((false, leased > 0));
    }
    client
        .execute(
            "UPDATE newsbag_cycles SET finished = now() WHERE id = $1 AND finished IS NULL",
            &[&cycle],
        )
        .map_err(e)?;
    Ok((true, false))
}

/// Runs one worker on the archive at `root` until the open cycle is
/// complete or the budget is spent.
pub fn work(root: &Path, options: &WorkerOptions) -> Result<WorkerReport> {
    super::check_archive(root)?;
    let _lock = ArchiveLock::acquire_shared(root, "audit worker")?;
    let clock = Instant::now();
    let url = options.catalog.as_str();
    let mut archive = Archive::open_existing(root)?;
    let mut report = WorkerReport {
        agent: super::agent(),
        archive: root.to_owned(),
        worker: String::new(),
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
        recovered: 0,
        dropped: 0,
        cycle_complete: false,
        progress: None,
        problems: Vec::new(),
    };
    let Some(archive_id) = archive.catalog().first_event_id()? else {
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
        &mut archive,
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
    report.progress = match report.cycle {
        Some(id) => cycle_progress(&mut client, url, id)?,
        None => None,
    };
    report.finished = now_rfc3339();
    Ok(report)
}

fn work_cycle(
    client: &mut Client,
    archive: &mut Archive,
    worker: &str,
    options: &WorkerOptions,
    clock: Instant,
    report: &mut WorkerReport,
) -> Result<()> {
    let url = options.catalog.as_str();
    let Some(cycle) = open_cycle(client, url, archive, options)? else {
        report.cycle_complete = true;
        return Ok(());
    };
    report.cycle = Some(cycle.id);
    client
        .execute(
            "UPDATE newsbag_workers SET cycle = $2 WHERE id = $1",
            &[&worker, &cycle.id],
        )
        .map_err(|e| db_error(url, &e))?;
    let level = match cycle.level.as_str() {
        "fast" => Level::Fast,
        "completeness" => Level::Completeness,
        _ => Level::Fixity,
    };
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
        let mut pending = claimed.into_iter().peekable();
        while let Some(name) = pending.peek() {
            if options.budget.is_some_and(|b| clock.elapsed() >= b) {
                report.stopped_by = Some("time".into());
                break;
            }
            if let Some(max) = options.max_bytes
                && report.checked + (done.len() as u64) > 0
            {
                let size = archive.catalog().bag(name)?.map_or(0, |b| b.size);
                if report.bytes + batch_bytes + size > max {
                    report.stopped_by = Some("bytes".into());
                    break;
                }
            }
            let Some(name) = pending.next() else { break };
            let d = check(archive, &cycle, &name, level)?;
            batch_bytes += d.bytes;
            done.push(d);
        }
        let left: Vec<String> = pending.collect();
        if !done.is_empty() {
            #[allow(clippy::cast_precision_loss, reason = "a few hundred bags")]
            let secs = batch_clock.elapsed().as_secs_f64() / done.len() as f64;
            per_bag = Some(per_bag.map_or(secs, |old| 0.5 * old + 0.5 * secs));
        }
        let checked_in = batch_clock.elapsed();
        let (kept, dropped) = record(client, url, archive, cycle.id, worker, done)?;
        log::debug!(
            "claimed {want}, checked {} in {:.3} s, recorded in {:.3} s",
            kept.len(),
            checked_in.as_secs_f64(),
            (batch_clock.elapsed() - checked_in).as_secs_f64()
        );
        report.dropped += dropped;
        for d in kept {
            match (&d.event, d.outcome) {
                (None, _) => report.recovered += 1,
                (Some(_), "valid") => report.valid += 1,
                (Some(_), "missing") => report.missing += 1,
                (Some(_), _) => report.invalid += 1,
            }
            if d.event.is_some() {
                report.checked += 1;
                report.bytes += d.bytes;
            }
            if let Some(r) = d.result
                && r.outcome != "valid"
            {
                report.problems.push(r);
            }
        }
        if report.stopped_by.is_some() {
            release(client, url, cycle.id, worker, &left)?;
            break;
        }
    }
    Ok(())
}

fn cycle_progress(client: &mut Client, url: &str, id: i64) -> Result<Option<CycleProgress>> {
    let e = |err: postgres::Error| db_error(url, &err);
    let sql = format!(
        "SELECT c.id, c.level, to_char(c.started AT TIME ZONE 'UTC', {RFC3339}), \
                to_char(c.finished AT TIME ZONE 'UTC', {RFC3339}), c.bags, c.bytes, \
                count(b.bag) FILTER (WHERE b.state = 'done'), \
                count(b.bag) FILTER (WHERE b.state = 'leased'), \
                count(b.bag) FILTER (WHERE b.state = 'due'), \
                count(b.bag) FILTER (WHERE b.outcome = 'invalid'), \
                count(b.bag) FILTER (WHERE b.outcome = 'missing'), \
                coalesce(sum(b.bytes), 0)::bigint \
         FROM newsbag_cycles c LEFT JOIN newsbag_cycle_bags b ON b.cycle = c.id \
         WHERE c.id = $1 GROUP BY c.id"
    );
    let Some(r) = client.query_opt(sql.as_str(), &[&id]).map_err(e)? else {
        return Ok(None);
    };
    Ok(Some(CycleProgress {
        id: r.get(0),
        level: r.get(1),
        started: r.get(2),
        finished: r.get(3),
        bags: as_u64(r.get(4)),
        bytes: as_u64(r.get(5)),
        done: as_u64(r.get(6)),
        leased: as_u64(r.get(7)),
        due: as_u64(r.get(8)),
        invalid: as_u64(r.get(9)),
        missing: as_u64(r.get(10)),
        bytes_done: as_u64(r.get(11)),
    }))
}

/// The newest cycle and the workers of the last day (and every one still
/// running), for `status`.
pub fn progress(url: &str) -> Result<Progress> {
    let mut client = connect(url)?;
    let e = |err: postgres::Error| db_error(url, &err);
    let known = client
        .query_one("SELECT to_regclass('newsbag_cycles') IS NOT NULL", &[])
        .map_err(e)?
        .get::<_, bool>(0);
    if !known {
        return Ok(Progress {
            cycle: None,
            workers: Vec::new(),
        });
    }
    let newest: Option<i64> = client
        .query_one("SELECT max(id) FROM newsbag_cycles", &[])
        .map_err(e)?
        .get(0);
    let cycle = match newest {
        Some(id) => cycle_progress(&mut client, url, id)?,
        None => None,
    };
    let sql = format!(
        "SELECT id, host, pid, \
                CASE WHEN finished IS NOT NULL THEN 'finished' \
                     WHEN heartbeat < now() - make_interval(secs => lease_seconds) THEN 'lost' \
                     ELSE 'running' END, \
                to_char(started AT TIME ZONE 'UTC', {RFC3339}), \
                to_char(heartbeat AT TIME ZONE 'UTC', {RFC3339}), cycle, checked, bytes \
         FROM newsbag_workers \
         WHERE finished IS NULL OR heartbeat > now() - interval '1 day' \
         ORDER BY started, id"
    );
    let workers = client
        .query(sql.as_str(), &[])
        .map_err(e)?
        .into_iter()
        .map(|r| WorkerRow {
            id: r.get(0),
            host: r.get(1),
            pid: r.get(2),
            state: r.get(3),
            started: r.get(4),
            heartbeat: r.get(5),
            cycle: r.get(6),
            checked: as_u64(r.get(7)),
            bytes: as_u64(r.get(8)),
        })
        .collect();
    Ok(Progress { cycle, workers })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_kept_out_of_messages() {
        assert_eq!(
            redact("postgres://news:s3cret@db.example.org:5432/archive"),
            "postgres://news:…@db.example.org:5432/archive"
        );
        assert_eq!(
            redact("postgres://news@db/archive"),
            "postgres://news@db/archive"
        );
        assert_eq!(redact("postgresql://db/archive"), "postgresql://db/archive");
        assert_eq!(
            redact("host=db user=news password=s3cret dbname=a"),
            "host=db user=news password=… dbname=a"
        );
        // A password holding `@`: everything before the last `@` is the
        // user and password.
        assert_eq!(
            redact("postgres://news:p@ss@db/a"),
            "postgres://news:…@db/a"
        );
    }
}
