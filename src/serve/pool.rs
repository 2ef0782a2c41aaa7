//! A bounded pool of read-only catalog connections for `newsbag serve`.
//!
//! SQLite lets many readers read one database at once (the catalog is in
//! WAL mode: readers never wait for each other, nor for an ingest that
//! writes), but one connection answers one query at a time. The pool holds
//! up to `size` read-only connections, opened when first needed and kept
//! for the next request; a request takes one for the time of its blocking
//! work (catalog queries and reading the records from the bags) on tokio's
//! blocking pool, and waits, without a thread, while all are taken. So at
//! most `size` requests do blocking work at once, whatever the number of
//! requests in flight: the memory of their pages and the number of open
//! SQLite connections and zip files stay bounded.
//!
//! A few lines of our own rather than r2d2 (synchronous: its `get` blocks
//! a thread while it waits) or deadpool (a second async pool crate with a
//! rusqlite adapter pinned to its own rusqlite version): a semaphore and a
//! vector of idle connections are all it takes.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::Semaphore;

use crate::archive::catalog::Catalog;
use crate::archive::{Error, Result};

/// Read-only connections to one catalog, at most `size` of them in use.
#[derive(Debug)]
pub struct CatalogPool {
    path: PathBuf,
    idle: Mutex<Vec<Catalog>>,
    permits: Arc<Semaphore>,
    size: usize,
}

/// A connection taken from the pool, given back when dropped (also when
/// the work that holds it panics).
struct Taken<'p> {
    pool: &'p CatalogPool,
    catalog: Option<Catalog>,
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        if let Some(c) = self.catalog.take() {
            self.pool
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(c);
        }
    }
}

impl CatalogPool {
    /// A pool of up to `size` (at least 1) connections to the catalog at
    /// `path`. One connection is opened now, so that a missing, locked or
    /// too old catalog is reported before the server starts.
    pub fn open(path: PathBuf, size: usize) -> Result<Arc<CatalogPool>> {
        let first = Catalog::open_read_only(&path)?;
        let size = size.max(1);
        Ok(Arc::new(CatalogPool {
            path,
            idle: Mutex::new(vec![first]),
            permits: Arc::new(Semaphore::new(size)),
            size,
        }))
    }

    /// The most connections in use at once.
    pub fn size(&self) -> usize {
        self.size
    }

    /// The connections open now and not in use.
    pub fn idle(&self) -> usize {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Runs `work` with a connection on tokio's blocking pool, once one is
    /// free (waiting asynchronously until then). The place in the pool is
    /// held until `work` ends, even when the caller stops waiting for it
    /// (a request that timed out).
    pub async fn run<T, F>(self: &Arc<Self>, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Catalog) -> Result<T> + Send + 'static,
    {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| {
                Error::io(
                    "take a connection from",
                    &self.path,
                    std::io::Error::other("the pool is closed"),
                )
            })?;
        let pool = Arc::clone(self);
        let joined = tokio::task::spawn_blocking(move || {
            // Dropped last: the connection is back before the place is.
            let _permit = permit;
            let idle = pool
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop();
            let catalog = match idle {
                Some(c) => c,
                None => Catalog::open_read_only(&pool.path)?,
            };
            let taken = Taken {
                pool: &pool,
                catalog: Some(catalog),
            };
            work(taken.catalog.as_ref().expect("taken until dropped"))
        })
        .await;
        joined.map_err(|e| {
            Error::io(
                "answer a request from",
                &self.path,
                std::io::Error::other(e.to_string()),
            )
        })?
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;
    use crate::archive::catalog::CATALOG_FILE;

    fn catalog() -> (tempfile::TempDir, PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join(CATALOG_FILE);
        drop(Catalog::open(&path).unwrap());
        (tmp, path)
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
    /// answered, and no more than 3 connections ever opened.
    #[test]
    fn at_most_size_at_work_and_connections_reused() {
        let (_tmp, path) = catalog();
        let pool = CatalogPool::open(path, 3).unwrap();
        let busy = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let answers = runtime().block_on(async {
            let mut tasks = Vec::new();
            for i in 0..40u64 {
                let (pool, busy, peak) = (pool.clone(), busy.clone(), peak.clone());
                tasks.push(tokio::spawn(async move {
                    pool.run(move |c| {
                        let now = busy.fetch_add(1, Ordering::SeqCst) + 1;
                        peak.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(5));
                        let (bags, _, _) = c.totals()?;
                        busy.fetch_sub(1, Ordering::SeqCst);
                        Ok(bags + i)
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
        let (_tmp, path) = catalog();
        let pool = CatalogPool::open(path, 1).unwrap();
        let busy = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let work = |busy: Arc<AtomicUsize>, peak: Arc<AtomicUsize>| {
            move |_: &Catalog| {
                let now = busy.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(300));
                busy.fetch_sub(1, Ordering::SeqCst);
                Ok(())
            }
        };
        runtime().block_on(async {
            let slow = pool.run(work(busy.clone(), peak.clone()));
            let gave_up = tokio::time::timeout(Duration::from_millis(50), slow).await;
            assert!(gave_up.is_err(), "timed out");
            pool.run(work(busy.clone(), peak.clone())).await.unwrap();
        });
        assert_eq!(peak.load(Ordering::SeqCst), 1);
        assert_eq!(pool.idle(), 1, "one connection, never a second");
    }

    /// Work that panics gives its connection back and the pool goes on.
    #[test]
    fn a_panic_gives_the_connection_back() {
        let (_tmp, path) = catalog();
        let pool = CatalogPool::open(path, 1).unwrap();
        let rt = runtime();
        let err = rt
            .block_on(pool.run(|_| -> Result<()> { panic!("in the work") }))
            .unwrap_err();
        assert!(err.to_string().contains("in the work"), "{err}");
        assert_eq!(pool.idle(), 1);
        let (bags, ..) = rt.block_on(pool.run(Catalog::totals)).unwrap();
        assert_eq!(bags, 0);
    }

    #[test]
    fn a_missing_catalog_is_said_at_once() {
        let tmp = tempfile::tempdir().unwrap();
        let err = CatalogPool::open(tmp.path().join(CATALOG_FILE), 2).unwrap_err();
        assert!(matches!(err, Error::NoCatalog { .. }), "{err}");
    }
}
