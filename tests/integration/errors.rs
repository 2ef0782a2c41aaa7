//! Error messages name each cause once: every command that takes paths,
//! given a missing input, an unreadable file and a directory where a file
//! is expected (or a file where a directory is), fails with exit 2 and a
//! message in which no `: `-separated segment repeats.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

use crate::util::{make_bag, newsbag, say_skipped};

/// Runs `newsbag ARGS`, expects exit 2, and checks each line of its output
/// for a repeated segment. Returns stderr.
fn fails_saying_each_cause_once(args: &[OsString]) -> String {
    let out = newsbag()
        .args(args)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(2),
        "newsbag {args:?}\nstdout: {stdout}\nstderr: {stderr}"
    );
    assert!(
        stderr.starts_with("newsbag: ") || stdout.contains("error["),
        "newsbag {args:?}: no error message\nstdout: {stdout}\nstderr: {stderr}"
    );
    for line in stderr.lines().chain(stdout.lines()) {
        let segments: Vec<&str> = line.split(": ").map(str::trim).collect();
        for (i, s) in segments.iter().enumerate() {
            assert!(
                s.is_empty() || !segments[..i].contains(s),
                "newsbag {args:?} repeats `{s}` in: {line}"
            );
        }
    }
    stderr
}

fn os(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Vec<OsString> {
    args.iter().map(|a| a.as_ref().to_owned()).collect()
}

/// The invocations of every command that takes paths, with `input` where
/// the command reads a file (or a bag, or a ZIP), and `tmp` for outputs.
fn every_command_reading(input: &Path, tmp: &Path) -> Vec<Vec<OsString>> {
    let archive = tmp.join("archive");
    let meta_for = tmp.join("item.txt");
    fs::write(&meta_for, "Title\n\nBody.\n").unwrap();
    vec![
        os(&[&"ingest", &"--archive", &archive, &input]),
        os(&[
            &"ingest",
            &"--archive",
            &archive,
            &"--meta",
            &input,
            &meta_for,
        ]),
        os(&[&"detect", &input]),
        os(&[&"normalize", &input]),
        os(&[&"verify", &input]),
        os(&[&"extract", &input, &"--to", &tmp.join("out")]),
    ]
}

#[test]
fn a_missing_input_is_named_once() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nonexistent");
    let mut runs = every_command_reading(&missing, tmp.path());
    runs.push(os(&[&"bag", &"--to", &tmp.path().join("bag"), &missing]));
    runs.push(os(&[
        &"bag",
        &"--zip",
        &"--to",
        &tmp.path().join("b.zip"),
        &missing,
    ]));
    for args in runs {
        let stderr = fails_saying_each_cause_once(&args);
        assert!(stderr.contains("nonexistent"), "{args:?}: {stderr}");
    }
    // The report from the issue, word for word but for the repetition.
    let stderr = fails_saying_each_cause_once(&os(&[&"ingest", &"/nonexistent"]));
    assert_eq!(
        stderr.matches("os error 2").count(),
        1,
        "newsbag ingest /nonexistent: {stderr}"
    );
}

#[test]
fn a_directory_where_a_file_is_expected_and_the_reverse() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a-directory");
    fs::create_dir(&dir).unwrap();
    // `verify DIR` reports an invalid bag (exit 1), not an error;
    // `ingest DIR` reads the news items under DIR: an empty one has none.
    let mut runs: Vec<Vec<OsString>> = every_command_reading(&dir, tmp.path())
        .into_iter()
        .filter(|args| args[0] != "verify")
        .collect();
    let file = tmp.path().join("a-file.txt");
    fs::write(&file, b"news").unwrap();
    runs.push(os(&[&"bag", &"--to", &tmp.path().join("bag"), &file]));
    runs.push(os(&[&"verify", &file]));
    // An archive root that is a file.
    runs.push(os(&[
        &"ingest",
        &"--archive",
        &file,
        &tmp.path().join("item.txt"),
    ]));
    for args in runs {
        fails_saying_each_cause_once(&args);
    }
}

/// A file that cannot be read: one without read permission, or, when the
/// tests run with the privilege to read it anyway (as root), Linux's
/// `/proc/self/mem`, whose first page reading fails with an I/O error.
/// `None` (and a message) when neither is available.
fn unreadable_file(tmp: &Path) -> Option<PathBuf> {
    let locked = tmp.join("locked.txt");
    fs::write(&locked, b"secret news").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
        if fs::read(&locked).is_err() {
            return Some(locked);
        }
    }
    let mem = PathBuf::from("/proc/self/mem");
    if mem.exists() {
        return Some(mem);
    }
    say_skipped(
        "the tests can read a file without read permission (running as root?) and there is no \
         /proc/self/mem to stand for an unreadable file",
    );
    None
}

#[test]
fn an_unreadable_file_is_named_once() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(unreadable) = unreadable_file(tmp.path()) else {
        return;
    };
    for args in every_command_reading(&unreadable, tmp.path()) {
        fails_saying_each_cause_once(&args);
    }
}

/// `bag` and `verify` of a directory holding an unreadable file: only
/// possible through permissions, so skipped with a message when the tests
/// can read anything.
#[cfg(unix)]
#[test]
fn an_unreadable_file_in_a_bag_is_named_once() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let bag = make_bag(tmp.path(), &[("a.txt", b"news"), ("b.txt", b"more")]);
    let locked = bag.join("data/a.txt");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&locked).is_ok() {
        say_skipped(
            "the tests can read a file without read permission (running as root?), and only a \
             permission makes a file in a bag unreadable",
        );
        return;
    }
    fails_saying_each_cause_once(&os(&[&"verify", &bag]));
    let src = tmp.path().join("src");
    fs::set_permissions(src.join("a.txt"), fs::Permissions::from_mode(0o000)).unwrap();
    fails_saying_each_cause_once(&os(&[&"bag", &"--to", &tmp.path().join("again"), &src]));
}
