//! Symbolic links in bags and archive roots: each is an error naming the
//! link, and none is ever followed (issue 11, item 4).
#![cfg(unix)]

use std::fs;
use std::os::unix::fs::symlink;
use std::time::Duration;

use crate::util::{make_bag, newsbag, verify_json};

/// The errors of the report of `path` in `json`, as (kind, message).
fn errors_of(json: &serde_json::Value, bag: &str) -> Vec<(String, String)> {
    json["reports"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["bag"].as_str().is_some_and(|b| b.ends_with(bag)))
        .flat_map(|r| r["problems"].as_array().unwrap().iter())
        .filter(|p| p["severity"] == "error")
        .map(|p| {
            (
                p["kind"].as_str().unwrap().to_owned(),
                p["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn links_in_the_payload_are_errors_and_never_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let bag = make_bag(tmp.path(), &[("a.txt", b"hello"), ("sub/b.txt", b"b")]);
    // A FIFO outside the bag: following the link would block on it.
    let fifo = tmp.path().join("pipe");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    symlink(&fifo, bag.join("data/to-fifo")).unwrap();
    symlink("a.txt", bag.join("data/inside.txt")).unwrap();
    symlink("..", bag.join("data/sub/loop")).unwrap();
    symlink("nowhere", bag.join("data/dangling")).unwrap();
    let out = newsbag()
        .args(["verify"])
        .arg(&bag)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    for link in [
        "data/to-fifo",
        "data/inside.txt",
        "data/sub/loop",
        "data/dangling",
    ] {
        assert!(
            stdout.contains(&format!("`{link}` is a symbolic link, not a regular file")),
            "{link} not named in:\n{stdout}"
        );
    }
    // Nothing was read through a link: no unreadable file, and the
    // payload counted is the two regular files.
    let (json, code) = verify_json(&bag);
    assert_eq!(code, 1);
    let report = &json["reports"][0];
    assert_eq!(report["payload_files"], 2, "{json:#}");
    let kinds: Vec<(String, String)> = errors_of(&json, "bag");
    assert_eq!(kinds.len(), 4, "{kinds:?}");
    assert!(kinds.iter().all(|(k, _)| k == "special-file"), "{kinds:?}");
}

#[test]
fn links_in_an_archive_root_are_errors_and_never_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    fs::create_dir(&src).unwrap();
    fs::write(src.join("a.txt"), b"hello").unwrap();
    let archive = tmp.path().join("archive");
    let bags = archive.join("bags");
    fs::create_dir_all(&bags).unwrap();
    newsbag()
        .args(["bag", "--zip", "--date", "2000-01-01", "--to"])
        .arg(bags.join("real.zip"))
        .arg(&src)
        .assert()
        .success();
    let elsewhere = make_bag(tmp.path(), &[("b.txt", b"b")]);
    symlink("real.zip", bags.join("alias.zip")).unwrap();
    symlink(&elsewhere, bags.join("linked-bag")).unwrap();
    let (json, code) = verify_json(&archive);
    assert_eq!(code, 1, "{json:#}");
    assert_eq!(json["summary"]["bags"], 3, "{json:#}");
    assert_eq!(json["summary"]["valid"], 1, "{json:#}");
    for link in ["alias.zip", "linked-bag"] {
        let errors = errors_of(&json, link);
        assert_eq!(errors.len(), 1, "{link}: {json:#}");
        assert_eq!(errors[0].0, "special-file");
        assert!(errors[0].1.contains("is a symbolic link"), "{errors:?}");
        assert!(errors[0].1.contains(link), "{errors:?}");
    }
    // A link given on the command line is followed.
    let given = tmp.path().join("given");
    symlink(&elsewhere, &given).unwrap();
    newsbag().arg("verify").arg(&given).assert().code(0);
}
