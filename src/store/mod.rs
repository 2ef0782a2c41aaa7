//! Bags in S3-compatible object storage, read in place.
//!
//! An archive root or a zipped bag may be named `s3://BUCKET/PREFIX`.
//! [`Store`] is a connection to one bucket (endpoint, region and
//! credentials from the usual `AWS_*` environment variables: see
//! [`Store::connect`]); [`ObjectReader`] reads one object with ranged
//! requests and is an [`ArchiveRead`](crate::serialize::ArchiveRead), so
//! [`verify_zip_reader`](crate::verify::verify_zip_reader) verifies a
//! zipped bag in the bucket without downloading it: the central directory
//! first, then each entry, several at once.
//!
//! The client is the `object_store` crate (async); a small tokio runtime
//! owned by the [`Store`] runs its requests, and the synchronous reader
//! waits on them with `block_on`.

mod reader;

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt};

use crate::error::{Error, Result};

pub use reader::ObjectReader;

/// An object as a listing found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// Its key.
    pub key: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its entity tag, if the store gave one.
    pub e_tag: Option<String>,
}

/// The scheme of object-store locations.
pub const S3_SCHEME: &str = "s3://";

/// Whether `s` names a location in S3 (`s3://…`).
pub fn is_s3_url(s: &str) -> bool {
    s.len() >= S3_SCHEME.len() && s[..S3_SCHEME.len()].eq_ignore_ascii_case(S3_SCHEME)
}

/// A location in a bucket: `s3://BUCKET/KEY-OR-PREFIX`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    /// The bucket.
    pub bucket: String,
    /// The key (a zipped bag) or prefix (an archive root), without leading
    /// or trailing `/`; empty for the whole bucket.
    pub key: String,
}

impl S3Location {
    /// Parses `s3://BUCKET[/KEY]`.
    pub fn parse(url: &str) -> Result<Self> {
        let bad = |reason: &str| Error::InvalidS3Url {
            url: url.to_owned(),
            reason: reason.to_owned(),
        };
        if !is_s3_url(url) {
            return Err(bad("it does not start with s3://"));
        }
        let rest = &url[S3_SCHEME.len()..];
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(bad("no bucket name"));
        }
        if key.split('/').any(|s| s == "." || s == "..") {
            return Err(bad("`.` and `..` are not allowed in a key"));
        }
        let key = key.trim_matches('/');
        if key.contains("//") {
            return Err(bad("empty path segment"));
        }
        Ok(S3Location {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
        })
    }

    /// Parses `s3://BUCKET[/PREFIX]` naming a prefix to keep an archive's
    /// bags under (an archive's own, or a replica's): not a zip.
    pub fn parse_prefix(url: &str) -> Result<Self> {
        let loc = Self::parse(url)?;
        if loc.is_zip() {
            return Err(Error::InvalidS3Url {
                url: url.to_owned(),
                reason: "names a zip, not a prefix to keep an archive's bags under".into(),
            });
        }
        Ok(loc)
    }

    /// Whether the location names a zipped bag (a key ending in `.zip`)
    /// rather than a prefix holding bags.
    pub fn is_zip(&self) -> bool {
        is_zip_key(&self.key)
    }

    /// The location of `key` in the same bucket.
    pub fn with_key(&self, key: &str) -> Self {
        S3Location {
            bucket: self.bucket.clone(),
            key: key.to_owned(),
        }
    }

    /// The key of `rel` under this prefix: `PREFIX/REL`, or `REL` for the
    /// whole bucket (`PREFIX/` for an empty `rel`).
    pub fn key_of(&self, rel: &str) -> String {
        if self.key.is_empty() {
            rel.to_owned()
        } else {
            format!("{}/{rel}", self.key)
        }
    }

    /// The location as a path for reports (`s3://bucket/key`).
    pub fn to_path(&self) -> PathBuf {
        PathBuf::from(self.to_string())
    }
}

impl fmt::Display for S3Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(f, "{S3_SCHEME}{}", self.bucket)
        } else {
            write!(f, "{S3_SCHEME}{}/{}", self.bucket, self.key)
        }
    }
}

fn is_zip_key(key: &str) -> bool {
    key.len() > 4 && key[key.len() - 4..].eq_ignore_ascii_case(".zip")
}

/// What the readers of one [`Store`] have done: requests, bytes
/// received, and the most bytes held in read buffers at once.
#[derive(Debug, Default)]
pub struct Stats {
    requests: AtomicU64,
    bytes_read: AtomicU64,
    held: AtomicU64,
    peak_held: AtomicU64,
}

impl Stats {
    /// Ranged GET requests made.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }
    /// Bytes received from the store.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read.load(Ordering::Relaxed)
    }
    /// The most bytes held in read buffers at any one time.
    pub fn peak_buffered(&self) -> u64 {
        self.peak_held.load(Ordering::Relaxed)
    }

    fn fetched(&self, n: u64) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.bytes_read.fetch_add(n, Ordering::Relaxed);
    }
    fn hold(&self, n: u64) {
        let now = self.held.fetch_add(n, Ordering::Relaxed) + n;
        self.peak_held.fetch_max(now, Ordering::Relaxed);
    }
    fn release(&self, n: u64) {
        self.held.fetch_sub(n, Ordering::Relaxed);
    }
}

/// A connection to one bucket. Cheap to clone: clones share the client,
/// its connection pool and the runtime.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    client: Arc<Client>,
    bucket: String,
    rt: tokio::runtime::Runtime,
}

/// What the requests in flight hold: never the runtime, which must not be
/// dropped by one of its own tasks.
struct Client {
    s3: Arc<dyn ObjectStore>,
    stats: Stats,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("bucket", &self.inner.bucket)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Connects to `bucket` with the configuration of the environment:
    /// `AWS_ENDPOINT_URL` (or `AWS_ENDPOINT`; unset for AWS itself),
    /// `AWS_REGION` (or `AWS_DEFAULT_REGION`), `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, and `AWS_ALLOW_HTTP=true`
    /// for a server without TLS (a local test server). Requests are made
    /// path-style (`ENDPOINT/BUCKET/KEY`), which every S3-compatible server
    /// accepts. Nothing is requested yet: a wrong credential or a missing
    /// bucket shows at the first request.
    pub fn connect(bucket: &str) -> Result<Self> {
        Self::connect_with(bucket, &[])
    }

    /// [`Store::connect`], with `settings` (the environment variables'
    /// names, `AWS_ENDPOINT_URL` and so on, in any case) taking precedence
    /// over the environment: for flags, and for tests.
    pub fn connect_with(bucket: &str, settings: &[(&str, &str)]) -> Result<Self> {
        let mut builder = AmazonS3Builder::from_env();
        let configured = CONFIGURED.get().map(Vec::as_slice).unwrap_or_default();
        let configured = configured.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        for (key, value) in configured.chain(settings.iter().copied()) {
            let key = key
                .to_ascii_lowercase()
                .parse()
                .map_err(|_| Error::ObjectStore {
                    action: "connect to",
                    url: format!("{S3_SCHEME}{bucket}"),
                    cause: format!("unknown setting `{key}`"),
                })?;
            builder = builder.with_config(key, value);
        }
        let s3 = builder
            .with_bucket_name(bucket)
            // Uploads carry their SHA-256, which the server checks.
            .with_checksum_algorithm(object_store::aws::Checksum::SHA256)
            .build()
            .map_err(|e| Error::ObjectStore {
                action: "connect to",
                url: format!("{S3_SCHEME}{bucket}"),
                cause: e.to_string(),
            })?;
        Self::over(Arc::new(s3), bucket)
    }

    /// A store kept in memory, for the tests of the layers above.
    #[cfg(test)]
    pub(crate) fn in_memory(bucket: &str) -> Self {
        Self::over(Arc::new(object_store::memory::InMemory::new()), bucket)
            .expect("a runtime for the in-memory store")
    }

    /// A store over any `object_store` implementation (the tests' in-memory
    /// one).
    fn over(s3: Arc<dyn ObjectStore>, bucket: &str) -> Result<Self> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("newsbag-s3")
            .enable_all()
            .build()
            .map_err(|e| Error::io("start the runtime for", PathBuf::from(bucket), e))?;
        Ok(Store {
            inner: Arc::new(Inner {
                client: Arc::new(Client {
                    s3,
                    stats: Stats::default(),
                }),
                bucket: bucket.to_owned(),
                rt,
            }),
        })
    }

    /// The location of `key` in this bucket (for messages).
    fn location(&self, key: &str) -> S3Location {
        S3Location {
            bucket: self.inner.bucket.clone(),
            key: key.to_owned(),
        }
    }

    /// The bucket.
    pub fn bucket(&self) -> &str {
        &self.inner.bucket
    }

    /// What this store's readers have done so far.
    pub fn stats(&self) -> &Stats {
        &self.inner.client.stats
    }

    /// The keys of the zipped bags under `prefix` (every key ending in
    /// `.zip`, in any case, at any depth), sorted.
    pub fn list_zips(&self, prefix: &str) -> Result<Vec<String>> {
        Ok(self
            .list_zip_objects(prefix)?
            .into_iter()
            .map(|l| l.key)
            .collect())
    }

    /// The zipped bags under `prefix`, as [`Store::list_zips`], with what
    /// the listing says of each, so that they can be opened without a
    /// request of their own ([`Store::open_listed`]).
    pub fn list_zip_objects(&self, prefix: &str) -> Result<Vec<Listed>> {
        let mut found = self.list_objects(prefix)?;
        found.retain(|l| is_zip_key(&l.key));
        Ok(found)
    }

    /// Every key under `prefix` (whole path segments), sorted.
    pub fn list_keys(&self, prefix: &str) -> Result<Vec<String>> {
        Ok(self
            .list_objects(prefix)?
            .into_iter()
            .map(|l| l.key)
            .collect())
    }

    /// Every object under `prefix` (whole path segments) as a listing
    /// finds it, sorted by key.
    pub fn list_objects(&self, prefix: &str) -> Result<Vec<Listed>> {
        let url = self.location(prefix);
        let prefix = (!prefix.is_empty()).then(|| object_path(prefix));
        let s3 = &self.inner.client.s3;
        let found = self.inner.rt.block_on(async {
            let mut stream = s3.list(prefix.as_ref());
            let mut found = Vec::new();
            while let Some(meta) = stream.next().await {
                let meta = meta?;
                found.push(Listed {
                    key: meta.location.to_string(),
                    size: meta.size,
                    e_tag: meta.e_tag,
                });
            }
            Ok::<_, object_store::Error>(found)
        });
        let mut found = found.map_err(|e| object_error("list", &url, &e))?;
        found.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(found)
    }

    /// Opens an object as a listing found it (no request): its reads ask
    /// for the listed entity tag, so an object replaced since the listing
    /// is an error when read, never a mix of two versions.
    pub fn open_listed(&self, listed: &Listed) -> ObjectReader {
        self.reader(&listed.key, listed.size, listed.e_tag.clone())
    }

    /// A reader of the object at `key`, of `size` bytes and entity tag
    /// `e_tag` as a listing or a HEAD request gave them.
    fn reader(&self, key: &str, size: u64, e_tag: Option<String>) -> ObjectReader {
        ObjectReader::new(
            self.clone(),
            object_path(key),
            self.location(key).to_string(),
            size,
            e_tag,
        )
    }

    /// Opens the object at `key` for reading (one HEAD request: its size
    /// and entity tag). Every later read asks for that entity tag, so an
    /// object replaced while it is read is an error, never a mix of two
    /// versions.
    pub fn open(&self, key: &str) -> Result<ObjectReader> {
        let meta = self
            .inner
            .rt
            .block_on(self.inner.client.s3.head(&object_path(key)))
            .map_err(|e| object_error("open", &self.location(key), &e))?;
        Ok(self.reader(key, meta.size, meta.e_tag))
    }
}

impl Store {
    /// Opens the objects at `keys` as [`Store::open`] does, their HEAD
    /// requests made several at once: `None` for a key with no object.
    pub fn open_all(&self, keys: &[String]) -> Vec<Result<Option<ObjectReader>>> {
        let s3 = &self.inner.client.s3;
        let heads = self.inner.rt.block_on(
            futures::stream::iter(
                keys.iter()
                    .map(|key| async move { (key, s3.head(&object_path(key)).await) }),
            )
            .buffered(16)
            .collect::<Vec<_>>(),
        );
        heads
            .into_iter()
            .map(|(key, head)| match head {
                Ok(meta) => Ok(Some(self.reader(key, meta.size, meta.e_tag))),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(object_error("open", &self.location(key), &e)),
            })
            .collect()
    }

    /// Uploads the local file `from` to `key` with a multipart upload (parts
    /// of [`UPLOAD_PART`] bytes, a few at once, each with its SHA-256 for
    /// the server to check), reading the file a part at a time. The object
    /// appears whole when the upload completes, or not at all: a failed
    /// upload is aborted.
    pub fn upload(&self, from: &std::path::Path, key: &str) -> Result<()> {
        use std::io::Read;
        let url = self.location(key);
        let mut file = std::fs::File::open(from).map_err(|e| Error::io("open", from, e))?;
        let s3 = &self.inner.client.s3;
        let path = object_path(key);
        self.inner.rt.block_on(async {
            let upload = s3
                .put_multipart(&path)
                .await
                .map_err(|e| object_error("upload", &url, &e))?;
            let mut writer = object_store::WriteMultipart::new_with_chunk_size(upload, UPLOAD_PART);
            let mut buf = vec![0; UPLOAD_PART];
            loop {
                let n = match file.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) => {
                        let _ = writer.abort().await;
                        return Err(Error::io("read", from, e));
                    }
                };
                writer.write(&buf[..n]);
                if let Err(e) = writer.wait_for_capacity(4).await {
                    let _ = writer.abort().await;
                    return Err(object_error("upload", &url, &e));
                }
            }
            writer
                .finish()
                .await
                .map_err(|e| object_error("upload", &url, &e))?;
            Ok(())
        })
    }
}

impl Store {
    /// Whether an object is at `key` (one HEAD request).
    pub fn exists(&self, key: &str) -> Result<bool> {
        let url = self.location(key);
        match self
            .inner
            .rt
            .block_on(self.inner.client.s3.head(&object_path(key)))
        {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(object_error("look for", &url, &e)),
        }
    }

    /// Copies the object at `from` to `to` inside the bucket (a
    /// server-side copy; nothing passes through this machine).
    pub fn copy(&self, from: &str, to: &str) -> Result<()> {
        let url = self.location(from);
        self.inner
            .rt
            .block_on(
                self.inner
                    .client
                    .s3
                    .copy(&object_path(from), &object_path(to)),
            )
            .map_err(|e| object_error("copy", &url, &e))
    }
}

/// Settings given on the command line (`--s3-endpoint`, `--s3-region`).
static CONFIGURED: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();

/// Makes `settings` (the environment variables' names, `AWS_ENDPOINT_URL`
/// and so on) take precedence over the environment in every connection
/// this process makes from now on; an `http://` endpoint allows plain
/// HTTP. Only the first call counts. Credentials are never taken from the
/// command line, where other users of the machine could read them: they
/// stay in the environment.
pub fn configure(settings: &[(&str, &str)]) {
    let mut all: Vec<(String, String)> = settings
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    if settings
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("AWS_ENDPOINT_URL") && v.starts_with("http://"))
    {
        all.push(("AWS_ALLOW_HTTP".into(), "true".into()));
    }
    let _ = CONFIGURED.set(all);
}

/// The connection to `bucket` shared by the whole process (made with
/// [`Store::connect`] at the first call): the bags of an archive in a
/// bucket are named by location (`s3://BUCKET/KEY`) in the layers that
/// read them, and each read must not start an HTTP client of its own.
pub fn shared(bucket: &str) -> Result<Store> {
    static STORES: std::sync::OnceLock<
        std::sync::Mutex<std::collections::BTreeMap<String, Store>>,
    > = std::sync::OnceLock::new();
    let stores = STORES.get_or_init(Default::default);
    let mut stores = stores
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(s) = stores.get(bucket) {
        return Ok(s.clone());
    }
    let s = Store::connect(bucket)?;
    stores.insert(bucket.to_owned(), s.clone());
    Ok(s)
}

impl Store {
    /// Writes `bytes` to `key` in one request (with their SHA-256 for the
    /// server to check): small objects, such as a segment of an event
    /// log. The object appears whole or not at all.
    pub fn put_bytes(&self, key: &str, bytes: Vec<u8>) -> Result<()> {
        let url = self.location(key);
        self.inner
            .rt
            .block_on(self.inner.client.s3.put(&object_path(key), bytes.into()))
            .map(|_| ())
            .map_err(|e| object_error("write", &url, &e))
    }
}

/// The part size of [`Store::upload`].
pub const UPLOAD_PART: usize = 8 * 1024 * 1024;

/// A key as `object_store` names it: as it is when it is a valid object
/// path (keys listed by the store are), else with its odd characters
/// percent-encoded.
fn object_path(key: &str) -> ObjectPath {
    ObjectPath::parse(key).unwrap_or_else(|_| ObjectPath::from(key))
}

/// An `object_store` error as newsbag's, naming the object.
fn object_error(action: &'static str, url: &S3Location, e: &object_store::Error) -> Error {
    let cause = match e {
        object_store::Error::NotFound { .. } => "no such object or bucket".to_owned(),
        other => other.to_string(),
    };
    Error::ObjectStore {
        action,
        url: url.to_string(),
        cause,
    }
}

/// An `object_store` error as an I/O error (for `Read`), naming the object.
fn io_error(url: &str, e: &object_store::Error) -> io::Error {
    let kind = match e {
        object_store::Error::NotFound { .. } => io::ErrorKind::NotFound,
        object_store::Error::Precondition { .. } => io::ErrorKind::InvalidData,
        _ => io::ErrorKind::Other,
    };
    let what = match e {
        object_store::Error::Precondition { .. } => {
            "the object changed while it was read".to_owned()
        }
        other => other.to_string(),
    };
    io::Error::new(kind, format!("{url}: {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_locations() {
        let l = S3Location::parse("s3://news/archive/2026/").unwrap();
        assert_eq!(l.bucket, "news");
        assert_eq!(l.key, "archive/2026");
        assert!(!l.is_zip());
        assert_eq!(l.to_string(), "s3://news/archive/2026");
        let z = S3Location::parse("S3://news/a/bag.ZIP").unwrap();
        assert!(z.is_zip());
        assert_eq!(S3Location::parse("s3://news").unwrap().key, "");
        for bad in ["s3://", "s3:///x", "s3://b/a/../c", "s3://b/a//c", "/tmp/x"] {
            assert!(S3Location::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn recognises_urls() {
        assert!(is_s3_url("s3://b"));
        assert!(is_s3_url("S3://b"));
        assert!(!is_s3_url("s3:/b"));
        assert!(!is_s3_url("./s3://b"));
    }
}

#[cfg(test)]
mod reader_tests;
