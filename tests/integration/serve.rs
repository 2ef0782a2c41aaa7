//! `newsbag serve` (issue #15) through the real binary on loopback,
//! harvested by a real OAI-PMH harvester (Sickle, from PyPI) across
//! several pages, a restart of the server and bags added mid-harvest.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use newsbag::archive::catalog::Catalog;

use crate::util::{missing_peer, newsbag};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Ingests the sample inbox as bag `name` into `archive`.
fn ingest(archive: &Path, name: &str) {
    newsbag()
        .arg("ingest")
        .arg("--archive")
        .arg(archive)
        .args(["--date", "2026-11-28", "--name", name, "--meta"])
        .arg(repo("archive/inbox/meta.json"))
        .arg(repo("archive/inbox"))
        .timeout(Duration::from_secs(120))
        .assert()
        .success();
}

/// A running `newsbag serve` on a free loopback port, stopped when
/// dropped.
pub(crate) struct Server {
    child: Child,
    pub(crate) url: String,
}

impl Server {
    pub(crate) fn start(archive: &Path, page_size: usize) -> Server {
        Self::start_with(archive, page_size, &[])
    }

    /// [`Server::start`] with `envs` set for the server.
    pub(crate) fn start_with(archive: &Path, page_size: usize, envs: &[(&str, &OsStr)]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_newsbag"))
            .envs(envs.iter().copied())
            .arg("serve")
            .arg(archive)
            .args(["--bind", "127.0.0.1:0"])
            .env("NEWSBAG_OAI_PAGE_SIZE", page_size.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("serving OAI-PMH at ")
            .unwrap_or_else(|| panic!("the server said `{line}`"))
            .to_owned();
        Server { child, url }
    }

    pub(crate) fn stop(mut self) {
        self.child.kill().unwrap();
        let status = self.child.wait().unwrap();
        assert!(!status.success(), "stopped by a signal");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `python3` with Sickle importable, or `None` (said, or failed under
/// NEWSBAG_REQUIRE_PEERS=1).
pub(crate) fn sickle() -> Option<&'static str> {
    let ok = Command::new("python3")
        .args(["-c", "import sickle"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        return Some("python3");
    }
    missing_peer(
        "the OAI-PMH harvester Sickle (PyPI)",
        "pip install Sickle, as .ci/run does into target/ci-venv",
    );
    None
}

/// Runs the harvester script; its output lines.
pub(crate) fn harvest(python: &str, url: &str, args: &[&str]) -> Vec<String> {
    let out = Command::new(python)
        .arg(repo("tests/integration/oai_harvest.py"))
        .arg(url)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "harvester failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn sickle_harvests_every_item_once_across_a_restart_and_new_bags() {
    let Some(python) = sickle() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("archive");
    ingest(&archive, "one");
    let server = Server::start(&archive, 3);

    // Two pages, then a bag is added while the server runs.
    let first = harvest(python, &server.url, &["start", "2"]);
    let token = first
        .iter()
        .find_map(|l| l.strip_prefix("token "))
        .unwrap_or_else(|| panic!("no token after two pages: {first:?}"))
        .to_owned();
    ingest(&archive, "two");

    // A new server process, on another port: the token still holds.
    server.stop();
    let server = Server::start(&archive, 3);
    let rest = harvest(python, &server.url, &["resume", &token]);
    assert_eq!(rest.last().map(String::as_str), Some("end"));

    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for line in first.iter().chain(&rest) {
        if let Some(r) = line.strip_prefix("record ") {
            let (id, dc_identifier) = r.split_once(' ').unwrap();
            assert!(!dc_identifier.is_empty());
            *seen.entry(id.to_owned()).or_default() += 1;
        }
    }
    let catalog = Catalog::open_read_only(&archive.join("catalog.sqlite")).unwrap();
    let (_, items, _) = catalog.totals().unwrap();
    assert!(items > 12, "several pages: {items} items");
    assert_eq!(seen.len() as u64, items, "{seen:?}");
    assert!(seen.values().all(|n| *n == 1), "an item twice: {seen:?}");
    assert!(seen.keys().any(|id| id.starts_with("oai:newsbag:two/")));

    // Each error code this data provider can give, as Sickle sees it.
    for (args, class) in [
        (&["Frobnicate"][..], "BadVerb"),
        (&["ListRecords"], "BadArgument"),
        (
            &["ListRecords", "metadataPrefix=marc21"],
            "CannotDisseminateFormat",
        ),
        (
            &["ListRecords", "resumptionToken=nonsense"],
            "BadResumptionToken",
        ),
        (
            &[
                "GetRecord",
                "metadataPrefix=oai_dc",
                "identifier=oai:newsbag:one/none",
            ],
            "IdDoesNotExist",
        ),
        (
            &[
                "ListIdentifiers",
                "metadataPrefix=oai_dc",
                "until=2000-01-01",
            ],
            "NoRecordsMatch",
        ),
        (
            &[
                "ListIdentifiers",
                "metadataPrefix=oai_dc",
                "set=source:caspian.example",
            ],
            "",
        ),
    ] {
        let mut a = vec!["error"];
        a.extend_from_slice(args);
        let expected = if class.is_empty() {
            "ok".to_owned()
        } else {
            format!("error {class}")
        };
        assert_eq!(harvest(python, &server.url, &a), [expected], "{args:?}");
    }
    server.stop();
}

/// No archive, or a directory that is not one: a clear message, exit 2,
/// and no server.
#[test]
fn serve_refuses_what_is_not_an_archive() {
    let tmp = tempfile::tempdir().unwrap();
    newsbag()
        .arg("serve")
        .arg(tmp.path())
        .args(["--bind", "127.0.0.1:0"])
        .timeout(Duration::from_secs(30))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("is not an archive root"));
    newsbag()
        .arg("serve")
        .arg(tmp.path().join("nothing"))
        .args(["--bind", "127.0.0.1:0"])
        .timeout(Duration::from_secs(30))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("nothing"));
}
