//! The catalog on PostgreSQL (issue #16): the archive's own paths
//! (ingest, audit, missing and found bags, status, history, rebuild)
//! through the real binary against a real server started by the tests,
//! and the same answers as the SQLite catalog: a catalog built as events
//! happened on PostgreSQL equals, row for row, the SQLite catalog rebuilt
//! from the same archive, and back.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use newsbag::archive::catalog::location::DEFAULT_SCHEMA;
use newsbag::archive::catalog::{
    CATALOG_FILE, CATALOG_LINK, Catalog, HarvestQuery, SetFilter, postgres as pgcat,
};

use crate::pg::Postgres;
use crate::util::newsbag;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// `newsbag ARGS…`.
pub(crate) fn run(args: &[&str]) -> Output {
    newsbag()
        .args(args)
        .timeout(Duration::from_secs(300))
        .output()
        .unwrap()
}

pub(crate) fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Ingests the sample inbox as bag `name`; `extra` before the inputs.
pub(crate) fn ingest(archive: &Path, name: &str, extra: &[&str]) -> Output {
    let meta = repo("archive/inbox/meta.json");
    let inbox = repo("archive/inbox");
    let mut args = vec![
        "ingest",
        "--archive",
        path(archive),
        "--date",
        "2026-11-28",
        "--name",
        name,
        "--meta",
        path(&meta),
    ];
    args.extend_from_slice(extra);
    args.push(path(&inbox));
    run(&args)
}

fn audit(archive: &Path) -> (serde_json::Value, i32) {
    let o = run(&["audit", path(archive), "--json"]);
    let json = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {o:?}"));
    (json, o.status.code().unwrap_or(-1))
}

fn history(archive: &Path) -> String {
    let o = run(&["history", path(archive), "--format", "jsonl"]);
    assert!(o.status.success(), "{o:?}");
    String::from_utf8(o.stdout).unwrap()
}

pub(crate) fn pg_dump(url: &str) -> String {
    Catalog::open_postgres(url, DEFAULT_SCHEMA, true)
        .unwrap()
        .dump()
        .unwrap()
}

fn sqlite_dump(archive: &Path) -> String {
    Catalog::open(&archive.join(CATALOG_FILE))
        .unwrap()
        .dump()
        .unwrap()
}

#[test]
fn catalog_on_postgres_answers_as_the_sqlite_one() {
    let Some(pg) = Postgres::start() else { return };
    let url = pg.database("same");
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("archive");

    // A new archive with its catalog on PostgreSQL; later commands find it
    // through catalog.json.
    let o = ingest(&archive, "one", &["--catalog", &url]);
    assert!(o.status.success(), "{o:?}");
    assert!(archive.join(CATALOG_LINK).is_file());
    assert!(!archive.join(CATALOG_FILE).exists());
    let o = ingest(&archive, "two", &[]);
    assert!(o.status.success(), "{o:?}");

    let (report, code) = audit(&archive);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["summary"]["checked"], 2, "{report}");

    // A corrupt payload byte: invalid, then mended.
    let two = archive.join("bags/two.zip");
    let good = fs::read(&two).unwrap();
    let mut bad = good.clone();
    let at = bad.len() / 3;
    bad[at] ^= 0x55;
    fs::write(&two, &bad).unwrap();
    let (report, code) = audit(&archive);
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["summary"]["invalid"], 1, "{report}");
    fs::write(&two, &good).unwrap();

    // A bag gone: missing, every run, until found again.
    let one = archive.join("bags/one.zip");
    let aside = tmp.path().join("one.zip");
    fs::rename(&one, &aside).unwrap();
    let (report, code) = audit(&archive);
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["summary"]["missing"], 1, "{report}");
    fs::rename(&aside, &one).unwrap();
    let (report, code) = audit(&archive);
    assert_eq!(code, 0, "{report}");

    let o = run(&["status", path(&archive), "--json"]);
    assert!(o.status.success(), "{o:?}");
    let status: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(status["bags"], 2, "{status}");
    assert_eq!(status["items"], 20, "{status}");
    let on_postgres = history(&archive);
    for kind in ["\"ingest\"", "\"fixity_check\"", "\"missing\"", "\"found\""] {
        assert!(on_postgres.contains(kind), "{kind} in {on_postgres}");
    }

    // An item read straight from its zip, the catalog on PostgreSQL.
    let shown = run(&[
        "show",
        path(&archive),
        "rasht-unesco-gastronomy",
        "--bag",
        "one",
        "--format",
        "json",
    ]);
    assert!(shown.status.success(), "{shown:?}");
    let original = run(&[
        "show",
        path(&archive),
        "p-4711",
        "--bag",
        "two",
        "--original",
    ]);
    assert!(original.status.success(), "{original:?}");
    let o = run(&["show", path(&archive), "p-4711"]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(stderr(&o).contains("several bags"), "{o:?}");

    // The catalog built as events happened on PostgreSQL equals the
    // SQLite catalog rebuilt from the bags and the log, row for row, and
    // tells the same history.
    let incremental = pg_dump(&url);
    assert!(incremental.lines().count() > 20, "{incremental}");
    let o = run(&["catalog", "rebuild", path(&archive), "--catalog", "sqlite"]);
    assert!(o.status.success(), "{o:?}");
    assert!(!archive.join(CATALOG_LINK).exists());
    assert_eq!(sqlite_dump(&archive), incremental);
    assert_eq!(history(&archive), on_postgres);
    let o = run(&["find", path(&archive), "rasht"]);
    assert!(o.status.success(), "{o:?}");
    let again = run(&[
        "show",
        path(&archive),
        "rasht-unesco-gastronomy",
        "--bag",
        "one",
        "--format",
        "json",
    ]);
    assert_eq!(again.stdout, shown.stdout);
    let again = run(&[
        "show",
        path(&archive),
        "p-4711",
        "--bag",
        "two",
        "--original",
    ]);
    assert_eq!(again.stdout, original.stdout);

    // And back: rebuilt on PostgreSQL, the same rows again; the SQLite
    // file kept aside, the earlier PostgreSQL tables kept in their schema.
    let o = run(&["catalog", "rebuild", path(&archive), "--catalog", &url]);
    assert!(o.status.success(), "{o:?}");
    assert!(archive.join(CATALOG_LINK).is_file());
    assert!(archive.join(format!("{CATALOG_FILE}.replaced")).is_file());
    assert_eq!(pg_dump(&url), incremental);
    let o = run(&["catalog", "rebuild", path(&archive)]);
    assert!(o.status.success(), "{o:?}");
    assert!(stderr(&o).contains("newsbag_catalog_replaced"), "{o:?}");
    assert_eq!(pg_dump(&url), incremental);
    assert_eq!(history(&archive), on_postgres);
}

#[test]
fn bad_postgres_catalogs_are_clear_errors() {
    let Some(pg) = Postgres::start() else { return };
    let tmp = tempfile::tempdir().unwrap();

    // A password in the URL would be written in the archive: refused.
    let archive = tmp.path().join("secret");
    let with_password = pg.url("x").replace("newsbag@", "newsbag:s3cret@");
    let o = ingest(&archive, "one", &["--catalog", &with_password]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(stderr(&o).contains("PGPASSWORD"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("s3cret"), "{}", stderr(&o));
    assert!(!archive.join(CATALOG_LINK).exists());

    // No server there: a clear error, no bag registered nowhere.
    let archive = tmp.path().join("nowhere");
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://newsbag@127.0.0.1:{closed}/none");
    let o = ingest(&archive, "one", &["--catalog", &url]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(stderr(&o).contains("PostgreSQL catalog"), "{}", stderr(&o));
    let zips = fs::read_dir(archive.join("bags"))
        .map(Iterator::count)
        .unwrap_or(0);
    assert_eq!(zips, 0, "a bag left without its catalog");

    // A catalog of a newer newsbag: refused, not downgraded.
    let url = pg.database("newer");
    let archive = tmp.path().join("newer");
    assert!(
        ingest(&archive, "one", &["--catalog", &url])
            .status
            .success()
    );
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client
        .batch_execute("UPDATE newsbag_catalog.meta SET value = '99' WHERE key = 'schema_version'")
        .unwrap();
    let o = run(&["status", path(&archive)]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(stderr(&o).contains("newer newsbag"), "{}", stderr(&o));

    // A schema of someone else's tables: not taken for a catalog.
    client
        .batch_execute("CREATE SCHEMA theirs; CREATE TABLE theirs.bags (x INT)")
        .unwrap();
    let o = run(&[
        "catalog",
        "rebuild",
        path(&archive),
        "--catalog",
        &url,
        "--catalog-schema",
        "theirs",
    ]);
    // The rebuild builds in `theirs_rebuild`, then refuses to put its
    // tables in place of a schema that is not a catalog.
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let err = Catalog::open_postgres(&url, "theirs", false).unwrap_err();
    assert!(err.to_string().contains("not a newsbag catalog"), "{err}");
}

fn pg_tables(url: &str, schema: &str) -> Vec<String> {
    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
    client
        .query(
            "SELECT tablename::TEXT FROM pg_tables WHERE schemaname = $1 ORDER BY 1",
            &[&schema],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// The migration mechanism of the PostgreSQL catalog, as the SQLite
/// catalog's unit tests show it: every earlier version migrated to the
/// newest; steps in order, each once, rows kept; a failing step leaves
/// the version it found.
#[test]
fn postgres_catalog_migrations() {
    let Some(pg) = Postgres::start() else { return };
    let url = pg.database("migrations");
    for from in 0..pgcat::MIGRATIONS.len() {
        let schema = format!("from_{from}");
        drop(Catalog::open_postgres_with(&url, &schema, &pgcat::MIGRATIONS[..from]).unwrap());
        let c = Catalog::open_postgres(&url, &schema, false).unwrap();
        assert_eq!(c.version().unwrap(), pgcat::SCHEMA_VERSION, "from {from}");
        assert_eq!(
            pg_tables(&url, &schema),
            [
                "bags",
                "copies",
                "events",
                "item_facets",
                "item_sources",
                "item_texts",
                "item_words",
                "items",
                "meta"
            ]
        );
    }

    // A catalog of version 1 with items: its search tables come empty,
    // and `find` asks for a rebuild until then.
    drop(Catalog::open_postgres_with(&url, "with_items", &pgcat::MIGRATIONS[..1]).unwrap());
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client
        .batch_execute(
            "INSERT INTO with_items.bags (name, path, size, sha256, tag_manifest, registered, \
             items, state) VALUES ('b', 'bags/b.zip', 1, 'x', '{}', 't', 1, 'present'); \
             INSERT INTO with_items.items (bag, id, path, title, creator, subject, description, \
             publisher, date, language, identifier, source) VALUES ('b', 'i', 'p', '[]', '[]', \
             '[]', '[]', '[]', '[]', '[]', '[]', \
             '[\"HTTPS://A.example:8080/x\", \"https://a.example.evil/\", \"file.txt\"]')",
        )
        .unwrap();
    let c = Catalog::open_postgres(&url, "with_items", false).unwrap();
    for index in ["search_index", "source_index"] {
        assert_eq!(c.meta(index).unwrap().as_deref(), Some("incomplete"));
    }
    // Until a rebuild, OAI-PMH's `source:HOST` sets are found by reading
    // every item's sources; then from `item_sources`: the same answers.
    let sets = |c: &Catalog| {
        let q = |host| HarvestQuery {
            set: Some(SetFilter::SourceHost(host)),
            ..HarvestQuery::default()
        };
        let found = |host| {
            let items = c.harvest_items(&q(host), None, 10).unwrap();
            let ids: Vec<String> = items.into_iter().map(|i| i.id).collect();
            (ids, c.harvest_count(&q(host), None).unwrap())
        };
        (
            c.source_hosts().unwrap(),
            found("a.example"),
            found("a.example.evil"),
            found("b.example"),
        )
    };
    let scanned = sets(&c);
    assert_eq!(
        scanned,
        (
            vec!["a.example".to_owned(), "a.example.evil".to_owned()],
            (vec!["i".to_owned()], 1),
            (vec!["i".to_owned()], 1),
            (vec![], 0)
        )
    );
    drop(c);
    client
        .batch_execute(
            "INSERT INTO with_items.item_sources (host, item) \
             SELECT h, seq FROM with_items.items, (VALUES ('a.example'), ('a.example.evil')) \
             AS v (h); DELETE FROM with_items.meta WHERE key = 'source_index'",
        )
        .unwrap();
    let c = Catalog::open_postgres(&url, "with_items", false).unwrap();
    assert_eq!(sets(&c), scanned);
    drop(c);

    let v1 = pgcat::MIGRATIONS[0];
    let v2 = "ALTER TABLE meta ADD COLUMN note TEXT; \
              INSERT INTO meta (key, value, note) VALUES ('m', '2', 'v2');";
    let bad = "CREATE TABLE t (x INT); SELECT no_such_function();";
    drop(Catalog::open_postgres_with(&url, "mech", &[v1]).unwrap());
    client
        .batch_execute("INSERT INTO mech.meta (key, value) VALUES ('kept', 'yes')")
        .unwrap();
    let c = Catalog::open_postgres_with(&url, "mech", &[v1, v2]).unwrap();
    assert_eq!(c.version().unwrap(), 2);
    assert_eq!(c.meta("kept").unwrap().as_deref(), Some("yes"));
    assert_eq!(c.meta("m").unwrap().as_deref(), Some("2"));
    drop(c);
    // Reopening runs nothing again (the INSERT would fail on its key).
    drop(Catalog::open_postgres_with(&url, "mech", &[v1, v2]).unwrap());
    assert!(Catalog::open_postgres_with(&url, "mech", &[v1, v2, bad]).is_err());
    let c = Catalog::open_postgres_with(&url, "mech", &[v1, v2]).unwrap();
    assert_eq!(c.version().unwrap(), 2);
    assert!(!pg_tables(&url, "mech").contains(&"t".to_owned()));
    // Read-only, an older catalog is refused with the way out.
    let err = Catalog::open_postgres(&url, "from_0_missing", true).unwrap_err();
    assert!(err.to_string().contains("catalog rebuild"), "{err}");
}

/// SIGKILLed ingests and an audit running beside them, the catalog on
/// PostgreSQL: every zip left is registered (adopted by the next
/// command), every registered bag exists, and the catalog still equals
/// the SQLite one rebuilt from the bags and the log.
#[test]
fn killed_ingests_and_an_audit_beside_them_on_postgres() {
    use std::process::{Command, Stdio};
    let Some(pg) = Postgres::start() else { return };
    let url = pg.database("killed");
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    for i in 0..100 {
        let d = corpus.join(format!("{i:03}"));
        fs::create_dir_all(&d).unwrap();
        for e in fs::read_dir(repo("archive/inbox")).unwrap() {
            let e = e.unwrap();
            if e.file_name() != "meta.json" {
                fs::copy(e.path(), d.join(e.file_name())).unwrap();
            }
        }
    }
    let archive = tmp.path().join("archive");
    let o = ingest(&archive, "first", &["--catalog", &url]);
    assert!(o.status.success(), "{o:?}");
    let bin = env!("CARGO_BIN_EXE_newsbag");
    for (n, delay_ms) in [5u64, 60, 200, 500, 900, 1500].into_iter().enumerate() {
        let auditing = Command::new(bin)
            .arg("audit")
            .arg(&archive)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut child = Command::new(bin)
            .args(["ingest", "--date", "2026-11-28", "--name"])
            .arg(format!("run-{n}"))
            .arg("--archive")
            .arg(&archive)
            .arg(&corpus)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let out = auditing.wait_with_output().unwrap();
        // The audit beside may be refused by another holding the lock
        // (exit 2) or find a bag adopted meanwhile; it never fails a bag.
        assert_ne!(out.status.code(), Some(1), "{}", stderr(&out));

        let o = run(&["status", path(&archive), "--json"]);
        assert!(o.status.success(), "{o:?}");
        let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(s["unknown"].as_array().unwrap().len(), 0, "{s}");
        let zips = fs::read_dir(archive.join("bags"))
            .map(Iterator::count)
            .unwrap_or(0);
        assert_eq!(s["bags"], zips as u64, "{s}");
        let (r, code) = audit(&archive);
        assert_eq!(code, 0, "{r}");
        assert_eq!(r["summary"]["missing"], 0, "{r}");
    }
    assert!(!archive.join(CATALOG_FILE).exists());
    let incremental = pg_dump(&url);
    let o = run(&["catalog", "rebuild", path(&archive), "--catalog", "sqlite"]);
    assert!(o.status.success(), "{o:?}");
    assert_eq!(sqlite_dump(&archive), incremental);
}

/// An archive whose catalog is on PostgreSQL: `audit --worker` and
/// `status` use that database for the workers' cycle without being told,
/// and the checks the worker collects land in the PostgreSQL catalog.
#[test]
fn audit_workers_and_status_use_the_catalogs_database() {
    let Some(pg) = Postgres::start() else { return };
    let url = pg.database("workers");
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("archive");
    assert!(
        ingest(&archive, "b0", &["--catalog", &url])
            .status
            .success()
    );
    for i in 1..6 {
        fs::copy(
            archive.join("bags/b0.zip"),
            archive.join(format!("bags/b{i}.zip")),
        )
        .unwrap();
    }
    // Adopted, none checked: all six are due.
    let o = run(&[
        "audit",
        path(&archive),
        "--adopt",
        "--budget",
        "0s",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let o = newsbag()
        .env("NEWSBAG_HOME", tmp.path().join("state"))
        .args(["audit", path(&archive), "--worker", "--json"])
        .timeout(Duration::from_secs(300))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["checked"], 6, "{report}");
    assert_eq!(report["cycle_complete"], true, "{report}");
    assert_eq!(report["collected"], 6, "{report}");

    let o = run(&["status", path(&archive), "--json"]);
    assert!(o.status.success(), "{o:?}");
    let status: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(status["work"]["cycle"]["id"], 1, "{status}");
    assert_eq!(status["overdue"], 0, "{status}");
    let checks = pg_dump(&url)
        .lines()
        .filter(|l| l.starts_with("events") && l.contains("\tText(\"fixity_check\")"))
        .count();
    assert_eq!(checks, 6);

    // Copies: replicated, checked where they lie, counted by status,
    // repaired from; metrics written; all through the PostgreSQL catalog.
    let replica = tmp.path().join("replica");
    let o = run(&["replicate", path(&archive), "--to", path(&replica)]);
    assert!(o.status.success(), "{o:?}");
    let prom = tmp.path().join("audit.prom");
    let o = run(&[
        "audit",
        path(&archive),
        "--copies",
        "--metrics",
        path(&prom),
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let metrics = fs::read_to_string(&prom).unwrap();
    assert!(metrics.contains("newsbag_bags 6"), "{metrics}");
    let o = run(&["status", path(&archive), "--json", "--min-copies", "1"]);
    let status: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(status["bags"], 6, "{status}");
    assert_eq!(
        status["under_copied"].as_array().unwrap().len(),
        0,
        "{status}"
    );
    let mut bad = fs::read(archive.join("bags/b3.zip")).unwrap();
    let at = bad.len() / 3;
    bad[at] ^= 0x55;
    fs::write(archive.join("bags/b3.zip"), &bad).unwrap();
    let o = run(&[
        "audit",
        path(&archive),
        "--repair-from",
        path(&replica),
        "--json",
    ]);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["summary"]["repaired"], 1, "{report}");
    let kinds = history(&archive);
    assert!(kinds.contains("\"repair\""), "{kinds}");
    assert!(kinds.contains("\"quarantine\""), "{kinds}");
    let o = run(&["audit", path(&archive), "--json"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");

    // Without a PostgreSQL catalog or --catalog: said clearly.
    let plain = tmp.path().join("plain");
    assert!(ingest(&plain, "p", &[]).status.success());
    let o = run(&["audit", path(&plain), "--worker"]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(stderr(&o).contains("--catalog postgres://"), "{o:?}");
}

/// The items `find ARGS --json` lists, as (bag, id), sorted: the ranking
/// differs between bm25 and `ts_rank`, the items found must not.
fn found(archive: &Path, args: &[&str]) -> Vec<(String, String)> {
    let mut all = vec!["find", path(archive)];
    all.extend_from_slice(args);
    all.extend(["--json", "--limit", "1000"]);
    let o = run(&all);
    assert!(o.status.success(), "{args:?}: {o:?}");
    let hits: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    let mut out: Vec<(String, String)> = hits
        .iter()
        .map(|h| {
            (
                h["bag"].as_str().unwrap().to_owned(),
                h["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

/// `find` on a catalog on PostgreSQL finds what it finds on SQLite, for
/// words, phrases, operators, prefixes, Persian spellings and every
/// filter; without a query the listing (newest first) and its counts by
/// time, source and language are the same, byte for byte.
#[test]
fn find_on_postgres_finds_what_sqlite_finds() {
    let Some(pg) = Postgres::start() else { return };
    let url = pg.database("find");
    let tmp = tempfile::tempdir().unwrap();
    let on_pg = tmp.path().join("pg");
    assert!(ingest(&on_pg, "one", &["--catalog", &url]).status.success());
    assert!(ingest(&on_pg, "two", &[]).status.success());
    // The same archive with its catalog in SQLite.
    let on_sqlite = tmp.path().join("sqlite");
    fs::create_dir_all(on_sqlite.join("bags")).unwrap();
    for dir in ["bags", "events"] {
        for e in fs::read_dir(on_pg.join(dir)).unwrap() {
            let e = e.unwrap();
            fs::create_dir_all(on_sqlite.join(dir)).unwrap();
            fs::copy(e.path(), on_sqlite.join(dir).join(e.file_name())).unwrap();
        }
    }
    let o = run(&["catalog", "rebuild", path(&on_sqlite)]);
    assert!(o.status.success(), "{o:?}");

    let queries: &[&[&str]] = &[
        &["rasht"],
        &["rice harvest"],
        &["\"creative cities\""],
        &["rice OR ferry"],
        &["gilan NOT rice"],
        &["(rice OR ferry) NOT gilan"],
        &["harv*"],
        &["شهرداری"],
        &["شهرداري"],
        &["توسعه پایدار"],
        &["\"توسعه پایدار\" OR unesco"],
        &["پروژه‌ها"],
        &["rasht", "--lang", "fa"],
        &["--lang", "en"],
        &["--creator", "Sara"],
        &["rice", "--creator", "ahmadi"],
        &["--source", "caspian.example"],
        &["--since", "2023-10-30"],
        &["--until", "2023-10-01"],
        &["--bag", "one"],
        &["nothing-matches-this"],
    ];
    for q in queries {
        let (a, b) = (found(&on_pg, q), found(&on_sqlite, q));
        assert_eq!(a, b, "{q:?}");
    }
    assert!(!found(&on_pg, &["rasht"]).is_empty());
    let listing = |archive: &Path, extra: &[&str]| {
        let mut args = vec!["find", path(archive)];
        args.extend_from_slice(extra);
        let o = run(&args);
        assert!(o.status.success(), "{o:?}");
        o.stdout
    };
    assert_eq!(
        listing(&on_pg, &["--json"]),
        listing(&on_sqlite, &["--json"])
    );
    for by in ["day", "week", "month", "year", "source", "language"] {
        assert_eq!(
            listing(&on_pg, &["--count-by", by]),
            listing(&on_sqlite, &["--count-by", by]),
            "{by}"
        );
        assert_eq!(
            listing(&on_pg, &["rasht", "--count-by", by]),
            listing(&on_sqlite, &["rasht", "--count-by", by]),
            "{by}"
        );
    }
    // Exports give the same bytes, in every format.
    for format in ["jsonl", "csv", "parquet"] {
        for q in [
            &[][..],
            &["rasht"][..],
            &["--lang", "fa", "--since", "2023-01-01"][..],
        ] {
            let export = |archive: &Path| {
                let to = tmp.path().join(format!("export.{format}"));
                let mut args = vec!["export", path(archive)];
                args.extend_from_slice(q);
                args.extend(["--format", format, "--to", path(&to)]);
                let o = run(&args);
                assert!(o.status.success(), "{o:?}");
                fs::read(&to).unwrap()
            };
            assert_eq!(export(&on_pg), export(&on_sqlite), "{format} {q:?}");
        }
    }

    // A bad query is the user's error on both.
    let o = run(&["find", path(&on_pg), "(rasht"]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
}
