//! Hostile archives, generated here byte by byte (a raw ZIP writer gives
//! full control over names, sizes, CRCs and offsets). Each case is named
//! after what it tries; each asserts the verdict of `newsbag verify` and
//! `newsbag extract`, and that nothing appeared outside the target
//! directory (nor anywhere else a hostile name points at).
#![allow(
    clippy::unwrap_used,
    clippy::cast_possible_truncation,
    clippy::print_stderr,
    reason = "test code: a failed unwrap is a failed test; raw ZIP fields are sized by construction"
)]

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::util::{assert_zip_parts_agree, make_bag, newsbag, problem_codes, verify_json};

/// One entry of a raw archive.
#[derive(Clone)]
struct Raw {
    name: Vec<u8>,
    /// Bytes as stored in the archive (compressed if `method` is 8).
    data: Vec<u8>,
    method: u16,
    crc: u32,
    /// Declared uncompressed size.
    size: u64,
    /// Unix mode (file type and permissions).
    mode: u32,
    /// Reuse the local header of an earlier entry (overlapping entries).
    offset_of: Option<usize>,
}

impl Raw {
    fn file(name: &str, bytes: &[u8]) -> Raw {
        Raw {
            name: name.as_bytes().to_vec(),
            data: bytes.to_vec(),
            method: 0,
            crc: crc32fast::hash(bytes),
            size: bytes.len() as u64,
            mode: 0o100_644,
            offset_of: None,
        }
    }

    fn dir(name: &str) -> Raw {
        Raw {
            mode: 0o040_755,
            ..Raw::file(name, b"")
        }
    }

    fn deflated(name: &str, bytes: &[u8]) -> Raw {
        let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(bytes).unwrap();
        Raw {
            data: enc.finish().unwrap(),
            method: 8,
            ..Raw::file(name, bytes)
        }
    }
}

fn u16le(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_le_bytes());
}
fn u32le(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_le_bytes());
}

/// Writes a ZIP archive exactly as described (ZIP64 extra fields for sizes
/// of 4 GiB or more).
fn build(entries: &[Raw]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut offsets: Vec<u64> = Vec::new();
    let sizes = |e: &Raw| -> (u32, u32, Vec<u8>) {
        if e.size >= 0xFFFF_FFFF {
            let mut extra = Vec::new();
            u16le(&mut extra, 1);
            u16le(&mut extra, 16);
            extra.extend_from_slice(&e.size.to_le_bytes());
            extra.extend_from_slice(&(e.data.len() as u64).to_le_bytes());
            (0xFFFF_FFFF, 0xFFFF_FFFF, extra)
        } else {
            (e.data.len() as u32, e.size as u32, Vec::new())
        }
    };
    for e in entries {
        if let Some(i) = e.offset_of {
            offsets.push(offsets[i]);
            continue;
        }
        offsets.push(out.len() as u64);
        let (csize, usize_, extra) = sizes(e);
        u32le(&mut out, 0x0403_4b50);
        u16le(&mut out, if extra.is_empty() { 20 } else { 45 });
        u16le(&mut out, 0x0800);
        u16le(&mut out, e.method);
        u16le(&mut out, 0);
        u16le(&mut out, 0x21);
        u32le(&mut out, e.crc);
        u32le(&mut out, csize);
        u32le(&mut out, usize_);
        u16le(&mut out, e.name.len() as u16);
        u16le(&mut out, extra.len() as u16);
        out.extend_from_slice(&e.name);
        out.extend_from_slice(&extra);
        out.extend_from_slice(&e.data);
    }
    let cd_start = out.len();
    for (e, off) in entries.iter().zip(&offsets) {
        let (csize, usize_, extra) = sizes(e);
        u32le(&mut out, 0x0201_4b50);
        u16le(&mut out, (3 << 8) | 45);
        u16le(&mut out, if extra.is_empty() { 20 } else { 45 });
        u16le(&mut out, 0x0800);
        u16le(&mut out, e.method);
        u16le(&mut out, 0);
        u16le(&mut out, 0x21);
        u32le(&mut out, e.crc);
        u32le(&mut out, csize);
        u32le(&mut out, usize_);
        u16le(&mut out, e.name.len() as u16);
        u16le(&mut out, extra.len() as u16);
        u16le(&mut out, 0);
        u16le(&mut out, 0);
        u16le(&mut out, 0);
        u32le(&mut out, e.mode << 16);
        u32le(&mut out, *off as u32);
        out.extend_from_slice(&e.name);
        out.extend_from_slice(&extra);
    }
    let cd_size = out.len() - cd_start;
    u32le(&mut out, 0x0605_4b50);
    u16le(&mut out, 0);
    u16le(&mut out, 0);
    u16le(&mut out, entries.len() as u16);
    u16le(&mut out, entries.len() as u16);
    u32le(&mut out, cd_size as u32);
    u32le(&mut out, cd_start as u32);
    u16le(&mut out, 0);
    out
}

/// A valid bag made by newsbag, as raw entries under `bag/`.
fn bag_entries(tmp: &Path, files: &[(&str, &[u8])]) -> Vec<Raw> {
    let bag = make_bag(tmp, files);
    let mut out = vec![Raw::dir("bag/")];
    let mut paths: Vec<PathBuf> = walkdir::WalkDir::new(&bag)
        .min_depth(1)
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .collect();
    paths.sort();
    for p in paths {
        let rel = p.strip_prefix(&bag).unwrap().to_str().unwrap().to_owned();
        if p.is_dir() {
            out.push(Raw::dir(&format!("bag/{rel}/")));
        } else {
            out.push(Raw::file(&format!("bag/{rel}"), &fs::read(&p).unwrap()));
        }
    }
    out
}

fn base(tmp: &Path) -> Vec<Raw> {
    bag_entries(tmp, &[("a.txt", b"hello"), ("sub/b.txt", b"world")])
}

fn snapshot(root: &Path) -> BTreeSet<PathBuf> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(|e| e.unwrap().path().strip_prefix(root).unwrap().to_owned())
        .collect()
}

/// Writes `bytes` as `<case>.zip`, runs `verify` and `extract`, checks the
/// exit codes and that nothing appeared outside the target directory.
fn run_case(case: &str, bytes: &[u8], verify_code: i32, extract_code: i32) -> serde_json::Value {
    run_case_with(case, bytes, verify_code, extract_code, &[])
}

fn run_case_with(
    case: &str,
    bytes: &[u8],
    verify_code: i32,
    extract_code: i32,
    extract_args: &[&str],
) -> serde_json::Value {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let out = tmp.path().join("out");
    fs::create_dir_all(&input).unwrap();
    fs::create_dir_all(&out).unwrap();
    let zip = input.join(format!("{case}.zip"));
    fs::write(&zip, bytes).unwrap();
    let before = snapshot(tmp.path());

    let (json, code) = verify_json(&zip);
    assert_eq!(code, verify_code, "{case}: verify\n{json:#}");
    // Verified in parts (as an archive of more entries than the threshold
    // is), every hostile archive gets the single pass's report.
    assert_zip_parts_agree(&zip, &[1, 2, 3, 7]);

    let dest = out.join("dest");
    let o = newsbag()
        .arg("extract")
        .arg(&zip)
        .arg("--to")
        .arg(&dest)
        .args(extract_args)
        .current_dir(&out)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        o.status.code(),
        Some(extract_code),
        "{case}: extract\n{}{stderr}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(!stderr.contains("panicked"), "{case}: {stderr}");
    let after = snapshot(tmp.path());
    let new: Vec<&PathBuf> = after.difference(&before).collect();
    for p in &new {
        assert!(
            extract_code == 0 && p.starts_with("out/dest"),
            "{case}: {} appeared (extract exit {extract_code})",
            p.display()
        );
    }
    if extract_code == 0 {
        assert!(dest.join("bagit.txt").is_file(), "{case}");
    }
    json
}

fn has(json: &serde_json::Value, sev: &str, kind: &str) -> bool {
    problem_codes(json)
        .iter()
        .any(|(s, k)| s == sev && k == kind)
}

fn extract_stderr(bytes: &[u8]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let zip = tmp.path().join("x.zip");
    fs::write(&zip, bytes).unwrap();
    let o = newsbag()
        .arg("extract")
        .arg(&zip)
        .arg("--to")
        .arg(tmp.path().join("dest"))
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn valid_raw_archive_is_accepted() {
    let tmp = tempfile::tempdir().unwrap();
    let json = run_case("valid", &build(&base(tmp.path())), 0, 0);
    assert!(problem_codes(&json).is_empty(), "{json:#}");
}

#[test]
fn zip_slip_dot_dot() {
    let tmp = tempfile::tempdir().unwrap();
    let mut e = base(tmp.path());
    e.push(Raw::file("bag/../../evil-dotdot.txt", b"pwned"));
    let bytes = build(&e);
    let json = run_case("zip-slip-dot-dot", &bytes, 1, 2);
    assert!(has(&json, "error", "unsafe-entry-name"), "{json:#}");
    assert!(extract_stderr(&bytes).contains("unsafe archive entry name"));
}

#[test]
fn absolute_path() {
    let tmp = tempfile::tempdir().unwrap();
    let target = std::env::temp_dir().join(format!("newsbag-evil-{}.txt", std::process::id()));
    let mut e = base(tmp.path());
    e.push(Raw::file(target.to_str().unwrap(), b"pwned"));
    let json = run_case("absolute-path", &build(&e), 1, 2);
    assert!(has(&json, "error", "unsafe-entry-name"), "{json:#}");
    assert!(!target.exists());
}

#[test]
fn drive_letter() {
    let tmp = tempfile::tempdir().unwrap();
    let mut e = base(tmp.path());
    e.push(Raw::file("C:/evil.txt", b"pwned"));
    e.push(Raw::file("bag/data/C:evil.txt", b"pwned"));
    let json = run_case("drive-letter", &build(&e), 1, 2);
    assert!(has(&json, "error", "unsafe-entry-name"), "{json:#}");
}

#[test]
fn backslash_separators() {
    let tmp = tempfile::tempdir().unwrap();
    let mut e = base(tmp.path());
    e.push(Raw::file("bag\\..\\..\\evil.txt", b"pwned"));
    let json = run_case("backslash", &build(&e), 1, 2);
    assert!(has(&json, "error", "unsafe-entry-name"), "{json:#}");
}

#[test]
fn nul_and_control_characters() {
    for (case, name) in [
        ("nul-in-name", &b"bag/data/a\0.txt"[..]),
        ("escape-sequence-in-name", b"bag/data/\x1b[2Jx.txt"),
        ("newline-in-name", b"bag/data/a\nb.txt"),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let mut e = base(tmp.path());
        let mut r = Raw::file("x", b"pwned");
        r.name = name.to_vec();
        e.push(r);
        let json = run_case(case, &build(&e), 1, 2);
        assert!(has(&json, "error", "unsafe-entry-name"), "{case}: {json:#}");
    }
}

#[test]
fn symlink_entry() {
    let tmp = tempfile::tempdir().unwrap();
    let mut e = base(tmp.path());
    let mut link = Raw::file("bag/data/link", b"/etc/passwd");
    link.mode = 0o120_777;
    e.push(link);
    let json = run_case("symlink-entry", &build(&e), 1, 2);
    assert!(has(&json, "error", "special-file"), "{json:#}");
}

#[test]
fn two_top_level_directories() {
    let tmp = tempfile::tempdir().unwrap();
    let mut e = base(tmp.path());
    e.push(Raw::dir("other/"));
    e.push(Raw::file("other/x.txt", b"x"));
    let json = run_case("two-top-level-directories", &build(&e), 1, 2);
    assert!(has(&json, "error", "archive-layout"), "{json:#}");
}

#[test]
fn entry_outside_the_top_level_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let mut e = base(tmp.path());
    e.push(Raw::file("loose.txt", b"x"));
    let json = run_case("entry-outside-top-level-directory", &build(&e), 1, 2);
    assert!(has(&json, "error", "archive-layout"), "{json:#}");
}

#[test]
fn names_colliding_after_case_folding() {
    let tmp = tempfile::tempdir().unwrap();
    // A valid bag (on a case-sensitive file system) whose two payload
    // files would land on one file on a case-insensitive one.
    let e = bag_entries(
        tmp.path(),
        &[("README.txt", b"one"), ("readme.txt", b"two")],
    );
    let json = run_case("case-collision", &build(&e), 0, 2);
    assert!(has(&json, "warning", "colliding-names"), "{json:#}");
}

#[test]
fn names_colliding_after_nfc() {
    let tmp = tempfile::tempdir().unwrap();
    let mut e = base(tmp.path());
    e.push(Raw::file("bag/data/caf\u{e9}.txt", b"one"));
    e.push(Raw::file("bag/data/cafe\u{301}.txt", b"two"));
    let bytes = build(&e);
    run_case("nfc-collision", &bytes, 1, 2);
    assert!(extract_stderr(&bytes).contains("lands on the same file"));
}

#[test]
fn zip_bomb_high_ratio() {
    let tmp = tempfile::tempdir().unwrap();
    let zeros = vec![0u8; 64 << 20];
    let mut e = bag_entries(tmp.path(), &[("bomb.bin", &zeros)]);
    let i = e
        .iter()
        .position(|r| r.name == b"bag/data/bomb.bin")
        .unwrap();
    e[i] = Raw::deflated("bag/data/bomb.bin", &zeros);
    let bytes = build(&e);
    // A valid bag: verification streams it in bounded memory.
    run_case("zip-bomb-ratio", &bytes, 0, 2);
    assert!(extract_stderr(&bytes).contains("compression ratio"));
    // The limit is configurable.
    run_case_with(
        "zip-bomb-ratio-allowed",
        &bytes,
        0,
        0,
        &["--max-ratio", "100000"],
    );
    run_case_with(
        "zip-bomb-total",
        &bytes,
        0,
        2,
        &["--max-ratio", "100000", "--max-total-bytes", "1000000"],
    );
}

#[test]
fn entry_claiming_10_gb() {
    let tmp = tempfile::tempdir().unwrap();
    let mut e = base(tmp.path());
    let i = e.iter().position(|r| r.name == b"bag/data/a.txt").unwrap();
    let mut liar = Raw::deflated("bag/data/a.txt", b"hello");
    liar.size = 10_000_000_000;
    e[i] = liar;
    let json = run_case("entry-claims-10gb", &build(&e), 1, 2);
    assert!(has(&json, "error", "oxum-mismatch"), "{json:#}");
    assert!(has(&json, "error", "entry-size-mismatch"), "{json:#}");
}

#[test]
fn stored_entry_shorter_than_declared() {
    let tmp = tempfile::tempdir().unwrap();
    let mut e = base(tmp.path());
    let i = e.iter().position(|r| r.name == b"bag/data/a.txt").unwrap();
    e[i].size = 4; // the stored data holds 5 bytes
    let json = run_case("size-disagrees-with-oxum", &build(&e), 1, 1);
    assert!(has(&json, "error", "oxum-mismatch"), "{json:#}");
}

#[test]
fn truncated_zip() {
    let tmp = tempfile::tempdir().unwrap();
    let bytes = build(&base(tmp.path()));
    for cut in [bytes.len() / 2, bytes.len() - 10, 10] {
        run_case("truncated", &bytes[..cut], 2, 2);
    }
}

#[test]
fn wrong_crc() {
    let tmp = tempfile::tempdir().unwrap();
    let mut e = base(tmp.path());
    let i = e.iter().position(|r| r.name == b"bag/data/a.txt").unwrap();
    e[i].crc ^= 1;
    let json = run_case("wrong-crc", &build(&e), 1, 1);
    assert!(has(&json, "error", "bad-crc"), "{json:#}");
}

#[test]
fn corrupt_data_is_caught_by_crc_and_checksum() {
    let tmp = tempfile::tempdir().unwrap();
    let mut e = base(tmp.path());
    let i = e.iter().position(|r| r.name == b"bag/data/a.txt").unwrap();
    e[i].data = b"jello".to_vec();
    let json = run_case("corrupt-data", &build(&e), 1, 1);
    assert!(has(&json, "error", "bad-crc"), "{json:#}");
    assert!(has(&json, "error", "checksum-mismatch"), "{json:#}");
}

#[test]
fn corrupt_central_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bytes = build(&base(tmp.path()));
    // Break the signature of a central-directory record.
    let sig = [0x50, 0x4b, 0x01, 0x02];
    let at = bytes.windows(4).rposition(|w| w == sig).unwrap();
    bytes[at + 2] = 0x09;
    run_case("corrupt-central-directory", &bytes, 2, 2);
    // A central directory offset pointing past the end.
    let tmp = tempfile::tempdir().unwrap();
    let mut bytes = build(&base(tmp.path()));
    let n = bytes.len();
    bytes[n - 6..n - 2].copy_from_slice(&u32::MAX.to_le_bytes());
    run_case("central-directory-offset-past-end", &bytes, 2, 2);
}

#[test]
fn overlapping_entries() {
    let tmp = tempfile::tempdir().unwrap();
    let mut e = base(tmp.path());
    let i = e.iter().position(|r| r.name == b"bag/data/a.txt").unwrap();
    let mut twin = e[i].clone();
    twin.name = b"bag/data/a2.txt".to_vec();
    twin.offset_of = Some(i);
    e.push(twin);
    let json = run_case("overlapping-entries", &build(&e), 1, 2);
    assert!(has(&json, "error", "archive-layout"), "{json:#}");
    // Overlapping entries (a quoted-overlap bomb) are never hashed.
    assert_eq!(json["reports"][0]["level"], "completeness", "{json:#}");
}

#[test]
fn duplicate_entry_names() {
    let tmp = tempfile::tempdir().unwrap();
    let mut e = base(tmp.path());
    e.push(Raw::file("bag/data/a.txt", b"other"));
    let json = run_case("duplicate-names", &build(&e), 1, 2);
    assert!(has(&json, "error", "archive-layout"), "{json:#}");
}

#[test]
fn zip_inside_the_zip_is_just_payload() {
    let tmp = tempfile::tempdir().unwrap();
    let inner = build(&base(&tmp.path().join("inner")));
    let e = bag_entries(tmp.path(), &[("inner.zip", &inner), ("a.txt", b"x")]);
    let tmp2 = tempfile::tempdir().unwrap();
    let zip = tmp2.path().join("outer.zip");
    fs::write(&zip, build(&e)).unwrap();
    let json = run_case("zip-inside-zip", &build(&e), 0, 0);
    assert!(problem_codes(&json).is_empty(), "{json:#}");
    // The inner archive is extracted as a file, byte for byte, not unpacked.
    let dest = tmp2.path().join("dest");
    newsbag()
        .arg("extract")
        .arg(&zip)
        .arg("--to")
        .arg(&dest)
        .assert()
        .success();
    assert_eq!(fs::read(dest.join("data/inner.zip")).unwrap(), inner);
}

#[test]
fn encrypted_entry() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bytes = build(&base(tmp.path()));
    // Set the encryption flag of every header (local and central).
    for sig in [[0x50u8, 0x4b, 0x03, 0x04], [0x50, 0x4b, 0x01, 0x02]] {
        let flag_at = if sig[2] == 3 { 6 } else { 8 };
        let starts: Vec<usize> = bytes
            .windows(4)
            .enumerate()
            .filter(|(_, w)| *w == sig)
            .map(|(i, _)| i)
            .collect();
        for s in starts {
            bytes[s + flag_at] |= 1;
        }
    }
    let json = run_case("encrypted-entries", &bytes, 1, 2);
    assert!(has(&json, "error", "unsupported-entry"), "{json:#}");
}

#[test]
fn not_a_zip() {
    let json_path_named = {
        let tmp = tempfile::tempdir().unwrap();
        let zip = tmp.path().join("notes.zip");
        fs::write(&zip, b"this is a text file, not an archive\n").unwrap();
        let o = newsbag().arg("verify").arg(&zip).output().unwrap();
        assert_eq!(o.status.code(), Some(2));
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    assert!(
        json_path_named.contains("notes.zip") && json_path_named.contains("not a readable ZIP"),
        "{json_path_named}"
    );
    run_case("not-a-zip", b"PK\x03\x04 but nothing else", 2, 2);
    run_case("empty-file", b"", 2, 2);
}

#[test]
fn too_many_entries_claimed() {
    // An end-of-central-directory record claiming 65,535 entries with ZIP64
    // claiming billions: refused before anything is allocated.
    let tmp = tempfile::tempdir().unwrap();
    let mut bytes = build(&base(tmp.path()));
    let n = bytes.len();
    let cd_size = u32::from_le_bytes(bytes[n - 10..n - 6].try_into().unwrap());
    let cd_off = u32::from_le_bytes(bytes[n - 6..n - 2].try_into().unwrap());
    bytes.truncate(n - 22);
    let eocd64_at = bytes.len() as u64;
    u32le(&mut bytes, 0x0606_4b50);
    bytes.extend_from_slice(&44u64.to_le_bytes());
    u16le(&mut bytes, 45);
    u16le(&mut bytes, 45);
    u32le(&mut bytes, 0);
    u32le(&mut bytes, 0);
    bytes.extend_from_slice(&4_000_000_000u64.to_le_bytes());
    bytes.extend_from_slice(&4_000_000_000u64.to_le_bytes());
    bytes.extend_from_slice(&u64::from(cd_size).to_le_bytes());
    bytes.extend_from_slice(&u64::from(cd_off).to_le_bytes());
    u32le(&mut bytes, 0x0706_4b50);
    u32le(&mut bytes, 0);
    bytes.extend_from_slice(&eocd64_at.to_le_bytes());
    u32le(&mut bytes, 1);
    u32le(&mut bytes, 0x0605_4b50);
    u16le(&mut bytes, 0);
    u16le(&mut bytes, 0);
    u16le(&mut bytes, 0xFFFF);
    u16le(&mut bytes, 0xFFFF);
    u32le(&mut bytes, 0xFFFF_FFFF);
    u32le(&mut bytes, 0xFFFF_FFFF);
    u16le(&mut bytes, 0);
    run_case("too-many-entries", &bytes, 2, 2);
    assert!(extract_stderr(&bytes).contains("number of entries"));
}
