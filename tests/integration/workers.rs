//! Audits spread over workers (issue #16): several `newsbag audit
//! --worker` processes sharing one real PostgreSQL server (started by the
//! tests, [`crate::pg`]) divide a cycle of a 500-bag archive: each bag is
//! recorded exactly once, also when a worker is killed mid-run.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::archive::{archive_of, flip_byte, history, peer};
use crate::pg::Postgres;
use crate::util::newsbag;

const BAGS: usize = 500;

/// Starts `newsbag audit ARCHIVE --worker --catalog URL --json EXTRA…`,
/// its state directory (remote workers' own event logs) beside the
/// archive.
fn spawn_worker(archive: &Path, url: &str, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_newsbag"))
        .env("NEWSBAG_HOME", state_home(archive))
        .arg("audit")
        .arg(archive)
        .args(["--worker", "--catalog", url, "--json"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Where the workers of the archive at `archive` keep their state.
fn state_home(archive: &Path) -> std::path::PathBuf {
    archive.parent().unwrap().join("state")
}

/// Waits for a worker: its report (checked against
/// `schemas/worker-report.schema.json` when Python's `jsonschema` is
/// there) and exit code.
fn report_of(child: Child) -> (serde_json::Value, i32) {
    let out = child.wait_with_output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    if peer("python3", &["-c", "import jsonschema"]) {
        let schema =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/worker-report.schema.json");
        let mut check = Command::new("python3")
            .args([
                "-c",
                "import json, sys, jsonschema; \
                 jsonschema.validate(json.load(sys.stdin), json.load(open(sys.argv[1])))",
            ])
            .arg(schema)
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut check.stdin.take().unwrap(), &out.stdout).unwrap();
        let o = check.wait_with_output().unwrap();
        assert!(
            o.status.success(),
            "{}\n{json}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    (json, out.status.code().unwrap_or(-1))
}

/// How many times each bag was recorded checked (a fixity check, or found
/// missing) in the archive's history.
fn records_per_bag(archive: &Path) -> BTreeMap<String, usize> {
    let mut n = BTreeMap::new();
    for e in history(archive, None) {
        if e["type"] == "fixity_check" || e["type"] == "missing" {
            *n.entry(e["bag"].as_str().unwrap().to_owned()).or_insert(0) += 1;
        }
    }
    n
}

/// Waits until a cycle is open in the database at `url` (opened by a
/// worker on the archive's machine: remote workers need one).
fn wait_for_cycle(url: &str) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let open = postgres::Client::connect(url, postgres::NoTls)
            .ok()
            .and_then(|mut c| {
                c.query_opt("SELECT id FROM newsbag_cycles LIMIT 1", &[])
                    .ok()
            })
            .flatten()
            .is_some();
        if open {
            return;
        }
        assert!(Instant::now() < deadline, "no cycle was opened");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn status_work(archive: &Path, url: &str) -> serde_json::Value {
    let out = newsbag()
        .arg("status")
        .arg(archive)
        .args(["--catalog", url, "--json"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json["work"].clone()
}

#[test]
fn three_workers_check_every_bag_exactly_once() {
    let Some(pg) = Postgres::start() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let archive = archive_of(tmp.path(), BAGS);
    let url = pg.database("three");
    // One worker on the archive's machine (it opens the cycle and
    // collects everyone's checks), two as if on other machines.
    let home = spawn_worker(&archive, &url, &["--batch", "4"]);
    wait_for_cycle(&url);
    let mut workers = vec![home];
    for _ in 0..2 {
        workers.push(spawn_worker(&archive, &url, &["--batch", "4", "--remote"]));
    }
    let reports: Vec<(serde_json::Value, i32)> = workers.into_iter().map(report_of).collect();
    let mut checked = 0;
    for (r, code) in &reports {
        assert_eq!(*code, 0, "{r}");
        assert_eq!(r["cycle"], 1, "{r}");
        assert_eq!(r["cycle_complete"], true, "{r}");
        assert_eq!(r["dropped"], 0, "{r}");
        checked += r["checked"].as_u64().unwrap();
    }
    assert_eq!(checked, BAGS as u64);
    // Every check went through the home worker into the archive.
    assert_eq!(reports[0].0["collected"], BAGS as u64, "{}", reports[0].0);
    assert_eq!(reports[1].0["remote"], true);
    assert_eq!(reports[1].0["collected"], 0);
    // Each bag once in the archive's own history: the workers record
    // through the archive's event log and catalog.
    let records = records_per_bag(&archive);
    assert_eq!(records.len(), BAGS);
    assert!(records.values().all(|&n| n == 1), "{records:?}");
    let work = status_work(&archive, &url);
    assert_eq!(work["cycle"]["done"], BAGS as u64, "{work}");
    assert_eq!(work["cycle"]["due"], 0, "{work}");
    assert_eq!(work["cycle"]["leased"], 0, "{work}");
    assert!(work["cycle"]["finished"].is_string(), "{work}");
    let states: Vec<&str> = work["workers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["finished"; 3], "{work}");
    // The single-machine view agrees: nothing overdue.
    let out = newsbag()
        .arg("status")
        .arg(&archive)
        .arg("--json")
        .output()
        .unwrap();
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["overdue"], 0, "{status}");
    // Nothing is due now: a fourth worker opens no cycle.
    let (r, code) = report_of(spawn_worker(&archive, &url, &[]));
    assert_eq!(code, 0, "{r}");
    assert_eq!(r["checked"], 0, "{r}");
    assert!(r["cycle"].is_null(), "{r}");
    // The database is this archive's: another archive is refused.
    let other_tmp = tempfile::tempdir().unwrap();
    let other = archive_of(other_tmp.path(), 2);
    let out = newsbag()
        .arg("audit")
        .arg(&other)
        .args(["--worker", "--catalog", &url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("another archive"), "{err}");
}

#[test]
fn a_killed_worker_s_bags_are_taken_over_and_none_is_checked_twice() {
    let Some(pg) = Postgres::start() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let archive = archive_of(tmp.path(), BAGS);
    flip_byte(&archive.join("bags/b007.zip"));
    std::fs::remove_file(archive.join("bags/b011.zip")).unwrap();
    let url = pg.database("killed");
    let lease = ["--lease", "2s", "--batch", "4"];
    let remote = ["--lease", "2s", "--batch", "4", "--remote"];
    let home = spawn_worker(&archive, &url, &lease);
    wait_for_cycle(&url);
    let mut victim = spawn_worker(&archive, &url, &remote);
    let others: Vec<Child> = vec![home, spawn_worker(&archive, &url, &remote)];
    // Kill the first worker once it has recorded some bags and holds the
    // leases of others: it is stopped (SIGSTOP) to look, and killed
    // (SIGKILL) when it is caught so.
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let pid = i64::from(victim.id());
    let signal = |sig: &str| {
        let ok = Command::new("kill")
            .args([sig, &pid.to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill {sig}");
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    let killed_with = loop {
        signal("-STOP");
        let held: Option<(i64, i64)> = client
            .query_opt(
                "SELECT w.checked, (SELECT count(*) FROM newsbag_cycle_bags b \
                     WHERE b.worker = w.id AND b.state = 'leased') \
                 FROM newsbag_workers w WHERE w.pid = $1",
                &[&pid],
            )
            .ok() // no table yet: the worker is still starting
            .flatten()
            .map(|r| (r.get(0), r.get(1)));
        if let Some((done, leased)) = held
            && done > 0
            && leased > 0
        {
            // A claim takes at most --batch bags.
            assert!(leased <= 4, "{leased} bags leased at once");
            break leased;
        }
        signal("-CONT");
        assert!(Instant::now() < deadline, "the worker never recorded a bag");
        std::thread::sleep(Duration::from_millis(10));
    };
    victim.kill().unwrap(); // SIGKILL
    let _ = victim.wait();
    let reports: Vec<(serde_json::Value, i32)> = others.into_iter().map(report_of).collect();
    let mut checked = 0;
    for (r, code) in &reports {
        assert!(*code == 0 || *code == 1, "{r}");
        assert_eq!(r["cycle_complete"], true, "{r}");
        checked += r["checked"].as_u64().unwrap();
    }
    let records = records_per_bag(&archive);
    assert_eq!(records.len(), BAGS, "every bag recorded");
    assert!(
        records.values().all(|&n| n == 1),
        "a bag recorded twice: {:?}",
        records.iter().filter(|(_, n)| **n > 1).collect::<Vec<_>>()
    );
    // The survivors did everything the victim had not recorded.
    let victim_done: i64 = client
        .query_one(
            "SELECT checked FROM newsbag_workers WHERE pid = $1",
            &[&pid],
        )
        .unwrap()
        .get(0);
    assert_eq!(checked + victim_done as u64, BAGS as u64);
    // Bags the victim held were claimed again once its lease ran out.
    let reclaimed: i64 = client
        .query_one(
            "SELECT count(*) FROM newsbag_cycle_bags WHERE claims > 1",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(reclaimed >= killed_with, "{reclaimed} < {killed_with}");
    let work = status_work(&archive, &url);
    assert_eq!(work["cycle"]["done"], BAGS as u64, "{work}");
    assert_eq!(work["cycle"]["invalid"], 1, "{work}");
    assert_eq!(work["cycle"]["missing"], 1, "{work}");
    let mut states: Vec<&str> = work["workers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["state"].as_str().unwrap())
        .collect();
    states.sort_unstable();
    assert_eq!(states, ["finished", "finished", "lost"], "{work}");
    // The damaged and the missing bag are due again: the next worker opens
    // a cycle of those two, and fails (exit 1).
    let (r, code) = report_of(spawn_worker(&archive, &url, &[]));
    assert_eq!(code, 1, "{r}");
    assert_eq!(r["cycle"], 2, "{r}");
    assert_eq!(r["checked"], 2, "{r}");
    assert_eq!(r["invalid"], 1, "{r}");
    assert_eq!(r["missing"], 1, "{r}");
}

#[test]
fn unreachable_database_and_bad_arguments_are_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = archive_of(tmp.path(), 1);
    // Nothing listens on port 1.
    let out = newsbag()
        .arg("audit")
        .arg(&archive)
        .args([
            "--worker",
            "--catalog",
            "postgres://newsbag:s3cret@127.0.0.1:1/none",
        ])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("postgres://newsbag:…@127.0.0.1:1/none"),
        "{err}"
    );
    assert!(!err.contains("s3cret"), "{err}");
    // --worker needs --catalog, and --catalog --worker.
    for args in [&["--worker"][..], &["--catalog", "postgres://x/y"][..]] {
        let out = newsbag()
            .arg("audit")
            .arg(&archive)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
    }
}

#[test]
fn checks_recorded_in_postgres_are_collected_into_the_archive_once() {
    let Some(pg) = Postgres::start() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let archive = archive_of(tmp.path(), 6);
    let url = pg.database("collected");
    let size = std::fs::metadata(archive.join("bags/b000.zip"))
        .unwrap()
        .len();
    // A remote worker with no cycle open has nothing to do.
    let (r, code) = report_of(spawn_worker(&archive, &url, &["--remote"]));
    assert_eq!(code, 0, "{r}");
    assert!(r["cycle"].is_null(), "{r}");
    // A worker on the archive's machine with a budget of two bags opens
    // the cycle, checks two and gives the rest back.
    let max = (2 * size).to_string();
    let (r, code) = report_of(spawn_worker(&archive, &url, &["--max-bytes", &max]));
    assert_eq!(code, 0, "{r}");
    assert_eq!(r["checked"], 2, "{r}");
    assert_eq!(r["collected"], 2, "{r}");
    assert_eq!(r["stopped_by"], "bytes", "{r}");
    assert_eq!(r["cycle_complete"], false, "{r}");
    assert_eq!(r["progress"]["due"], 4, "{r}");
    // A remote worker does the rest: recorded in PostgreSQL, not yet in
    // the archive.
    let (r, code) = report_of(spawn_worker(&archive, &url, &["--remote"]));
    assert_eq!(code, 0, "{r}");
    assert_eq!(r["checked"], 4, "{r}");
    assert_eq!(r["cycle_complete"], true, "{r}");
    assert_eq!(records_per_bag(&archive).len(), 2);
    // The next worker on the archive's machine collects them first, and
    // then finds nothing due.
    let (r, code) = report_of(spawn_worker(&archive, &url, &[]));
    assert_eq!(code, 0, "{r}");
    assert_eq!(r["collected"], 4, "{r}");
    assert_eq!(r["checked"], 0, "{r}");
    assert!(r["cycle"].is_null(), "{r}");
    let records = records_per_bag(&archive);
    assert_eq!(records.len(), 6);
    assert!(records.values().all(|&n| n == 1), "{records:?}");
    // As if a collector had died between its record and its commit: the
    // events are in the archive but not marked collected. Collected
    // again, none is recorded twice.
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let n = client
        .execute("UPDATE newsbag_events SET collected = false", &[])
        .unwrap();
    assert_eq!(n, 6);
    let (r, code) = report_of(spawn_worker(&archive, &url, &[]));
    assert_eq!(code, 0, "{r}");
    assert_eq!(r["collected"], 0, "{r}");
    let records = records_per_bag(&archive);
    assert!(records.values().all(|&n| n == 1), "{records:?}");
    let left: i64 = client
        .query_one(
            "SELECT count(*) FROM newsbag_events WHERE NOT collected",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(left, 0);
}

/// The database lost before the remote workers' checks were collected:
/// each remote worker kept its own event log, and `catalog collect`
/// brings every check into the archive once (again: nothing more).
#[test]
fn remote_workers_own_logs_bring_back_checks_the_database_lost() {
    let Some(pg) = Postgres::start() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let archive = archive_of(tmp.path(), 60);
    flip_byte(&archive.join("bags/b003.zip"));
    let url = pg.database("lost");
    // The cycle opened on the archive's machine, with no time to check.
    let (r, code) = report_of(spawn_worker(&archive, &url, &["--budget", "0s"]));
    assert_eq!((code, r["checked"].as_u64()), (0, Some(0)), "{r}");
    let remote: Vec<Child> = (0..2)
        .map(|_| spawn_worker(&archive, &url, &["--batch", "4", "--remote"]))
        .collect();
    let mut checked = 0;
    for w in remote {
        let (r, _) = report_of(w);
        checked += r["checked"].as_u64().unwrap();
    }
    assert_eq!(checked, 60);
    // Never collected: the database is gone.
    drop(pg);
    assert!(records_per_bag(&archive).is_empty());
    let collect = |from: &Path| {
        newsbag()
            .args(["catalog", "collect"])
            .arg(&archive)
            .arg(from)
            .output()
            .unwrap()
    };
    let workers = state_home(&archive).join("workers");
    let out = collect(&workers);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records = records_per_bag(&archive);
    assert_eq!(records.len(), 60, "{records:?}");
    assert!(records.values().all(|&n| n == 1), "{records:?}");
    let failed: Vec<String> = history(&archive, Some("b003"))
        .iter()
        .filter(|e| e["type"] == "fixity_check")
        .map(|e| e["outcome"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(failed, ["failure"]);
    // Again: everything is there already.
    let out = collect(&workers);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(" 0 recorded"),
        "{out:?}"
    );
    assert_eq!(records_per_bag(&archive).values().sum::<usize>(), 60);
    // Not a worker's log: a clear error.
    let out = collect(&archive.join("bags"));
    assert_eq!(out.status.code(), Some(2));
}
