//! The Library of Congress BagIt conformance suite, case by case: valid and
//! warning bags verify (exit 0; warning bags print the expected warning),
//! invalid, linux-only and windows-only bags are rejected (exit 1) naming
//! the defect the case is about.
//!
//! The suite is not part of this repository: without it (and without
//! `NEWSBAG_REQUIRE_PEERS=1`) each test here says it skipped and passes;
//! see `util::suite_dir`.

use crate::util::{newsbag, problem_codes, suite_dir, verify_json};

/// The problem each non-valid case is about: (case, severity, kind).
const EXPECTED: &[(&str, &str, &str)] = &[
    (
        "v0.97/invalid/baginfo-missing-encoding",
        "error",
        "malformed-bag-declaration",
    ),
    (
        "v0.97/invalid/bom-in-bagit.txt",
        "error",
        "bom-in-bag-declaration",
    ),
    (
        "v0.97/invalid/corrupt-data-file",
        "error",
        "checksum-mismatch",
    ),
    (
        "v0.97/invalid/corrupt-tag-file",
        "error",
        "checksum-mismatch",
    ),
    (
        "v0.97/invalid/extra-file-in-bag",
        "error",
        "unexpected-file",
    ),
    (
        "v0.97/invalid/invalid-version-number",
        "error",
        "unsupported-version",
    ),
    ("v0.97/invalid/missing-baginfo", "error", "missing-file"),
    (
        "v0.97/invalid/missing-bagit.txt",
        "error",
        "missing-bag-declaration",
    ),
    (
        "v0.97/invalid/out-of-scope-file-paths-using-dot-notation",
        "error",
        "path-outside-bag",
    ),
    (
        "v0.97/invalid/out-of-scope-file-paths-using-dot-notation-for-fetch",
        "error",
        "path-outside-bag",
    ),
    (
        "v0.97/invalid/same-filename-listed-twice-with-different-hashes",
        "error",
        "duplicate-manifest-entry",
    ),
    (
        "v0.97/linux-only/out-of-scope-file-paths-using-absolute-path",
        "error",
        "path-outside-bag",
    ),
    (
        "v0.97/linux-only/out-of-scope-file-paths-using-absolute-path-for-fetch",
        "error",
        "path-outside-bag",
    ),
    (
        "v0.97/linux-only/out-of-scope-file-paths-using-shortcut",
        "error",
        "path-outside-bag",
    ),
    (
        "v0.97/linux-only/out-of-scope-file-paths-using-shortcut-for-fetch",
        "error",
        "path-outside-bag",
    ),
    (
        "v0.97/linux-only/out-of-scope-file-paths-using-shortcut-username",
        "error",
        "path-outside-bag",
    ),
    (
        "v0.97/linux-only/out-of-scope-file-paths-using-shortcut-username-for-fetch",
        "error",
        "path-outside-bag",
    ),
    (
        "v0.97/windows-only/out-of-scope-file-paths-using-absolute-path",
        "error",
        "path-outside-bag",
    ),
    (
        "v0.97/windows-only/out-of-scope-file-paths-using-absolute-path-for-fetch",
        "error",
        "path-outside-bag",
    ),
    (
        "v0.97/windows-only/out-of-scope-file-paths-using-shortcut",
        "error",
        "path-outside-bag",
    ),
    (
        "v0.97/windows-only/out-of-scope-file-paths-using-shortcut-for-fetch",
        "error",
        "path-outside-bag",
    ),
    (
        "v0.97/windows-only/out-of-scope-file-paths-using-unc",
        "error",
        "path-outside-bag",
    ),
    (
        "v0.97/windows-only/out-of-scope-file-paths-using-unc-for-fetch",
        "error",
        "path-outside-bag",
    ),
    (
        "v0.97/warning/duplicate-file-with-different-case",
        "warning",
        "case-mismatch",
    ),
    (
        "v0.97/warning/made-with-md5sum-tools",
        "warning",
        "non-canonical-path",
    ),
    (
        "v0.97/warning/relative-path",
        "warning",
        "non-canonical-path",
    ),
    (
        "v0.97/warning/same-filename-listed-twice-with-different-normalization",
        "warning",
        "normalization-mismatch",
    ),
    (
        "v0.97/warning/same-filename-listed-twice-with-the-same-hash",
        "warning",
        "duplicate-manifest-entry",
    ),
    (
        "v0.97/warning/special-system-files",
        "warning",
        "system-file",
    ),
    (
        "v1.0/invalid/bagit-with-invalid-whitespace",
        "error",
        "malformed-bag-declaration",
    ),
    (
        "v1.0/invalid/notAllManifestsListAllFiles",
        "error",
        "unexpected-file",
    ),
    (
        "v1.0/invalid/same-filename-listed-twice-with-different-hashes",
        "error",
        "duplicate-manifest-entry",
    ),
    (
        "v1.0/invalid/same-filename-listed-twice-with-the-same-hash",
        "error",
        "duplicate-manifest-entry",
    ),
];

/// Every case directory of the suite: (relative path, category).
fn cases(root: &std::path::Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for version in std::fs::read_dir(root).unwrap() {
        let version = version.unwrap().path();
        if !version.is_dir()
            || !version
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with('v')
        {
            continue;
        }
        for category in std::fs::read_dir(&version).unwrap() {
            let category = category.unwrap().path();
            if !category.is_dir() {
                continue;
            }
            for case in std::fs::read_dir(&category).unwrap() {
                let case = case.unwrap().path();
                if case.is_dir() {
                    out.push((
                        case.strip_prefix(root)
                            .unwrap()
                            .to_string_lossy()
                            .into_owned(),
                        category.file_name().unwrap().to_string_lossy().into_owned(),
                    ));
                }
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_case_gets_its_verdict_and_names_its_defect() {
    let Some(root) = suite_dir() else { return };
    let cases = cases(&root);
    assert!(cases.len() >= 54, "only {} cases found", cases.len());
    let mut failures = Vec::new();
    let mut agreed = 0;
    for (case, category) in &cases {
        let (json, code) = verify_json(&root.join(case));
        let want_code = match category.as_str() {
            "valid" | "warning" => 0,
            _ => 1,
        };
        let codes = problem_codes(&json);
        let mut ok = code == want_code;
        match EXPECTED.iter().find(|(c, _, _)| c == case) {
            Some((_, sev, kind)) => {
                ok &= codes.iter().any(|(s, k)| s == sev && k == kind);
            }
            None => {
                // Valid cases: no error. (Warnings are allowed.)
                ok &= category == "valid" && !codes.iter().any(|(s, _)| s == "error");
            }
        }
        if ok {
            agreed += 1;
        } else {
            failures.push(format!("{case}: exit {code}, problems {codes:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases disagree:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    eprintln!("conformance: {agreed} of {} cases agree", cases.len());
}

#[test]
fn every_expected_case_exists() {
    let Some(root) = suite_dir() else { return };
    for (case, _, _) in EXPECTED {
        assert!(root.join(case).is_dir(), "{case} missing from the suite");
    }
}

#[test]
fn warning_cases_print_a_warning_in_text_mode() {
    let Some(root) = suite_dir() else { return };
    for (case, sev, kind) in EXPECTED.iter().filter(|(_, s, _)| *s == "warning") {
        newsbag()
            .arg("verify")
            .arg(root.join(case))
            .assert()
            .success()
            .stdout(predicates::str::contains(format!("{sev}[{kind}]")));
    }
}

#[test]
fn whole_suite_in_one_run_reports_each_bag() {
    // An archive-root style run over one version directory.
    let Some(root) = suite_dir() else { return };
    let root = root.join("v1.0");
    let out = newsbag().arg("verify").arg(&root).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("valid ") && stdout.contains("invalid "),
        "{stdout}"
    );
    assert!(stdout.contains("5 bags: 1 valid, 4 invalid"), "{stdout}");
}

/// Every case verified in parts of one and two files (the way a bag of
/// more files than the threshold is verified) gives the report of a single
/// pass, at every level.
#[test]
fn every_case_verified_in_parts_reports_the_same() {
    use newsbag::progress::NoProgress;
    use newsbag::report::Level;
    use newsbag::verify::{verify_dir, verify_dir_with_threshold};
    let Some(root) = suite_dir() else { return };
    for (case, _) in cases(&root) {
        let dir = root.join(&case);
        for level in [Level::Fast, Level::Completeness, Level::Fixity] {
            let one = verify_dir(&dir, level, &NoProgress).unwrap();
            for threshold in [1, 2] {
                let parts = verify_dir_with_threshold(&dir, level, &NoProgress, threshold).unwrap();
                assert_eq!(
                    format!("{:?} {} {:?}", parts.version, parts.valid, parts.problems),
                    format!("{:?} {} {:?}", one.version, one.valid, one.problems),
                    "{case} at {level:?}, threshold {threshold}"
                );
                assert_eq!(
                    (parts.payload_files, parts.payload_bytes),
                    (one.payload_files, one.payload_bytes)
                );
            }
        }
    }
}
