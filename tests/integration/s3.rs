//! Zipped bags in an S3 bucket, verified in place: a real Garage server
//! (<https://garagehq.deuxfleurs.fr/>, `cargo install garage --locked`)
//! started on loopback ports for each test and stopped after it.
//!
//! Without a `garage` on the PATH these tests say they skipped, unless
//! `NEWSBAG_REQUIRE_PEERS=1` (CI), where that is a failure.

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{missing_peer, newsbag, problem_codes, verify_json, write_tree};

pub(crate) const BUCKET: &str = "newsbag-test";
const KEY_ID: &str = "GK0123456789abcdef01234567";
const SECRET: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// A Garage cluster (one node, or several with the data on each) in a
/// temporary directory, every node killed on drop. Requests go to the
/// first node.
pub(crate) struct Garage {
    nodes: Vec<Option<Child>>,
    dir: tempfile::TempDir,
    /// Where requests go: the first node's S3 API.
    endpoint: String,
    /// Every node's S3 API.
    endpoints: Vec<String>,
}

/// `garage server` of the node whose configuration and data are in
/// `node`, its output appended to `node/garage.log`.
fn node_server(node: &Path) -> Child {
    let log = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(node.join("garage.log"))
        .unwrap();
    Command::new("garage")
        .arg("-c")
        .arg(node.join("garage.toml"))
        .arg("server")
        .env("RUST_LOG", "garage=warn")
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Garage {
    /// Starts one Garage node with one bucket ([`BUCKET`]) and one key
    /// allowed to read and write it; `None` (after saying so) when
    /// `garage` is missing.
    pub(crate) fn start() -> Option<Garage> {
        Self::cluster(1)
    }

    /// Starts `n` Garage nodes on loopback ports, each in its own zone,
    /// with replication factor `n`: every object on every node.
    fn cluster(n: usize) -> Option<Garage> {
        if Command::new("garage")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_err()
        {
            missing_peer(
                "the Garage S3 server (`garage`)",
                "install it with `cargo install garage --locked`",
            );
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let mut garage = Garage {
            nodes: Vec::new(),
            dir,
            endpoint: String::new(),
            endpoints: Vec::new(),
        };
        let mut rpcs = Vec::new();
        for i in 0..n {
            let (rpc, s3) = (free_port(), free_port());
            let node = garage.dir.path().join(format!("node{i}"));
            fs::create_dir_all(&node).unwrap();
            let config = format!(
                "metadata_dir = \"{meta}\"\n\
                 data_dir = \"{data}\"\n\
                 db_engine = \"sqlite\"\n\
                 replication_factor = {n}\n\
                 rpc_bind_addr = \"127.0.0.1:{rpc}\"\n\
                 rpc_public_addr = \"127.0.0.1:{rpc}\"\n\
                 rpc_secret = \"{SECRET}\"\n\
                 [s3_api]\n\
                 s3_region = \"garage\"\n\
                 api_bind_addr = \"127.0.0.1:{s3}\"\n\
                 root_domain = \".s3.garage.localhost\"\n",
                meta = node.join("meta").display(),
                data = node.join("data").display(),
            );
            fs::write(node.join("garage.toml"), config).unwrap();
            garage.nodes.push(Some(node_server(&node)));
            garage.endpoints.push(format!("http://127.0.0.1:{s3}"));
            if i == 0 {
                garage.endpoint = format!("http://127.0.0.1:{s3}");
            }
            rpcs.push(rpc);
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut ids = Vec::new();
        for (i, rpc) in rpcs.iter().enumerate() {
            let id = loop {
                if let Some(out) = garage.admin_on(i, &["node", "id", "-q"], false) {
                    break out.split('@').next().unwrap().trim().to_owned();
                }
                assert!(Instant::now() < deadline, "{}", garage.log());
                std::thread::sleep(Duration::from_millis(200));
            };
            // `node id` reads the node's key on disk; the RPC server may
            // still be starting: wait until it answers.
            while garage.admin_on(i, &["status"], false).is_none() {
                assert!(Instant::now() < deadline, "{}", garage.log());
                std::thread::sleep(Duration::from_millis(200));
            }
            if i > 0 {
                garage.admin(&["node", "connect", &format!("{id}@127.0.0.1:{rpc}")], true);
            }
            ids.push(id);
        }
        for (i, id) in ids.iter().enumerate() {
            garage.admin(
                &["layout", "assign", "-z", &format!("dc{i}"), "-c", "1G", id],
                true,
            );
        }
        garage.admin(&["layout", "apply", "--version", "1"], true);
        garage.admin(
            &["key", "import", "-n", "newsbag", "--yes", KEY_ID, SECRET],
            true,
        );
        garage.admin(&["bucket", "create", BUCKET], true);
        garage.admin(
            &[
                "bucket", "allow", "--read", "--write", "--owner", BUCKET, "--key", "newsbag",
            ],
            true,
        );
        Some(garage)
    }

    /// Starts node `i` again (killed by [`Garage::kill_node`]).
    fn restart_node(&mut self, i: usize) {
        assert!(self.nodes[i].is_none());
        self.nodes[i] = Some(node_server(&self.dir.path().join(format!("node{i}"))));
    }

    /// Kills node `i` (SIGKILL), as a machine that dies.
    fn kill_node(&mut self, i: usize) {
        if let Some(mut child) = self.nodes[i].take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Runs `garage -c CONFIG ARGS` on the first node.
    fn admin(&self, args: &[&str], must: bool) -> Option<String> {
        self.admin_on(0, args, must)
    }

    /// Runs `garage -c CONFIG ARGS` with node `i`'s configuration; its
    /// standard output, or `None` when it fails and `must` is false.
    fn admin_on(&self, i: usize, args: &[&str], must: bool) -> Option<String> {
        let out = Command::new("garage")
            .arg("-c")
            .arg(self.dir.path().join(format!("node{i}/garage.toml")))
            .args(args)
            .output()
            .unwrap();
        if out.status.success() {
            return Some(String::from_utf8_lossy(&out.stdout).into_owned());
        }
        assert!(
            !must,
            "garage {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            self.log()
        );
        None
    }

    /// Every node's log.
    fn log(&self) -> String {
        (0..self.nodes.len())
            .map(|i| {
                let log = fs::read_to_string(self.dir.path().join(format!("node{i}/garage.log")))
                    .unwrap_or_default();
                format!("node {i}:\n{log}")
            })
            .collect()
    }

    /// The environment that points newsbag (and the library) at this server.
    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_REGION", "garage".into()),
            ("AWS_ACCESS_KEY_ID", KEY_ID.into()),
            ("AWS_SECRET_ACCESS_KEY", SECRET.into()),
            ("AWS_ALLOW_HTTP", "true".into()),
        ]
    }

    /// `newsbag ARGS` pointed at this server.
    pub(crate) fn newsbag(&self, args: &[&str]) -> std::process::Output {
        let mut cmd = newsbag();
        cmd.env("NEWSBAG_HOME", self.dir.path().join("newsbag-home"));
        for (k, v) in self.env() {
            cmd.env(k, v);
        }
        cmd.env_remove("AWS_SESSION_TOKEN");
        cmd.args(args)
            .timeout(Duration::from_secs(300))
            .output()
            .unwrap()
    }

    /// `newsbag ARGS` pointed at this server, its reading copies of
    /// archives in buckets kept under `home`.
    pub(crate) fn newsbag_in(&self, home: &Path, args: &[&str]) -> std::process::Output {
        let mut cmd = newsbag();
        for (k, v) in self.env() {
            cmd.env(k, v);
        }
        cmd.env_remove("AWS_SESSION_TOKEN")
            .env("NEWSBAG_HOME", home)
            .args(args)
            .timeout(Duration::from_secs(300))
            .output()
            .unwrap()
    }

    /// `newsbag ARGS` pointed at this server, started (output piped).
    pub(crate) fn spawn(&self, args: &[&str]) -> Child {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_newsbag"));
        cmd.env("NEWSBAG_HOME", self.dir.path().join("newsbag-home"));
        for (k, v) in self.env() {
            cmd.env(k, v);
        }
        cmd.env_remove("AWS_SESSION_TOKEN")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// A connection of newsbag's library to this server's bucket.
    pub(crate) fn store(&self) -> newsbag::store::Store {
        let env = self.env();
        let settings: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        newsbag::store::Store::connect_with(BUCKET, &settings).unwrap()
    }

    /// Uploads `file` to `key` with newsbag's own multipart upload, retried
    /// while the fresh cluster settles its layout.
    fn upload(&self, file: &Path, key: &str) {
        let store = self.store();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            match store.upload(file, key) {
                Ok(()) => return,
                Err(e) if Instant::now() < deadline => {
                    eprintln!("upload not yet possible ({e}); retrying");
                    std::thread::sleep(Duration::from_millis(500));
                }
                Err(e) => panic!("upload of {} failed: {e}\n{}", file.display(), self.log()),
            }
        }
    }
}

impl Drop for Garage {
    fn drop(&mut self) {
        for i in 0..self.nodes.len() {
            self.kill_node(i);
        }
    }
}

/// Makes the zipped bag `tmp/NAME.zip` of `files`.
fn zipped_bag(tmp: &Path, name: &str, files: &[(&str, &[u8])]) -> PathBuf {
    let src = tmp.join(name);
    write_tree(&src, files);
    let zip = tmp.join(format!("{name}.zip"));
    newsbag()
        .args(["bag", "--zip", "--date", "2000-01-01", "--to"])
        .arg(&zip)
        .arg(&src)
        .assert()
        .success();
    zip
}

/// Bytes that do not compress, so the zip is as large as the payload.
fn noise(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()[0]
        })
        .collect()
}

fn json_of(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "bad JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// `read N of M bytes in R requests (at most B bytes buffered)` from
/// `newsbag -v verify`'s log.
fn reads_logged(stderr: &[u8]) -> (u64, u64, u64) {
    let text = String::from_utf8_lossy(stderr);
    let line = text
        .lines()
        .find(|l| l.contains(" bytes in ") && l.contains("read "))
        .unwrap_or_else(|| panic!("no read statistics in the log:\n{text}"));
    let num = |after: &str| -> u64 {
        let rest = &line[line.find(after).unwrap() + after.len()..];
        rest.split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    (num("read "), num(" of "), num("at most "))
}

#[test]
fn bags_in_a_bucket_get_the_verdicts_of_local_bags() {
    let Some(garage) = Garage::start() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let payload = noise(300_000);
    let files: &[(&str, &[u8])] = &[("a.txt", b"first file\n"), ("b/noise.bin", &payload)];
    let good = zipped_bag(tmp.path(), "good", files);
    let corrupt = zipped_bag(tmp.path(), "corrupt", files);
    let mut bytes = fs::read(&corrupt).unwrap();
    // A byte in the middle of the stored noise: the payload's, not a header's.
    let at = bytes.len() / 2;
    bytes[at] ^= 0x55;
    fs::write(&corrupt, &bytes).unwrap();
    let truncated = zipped_bag(tmp.path(), "truncated", files);
    let whole = fs::read(&truncated).unwrap();
    fs::write(&truncated, &whole[..whole.len() - 100]).unwrap();

    for zip in [&good, &corrupt, &truncated] {
        let name = zip.file_name().unwrap().to_str().unwrap();
        garage.upload(zip, &format!("archive/{name}"));
    }
    for (zip, want) in [(&good, 0), (&corrupt, 1), (&truncated, 2)] {
        let name = zip.file_name().unwrap().to_str().unwrap();
        let (local, local_code) = verify_json(zip);
        let url = format!("s3://{BUCKET}/archive/{name}");
        let out = garage.newsbag(&["verify", "--json", &url]);
        let remote = json_of(&out);
        let code = out.status.code().unwrap();
        assert_eq!((local_code, code), (want, want), "{name}: {remote}");
        assert_eq!(problem_codes(&local), problem_codes(&remote), "{name}");
        assert_eq!(local["summary"], remote["summary"], "{name}");
        if want == 2 {
            let error = remote["errors"][0]["error"].as_str().unwrap();
            assert!(error.contains(&url), "{error}");
        } else {
            assert_eq!(remote["reports"][0]["bag"], url.as_str());
        }
    }
    // The prefix as an archive root: every zip under it, the worst verdict.
    let out = garage.newsbag(&["verify", "--json", &format!("s3://{BUCKET}/archive")]);
    let all = json_of(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert_eq!(all["summary"]["bags"], 2);
    assert_eq!(all["summary"]["valid"], 1);
    assert_eq!(all["summary"]["errors"], 1);
    // A prefix is whole path segments: `arch` holds nothing.
    let out = garage.newsbag(&["verify", &format!("s3://{BUCKET}/arch")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no zipped bag"));
}

#[test]
fn fast_verify_reads_a_small_part_and_memory_stays_bounded() {
    let Some(garage) = Garage::start() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let big = noise(24 << 20);
    let small: Vec<Vec<u8>> = (0..40).map(|i| noise(5_000 + i * 100)).collect();
    let names: Vec<String> = (0..40).map(|i| format!("items/{i:03}.bin")).collect();
    let mut files: Vec<(&str, &[u8])> = vec![("big.bin", &big)];
    files.extend(
        names
            .iter()
            .map(String::as_str)
            .zip(small.iter().map(Vec::as_slice)),
    );
    let zip = zipped_bag(tmp.path(), "big", &files);
    let size = fs::metadata(&zip).unwrap().len();
    garage.upload(&zip, "big.zip");
    let url = format!("s3://{BUCKET}/big.zip");

    let out = garage.newsbag(&["-v", "verify", "--fast", &url]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (read, of, _) = reads_logged(&out.stderr);
    assert_eq!(of, size);
    assert!(read * 50 < size, "--fast read {read} of {size} bytes");

    let out = garage.newsbag(&["-v", "verify", &url]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (read, _, buffered) = reads_logged(&out.stderr);
    // Every byte once (and the little the headers re-read), never twice.
    assert!(
        read >= size - 1024 && read < size + size / 20,
        "read {read} of {size}"
    );
    // Two windows of 8 MiB a cursor (one per hashing thread, and the
    // first) at most, whatever the object's size.
    let cursors = std::thread::available_parallelism().map_or(1, usize::from) as u64 + 1;
    assert!(
        buffered <= cursors * 2 * (8 << 20),
        "{buffered} bytes buffered"
    );
    eprintln!("s3 verify of {size} bytes: read {read}, at most {buffered} buffered");
}

#[test]
fn bad_credentials_and_missing_objects_are_clear_errors() {
    let Some(garage) = Garage::start() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let zip = zipped_bag(tmp.path(), "one", &[("a.txt", b"a\n")]);
    garage.upload(&zip, "one.zip");
    let mut cmd = newsbag();
    for (k, v) in garage.env() {
        cmd.env(k, v);
    }
    let out = cmd
        .env("AWS_SECRET_ACCESS_KEY", "0".repeat(64))
        .args(["verify", &format!("s3://{BUCKET}/one.zip")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("s3://{BUCKET}/one.zip")), "{err}");
    for url in [
        format!("s3://{BUCKET}/none.zip"),
        "s3://no-such-bucket/one.zip".to_owned(),
        "s3://no-such-bucket/prefix".to_owned(),
    ] {
        let out = garage.newsbag(&["verify", &url]);
        assert_eq!(out.status.code(), Some(2), "{url}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("newsbag: failed to"), "{url}: {err}");
        assert!(err.contains(&url), "{url}: {err}");
    }
}

#[test]
fn malformed_locations_are_refused_without_a_request() {
    for (url, why) in [
        ("s3://", "no bucket name"),
        ("s3:///bags", "no bucket name"),
        ("s3://b/a/../c.zip", "`.` and `..`"),
        ("s3://b/a//c.zip", "empty path segment"),
    ] {
        let out = newsbag().args(["verify", url]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{url}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("invalid S3 location `{url}`")) && err.contains(why),
            "{url}: {err}"
        );
    }
    // A local path beside a malformed location is still verified.
    let tmp = tempfile::tempdir().unwrap();
    let zip = zipped_bag(tmp.path(), "one", &[("a.txt", b"a\n")]);
    let out = newsbag()
        .arg("verify")
        .arg(&zip)
        .arg("s3://")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("valid "));
}

/// `newsbag ARGS ARCHIVE`-style runs of the archive commands against
/// this server: the archive is local, its copies in the bucket.
/// `replicate ARCHIVE --to COPIES`, again until it succeeds: the first
/// requests to a fresh cluster may come before its layout has settled
/// everywhere (two minutes at most).
fn replicate_until_done(garage: &Garage, archive: &str, copies: &str) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (r, code) = archive_json(garage, &["replicate", archive, "--to", copies, "--json"]);
        if code == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "{r}\n{}", garage.log());
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn archive_json(garage: &Garage, args: &[&str]) -> (serde_json::Value, i32) {
    let out = garage.newsbag(args);
    (json_of(&out), out.status.code().unwrap_or(-1))
}

#[test]
fn replicas_in_a_bucket_are_made_checked_in_place_and_repair_the_archive() {
    let Some(garage) = Garage::start() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("archive");
    let inbox = Path::new(env!("CARGO_MANIFEST_DIR")).join("archive/inbox");
    let meta = inbox.join("meta.json");
    for name in ["one", "two"] {
        newsbag()
            .arg("ingest")
            .arg("--archive")
            .arg(&archive)
            .args(["--date", "2026-11-28", "--name", name, "--meta"])
            .arg(&meta)
            .arg(&inbox)
            .assert()
            .success();
    }
    let a = archive.to_str().unwrap();
    let copies = format!("s3://{BUCKET}/replica");
    // The first request to a fresh Garage may come before its layout has
    // settled: retry the replication until it copies.
    let deadline = Instant::now() + Duration::from_secs(60);
    let report = loop {
        let (r, code) = archive_json(&garage, &["replicate", a, "--to", &copies, "--json"]);
        if code == 0 {
            break r;
        }
        assert!(Instant::now() < deadline, "{r}\n{}", garage.log());
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(report["location"], copies.as_str(), "{report}");
    assert_eq!(
        report["copied"].as_u64().unwrap() + report["verified"].as_u64().unwrap(),
        2
    );
    // The copies are the bags, byte for byte, at the same paths.
    let store = garage.store();
    assert!(store.exists("replica/bags/one.zip").unwrap());
    // Again: nothing copied, both verified where they lie.
    let (r, code) = archive_json(&garage, &["replicate", a, "--to", &copies, "--json"]);
    assert_eq!((code, &r["verified"]), (0, &serde_json::json!(2)), "{r}");
    let (r, code) = archive_json(&garage, &["audit", a, "--copies", "--json"]);
    assert_eq!(code, 0, "{r}");
    assert_eq!(r["summary"]["copies_valid"], 2, "{r}");
    assert_eq!(r["copies"][0]["location"], copies.as_str());
    // A copy changed in the bucket is caught by the audit.
    let local = fs::read(archive.join("bags/two.zip")).unwrap();
    let mut bad = local.clone();
    let at = bad.len() / 3;
    bad[at] ^= 0x55;
    let bad_zip = tmp.path().join("bad.zip");
    fs::write(&bad_zip, &bad).unwrap();
    garage.upload(&bad_zip, "replica/bags/two.zip");
    let (r, code) = archive_json(&garage, &["audit", a, "--copies", "--json"]);
    assert_eq!(code, 1, "{r}");
    assert_eq!(r["summary"]["copies_invalid"], 1, "{r}");
    assert_eq!(r["summary"]["invalid"], 0, "{r}");
    let bad_copy = r["copies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["outcome"] == "invalid")
        .unwrap();
    assert_eq!(bad_copy["copy"], format!("{copies}/bags/two.zip"));
    // replicate mends it, keeping the bad object under quarantine/.
    let (r, code) = archive_json(&garage, &["replicate", a, "--to", &copies, "--json"]);
    assert_eq!((code, &r["copied"]), (0, &serde_json::json!(1)), "{r}");
    let quarantined: Vec<String> = store.list_keys("replica/quarantine").unwrap();
    assert_eq!(quarantined.len(), 1, "{quarantined:?}");
    // The archive's own bag damaged, and another gone: both repaired from
    // the bucket after the bucket's copies verify.
    let mut damaged = local;
    damaged[at] ^= 0x55;
    fs::write(archive.join("bags/two.zip"), &damaged).unwrap();
    fs::remove_file(archive.join("bags/one.zip")).unwrap();
    let (r, code) = archive_json(&garage, &["audit", a, "--repair-from", &copies, "--json"]);
    assert_eq!(code, 0, "{r}");
    assert_eq!(r["summary"]["repaired"], 2, "{r}");
    newsbag().arg("verify").arg(&archive).assert().success();
    // A copy root that is a zip, and one in a bucket that does not exist.
    let out = garage.newsbag(&["replicate", a, "--to", &format!("s3://{BUCKET}/x.zip")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("names a zip"));
    let out = garage.newsbag(&["replicate", a, "--to", "s3://no-such-bucket/r"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 failed"));
}

/// Three Garage nodes, replication factor 3: one node killed while an
/// audit checks the copies in the bucket, and the audit completes with
/// every copy verified; so do later audits and `verify` of the bucket
/// with the node still down.
#[test]
fn a_garage_node_of_three_stopped_during_an_audit() {
    let Some(mut garage) = Garage::cluster(3) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let archive = crate::archive::archive_of(tmp.path(), 40);
    let a = archive.to_str().unwrap();
    let copies = format!("s3://{BUCKET}/replica");
    // The first requests to a fresh cluster may come before its layout
    // has settled everywhere: retry until the replication is complete.
    replicate_until_done(&garage, a, &copies);
    // An audit of the archive and of its 40 copies, and the third node
    // killed (SIGKILL) once it has begun.
    let audit = garage.spawn(&["audit", a, "--copies", "--json"]);
    std::thread::sleep(Duration::from_millis(300));
    garage.kill_node(2);
    let out = audit.wait_with_output().unwrap();
    let r = json_of(&out);
    assert_eq!(out.status.code(), Some(0), "{r}\n{}", garage.log());
    assert_eq!(r["summary"]["copies_valid"], 40, "{r}");
    assert_eq!(r["summary"]["copies_invalid"], 0, "{r}");
    // With the node down: the copies are all checked again, and the bucket
    // verifies in place.
    let (r, code) = archive_json(
        &garage,
        &["audit", a, "--copies", "--cycle", "0s", "--json"],
    );
    assert_eq!(code, 0, "{r}");
    assert_eq!(r["summary"]["copies_checked"], 40, "{r}");
    assert_eq!(r["summary"]["copies_valid"], 40, "{r}");
    let out = garage.newsbag(&["verify", "-q", &format!("{copies}/bags")]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The bytes under `dir`, recursively (0 if it is not there).
fn tree_bytes(dir: &Path) -> u64 {
    walkdir_bytes(dir).unwrap_or(0)
}

fn walkdir_bytes(dir: &Path) -> std::io::Result<u64> {
    let mut n = 0;
    for e in fs::read_dir(dir)? {
        let e = e?;
        let t = e.file_type()?;
        if t.is_dir() {
            n += walkdir_bytes(&e.path())?;
        } else if t.is_file() {
            n += e.metadata()?.len();
        }
    }
    Ok(n)
}

/// A network error in the middle of an upload: the node the copy was
/// being sent to dies once parts have reached the cluster. The copy is
/// not recorded (no verified copy, no successful `replicate` event), no
/// object appears at its key, and a second replication through another
/// node makes and proves the copy.
#[test]
fn a_node_lost_mid_upload_leaves_no_copy_recorded() {
    let Some(mut garage) = Garage::cluster(3) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let archive = crate::archive::archive_of(tmp.path(), 1);
    // A 96 MiB bag (random bytes, stored): twelve 8 MiB parts to upload.
    let src = tmp.path().join("big-src");
    fs::create_dir_all(&src).unwrap();
    fs::write(src.join("scan.bin"), noise(96 << 20)).unwrap();
    newsbag()
        .args(["bag", "-q"])
        .arg(&src)
        .arg("--to")
        .arg(archive.join("bags/big.zip"))
        .arg("--zip")
        .assert()
        .success();
    newsbag()
        .arg("audit")
        .arg(&archive)
        .args(["--adopt", "--budget", "0s", "-q"])
        .assert()
        .success();
    let a = archive.to_str().unwrap();
    let copies = format!("s3://{BUCKET}/replica");
    // Wait for the fresh cluster's layout to settle: an upload goes in.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let store = garage.store();
        if store
            .upload(&archive.join("bags/b000.zip"), "warmup/b000.zip")
            .is_ok()
        {
            break;
        }
        assert!(Instant::now() < deadline, "{}", garage.log());
        std::thread::sleep(Duration::from_millis(500));
    }
    let replicate = garage.spawn(&["replicate", a, "--to", &copies, "--json"]);
    // Kill the first node once the big bag's parts have reached another.
    let other = garage.dir.path().join("node1/data");
    let deadline = Instant::now() + Duration::from_secs(120);
    while tree_bytes(&other) < (16 << 20) {
        assert!(
            Instant::now() < deadline,
            "no part arrived\n{}",
            garage.log()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    garage.kill_node(0);
    let out = replicate.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let big = r["bags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == "big")
        .unwrap();
    assert_eq!(big["outcome"], "failed", "{r}");
    assert!(
        big["reason"]
            .as_str()
            .unwrap()
            .contains("failed to upload `s3://newsbag-test/replica/bags/big.zip`"),
        "{r}"
    );
    // Through the second node: no object at the big bag's key, and the
    // catalog records no copy of it.
    garage.endpoint = garage.endpoints[1].clone();
    let store = garage.store();
    assert!(!store.exists("replica/bags/big.zip").unwrap());
    let events = crate::archive::history(&archive, Some("big"));
    assert!(
        !events
            .iter()
            .any(|e| e["type"] == "replicate" && e["outcome"] == "success"),
        "{events:?}"
    );
    // Replicated again through the second node: copied and proved.
    replicate_until_done(&garage, a, &copies);
    let (r, code) = archive_json(&garage, &["audit", a, "--copies", "--json"]);
    assert_eq!(code, 0, "{r}");
    assert_eq!(r["summary"]["copies_valid"], 2, "{r}");
}

/// Waits for a fresh Garage to take uploads (its layout settling).
pub(crate) fn wait_for_uploads(garage: &Garage, file: &Path) {
    let deadline = Instant::now() + Duration::from_secs(120);
    let store = garage.store();
    while store.upload(file, "warmup/file").is_err() {
        assert!(Instant::now() < deadline, "{}", garage.log());
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// An archive whose bags are in a bucket, end to end: ingested there
/// (nothing left on the local disk but the catalog and the event log),
/// verified and audited in place, searched, exported and extracted from
/// it; an object damaged in the bucket caught by the audit and repaired
/// from a replica bucket; an ingest while the store is down leaves no bag
/// registered, and the bag is uploaded and adopted once it is back.
#[test]
fn an_archive_with_its_bags_in_a_bucket() {
    let Some(mut garage) = Garage::start() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("archive");
    let a = archive.to_str().unwrap();
    let inbox = Path::new(env!("CARGO_MANIFEST_DIR")).join("archive/inbox");
    let meta = inbox.join("meta.json");
    wait_for_uploads(&garage, &meta);
    let bucket = format!("s3://{BUCKET}/news");
    let ingest = |garage: &Garage, name: &str| {
        let mut args = vec!["ingest", "--archive", a, "--bags-in", &bucket];
        args.extend(["--date", "2026-11-28", "--name", name, "--meta"]);
        args.push(meta.to_str().unwrap());
        args.push(inbox.to_str().unwrap());
        garage.newsbag(&args)
    };
    for name in ["one", "two"] {
        let out = ingest(&garage, name);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            format!("{bucket}/bags/{name}.zip")
        );
    }
    // The bags are in the bucket, and only there.
    let store = garage.store();
    assert_eq!(
        store.list_zips("news").unwrap(),
        ["news/bags/one.zip", "news/bags/two.zip"]
    );
    let local: Vec<_> = fs::read_dir(archive.join("bags")).unwrap().collect();
    assert!(local.is_empty(), "{local:?}");
    assert!(archive.join("store.json").is_file());
    // Another place for the bags of this archive is refused.
    let out = garage.newsbag(&[
        "ingest",
        "--archive",
        a,
        "--bags-in",
        "s3://other/x",
        inbox.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&bucket));
    // Verified and audited where they lie.
    let out = garage.newsbag(&["verify", &format!("{bucket}/bags")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // The endpoint and region may be flags (an http:// endpoint allows
    // plain HTTP); the credentials stay in the environment.
    let out = newsbag()
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_ALLOW_HTTP")
        .env_remove("AWS_REGION")
        .env("AWS_ACCESS_KEY_ID", KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .args([
            "verify",
            "--s3-endpoint",
            &garage.endpoint,
            "--s3-region",
            "garage",
        ])
        .arg(format!("{bucket}/bags"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (r, code) = archive_json(&garage, &["audit", a, "--json"]);
    assert_eq!(code, 0, "{r}");
    assert_eq!(
        (&r["summary"]["checked"], &r["summary"]["valid"]),
        (&serde_json::json!(2), &serde_json::json!(2)),
        "{r}"
    );
    assert!(r["summary"]["bytes"].as_u64().unwrap() > 0, "{r}");
    // Found, shown, exported and extracted, read from the bucket in place.
    let out = garage.newsbag(&["find", a, "--json", "--limit", "100"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hits: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let hits = hits.as_array().unwrap();
    assert!(hits.len() >= 2, "{hits:?}");
    let id = hits[0]["id"].as_str().unwrap().to_owned();
    let out = garage.newsbag(&["show", a, &id, "--bag", "two"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.stdout.is_empty());
    let export = tmp.path().join("export.jsonl");
    let out = garage.newsbag(&[
        "export",
        a,
        "--format",
        "jsonl",
        "--to",
        export.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exported = fs::read_to_string(&export).unwrap();
    assert_eq!(exported.lines().count(), hits.len());
    assert!(exported.lines().all(|l| {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        v["text"].as_str().is_some_and(|t| !t.is_empty())
    }));
    let out_dir = tmp.path().join("taken");
    let out = garage.newsbag(&[
        "extract",
        a,
        "--item",
        &id,
        "--bag",
        "one",
        "--to",
        out_dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(tree_bytes(&out_dir) > 0);
    // A replica in another prefix; then an object damaged in the bucket.
    let replica = format!("s3://{BUCKET}/replica");
    let (r, code) = archive_json(&garage, &["replicate", a, "--to", &replica, "--json"]);
    assert_eq!((code, &r["copied"]), (0, &serde_json::json!(2)), "{r}");
    let out = garage.newsbag(&["replicate", a, "--to", &bucket]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the archive's own bags"));
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut store.open("news/bags/two.zip").unwrap(), &mut bytes).unwrap();
    let at = bytes.len() / 3;
    bytes[at] ^= 0x55;
    let bad = tmp.path().join("bad.zip");
    fs::write(&bad, &bytes).unwrap();
    garage.upload(&bad, "news/bags/two.zip");
    let (r, code) = archive_json(&garage, &["audit", a, "--json"]);
    assert_eq!(code, 1, "{r}");
    assert_eq!(r["summary"]["invalid"], 1, "{r}");
    let (r, code) = archive_json(&garage, &["audit", a, "--repair-from", &replica, "--json"]);
    assert_eq!(code, 0, "{r}");
    assert_eq!(r["summary"]["repaired"], 1, "{r}");
    // The damaged object is kept aside, never deleted; the bag is good again.
    assert_eq!(store.list_keys("news/quarantine").unwrap().len(), 1);
    let (r, code) = archive_json(&garage, &["audit", a, "--json"]);
    assert_eq!(
        (code, &r["summary"]["valid"]),
        (0, &serde_json::json!(2)),
        "{r}"
    );
    let history = garage.newsbag(&["history", a, "two", "--format", "jsonl"]);
    let history = String::from_utf8_lossy(&history.stdout);
    assert!(
        history.contains("\"repair\"") && history.contains("\"quarantine\""),
        "{history}"
    );
    // The store gone while a bag is ingested: an error naming the bucket,
    // nothing registered; the bag waits in the archive root.
    garage.kill_node(0);
    let out = ingest(&garage, "three");
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (r, _) = archive_json(&garage, &["status", a, "--json"]);
    assert_eq!(r["bags"], 2, "{r}");
    assert_eq!(r["bags_in"], bucket.as_str(), "{r}");
    assert_eq!(r["reading_copy"], false, "{r}");
    assert!(archive.join("bags/three.zip").is_file());
    // The store back: the next audit uploads the waiting bag, proves it
    // there, registers it and checks it with the others.
    garage.restart_node(0);
    wait_for_uploads(&garage, &meta);
    let (r, code) = archive_json(&garage, &["audit", a, "--json"]);
    assert_eq!(code, 0, "{r}");
    assert_eq!(
        (&r["summary"]["adopted"], &r["summary"]["valid"]),
        (&serde_json::json!(1), &serde_json::json!(3)),
        "{r}"
    );
    assert!(!archive.join("bags/three.zip").exists());
    assert!(store.exists("news/bags/three.zip").unwrap());
    // A bag put in the bucket by other means: reported, then adopted where
    // it lies (read in place, never downloaded whole).
    let other = zipped_bag(tmp.path(), "other", &[("data/a.txt", b"news")]);
    garage.upload(&other, "news/bags/other.zip");
    let (r, code) = archive_json(&garage, &["audit", a, "--json"]);
    assert_eq!(
        (code, &r["unknown"]),
        (0, &serde_json::json!(["bags/other.zip"])),
        "{r}"
    );
    let (r, code) = archive_json(&garage, &["audit", a, "--adopt", "--json"]);
    assert_eq!(
        (code, &r["summary"]["adopted"]),
        (0, &serde_json::json!(1)),
        "{r}"
    );
    let (r, _) = archive_json(&garage, &["status", a, "--json"]);
    assert_eq!(r["bags"], 4, "{r}");
    // An ingest that died after registering its bag left the local zip:
    // the next run removes it once the bucket is seen to hold those bytes;
    // other bytes under a registered name stay, with a warning.
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut store.open("news/bags/one.zip").unwrap(), &mut bytes).unwrap();
    fs::write(archive.join("bags/one.zip"), &bytes).unwrap();
    bytes[at] ^= 0x55;
    fs::write(archive.join("bags/two.zip"), &bytes).unwrap();
    let (r, _) = archive_json(&garage, &["status", a, "--json"]);
    assert!(!archive.join("bags/one.zip").exists(), "{r}");
    assert!(archive.join("bags/two.zip").exists(), "{r}");
    assert!(
        r["warnings"]
            .to_string()
            .contains("is not the bag the catalog recorded"),
        "{r}"
    );
}

/// The event ids of `history ARCHIVE --format jsonl`, in order.
fn history_ids(garage: &Garage, home: &Path, archive: &str) -> Vec<String> {
    let out = garage.newsbag_in(home, &["history", archive, "--format", "jsonl"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["id"].as_str().unwrap().to_owned()
        })
        .collect()
}

/// The bucket alone holds the archive: the bags, and a copy of the event
/// log beside them. Another machine reads it through a reading copy
/// (`find s3://…`), which records nothing; with the archive's root lost,
/// a new root bound to the bucket gets the whole history back, and the
/// same catalog.
#[test]
fn the_bucket_alone_gives_back_the_archive() {
    let Some(garage) = Garage::start() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let archive = tmp.path().join("archive");
    let a = archive.to_str().unwrap();
    let inbox = Path::new(env!("CARGO_MANIFEST_DIR")).join("archive/inbox");
    let meta = inbox.join("meta.json");
    wait_for_uploads(&garage, &meta);
    let bucket = format!("s3://{BUCKET}/news");
    // Not an archive yet: nothing to read.
    let out = garage.newsbag_in(&home, &["find", &bucket]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no newsbag archive"));
    let out = garage.newsbag_in(
        &home,
        &["ingest", "--archive", &bucket, inbox.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--bags-in"));
    for name in ["one", "two"] {
        let out = garage.newsbag_in(
            &home,
            &[
                "ingest",
                "--archive",
                a,
                "--bags-in",
                &bucket,
                "--date",
                "2026-11-28",
                "--name",
                name,
                "--meta",
                meta.to_str().unwrap(),
                inbox.to_str().unwrap(),
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let (r, code) = archive_json(&garage, &["audit", a, "--json"]);
    assert_eq!(code, 0, "{r}");
    let local_ids = history_ids(&garage, &home, a);
    assert_eq!(local_ids.len(), 4, "two ingests, two fixity checks");
    // The log's copy is in the bucket, in segments of whole lines.
    let store = garage.store();
    let segments = store.list_keys("news/events").unwrap();
    assert!(!segments.is_empty());
    let mut copied = Vec::new();
    for key in &segments {
        std::io::Read::read_to_end(&mut store.open(key).unwrap(), &mut copied).unwrap();
    }
    let mut local = Vec::new();
    for f in fs::read_dir(archive.join("events")).unwrap() {
        local.extend(fs::read(f.unwrap().path()).unwrap());
    }
    assert_eq!(copied, local, "{segments:?}");
    // Another machine reads the archive from the bucket alone.
    let out = garage.newsbag_in(&home, &["find", &bucket, "--json", "--limit", "100"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let remote_hits: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let out = garage.newsbag_in(&home, &["find", a, "--json", "--limit", "100"]);
    let local_hits: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(remote_hits, local_hits);
    assert_eq!(history_ids(&garage, &home, &bucket), local_ids);
    // Served from the bucket: OAI-PMH records and the reading room's pages,
    // every item's `dc.xml` and text read from the bags in place.
    let env = garage.env();
    let mut envs: Vec<(&str, &std::ffi::OsStr)> =
        env.iter().map(|(k, v)| (*k, v.as_ref())).collect();
    envs.push(("NEWSBAG_HOME", home.as_os_str()));
    let server = crate::serve::Server::start_with(Path::new(&bucket), 250, &envs);
    let oai = server.url.clone();
    let get = |url: &str| {
        let out = Command::new("python3")
            .args([
                "-c",
                "import sys, urllib.request; \
                 sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())",
                url,
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{url}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let records = get(&format!("{oai}?verb=ListRecords&metadataPrefix=oai_dc"));
    let n = records.matches("<record>").count();
    drop(server);
    assert_eq!(n, local_hits.as_array().unwrap().len(), "{records}");
    assert!(records.contains("<dc:title>"), "{records}");
    // The reading copy records nothing, and says so.
    let out = garage.newsbag_in(&home, &["status", &bucket, "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (&status["reading_copy"], &status["bags_in"], &status["bags"]),
        (
            &serde_json::json!(true),
            &serde_json::json!(bucket),
            &serde_json::json!(2)
        ),
        "{status}"
    );
    let out = garage.newsbag_in(&home, &["audit", &bucket]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("reading copy"));
    // The root lost: a new one bound to the bucket has it all back.
    fs::remove_dir_all(&archive).unwrap();
    let again = tmp.path().join("again");
    let g = again.to_str().unwrap();
    let out = garage.newsbag_in(&home, &["catalog", "rebuild", g, "--bags-in", &bucket]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(history_ids(&garage, &home, g), local_ids);
    let out = garage.newsbag_in(&home, &["find", g, "--json", "--limit", "100"]);
    let hits: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(hits, local_hits);
    let (r, code) = archive_json(&garage, &["audit", g, "--json"]);
    assert_eq!(
        (code, &r["summary"]["valid"]),
        (0, &serde_json::json!(2)),
        "{r}"
    );
    // Its new events go on from where the bucket's copy stood.
    let ids = history_ids(&garage, &home, g);
    assert_eq!(ids.len(), 6);
    let out = garage.newsbag_in(&home, &["history", &bucket, "--format", "jsonl"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 6);
}

/// Audit workers on machines that have only the bucket: a worker on the
/// archive's machine opens the cycle, two others check the bags from the
/// bucket (`audit s3://… --worker --remote`, through reading copies), and
/// their checks, collected into the archive, name each bag exactly once,
/// the damaged one invalid.
#[test]
fn remote_workers_check_the_bags_in_the_bucket() {
    let Some(garage) = Garage::start() else {
        return;
    };
    let Some(pg) = crate::pg::Postgres::start() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("archive");
    let a = archive.to_str().unwrap();
    let inbox = Path::new(env!("CARGO_MANIFEST_DIR")).join("archive/inbox");
    wait_for_uploads(&garage, &inbox.join("meta.json"));
    let bucket = format!("s3://{BUCKET}/news");
    let names: Vec<String> = (0..12).map(|i| format!("b{i:02}")).collect();
    for name in &names {
        let out = garage.newsbag(&[
            "ingest",
            "--archive",
            a,
            "--bags-in",
            &bucket,
            "--date",
            "2026-11-28",
            "--name",
            name,
            inbox.join("page.html").to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut garage.store().open("news/bags/b05.zip").unwrap(),
        &mut bytes,
    )
    .unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x55;
    let bad = tmp.path().join("bad.zip");
    fs::write(&bad, &bytes).unwrap();
    garage.upload(&bad, "news/bags/b05.zip");
    let url = pg.database("bucket");
    // The cycle opened on the archive's machine (no time to check).
    let out = garage.newsbag(&[
        "audit",
        a,
        "--worker",
        "--catalog",
        &url,
        "--budget",
        "0s",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Two workers elsewhere, each with its own reading copy.
    let workers: Vec<_> = (0..2)
        .map(|i| {
            let home = tmp.path().join(format!("machine{i}"));
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_newsbag"));
            for (k, v) in garage.env() {
                cmd.env(k, v);
            }
            cmd.env("NEWSBAG_HOME", &home)
                .args(["audit", &bucket, "--worker", "--remote", "--catalog", &url])
                .args(["--batch", "2", "--json"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut checked = 0;
    let mut invalid = 0;
    for w in workers {
        let out = w.wait_with_output().unwrap();
        let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
        });
        assert_eq!(r["remote"], true, "{r}");
        checked += r["checked"].as_u64().unwrap();
        invalid += r["invalid"].as_u64().unwrap();
    }
    assert_eq!((checked, invalid), (12, 1));
    // Collected on the archive's machine: every bag once, b05 invalid
    // (and due again: no time is given to check it).
    let out = garage.newsbag(&[
        "audit",
        a,
        "--worker",
        "--catalog",
        &url,
        "--budget",
        "0s",
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = garage.newsbag(&["history", a, "--format", "jsonl"]);
    let mut per_bag: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let e: serde_json::Value = serde_json::from_str(line).unwrap();
        if e["type"] == "fixity_check" {
            per_bag
                .entry(e["bag"].as_str().unwrap().to_owned())
                .or_default()
                .push(e["outcome"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(per_bag.len(), 12, "{per_bag:?}");
    for (bag, outcomes) in &per_bag {
        let want = if bag == "b05" { "failure" } else { "success" };
        assert_eq!(outcomes, &[want], "{bag}");
    }
}
