//! `newsbag ingest` end to end: inputs → zipped bag → verify → extract →
//! the originals back byte for byte.

use std::fs;
use std::path::{Path, PathBuf};

use crate::util::{newsbag, suite_dir, write_tree};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// A copy of `archive/inbox` in a temporary directory, and an archive root.
fn inbox(tmp: &Path) -> (PathBuf, PathBuf) {
    let inbox = tmp.join("inbox");
    fs::create_dir_all(&inbox).unwrap();
    for e in fs::read_dir(repo("archive/inbox")).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), inbox.join(e.file_name())).unwrap();
    }
    (inbox, tmp.join("archive"))
}

fn ingest(inputs: &[&Path], archive: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    let mut cmd = newsbag();
    cmd.arg("ingest")
        .arg("--archive")
        .arg(archive)
        .args(["--date", "2026-11-28"]);
    cmd.args(extra);
    for i in inputs {
        cmd.arg(i);
    }
    cmd.timeout(std::time::Duration::from_secs(120)).assert()
}

fn files_under(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(root)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path()
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn samples_ingest_verify_extract_round_trip() {
    let tmp = tempfile::tempdir().unwrap();
    let (inbox, archive) = inbox(tmp.path());
    let before = files_under(&inbox);
    let meta = inbox.join("meta.json");
    let out = ingest(
        &[&inbox],
        &archive,
        &[
            "--meta",
            meta.to_str().unwrap(),
            "--info",
            "Source-Organization=Test Archive",
        ],
    )
    .success()
    .get_output()
    .clone();
    // Inputs are never modified.
    assert_eq!(files_under(&inbox), before);
    let zip = archive.join("bags/inbox-2026-11-28.zip");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        zip.display().to_string()
    );
    // Only the finished bag is under bags/; no temporary directory is left.
    let names: Vec<_> = fs::read_dir(archive.join("bags"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    // Beside bags/, only the catalog and the event log (#12).
    let mut left: Vec<_> = fs::read_dir(&archive)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    left.sort();
    assert_eq!(left, ["bags", "catalog.sqlite", "events"], "{left:?}");
    newsbag().arg("verify").arg(&zip).assert().success();
    newsbag().arg("verify").arg(&archive).assert().success();
    let dest = tmp.path().join("out");
    newsbag()
        .arg("extract")
        .arg(&zip)
        .arg("--to")
        .arg(&dest)
        .assert()
        .success();
    let bag = dest.clone();
    let payload = files_under(&bag.join("data"));
    // Every input's bytes are kept exactly: as an item's original or, for a
    // feed, as the feed's original.
    for (name, bytes) in &before {
        if name == "meta.json" {
            continue;
        }
        assert!(
            payload
                .iter()
                .any(|(p, b)| p.contains("original.") && b == bytes),
            "{name} not kept byte for byte"
        );
    }
    // Three text items, at least 2 + 2 feed items, one HTML page.
    let items: Vec<&String> = payload
        .iter()
        .map(|(p, _)| p)
        .filter(|p| p.ends_with("/dc.xml"))
        .collect();
    assert!(items.len() >= 8, "{items:?}");
    // The seed's text derivative has the ZWNJ repair, never the not-sign.
    let texts: Vec<&(String, Vec<u8>)> = payload
        .iter()
        .filter(|(p, _)| p.ends_with("text.txt"))
        .collect();
    assert!(
        texts
            .iter()
            .any(|(_, b)| String::from_utf8_lossy(b).contains("هم\u{200c}چنین"))
    );
    assert!(
        !texts
            .iter()
            .any(|(_, b)| String::from_utf8_lossy(b).contains("هم¬چنین"))
    );
    // The windows-1256 copy decodes to Persian yeh after repair.
    let dcs: Vec<String> = payload
        .iter()
        .filter(|(p, _)| p.ends_with("dc.xml"))
        .map(|(_, b)| String::from_utf8(b.clone()).unwrap())
        .collect();
    assert!(
        dcs.iter().any(|d| d.contains("charset=windows-1256")),
        "no windows-1256 item"
    );
    assert!(dcs.iter().all(|d| d.contains("urn:sha256:")));
    assert!(
        dcs.iter()
            .any(|d| d.contains("<dc:coverage>رشت</dc:coverage>")),
        "meta not applied"
    );
    // Provenance is JSON and names the encoding decision.
    for (p, b) in payload
        .iter()
        .filter(|(p, _)| p.ends_with("provenance.json"))
    {
        let v: serde_json::Value = serde_json::from_slice(b).unwrap();
        assert!(v["encoding"]["encoding"].is_string(), "{p}: {v}");
    }
    let info = fs::read_to_string(bag.join("bag-info.txt")).unwrap();
    for label in [
        "Source-Organization: Test Archive",
        "External-Identifier: inbox-2026-11-28",
        "BagIt-Profile-Identifier:",
        "External-Description:",
        "Payload-Oxum:",
        "Bag-Software-Agent:",
    ] {
        assert!(info.contains(label), "{label} missing from {info}");
    }
    assert!(bag.join("metadata/dc.xml").is_file());
    // Every DC record validates against the official schema.
    validate_dc(&bag);
}

fn validate_dc(bag: &Path) {
    if std::process::Command::new("xmllint")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var("NEWSBAG_REQUIRE_PEERS").as_deref() != Ok("1"),
            "xmllint is missing (apt-get install libxml2-utils)"
        );
        eprintln!("skipping XSD validation: xmllint missing");
        return;
    }
    let xsd = repo("schemas/dc/oai_dc.xsd");
    let catalog = repo("schemas/dc/catalog.xml");
    let mut records: Vec<PathBuf> = walkdir::WalkDir::new(bag)
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.file_name().is_some_and(|n| n == "dc.xml"))
        .collect();
    records.sort();
    assert!(!records.is_empty());
    let out = std::process::Command::new("xmllint")
        .env("XML_CATALOG_FILES", &catalog)
        .args(["--nonet", "--noout", "--schema"])
        .arg(&xsd)
        .args(&records)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn same_inputs_and_date_give_identical_zips() {
    let tmp = tempfile::tempdir().unwrap();
    let (inbox, _) = inbox(tmp.path());
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    ingest(&[&inbox], &a, &["--name", "same"]).success();
    ingest(&[&inbox], &b, &["--name", "same"]).success();
    let za = fs::read(a.join("bags/same.zip")).unwrap();
    let zb = fs::read(b.join("bags/same.zip")).unwrap();
    assert!(za == zb, "zips differ");
    // A second run with the same name refuses to overwrite.
    ingest(&[&inbox], &a, &["--name", "same"]).code(2);
}

#[test]
fn a_feed_harvested_twice_is_stored_once() {
    let tmp = tempfile::tempdir().unwrap();
    let feed = repo("archive/inbox/feed-rss.xml");
    let copy = tmp.path().join("again.xml");
    fs::copy(&feed, &copy).unwrap();
    let archive = tmp.path().join("archive");
    let out = ingest(&[&feed, &copy], &archive, &["--json"])
        .success()
        .get_output()
        .clone();
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        !summary["duplicates"].as_array().unwrap().is_empty(),
        "{summary}"
    );
    let single = tempfile::tempdir().unwrap();
    let out1 = ingest(&[&feed], &single.path().join("archive"), &["--json"])
        .success()
        .get_output()
        .clone();
    let one: serde_json::Value = serde_json::from_slice(&out1.stdout).unwrap();
    assert_eq!(summary["items"], one["items"]);
}

#[test]
fn bad_inputs_write_nothing_or_are_listed_with_keep_going() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad");
    write_tree(
        &bad,
        &[
            ("empty.txt", b""),
            ("junk.bin", &[0, 159, 146, 150, 0, 1, 2, 3, 255, 0, 0, 7]),
        ],
    );
    for f in ["malformed.xml", "bomb.xml", "xxe.xml"] {
        fs::copy(repo(&format!("tests/fixtures/items/{f}")), bad.join(f)).unwrap();
    }
    let good = repo("archive/inbox/seed-fa-utf8.txt");
    let archive = tmp.path().join("archive");
    // Without --keep-going: exit 2, a message naming the input, nothing written.
    ingest(&[&good, &bad], &archive, &[])
        .code(2)
        .stderr(predicates::str::contains("cannot ingest"));
    assert!(
        !archive.join("bags").exists()
            || fs::read_dir(archive.join("bags")).unwrap().next().is_none()
    );
    // With it: the good input is ingested, every bad one listed, exit 1.
    let out = ingest(&[&good, &bad], &archive, &["--keep-going"])
        .code(1)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    for f in [
        "empty.txt",
        "junk.bin",
        "malformed.xml",
        "bomb.xml",
        "xxe.xml",
    ] {
        assert!(stderr.contains(f), "{f} not reported: {stderr}");
    }
    let zips: Vec<_> = fs::read_dir(archive.join("bags")).unwrap().collect();
    assert_eq!(zips.len(), 1);
    let zip = zips[0].as_ref().unwrap().path();
    newsbag().arg("verify").arg(&zip).assert().success();
}

#[test]
fn stdin_and_explicit_encoding() {
    let tmp = tempfile::tempdir().unwrap();
    let bytes = fs::read(repo("archive/inbox/seed-fa-windows1256.txt")).unwrap();
    let archive = tmp.path().join("archive");
    newsbag()
        .args([
            "ingest",
            "--date",
            "2026-11-28",
            "--encoding",
            "windows-1256",
            "--name",
            "from-stdin",
            "--archive",
        ])
        .arg(&archive)
        .arg("-")
        .write_stdin(bytes)
        .assert()
        .success();
    newsbag()
        .arg("verify")
        .arg(archive.join("bags/from-stdin.zip"))
        .assert()
        .success();
    newsbag()
        .args(["ingest", "--encoding", "klingon", "--archive"])
        .arg(&archive)
        .arg(repo("archive/inbox/seed-fa-utf8.txt"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("klingon"));
}

/// Kills ingest with SIGKILL at several points and checks that `bags/`
/// only ever holds complete, valid bags.
#[cfg(unix)]
#[test]
fn killed_ingest_leaves_only_complete_bags() {
    let tmp = tempfile::tempdir().unwrap();
    // A corpus big enough to take a moment: copies of the samples.
    let corpus = tmp.path().join("corpus");
    for i in 0..300 {
        let d = corpus.join(format!("{i:03}"));
        fs::create_dir_all(&d).unwrap();
        for e in fs::read_dir(repo("archive/inbox")).unwrap() {
            let e = e.unwrap();
            if e.file_name() != "meta.json" {
                fs::copy(e.path(), d.join(e.file_name())).unwrap();
            }
        }
    }
    let _ = suite_dir; // the suite is not needed here
    let archive = tmp.path().join("archive");
    let bin = env!("CARGO_BIN_EXE_newsbag");
    for (n, delay_ms) in [5u64, 30, 80, 150, 300, 600].into_iter().enumerate() {
        let mut child = std::process::Command::new(bin)
            .args(["ingest", "--date", "2026-11-28", "--name"])
            .arg(format!("run-{n}"))
            .arg("--archive")
            .arg(&archive)
            .arg(&corpus)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        if let Ok(entries) = fs::read_dir(archive.join("bags")) {
            for e in entries {
                let p = e.unwrap().path();
                assert!(
                    p.extension().is_some_and(|x| x == "zip")
                        && !p.file_name().unwrap().to_string_lossy().starts_with('.'),
                    "unexpected file under bags/: {}",
                    p.display()
                );
                newsbag().arg("verify").arg(&p).assert().success();
            }
        }
    }
}

/// The golden bag: the inbox samples ingested with a fixed date must rebuild
/// byte for byte. A deliberate format change regenerates it with
/// `NEWSBAG_BLESS=1 cargo test --test integration golden` and says so in
/// CHANGELOG.md under **Format**.
#[test]
fn golden_bag_rebuilds_byte_identically() {
    let tmp = tempfile::tempdir().unwrap();
    let (inbox, archive) = inbox(tmp.path());
    let meta = inbox.join("meta.json");
    ingest(
        &[&inbox],
        &archive,
        &["--name", "golden", "--meta", meta.to_str().unwrap()],
    )
    .success();
    let built = fs::read(archive.join("bags/golden.zip")).unwrap();
    let golden = repo("tests/fixtures/golden/golden.zip");
    if std::env::var("NEWSBAG_BLESS").as_deref() == Ok("1") {
        fs::create_dir_all(golden.parent().unwrap()).unwrap();
        fs::write(&golden, &built).unwrap();
    }
    let want = fs::read(&golden)
        .expect("tests/fixtures/golden/golden.zip (bless it with NEWSBAG_BLESS=1)");
    assert!(
        built == want,
        "the golden bag changed: {} bytes built, {} committed",
        built.len(),
        want.len()
    );
    newsbag().arg("verify").arg(&golden).assert().success();
}

/// Ingest assembles its ZIP from spooled, already compressed entries; it
/// must be byte for byte the ZIP that `bag --zip` writes from the same bag
/// as a directory: one serialization, whichever way the bag was made.
#[test]
fn ingest_zip_equals_bag_zip_of_the_same_bag() {
    let tmp = tempfile::tempdir().unwrap();
    let (inbox, archive) = inbox(tmp.path());
    ingest(&[&inbox], &archive, &["--name", "same"]).success();
    let built = archive.join("bags/same.zip");
    let unpacked = tmp.path().join("unpacked");
    newsbag()
        .arg("extract")
        .arg(&built)
        .arg("--to")
        .arg(&unpacked)
        .assert()
        .success();
    let rezipped = tmp.path().join("again/same.zip");
    fs::create_dir_all(rezipped.parent().unwrap()).unwrap();
    newsbag()
        .arg("bag")
        .arg(&unpacked)
        .arg("--zip")
        .arg("--to")
        .arg(&rezipped)
        .assert()
        .success();
    assert!(
        fs::read(&built).unwrap() == fs::read(&rezipped).unwrap(),
        "ingest's ZIP and `bag --zip` of its bag differ"
    );
}
