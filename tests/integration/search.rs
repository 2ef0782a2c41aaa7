//! `newsbag find` (issue #14) through the real binary, on an archive of
//! the sample inbox and generated items with Persian and Arabic spelling
//! variants: every filter, phrases and booleans, spellings found both
//! ways, counts, bad queries, and an index filled again by `catalog
//! rebuild`.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::util::newsbag;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Three generated items, each writing `می‌شود` and `کتاب‌ها` one of the
/// three ways (ZWNJ, joined, space), with Arabic yeh/kaf and Persian
/// digits in places.
const GENERATED: &[(&str, &str, &str)] = &[
    (
        "zwnj.txt",
        "گزارش اول\nاین کار می‌شود و کتاب‌ها آماده است. قيمت ۱۳۹۵ ريال.\n",
        r#"{"language": "fa", "date": "2016-04-30T10:00:00Z", "creator": "فاطمه قديمي", "identifier": "https://www.khabar.example/a"}"#,
    ),
    (
        "joined.txt",
        "گزارش دوم\nاین کار میشود و کتابها در كتابخانه است.\n",
        r#"{"language": "fa-IR", "date": "2016-05-01T02:30:00+04:30", "creator": "علی رضایی", "identifier": "https://news.other.example/b"}"#,
    ),
    (
        "space.txt",
        "گزارش سوم\nاین کار می شود و کتاب ها را خواندیم. الْعَرَبِيَّة\n",
        r#"{"language": "ar", "date": "2016-05-02", "identifier": "https://khabar.example/c"}"#,
    ),
];

/// An archive with bag `sample` (the sample inbox) and bag `gen` (the
/// generated items).
fn archive(tmp: &Path) -> PathBuf {
    let archive = tmp.join("A");
    newsbag()
        .args([
            "ingest",
            "--date",
            "2026-11-28",
            "--name",
            "sample",
            "--archive",
        ])
        .arg(&archive)
        .arg("--meta")
        .arg(repo("archive/inbox/meta.json"))
        .arg(repo("archive/inbox"))
        .timeout(Duration::from_secs(120))
        .assert()
        .success();
    let gen_dir = tmp.join("gen");
    fs::create_dir(&gen_dir).unwrap();
    let mut meta = Vec::new();
    for (name, text, m) in GENERATED {
        fs::write(gen_dir.join(name), text).unwrap();
        meta.push(format!("\"{name}\": {m}"));
    }
    let meta_file = tmp.join("meta.json");
    fs::write(&meta_file, format!("{{{}}}", meta.join(",\n"))).unwrap();
    newsbag()
        .args([
            "ingest",
            "--date",
            "2026-11-28",
            "--name",
            "gen",
            "--archive",
        ])
        .arg(&archive)
        .arg("--meta")
        .arg(&meta_file)
        .arg(&gen_dir)
        .timeout(Duration::from_secs(120))
        .assert()
        .success();
    archive
}

/// What `newsbag COMMAND ARCHIVE ARGS…` prints, once it has succeeded.
fn stdout_of(command: &str, archive: &Path, args: &[&str]) -> String {
    let out = newsbag()
        .arg(command)
        .arg(archive)
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{command} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `newsbag find ARCHIVE ARGS… --json`: the hits' ids, sorted.
fn ids(archive: &Path, args: &[&str]) -> Vec<String> {
    let args = [args, &["--json", "--limit", "100"]].concat();
    let hits: serde_json::Value = serde_json::from_str(&stdout_of("find", archive, &args)).unwrap();
    let mut ids: Vec<String> = hits
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

/// The ids of the generated items whose file is one of `names` (told
/// apart by their URL).
fn generated(archive: &Path, names: &[&str]) -> Vec<String> {
    let out = newsbag()
        .arg("find")
        .arg(archive)
        .args(["--bag", "gen", "--json"])
        .output()
        .unwrap();
    let hits: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut ids: Vec<String> = hits
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| {
            let name = match h["url"].as_str().unwrap_or_default() {
                "https://www.khabar.example/a" => "zwnj.txt",
                "https://news.other.example/b" => "joined.txt",
                _ => "space.txt",
            };
            names.contains(&name)
        })
        .map(|h| h["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

/// The union of id lists, sorted.
fn union(lists: &[&Vec<String>]) -> Vec<String> {
    let set: std::collections::BTreeSet<String> =
        lists.iter().flat_map(|l| l.iter().cloned()).collect();
    set.into_iter().collect()
}

#[test]
fn find_filters_spellings_counts_and_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = archive(tmp.path());
    let all3 = generated(&archive, &["zwnj.txt", "joined.txt", "space.txt"]);
    assert_eq!(all3.len(), 3);
    let zwnj = generated(&archive, &["zwnj.txt"]);
    let joined = generated(&archive, &["joined.txt"]);
    let space = generated(&archive, &["space.txt"]);

    // Each spelling finds all three, in the generated bag.
    for q in [
        "می‌شود",
        "میشود",
        "می شود",
        "مي‌شود",
        "كتابها",
        "کتاب‌ها",
        "کتاب ها",
    ] {
        assert_eq!(ids(&archive, &[q, "--bag", "gen"]), all3, "{q}");
    }
    // Phrases too, in each spelling.
    for q in ["\"کار می‌شود\"", "\"کار میشود\"", "\"کار می شود\""] {
        assert_eq!(ids(&archive, &[q]), all3, "{q}");
    }
    // The sample's Atom entry writes `می‌شود` too: found in the archive.
    assert!(ids(&archive, &["میشود"]).contains(&"berenj".to_owned()));
    // Arabic yeh/kaf, harakat and digits, both ways.
    assert_eq!(ids(&archive, &["قیمت", "--bag", "gen"]), zwnj);
    assert_eq!(ids(&archive, &["قيمت", "--bag", "gen"]), zwnj);
    assert_eq!(ids(&archive, &["1395", "--bag", "gen"]), zwnj);
    assert_eq!(ids(&archive, &["۱۳۹۵", "--bag", "gen"]), zwnj);
    assert_eq!(ids(&archive, &["کتابخانه"]), joined);
    assert_eq!(ids(&archive, &["العربیه"]), space);
    assert_eq!(ids(&archive, &["العَرَبيّة"]), space);

    // Phrases, booleans, prefixes.
    assert_eq!(ids(&archive, &["\"rice harvest\""]), ["rice-harvest"]);
    assert_eq!(ids(&archive, &["\"harvest rice\""]), Vec::<String>::new());
    assert_eq!(
        ids(&archive, &["rice OR ferry"]),
        ["1225c695-cfb8-4ebb-aaaa-80da344efa6a", "rice-harvest"]
    );
    assert_eq!(ids(&archive, &["rice NOT harvest"]), Vec::<String>::new());
    assert_eq!(ids(&archive, &["harv*"]), ["rice-harvest"]);
    assert_eq!(
        ids(&archive, &["(آماده OR خواندیم) کار"]),
        union(&[&zwnj, &space])
    );

    // Filters: UTC days, both included; --until keeps the whole day.
    // 2016-05-01T02:30+04:30 is 2016-04-30 in UTC.
    let by_until = union(&[&zwnj, &joined]);
    assert_eq!(
        ids(&archive, &["--bag", "gen", "--until", "2016-04-30"]),
        by_until
    );
    assert_eq!(
        ids(&archive, &["--bag", "gen", "--since", "2016-05-01"]),
        space
    );
    assert_eq!(
        ids(
            &archive,
            &[
                "--since",
                "2016-04-30",
                "--until",
                "2016-04-30",
                "--source",
                "khabar.example"
            ]
        ),
        zwnj
    );
    let khabar = union(&[&zwnj, &space]);
    assert_eq!(ids(&archive, &["--source", "khabar.example"]), khabar);
    assert_eq!(ids(&archive, &["--source", "other.example"]), joined);
    assert_eq!(ids(&archive, &["--lang", "ar"]), space);
    let fa_ir = ids(&archive, &["--lang", "fa-IR", "--bag", "gen"]);
    assert_eq!(fa_ir, joined);
    let fa = ids(&archive, &["--lang", "fa", "--bag", "gen"]);
    assert_eq!(fa, union(&[&zwnj, &joined]));
    assert_eq!(ids(&archive, &["--creator", "قدیمی", "--bag", "gen"]), zwnj);
    assert_eq!(ids(&archive, &["--creator", "رضايي"]), joined);
    assert_eq!(
        ids(
            &archive,
            &["--lang", "en", "--source", "caspian.example", "rice"]
        ),
        ["rice-harvest"]
    );

    // --limit, the snippet and the text output.
    let out = newsbag()
        .arg("find")
        .arg(&archive)
        .args(["میشود", "--bag", "gen", "--limit", "1"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(text.contains('['), "{text}");

    // Counts: matching and total per group.
    let out = newsbag()
        .arg("find")
        .arg(&archive)
        .args(["قیمت", "--bag", "gen", "--count-by", "day"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "date,count,total_count,ratio\n2016-04-30,1,2,0.5000\n2016-05-02,0,1,0.0000\n"
    );
    let out = newsbag()
        .arg("find")
        .arg(&archive)
        .args(["--count-by", "language", "--bag", "gen", "--csv"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "language,count,total_count,ratio\nar,1,1,1.0000\nfa,1,1,1.0000\nfa-IR,1,1,1.0000\n"
    );

    // Bad queries and dates: exit 2, saying what is wrong.
    for (args, said) in [
        (&["NOT rice"][..], "NOT needs a word"),
        (&["\"rice"], "not closed"),
        (&["rice OR"], "needs a word or phrase after it"),
        (&["--until", "2016-04-31"], "not a date"),
        (&["--count-by", "hour"], "invalid value"),
    ] {
        newsbag()
            .arg("find")
            .arg(&archive)
            .args(args)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(said));
    }

    // FTS5 syntax typed by the user is searched as text, never run.
    // (as a column filter `nosuchcolumn:rice` would be an FTS5 error).
    assert_eq!(ids(&archive, &["nosuchcolumn:rice"]), Vec::<String>::new());
    // `NEAR` is a word here (not in the text), not FTS5's operator.
    assert_eq!(ids(&archive, &["NEAR(rice harvest)"]), Vec::<String>::new());
    assert_eq!(ids(&archive, &["(rice harvest)"]), ["rice-harvest"]);

    // `catalog rebuild` fills the index again: the same answers.
    newsbag()
        .args(["catalog", "rebuild"])
        .arg(&archive)
        .timeout(Duration::from_secs(120))
        .assert()
        .success();
    assert_eq!(ids(&archive, &["می شود", "--bag", "gen"]), all3);
    assert_eq!(ids(&archive, &["--creator", "قدیمی", "--bag", "gen"]), zwnj);
}

/// A catalog of schema version 1 with items is migrated, and `find` asks
/// for a rebuild rather than answering from an empty index.
#[test]
fn a_migrated_catalog_asks_for_a_rebuild() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = archive(tmp.path());
    let db = archive.join("catalog.sqlite");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "DROP TRIGGER items_search_delete; DROP TABLE items_fts; DROP TABLE item_facets; \
             DROP TRIGGER items_sources_delete; DROP TABLE item_sources; \
             DROP TRIGGER items_texts_delete; DROP TABLE item_texts; \
             PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    // Any writing command migrates (status opens the archive for writing).
    newsbag().arg("status").arg(&archive).assert().success();
    newsbag()
        .arg("find")
        .arg(&archive)
        .arg("rice")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("catalog rebuild"));
    newsbag()
        .args(["catalog", "rebuild"])
        .arg(&archive)
        .assert()
        .success();
    assert_eq!(ids(&archive, &["rice"]), ["rice-harvest"]);
}

/// A catalog of schema version 3 (no recorded text locations, no indexed
/// days, no collection times) is migrated in place: the same hits with the
/// same snippets and the same export (read the long way) and the same
/// counts over time, without a rebuild; after
/// `catalog rebuild` the snippets come from the recorded locations, still
/// the same.
#[test]
fn a_catalog_of_version_3_answers_the_same_after_migration() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = archive(tmp.path());
    let asked: [(&str, &[&str]); 5] = [
        ("find", &["rice OR برنج OR news", "--json"]),
        ("export", &["--format", "jsonl", "--to", "-"]),
        ("find", &["--count-by", "month", "--csv"]),
        ("find", &["--count-by", "week", "--csv"]),
        ("find", &["rice OR news", "--count-by", "year", "--csv"]),
    ];
    let run = |(command, args): &(&str, &[&str])| stdout_of(command, &archive, args);
    let before: Vec<String> = asked.iter().map(run).collect();
    assert!(before[0].contains("\"snippet\""), "{}", before[0]);
    assert!(
        before[1].contains("\"date_collected\":\"2026-"),
        "{}",
        before[1]
    );
    assert!(before[2].lines().count() > 1, "{}", before[2]);
    {
        let conn = rusqlite::Connection::open(archive.join("catalog.sqlite")).unwrap();
        conn.execute_batch(
            "DROP TRIGGER items_texts_delete; DROP TABLE item_texts; \
             DROP INDEX item_facets_by_day; ALTER TABLE item_facets DROP COLUMN day; \
             ALTER TABLE item_facets DROP COLUMN collected; \
             PRAGMA user_version = 3;",
        )
        .unwrap();
    }
    newsbag().arg("status").arg(&archive).assert().success();
    let after: Vec<String> = asked.iter().map(run).collect();
    assert_eq!(after, before);
    newsbag()
        .args(["catalog", "rebuild"])
        .arg(&archive)
        .assert()
        .success();
    let rebuilt: Vec<String> = asked.iter().map(run).collect();
    assert_eq!(rebuilt, before);
}

/// `newsbag show`: the record, provenance, fixity and text from the zip,
/// the original byte for byte, and clear errors.
#[test]
fn show_an_item_and_its_original() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = archive(tmp.path());
    // The independent reader: the zip crate, on the bag itself.
    let zip_path = archive.join("bags/sample.zip");
    let mut zip = zip::ZipArchive::new(fs::File::open(&zip_path).unwrap()).unwrap();
    let mut entry = |name: &str| {
        let mut f = zip
            .by_name(&format!("sample/data/items/berenj/{name}"))
            .unwrap();
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut v).unwrap();
        v
    };
    let original = entry("original.xml");
    let text = String::from_utf8(entry("text.txt")).unwrap();
    let provenance: serde_json::Value = serde_json::from_slice(&entry("provenance.json")).unwrap();

    let out = newsbag()
        .arg("show")
        .arg(&archive)
        .args(["berenj", "--original"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, original);

    let out = newsbag()
        .arg("show")
        .arg(&archive)
        .args(["berenj", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["bag"], "sample");
    assert_eq!(
        shown["dc"]["title"][0],
        "پایان زودهنگام برداشت برنج در گیلان"
    );
    assert_eq!(shown["text"].as_str().unwrap(), text);
    assert_eq!(shown["provenance"], provenance);
    assert_eq!(shown["sha256"], provenance["original"]["sha256"]);
    assert_eq!(shown["fixity"]["state"], "present");

    let out = newsbag()
        .arg("show")
        .arg(&archive)
        .arg("berenj")
        .output()
        .unwrap();
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.contains("dc:title      پایان زودهنگام"), "{s}");
    assert!(s.contains("fixity        present"), "{s}");

    // An unknown id, and an id two bags hold without --bag: exit 2.
    newsbag()
        .arg("show")
        .arg(&archive)
        .arg("no-such-item")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no item `no-such-item`"));
    newsbag()
        .args([
            "ingest",
            "--date",
            "2026-11-28",
            "--name",
            "again",
            "--archive",
        ])
        .arg(&archive)
        .arg("--meta")
        .arg(repo("archive/inbox/meta.json"))
        .arg(repo("archive/inbox"))
        .timeout(Duration::from_secs(120))
        .assert()
        .success();
    newsbag()
        .arg("show")
        .arg(&archive)
        .arg("berenj")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("again, sample"));
    newsbag()
        .arg("show")
        .arg(&archive)
        .args(["berenj", "--bag", "again", "--original"])
        .assert()
        .success()
        .stdout(original);
}

/// Checks, with Python's own csv, json, zipfile and hashlib, an export
/// against the bags' files: every record's text and original's SHA-256,
/// the order, the count and the manifest's SHA-256.
const CHECK_EXPORT: &str = r#"
import csv, hashlib, json, sys, zipfile, pathlib
archive, jsonl, csvf = map(pathlib.Path, sys.argv[1:4])
want = int(sys.argv[4])
def check(rows, path):
    assert len(rows) == want, (path, len(rows), want)
    keys = [(r["bag"], r["id"]) for r in rows]
    assert keys == sorted(keys), keys
    for r in rows:
        z = zipfile.ZipFile(archive / "bags" / (r["bag"] + ".zip"))
        base = r["bag"] + "/data/items/" + r["id"] + "/"
        text = z.read(base + "text.txt").decode("utf-8")
        assert (r["text"] or "") == text, (r["id"], r["text"], text)
        orig = [n for n in z.namelist() if n.startswith(base + "original.")]
        assert len(orig) == 1, orig
        assert r["sha256"] == hashlib.sha256(z.read(orig[0])).hexdigest(), r["id"]
    m = json.load(open(str(path) + ".manifest.json", encoding="utf-8"))
    assert m["items"] == want and m["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest(), m
with open(jsonl, encoding="utf-8") as f:
    rows = [json.loads(line) for line in f]
check(rows, jsonl)
with open(csvf, encoding="utf-8-sig", newline="") as f:
    rows = list(csv.DictReader(f))
check(rows, csvf)
print("ok", len(rows))
"#;

/// `newsbag export` as JSON Lines and CSV, read back by Python and
/// compared item by item with the bags' files; the same export twice
/// gives the same bytes.
#[test]
fn export_is_read_back_by_python_and_matches_the_bags() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = archive(tmp.path());
    let export = |format: &str, to: &Path, extra: &[&str]| {
        newsbag()
            .arg("export")
            .arg(&archive)
            .args(["--lang", "fa", "--format", format, "--to"])
            .arg(to)
            .args(extra)
            .assert()
            .success();
    };
    let jsonl = tmp.path().join("fa.jsonl");
    let csv = tmp.path().join("fa.csv");
    export("jsonl", &jsonl, &[]);
    export("csv", &csv, &["--bom"]);
    let first = fs::read(&jsonl).unwrap();
    export("jsonl", &jsonl, &[]);
    assert_eq!(fs::read(&jsonl).unwrap(), first, "the same export twice");
    assert!(
        fs::read(&csv)
            .unwrap()
            .starts_with("\u{FEFF}id,bag,".as_bytes())
    );
    let want = ids(&archive, &["--lang", "fa"]).len();
    assert!(want >= 8, "{want}");
    // Standard output: the same bytes as the file.
    let out = newsbag()
        .arg("export")
        .arg(&archive)
        .args(["--lang", "fa", "--format", "jsonl", "--to", "-"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, first);
    // A query selects as `find` does.
    let out = newsbag()
        .arg("export")
        .arg(&archive)
        .args(["می شود", "--bag", "gen", "--format", "jsonl", "--to", "-"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 3);

    match std::process::Command::new("python3")
        .arg("-c")
        .arg(CHECK_EXPORT)
        .arg(&archive)
        .arg(&jsonl)
        .arg(&csv)
        .arg(want.to_string())
        .output()
    {
        Ok(o) => assert!(
            o.status.success() && String::from_utf8_lossy(&o.stdout).starts_with("ok"),
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(_) => crate::util::missing_peer("python3", "install Python 3"),
    }
}

/// A Python that imports pyarrow: `python3` on PATH (as `.ci/run` sets it
/// up), else `target/ci-venv` or `target/parquet-venv`; `None` when there
/// is none (said, or failed under NEWSBAG_REQUIRE_PEERS=1).
fn pyarrow_python() -> Option<PathBuf> {
    let candidates = [
        PathBuf::from("python3"),
        repo("target/ci-venv/bin/python3"),
        repo("target/parquet-venv/bin/python3"),
    ];
    for c in candidates {
        let ok = std::process::Command::new(&c)
            .args(["-c", "import pyarrow.parquet"])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return Some(c);
        }
    }
    crate::util::missing_peer(
        "pyarrow (PyPI)",
        "no python3 imports it; pip install pyarrow (into target/parquet-venv, or run .ci/run)",
    );
    None
}

/// Reads a Parquet export with pyarrow and compares it row by row, value
/// by value, with the JSON Lines export of the same selection; checks the
/// column types and the manifest.
const CHECK_PARQUET: &str = r#"
import hashlib, json, sys, pathlib
import pyarrow as pa, pyarrow.parquet as pq
pqf, jsonl = map(pathlib.Path, sys.argv[1:3])
table = pq.read_table(pqf)
want = [json.loads(line) for line in open(jsonl, encoding="utf-8")]
assert table.column_names == list(want[0].keys()), (table.column_names, list(want[0].keys()))
for name in ("creator", "subjects", "language"):
    assert table.schema.field(name).type == pa.list_(pa.string()) or \
        pa.types.is_list(table.schema.field(name).type), table.schema.field(name)
    assert pa.types.is_string(table.schema.field(name).type.value_type)
for name in ("id", "bag", "title", "text", "date_published", "sha256"):
    assert pa.types.is_string(table.schema.field(name).type), table.schema.field(name)
rows = table.to_pylist()
assert len(rows) == len(want), (len(rows), len(want))
for got, exp in zip(rows, want):
    assert got == exp, (got, exp)
m = json.load(open(str(pqf) + ".manifest.json", encoding="utf-8"))
assert m["format"] == "parquet" and m["items"] == len(want), m
assert m["sha256"] == hashlib.sha256(pqf.read_bytes()).hexdigest(), m
print("ok", len(rows))
"#;

/// `export --format parquet`: the same rows as JSON Lines, read by
/// pyarrow; the same bytes twice, to a file or to stdout; no progress bar
/// and nothing else on stderr when it is not a terminal, nothing with -q.
#[test]
fn parquet_export_is_read_by_pyarrow_and_equals_the_jsonl() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = archive(tmp.path());
    let export = |format: &str, to: &Path, extra: &[&str]| {
        newsbag()
            .arg("export")
            .arg(&archive)
            .args(extra)
            .args(["--format", format, "--to"])
            .arg(to)
            .output()
            .unwrap()
    };
    for filters in [&[][..], &["--lang", "fa"][..], &["کتاب ها"][..]] {
        let jsonl = tmp.path().join("x.jsonl");
        let pq = tmp.path().join("x.parquet");
        let out = export("jsonl", &jsonl, filters);
        assert!(out.status.success(), "{out:?}");
        let out = export("parquet", &pq, filters);
        assert!(out.status.success(), "{out:?}");
        // Not a terminal: one line of summary, no bar.
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("exported "), "{err}");
        assert!(!err.contains('\r') && !err.contains('\u{1b}'), "{err:?}");
        let bytes = fs::read(&pq).unwrap();
        assert!(bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"));
        let out = export("parquet", Path::new("-"), filters);
        assert!(out.status.success());
        assert_eq!(out.stdout, bytes, "stdout and file, {filters:?}");
        let quiet = newsbag()
            .args(["-q", "export"])
            .arg(&archive)
            .args(filters)
            .args(["--format", "parquet", "--to"])
            .arg(&pq)
            .output()
            .unwrap();
        assert!(
            quiet.status.success() && quiet.stderr.is_empty(),
            "{quiet:?}"
        );
        assert_eq!(fs::read(&pq).unwrap(), bytes, "the same export twice");
        let Some(python) = pyarrow_python() else {
            return;
        };
        let o = std::process::Command::new(python)
            .arg("-c")
            .arg(CHECK_PARQUET)
            .arg(&pq)
            .arg(&jsonl)
            .output()
            .unwrap();
        assert!(
            o.status.success() && String::from_utf8_lossy(&o.stdout).starts_with("ok"),
            "{filters:?}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

/// `extract ARCHIVE --item ID… --to DIR`: the catalog finds the bags;
/// each item's files come out byte for byte as the zip holds them, with
/// the bag's tag files, nothing else of the payload; a non-empty
/// destination, an unknown id and a missing --item are refused.
#[test]
fn extract_items_by_id_from_the_archive() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = archive(tmp.path());
    let gen_ids = generated(&archive, &["zwnj.txt", "space.txt"]);
    let sample_id = ids(&archive, &["--bag", "sample"])[0].clone();
    let dest = tmp.path().join("out");
    let mut cmd = newsbag();
    cmd.arg("extract").arg(&archive).arg("--to").arg(&dest);
    for id in gen_ids.iter().chain([&sample_id]) {
        cmd.args(["--item", id]);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    for (bag, wanted) in [
        ("gen", gen_ids.clone()),
        ("sample", vec![sample_id.clone()]),
    ] {
        let zip_path = archive.join("bags").join(format!("{bag}.zip"));
        let mut zip = zip::ZipArchive::new(fs::File::open(&zip_path).unwrap()).unwrap();
        let names: Vec<String> = zip.file_names().map(|n| n.unwrap().into_owned()).collect();
        let prefix = format!("{bag}/");
        let mut expected = Vec::new();
        for name in &names {
            let rel = name.strip_prefix(&prefix).unwrap();
            if name.ends_with('/') {
                continue;
            }
            let in_item = wanted
                .iter()
                .any(|id| rel.starts_with(&format!("data/items/{id}/")));
            let path = dest.join(bag).join(rel);
            if in_item || !rel.starts_with("data/") {
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(&mut zip.by_name(name).unwrap(), &mut bytes).unwrap();
                assert_eq!(fs::read(&path).unwrap(), bytes, "{}", path.display());
                expected.push(rel.to_owned());
            } else {
                assert!(!path.exists(), "{} should not be extracted", path.display());
            }
        }
        for id in &wanted {
            for file in ["text.txt", "dc.xml", "provenance.json"] {
                assert!(
                    expected.contains(&format!("data/items/{id}/{file}")),
                    "{bag} {id} {file}: {expected:?}"
                );
            }
            assert!(
                expected
                    .iter()
                    .any(|f| f.starts_with(&format!("data/items/{id}/original."))),
                "{expected:?}"
            );
        }
    }
    let entries = |d: &Path| fs::read_dir(d).unwrap().count();
    assert_eq!(entries(&dest), 2);

    // A destination that is not empty is refused, and left alone.
    let out = newsbag()
        .arg("extract")
        .arg(&archive)
        .args(["--item", &gen_ids[0], "--to"])
        .arg(&dest)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_eq!(entries(&dest), 2);
    // An unknown id: exit 2, named, nothing written.
    let fresh = tmp.path().join("fresh");
    let out = newsbag()
        .arg("extract")
        .arg(&archive)
        .args(["--item", &gen_ids[0], "--item", "no-such-item", "--to"])
        .arg(&fresh)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no item `no-such-item`"),
        "{out:?}"
    );
    assert!(!fresh.exists());
    // An archive without --item, and --bag with a zip: usage errors.
    let out = newsbag()
        .arg("extract")
        .arg(&archive)
        .arg("--to")
        .arg(&fresh)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--item ID"));
    let out = newsbag()
        .arg("extract")
        .arg(archive.join("bags/gen.zip"))
        .args(["--bag", "gen", "--to"])
        .arg(&fresh)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!fresh.exists());
    // From the zip itself, an item's folder by its path ending in `/`.
    let out = newsbag()
        .arg("extract")
        .arg(archive.join("bags/gen.zip"))
        .args(["--item", &format!("data/items/{}/", gen_ids[0]), "--to"])
        .arg(&fresh)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(
        fresh
            .join("data/items")
            .join(&gen_ids[0])
            .join("dc.xml")
            .is_file()
    );
    assert!(!fresh.join("data/items").join(&gen_ids[1]).exists());
}
