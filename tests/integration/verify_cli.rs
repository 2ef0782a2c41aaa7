//! `newsbag bag` and `newsbag verify` as a user runs them: exit codes,
//! output channels, JSON shape.

use std::fs;

use crate::util::{make_bag, newsbag, verify_json, write_tree};

#[test]
fn bag_in_place_then_verify_every_level() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("news");
    write_tree(&dir, &[("a.txt", b"hello"), ("sub/b.txt", b"world")]);
    newsbag()
        .args([
            "bag",
            "--date",
            "2000-01-01",
            "--info",
            "Source-Organization=Example Archive",
        ])
        .arg(&dir)
        .assert()
        .success();
    assert!(dir.join("data/sub/b.txt").is_file());
    for flag in ["--fast", "--completeness-only", "--quiet"] {
        newsbag()
            .args(["verify", flag])
            .arg(&dir)
            .assert()
            .success()
            .stdout(predicates::str::starts_with("valid "));
    }
}

#[test]
fn levels_differ_in_what_they_catch() {
    let tmp = tempfile::tempdir().unwrap();
    let bag = make_bag(tmp.path(), &[("a.txt", b"hello")]);
    // Same size, different content: only fixity sees it.
    fs::write(bag.join("data/a.txt"), b"jello").unwrap();
    newsbag()
        .args(["verify", "--fast"])
        .arg(&bag)
        .assert()
        .success();
    newsbag()
        .args(["verify", "--completeness-only"])
        .arg(&bag)
        .assert()
        .success();
    newsbag().args(["verify"]).arg(&bag).assert().code(1);
    // A renamed file: completeness sees it, fast does not (same oxum).
    fs::rename(bag.join("data/a.txt"), bag.join("data/b.txt")).unwrap();
    newsbag()
        .args(["verify", "--fast"])
        .arg(&bag)
        .assert()
        .success();
    newsbag()
        .args(["verify", "--completeness-only"])
        .arg(&bag)
        .assert()
        .code(1);
}

#[test]
fn exit_2_for_missing_path_and_bad_usage() {
    newsbag()
        .args(["verify", "/nonexistent/bag"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("/nonexistent/bag"));
    newsbag()
        .args(["verify", "--no-such-flag", "x"])
        .assert()
        .code(2);
    newsbag().args(["bag", "/nonexistent/dir"]).assert().code(2);
}

#[test]
fn bag_to_refuses_existing_destination() {
    let tmp = tempfile::tempdir().unwrap();
    let bag = make_bag(tmp.path(), &[("a.txt", b"hello")]);
    newsbag()
        .args(["bag", "--to"])
        .arg(&bag)
        .arg(tmp.path().join("src"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("already exists"));
}

#[test]
fn algorithms_on_request() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(&tmp.path().join("src"), &[("a", b"abc")]);
    let bag = tmp.path().join("bag");
    newsbag()
        .args([
            "bag",
            "--date",
            "2000-01-01",
            "-a",
            "md5",
            "-a",
            "sha1",
            "-a",
            "sha384",
            "--to",
        ])
        .arg(&bag)
        .arg(tmp.path().join("src"))
        .assert()
        .success();
    let m = fs::read_to_string(bag.join("manifest-md5.txt")).unwrap();
    assert_eq!(m, "900150983cd24fb0d6963f7d28e17f72  data/a\n");
    assert!(bag.join("tagmanifest-sha384.txt").is_file());
    assert!(!bag.join("manifest-sha256.txt").exists());
    newsbag().arg("verify").arg(&bag).assert().success();
}

#[test]
fn long_info_values_are_folded_and_read_back() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(&tmp.path().join("src"), &[("a", b"abc")]);
    let long = "word ".repeat(40).trim_end().to_owned();
    let bag = tmp.path().join("bag");
    newsbag()
        .args(["bag", "--date", "2000-01-01", "--info"])
        .arg(format!("External-Description={long}"))
        .arg("--to")
        .arg(&bag)
        .arg(tmp.path().join("src"))
        .assert()
        .success();
    let info = fs::read_to_string(bag.join("bag-info.txt")).unwrap();
    assert!(info.lines().all(|l| l.chars().count() <= 79), "{info}");
    let parsed = newsbag::tagfile::BagInfo::parse(&info, "bag-info.txt", true).0;
    assert_eq!(parsed.get("External-Description"), Some(long.as_str()));
}

#[test]
fn json_report_matches_its_schema_shape() {
    let tmp = tempfile::tempdir().unwrap();
    let bag = make_bag(tmp.path(), &[("a.txt", b"hello")]);
    fs::write(bag.join("data/a.txt"), b"HELLO").unwrap();
    let (json, code) = verify_json(&bag);
    assert_eq!(code, 1);
    let schema: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schemas/verify-report.schema.json"
        ))
        .unwrap(),
    )
    .unwrap();
    // Every required top-level and per-report key of the schema is present.
    for key in schema["required"].as_array().unwrap() {
        assert!(json.get(key.as_str().unwrap()).is_some(), "missing {key}");
    }
    let report_schema = &schema["$defs"]["report"];
    for key in report_schema["required"].as_array().unwrap() {
        assert!(
            json["reports"][0].get(key.as_str().unwrap()).is_some(),
            "missing {key}"
        );
    }
    let kinds: Vec<&str> = schema["$defs"]["problem"]["properties"]["kind"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for p in json["reports"][0]["problems"].as_array().unwrap() {
        assert!(kinds.contains(&p["kind"].as_str().unwrap()), "{p}");
    }
    assert_eq!(json["summary"]["invalid"], 1);
}

#[test]
fn archive_root_verifies_every_bag() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("archive");
    for name in ["one", "two", "three"] {
        write_tree(
            &tmp.path().join(format!("src-{name}")),
            &[("x", name.as_bytes())],
        );
        fs::create_dir_all(&root).unwrap();
        newsbag()
            .args(["bag", "--to"])
            .arg(root.join(name))
            .arg(tmp.path().join(format!("src-{name}")))
            .assert()
            .success();
    }
    fs::write(root.join("two/data/x"), b"tw0").unwrap();
    newsbag()
        .arg("verify")
        .arg(&root)
        .assert()
        .code(1)
        .stdout(predicates::str::contains(
            "3 bags: 2 valid, 1 invalid, 0 errors",
        ))
        .stdout(predicates::str::contains("invalid "));
}
