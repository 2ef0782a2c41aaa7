//! `newsbag extract --to DIR` with the real binary: DIR may be absent or an
//! existing empty directory (as `mkdir` and `mktemp -d` leave it); anything
//! else is refused, and a failed extraction leaves an empty DIR empty.

use std::fs;
use std::io::{Read, Write};
use std::path::Path;

use crate::util::{make_bag, newsbag};

const FILES: &[(&str, &[u8])] = &[("a.txt", b"hello news"), ("sub/b.txt", "سلام".as_bytes())];

/// A valid zipped bag of [`FILES`] at `tmp/b.zip`.
fn bag_zip(tmp: &Path) -> std::path::PathBuf {
    let bag = make_bag(tmp, FILES);
    let zip = tmp.join("b.zip");
    newsbag()
        .args(["bag", "--zip", "--to"])
        .arg(&zip)
        .arg(&bag)
        .assert()
        .success();
    zip
}

/// A copy of the zipped bag `valid` in which `data/a.txt` has other bytes of
/// the same length: it passes the checks made before writing (structure,
/// completeness, Payload-Oxum) and fails only once extraction has begun.
fn corrupt_copy(valid: &Path, out: &Path) {
    let mut ar = zip::ZipArchive::new(fs::File::open(valid).unwrap()).unwrap();
    let mut w = zip::ZipWriter::new(fs::File::create(out).unwrap());
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut corrupted = false;
    for i in 0..ar.len() {
        let mut entry = ar.by_index(i).unwrap();
        let name = entry.name().unwrap().into_owned();
        if entry.is_dir() {
            w.add_directory(name, opts).unwrap();
            continue;
        }
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if name.ends_with("/data/a.txt") {
            bytes.make_ascii_uppercase();
            corrupted = true;
        }
        w.start_file(name, opts).unwrap();
        w.write_all(&bytes).unwrap();
    }
    w.finish().unwrap();
    assert!(corrupted, "no data/a.txt in {}", valid.display());
}

fn is_empty_dir(dir: &Path) -> bool {
    fs::read_dir(dir).unwrap().next().is_none()
}

/// Nothing but `keep` (and what was there before) in `dir`: no temporary
/// directory left behind.
fn assert_no_leftovers(dir: &Path) {
    let left: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".newsbag-tmp"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn an_existing_empty_directory_is_accepted() {
    let tmp = tempfile::tempdir().unwrap();
    let zip = bag_zip(tmp.path());
    let out = tmp.path().join("out");
    fs::create_dir(&out).unwrap();
    newsbag()
        .arg("extract")
        .arg(&zip)
        .arg("--to")
        .arg(&out)
        .assert()
        .success()
        .stdout(predicates::str::starts_with("extracted "));
    for (rel, bytes) in FILES {
        assert_eq!(
            fs::read(out.join("data").join(rel)).unwrap(),
            *bytes,
            "{rel}"
        );
    }
    newsbag().arg("verify").arg(&out).assert().success();
    assert_no_leftovers(tmp.path());
}

#[cfg(unix)]
#[test]
fn an_empty_directory_keeps_its_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let zip = bag_zip(tmp.path());
    let out = tmp.path().join("out");
    fs::create_dir(&out).unwrap();
    fs::set_permissions(&out, fs::Permissions::from_mode(0o751)).unwrap();
    newsbag()
        .arg("extract")
        .arg(&zip)
        .arg("--to")
        .arg(&out)
        .assert()
        .success();
    let mode = fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o751);
    assert!(out.join("bagit.txt").is_file());
}

/// `--to .` and `--to out/` name the empty directory itself: the bag lands
/// in it, not beside it.
#[test]
fn the_current_directory_and_a_trailing_slash_name_the_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let zip = bag_zip(tmp.path());
    let here = tmp.path().join("here");
    fs::create_dir(&here).unwrap();
    newsbag()
        .current_dir(&here)
        .arg("extract")
        .arg(&zip)
        .args(["--to", "."])
        .assert()
        .success();
    assert!(here.join("bagit.txt").is_file());
    let slash = tmp.path().join("slash");
    fs::create_dir(&slash).unwrap();
    newsbag()
        .arg("extract")
        .arg(&zip)
        .arg("--to")
        .arg(format!("{}/", slash.display()))
        .assert()
        .success();
    assert!(slash.join("bagit.txt").is_file());
    assert_no_leftovers(tmp.path());
}

#[test]
fn a_non_empty_directory_or_a_file_is_refused_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let zip = bag_zip(tmp.path());
    let full = tmp.path().join("full");
    fs::create_dir(&full).unwrap();
    fs::write(full.join(".hidden"), b"mine").unwrap();
    newsbag()
        .arg("extract")
        .arg(&zip)
        .arg("--to")
        .arg(&full)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicates::str::contains("is not an empty directory"));
    let names: Vec<_> = fs::read_dir(&full)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, [".hidden"]);
    assert_eq!(fs::read(full.join(".hidden")).unwrap(), b"mine");
    let file = tmp.path().join("file");
    fs::write(&file, b"mine").unwrap();
    newsbag()
        .arg("extract")
        .arg(&zip)
        .arg("--to")
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("is not an empty directory"));
    assert_eq!(fs::read(&file).unwrap(), b"mine");
    assert_no_leftovers(tmp.path());
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_to_an_empty_directory_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let zip = bag_zip(tmp.path());
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(&empty, &link).unwrap();
    newsbag()
        .arg("extract")
        .arg(&zip)
        .arg("--to")
        .arg(&link)
        .assert()
        .code(2);
    assert!(is_empty_dir(&empty));
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn a_failed_extraction_leaves_the_empty_directory_empty() {
    let tmp = tempfile::tempdir().unwrap();
    let zip = bag_zip(tmp.path());
    let bad = tmp.path().join("bad.zip");
    corrupt_copy(&zip, &bad);
    let out = tmp.path().join("out");
    fs::create_dir(&out).unwrap();
    newsbag()
        .arg("extract")
        .arg(&bad)
        .arg("--to")
        .arg(&out)
        .assert()
        .code(1)
        .stdout(predicates::str::contains("nothing extracted"))
        .stdout(predicates::str::contains("checksum-mismatch"));
    assert!(out.is_dir());
    assert!(is_empty_dir(&out));
    assert_no_leftovers(tmp.path());
    // A refused archive (not a ZIP at all) leaves it empty too.
    let junk = tmp.path().join("junk.zip");
    fs::write(&junk, b"not a zip").unwrap();
    newsbag()
        .arg("extract")
        .arg(&junk)
        .arg("--to")
        .arg(&out)
        .assert()
        .code(2);
    assert!(is_empty_dir(&out));
    assert_no_leftovers(tmp.path());
}

/// `newsbag help extract` and the man page say that DIR may be an empty
/// directory.
#[test]
fn the_help_and_the_man_page_say_so() {
    newsbag()
        .args(["help", "extract"])
        .assert()
        .success()
        .stdout(predicates::str::contains("be an empty directory"));
    let man =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/newsbag.1")).unwrap();
    let extract = &man[man.find(".SH \"NEWSBAG EXTRACT\"").unwrap()..];
    assert!(extract.contains("be an empty directory"), "{extract}");
}
