//! Zipped bags with the real binary: deterministic `bag --zip`, `verify`
//! of zips and archive roots, `extract`, the conformance suite zipped case
//! by case, interoperability with unzip, Python's zipfile and bagit-python,
//! and property tests through the library.
#![allow(
    clippy::unwrap_used,
    clippy::cast_possible_truncation,
    clippy::print_stderr,
    reason = "test code: a failed unwrap is a failed test; raw ZIP fields are sized by construction"
)]

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::Command;

use crate::util::{
    assert_zip_parts_agree, newsbag, problem_codes, suite_dir, verify_json, write_tree,
};

fn src_tree(root: &Path) {
    write_tree(
        root,
        &[
            ("article.txt", "هم‌چنین news".as_bytes()),
            ("feed/rss.xml", b"<rss><channel/></rss>\n"),
            ("img/noise.bin", &noise(70_000)),
            ("zeros.bin", &[0u8; 10_000]),
            ("empty", b""),
        ],
    );
}

fn noise(n: usize) -> Vec<u8> {
    let mut x = 0x9E37_79B9_u32;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x.to_le_bytes()[1]
        })
        .collect()
}

fn bag_zip(src: &Path, out: &Path) {
    newsbag()
        .args(["bag", "--zip", "--date", "2001-02-03", "--to"])
        .arg(out)
        .arg(src)
        .assert()
        .success();
}

#[test]
fn bag_zip_is_deterministic_and_valid() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    src_tree(&src);
    fs::create_dir_all(tmp.path().join("one")).unwrap();
    fs::create_dir_all(tmp.path().join("two")).unwrap();
    let a = tmp.path().join("one/news.zip");
    let b = tmp.path().join("two/news.zip");
    bag_zip(&src, &a);
    bag_zip(&src, &b);
    assert_eq!(fs::read(&a).unwrap(), fs::read(&b).unwrap());
    let (json, code) = verify_json(&a);
    assert_eq!(code, 0, "{json:#}");
    assert!(problem_codes(&json).is_empty(), "{json:#}");
    assert_eq!(json["reports"][0]["payload_files"], 5);

    // Layout: one top-level directory named after the archive, sorted,
    // fixed time and permissions, stored where deflate does not pay.
    let mut ar = zip::ZipArchive::new(fs::File::open(&a).unwrap()).unwrap();
    let names: Vec<String> = ar.file_names().map(|n| n.unwrap().into_owned()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert!(names.iter().all(|n| n.starts_with("news/")), "{names:?}");
    assert!(names.contains(&"news/data/img/".to_owned()));
    for i in 0..ar.len() {
        let f = ar.by_index(i).unwrap();
        let name = f.name().unwrap().into_owned();
        let t = f.last_modified().unwrap();
        assert_eq!((t.year(), t.month(), t.day(), t.hour()), (2001, 2, 3, 0));
        let mode = f.unix_mode().unwrap() & 0o777;
        assert_eq!(mode, if f.is_dir() { 0o755 } else { 0o644 }, "{name}");
        let method = f.compression();
        match name.as_str() {
            "news/data/img/noise.bin" | "news/data/empty" => {
                assert_eq!(method, zip::CompressionMethod::Stored)
            }
            "news/data/zeros.bin" | "news/data/article.txt" | "news/bagit.txt" => {
                assert_eq!(method, zip::CompressionMethod::Deflated)
            }
            _ => {}
        }
    }

    // Zipping the finished bag directory gives the same bytes again.
    let bag = tmp.path().join("bagdir");
    newsbag()
        .args(["bag", "--date", "2001-02-03", "--to"])
        .arg(&bag)
        .arg(&src)
        .assert()
        .success();
    fs::create_dir_all(tmp.path().join("three")).unwrap();
    let c = tmp.path().join("three/news.zip");
    newsbag()
        .args(["bag", "--zip", "--to"])
        .arg(&c)
        .arg(&bag)
        .assert()
        .success();
    assert_eq!(fs::read(&a).unwrap(), fs::read(&c).unwrap());
}

#[test]
fn bag_zip_defaults_and_refusals() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("stories");
    write_tree(&src, &[("a.txt", b"a")]);
    newsbag()
        .args(["bag", "--zip", "--date", "2001-02-03"])
        .arg(&src)
        .assert()
        .success();
    // DIR.zip beside DIR, an ordinary file (not tempfile's private 0600);
    // DIR untouched; no temporary file left.
    assert!(tmp.path().join("stories.zip").is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(tmp.path().join("stories.zip"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o044, 0o044, "{mode:o}");
    }
    assert!(!src.join("bagit.txt").exists());
    let left: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        left.iter().all(|n| !n.starts_with(".newsbag-tmp")),
        "{left:?}"
    );
    // Existing destination.
    newsbag()
        .args(["bag", "--zip", "--date", "2001-02-03"])
        .arg(&src)
        .assert()
        .code(2);
    // Not inside the bag itself.
    let inside = tmp.path().join("inbag");
    newsbag()
        .args(["bag", "--date", "2001-02-03", "--to"])
        .arg(&inside)
        .arg(&src)
        .assert()
        .success();
    newsbag()
        .args(["bag", "--zip", "--to"])
        .arg(inside.join("data/x.zip"))
        .arg(&inside)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("inside the bag"));
    newsbag().arg("verify").arg(&inside).assert().success();
    // An invalid bag is not zipped.
    let bag = tmp.path().join("bad");
    newsbag()
        .args(["bag", "--date", "2001-02-03", "--to"])
        .arg(&bag)
        .arg(&src)
        .assert()
        .success();
    fs::write(bag.join("data/a.txt"), b"b").unwrap();
    newsbag()
        .args(["bag", "--zip", "--to"])
        .arg(tmp.path().join("bad.zip"))
        .arg(&bag)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("did not verify"));
    assert!(!tmp.path().join("bad.zip").exists());
}

#[test]
fn verify_levels_and_extract_round_trip() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    src_tree(&src);
    let z = tmp.path().join("b.zip");
    bag_zip(&src, &z);
    for flag in ["--fast", "--completeness-only"] {
        newsbag()
            .args(["verify", flag])
            .arg(&z)
            .assert()
            .success()
            .stdout(predicates::str::starts_with("valid "));
    }
    let dest = tmp.path().join("x/out");
    fs::create_dir_all(tmp.path().join("x")).unwrap();
    newsbag()
        .arg("extract")
        .arg(&z)
        .arg("--to")
        .arg(&dest)
        .assert()
        .success();
    for rel in [
        "article.txt",
        "feed/rss.xml",
        "img/noise.bin",
        "zeros.bin",
        "empty",
    ] {
        assert_eq!(
            fs::read(dest.join("data").join(rel)).unwrap(),
            fs::read(src.join(rel)).unwrap(),
            "{rel}"
        );
    }
    newsbag().arg("verify").arg(&dest).assert().success();
    // The destination must not exist.
    newsbag()
        .arg("extract")
        .arg(&z)
        .arg("--to")
        .arg(&dest)
        .assert()
        .code(2);
    // --item: only that payload file, plus the tag files.
    let part = tmp.path().join("x/part");
    newsbag()
        .arg("extract")
        .arg(&z)
        .args(["--item", "data/feed/rss.xml", "--to"])
        .arg(&part)
        .assert()
        .success();
    assert!(part.join("data/feed/rss.xml").is_file());
    assert!(part.join("manifest-sha256.txt").is_file());
    assert!(!part.join("data/article.txt").exists());
    newsbag()
        .arg("extract")
        .arg(&z)
        .args(["--item", "data/nope", "--to"])
        .arg(tmp.path().join("x/none"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not a payload file"));
    assert!(!tmp.path().join("x/none").exists());
}

#[test]
fn archive_root_with_zips_and_directories() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("archive");
    let src = tmp.path().join("src");
    write_tree(&src, &[("a.bin", b"a")]);
    fs::create_dir_all(root.join("2026")).unwrap();
    bag_zip(&src, &root.join("2026/one.zip"));
    bag_zip(&src, &root.join("two.zip"));
    newsbag()
        .args(["bag", "--date", "2001-02-03", "--to"])
        .arg(root.join("dir-bag"))
        .arg(&src)
        .assert()
        .success();
    let out = newsbag().arg("verify").arg(&root).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("3 bags: 3 valid, 0 invalid, 0 errors"),
        "{stdout}"
    );
    // Corrupt one zip's payload byte (stored entry): exit 1, others still
    // reported.
    let p = root.join("two.zip");
    let mut bytes = fs::read(&p).unwrap();
    let needle = b"two/data/a.bin";
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap();
    let data_at = at + needle.len();
    assert_eq!(bytes[data_at], b'a', "stored entry data follows its name");
    bytes[data_at] = b'b';
    fs::write(&p, bytes).unwrap();
    let out = newsbag().arg("verify").arg(&root).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("3 bags: 2 valid, 1 invalid, 0 errors"),
        "{stdout}"
    );
    assert!(stdout.contains("bad-crc"), "{stdout}");
}

/// Zips a directory byte for byte under one top-level directory `top`
/// (directory entries included).
fn zip_dir(dir: &Path, top: &str, out: &Path) {
    let mut w = zip::ZipWriter::new(fs::File::create(out).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    w.add_directory(format!("{top}/"), opts).unwrap();
    let mut paths: Vec<_> = walkdir::WalkDir::new(dir)
        .min_depth(1)
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .collect();
    paths.sort();
    for p in paths {
        let rel = p.strip_prefix(dir).unwrap().to_str().unwrap().to_owned();
        if p.is_dir() {
            w.add_directory(format!("{top}/{rel}/"), opts).unwrap();
        } else {
            w.start_file(format!("{top}/{rel}"), opts).unwrap();
            w.write_all(&fs::read(&p).unwrap()).unwrap();
        }
    }
    w.finish().unwrap();
}

#[test]
fn conformance_suite_zipped_gets_the_same_verdicts() {
    let Some(root) = suite_dir() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let mut cases = Vec::new();
    for entry in walkdir::WalkDir::new(&root).min_depth(3).max_depth(3) {
        let entry = entry.unwrap();
        if entry.file_type().is_dir() {
            cases.push(entry.into_path());
        }
    }
    cases.sort();
    assert!(cases.len() >= 54, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let name = case.file_name().unwrap().to_str().unwrap();
        let zip = tmp.path().join(format!("{i}-{name}.zip"));
        zip_dir(case, name, &zip);
        // In parts of one and two entries, as an archive of more entries
        // than the threshold is verified: the single pass's report.
        assert_zip_parts_agree(&zip, &[1, 2]);
        let (dir_json, dir_code) = verify_json(case);
        let (zip_json, zip_code) = verify_json(&zip);
        let mut d = problem_codes(&dir_json);
        let mut z = problem_codes(&zip_json);
        d.sort();
        d.dedup();
        z.sort();
        z.dedup();
        if dir_code != zip_code || d != z {
            failures.push(format!(
                "{}: dir exit {dir_code} {d:?}, zip exit {zip_code} {z:?}",
                case.strip_prefix(&root).unwrap().display()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases disagree:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

fn peer_available(program: &str, args: &[&str]) -> bool {
    let found = Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("NEWSBAG_REQUIRE_PEERS").as_deref() != Ok("1"),
            "{program} is not available"
        );
        eprintln!("skipping: {program} not available");
    }
    found
}

#[test]
fn unzip_tests_our_zips() {
    if !peer_available("unzip", &["-v"]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    src_tree(&src);
    let z = tmp.path().join("b.zip");
    bag_zip(&src, &z);
    let out = Command::new("unzip").arg("-t").arg(&z).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("No errors detected"));
}

#[test]
fn python_zipfile_and_bagit_python_accept_our_zips() {
    if !peer_available("python3", &["-c", "import zipfile"])
        || !peer_available("bagit.py", &["--help"])
    {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    src_tree(&src);
    let z = tmp.path().join("news.zip");
    bag_zip(&src, &z);
    let out_dir = tmp.path().join("py");
    let script = "import sys, zipfile\n\
        z = zipfile.ZipFile(sys.argv[1])\n\
        bad = z.testzip()\n\
        assert bad is None, bad\n\
        z.extractall(sys.argv[2])\n";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(&z)
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new("bagit.py")
        .arg("--validate")
        .arg(out_dir.join("news"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

mod props {
    use std::fs;

    use newsbag::Level;
    use newsbag::bag::BagOptions;
    use newsbag::extract::{ExtractOptions, extract_zip};
    use newsbag::progress::NoProgress;
    use newsbag::serialize::bag_to_zip;
    use newsbag::verify::{check_written, verify_zip};
    use proptest::prelude::*;

    use crate::util::payload_trees;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        #[test]
        fn bag_zip_verify_extract_round_trip(files in payload_trees(), flip in any::<u64>()) {
            let tmp = tempfile::tempdir().unwrap();
            let src = tmp.path().join("src");
            for (name, bytes) in &files {
                let p = src.join(name);
                fs::create_dir_all(p.parent().unwrap()).unwrap();
                fs::write(p, bytes).unwrap();
            }
            let z = tmp.path().join("p.zip");
            bag_to_zip(&src, &z, &BagOptions::new("2020-01-01"), &NoProgress, &check_written).unwrap();
            let report = verify_zip(&z, Level::Fixity, &NoProgress).unwrap();
            prop_assert!(report.is_valid(), "{:?}", report.problems);
            crate::util::assert_zip_parts_agree(&z, &[1, 3]);

            let dest = tmp.path().join("out");
            let report = extract_zip(&z, &dest, &ExtractOptions::default(), &NoProgress).unwrap();
            prop_assert!(report.is_valid(), "{:?}", report.problems);
            for (name, bytes) in &files {
                prop_assert_eq!(&fs::read(dest.join("data").join(name)).unwrap(), bytes);
            }

            // Change one byte of one entry's (non-empty) data: verify fails.
            let bytes = fs::read(&z).unwrap();
            let mut ar = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).unwrap();
            let mut ranges = Vec::new();
            for i in 0..ar.len() {
                let f = ar.by_index(i).unwrap();
                if f.compressed_size() > 0 {
                    let start = f.data_start().unwrap();
                    ranges.push((start, f.compressed_size(), f.name().unwrap().into_owned()));
                }
            }
            let (start, len, name) = ranges[(flip % ranges.len() as u64) as usize].clone();
            let at = usize::try_from(start + (flip >> 8) % len).unwrap();
            let mut bad = bytes;
            bad[at] ^= 1 << (flip % 8);
            // A flip that leaves the decompressed content identical (the
            // padding bits of a deflate block header) changes nothing a
            // reader can see: not a corruption of the entry.
            let original = {
                let mut f = ar.by_name(&name).unwrap();
                let mut v = Vec::new();
                std::io::Read::read_to_end(&mut f, &mut v).unwrap();
                v
            };
            let still_same = zip::ZipArchive::new(std::io::Cursor::new(bad.clone()))
                .ok()
                .and_then(|mut a| {
                    let i = a.index_for_name(&name)?;
                    let mut f = a
                        .by_index_with_options(i, zip::ZipReadOptions::new().ignore_crc32(true))
                        .ok()?;
                    let mut v = Vec::new();
                    std::io::Read::read_to_end(&mut f, &mut v).ok()?;
                    Some(v == original)
                })
                .unwrap_or(false);
            // The same for libdeflate, which newsbag's reader uses for small
            // entries: a flip after the last block's end may be rejected by
            // the zip crate's inflater yet decode to the same bytes.
            let same_for_libdeflate = {
                let end = usize::try_from(start + len).unwrap();
                let data = &bad[usize::try_from(start).unwrap()..end];
                let mut out = vec![0u8; original.len()];
                let method_deflate = ar.by_name(&name).unwrap().compression()
                    == zip::CompressionMethod::Deflated;
                method_deflate
                    && libdeflater::Decompressor::new()
                        .deflate_decompress(data, &mut out)
                        .is_ok_and(|n| n == original.len() && out == original)
            };
            if still_same || same_for_libdeflate {
                return Ok(());
            }
            let zb = tmp.path().join("bad.zip");
            fs::write(&zb, &bad).unwrap();
            crate::util::assert_zip_parts_agree(&zb, &[1, 3]);
            // `Err` (an unreadable archive) is a failed verification too.
            if let Ok(r) = verify_zip(&zb, Level::Fixity, &NoProgress) {
                prop_assert!(
                    !r.is_valid(),
                    "flipped byte {} of entry {} data {}+{} unnoticed: {:?}",
                    at, name, start, len, r.problems
                );
            }
            let dest2 = tmp.path().join("out2");
            if let Ok(r) = extract_zip(&zb, &dest2, &ExtractOptions::default(), &NoProgress) {
                prop_assert!(!r.is_valid());
            }
            prop_assert!(!dest2.exists());
        }
    }
}

#[test]
fn more_than_65535_entries_use_zip64() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("many");
    for d in 0..66 {
        let dir = src.join(format!("d{d:02}"));
        fs::create_dir_all(&dir).unwrap();
        for f in 0..1000 {
            fs::write(dir.join(format!("{f:03}")), b"").unwrap();
        }
    }
    let z = tmp.path().join("many.zip");
    bag_zip(&src, &z);
    let ar = zip::ZipArchive::new(fs::File::open(&z).unwrap()).unwrap();
    assert!(ar.len() > 66_000, "{}", ar.len());
    let (json, code) = verify_json(&z);
    assert_eq!(code, 0, "{}", json["reports"][0]["problems"]);
    assert_eq!(json["reports"][0]["payload_files"], 66_000);
    // In four parts: the single pass's report.
    assert_zip_parts_agree(&z, &[20_000]);
    if peer_available("unzip", &["-v"]) {
        let out = Command::new("unzip").arg("-tq").arg(&z).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}
