//! Hostile and unusual bags the conformance suite lacks, built in temporary
//! directories (a FIFO or 100,000 files cannot be committed).

use std::fs;
use std::path::Path;

use crate::util::{make_bag, newsbag, problem_codes, verify_json, write_tree};

fn has(codes: &[(String, String)], sev: &str, kind: &str) -> bool {
    codes.iter().any(|(s, k)| s == sev && k == kind)
}

/// Rewrites the tag manifests of a bag after a tag file was edited, so that
/// a test exercises exactly one defect.
fn refresh_tag_manifests(bag: &Path) {
    use newsbag::checksum::{Algorithm, hash_bytes};
    for alg in [Algorithm::Sha256, Algorithm::Sha512] {
        let name = alg.tag_manifest_name();
        let old = fs::read_to_string(bag.join(&name)).unwrap();
        let mut out = String::new();
        for line in old.lines() {
            let (_, path) = line.split_once("  ").unwrap();
            let digest = hash_bytes(&fs::read(bag.join(path)).unwrap(), &[alg])
                .remove(0)
                .1;
            out.push_str(&format!("{digest}  {path}\n"));
        }
        fs::write(bag.join(&name), out).unwrap();
    }
}

#[test]
fn percent_and_cr_in_names_round_trip() {
    let tmp = tempfile::tempdir().unwrap();
    let bag = make_bag(
        tmp.path(),
        &[
            ("100%25 sure\r.txt", b"x"),
            ("a%0Ab", b"y"),
            ("new\nline", b"z"),
        ],
    );
    let manifest = fs::read_to_string(bag.join("manifest-sha256.txt")).unwrap();
    assert!(
        manifest.contains("  data/100%2525 sure%0D.txt\n"),
        "{manifest}"
    );
    assert!(manifest.contains("  data/a%250Ab\n"), "{manifest}");
    assert!(manifest.contains("  data/new%0Aline\n"), "{manifest}");
    let (json, code) = verify_json(&bag);
    assert_eq!(code, 0, "{json}");
    assert!(problem_codes(&json).is_empty(), "{json}");
}

#[test]
fn bom_in_utf8_tag_manifest_is_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let bag = make_bag(tmp.path(), &[("a.txt", b"hello")]);
    let m = bag.join("manifest-sha256.txt");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(fs::read(&m).unwrap());
    fs::write(&m, bytes).unwrap();
    refresh_tag_manifests(&bag);
    let (json, code) = verify_json(&bag);
    assert_eq!(code, 0, "{json}");
    assert!(
        has(&problem_codes(&json), "warning", "bom-in-tag-file"),
        "{json}"
    );
}

#[test]
fn repeated_oxum_is_invalid_in_1_0() {
    let tmp = tempfile::tempdir().unwrap();
    let bag = make_bag(tmp.path(), &[("a.txt", b"hello")]);
    let info = bag.join("bag-info.txt");
    let mut text = fs::read_to_string(&info).unwrap();
    text.push_str("Payload-Oxum: 5.1\n");
    fs::write(&info, text).unwrap();
    refresh_tag_manifests(&bag);
    let (json, code) = verify_json(&bag);
    assert_eq!(code, 1);
    assert!(
        has(&problem_codes(&json), "error", "repeated-label"),
        "{json}"
    );
}

#[test]
fn wrong_oxum_reports_both_numbers() {
    let tmp = tempfile::tempdir().unwrap();
    let bag = make_bag(tmp.path(), &[("a.txt", b"hello")]);
    let info = bag.join("bag-info.txt");
    let text = fs::read_to_string(&info)
        .unwrap()
        .replace("Payload-Oxum: 5.1", "Payload-Oxum: 7.2");
    fs::write(&info, text).unwrap();
    refresh_tag_manifests(&bag);
    newsbag()
        .arg("verify")
        .arg("--fast")
        .arg(&bag)
        .assert()
        .code(1)
        .stdout(predicates::str::contains(
            "Payload-Oxum is `7.2` but the payload holds `5.1`",
        ));
}

#[cfg(unix)]
#[test]
fn symlink_escaping_the_bag_is_invalid() {
    let tmp = tempfile::tempdir().unwrap();
    let bag = make_bag(tmp.path(), &[("a.txt", b"hello")]);
    fs::write(tmp.path().join("secret"), b"outside").unwrap();
    std::os::unix::fs::symlink(tmp.path().join("secret"), bag.join("data/escape")).unwrap();
    let (json, code) = verify_json(&bag);
    assert_eq!(code, 1);
    let codes = problem_codes(&json);
    assert!(has(&codes, "error", "special-file"), "{json}");
    // The escaping link's target is never read, so it is not hashed either.
    assert!(!json.to_string().contains("outside\""));
}

#[cfg(unix)]
#[test]
fn fifo_in_payload_is_reported_without_hanging() {
    let tmp = tempfile::tempdir().unwrap();
    let bag = make_bag(tmp.path(), &[("a.txt", b"hello")]);
    let fifo = bag.join("data/pipe");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    // verify_json applies a timeout: a hang fails the test.
    let (json, code) = verify_json(&bag);
    assert_eq!(code, 1);
    assert!(
        has(&problem_codes(&json), "error", "special-file"),
        "{json}"
    );
    // And `bag` refuses a FIFO, naming it, without hanging.
    let src = tmp.path().join("fifo-src");
    fs::create_dir(&src).unwrap();
    std::process::Command::new("mkfifo")
        .arg(src.join("p"))
        .status()
        .unwrap();
    newsbag()
        .args(["bag", "--to"])
        .arg(tmp.path().join("out"))
        .arg(&src)
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("`p`: is a FIFO"));
    assert!(!tmp.path().join("out").exists());
}

#[test]
fn thousand_level_nesting() {
    let tmp = tempfile::tempdir().unwrap();
    let deep = vec!["d"; 1000].join("/") + "/leaf.txt";
    let bag = make_bag(tmp.path(), &[(deep.as_str(), b"deep")]);
    let (json, code) = verify_json(&bag);
    assert_eq!(code, 0, "{json}");
}

#[test]
fn non_utf8_manifest_bytes_are_invalid() {
    let tmp = tempfile::tempdir().unwrap();
    let bag = make_bag(tmp.path(), &[("a.txt", b"hello")]);
    let m = bag.join("manifest-sha256.txt");
    let mut bytes = fs::read(&m).unwrap();
    bytes.extend_from_slice(
        b"0000000000000000000000000000000000000000000000000000000000000000  data/\xff\xfe\n",
    );
    fs::write(&m, bytes).unwrap();
    refresh_tag_manifests(&bag);
    let (json, code) = verify_json(&bag);
    assert_eq!(code, 1);
    assert!(
        has(&problem_codes(&json), "error", "tag-file-encoding"),
        "{json}"
    );
}

#[test]
fn flipped_payload_byte_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let bag = make_bag(tmp.path(), &[("a.txt", b"hello"), ("b.txt", b"world")]);
    fs::write(bag.join("data/b.txt"), b"worle").unwrap();
    let (json, code) = verify_json(&bag);
    assert_eq!(code, 1);
    let problems = json["reports"][0]["problems"].as_array().unwrap();
    // Both algorithms report the file; nothing else is wrong.
    assert_eq!(problems.len(), 2, "{json}");
    for p in problems {
        assert_eq!(p["kind"], "checksum-mismatch");
        assert_eq!(p["path"], "data/b.txt");
    }
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let tmp = tempfile::tempdir().unwrap();
    let bag = make_bag(
        tmp.path(),
        &[("a.txt", b"hello"), ("b.txt", b"world"), ("c.txt", b"!")],
    );
    fs::write(bag.join("data/a.txt"), b"HELLO").unwrap();
    fs::remove_file(bag.join("data/b.txt")).unwrap();
    fs::write(bag.join("data/extra.txt"), b"new").unwrap();
    let (json, code) = verify_json(&bag);
    assert_eq!(code, 1);
    let codes = problem_codes(&json);
    for kind in [
        "checksum-mismatch",
        "missing-file",
        "unexpected-file",
        "oxum-mismatch",
    ] {
        assert!(has(&codes, "error", kind), "{kind} not in {codes:?}");
    }
}

#[test]
fn hundred_thousand_files() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    for d in 0..100 {
        let dir = src.join(format!("d{d:03}"));
        fs::create_dir_all(&dir).unwrap();
        for f in 0..1000 {
            fs::write(dir.join(format!("f{f:04}")), format!("{d}/{f}")).unwrap();
        }
    }
    let bag = tmp.path().join("bag");
    newsbag()
        .args(["bag", "--date", "2000-01-01", "--to"])
        .arg(&bag)
        .arg(&src)
        .assert()
        .success();
    let info = fs::read_to_string(bag.join("bag-info.txt")).unwrap();
    assert!(info.contains(".100000\n"), "{info}");
    newsbag()
        .arg("verify")
        .arg(&bag)
        .assert()
        .success()
        .stdout(predicates::str::starts_with("valid "));
    fs::write(bag.join("data/d050/f0500"), b"changed").unwrap();
    newsbag()
        .arg("verify")
        .arg(&bag)
        .assert()
        .code(1)
        .stdout(predicates::str::contains("data/d050/f0500"));
}

#[test]
fn unknown_algorithm_is_reported_not_a_crash() {
    let tmp = tempfile::tempdir().unwrap();
    let bag = make_bag(tmp.path(), &[("a.txt", b"hello")]);
    fs::write(bag.join("manifest-blake9.txt"), "abcd  data/a.txt\n").unwrap();
    let (json, code) = verify_json(&bag);
    assert_eq!(code, 0, "{json}");
    assert!(
        has(&problem_codes(&json), "warning", "unknown-algorithm"),
        "{json}"
    );
    // With no known payload manifest left, fixity cannot be verified.
    fs::remove_file(bag.join("manifest-sha256.txt")).unwrap();
    fs::remove_file(bag.join("manifest-sha512.txt")).unwrap();
    let (json, code) = verify_json(&bag);
    assert_eq!(code, 1);
    assert!(
        has(&problem_codes(&json), "error", "unknown-algorithm"),
        "{json}"
    );
}

#[test]
fn in_place_failure_leaves_directory_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    write_tree(
        &dir,
        &[
            ("a", b"1"),
            ("N\u{fa}\u{f1}ez", b"2"),
            ("Nu\u{301}n\u{303}ez", b"3"),
        ],
    );
    newsbag()
        .args(["bag"])
        .arg(&dir)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("NFC"));
    let mut names: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(dir.join("a").is_file());
}
