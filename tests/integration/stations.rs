//! Several machines ingesting into one archive (issue #16): the archive's
//! own root and two stations, each a root of its own with an event log of
//! its own, ingesting into one Garage bucket and one PostgreSQL catalog,
//! two of them at once; a bag name taken once in the whole archive; every
//! root sees every bag; `catalog rebuild` replays the three logs (the
//! others' from the bucket) into the catalog the events made; a lost
//! station root comes back from the bucket and goes on; a reading copy of
//! the bucket finds every root's bags.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

use newsbag::archive::catalog::Catalog;
use newsbag::archive::catalog::location::DEFAULT_SCHEMA;

use crate::pg::Postgres;
use crate::s3::{BUCKET, Garage, wait_for_uploads};

fn inbox() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("archive/inbox")
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn refused(o: &Output, says: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(says), "`{says}` in: {err}");
}

/// `ingest --archive ROOT --name NAME` of the sample inbox, `extra` first.
fn ingest_args<'a>(root: &'a str, name: &'a str, extra: &[&'a str]) -> Vec<String> {
    let mut args: Vec<String> = ["ingest", "--archive", root, "--date", "2026-11-28"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args.extend(["--name".into(), name.into(), "--meta".into()]);
    args.push(inbox().join("meta.json").display().to_string());
    args.push(inbox().display().to_string());
    args
}

fn run(garage: &Garage, args: &[String]) -> Output {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    garage.newsbag(&args)
}

/// The catalog's rows as `Catalog::dump` gives them (events numbered in
/// the order the catalog recorded them).
fn rows(url: &str) -> Vec<String> {
    Catalog::open_postgres(url, DEFAULT_SCHEMA, true)
        .unwrap()
        .dump()
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The rows of `a` not in `b` and of `b` not in `a`, for messages.
fn differing(a: &[String], b: &[String]) -> (Vec<String>, Vec<String>) {
    let only = |x: &[String], y: &[String]| x.iter().filter(|r| !y.contains(r)).cloned().collect();
    (only(a, b), only(b, a))
}

fn bag_names(url: &str) -> BTreeSet<String> {
    rows(url)
        .iter()
        .filter_map(|l| l.strip_prefix("bags\tText(\""))
        .map(|r| r.split('"').next().unwrap().to_owned())
        .collect()
}

/// The bags of the items `find --json` printed.
fn found_bags(json: &str) -> BTreeSet<String> {
    let hits: Vec<serde_json::Value> = serde_json::from_str(json).unwrap();
    hits.iter()
        .map(|h| h["bag"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn several_roots_ingest_into_one_archive() {
    let Some(garage) = Garage::start() else {
        return;
    };
    let Some(pg) = Postgres::start() else {
        return;
    };
    let url = pg.database("stations");
    let tmp = tempfile::tempdir().unwrap();
    let root = |name: &str| tmp.path().join(name).display().to_string();
    let (main, b, c) = (root("main"), root("b"), root("c"));
    wait_for_uploads(&garage, &inbox().join("meta.json"));
    let bucket = format!("s3://{BUCKET}/news");
    let join = |station: &'static str| -> Vec<&str> {
        let mut v = vec!["--bags-in", bucket.as_str(), "--catalog", url.as_str()];
        if !station.is_empty() {
            v.extend(["--station", station]);
        }
        v
    };

    // A station before there is an archive: refused.
    refused(
        &run(&garage, &ingest_args(&b, "early", &join("b"))),
        "holds no archive yet",
    );
    // The archive's own root makes it.
    ok(&run(&garage, &ingest_args(&main, "one", &join(""))));
    // A second root taking the bucket as its own: refused.
    refused(
        &run(&garage, &ingest_args(&root("other"), "x", &join(""))),
        "holds an archive already",
    );
    // A station needs the catalog; its name is checked.
    let o = run(
        &garage,
        &ingest_args(&b, "x", &["--bags-in", &bucket, "--station", "b"]),
    );
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    refused(
        &run(&garage, &ingest_args(&b, "x", &join("main"))),
        "not a station name",
    );
    // Station b joins; then station c and the archive's root ingest at once.
    ok(&run(&garage, &ingest_args(&b, "two", &join("b"))));
    let c_args = ingest_args(&c, "three", &join("c"));
    let main_args = ingest_args(&main, "four", &[]);
    let both: Vec<Output> = std::thread::scope(|s| {
        let at_c = s.spawn(|| run(&garage, &c_args));
        let at_main = s.spawn(|| run(&garage, &main_args));
        vec![at_c.join().unwrap(), at_main.join().unwrap()]
    });
    for o in &both {
        ok(o);
    }
    assert_eq!(
        bag_names(&url),
        ["four", "one", "three", "two"]
            .map(String::from)
            .into_iter()
            .collect()
    );

    // A name is taken once in the whole archive: not over another root's
    // bag, whose object stays as it was.
    let store = garage.store();
    let before = store.open("news/bags/one.zip").unwrap().len();
    refused(
        &run(&garage, &ingest_args(&b, "one", &[])),
        "already exists",
    );
    assert_eq!(store.open("news/bags/one.zip").unwrap().len(), before);
    // A second root for one station: refused.
    refused(
        &run(&garage, &ingest_args(&root("b2"), "five", &join("b"))),
        "station `b` of",
    );

    // One log per root, each copied to its own place in the bucket.
    let keys: Vec<String> = store
        .list_objects("news/")
        .unwrap()
        .into_iter()
        .map(|l| l.key)
        .collect();
    for under in [
        "news/events/",
        "news/stations/b/events/",
        "news/stations/c/events/",
    ] {
        assert!(
            keys.iter().any(|k| k.starts_with(under)),
            "{under}: {keys:?}"
        );
    }
    assert!(!Path::new(&main).join("peers").exists());

    // Every root sees every bag: the status, a search, an audit (from a
    // station: its checks go to its own log).
    for r in [&main, &b, &c] {
        let status: serde_json::Value =
            serde_json::from_str(&ok(&garage.newsbag(&["status", r, "--json"]))).unwrap();
        assert_eq!(status["bags"], 4, "{status}");
        assert_eq!(status["items"], 40, "{status}");
    }
    let found = ok(&garage.newsbag(&["find", &c, "rasht", "--json"]));
    assert_eq!(found_bags(&found).len(), 4, "{found}");
    let audit: serde_json::Value =
        serde_json::from_str(&ok(&garage.newsbag(&["audit", &b, "--json"]))).unwrap();
    assert_eq!(audit["summary"]["checked"], 4, "{audit}");
    assert_eq!(audit["summary"]["valid"], 4, "{audit}");

    // The catalog made again from the three logs (the stations' from the
    // bucket, merged in the order the catalog recorded their events) is
    // the catalog the events made, row for row and in the same order.
    let made = rows(&url);
    assert!(made.iter().filter(|r| r.starts_with("events\t")).count() >= 8);
    ok(&garage.newsbag(&["catalog", "rebuild", &main]));
    let again = rows(&url);
    assert!(again == made, "{:#?}", differing(&again, &made));
    assert!(Path::new(&main).join("peers/b/events").is_dir());
    assert!(Path::new(&main).join("peers/c/events").is_dir());

    // Station b's root lost: it comes back from the bucket, as station b,
    // and goes on where its log ended.
    let b_again = root("b-again");
    ok(&garage.newsbag(&[
        "catalog",
        "rebuild",
        &b_again,
        "--bags-in",
        &bucket,
        "--station",
        "b",
        "--catalog",
        &url,
    ]));
    let again = rows(&url);
    assert!(again == made, "{:#?}", differing(&again, &made));
    ok(&run(&garage, &ingest_args(&b_again, "five", &[])));
    let history = ok(&garage.newsbag(&["history", &main, "five", "--format", "jsonl"]));
    assert!(history.contains("\"ingest\""), "{history}");
    let history = ok(&garage.newsbag(&["history", &b_again, "--format", "jsonl"]));
    // Five ingests and the four checks of station b's audit, whichever
    // root recorded them.
    assert_eq!(history.lines().count(), 9, "{history}");

    // A name another root is making a bag of (its lock held here, as an
    // ingest holds it from its check to its registration): an ingest of
    // that name is refused at once, and `audit --adopt` leaves the object
    // of that name alone until the lock is given back.
    let holder = Catalog::open_postgres(&url, DEFAULT_SCHEMA, false).unwrap();
    holder.lock_bag_name("six").unwrap();
    refused(
        &run(&garage, &ingest_args(&c, "six", &[])),
        "an ingest on another root",
    );
    let mut five = Vec::new();
    std::io::Read::read_to_end(&mut store.open("news/bags/five.zip").unwrap(), &mut five).unwrap();
    let six = tmp.path().join("six.zip");
    std::fs::write(&six, &five).unwrap();
    store.upload(&six, "news/bags/six.zip").unwrap();
    let adopt = |garage: &Garage| -> serde_json::Value {
        let o = garage.newsbag(&["audit", &main, "--adopt", "--json"]);
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let r = adopt(&garage);
    assert_eq!(r["summary"]["adopted"], 0, "{r}");
    assert!(r["warnings"].to_string().contains("another root"), "{r}");
    holder.unlock_bag_name("six").unwrap();
    let r = adopt(&garage);
    assert_eq!(r["summary"]["adopted"], 1, "{r}");
    drop(holder);

    // A reading copy of the bucket (no root at all) finds every root's bags.
    let home = tmp.path().join("reader");
    let found = ok(&garage.newsbag_in(&home, &["find", &bucket, "rasht", "--json"]));
    assert_eq!(found_bags(&found).len(), 6, "{found}");
}
