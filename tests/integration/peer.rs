//! Cross-checks with the Library of Congress's bagit-python (`bagit.py`):
//! bags newsbag makes validate there, and bags it makes verify here.
//!
//! The peer is found on PATH. When `NEWSBAG_REQUIRE_PEERS=1` (as in
//! `.ci/run`) a missing peer fails the tests; otherwise they are skipped
//! with a message.

use std::fs;
use std::process::Command;

use crate::util::{make_bag, missing_peer, newsbag, write_tree};

fn bagit_py() -> Option<&'static str> {
    let found = Command::new("bagit.py")
        .arg("--help")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        missing_peer("bagit.py", "not on PATH; pip install bagit");
        return None;
    }
    Some("bagit.py")
}

#[test]
fn bagit_python_validates_our_bags() {
    let Some(peer) = bagit_py() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let bag = make_bag(
        tmp.path(),
        &[
            ("news/fa.txt", "هم‌چنین".as_bytes()),
            ("with space.txt", b"x"),
            // No `%` in names here: bagit-python 1.9 does not decode the
            // `%25` that RFC 8493 §2.1.3 requires (see docs/bag-format.md).
            ("semi;colon #1.txt", b"y"),
            ("deep/er/file", b"z"),
        ],
    );
    let out = Command::new(peer)
        .arg("--validate")
        .arg(&bag)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // And the peer sees corruption we introduce.
    fs::write(bag.join("data/with space.txt"), b"X").unwrap();
    let out = Command::new(peer)
        .arg("--validate")
        .arg(&bag)
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[test]
fn we_verify_bags_made_by_bagit_python() {
    let Some(peer) = bagit_py() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("pybag");
    write_tree(
        &dir,
        &[
            ("a.txt", b"hello"),
            ("sub/b.txt", "سلام".as_bytes()),
            ("c d.txt", b""),
        ],
    );
    let out = Command::new(peer)
        .args(["--contact-name", "Test", "--sha256", "--sha512"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    newsbag()
        .arg("verify")
        .arg(&dir)
        .assert()
        .success()
        .stdout(predicates::str::starts_with("valid "));
    fs::write(dir.join("data/a.txt"), b"jello").unwrap();
    newsbag().arg("verify").arg(&dir).assert().code(1);
}
