//! Web archives: WARC files written by real writers — warcio (PyPI) and
//! Debian's `wget --warc-file` against a test server on 127.0.0.1 — are
//! ingested by the real binary and checked item by item, and what the bag
//! keeps is read back by warcio.
//!
//! warcio is looked for as a Python that imports it: `python3` on PATH
//! (as `.ci/run` sets it up), else `target/ci-venv` or `target/warc-venv`.
//! When `NEWSBAG_REQUIRE_PEERS=1` a missing warcio or wget fails the tests;
//! otherwise they are skipped with a message.

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::util::{missing_peer, newsbag, stdout_of};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/warc");

/// A Python that imports warcio.
fn warcio_python() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        PathBuf::from("python3"),
        root.join("target/ci-venv/bin/python3"),
        root.join("target/warc-venv/bin/python3"),
    ];
    for c in candidates {
        let ok = Command::new(&c)
            .args(["-c", "import warcio"])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return Some(c);
        }
    }
    missing_peer(
        "warcio",
        "no python3 imports it; pip install warcio (into target/warc-venv, or run .ci/run)",
    );
    None
}

/// The test crawls, written by warcio into `dir`; the expected pages.
fn make_warcs(py: &Path, dir: &Path) -> Vec<Value> {
    stdout_of(
        Command::new(py)
            .arg(Path::new(FIXTURES).join("make_warcs.py"))
            .arg(dir),
    );
    serde_json::from_slice(&fs::read(dir.join("expected.json")).unwrap()).unwrap()
}

/// Ingests `inputs` into `archive` with `args`; the summary, exit code and
/// standard error.
fn ingest(archive: &Path, inputs: &[&Path], args: &[&str]) -> (Value, i32, String) {
    let out = newsbag()
        .args([
            "ingest",
            "--json",
            "--no-progress",
            "--date",
            "2026-12-01",
            "--archive",
        ])
        .arg(archive)
        .args(args)
        .args(inputs)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        json,
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Extracts the bag `zip` into `dest`; its `data/` directory.
fn extract(zip: &Path, dest: &Path) -> PathBuf {
    newsbag()
        .args(["extract", "--to"])
        .arg(dest)
        .arg(zip)
        .assert()
        .success();
    dest.join("data")
}

/// Each item of the bag by its first `dc:identifier` (the capture's URI
/// for captured pages): its directory.
fn items_by_uri(data: &Path) -> BTreeMap<String, PathBuf> {
    let mut out = BTreeMap::new();
    for e in fs::read_dir(data.join("items")).unwrap() {
        let dir = e.unwrap().path();
        let dc = fs::read_to_string(dir.join("dc.xml")).unwrap();
        let id = dc
            .split("<dc:identifier>")
            .nth(1)
            .and_then(|s| s.split("</dc:identifier>").next())
            .unwrap()
            .to_owned();
        out.insert(id, dir);
    }
    out
}

fn provenance(dir: &Path) -> Value {
    serde_json::from_slice(&fs::read(dir.join("provenance.json")).unwrap()).unwrap()
}

fn records(data: &Path) -> Vec<Value> {
    let crawls: Vec<_> = fs::read_dir(data.join("crawls")).unwrap().collect();
    assert_eq!(crawls.len(), 1);
    let dir = crawls[0].as_ref().unwrap().path();
    fs::read_to_string(dir.join("records.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The one WARC kept in the bag.
fn kept_warc(data: &Path) -> PathBuf {
    let dir = fs::read_dir(data.join("crawls"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("original.warc")
        })
        .unwrap()
}

/// The bytes of a WARC, gunzipped when it is gzipped (per record or
/// whole).
fn decompressed(warc: &Path) -> Vec<u8> {
    let bytes = fs::read(warc).unwrap();
    if bytes.starts_with(&[0x1F, 0x8B]) {
        let mut out = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::MultiGzDecoder::new(bytes.as_slice()),
            &mut out,
        )
        .unwrap();
        out
    } else {
        bytes
    }
}

/// `warcio extract`: the record at `offset` of a WARC, as warcio gives it.
fn warcio_extract(py: &Path, warc: &Path, offset: u64) -> Vec<u8> {
    stdout_of(
        Command::new(warcio_cli(py))
            .arg("extract")
            .arg(warc)
            .arg(offset.to_string()),
    )
}

/// The `warcio` script beside the Python that imports it.
fn warcio_cli(py: &Path) -> PathBuf {
    py.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("warcio"), |d| d.join("warcio"))
}

/// warcio's index of a WARC: (offset, type, URI) of each record.
fn warcio_index(py: &Path, warc: &Path) -> Vec<(u64, String, Option<String>)> {
    let out = stdout_of(
        Command::new(warcio_cli(py))
            .args(["index", "-f", "offset,warc-type,warc-target-uri"])
            .arg(warc),
    );
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (
                v["offset"].as_str().unwrap().parse().unwrap(),
                v["warc-type"].as_str().unwrap().to_owned(),
                v["warc-target-uri"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

#[test]
fn warcio_crawls_become_items_plain_gzipped_and_whole() {
    let Some(py) = warcio_python() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let expected = make_warcs(&py, tmp.path());
    for file in ["crawl.warc", "crawl.warc.gz", "whole.warc.gz"] {
        let input = tmp.path().join(file);
        let archive = tmp.path().join(format!("archive-{file}"));
        let (summary, code, stderr) = ingest(&archive, &[&input], &[]);
        assert_eq!(code, 0, "{file}: {stderr}");
        // Five pages and the feed's two items; the second capture of the
        // first page is the same item.
        assert_eq!(summary["items"], 6, "{file}: {summary}");
        assert_eq!(summary["inputs"], 1);
        let zip = PathBuf::from(summary["bag"].as_str().unwrap());
        let data = extract(&zip, &tmp.path().join(format!("x-{file}")));
        // The WARC is kept whole, byte-exact, and warcio still reads it.
        let kept = kept_warc(&data);
        assert_eq!(
            fs::read(&kept).unwrap(),
            fs::read(&input).unwrap(),
            "{file}"
        );
        // warcio refuses to index a file gzipped whole ("non-chunked
        // gzip"): its records are those of the plain file.
        let index = if file == "whole.warc.gz" {
            warcio_index(&py, &tmp.path().join("crawl.warc"))
        } else {
            warcio_index(&py, &kept)
        };
        let stream = decompressed(&kept);
        let items = items_by_uri(&data);
        for page in &expected {
            let uri = page["uri"].as_str().unwrap();
            let dir = items
                .get(uri)
                .unwrap_or_else(|| panic!("{file}: no item for {uri}"));
            let text = fs::read_to_string(dir.join("text.txt")).unwrap();
            assert!(
                text.contains(page["phrase"].as_str().unwrap()),
                "{file} {uri}: {text}"
            );
            let prov = provenance(dir);
            assert_eq!(
                prov["encoding"]["encoding"], page["encoding"],
                "{file} {uri}"
            );
            assert_eq!(prov["capture"]["target_uri"], uri);
            let dc = fs::read_to_string(dir.join("dc.xml")).unwrap();
            assert!(
                dc.contains(&format!("<dc:source>{uri}</dc:source>")),
                "{dc}"
            );
            assert!(dc.contains("<dc:relation>../../crawls/"), "{dc}");
            if let Some(date) = page.get("date") {
                assert_eq!(&prov["capture"]["warc_date"], date);
            }
            // The original is the payload as captured (decoded only as the
            // HTTP headers say), and the record's offset is warcio's.
            let original = fs::read(dir.join("original.html")).unwrap();
            if let Some(p) = page.get("payload") {
                assert_eq!(original, p.as_str().unwrap().as_bytes(), "{file} {uri}");
            }
            let offset = prov["capture"]["offset"].as_u64().unwrap();
            if file != "whole.warc.gz" {
                assert!(
                    index.contains(&(offset, "response".into(), Some(uri.to_owned()))),
                    "{file} {uri} at {offset}: {index:?}"
                );
            }
            assert!(
                prov["capture"]["payload_digest"]["result"]
                    .as_str()
                    .unwrap()
                    .starts_with("matches"),
                "{prov}"
            );
            // The record's headers are kept beside the original, and the
            // record itself is where the provenance says in the kept WARC:
            // `record_length` bytes at `stream_offset` of its (decompressed)
            // stream, the WARC header, then the HTTP head, then the block's
            // end, CRLF CRLF.
            let headers = fs::read(dir.join("warc-headers.txt")).unwrap();
            let http = fs::read(dir.join("http-headers.txt")).unwrap();
            assert!(http.starts_with(b"HTTP/1.1 200"), "{file} {uri}");
            assert!(!dir.join("record.warc").exists());
            let at = usize::try_from(prov["capture"]["stream_offset"].as_u64().unwrap()).unwrap();
            let len = usize::try_from(prov["capture"]["record_length"].as_u64().unwrap()).unwrap();
            let record = &stream[at..at + len];
            assert!(record.starts_with(b"WARC/1."), "{file} {uri}");
            assert!(record.starts_with(&headers), "{file} {uri}");
            assert!(record[headers.len()..].starts_with(&http), "{file} {uri}");
            assert!(record.ends_with(b"\r\n\r\n"), "{file} {uri}");
            let id = prov["capture"]["record_id"].as_str().unwrap();
            assert!(
                String::from_utf8_lossy(&headers).contains(id),
                "{file} {uri}"
            );
            // warcio finds the same record at the offset of a member.
            if file != "whole.warc.gz" {
                let extracted = warcio_extract(&py, &kept, offset);
                assert!(
                    String::from_utf8_lossy(&extracted).contains(id),
                    "{file} {uri}"
                );
            }
        }
        // The windows-1256 page had only its HTTP charset to say so.
        let tehran = provenance(&items["http://127.0.0.1/tehran"]);
        assert_eq!(
            tehran["capture"]["encoding_decision"]["http_charset"],
            "windows-1256"
        );
        // The chunked, gzipped page was de-chunked and decoded.
        let snow = provenance(&items["http://127.0.0.1/snow"]);
        assert_eq!(snow["capture"]["http"]["content_encoding"], "gzip");
        // Every record is listed; what made no item says why; the second
        // capture and the revisit point to the first capture's item.
        let recs = records(&data);
        assert_eq!(recs.len(), index.len());
        let bridge = items["http://127.0.0.1/bridge"]
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let of = |uri: &str, kind: &str| -> Vec<&Value> {
            recs.iter()
                .filter(|r| r["target_uri"] == uri && r["type"] == kind)
                .collect()
        };
        let captures = of("http://127.0.0.1/bridge", "response");
        assert_eq!(captures.len(), 2);
        for c in captures {
            assert_eq!(c["items"][0], bridge.as_str());
        }
        assert_eq!(
            of("http://127.0.0.1/bridge", "revisit")[0]["revisit_of"],
            bridge.as_str()
        );
        assert_eq!(
            of("http://127.0.0.1/logo.png", "response")[0]["note"],
            "no item: media type image/png"
        );
        assert_eq!(
            of("http://127.0.0.1/missing", "response")[0]["note"],
            "no item: HTTP status 404"
        );
        assert_eq!(
            of("http://127.0.0.1/feed.xml", "response")[0]["items"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
    }
}

#[test]
fn a_warc_is_told_by_content_not_name_and_found_in_directories() {
    let Some(py) = warcio_python() else { return };
    let tmp = tempfile::tempdir().unwrap();
    make_warcs(&py, tmp.path());
    let dir = tmp.path().join("inputs");
    fs::create_dir_all(&dir).unwrap();
    fs::copy(tmp.path().join("crawl.warc.gz"), dir.join("capture.bin")).unwrap();
    fs::write(
        dir.join("note.txt"),
        "A plain text news item.\n\nIts body.\n",
    )
    .unwrap();
    let (summary, code, stderr) = ingest(&tmp.path().join("a"), &[&dir], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(summary["items"], 7, "{summary}");
    assert_eq!(summary["inputs"], 2);
}

#[test]
fn messy_records_are_reported_with_their_offset_and_skipped_with_keep_going() {
    let Some(py) = warcio_python() else { return };
    let tmp = tempfile::tempdir().unwrap();
    make_warcs(&py, tmp.path());
    let messy = tmp.path().join("messy.warc.gz");
    let (_, code, stderr) = ingest(&tmp.path().join("a"), &[&messy], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("messy.warc.gz") && stderr.contains("bad WARC record at offset"),
        "{stderr}"
    );
    assert!(
        !tmp.path().join("a/bags").exists()
            || fs::read_dir(tmp.path().join("a/bags"))
                .unwrap()
                .next()
                .is_none()
    );

    let (summary, code, stderr) = ingest(&tmp.path().join("b"), &[&messy], &["--keep-going"]);
    assert_eq!(code, 1, "{stderr}");
    let rejected = summary["rejected"].as_array().unwrap();
    // The bad HTTP status line and the truncated last record.
    assert_eq!(rejected.len(), 2, "{summary}");
    for r in rejected {
        assert!(
            r["input"].as_str().unwrap().contains("(record at offset "),
            "{r}"
        );
    }
    assert!(
        rejected[1]["reason"]
            .as_str()
            .unwrap()
            .contains("truncated")
            || rejected[1]["reason"].as_str().unwrap().contains("gzip"),
        "{summary}"
    );
    let warnings = summary["warnings"].to_string();
    assert!(warnings.contains("WARC-Payload-Digest"), "{warnings}");
    // The good pages are items; the WARC is kept whole all the same.
    assert_eq!(summary["items"], 2, "{summary}");
    let data = extract(
        Path::new(summary["bag"].as_str().unwrap()),
        &tmp.path().join("x"),
    );
    assert_eq!(
        fs::read(kept_warc(&data)).unwrap(),
        fs::read(&messy).unwrap()
    );
    let items = items_by_uri(&data);
    let wrong = provenance(&items["http://127.0.0.1/wrong-digest"]);
    assert_eq!(wrong["capture"]["payload_digest"]["result"], "mismatch");
}

/// The test server (`serve.py`) on 127.0.0.1, stopped when dropped.
struct Server {
    child: std::process::Child,
    port: u16,
}

impl Server {
    fn start(py: &Path) -> Server {
        let mut child = Command::new(py)
            .arg(Path::new(FIXTURES).join("serve.py"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().unwrap();
        Server { child, port }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

#[test]
fn wget_crawls_of_pages_in_several_encodings() {
    let Some(py) = warcio_python() else { return };
    let wget = Path::new("/usr/bin/wget");
    let wget = if wget.exists() {
        wget.to_owned()
    } else {
        PathBuf::from("wget")
    };
    if Command::new(&wget).arg("--version").output().is_err() {
        missing_peer("wget", "apt-get install wget");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(Path::new("python3"));
    let base = format!("http://127.0.0.1:{}", server.port);
    let pages = [
        (
            "/ar-http.html",
            "windows-1256",
            "الأمطار الغزيرة تغلق المدارس",
        ),
        ("/fr-meta.html", "windows-1252", "Élection à Montréal"),
        ("/ru-http.html", "koi8-r", "Городской совет утвердил"),
        (
            "/ja-none.html",
            "shift_jis",
            "市議会は新しい橋の建設を承認しました",
        ),
        ("/utf8-wrong-http.html", "utf-8", "Élection à Montréal"),
    ];
    let mut urls = String::new();
    for (p, _, _) in &pages {
        urls.push_str(&format!("{base}{p}\n"));
    }
    urls.push_str(&format!("{base}/logo.png\n{base}/missing.html\n"));
    fs::write(tmp.path().join("urls.txt"), &urls).unwrap();
    let out = Command::new(&wget)
        .current_dir(tmp.path())
        .args([
            "--no-verbose",
            "--no-config",
            // Loopback under a loaded CI machine: a retry rather than a
            // missing capture (wget records every try in the WARC).
            "--tries=3",
            "--waitretry=0",
            "--warc-file=site",
            "-P",
            "dl",
            "-i",
            "urls.txt",
        ])
        .output()
        .unwrap();
    drop(server);
    // wget exits 8 for the 404: the crawl is still written.
    let warc = tmp.path().join("site.warc.gz");
    assert!(warc.exists(), "{}", String::from_utf8_lossy(&out.stderr));
    let (summary, code, stderr) = ingest(&tmp.path().join("a"), &[&warc], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        summary["items"],
        pages.len() as u64,
        "{summary}\nwget said:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let data = extract(
        Path::new(summary["bag"].as_str().unwrap()),
        &tmp.path().join("x"),
    );
    let kept = kept_warc(&data);
    assert_eq!(fs::read(&kept).unwrap(), fs::read(&warc).unwrap());
    let index = warcio_index(&py, &kept);
    let items = items_by_uri(&data);
    for (p, enc, phrase) in pages {
        let uri = format!("{base}{p}");
        let dir = items
            .get(&uri)
            .unwrap_or_else(|| panic!("no item for {uri}: {items:?}"));
        let prov = provenance(dir);
        assert_eq!(prov["encoding"]["encoding"], enc, "{uri}: {prov}");
        let text = fs::read_to_string(dir.join("text.txt")).unwrap();
        assert!(text.contains(phrase), "{uri}: {text}");
        let offset = prov["capture"]["offset"].as_u64().unwrap();
        assert!(
            index.contains(&(offset, "response".into(), Some(uri.clone()))),
            "{index:?}"
        );
        // The original is the page as served, byte for byte.
        let served = fs::read(tmp.path().join("dl").join(&p[1..])).unwrap();
        assert_eq!(
            fs::read(dir.join("original.html")).unwrap(),
            served,
            "{uri}"
        );
        assert!(
            prov["capture"]["payload_digest"]["result"]
                .as_str()
                .unwrap()
                .starts_with("matches"),
            "{prov}"
        );
    }
    let recs = records(&data);
    assert_eq!(recs.len(), index.len());
    assert!(recs.iter().any(|r| r["type"] == "request"));
    let _ = std::io::stdout().flush();
}

#[test]
fn hostile_warcs_get_clear_errors_quickly() {
    // Written by Python's gzip module (no warcio needed): a record claiming
    // a terabyte of zeros in one gzip member (a bomb), and a header
    // without end.
    let tmp = tempfile::tempdir().unwrap();
    let script = r#"
import gzip, sys
out = sys.argv[1]
head = b"WARC/1.0\r\nWARC-Type: resource\r\nContent-Type: text/html\r\nContent-Length: 1000000000000\r\n\r\n"
with open(out + "/bomb.warc.gz", "wb") as f:
    f.write(gzip.compress(head + bytes(64 << 20), 9, mtime=0))
with open(out + "/header.warc", "wb") as f:
    f.write(b"WARC/1.1\r\nWARC-Type: response\r\nX-Filler: " + b"a" * (1 << 20))
"#;
    let ok = Command::new("python3")
        .args(["-c", script])
        .arg(tmp.path())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        missing_peer("python3", "needed to write the hostile WARCs");
        return;
    }
    for (file, says) in [
        ("bomb.warc.gz", "gzip bomb"),
        ("header.warc", "longer than 65536 bytes"),
    ] {
        let input = tmp.path().join(file);
        let started = std::time::Instant::now();
        let (_, code, stderr) = ingest(&tmp.path().join(format!("a-{file}")), &[&input], &[]);
        assert_eq!(code, 2, "{file}: {stderr}");
        assert!(
            stderr.contains(file)
                && stderr.contains("bad WARC record at offset 0")
                && stderr.contains(says),
            "{file}: {stderr}"
        );
        // Not a benchmark: a guard against reading a terabyte.
        assert!(started.elapsed().as_secs() < 60, "{file}");
    }
}
