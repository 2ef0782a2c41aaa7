//! A bounded pool of read-only archives (each with its catalog connection)
//! for `newsbag serve`.
//!
//! Many readers read one catalog at once (SQLite's WAL mode, or
//! PostgreSQL's connections: readers never wait for each other, nor for an
//! ingest that writes), but one connection answers one query at a time.
//! The pool holds up to `size` archives open read-only, opened when first
//! needed and kept for the next request; a request takes one for the time
//! of its blocking work (catalog queries and reading the records from the
//! bags) on tokio's blocking pool, and waits, without a thread, while all
//! are taken. So at most `size` requests do blocking work at once, whatever
//! the number of requests in flight: the memory of their pages and the
//! number of open catalog connections and zip files stay bounded.
//!
//! A catalog replaced while the server runs (`newsbag catalog rebuild`, or
//! the catalog moved to or from PostgreSQL) is noticed at the next request:
//! the archives opened on the old one are dropped, not reused. So is a
//! PostgreSQL connection the server has closed.
//!
//! A few lines of our own rather than r2d2 (synchronous: its `get` blocks
//! a thread while it waits) or deadpool (a second async pool crate, with
//! adapters pinned to their own rusqlite and postgres versions): a
//! semaphore and a vector of idle archives are all it takes.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::Semaphore;

use crate::archive::catalog::Location;
use crate::archive::zips::ZipCache;
use crate::archive::{Archive, Error, Result};

/// Which catalog an archive was opened on: its location, and for an
/// SQLite file the file itself (a rebuild puts a new file in its place).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Identity {
    location: Location,
    file: Option<(u64, u64)>,
}

impl Identity {
    fn of(root: &Path) -> Result<Identity> {
        let location = Location::of(root)?;
        let file = match &location {
            Location::Sqlite(path) => file_identity(path),
            #[allow(unreachable_patterns, reason = "Postgres without the feature")]
            _ => None,
        };
        Ok(Identity { location, file })
    }
}

/// The device and inode of the file at `path`, if it can be read.
#[cfg(unix)]
fn file_identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_identity(_path: &Path) -> Option<(u64, u64)> {
    None
}

/// Read-only archives on one root, at most `size` of them in use.
#[derive(Debug)]
pub struct ArchivePool {
    root: PathBuf,
    zips: Arc<ZipCache>,
    idle: Mutex<Vec<(Identity, Archive)>>,
    permits: Arc<Semaphore>,
    size: usize,
}

/// An archive taken from the pool, given back when dropped (also when
/// the work that holds it panics) if its catalog is still the one in use
/// and its connection usable.
struct Taken<'p> {
    pool: &'p ArchivePool,
    archive: Option<(Option<Identity>, Archive)>,
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        if let Some((Some(identity), archive)) = self.archive.take()
            && archive.catalog().is_usable()
        {
            self.pool
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push((identity, archive));
        }
    }
}

impl ArchivePool {
    /// A pool of up to `size` (at least 1) read-only archives on `root`,
    /// reading the bags' directories through `zips`. One is opened now,
    /// so that a missing, locked or too old catalog is reported before
    /// the server starts.
    pub fn open(root: PathBuf, size: usize, zips: Arc<ZipCache>) -> Result<Arc<ArchivePool>> {
        crate::archive::check_archive(&root)?;
        let identity = Identity::of(&root)?;
        let first = Archive::open_read_only(&root)?.with_zips(Arc::clone(&zips));
        let idle = if Identity::of(&root)? == identity {
            vec![(identity, first)]
        } else {
            Vec::new()
        };
        let size = size.max(1);
        Ok(Arc::new(ArchivePool {
            root,
            zips,
            idle: Mutex::new(idle),
            permits: Arc::new(Semaphore::new(size)),
            size,
        }))
    }

    /// The archive root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The most archives in use at once.
    pub fn size(&self) -> usize {
        self.size
    }

    /// The archives open now and not in use.
    pub fn idle(&self) -> usize {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// An idle archive on the catalog in use now, or a new one; the idle
    /// ones on another catalog are dropped.
    fn take(&self) -> Result<(Option<Identity>, Archive)> {
        let now = Identity::of(&self.root)?;
        let found = {
            let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
            idle.retain(|(identity, _)| *identity == now);
            idle.pop()
        };
        match found {
            Some((identity, archive)) => Ok((Some(identity), archive)),
            None => {
                let archive =
                    Archive::open_read_only(&self.root)?.with_zips(Arc::clone(&self.zips));
                // The catalog may have been replaced while it was opened:
                // kept only if it is still the one named now.
                let kept = (Identity::of(&self.root)? == now).then_some(now);
                Ok((kept, archive))
            }
        }
    }

    /// Runs `work` with an archive on tokio's blocking pool, once one is
    /// free (waiting asynchronously until then). The place in the pool is
    /// held until `work` ends, even when the caller stops waiting for it
    /// (a request that timed out).
    pub async fn run<T, E, F>(self: &Arc<Self>, work: F) -> std::result::Result<T, E>
    where
        T: Send + 'static,
        E: From<Error> + Send + 'static,
        F: FnOnce(&Archive) -> std::result::Result<T, E> + Send + 'static,
    {
        let closed = || {
            Error::io(
                "take an archive from the pool of",
                &self.root,
                std::io::Error::other("the pool is closed"),
            )
        };
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| closed())?;
        let pool = Arc::clone(self);
        let joined = tokio::task::spawn_blocking(move || {
            // Dropped last: the archive is back before the place is.
            let _permit = permit;
            let taken = Taken {
                pool: &pool,
                archive: Some(pool.take()?),
            };
            work(&taken.archive.as_ref().expect("taken until dropped").1)
        })
        .await;
        joined.map_err(|e| {
            E::from(Error::io(
                "answer a request from",
                &self.root,
                std::io::Error::other(e.to_string()),
            ))
        })?
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;
    use crate::archive::catalog::CATALOG_FILE;

    /// An empty archive (its catalog made by opening it).
    fn archive() -> (tempfile::TempDir, PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("archive");
        std::fs::create_dir(&root).unwrap();
        drop(Archive::open(&root).unwrap());
        (tmp, root)
    }

    fn pool(root: PathBuf, size: usize) -> Arc<ArchivePool> {
        ArchivePool::open(root, size, Arc::default()).unwrap()
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .max_blocking_threads(32)
            .enable_time()
            .build()
            .unwrap()
    }

    /// 40 requests at once on a pool of 3: never more than 3 at work, all
    /// answered, and no more than 3 archives ever opened.
    #[test]
    fn at_most_size_at_work_and_archives_reused() {
        let (_tmp, root) = archive();
        let pool = pool(root, 3);
        let busy = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let answers = runtime().block_on(async {
            let mut tasks = Vec::new();
            for i in 0..40u64 {
                let (pool, busy, peak) = (pool.clone(), busy.clone(), peak.clone());
                tasks.push(tokio::spawn(async move {
                    pool.run(move |a| {
                        let now = busy.fetch_add(1, Ordering::SeqCst) + 1;
                        peak.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(5));
                        let (bags, _, _) = a.catalog().totals()?;
                        busy.fetch_sub(1, Ordering::SeqCst);
                        Ok::<_, Error>(bags + i)
                    })
                    .await
                }));
            }
            let mut out = Vec::new();
            for t in tasks {
                out.push(t.await.unwrap().unwrap());
            }
            out
        });
        assert_eq!(answers, (0..40).collect::<Vec<u64>>());
        assert_eq!(peak.load(Ordering::SeqCst), 3, "the pool's bound, reached");
        assert!(pool.idle() <= 3 && pool.idle() >= 1, "{}", pool.idle());
        assert_eq!(pool.size(), 3);
    }

    /// A caller that stops waiting (a request timed out) does not free the
    /// place of work still running: the next one waits for it.
    #[test]
    fn a_timed_out_caller_keeps_its_place_until_the_work_ends() {
        let (_tmp, root) = archive();
        let pool = pool(root, 1);
        let busy = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let work = |busy: Arc<AtomicUsize>, peak: Arc<AtomicUsize>| {
            move |_: &Archive| {
                let now = busy.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(300));
                busy.fetch_sub(1, Ordering::SeqCst);
                Ok::<_, Error>(())
            }
        };
        runtime().block_on(async {
            let slow = pool.run(work(busy.clone(), peak.clone()));
            let gave_up = tokio::time::timeout(Duration::from_millis(50), slow).await;
            assert!(gave_up.is_err(), "timed out");
            pool.run(work(busy.clone(), peak.clone())).await.unwrap();
        });
        assert_eq!(peak.load(Ordering::SeqCst), 1);
        assert_eq!(pool.idle(), 1, "one archive, never a second");
    }

    /// Work that panics gives its archive back and the pool goes on.
    #[test]
    fn a_panic_gives_the_archive_back() {
        let (_tmp, root) = archive();
        let pool = pool(root, 1);
        let rt = runtime();
        let err = rt
            .block_on(pool.run(|_| -> Result<()> { panic!("in the work") }))
            .unwrap_err();
        assert!(err.to_string().contains("in the work"), "{err}");
        assert_eq!(pool.idle(), 1);
        let (bags, ..) = rt.block_on(pool.run(|a| a.catalog().totals())).unwrap();
        assert_eq!(bags, 0);
    }

    /// A catalog file put in place of the one the pool's archives were
    /// opened on (what `catalog rebuild` does) is read from the next
    /// request on: the archives on the old file are dropped.
    #[test]
    fn a_replaced_catalog_is_read_at_the_next_request() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("archive");
        drop(crate::archive::sample_archive(&root, &["one"]));
        let pool = pool(root.clone(), 2);
        let rt = runtime();
        let bags =
            |pool: &Arc<ArchivePool>| rt.block_on(pool.run(|a| a.catalog().totals())).unwrap().0;
        assert_eq!(bags(&pool), 1);
        // An empty catalog made beside, then renamed over the live one.
        let other = tmp.path().join("other");
        std::fs::create_dir(&other).unwrap();
        drop(Archive::open(&other).unwrap());
        std::fs::rename(other.join(CATALOG_FILE), root.join(CATALOG_FILE)).unwrap();
        assert_eq!(bags(&pool), 0, "the new catalog, not the old file");
        assert_eq!(pool.idle(), 1);
    }

    #[test]
    fn a_missing_archive_is_said_at_once() {
        let tmp = tempfile::tempdir().unwrap();
        let err = ArchivePool::open(tmp.path().to_owned(), 2, Arc::default()).unwrap_err();
        assert!(matches!(err, Error::NotAnArchive { .. }), "{err}");
    }
}
