//! Shared helpers: a hermetic `newsbag` command and fixture locations.

use std::fs;
use std::path::{Path, PathBuf};

/// The `newsbag` binary with every environment variable that could change
/// its behaviour removed.
pub(crate) fn newsbag() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_newsbag"));
    for var in ["NEWSBAG_LOG", "RUST_LOG", "NO_COLOR"] {
        cmd.env_remove(var);
    }
    cmd
}

/// The standard output of `cmd` (a peer tool, not newsbag), which must
/// succeed; its standard error is the failure's message.
pub(crate) fn stdout_of(cmd: &mut std::process::Command) -> Vec<u8> {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Whether missing peers and suites fail the tests instead of skipping
/// them: `NEWSBAG_REQUIRE_PEERS=1`, as `.ci/run` sets it.
pub(crate) fn peers_required() -> bool {
    std::env::var("NEWSBAG_REQUIRE_PEERS").as_deref() == Ok("1")
}

/// Says that the running test is skipped, and why, where `cargo test`
/// shows it: straight to the standard error, which the test harness does
/// not capture (it captures only `print!` and `eprint!`), so the skip is
/// visible without `--nocapture`. The test's name is its thread's name,
/// which the harness sets.
pub(crate) fn say_skipped(why: &str) {
    use std::io::Write;
    let test = std::thread::current().name().unwrap_or("a test").to_owned();
    // One write, so that the harness's own lines cannot come in between.
    let line = format!("\nskipping {test}: {why}\n");
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// A peer (a program, a corpus) the running test needs is missing: a
/// failure when [`peers_required`], else a skip said with
/// [`say_skipped`]. `what` names it, `how` says how to provide it.
pub(crate) fn missing_peer(what: &str, how: &str) {
    assert!(
        !peers_required(),
        "{what} is missing and NEWSBAG_REQUIRE_PEERS=1 ({how})"
    );
    say_skipped(&format!("{what} is missing ({how})"));
}

/// Where the conformance suite is looked for when
/// `NEWSBAG_CONFORMANCE_SUITE` is not set: beside the repository.
const SUITE_BESIDE: &str = "../shared/bagit-conformance-suite";

/// The Library of Congress BagIt conformance suite
/// (<https://github.com/LibraryOfCongress/bagit-conformance-suite>):
/// `NEWSBAG_CONFORMANCE_SUITE`, else `../shared/bagit-conformance-suite`
/// beside the repository.
///
/// A clone of newsbag alone has no suite: the tests that need it are then
/// skipped, each saying so, and pass; with `NEWSBAG_REQUIRE_PEERS=1` (CI)
/// a missing suite fails them. A `NEWSBAG_CONFORMANCE_SUITE` that names no
/// suite always fails: it was set on purpose.
pub(crate) fn suite_dir() -> Option<PathBuf> {
    let (dir, set) = match std::env::var_os("NEWSBAG_CONFORMANCE_SUITE") {
        Some(dir) => (PathBuf::from(dir), true),
        None => (
            Path::new(env!("CARGO_MANIFEST_DIR")).join(SUITE_BESIDE),
            false,
        ),
    };
    if dir.join("v1.0").is_dir() {
        return Some(dir);
    }
    assert!(
        !set,
        "NEWSBAG_CONFORMANCE_SUITE is `{}`, which holds no BagIt conformance suite (no v1.0 \
         directory)",
        dir.display()
    );
    missing_peer(
        "the BagIt conformance suite",
        &format!(
            "not at {}; set NEWSBAG_CONFORMANCE_SUITE to a copy of \
             https://github.com/LibraryOfCongress/bagit-conformance-suite to run this test",
            dir.display()
        ),
    );
    None
}

/// Writes files (creating parent directories) under `root`.
pub(crate) fn write_tree(root: &Path, files: &[(&str, &[u8])]) {
    for (name, bytes) in files {
        let p = root.join(name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, bytes).unwrap();
    }
}

/// Makes a bag of `files` with `newsbag bag --to` and returns its path.
pub(crate) fn make_bag(tmp: &Path, files: &[(&str, &[u8])]) -> PathBuf {
    let src = tmp.join("src");
    write_tree(&src, files);
    let bag = tmp.join("bag");
    newsbag()
        .args(["bag", "--date", "2000-01-01", "--to"])
        .arg(&bag)
        .arg(&src)
        .assert()
        .success();
    bag
}

/// The JSON report of `newsbag verify --json PATH`, and the exit code.
pub(crate) fn verify_json(path: &Path) -> (serde_json::Value, i32) {
    let out = newsbag()
        .args(["verify", "--json"])
        .arg(path)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "bad JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (json, out.status.code().unwrap_or(-1))
}

/// The problem codes (kind values) of the first report, with severities.
pub(crate) fn problem_codes(json: &serde_json::Value) -> Vec<(String, String)> {
    json["reports"][0]["problems"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| {
                    (
                        p["severity"].as_str().unwrap_or_default().to_owned(),
                        p["kind"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Verifies the archive `zip` through the library at every level in one
/// pass and in parts of at most each of `thresholds` entries (the way an
/// archive of more entries than the threshold is verified), and checks the
/// reports, or the errors, are the same.
pub(crate) fn assert_zip_parts_agree(zip: &Path, thresholds: &[usize]) {
    use newsbag::progress::NoProgress;
    use newsbag::report::{Level, Report};
    use newsbag::verify::{verify_zip, verify_zip_with_threshold};
    let summary = |r: &newsbag::Result<Report>| match r {
        Ok(r) => format!(
            "{:?} {:?} {} {} {} {:#?}",
            r.version, r.level, r.valid, r.payload_files, r.payload_bytes, r.problems
        ),
        Err(e) => format!("error: {e}"),
    };
    for level in [Level::Fast, Level::Completeness, Level::Fixity] {
        let one = summary(&verify_zip(zip, level, &NoProgress));
        for &threshold in thresholds {
            let parts = summary(&verify_zip_with_threshold(
                zip,
                level,
                &NoProgress,
                threshold,
            ));
            assert_eq!(
                parts,
                one,
                "{} at {level:?}, threshold {threshold}",
                zip.display()
            );
        }
    }
}

/// Random payload trees for property tests: 1 to 7 files (random or
/// repetitive bytes, up to 5,000) at paths of up to three components, no
/// file also a directory.
pub(crate) fn payload_trees() -> impl proptest::strategy::Strategy<Value = Vec<(String, Vec<u8>)>> {
    use proptest::prelude::*;
    proptest::collection::btree_map(
        "[a-z]{1,8}(/[a-z0-9]{1,6}){0,2}(\\.txt|\\.bin)?",
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..3000),
            (any::<u8>(), 0usize..5000).prop_map(|(b, n)| vec![b; n]),
        ],
        1..8,
    )
    .prop_map(|m| m.into_iter().collect())
    .prop_filter(
        "a file cannot also be a directory",
        |v: &Vec<(String, Vec<u8>)>| {
            v.iter()
                .all(|(a, _)| v.iter().all(|(b, _)| !b.starts_with(&format!("{a}/"))))
        },
    )
}
