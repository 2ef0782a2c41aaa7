//! Advisory locks in the archive root: one audit (or rebuild) at a time,
//! and a marker held by each running ingest so that a bag left behind by
//! a killed one can be told from a stranger's.
//!
//! The locks are the operating system's file locks (`flock`, `LockFileEx`)
//! on files that stay in place: a process that dies releases its lock, so
//! a stale file never blocks anything.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::{Error, Result};

/// The lock file of audits, `catalog rebuild` and `replicate`.
pub const AUDIT_LOCK: &str = "audit.lock";

/// Where running ingests leave their markers.
pub const PENDING_DIR: &str = ".newsbag-pending";

/// A lock on the archive for a long job, released on drop: exclusive
/// (an audit, a rebuild, a replication) or shared (audit workers).
#[derive(Debug)]
pub struct ArchiveLock {
    file: File,
    exclusive: bool,
}

impl ArchiveLock {
    /// Takes the archive's lock alone for `what` (`audit`), or refuses at
    /// once naming what holds it.
    pub fn acquire(root: &Path, what: &str) -> Result<ArchiveLock> {
        Self::take(root, what, true)
    }

    /// Takes the archive's lock shared, for `what` (`audit worker`): any
    /// number of workers hold it at once, and an audit, a rebuild or a
    /// replication (which take it alone) waits for none of them but is
    /// refused while they run, as they are while it runs.
    pub fn acquire_shared(root: &Path, what: &str) -> Result<ArchiveLock> {
        Self::take(root, what, false)
    }

    fn take(root: &Path, what: &str, exclusive: bool) -> Result<ArchiveLock> {
        let path = root.join(AUDIT_LOCK);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io("open", &path, e))?;
        let taken = if exclusive {
            file.try_lock()
        } else {
            file.try_lock_shared()
        };
        match taken {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                // An exclusive holder writes what it is; shared holders
                // (workers) write nothing.
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = match holder.trim() {
                    "" => "audit workers".to_owned(),
                    h => h.to_owned(),
                };
                return Err(Error::Locked { path, holder });
            }
            Err(TryLockError::Error(e)) => return Err(Error::io("lock", &path, e)),
        }
        if exclusive {
            let _ = file.set_len(0);
            let _ = writeln!(
                file,
                "{what} by process {} since {}",
                std::process::id(),
                super::now_rfc3339()
            );
        } else {
            log::debug!("{what} holds `{}` shared", path.display());
        }
        Ok(ArchiveLock { file, exclusive })
    }
}

impl Drop for ArchiveLock {
    /// The holder's line is cleared before the lock is released, so that
    /// a later refusal never names a holder that has gone.
    fn drop(&mut self) {
        if self.exclusive {
            let _ = self.file.set_len(0);
        }
    }
}

/// The marker of a running ingest: a locked file under
/// `ARCHIVE/.newsbag-pending/`, removed when the bag is registered.
#[derive(Debug)]
pub struct Intent {
    path: PathBuf,
    _file: File,
}

impl Intent {
    /// Leaves a marker, locked, holding the start time.
    pub fn begin(root: &Path) -> Result<Intent> {
        let dir = root.join(PENDING_DIR);
        // Another ingest finishing may remove the directory, empty, between
        // its creation and this file's: then make it again.
        let mut tries = 0;
        let file = loop {
            fs::create_dir_all(&dir).map_err(|e| Error::io("create", &dir, e))?;
            match tempfile::Builder::new()
                .prefix("ingest-")
                .suffix(".json")
                .tempfile_in(&dir)
            {
                Ok(f) => break f,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && tries < 5 => tries += 1,
                Err(e) => return Err(Error::io("create a file in", &dir, e)),
            }
        };
        let (mut file, path) = file
            .keep()
            .map_err(|e| Error::io("create", &dir, e.error))?;
        file.lock().map_err(|e| Error::io("lock", &path, e))?;
        let started = super::now_unix();
        writeln!(file, "{{\"started\": {started}}}")
            .and_then(|()| file.sync_all())
            .map_err(|e| Error::io("write", &path, e))?;
        super::events::sync_dir(&dir);
        Ok(Intent { path, _file: file })
    }

    /// Removes the marker: the bag is registered (or nothing was made).
    pub fn finish(self) {
        let _ = fs::remove_file(&self.path);
        // Gone when no other ingest runs (a directory with files stays).
        if let Some(dir) = self.path.parent() {
            let _ = fs::remove_dir(dir);
        }
    }
}

/// Markers of ingests that died (their lock is free): the start time of
/// each (seconds since the epoch) and the marker's path.
pub fn orphaned_intents(root: &Path) -> Result<Vec<(u64, PathBuf)>> {
    let dir = root.join(PENDING_DIR);
    let entries = match fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io("read", &dir, e)),
    };
    let mut out = Vec::new();
    for e in entries {
        let path = e.map_err(|e| Error::io("read", &dir, e))?.path();
        let Ok(mut file) = OpenOptions::new().read(true).write(true).open(&path) else {
            continue;
        };
        if file.try_lock().is_err() {
            continue; // its ingest is still running
        }
        let mut text = String::new();
        let _ = file.read_to_string(&mut text);
        let started = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["started"].as_u64())
            .unwrap_or(0);
        out.push((started, path));
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_is_refused_with_the_holder() {
        let tmp = tempfile::tempdir().unwrap();
        let first = ArchiveLock::acquire(tmp.path(), "audit").unwrap();
        let err = ArchiveLock::acquire(tmp.path(), "audit").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("audit by process"), "{msg}");
        drop(first);
        ArchiveLock::acquire(tmp.path(), "audit").unwrap();
    }

    #[test]
    fn workers_share_the_lock_and_keep_an_audit_out() {
        let tmp = tempfile::tempdir().unwrap();
        let one = ArchiveLock::acquire_shared(tmp.path(), "audit worker").unwrap();
        let two = ArchiveLock::acquire_shared(tmp.path(), "audit worker").unwrap();
        let msg = ArchiveLock::acquire(tmp.path(), "audit")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("(audit workers)"), "{msg}");
        drop(one);
        assert!(ArchiveLock::acquire(tmp.path(), "audit").is_err());
        drop(two);
        let audit = ArchiveLock::acquire(tmp.path(), "audit").unwrap();
        let msg = ArchiveLock::acquire_shared(tmp.path(), "audit worker")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("audit by process"), "{msg}");
        // Released, the holder's line is gone with it.
        drop(audit);
        let _worker = ArchiveLock::acquire_shared(tmp.path(), "audit worker").unwrap();
        let msg = ArchiveLock::acquire(tmp.path(), "audit")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("(audit workers)"), "{msg}");
    }

    #[test]
    fn intents_are_orphaned_only_once_their_holder_is_gone() {
        let tmp = tempfile::tempdir().unwrap();
        let intent = Intent::begin(tmp.path()).unwrap();
        assert!(orphaned_intents(tmp.path()).unwrap().is_empty());
        // A holder that dies releases its lock but leaves the file.
        drop(intent);
        let orphans = orphaned_intents(tmp.path()).unwrap();
        assert_eq!(orphans.len(), 1);
        assert!(orphans[0].0 > 0);
        Intent::begin(tmp.path()).unwrap().finish();
        assert_eq!(orphaned_intents(tmp.path()).unwrap().len(), 1);
    }
}
