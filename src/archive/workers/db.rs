//! The database the workers share: its schema, the cycles, the leases
//! (claims, renewals, releases), the record of each batch and the
//! collection of the records into the archive, and the progress `status`
//! shows. The only module of the workers that speaks SQL.

use std::path::PathBuf;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

pub(super) use postgres::Client;
use postgres::GenericClient;
use serde::Serialize;

use super::super::audit::BagResult;
use super::super::catalog::BagRow;
use super::super::events::Event;
use super::super::{Archive, Error, Result, now_unix};
use super::WorkerOptions;
use crate::archive::pg::coordination;
pub use crate::archive::pg::redact;
pub(super) use crate::archive::pg::{connect, db_error};

/// The key of the advisory lock taken to migrate the schema and to open
/// a cycle (`nbsg` and 1).
const LOCK_KEY: i64 = crate::archive::pg::keys::WORKERS;

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
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
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
CREATE TABLE newsbag_events (
    seq BIGSERIAL PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    cycle BIGINT NOT NULL,
    worker TEXT NOT NULL,
    event TEXT NOT NULL,
    collected BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX newsbag_events_to_collect ON newsbag_events (seq) WHERE NOT collected;
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

/// A time of PostgreSQL's as RFC 3339, as newsbag writes times.
const RFC3339: &str = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'";

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

/// Brings the schema to [`SCHEMA_VERSION`] and checks that the database
/// coordinates the archive whose first event is `archive_id` (recording
/// it if the database is new to archives).
pub(super) fn prepare(client: &mut Client, url: &str, archive_id: &str) -> Result<()> {
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
        return Err(coordination(
            url,
            format!(
                "its schema (version {version}) was written by a newer newsbag; this one knows \
                 versions up to {SCHEMA_VERSION}"
            ),
        ));
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
            return Err(coordination(
                url,
                format!(
                    "it divides the work of another archive (whose first event is {known}; \
                     this one's is {archive_id}): give each archive a database of its own"
                ),
            ));
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

pub(super) fn as_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(super) fn as_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Renews a worker's leases and heartbeat from a thread of its own (with a
/// connection of its own) until dropped.
pub(super) struct Heartbeat {
    /// Dropped to stop the thread (it waits on the other end).
    stop: Option<mpsc::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Heartbeat {
    pub(super) fn start(url: &str, worker: &str, lease: Duration) -> Result<Heartbeat> {
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
pub(super) struct Cycle {
    pub(super) id: i64,
    pub(super) level: String,
}

/// The open cycle, if there is one.
pub(super) fn find_cycle(client: &mut impl GenericClient, url: &str) -> Result<Option<Cycle>> {
    Ok(client
        .query_opt(
            "SELECT id, level FROM newsbag_cycles WHERE finished IS NULL ORDER BY id LIMIT 1",
            &[],
        )
        .map_err(|e| db_error(url, &e))?
        .map(|r| Cycle {
            id: r.get(0),
            level: r.get(1),
        }))
}

/// The open cycle, opening one (under the advisory lock, so that two
/// workers starting at once open one between them) if none is open and
/// some bag is due. `None`: nothing is due.
pub(super) fn open_cycle(
    client: &mut Client,
    url: &str,
    archive: &Archive,
    options: &WorkerOptions,
) -> Result<Option<Cycle>> {
    let e = |err: postgres::Error| db_error(url, &err);
    if let Some(c) = find_cycle(client, url)? {
        return Ok(Some(c));
    }
    let mut tx = client.transaction().map_err(e)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])
        .map_err(e)?;
    if let Some(c) = find_cycle(&mut tx, url)? {
        return Ok(Some(c));
    }
    let cutoff = super::super::cycle_cutoff(now_unix(), options.cycle);
    let due: Vec<BagRow> = archive
        .catalog()
        .bags_by_check_age()?
        .into_iter()
        .filter(|b| b.overdue(&cutoff))
        .collect();
    if due.is_empty() {
        return Ok(None);
    }
    let bytes: u64 = due.iter().map(|b| b.size).sum();
    let level = options.level.as_str();
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
        let paths: Vec<&str> = chunk.iter().map(|b| b.path.as_str()).collect();
        let shas: Vec<&str> = chunk.iter().map(|b| b.sha256.as_str()).collect();
        let sizes: Vec<i64> = chunk.iter().map(|b| as_i64(b.size)).collect();
        let first = as_i64((n * 10_000) as u64);
        tx.execute(
            "INSERT INTO newsbag_cycle_bags (cycle, bag, path, sha256, size, position) \
             SELECT $1, t.bag, t.path, t.sha256, t.size, $6 + t.n - 1 \
             FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[]) WITH ORDINALITY \
                 AS t (bag, path, sha256, size, n)",
            &[&id, &names, &paths, &shas, &sizes, &first],
        )
        .map_err(e)?;
    }
    tx.commit().map_err(e)?;
    log::info!("opened cycle {id}: {} bags, {bytes} bytes", due.len());
    Ok(Some(Cycle {
        id,
        level: level.to_owned(),
    }))
}

/// Claims up to `n` bags of `cycle`: due ones, least recently checked
/// first, then ones whose lease ran out. Each comes as the cycle recorded
/// it when it opened (name, path, size, SHA-256 of the zip): all a worker
/// needs to check it, without the archive's catalog.
pub(super) fn claim(
    client: &mut Client,
    url: &str,
    cycle: i64,
    worker: &str,
    lease: Duration,
    n: usize,
) -> Result<Vec<BagRow>> {
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
             RETURNING c.position, c.bag, c.path, c.sha256, c.size",
            &[&cycle, &worker, &lease.as_secs_f64(), &as_i64(n as u64)],
        )
        .map_err(|e| db_error(url, &e))?;
    let mut bags: Vec<(i64, BagRow)> = rows
        .into_iter()
        .map(|r| {
            (
                r.get(0),
                BagRow {
                    name: r.get(1),
                    path: r.get(2),
                    sha256: r.get(3),
                    size: as_u64(r.get(4)),
                    items: 0,
                    state: "present".into(),
                    registered: String::new(),
                    last_check: None,
                    last_check_level: None,
                    last_outcome: None,
                    last_full_check: None,
                },
            )
        })
        .collect();
    bags.sort_by_key(|(position, _)| *position);
    Ok(bags.into_iter().map(|(_, b)| b).collect())
}

/// Gives back bags claimed but not started (the budget ran out).
pub(super) fn release(
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

/// One bag's outcome waiting to be recorded: its event, and the result
/// (name, outcome, bytes read) the report and the cycle's row take.
pub(super) struct Done {
    pub(super) event: Event,
    pub(super) result: BagResult,
}

/// Records a batch in one PostgreSQL transaction: marks each bag done if
/// this worker still holds its lease, and stores the events of those
/// with it (to be collected into the archive's event log and catalog).
/// Returns the bags recorded and the number dropped.
pub(super) fn record(
    client: &mut Client,
    url: &str,
    cycle: i64,
    worker: &str,
    batch: Vec<Done>,
) -> Result<(Vec<Done>, u64)> {
    let e = |err: postgres::Error| db_error(url, &err);
    let mut tx = client.transaction().map_err(e)?;
    // One statement for the batch: the rows still leased to this worker
    // are marked done.
    let bags: Vec<&str> = batch.iter().map(|d| d.result.name.as_str()).collect();
    let outcomes: Vec<&str> = batch.iter().map(|d| d.result.outcome.as_str()).collect();
    let bytes: Vec<i64> = batch.iter().map(|d| as_i64(d.result.bytes)).collect();
    let ids: Vec<&str> = batch.iter().map(|d| d.event.id.as_str()).collect();
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
        if marked.contains(&d.result.name) {
            kept.push(d);
        } else {
            log::warn!(
                "the lease of `{}` passed to another worker before its check was recorded: \
                 the result is dropped",
                d.result.name
            );
            dropped += 1;
        }
    }
    let mut ids = Vec::new();
    let mut events = Vec::new();
    for d in &kept {
        ids.push(d.event.id.as_str());
        events.push(
            serde_json::to_string(&d.event).map_err(|err| {
                coordination(url, format!("cannot write an event as JSON: {err}"))
            })?,
        );
    }
    tx.execute(
        "INSERT INTO newsbag_events (id, cycle, worker, event) \
         SELECT t.id, $1, $2, t.event FROM unnest($3::text[], $4::text[]) AS t (id, event)",
        &[&cycle, &worker, &ids, &events],
    )
    .map_err(e)?;
    let bytes: u64 = kept.iter().map(|d| d.result.bytes).sum();
    tx.execute(
        "UPDATE newsbag_workers SET checked = checked + $2, bytes = bytes + $3, heartbeat = now() \
         WHERE id = $1",
        &[&worker, &as_i64(kept.len() as u64), &as_i64(bytes)],
    )
    .map_err(e)?;
    tx.commit().map_err(e)?;
    Ok((kept, dropped))
}

/// The key of the advisory lock of collecting (`nbsg` and 2).
const COLLECT_KEY: i64 = crate::archive::pg::keys::COLLECT;

/// Moves the workers' events from PostgreSQL into the archive's event
/// log and catalog ([`Archive::record`]: appended and `fsync`ed, then
/// committed), oldest first, then marks them collected. One collector at
/// a time (an advisory lock; another finding it taken leaves the work to
/// it). An event the catalog already has (a collector died between its
/// record and its commit) is not recorded twice. Returns how many were
/// recorded.
pub fn collect(client: &mut Client, url: &str, archive: &mut Archive) -> Result<u64> {
    let e = |err: postgres::Error| db_error(url, &err);
    let mut collected = 0;
    loop {
        let mut tx = client.transaction().map_err(e)?;
        let mine: bool = tx
            .query_one("SELECT pg_try_advisory_xact_lock($1)", &[&COLLECT_KEY])
            .map_err(e)?
            .get(0);
        if !mine {
            return Ok(collected);
        }
        let rows = tx
            .query(
                "SELECT seq, event FROM newsbag_events WHERE NOT collected ORDER BY seq LIMIT 1000",
                &[],
            )
            .map_err(e)?;
        if rows.is_empty() {
            return Ok(collected);
        }
        let mut seqs: Vec<i64> = Vec::new();
        let mut events = Vec::new();
        for r in rows {
            let seq: i64 = r.get(0);
            let text: String = r.get(1);
            let event: Event = serde_json::from_str(&text).map_err(|err| {
                coordination(
                    url,
                    format!("event {seq} of newsbag_events is not an event: {err}"),
                )
            })?;
            seqs.push(seq);
            if !archive.catalog().has_event(&event.id)? {
                events.push((event, None));
            }
        }
        if !events.is_empty() {
            archive.record(&events)?;
        }
        tx.execute(
            "UPDATE newsbag_events SET collected = true WHERE seq = ANY($1)",
            &[&seqs],
        )
        .map_err(e)?;
        tx.commit().map_err(e)?;
        collected += events.len() as u64;
    }
}

/// Closes `cycle` if nothing is left in it; returns whether it is closed,
/// and whether some bags are leased to others still (to wait for).
pub(super) fn close_if_done(client: &mut Client, url: &str, cycle: i64) -> Result<(bool, bool)> {
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

pub(super) fn cycle_progress(
    client: &mut Client,
    url: &str,
    id: i64,
) -> Result<Option<CycleProgress>> {
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
