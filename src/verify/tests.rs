use std::collections::BTreeSet;
use std::path::Path;

use unicode_normalization::UnicodeNormalization;

use super::index::nfc_hash;
use super::manifests::for_each_line;
use super::zipped::verify_zip_limited;
use super::*;
use crate::checksum::{Algorithm, Digest, hash_bytes};
use crate::progress::NoProgress;
use crate::report::Problem;
use crate::source::part_key;
use crate::tagfile::{decode_tag_file, split_lines};
use proptest::prelude::*;

/// One file in memory, read whole (the default `open`).
struct Memory(Vec<u8>);

impl BagSource for Memory {
    fn read(&self, _: &FoundFile) -> std::io::Result<Vec<u8>> {
        Ok(self.0.clone())
    }

    fn hash(
        &self,
        _: &[HashJob],
        _: &dyn Reporter,
    ) -> Vec<std::io::Result<Vec<(Algorithm, Digest)>>> {
        Vec::new()
    }
}

/// The same file, streamed in pieces of 3 bytes.
struct Trickle(Vec<u8>);

impl BagSource for Trickle {
    fn read(&self, _: &FoundFile) -> std::io::Result<Vec<u8>> {
        Ok(self.0.clone())
    }

    fn open(&self, _: &FoundFile) -> std::io::Result<Box<dyn std::io::Read + '_>> {
        struct Slow<'a>(&'a [u8]);
        impl std::io::Read for Slow<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = buf.len().min(3).min(self.0.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        Ok(Box::new(Slow(&self.0)))
    }

    fn hash(
        &self,
        _: &[HashJob],
        _: &dyn Reporter,
    ) -> Vec<std::io::Result<Vec<(Algorithm, Digest)>>> {
        Vec::new()
    }
}

fn lines_of(source: &dyn BagSource, declared: &str) -> (Vec<(usize, String)>, Vec<Problem>) {
    let file = FoundFile { size: 0, id: 0 };
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    for_each_line(
        source,
        &file,
        declared,
        "m.txt",
        &mut problems,
        &mut |n, l| {
            lines.push((n, l.to_owned()));
        },
    )
    .unwrap();
    (lines, problems)
}

proptest! {
    /// Reading a manifest line by line gives exactly the lines and the
    /// decoding problems of decoding it whole.
    #[test]
    fn streamed_lines_match_whole_decoding(
        bytes in proptest::collection::vec(
            prop_oneof![
                Just(b'\r'), Just(b'\n'), Just(0xEF), Just(0xBB), Just(0xBF),
                Just(0xC3), Just(0xA9), Just(0xFF), Just(b'a'), Just(b' ')
            ],
            0..40,
        ),
        declared in prop_oneof![Just("UTF-8"), Just("nonsense")],
    ) {
        let (text, want_problems) = decode_tag_file(&bytes, declared, "m.txt");
        let want: Vec<(usize, String)> = split_lines(&text)
            .enumerate()
            .map(|(n, l)| (n + 1, l.to_owned()))
            .collect();
        for source in [&Memory(bytes.clone()) as &dyn BagSource, &Trickle(bytes.clone())] {
            let (got, problems) = lines_of(source, declared);
            prop_assert_eq!(&got, &want);
            prop_assert_eq!(&problems, &want_problems);
        }
    }
}

#[test]
fn other_encodings_are_decoded_whole() {
    let bytes = b"caf\xe9\r\nx".to_vec();
    let (lines, problems) = lines_of(&Memory(bytes), "ISO-8859-1");
    assert_eq!(lines, [(1, "café".to_owned()), (2, "x".to_owned())]);
    assert!(problems.is_empty(), "{problems:?}");
}

fn problem_codes(report: &Report) -> Vec<(String, Option<usize>, String)> {
    report
        .problems
        .iter()
        .map(|p| (p.kind.code().to_owned(), p.line, p.message()))
        .collect()
}

proptest::proptest! {
    #[test]
    fn ascii_hashes_equal_the_general_ones(s in "[ -~]{0,40}") {
        use std::hash::Hasher;
        let general = |chars: &mut dyn Iterator<Item = char>| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            for c in chars {
                h.write_u32(u32::from(c));
            }
            h.finish()
        };
        proptest::prop_assert_eq!(nfc_hash(&s), general(&mut s.nfc()));
        proptest::prop_assert_eq!(
            fold_hash(&s),
            general(&mut s.nfc().flat_map(char::to_lowercase))
        );
    }
}

/// Repeated manifest entries are found the same way whether the path is
/// a payload file (checksums held per file) or not (entries held as
/// parsed), and a conflicting repeat is still checked.
#[test]
fn repeated_entries_in_payload_manifests() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("data")).unwrap();
    fs::write(
        root.join("bagit.txt"),
        b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
    )
    .unwrap();
    fs::write(root.join("data/a"), b"a").unwrap();
    fs::write(root.join("data/b"), b"b").unwrap();
    let d = |bytes: &[u8]| hash_bytes(bytes, &[Algorithm::Sha256])[0].1.to_hex();
    let (a, b, z) = (d(b"a"), d(b"b"), d(b"z"));
    let manifest = format!(
        "{a}  data/a\n{a}  data/a\n{z}  data/a\n{z}  data/a\n{b}  data/b\r\n{a}  data/gone\r{a}  data/gone\n{a}  ./data/a\n"
    );
    fs::write(root.join("manifest-sha256.txt"), manifest).unwrap();
    let report = verify_dir(root, Level::Fixity, &NoProgress).unwrap();
    let codes = problem_codes(&report);
    let has =
        |code: &str, line: Option<usize>| codes.iter().any(|(c, l, _)| c == code && *l == line);
    // Lines 2 (same), 3 (conflicting), 4 (same as 3), 7 (gone twice)
    // and 8 (`./data/a` is `data/a`).
    for line in [2, 3, 4, 7, 8] {
        assert!(
            has("duplicate-manifest-entry", Some(line)),
            "{line}: {codes:?}"
        );
    }
    assert!(has("missing-file", Some(6)), "{codes:?}");
    assert!(has("non-canonical-path", Some(8)), "{codes:?}");
    // The conflicting checksum of line 3 is checked and fails.
    let mismatches: Vec<_> = codes
        .iter()
        .filter(|(c, _, _)| c == "checksum-mismatch")
        .collect();
    assert_eq!(mismatches.len(), 1, "{codes:?}");
    assert!(mismatches[0].2.contains(&z), "{codes:?}");
    assert!(!report.is_valid());
}

/// Everything a report says, in its final order.
fn summary(r: &Report) -> String {
    format!(
        "{:?} {:?} {} {} {} {:#?}",
        r.version, r.level, r.valid, r.payload_files, r.payload_bytes, r.problems
    )
}

/// Verifies `root` at every level in one pass and in parts of at most
/// 1, 2, 3 and 7 files, and checks the reports are the same.
fn assert_parts_agree(root: &Path) -> Report {
    let mut whole = None;
    for level in [Level::Fast, Level::Completeness, Level::Fixity] {
        let one = verify_dir(root, level, &NoProgress).unwrap();
        for threshold in [1, 2, 3, 7] {
            let parts = verify_dir_with_threshold(root, level, &NoProgress, threshold).unwrap();
            assert_eq!(
                summary(&parts),
                summary(&one),
                "threshold {threshold}, {level:?}"
            );
        }
        whole = Some(one);
    }
    whole.unwrap()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hash_bytes(bytes, &[Algorithm::Sha256])[0].1.to_hex()
}

/// The kinds of problem [`defective_bag`]'s defects give.
const DEFECTIVE_BAG_CODES: &[&str] = &[
    "checksum-mismatch",
    "missing-file",
    "unexpected-file",
    "duplicate-manifest-entry",
    "colliding-names",
    "oxum-mismatch",
    "not-fetched",
    "fetch-not-in-manifest",
    "tag-file-encoding",
    "malformed-manifest-line",
    "case-mismatch",
    "normalization-mismatch",
    "system-file",
    "unknown-algorithm",
    "wrong-manifest-scope",
];

/// Asserts that `report` has a problem of each kind of `codes`.
fn assert_codes(report: &Report, codes: &[&str]) {
    let found: BTreeSet<&str> = report.problems.iter().map(|p| p.kind.code()).collect();
    for code in codes {
        assert!(found.contains(code), "{code} missing from {found:?}");
    }
}

/// A bag with most of the defects verification knows of.
fn defective_bag(root: &Path) {
    let files: &[(&str, &[u8])] = &[
        ("data/a.txt", b"a"),
        ("data/A.txt", b"A"),
        ("data/Caf\u{e9}", b"nfc"),
        ("data/Cafe\u{301}", b"nfd"),
        ("data/dir/b", b"b"),
        ("data/dir/c", b"c"),
        ("data/dir/changed", b"new"),
        ("data/unlisted", b"u"),
        ("data/.DS_Store", b"x"),
        ("data/Upper", b"upper"),
        ("data/nf\u{e9}", b"nfd listed"),
        ("data/x%20y", b"percent"),
        ("metadata/extra.txt", b"tag"),
        ("Bagit.txt", b"colliding tag file"),
    ];
    for (name, bytes) in files {
        let p = root.join(name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, bytes).unwrap();
    }
    for i in 0..20 {
        fs::write(root.join(format!("data/dir/f{i:02}")), format!("{i}")).unwrap();
    }
    fs::write(
        root.join("bagit.txt"),
        b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
    )
    .unwrap();
    fs::write(
        root.join("bag-info.txt"),
        b"Payload-Oxum: 1.1\nBagging-Date: 2000-01-01\n",
    )
    .unwrap();
    let h = sha256_hex;
    let mut m = String::new();
    for (name, bytes) in files.iter().filter(|(n, _)| n.starts_with("data/")) {
        match *name {
            "data/unlisted" => {}
            "data/dir/changed" => m.push_str(&format!("{}  {name}\n", h(b"old"))),
            "data/Upper" => m.push_str(&format!("{}  data/UPPER\n", h(bytes))),
            "data/nf\u{e9}" => m.push_str(&format!("{}  data/nfe\u{301}\n", h(bytes))),
            "data/x%20y" => m.push_str(&format!("{}  data/x%2520y\n", h(bytes))),
            _ => m.push_str(&format!("{}  {name}\n", h(bytes))),
        }
    }
    for i in 0..20 {
        m.push_str(&format!(
            "{}  data/dir/f{i:02}\n",
            h(format!("{i}").as_bytes())
        ));
    }
    // Repeats (same and conflicting), missing files (one fetched), a
    // non-UTF-8 line, malformed lines, an unsafe path, a tag file.
    m.push_str(&format!("{}  data/a.txt\n", h(b"a")));
    m.push_str(&format!("{}  data/dir/b\n", h(b"zz")));
    m.push_str(&format!("{}  data/dir/b\n", h(b"zz")));
    m.push_str(&format!("{}  data/gone\n", h(b"gone")));
    m.push_str(&format!("{}  data/fetched\n", h(b"f")));
    m.push_str(&format!("{}  ./data/dir/c\n", h(b"c")));
    m.push_str("nothex  data/odd\n");
    m.push_str("abc\n");
    m.push_str(&format!("{}  ../escape\n", h(b"e")));
    m.push_str(&format!("{}  bagit.txt\n", h(b"e")));
    let mut bytes = m.into_bytes();
    bytes.extend_from_slice(b"\xff\xfe  data/\xe9\n");
    fs::write(root.join("manifest-sha256.txt"), bytes).unwrap();
    // A second manifest listing fewer files, with a BOM.
    let mut m5 = String::from("\u{feff}");
    for (name, bytes) in files.iter().filter(|(n, _)| n.starts_with("data/dir")) {
        m5.push_str(&format!(
            "{}  {name}\n",
            crate::checksum::hash_bytes(bytes, &[Algorithm::Sha512])[0]
                .1
                .to_hex()
        ));
    }
    fs::write(root.join("manifest-sha512.txt"), m5).unwrap();
    fs::write(root.join("manifest-foo.txt"), "abcd  data/a.txt\n").unwrap();
    fs::write(
        root.join("fetch.txt"),
        "http://example.org/f 1 data/fetched\nhttp://example.org/g - data/not-listed\nnot a fetch line\n",
    )
    .unwrap();
    let tm = format!(
        "{}  bagit.txt\n{}  metadata/extra.txt\n{}  data/a.txt\n{}  gone-tag.txt\n",
        h(b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"),
        h(b"wrong"),
        h(b"a"),
        h(b"x"),
    );
    fs::write(root.join("tagmanifest-sha256.txt"), tm).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("a.txt", root.join("data/link")).unwrap();
}

#[test]
fn names_equal_after_folding_share_a_part_key() {
    for (a, b) in [
        ("data/Caf\u{e9}", "data/cafe\u{301}"),
        ("data/README", "data/readme"),
        ("data/\u{212a}", "data/k"),
        ("DATA/\u{c9}T\u{c9}", "data/e\u{301}te\u{301}"),
    ] {
        assert_eq!(part_key(a, 0), part_key(b, 0), "{a} {b}");
        assert_eq!(part_key(a, 7), part_key(b, 7), "{a} {b}");
        assert_eq!(fold_hash(a), fold_hash(b), "{a} {b}");
    }
    assert_ne!(part_key("data/a", 0), part_key("data/b", 0));
    // The ASCII shortcut gives what the general path gives.
    let slow = |s: &str| {
        use std::hash::Hasher;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for c in s.nfc().flat_map(char::to_lowercase) {
            h.write_u32(u32::from(c));
        }
        h.finish()
    };
    assert_eq!(
        fold_hash("data/Mixed-Case_1.TXT"),
        slow("data/Mixed-Case_1.TXT")
    );
}

#[test]
fn parts_report_what_one_pass_reports() {
    let dir = tempfile::tempdir().unwrap();
    defective_bag(dir.path());
    let report = assert_parts_agree(dir.path());
    assert_codes(&report, DEFECTIVE_BAG_CODES);
}

/// Zips the directory `root` byte for byte under `bag/` (directory
/// entries included, links as link entries) with the zip crate,
/// deflating every other file, then applies `patch` to the bytes.
fn zip_tree(root: &Path, out: &Path, patch: &dyn Fn(&mut Vec<u8>)) {
    use std::io::Write;
    use zip::write::SimpleFileOptions;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let deflated =
        SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    w.add_directory("bag/", stored).unwrap();
    let mut paths: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .min_depth(1)
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .collect();
    paths.sort();
    for (i, p) in paths.iter().enumerate() {
        let rel = p.strip_prefix(root).unwrap().to_str().unwrap();
        let md = fs::symlink_metadata(p).unwrap();
        if md.is_symlink() {
            let target = fs::read_link(p).unwrap();
            w.add_symlink(format!("bag/{rel}"), target.to_str().unwrap(), stored)
                .unwrap();
        } else if md.is_dir() {
            w.add_directory(format!("bag/{rel}/"), stored).unwrap();
        } else {
            // Files to patch are stored, so their bytes can be found.
            let options = if i % 2 == 0 && !rel.contains("crc") {
                deflated
            } else {
                stored
            };
            w.start_file(format!("bag/{rel}"), options).unwrap();
            w.write_all(&fs::read(p).unwrap()).unwrap();
        }
    }
    let mut bytes = w.finish().unwrap().into_inner();
    patch(&mut bytes);
    fs::write(out, bytes).unwrap();
}

/// Replaces every occurrence of `from` in `bytes` by `to` (as long).
fn replace_all(bytes: &mut [u8], from: &[u8], to: &[u8]) {
    assert_eq!(from.len(), to.len());
    let mut i = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
            i += from.len();
        } else {
            i += 1;
        }
    }
}

/// Verifies the archive `zip` at every level in one pass and in parts
/// of at most 1, 2, 3 and 7 entries, and checks the reports (or the
/// errors) are the same.
fn assert_zip_parts_agree(zip: &Path) -> Option<Report> {
    let mut whole = None;
    for level in [Level::Fast, Level::Completeness, Level::Fixity] {
        let one = verify_zip(zip, level, &NoProgress);
        for threshold in [1, 2, 3, 7] {
            let parts = verify_zip_with_threshold(zip, level, &NoProgress, threshold);
            match (&parts, &one) {
                (Ok(parts), Ok(one)) => assert_eq!(
                    summary(parts),
                    summary(one),
                    "threshold {threshold}, {level:?}"
                ),
                (parts, one) => assert_eq!(
                    format!("{:?}", parts.as_ref().err()),
                    format!("{:?}", one.as_ref().err()),
                    "threshold {threshold}, {level:?}"
                ),
            }
        }
        whole = one.ok();
    }
    whole
}

#[test]
fn zip_parts_report_what_one_pass_reports() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("bag");
    fs::create_dir(&root).unwrap();
    defective_bag(&root);
    // ZIP-only defects besides the bag's: a name twice, a bad CRC (and
    // so a checksum mismatch), a name that is not safe, an entry
    // outside the top-level directory, a second top-level directory, a
    // link entry.
    fs::write(root.join("data/dupA"), b"one").unwrap();
    fs::write(root.join("data/dupB"), b"two").unwrap();
    fs::write(root.join("data/crc"), b"hello").unwrap();
    let mut m = fs::read(root.join("manifest-sha256.txt")).unwrap();
    m.extend_from_slice(format!("{}  data/crc\n", sha256_hex(b"hello")).as_bytes());
    fs::write(root.join("manifest-sha256.txt"), m).unwrap();
    fs::write(root.join("data/x:y"), b"colon").unwrap();
    fs::write(root.join("loose"), b"l").unwrap();
    fs::create_dir(root.join("zecond")).unwrap();
    fs::write(root.join("zecond/f"), b"f").unwrap();
    let zip = dir.path().join("defects.zip");
    zip_tree(&root, &zip, &|bytes| {
        replace_all(bytes, b"data/dupB", b"data/dupA");
        replace_all(bytes, b"hello", b"jello");
        replace_all(bytes, b"bag/loose", b"bag_loose");
        replace_all(bytes, b"bag/zecond", b"zag/zecond");
    });
    let report = assert_zip_parts_agree(&zip).unwrap();
    assert_codes(&report, DEFECTIVE_BAG_CODES);
    assert_codes(
        &report,
        &[
            "archive-layout",
            "bad-crc",
            "unsafe-entry-name",
            "special-file",
        ],
    );
    let layout: Vec<String> = report
        .problems
        .iter()
        .filter(|p| p.kind.code() == "archive-layout")
        .map(Problem::message)
        .collect();
    assert!(layout.iter().any(|m| m.contains("same name")), "{layout:?}");
    assert!(
        layout.iter().any(|m| m.contains("appears twice")),
        "{layout:?}"
    );
    assert!(
        layout.iter().any(|m| m.contains("top-level directories")),
        "{layout:?}"
    );

    // A valid bag, and the same with every entry overlapping the next.
    let valid = dir.path().join("valid");
    fs::create_dir_all(valid.join("data/d")).unwrap();
    let mut m = String::new();
    for i in 0..12 {
        let bytes = format!("file {i}");
        fs::write(valid.join(format!("data/d/f{i}")), &bytes).unwrap();
        m.push_str(&format!("{}  data/d/f{i}\n", sha256_hex(bytes.as_bytes())));
    }
    fs::write(
        valid.join("bagit.txt"),
        b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
    )
    .unwrap();
    fs::write(valid.join("manifest-sha256.txt"), m).unwrap();
    let zip = dir.path().join("valid.zip");
    zip_tree(&valid, &zip, &|_| {});
    let report = assert_zip_parts_agree(&zip).unwrap();
    assert!(report.is_valid(), "{:?}", report.problems);
    assert_eq!(report.payload_files, 12);
    // Every local header offset of the central directory made 0: a
    // quoted-overlap bomb's shape.
    zip_tree(&valid, &zip, &|bytes| {
        let mut at = 0;
        while let Some(i) = bytes[at..]
            .windows(4)
            .position(|w| w == [0x50, 0x4b, 0x01, 0x02])
        {
            let rec = at + i;
            bytes[rec + 42..rec + 46].copy_from_slice(&[0; 4]);
            at = rec + 4;
        }
    });
    let report = assert_zip_parts_agree(&zip).unwrap();
    assert_eq!(report.level, Level::Completeness);
    // Not a ZIP at all, and a truncated one: the same error.
    fs::write(&zip, b"PK\x03\x04 nothing").unwrap();
    assert!(assert_zip_parts_agree(&zip).is_none());
}

/// Past the limit on problems an archive is refused, in one pass and
/// in parts, however its problems come (listing, manifest lines,
/// unexpected files); under it, the report is whole.
#[test]
fn archives_with_too_many_problems_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("bag");
    fs::create_dir(&root).unwrap();
    defective_bag(&root);
    let zip = dir.path().join("defects.zip");
    zip_tree(&root, &zip, &|_| {});
    let file = || crate::serialize::SharedFile::open(&zip).unwrap();
    for level in [Level::Fast, Level::Completeness, Level::Fixity] {
        let all = verify_zip(&zip, level, &NoProgress).unwrap().problems.len();
        for threshold in [1, 3, 1000] {
            let limited =
                |max| verify_zip_limited(file(), &zip, level, &NoProgress, threshold, max);
            let err = limited(3).unwrap_err();
            assert!(
                matches!(err, Error::LimitExceeded { limit: 3, .. }),
                "{err}"
            );
            // Far enough above the count that duplicates found in
            // several parts (deduplicated in the report) do not count.
            let report = limited(all + 10).unwrap();
            assert_eq!(report.problems.len(), all, "{level:?} {threshold}");
        }
    }
}

#[test]
fn many_top_level_directories_are_counted_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("tops.zip");
    let mut w = zip::ZipWriter::new(fs::File::create(&zip).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    for i in 0..1_100 {
        w.start_file(format!("t{i:04}/f"), opts).unwrap();
    }
    w.start_file("zz/bagit.txt", opts).unwrap();
    w.finish().unwrap();
    let report = verify_zip(&zip, Level::Fast, &NoProgress).unwrap();
    let layout: Vec<String> = report
        .problems
        .iter()
        .filter(|p| p.kind.code() == "archive-layout")
        .map(Problem::message)
        .collect();
    assert!(
        layout.iter().any(|m| m.contains(
            "at least 1001 top-level directories (`t0000`, `t0001`, `t0002`, `t0003`, `t0004` and more)"
        )),
        "{layout:?}"
    );
    // The one holding a bagit.txt is the one verified.
    assert!(
        report
            .problems
            .iter()
            .all(|p| p.kind.code() != "missing-bag-declaration"),
        "{:?}",
        report.problems
    );
    for threshold in [1, 7, 500] {
        let parts = verify_zip_with_threshold(&zip, Level::Fast, &NoProgress, threshold).unwrap();
        assert_eq!(summary(&parts), summary(&report), "threshold {threshold}");
    }
}

#[test]
fn parts_agree_on_bags_without_manifests_or_declaration() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..9 {
        fs::create_dir_all(dir.path().join("data")).unwrap();
        fs::write(dir.path().join(format!("data/{i}")), b"x").unwrap();
    }
    assert_parts_agree(dir.path());
    fs::write(dir.path().join("bagit.txt"), b"BagIt-Version: 0.97\n").unwrap();
    fs::write(dir.path().join("manifest-md5.txt"), b"\xff\n").unwrap();
    assert_parts_agree(dir.path());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Random small bags with random manifests: every partitioning
    /// reports what one pass reports.
    #[test]
    fn parts_agree_with_one_pass(
        files in proptest::collection::btree_map(
            prop_oneof![
                Just("a".to_owned()), Just("A".to_owned()), Just("b".to_owned()),
                Just("d/c".to_owned()), Just("d/C".to_owned()), Just("\u{e9}".to_owned()),
                Just("e\u{301}".to_owned()), Just("x y".to_owned()), Just("._z".to_owned()),
                "[a-f]{1,3}",
            ],
            proptest::collection::vec(any::<u8>(), 0..4),
            0..12,
        ),
        lines in proptest::collection::vec(
            (prop_oneof![
                Just("a".to_owned()), Just("A".to_owned()), Just("B".to_owned()),
                Just("d/c".to_owned()), Just("E\u{301}".to_owned()), Just("\u{e9}".to_owned()),
                Just("gone".to_owned()), "[a-f]{1,3}",
            ], any::<bool>(), 0u8..3),
            0..16,
        ),
        oxum in prop_oneof![Just(None), Just(Some("1.1".to_owned())), Just(Some("x".to_owned()))],
        fetch in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("data")).unwrap();
        for (name, bytes) in &files {
            let p = root.join("data").join(name);
            // A name clashing with a file or directory already made
            // is skipped.
            let _ = fs::create_dir_all(p.parent().unwrap());
            let _ = fs::write(p, bytes);
        }
        fs::write(root.join("bagit.txt"), b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n").unwrap();
        let mut m = String::new();
        // Every file listed correctly, then the random lines.
        for (name, bytes) in &files {
            m.push_str(&format!("{}  data/{name}\n", sha256_hex(bytes)));
        }
        for (name, right, extra) in &lines {
            let bytes = files.get(name).cloned().unwrap_or_default();
            let digest = if *right { sha256_hex(&bytes) } else { sha256_hex(b"?") };
            for _ in 0..=*extra {
                m.push_str(&format!("{digest}  data/{name}\n"));
            }
        }
        fs::write(root.join("manifest-sha256.txt"), m).unwrap();
        if let Some(o) = oxum {
            fs::write(root.join("bag-info.txt"), format!("Payload-Oxum: {o}\n")).unwrap();
        }
        if fetch {
            fs::write(root.join("fetch.txt"), "http://x/ 1 data/gone\nhttp://x/ 1 data/a\n").unwrap();
        }
        assert_parts_agree(root);
        // The same bag zipped: in parts, the single pass's report.
        let zipped = tempfile::tempdir().unwrap();
        let zip = zipped.path().join("b.zip");
        zip_tree(root, &zip, &|_| {});
        assert_zip_parts_agree(&zip);
    }
}
