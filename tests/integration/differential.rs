//! The verdict on a bag must not depend on its serialization: every bag of
//! the test suites is verified as a directory and, zipped by an independent
//! writer (the zip crate), as a ZIP, by the real binary, and both must give
//! the same exit code and the same problem kinds (with their severities).
//!
//! The bags: the Library of Congress conformance suite (skipped with a
//! message when absent, unless `NEWSBAG_REQUIRE_PEERS=1`), defect-laden
//! bags (one defect each, as the fixtures make them), hostile cases that
//! exist in both forms (colliding names, symbolic links, an archive inside
//! the payload, deep nesting), and property-generated bags with random
//! defects. Hostile cases of one form only are not here: FIFOs and devices
//! (no ZIP entry holds one), names ZIP cannot carry safely (control
//! characters, backslashes: refused as unsafe entry names, while a
//! directory holds them) and archive-only defects (CRC, layout, overlapping
//! entries: `hostile_zip.rs`).

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::util::{make_bag, suite_dir, verify_json};

/// Exit code and sorted (severity, kind) pairs of `newsbag verify --json`.
type Verdict = (i32, BTreeSet<(String, String)>);

fn verdict(path: &Path) -> Verdict {
    let (json, code) = verify_json(path);
    let kinds = crate::util::problem_codes(&json).into_iter().collect();
    (code, kinds)
}

/// Zips the bag directory `bag` with the zip crate under one top-level
/// directory named after it: directories as directory entries, files
/// deflated, symbolic links as link entries (never followed).
fn zip_bag(bag: &Path, out: &Path) {
    let top = bag.file_name().unwrap().to_str().unwrap();
    let mut w = zip::ZipWriter::new(fs::File::create(out).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    w.add_directory(format!("{top}/"), opts).unwrap();
    let mut entries: Vec<walkdir::DirEntry> = walkdir::WalkDir::new(bag)
        .follow_links(false)
        .min_depth(1)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    entries.sort_by(|a, b| a.path().cmp(b.path()));
    for e in entries {
        let rel = e.path().strip_prefix(bag).unwrap().to_str().unwrap();
        let name = format!("{top}/{rel}");
        let ft = e.file_type();
        if ft.is_symlink() {
            let target = fs::read_link(e.path()).unwrap();
            w.add_symlink(name, target.to_str().unwrap(), opts).unwrap();
        } else if ft.is_dir() {
            w.add_directory(format!("{name}/"), opts).unwrap();
        } else {
            w.start_file(name, opts).unwrap();
            w.write_all(&fs::read(e.path()).unwrap()).unwrap();
        }
    }
    w.finish().unwrap();
}

/// Verifies `bag` as a directory and zipped (in `tmp`); the difference, if
/// any, as a line naming `label`.
fn differs(label: &str, bag: &Path, tmp: &Path) -> Option<String> {
    let zip = tmp.join(format!(
        "{}.zip",
        bag.file_name().unwrap().to_str().unwrap()
    ));
    let _ = fs::remove_file(&zip);
    zip_bag(bag, &zip);
    let dir = verdict(bag);
    let zipped = verdict(&zip);
    fs::remove_file(&zip).unwrap();
    (dir != zipped).then(|| format!("{label}: directory {dir:?}, ZIP {zipped:?}"))
}

fn assert_none_differ(failures: &[String], checked: usize) {
    assert!(
        failures.is_empty(),
        "{} of {checked} bags get another verdict zipped:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn append(path: &Path, bytes: &[u8]) {
    let mut f = fs::OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(bytes).unwrap();
}

/// One defect each, applied to a copy of a valid bag of `data/a.txt`,
/// `data/b.txt`, `data/sub/c.txt`.
type Defect = (&'static str, fn(&Path));

const DEFECTS: &[Defect] = &[
    ("valid", |_| {}),
    ("flipped-byte", |b| {
        fs::write(b.join("data/a.txt"), b"HELLO").unwrap()
    }),
    ("missing-file", |b| {
        fs::remove_file(b.join("data/b.txt")).unwrap()
    }),
    ("unexpected-file", |b| {
        fs::write(b.join("data/extra.txt"), b"new").unwrap()
    }),
    ("no-bag-declaration", |b| {
        fs::remove_file(b.join("bagit.txt")).unwrap()
    }),
    ("data-is-a-regular-file", |b| {
        fs::remove_dir_all(b.join("data")).unwrap();
        fs::write(b.join("data"), b"not a directory").unwrap();
    }),
    ("no-payload-directory", |b| {
        fs::remove_dir_all(b.join("data")).unwrap()
    }),
    ("empty-payload-directory", |b| {
        fs::remove_dir_all(b.join("data")).unwrap();
        fs::create_dir(b.join("data")).unwrap();
    }),
    ("empty-directory-in-payload", |b| {
        fs::create_dir(b.join("data/empty")).unwrap()
    }),
    ("no-payload-manifest", |b| {
        fs::remove_file(b.join("manifest-sha256.txt")).unwrap();
        fs::remove_file(b.join("manifest-sha512.txt")).unwrap();
    }),
    ("unknown-algorithm", |b| {
        fs::rename(b.join("manifest-sha256.txt"), b.join("manifest-foo.txt")).unwrap();
    }),
    ("malformed-manifest-line", |b| {
        append(&b.join("manifest-sha256.txt"), b"garbage\n")
    }),
    ("non-utf8-manifest", |b| {
        append(&b.join("manifest-sha256.txt"), b"\xff\xfe  data/x\n");
    }),
    ("bom-in-tag-manifest", |b| {
        let p = b.join("tagmanifest-sha256.txt");
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend(fs::read(&p).unwrap());
        fs::write(p, bytes).unwrap();
    }),
    ("repeated-manifest-entry", |b| {
        let p = b.join("manifest-sha256.txt");
        let first = fs::read_to_string(&p)
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_owned();
        append(&p, format!("{first}\n").as_bytes());
    }),
    ("payload-in-tag-manifest", |b| {
        let line = fs::read_to_string(b.join("manifest-sha256.txt")).unwrap();
        append(
            &b.join("tagmanifest-sha256.txt"),
            line.lines().next().unwrap().as_bytes(),
        );
    }),
    ("wrong-oxum", |b| {
        let p = b.join("bag-info.txt");
        let text = fs::read_to_string(&p).unwrap();
        let text = text
            .lines()
            .map(|l| {
                if l.starts_with("Payload-Oxum") {
                    "Payload-Oxum: 7.2"
                } else {
                    l
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        fs::write(p, text + "\n").unwrap();
    }),
    ("bag-info-line-without-colon", |b| {
        append(&b.join("bag-info.txt"), b"no colon here\n")
    }),
    ("bagit-0.97", |b| {
        fs::write(
            b.join("bagit.txt"),
            "BagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-8\n",
        )
        .unwrap();
    }),
    ("fetch-not-fetched", |b| {
        fs::remove_file(b.join("data/b.txt")).unwrap();
        fs::write(b.join("fetch.txt"), "https://example.org/b 5 data/b.txt\n").unwrap();
    }),
    ("fetch-not-in-manifest", |b| {
        fs::write(b.join("fetch.txt"), "https://example.org/z 5 data/z.txt\n").unwrap();
    }),
    ("custom-tag-directory", |b| {
        fs::create_dir(b.join("custom")).unwrap();
        fs::write(b.join("custom/notes.txt"), b"tags").unwrap();
    }),
    ("system-file", |b| {
        fs::write(b.join("data/.DS_Store"), b"mac").unwrap()
    }),
    ("names-colliding-after-case-folding", |b| {
        fs::write(b.join("data/A.txt"), b"other").unwrap();
    }),
    ("names-colliding-after-nfc", |b| {
        fs::write(b.join("data/caf\u{e9}.txt"), b"one").unwrap();
        fs::write(b.join("data/cafe\u{301}.txt"), b"two").unwrap();
    }),
    ("archive-in-the-payload", |b| {
        fs::write(
            b.join("data/inner.zip"),
            b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
        )
        .unwrap();
    }),
    ("deep-nesting", |b| {
        let mut p = b.join("data");
        for i in 0..60 {
            p = p.join(format!("d{i}"));
        }
        fs::create_dir_all(&p).unwrap();
        fs::write(p.join("deep.txt"), b"deep").unwrap();
    }),
    #[cfg(unix)]
    ("symlink-to-a-payload-file", |b| {
        std::os::unix::fs::symlink("a.txt", b.join("data/link.txt")).unwrap();
    }),
    #[cfg(unix)]
    ("symlink-outside-the-bag", |b| {
        std::os::unix::fs::symlink("/etc/hostname", b.join("data/escape")).unwrap();
    }),
    #[cfg(unix)]
    ("dangling-symlink", |b| {
        std::os::unix::fs::symlink("nowhere", b.join("data/dangling")).unwrap();
    }),
    #[cfg(unix)]
    ("symlink-to-a-directory", |b| {
        std::os::unix::fs::symlink("sub", b.join("data/loop")).unwrap();
    }),
    #[cfg(unix)]
    ("payload-directory-is-a-symlink", |b| {
        fs::rename(b.join("data"), b.join("real-data")).unwrap();
        std::os::unix::fs::symlink("real-data", b.join("data")).unwrap();
    }),
    #[cfg(unix)]
    ("symlinked-manifest", |b| {
        fs::rename(b.join("manifest-sha256.txt"), b.join("data/m.txt")).unwrap();
        std::os::unix::fs::symlink("data/m.txt", b.join("manifest-sha256.txt")).unwrap();
    }),
];

/// Copies the bag directory `from` to `to` (files and directories only).
fn copy_tree(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let dest = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            fs::create_dir_all(&dest).unwrap();
        } else {
            fs::copy(e.path(), &dest).unwrap();
        }
    }
}

fn base_files() -> Vec<(&'static str, &'static [u8])> {
    vec![
        ("a.txt", b"hello"),
        ("b.txt", b"world"),
        ("sub/c.txt", b"!"),
    ]
}

#[test]
fn defect_laden_and_hostile_bags_get_the_same_verdict_zipped() {
    let tmp = tempfile::tempdir().unwrap();
    let base = make_bag(tmp.path(), &base_files());
    let mut failures = Vec::new();
    for (name, defect) in DEFECTS {
        let bag = tmp.path().join(name);
        copy_tree(&base, &bag);
        defect(&bag);
        failures.extend(differs(name, &bag, tmp.path()));
    }
    assert_none_differ(&failures, DEFECTS.len());
}

#[test]
fn conformance_cases_get_the_same_verdict_zipped() {
    let Some(root) = suite_dir() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut cases: Vec<PathBuf> = walkdir::WalkDir::new(&root)
        .min_depth(3)
        .max_depth(3)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_dir())
        .map(walkdir::DirEntry::into_path)
        .collect();
    cases.sort();
    assert!(cases.len() >= 54, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let label = case.strip_prefix(&root).unwrap().display().to_string();
        failures.extend(differs(&label, case, tmp.path()));
    }
    assert_none_differ(&failures, cases.len());
}

mod props {
    use std::fs;

    use proptest::prelude::*;

    use super::{DEFECTS, copy_tree, differs};
    use crate::util::{make_bag, payload_trees};

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        /// Random payloads with up to three random defects of the list, removals of random
        /// files and flips of random bytes.
        #[test]
        fn random_bags_get_the_same_verdict_zipped(
            files in payload_trees(),
            defects in proptest::collection::vec(0..DEFECTS.len(), 0..3),
            remove in proptest::option::of(any::<prop::sample::Index>()),
            flip in proptest::option::of((any::<prop::sample::Index>(), any::<u8>())),
        ) {
            let tmp = tempfile::tempdir().unwrap();
            let refs: Vec<(&str, &[u8])> =
                files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
            let made = make_bag(tmp.path(), &refs);
            let bag = tmp.path().join("random");
            copy_tree(&made, &bag);
            // Defects that need the base bag's files are applied only if
            // those files exist; the others always apply.
            let base = ["a.txt", "b.txt"].iter().all(|n| bag.join("data").join(n).is_file());
            let mut applied = Vec::new();
            for d in defects {
                let (name, defect) = DEFECTS[d];
                let needs_base = matches!(
                    name,
                    "flipped-byte" | "missing-file" | "fetch-not-fetched"
                        | "symlink-to-a-directory"
                );
                if (base || !needs_base) && !applied.contains(&name) {
                    // A defect may undo what another needs (the payload
                    // directory removed): apply what still applies.
                    if std::panic::catch_unwind(|| defect(&bag)).is_ok() {
                        applied.push(name);
                    }
                }
            }
            let (name, _) = &files[remove.map_or(0, |i| i.index(files.len()))];
            if remove.is_some() {
                let _ = fs::remove_file(bag.join("data").join(name));
            }
            if let Some((i, x)) = flip {
                let (name, bytes) = &files[i.index(files.len())];
                let p = bag.join("data").join(name);
                if p.is_file() && !bytes.is_empty() {
                    let mut b = fs::read(&p).unwrap();
                    b[0] ^= x | 1;
                    fs::write(&p, b).unwrap();
                }
            }
            let label = format!("{files:?} with {applied:?}");
            let failure = differs(&label, &bag, tmp.path());
            prop_assert!(failure.is_none(), "{}", failure.unwrap_or_default());
        }
    }
}

/// The case of the issue: a bag without payload files whose `data` is a
/// regular file was valid zipped (the archive's `data` entry was taken for
/// the payload directory) and invalid as a directory.
#[test]
fn a_regular_file_named_data_is_not_the_payload_directory() {
    let tmp = tempfile::tempdir().unwrap();
    fs::create_dir(tmp.path().join("src")).unwrap();
    let bag = make_bag(tmp.path(), &[]);
    fs::remove_dir_all(bag.join("data")).unwrap();
    fs::write(bag.join("data"), b"").unwrap();
    let zip = tmp.path().join("bag.zip");
    zip_bag(&bag, &zip);
    let want: Verdict = (
        1,
        [("error".to_owned(), "missing-payload-directory".to_owned())].into(),
    );
    assert_eq!(verdict(&bag), want);
    assert_eq!(verdict(&zip), want);
}

/// Found by `random_bags_get_the_same_verdict_zipped`: a bag that lost its
/// `bagit.txt` and holds a symbolic link was searched as an archive root
/// when a directory (its link reported as the only "bag") and verified as
/// one bag zipped. Both are now one bag with the same problems.
#[cfg(unix)]
#[test]
fn a_bag_without_its_declaration_is_still_one_bag() {
    let tmp = tempfile::tempdir().unwrap();
    let base = make_bag(tmp.path(), &base_files());
    let bag = tmp.path().join("undeclared");
    copy_tree(&base, &bag);
    fs::remove_file(bag.join("bagit.txt")).unwrap();
    fs::remove_file(bag.join("data/a.txt")).unwrap();
    std::os::unix::fs::symlink("nowhere", bag.join("data/dangling")).unwrap();
    assert_eq!(differs("undeclared", &bag, tmp.path()), None);
    let (code, kinds) = verdict(&bag);
    assert_eq!(code, 1);
    for kind in ["missing-bag-declaration", "special-file", "missing-file"] {
        assert!(
            kinds.contains(&("error".to_owned(), kind.to_owned())),
            "{kind} not in {kinds:?}"
        );
    }
}
