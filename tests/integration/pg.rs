//! A real PostgreSQL server for the tests: Debian's PostgreSQL (or any
//! `initdb` on the PATH), a cluster made with `initdb` in a temporary
//! directory, started with `pg_ctl` on a free loopback port and stopped
//! (`pg_ctl stop -m immediate`) when dropped.
//!
//! `initdb` refuses to run as root: as root the cluster is made and run
//! by the `postgres` user (`runuser`), its directory given to that user.

use std::fs;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Output};

use crate::util::missing_peer;

/// A running PostgreSQL server, stopped on drop.
pub(crate) struct Postgres {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    as_postgres: bool,
}

/// Where `initdb` and `pg_ctl` are: `NEWSBAG_PG_BIN`, the PATH, or the
/// newest of Debian's `/usr/lib/postgresql/VERSION/bin`.
fn bin_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("NEWSBAG_PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            // Debian links /usr/local/bin/initdb to its versioned bin/:
            // the directory the link points to has the rest.
            if let Ok(initdb) = fs::canonicalize(dir.join("initdb"))
                && let Some(real) = initdb.parent()
                && real.join("pg_ctl").is_file()
            {
                return Some(real.to_owned());
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl Postgres {
    /// Starts a server; `None` (after saying so) without PostgreSQL.
    pub(crate) fn start() -> Option<Postgres> {
        let Some(bin) = bin_dir() else {
            missing_peer(
                "PostgreSQL (`initdb`, `pg_ctl`)",
                "install Debian's `postgresql` package, or set NEWSBAG_PG_BIN",
            );
            return None;
        };
        let dir = tempfile::Builder::new()
            .prefix("newsbag-pg")
            .tempdir()
            .unwrap();
        let as_postgres = is_root();
        if as_postgres {
            let out = Command::new("chown")
                .args(["-R", "postgres:"])
                .arg(dir.path())
                .output()
                .unwrap();
            assert!(out.status.success(), "{out:?}");
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let pg = Postgres {
            bin,
            dir,
            port,
            as_postgres,
        };
        let data = pg.data();
        let out = pg.run(
            "initdb",
            &[
                "-D",
                &data,
                "-A",
                "trust",
                "-U",
                "newsbag",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale",
                "C",
            ],
        );
        assert!(out.status.success(), "initdb: {out:?}");
        let options = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='{}' \
             -c fsync=off -c max_connections=50",
            pg.dir.path().display()
        );
        let log = pg.dir.path().join("server.log").display().to_string();
        let out = pg.run(
            "pg_ctl",
            &[
                "-D", &data, "-o", &options, "-l", &log, "-w", "-t", "60", "start",
            ],
        );
        assert!(
            out.status.success(),
            "pg_ctl start: {out:?}\n{}",
            fs::read_to_string(&log).unwrap_or_default()
        );
        Some(pg)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn run(&self, program: &str, args: &[&str]) -> Output {
        let program = self.bin.join(program);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        // The server's working directory must be readable by its user.
        cmd.args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap()
    }

    /// A new, empty database; its URL.
    pub(crate) fn database(&self, name: &str) -> String {
        let mut client = postgres::Client::connect(&self.url("postgres"), postgres::NoTls)
            .unwrap_or_else(|e| panic!("connecting to the test server: {e}"));
        client
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .unwrap();
        self.url(name)
    }

    /// The URL of database `name`.
    pub(crate) fn url(&self, name: &str) -> String {
        format!("postgres://newsbag@127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.data();
        let _ = self.run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
    }
}
