//! Generated artifacts are committed and must not drift from the code.

use std::path::Path;

use crate::util::newsbag;

fn generated(args: &[&str]) -> String {
    let out = newsbag().args(args).output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

fn committed(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn man_page_is_current() {
    assert!(
        generated(&["generate", "man"]) == committed("docs/newsbag.1"),
        "docs/newsbag.1 is stale: run `cargo run -- generate man > docs/newsbag.1`"
    );
}

#[test]
fn completions_are_current() {
    for shell in ["bash", "zsh", "fish"] {
        let path = format!("docs/completions/newsbag.{shell}");
        assert!(
            generated(&["generate", "completions", shell]) == committed(&path),
            "{path} is stale: run `cargo run -- generate completions {shell} > {path}`"
        );
    }
}

#[test]
fn referenced_schemas_exist_and_parse() {
    for path in [
        "schemas/verify-report.schema.json",
        "schemas/audit-report.schema.json",
        "schemas/worker-report.schema.json",
    ] {
        let v: serde_json::Value = serde_json::from_str(&committed(path)).unwrap();
        assert!(v.get("$schema").is_some(), "{path}");
    }
}
