//! [`ObjectReader`]: one object read by ranges, as a seekable stream.
//!
//! Each cursor holds one block of the object. A read outside it fetches a
//! new block: a small one ([`FIRST_BLOCK`]) after a seek, which is what
//! the headers of a ZIP entry need, and twice the last one (up to
//! [`MAX_WINDOW`]) when the read goes on where the block ended, which is
//! what streaming an entry through the hashers needs. A block of more
//! than [`PART`] bytes is fetched as several ranged requests at once, and
//! while a long entry is being read the next block is already being
//! fetched, so the latency of the store is hidden behind the hashing.
//! A cursor thus holds at most two windows ([`MAX_WINDOW`] each); clones
//! are independent cursors sharing the client (one per hashing thread).

use std::io::{self, Read, Seek, SeekFrom};
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use object_store::path::Path as ObjectPath;
use object_store::{GetOptions, GetRange, ObjectStore};
use tokio::task::JoinHandle;

use super::{Client, Stats, Store, io_error};

/// The block fetched after a seek: a local header and a small entry.
pub(crate) const FIRST_BLOCK: u64 = 16 * 1024;
/// The size of one ranged request within a larger block.
pub(crate) const PART: u64 = 1024 * 1024;
/// The largest block (and read-ahead) of one cursor.
pub(crate) const MAX_WINDOW: u64 = 8 * 1024 * 1024;
/// Objects up to this size are fetched whole, in one request, by the
/// first read of any cursor, and shared by all of them: a small zipped
/// bag costs one request instead of one or two an entry (a 46 KB bag of
/// 50 items took 16 requests and read 275 KB, six times its size).
pub(crate) const WHOLE_OBJECT: u64 = PART;

/// A block of the object held in memory, counted in the store's
/// [`Stats`] for as long as it lives.
struct Block {
    start: u64,
    parts: Vec<Bytes>,
    len: u64,
    client: Arc<Client>,
}

impl Block {
    fn end(&self) -> u64 {
        self.start + self.len
    }

    /// The bytes held from `pos` (inside the block) to the end of the
    /// part holding it.
    fn at(&self, pos: u64) -> &[u8] {
        let mut off = pos - self.start;
        for p in &self.parts {
            let n = p.len() as u64;
            if off < n {
                let from = usize::try_from(off).unwrap_or(usize::MAX);
                return &p[from..];
            }
            off -= n;
        }
        &[]
    }
}

impl Drop for Block {
    fn drop(&mut self) {
        self.client.stats.release(self.len);
    }
}

/// Where the object is and what it is.
struct Object {
    client: Arc<Client>,
    path: ObjectPath,
    url: String,
    len: u64,
    e_tag: Option<String>,
    /// The whole object, if it is small (at most 1 MiB): being
    /// fetched, or fetched.
    whole: std::sync::Mutex<Whole>,
    /// Requests made for this object and bytes received (the store's
    /// [`Stats`] count those of every object, prefetched ones included).
    requests: AtomicU64,
    bytes_read: AtomicU64,
}

impl Drop for Object {
    fn drop(&mut self) {
        if let Ok(whole) = self.whole.get_mut()
            && let Whole::Coming(handle) = whole
        {
            handle.abort();
        }
    }
}

/// The whole of a small object.
enum Whole {
    /// Not asked for yet.
    No,
    /// Being fetched ([`ObjectReader::prefetch`]).
    Coming(JoinHandle<io::Result<Block>>),
    /// Here.
    Here(Arc<Block>),
}

/// A cursor over one object in a bucket: `Read + Seek + Clone`, an
/// [`ArchiveRead`](crate::serialize::ArchiveRead). Opened by
/// [`Store::open`].
pub struct ObjectReader {
    store: Store,
    object: Arc<Object>,
    pos: u64,
    block: Option<Arc<Block>>,
    /// The size of the next block if the read goes on sequentially.
    window: u64,
    /// The next block, being fetched.
    ahead: Option<(Range<u64>, JoinHandle<io::Result<Block>>)>,
}

impl Clone for ObjectReader {
    /// An independent cursor at the same position, sharing the block held
    /// (not copied) but not the read-ahead in flight.
    fn clone(&self) -> Self {
        ObjectReader {
            store: self.store.clone(),
            object: Arc::clone(&self.object),
            pos: self.pos,
            block: self.block.clone(),
            window: FIRST_BLOCK,
            ahead: None,
        }
    }
}

impl std::fmt::Debug for ObjectReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectReader")
            .field("url", &self.object.url)
            .field("len", &self.object.len)
            .field("pos", &self.pos)
            .finish_non_exhaustive()
    }
}

impl Drop for ObjectReader {
    fn drop(&mut self) {
        if let Some((_, handle)) = self.ahead.take() {
            handle.abort();
        }
    }
}

impl ObjectReader {
    pub(super) fn new(
        store: Store,
        path: ObjectPath,
        url: String,
        len: u64,
        e_tag: Option<String>,
    ) -> Self {
        ObjectReader {
            object: Arc::new(Object {
                client: Arc::clone(&store.inner.client),
                path,
                url,
                len,
                e_tag,
                whole: std::sync::Mutex::new(Whole::No),
                requests: AtomicU64::new(0),
                bytes_read: AtomicU64::new(0),
            }),
            store,
            pos: 0,
            block: None,
            window: FIRST_BLOCK,
            ahead: None,
        }
    }

    /// Starts fetching a small object (at most 1 MiB) whole, in the
    /// background, so that it is here when it is read: a listing's next
    /// bags are prefetched while one is verified. Does nothing for a
    /// larger object, or one already asked for.
    pub fn prefetch(&self) {
        if self.object.len > WHOLE_OBJECT || self.object.len == 0 {
            return;
        }
        let Ok(mut whole) = self.object.whole.lock() else {
            return;
        };
        if matches!(*whole, Whole::No) {
            let handle = self
                .store
                .inner
                .rt
                .spawn(fetch(Arc::clone(&self.object), 0..self.object.len));
            *whole = Whole::Coming(handle);
        }
    }

    /// Ranged GET requests made for this object, by every cursor over it.
    pub fn requests(&self) -> u64 {
        self.object.requests.load(Ordering::Relaxed)
    }

    /// Bytes of this object received, by every cursor over it.
    pub fn bytes_read(&self) -> u64 {
        self.object.bytes_read.load(Ordering::Relaxed)
    }

    /// The object's size in bytes.
    pub fn len(&self) -> u64 {
        self.object.len
    }

    /// Whether the object is empty.
    pub fn is_empty(&self) -> bool {
        self.object.len == 0
    }

    /// The object's entity tag when it was opened, if the store gave one.
    pub fn e_tag(&self) -> Option<&str> {
        self.object.e_tag.as_deref()
    }

    /// The object's location, `s3://bucket/key`.
    pub fn url(&self) -> &str {
        &self.object.url
    }

    /// What the readers of the object's store have done so far.
    pub fn stats(&self) -> &Stats {
        self.store.stats()
    }

    /// Makes `self.block` hold `self.pos` (which is before the end).
    fn fill(&mut self) -> io::Result<()> {
        if self.object.len <= WHOLE_OBJECT {
            let object = Arc::clone(&self.object);
            let mut whole = object
                .whole
                .lock()
                .map_err(|_| io::Error::other(format!("{}: a reader panicked", object.url)))?;
            let rt = &self.store.inner.rt;
            let block = match std::mem::replace(&mut *whole, Whole::No) {
                Whole::Here(b) => b,
                Whole::Coming(handle) => Arc::new(joined(rt, handle, &object.url)?),
                Whole::No => Arc::new(rt.block_on(fetch(Arc::clone(&object), 0..object.len))?),
            };
            *whole = Whole::Here(Arc::clone(&block));
            self.block = Some(block);
            return Ok(());
        }
        let pos = self.pos;
        let sequential = self.block.as_ref().is_some_and(|b| b.end() == pos);
        self.window = if sequential {
            (self.window * 2).min(MAX_WINDOW)
        } else {
            FIRST_BLOCK
        };
        let object = Arc::clone(&self.object);
        let rt = &self.store.inner.rt;
        let block = match self.ahead.take() {
            Some((range, handle)) if range.start == pos => joined(rt, handle, &object.url)?,
            other => {
                if let Some((_, handle)) = other {
                    handle.abort();
                }
                let range = pos..(pos + self.window).min(object.len);
                rt.block_on(fetch(Arc::clone(&object), range))?
            }
        };
        let end = block.end();
        self.block = Some(Arc::new(block));
        // Reading on through a long entry: fetch what comes next now.
        if sequential && self.window >= PART && end < object.len {
            let range = end..(end + self.window).min(object.len);
            let handle = rt.spawn(fetch(Arc::clone(&object), range.clone()));
            self.ahead = Some((range, handle));
        }
        Ok(())
    }
}

/// The block a background fetch of the object at `url` gave.
fn joined(
    rt: &tokio::runtime::Runtime,
    handle: JoinHandle<io::Result<Block>>,
    url: &str,
) -> io::Result<Block> {
    rt.block_on(handle)
        .map_err(|e| io::Error::other(format!("{url}: {e}")))?
}

/// Fetches `range` of the object, in parts of [`PART`] bytes requested at
/// once.
async fn fetch(object: Arc<Object>, range: Range<u64>) -> io::Result<Block> {
    let mut parts = Vec::new();
    let mut at = range.start;
    while at < range.end {
        let end = (at + PART).min(range.end);
        parts.push(at..end);
        at = end;
    }
    let requests = parts.iter().map(|r| {
        let object = Arc::clone(&object);
        let r = r.clone();
        async move {
            let opts = GetOptions {
                if_match: object.e_tag.clone(),
                range: Some(GetRange::Bounded(r.clone())),
                ..GetOptions::default()
            };
            let got = object.client.s3.get_opts(&object.path, opts).await;
            let bytes = match got {
                Ok(g) => g.bytes().await,
                Err(e) => Err(e),
            }
            .map_err(|e| io_error(&object.url, &e))?;
            object.client.stats.fetched(bytes.len() as u64);
            object.requests.fetch_add(1, Ordering::Relaxed);
            object
                .bytes_read
                .fetch_add(bytes.len() as u64, Ordering::Relaxed);
            if bytes.len() as u64 != r.end - r.start {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "{}: asked for bytes {}..{}, got {}",
                        object.url,
                        r.start,
                        r.end,
                        bytes.len()
                    ),
                ));
            }
            Ok(bytes)
        }
    });
    let parts = futures::future::try_join_all(requests).await?;
    let len = range.end - range.start;
    object.client.stats.hold(len);
    Ok(Block {
        start: range.start,
        parts,
        len,
        client: Arc::clone(&object.client),
    })
}

impl Read for ObjectReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.object.len || out.is_empty() {
            return Ok(0);
        }
        let held = self
            .block
            .as_ref()
            .is_some_and(|b| b.start <= self.pos && self.pos < b.end());
        if !held {
            self.fill()?;
        }
        let Some(block) = self.block.as_ref() else {
            return Ok(0);
        };
        let avail = block.at(self.pos);
        let n = avail.len().min(out.len());
        out[..n].copy_from_slice(&avail[..n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for ObjectReader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.pos = crate::serialize::seek_position(self.object.len, self.pos, to)?;
        Ok(self.pos)
    }
}
