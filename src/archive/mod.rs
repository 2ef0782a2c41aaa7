//! The archive: a root directory of zipped bags (`ARCHIVE/bags/*.zip`)
//! with a catalog, an event log and scheduled audits.
//!
//! This layer sits on top of [`crate::ingest`] and [`crate::verify`] and
//! uses them as any caller would; nothing below imports it.
//!
//! - [`catalog`]: `ARCHIVE/catalog.sqlite` (SQLite, WAL), an index that can
//!   always be rebuilt.
//! - [`events`]: `ARCHIVE/events/*.jsonl`, the append-only event log, the
//!   one record the bags do not hold. Every event is appended there, and
//!   made durable, before the catalog transaction recording it commits; a
//!   catalog that lags behind the log catches up when opened.
//! - [`register`]: a zipped bag read in place into catalog rows.
//! - [`audit`], [`replica`], [`status`], [`premis`], [`metrics`],
//!   [`lock`]: the jobs built on them.
//!
//! The bags stay the truth: [`rebuild()`] makes the catalog again from the
//! bags and the log, and the result equals the catalog built as events
//! happened.

pub mod audit;
pub mod bags;
pub mod catalog;
pub mod copy;
pub mod events;
pub mod lock;
#[cfg(feature = "s3")]
pub mod log_copy;
pub mod metrics;
#[cfg(feature = "postgres")]
pub mod pg;
pub mod premis;
pub mod rebuild;
pub mod register;
pub mod replica;
pub mod search;
pub mod stations;
pub mod status;
#[cfg(feature = "postgres")]
pub mod workers;
pub mod zips;

pub use rebuild::{Rebuilt, rebuild, rebuild_into};

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use catalog::{CATALOG_FILE, Catalog, Location, Writer};
use events::{Event, EventType, Log, Outcome};
use register::{BagRecord, Registration, read_bag};

use crate::ingest::{IngestOptions, IngestSummary, Input};
use crate::progress::Reporter;

/// A specialised `Result` for the archive layer.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can make an archive operation fail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An error of the layers below (ingest, verify, I/O on bags).
    #[error(transparent)]
    Newsbag(#[from] crate::Error),
    /// An I/O operation on `path` failed.
    #[error("failed to {action} `{path}`: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// SQLite failed on the catalog.
    #[error("catalog `{path}`: {source}")]
    Catalog {
        /// The catalog.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: rusqlite::Error,
    },
    /// The catalog file is damaged or is not a newsbag catalog.
    #[error(
        "`{path}` is not a readable newsbag catalog ({reason}); nothing is lost: move it aside \
         and run `newsbag catalog rebuild` to make it again from the bags and the event log"
    )]
    CorruptCatalog {
        /// The catalog.
        path: PathBuf,
        /// What SQLite said.
        reason: String,
    },
    /// The catalog was written by a newer newsbag.
    #[error(
        "`{path}` was written by a newer newsbag (catalog schema version {found}, this newsbag \
         knows versions up to {known}): use that newsbag or a later one"
    )]
    NewerCatalog {
        /// The catalog.
        path: PathBuf,
        /// Its schema version.
        found: u32,
        /// The newest this newsbag knows.
        known: u32,
    },
    /// A read-only catalog of an older schema cannot be migrated.
    #[error(
        "`{path}` has catalog schema version {found}, older than {known}, and cannot be \
         migrated while read-only: run any newsbag command that writes to the archive"
    )]
    OldCatalog {
        /// The catalog.
        path: PathBuf,
        /// Its schema version.
        found: u32,
        /// The version this newsbag writes.
        known: u32,
    },
    /// The catalog cannot be written (a read-only archive).
    #[error("cannot write the catalog `{path}` ({reason}): is the archive read-only?")]
    CatalogUnwritable {
        /// The catalog.
        path: PathBuf,
        /// What SQLite said.
        reason: String,
    },
    /// Another process kept the catalog locked too long.
    #[error("the catalog `{path}` stayed locked by another newsbag for more than a minute")]
    CatalogBusy {
        /// The catalog.
        path: PathBuf,
    },
    /// There is no catalog to read.
    #[error("no catalog at `{path}`: run `newsbag catalog rebuild` to make one")]
    NoCatalog {
        /// Where it should be.
        path: PathBuf,
    },
    /// Another audit (or rebuild, or replication) holds the archive.
    #[error("another newsbag holds `{path}` ({holder}): run this again once it has finished")]
    Locked {
        /// The lock file.
        path: PathBuf,
        /// What the lock file says of its holder.
        holder: String,
    },
    /// The event log cannot be written or read.
    #[error("event log `{path}`: {reason}")]
    EventLog {
        /// The log file or directory.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A bag cannot be read for registration.
    #[error("cannot register `{path}`: {reason}")]
    BadBag {
        /// The zip.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The archive root is unusable.
    #[error("`{path}` is not an archive root: {reason}")]
    NotAnArchive {
        /// The path given.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// `history` was asked about a bag or item the catalog does not know.
    #[error("no bag or item `{name}` in the catalog of `{archive}`")]
    UnknownSubject {
        /// The name asked for.
        name: String,
        /// The archive.
        archive: PathBuf,
    },
    /// An ingested bag is in place but its registration failed.
    #[error(
        "the bag `{bag}` is in place but not registered ({source}); the next ingest, audit or \
         status adopts it"
    )]
    NotRegistered {
        /// The zip.
        bag: PathBuf,
        /// Why the registration failed.
        #[source]
        source: Box<Error>,
    },
    /// The shared PostgreSQL database of audit workers cannot be used.
    #[error("PostgreSQL catalog `{catalog}`: {reason}")]
    Coordination {
        /// The database, its password left out.
        catalog: String,
        /// What is wrong.
        reason: String,
    },
    /// A replica root cannot be used.
    #[error("replica `{path}`: {reason}")]
    Replica {
        /// The replica root or file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

impl Error {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// The agent recorded in every event.
pub fn agent() -> String {
    format!("newsbag {}", env!("CARGO_PKG_VERSION"))
}

/// Seconds since the Unix epoch, now: the archive layer's one clock.
#[allow(
    clippy::disallowed_methods,
    reason = "events record when they happened; no bag content depends on it"
)]
pub fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The time before which a bag's last full check makes it overdue at
/// `now` in a cycle of `cycle` (RFC 3339, compared as text).
pub(crate) fn cycle_cutoff(now: u64, cycle: std::time::Duration) -> String {
    rfc3339(now.saturating_sub(cycle.as_secs()))
}

/// `secs` since the epoch as RFC 3339 (UTC, seconds).
pub fn rfc3339(secs: u64) -> String {
    chrono::DateTime::from_timestamp(i64::try_from(secs).unwrap_or(0), 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Now as RFC 3339.
pub fn now_rfc3339() -> String {
    rfc3339(now_unix())
}

/// Parses an RFC 3339 time (or a `YYYY-MM-DD` date) to seconds since the
/// epoch.
pub fn parse_time(s: &str) -> Option<u64> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return u64::try_from(t.timestamp()).ok();
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|t| u64::try_from(t.and_utc().timestamp()).ok())
}

/// A new event identifier (`urn:uuid:`, random, version 4).
fn new_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut bytes = [0u8; 16];
    for (i, half) in bytes.chunks_mut(8).enumerate() {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        h.write_u64(now_unix());
        h.write_u32(std::process::id());
        h.write_usize(i);
        half.copy_from_slice(&h.finish().to_le_bytes());
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// A new event of the current time and agent.
pub fn event(kind: EventType, bag: &str, outcome: Outcome, detail: serde_json::Value) -> Event {
    Event {
        id: new_id(),
        time: now_rfc3339(),
        kind,
        bag: bag.to_owned(),
        item: None,
        outcome,
        agent: agent(),
        detail,
        seq: None,
    }
}

/// An archive root with its catalog and event log, open for work.
#[derive(Debug)]
pub struct Archive {
    root: PathBuf,
    /// Where the bags lie: under the root, or in a bucket.
    bags: bags::Bags,
    catalog: Catalog,
    log: Log,
    /// Parsed central directories of the bags read from (its own, or one
    /// shared by a server's requests).
    zips: Arc<zips::ZipCache>,
    /// Things worth telling (damaged or torn event log lines).
    pub warnings: Vec<String>,
    /// The copy of the event log in the bucket of the bags, if they are in
    /// one and the archive is open for writing.
    #[cfg(feature = "s3")]
    log_copy: Option<LogCopy>,
}

/// Where the copy of the event log in the bucket stands.
#[cfg(feature = "s3")]
#[derive(Debug)]
struct LogCopy {
    loc: crate::store::S3Location,
    /// How much of each recent log file the bucket holds (found from the
    /// bucket at the first copy).
    done: Option<std::collections::BTreeMap<String, u64>>,
    /// When the last copy was made, and whether events wait.
    last: Option<std::time::Instant>,
    waiting: bool,
}

/// Fixity events wait this long to be copied to the bucket; others go at once.
#[cfg(feature = "s3")]
const LOG_COPY_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

impl Drop for Archive {
    /// The last events go to the bucket's copy of the log (a failure is
    /// logged: the events are in the local log, and the next run copies
    /// them).
    fn drop(&mut self) {
        #[cfg(feature = "s3")]
        if let Err(e) = self.copy_log(true) {
            log::warn!("the event log's copy in the bucket is behind: {e}");
        }
    }
}

impl Archive {
    /// Opens the archive at `root` for reading and writing: the catalog is
    /// created if missing, migrated, and brought up to date with the event
    /// log (a catalog deleted is thus rebuilt from the log's history; the
    /// bags not in the log are adopted by [`rebuild()`]).
    pub fn open(root: &Path) -> Result<Archive> {
        check_root(root)?;
        Archive::caught_up(root, Catalog::open_location(&Location::of(root)?)?)
    }

    /// The archive at `root` with `catalog`, brought up to date with the
    /// event log.
    fn caught_up(root: &Path, catalog: Catalog) -> Result<Archive> {
        let bags = bags::Bags::of(root)?;
        let station = bags::station_of(root)?;
        if let Some(name) = &station
            && !catalog.is_postgres()
        {
            return Err(Error::NotAnArchive {
                path: root.to_owned(),
                reason: format!(
                    "it is station `{name}` of its archive, whose catalog must be the archive's \
                     PostgreSQL catalog (`{}`), not a file of its own",
                    catalog::CATALOG_LINK
                ),
            });
        }
        let mut archive = Archive {
            root: root.to_owned(),
            #[cfg(feature = "s3")]
            log_copy: bags
                .bucket_prefix()
                .filter(|_| matches!(bags::reading_copy_of(root), Ok(None)))
                .map(|loc| LogCopy {
                    loc: stations::log_home(loc, station.as_deref()),
                    done: None,
                    last: None,
                    // A backlog left by an earlier run goes with this
                    // run's first record (reading commands record none,
                    // and ask the bucket nothing).
                    waiting: false,
                }),
            bags,
            catalog,
            log: Log::new(root).named(station.as_deref().unwrap_or_default()),
            zips: Arc::default(),
            warnings: Vec::new(),
        };
        // Its own log, and the other roots' logs brought from the bucket
        // by a rebuild or a reading copy (none on most roots).
        let mut logs = vec![archive.log.clone()];
        logs.extend(stations::peer_logs(root)?);
        let w = archive.catalog.write()?;
        stations::catch_up_all(&archive.bags, &logs, &w, &mut archive.warnings)?;
        w.commit()?;
        Ok(archive)
    }

    /// Opens the archive for reading: read-write where possible (so that
    /// bags left by an interrupted ingest are adopted), else read-only (a
    /// read-only archive or mount).
    pub fn open_for_reading(root: &Path) -> Result<Archive> {
        Archive::open_existing(root)
    }

    /// Opens the archive at `root` as [`Archive::open_for_reading`] does,
    /// refusing a directory that holds neither a catalog, an event log nor
    /// `bags/` (a mistyped path gets no catalog of its own).
    pub fn open_existing(root: &Path) -> Result<Archive> {
        check_archive(root)?;
        match Archive::open(root) {
            Err(Error::CatalogUnwritable { .. } | Error::Io { .. }) if root.is_dir() => {
                let catalog = Catalog::open_read_only_location(&Location::of(root)?)?;
                Ok(Archive {
                    root: root.to_owned(),
                    bags: bags::Bags::of(root)?,
                    #[cfg(feature = "s3")]
                    log_copy: None,
                    catalog,
                    log: Log::new(root).named(&bags::station_of(root)?.unwrap_or_default()),
                    zips: Arc::default(),
                    warnings: vec![
                        "the archive is read-only: the catalog was read as it is".into(),
                    ],
                })
            }
            r => r,
        }
    }

    /// Opens the archive at `root` with its catalog read-only and as it
    /// is: nothing is written, not even the events the catalog has not
    /// caught up with (`newsbag serve`, which must never write).
    pub fn open_read_only(root: &Path) -> Result<Archive> {
        check_archive(root)?;
        let catalog = Catalog::open_read_only_location(&Location::of(root)?)?;
        Ok(Archive {
            root: root.to_owned(),
            bags: bags::Bags::of(root)?,
            #[cfg(feature = "s3")]
            log_copy: None,
            catalog,
            log: Log::new(root).named(&bags::station_of(root)?.unwrap_or_default()),
            zips: Arc::default(),
            warnings: Vec::new(),
        })
    }

    /// The archive reading its bags' directories from `zips` (kept there
    /// for the next reads, by this archive and every other sharing them).
    #[must_use]
    pub fn with_zips(mut self, zips: Arc<zips::ZipCache>) -> Archive {
        self.zips = zips;
        self
    }

    /// The archive's cache of the bags' central directories (its own, or
    /// one shared by a server's requests).
    pub fn zips(&self) -> &zips::ZipCache {
        &self.zips
    }

    /// A reader of the items' files in the bags, through the archive's
    /// cache of central directories.
    #[must_use]
    pub fn items(&self) -> search::find::ItemReader {
        search::find::ItemReader::with_cache(Arc::clone(&self.zips))
    }

    /// The archive root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the bags lie.
    pub fn bags(&self) -> &bags::Bags {
        &self.bags
    }

    /// The location of the bag registered at `rel` (relative to the root):
    /// a path, or `s3://BUCKET/KEY` for an archive whose bags are in a
    /// bucket. Read it with [`bags::BagSource::open`].
    pub fn bag_location(&self, rel: &str) -> PathBuf {
        self.bags.location(rel)
    }

    /// The catalog.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Appends each event to the log and records it in the catalog, in one
    /// transaction (with the registration of ingest and adopt events).
    pub fn record(&mut self, events: &[(Event, Option<Registration>)]) -> Result<()> {
        let w = self.catalog.write()?;
        catch_up(&self.bags, &self.log, &w, &mut self.warnings)?;
        if events.is_empty() {
            return w.commit();
        }
        // Applied first (a bag that cannot be read registers nothing and
        // logs nothing), then appended and made durable, in one write,
        // before the commit.
        let mut all: Vec<Event> = Vec::with_capacity(events.len());
        for (e, reg) in events {
            let seq = w.apply(e, reg.as_ref())?;
            all.push(Event {
                seq: Some(seq),
                ..e.clone()
            });
        }
        let pos = self.log.append_all(&all)?;
        w.set_log_position(self.log.name(), &pos)?;
        w.commit()?;
        #[cfg(feature = "s3")]
        {
            let urgent = all
                .iter()
                .any(|e| !matches!(e.kind, EventType::FixityCheck | EventType::CopyCheck));
            if let Some(c) = &mut self.log_copy {
                c.waiting = true;
            }
            if let Err(e) = self.copy_log(urgent) {
                let w = format!(
                    "the event log's copy in the bucket is behind ({e}); the events are in the \
                     local log, and the next run copies them"
                );
                if !self.warnings.contains(&w) {
                    self.warnings.push(w);
                }
            }
        }
        Ok(())
    }

    /// Copies the events the bucket's copy of the log lacks, if the bags
    /// are in a bucket (`now`, or if the last copy is a minute old).
    #[cfg(feature = "s3")]
    fn copy_log(&mut self, now: bool) -> Result<()> {
        let Some(c) = &mut self.log_copy else {
            return Ok(());
        };
        if !c.waiting || (!now && c.last.is_some_and(|t| t.elapsed() < LOG_COPY_EVERY)) {
            return Ok(());
        }
        c.last = Some(std::time::Instant::now());
        let store = crate::store::shared(&c.loc.bucket)?;
        if c.done.is_none() {
            c.done = Some(log_copy::shipped(&self.log, &store, &c.loc)?);
        }
        if let Some(done) = &mut c.done {
            log_copy::ship(&self.log, &store, &c.loc, done)?;
        }
        c.waiting = false;
        Ok(())
    }

    /// Records when an audit ended, and whether it found everything well.
    pub fn set_last_audit(&mut self, time: &str, success: bool) -> Result<()> {
        let w = self.catalog.write()?;
        w.set_meta("last_audit_run", time)?;
        if success {
            w.set_meta("last_audit_success", time)?;
        }
        w.commit()
    }

    /// The path of `zip` relative to the root, `/`-separated.
    pub fn relative(&self, zip: &Path) -> String {
        relative(&self.root, zip)
    }

    /// Reads the zipped bag at `zip` and registers it with an event of
    /// `kind` (ingest or adopt); `extra` is added to the event's detail.
    pub fn register(
        &mut self,
        zip: &Path,
        kind: EventType,
        extra: serde_json::Value,
    ) -> Result<Event> {
        let rel = self.relative(zip);
        // An archive whose bags are in a bucket: the bag is there, proved,
        // before it is registered (it is hashed once, for both).
        let hashed = self.bags.publish(zip, &rel)?;
        // The items are read while they are recorded (on a thread beside
        // the catalog's: `Registration::items`), in one transaction, so an
        // unreadable item records nothing.
        let reg = read_bag(zip, &rel, hashed.clone())?;
        let e = self.record_registration(reg, kind, extra)?;
        if hashed.is_some() {
            // Registered, and in the bucket: the local zip was only on its
            // way there.
            let _ = fs::remove_file(zip);
        }
        Ok(e)
    }

    /// Registers the bag at `rel` where it lies (an object in the bucket
    /// of the bags the catalog does not know), read in place, with an
    /// adopt event whose detail has `reason`.
    ///
    /// A bag another root of the archive is ingesting at this moment (its
    /// object uploaded, its registration not yet committed) is left to it:
    /// its name is locked ([`Catalog::lock_bag_name`]), and this is an
    /// error saying so; `None` if that root registered it meanwhile.
    pub fn adopt_in_place(&mut self, rel: &str, reason: &str) -> Result<Option<Event>> {
        let name = rel
            .strip_prefix("bags/")
            .and_then(|r| r.strip_suffix(".zip"))
            .unwrap_or(rel)
            .to_owned();
        self.catalog.lock_bag_name(&name)?;
        let adopted = match self.catalog.bag(&name) {
            Ok(Some(_)) => Ok(None),
            Ok(None) => read_bag(&self.bag_location(rel), rel, None).and_then(|reg| {
                self.record_registration(
                    reg,
                    EventType::Adopt,
                    serde_json::json!({ "reason": reason }),
                )
                .map(Some)
            }),
            Err(e) => Err(e),
        };
        if let Err(e) = self.catalog.unlock_bag_name(&name) {
            log::warn!("the lock on bag name `{name}` stays until the connection closes: {e}");
        }
        adopted
    }

    /// Records `reg` with an event of `kind` (ingest or adopt) whose
    /// detail is the bag's record and `extra`.
    fn record_registration(
        &mut self,
        reg: Registration,
        kind: EventType,
        extra: serde_json::Value,
    ) -> Result<Event> {
        let e = registration_event(&reg, kind, extra);
        self.record(&[(e.clone(), Some(reg))])?;
        Ok(e)
    }

    /// Zipped bags on disk that the catalog does not know, sorted.
    pub fn unknown_bags(&self) -> Result<Vec<PathBuf>> {
        let known: std::collections::BTreeSet<String> = self
            .catalog
            .bags_by_check_age()?
            .into_iter()
            .map(|b| b.path)
            .collect();
        Ok(self
            .zips_on_disk()?
            .into_iter()
            .filter(|p| !known.contains(&self.relative(p)))
            .collect())
    }

    /// Bag directories under the root (unzipped bags, as `verify ARCHIVE`
    /// finds them): never catalogued (the catalog, the audit and the
    /// reading room hold zipped bags), so reported as unknown by `audit` and
    /// `status` with what to do, never silently ignored.
    pub fn bag_directories(&self) -> Result<Vec<PathBuf>> {
        Ok(crate::verify::find_bags(&self.root)?
            .into_iter()
            .filter(|p| p != &self.root && !self.in_quarantine(p) && p.is_dir())
            .collect())
    }

    fn in_quarantine(&self, path: &Path) -> bool {
        path.strip_prefix(&self.root)
            .is_ok_and(|rel| rel.starts_with("quarantine"))
    }

    /// Every zipped bag under the root, as `verify ARCHIVE` finds them.
    pub fn zips_on_disk(&self) -> Result<Vec<PathBuf>> {
        Ok(crate::verify::find_bags(&self.root)?
            .into_iter()
            .filter(|p| crate::verify::is_zip_path(p))
            .collect())
    }

    /// Adopts the bags left by ingests that were killed between renaming
    /// their bag into place and registering it: complete bags, not in the
    /// catalog, written after the ingest started. Returns the events.
    pub fn adopt_interrupted(&mut self) -> Result<Vec<Event>> {
        self.settle_outbox()?;
        let orphans = lock::orphaned_intents(&self.root)?;
        if orphans.is_empty() {
            return Ok(Vec::new());
        }
        let earliest = orphans.iter().map(|(t, _)| *t).min().unwrap_or(0);
        let mut adopted = Vec::new();
        let mut failed = false;
        for zip in self.unknown_bags()? {
            let mtime = fs::metadata(&zip)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_secs());
            if mtime + 2 < earliest {
                continue;
            }
            match self.register(
                &zip,
                EventType::Adopt,
                serde_json::json!({"reason": "left by an interrupted ingest"}),
            ) {
                Ok(e) => adopted.push(e),
                Err(e) => {
                    failed = true;
                    self.warnings
                        .push(format!("`{}` not adopted: {e}", zip.display()));
                }
            }
        }
        // A bag not adopted (its bucket unreachable, say) keeps the
        // markers, so that the next run tries again.
        if !failed {
            for (_, path) in orphans {
                let _ = fs::remove_file(path);
            }
        }
        Ok(adopted)
    }
}

impl Archive {
    /// For an archive whose bags are in a bucket: removes the local zips
    /// left in `bags/` by an ingest that died after registering its bag
    /// (the catalog knows them, they are the bytes it recorded, and the
    /// bucket holds an object of their size). Any other zip stays, to be
    /// adopted (and so uploaded) or looked at.
    fn settle_outbox(&mut self) -> Result<()> {
        if !self.bags.in_bucket() {
            return Ok(());
        }
        let local = self.zips_on_disk()?;
        if local.is_empty() {
            return Ok(());
        }
        // Only these zips are looked up, in the catalog, then those it
        // knows in the bucket (not every bag of either).
        let mut known = Vec::new();
        for zip in local {
            let rel = self.relative(&zip);
            let Some(name) = zip.file_stem().and_then(|n| n.to_str()) else {
                continue;
            };
            if let Some(bag) = self.catalog.bag(name)?.filter(|b| b.path == rel) {
                known.push((zip, rel, bag));
            }
        }
        let rels: Vec<String> = known.iter().map(|(_, rel, _)| rel.clone()).collect();
        let objects = self.bags.open_all(&rels);
        for ((zip, rel, bag), object) in known.iter().zip(objects) {
            if !matches!(object, Ok(Some(o)) if o.len() == bag.size) {
                continue;
            }
            match register::file_sha256(zip) {
                Ok((size, sha)) if size == bag.size && sha == bag.sha256 => {
                    fs::remove_file(zip).map_err(|e| Error::io("remove", zip, e))?;
                }
                _ => self.warnings.push(format!(
                    "`{}` is not the bag the catalog recorded at `{rel}` (whose copy is in the \
                     bucket): left in place, look at it",
                    zip.display()
                )),
            }
        }
        Ok(())
    }
}

/// Refuses a path that is not a directory holding a catalog, an event log
/// or `bags/`.
pub(crate) fn check_archive(root: &Path) -> Result<()> {
    check_root(root)?;
    if [
        "catalog.sqlite",
        catalog::CATALOG_LINK,
        "events",
        "bags",
        bags::STORE_FILE,
    ]
    .iter()
    .any(|p| root.join(p).exists())
    {
        return Ok(());
    }
    Err(Error::NotAnArchive {
        path: root.to_owned(),
        reason: "no catalog.sqlite, events/, bags/ or store.json in it".into(),
    })
}

fn check_root(root: &Path) -> Result<()> {
    match fs::metadata(root) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(Error::NotAnArchive {
            path: root.to_owned(),
            reason: "not a directory".into(),
        }),
        Err(e) => Err(Error::io("read", root, e)),
    }
}

/// The path of `zip` relative to `root`, `/`-separated.
fn relative(root: &Path, zip: &Path) -> String {
    let rel = zip.strip_prefix(root).unwrap_or(zip);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The event of kind `kind` (ingest or adopt) registering `reg`: its
/// detail is the bag's record and `extra`.
fn registration_event(reg: &Registration, kind: EventType, extra: serde_json::Value) -> Event {
    let mut detail = serde_json::json!({ "bag": reg.bag });
    if let (Some(d), serde_json::Value::Object(extra)) = (detail.as_object_mut(), extra) {
        d.extend(extra);
    }
    event(kind, &reg.bag.name, Outcome::Success, detail)
}

/// Applies the log's events that the catalog has not recorded (appended
/// by a process that died before its commit, or all of them for a new
/// catalog), inside the write transaction `w`.
fn catch_up(
    bags: &bags::Bags,
    log: &Log,
    w: &Writer<'_>,
    warnings: &mut Vec<String>,
) -> Result<usize> {
    let from = w.log_position(log.name())?;
    let mut applied = 0;
    let (end, bad) = log.for_each_from(&from, &mut |e, _| {
        applied += usize::from(apply_new(bags, w, &e)?);
        Ok(())
    })?;
    warnings.extend(bad.iter().map(ToString::to_string));
    if end != from {
        w.set_log_position(log.name(), &end)?;
    }
    Ok(applied)
}

/// Applies `e`, read from an event log, unless the catalog has it already
/// (with its registration, read from the bag); whether it was applied.
fn apply_new(bags: &bags::Bags, w: &Writer<'_>, e: &Event) -> Result<bool> {
    if w.has_event(&e.id)? {
        return Ok(false);
    }
    let reg = registration_of(bags, e);
    w.apply(e, reg.as_ref())?;
    Ok(true)
}

/// The registration an ingest or adopt event records: the bag as the event
/// has it, with its items read from the bag on disk (those readable).
fn registration_of(bags: &bags::Bags, e: &Event) -> Option<Registration> {
    if !matches!(e.kind, EventType::Ingest | EventType::Adopt) {
        return None;
    }
    let bag: BagRecord = serde_json::from_value(e.detail["bag"].clone()).ok()?;
    let zip = bags.location(&bag.path);
    Some(Registration {
        bag,
        zip,
        strict: false,
        walkable: None,
    })
}

/// What [`ingest_and_register`] did.
#[derive(Debug)]
pub struct Ingested {
    /// The ingest's own summary.
    pub summary: IngestSummary,
    /// The ingest event.
    pub event: Event,
    /// Bags of earlier, interrupted ingests adopted on the way.
    pub adopted: Vec<Event>,
    /// Warnings of the archive layer.
    pub warnings: Vec<String>,
}

/// Ingests `inputs` ([`crate::ingest::ingest`] writes, verifies and
/// renames the bag into place) and registers the bag in the catalog of
/// `options.archive`, reading it back as `catalog rebuild` would.
///
/// A crash between the rename and the registration leaves a complete bag
/// not yet registered, and a marker under `ARCHIVE/.newsbag-pending/`: the
/// next ingest, audit or status adopts it with an event.
pub fn ingest_and_register(
    inputs: &[Input],
    options: &IngestOptions,
    reporter: &dyn Reporter,
) -> Result<Ingested> {
    let root = &options.archive;
    bags::check_writable(root, "ingest")?;
    fs::create_dir_all(root).map_err(|e| Error::io("create", root, e))?;
    let mut archive = Archive::open(root)?;
    let adopted = archive.adopt_interrupted()?;
    // The bag's name is taken once in the whole archive: reserved (on
    // PostgreSQL, against the other roots ingesting into the catalog; the
    // reservation ends with the catalog's connection, at the latest when
    // this returns) and refused if the catalog or the bucket has it.
    let name = crate::ingest::bag_name(inputs, options)?;
    archive.catalog.lock_bag_name(&name)?;
    let rel = format!("bags/{name}.zip");
    let taken = archive.catalog.bag(&name)?.is_some()
        || match archive.bags.exists(&rel) {
            Ok(there) => there,
            // A store that cannot be asked now: the bag is made, and waits
            // in the root until it can be uploaded (which never writes
            // over another object: `Bags::publish`).
            Err(e) => {
                log::warn!("cannot tell whether `{rel}` is in the bucket: {e}");
                false
            }
        };
    if taken {
        return Err(crate::Error::DestinationExists {
            path: archive.bag_location(&rel),
        }
        .into());
    }
    let intent = lock::Intent::begin(root)?;
    let extra = |summary: &IngestSummary| {
        serde_json::json!({
            "inputs": summary.inputs,
            "bytes": summary.bytes,
            "encodings": summary.encodings,
            "rejected": summary.rejected.len(),
        })
    };
    let not_registered = |bag: &Path, e: Error| Error::NotRegistered {
        bag: bag.to_owned(),
        source: Box::new(e),
    };
    let (mut summary, event) = if archive.bags.in_bucket() {
        let summary = match crate::ingest::ingest(inputs, options, reporter) {
            Ok(s) => s,
            Err(e) => {
                intent.finish();
                return Err(e.into());
            }
        };
        // On failure the marker stays (unlocked when this process ends),
        // and the bag is adopted by the next run.
        let event = archive
            .register(&summary.bag, EventType::Ingest, extra(&summary))
            .map_err(|e| not_registered(&summary.bag, e))?;
        (summary, event)
    } else {
        // The bag is registered while it is verified, in a transaction
        // committed once it is in place.
        let Archive {
            root,
            bags,
            catalog,
            log,
            warnings,
            ..
        } = &mut archive;
        let staged = crate::ingest::ingest_beside(inputs, options, reporter, |staged| {
            let rel = relative(root, staged.dest);
            let reg = read_bag(staged.zip, &rel, None)?;
            let w = catalog.write()?;
            catch_up(bags, log, &w, warnings)?;
            let mut e = registration_event(&reg, EventType::Ingest, extra(staged.summary));
            e.seq = Some(w.apply(&e, Some(&reg))?);
            Ok::<_, Error>((w, e))
        });
        let (summary, registration) = match staged {
            Ok(s) => s,
            Err(e) => {
                intent.finish();
                return Err(e.into());
            }
        };
        // On failure the marker stays (unlocked when this process ends),
        // and the bag is adopted by the next run.
        let event = registration
            .and_then(|(w, e)| {
                let pos = log.append_all(std::slice::from_ref(&e))?;
                w.set_log_position(log.name(), &pos)?;
                w.commit()?;
                Ok(e)
            })
            .map_err(|e| not_registered(&summary.bag, e))?;
        (summary, event)
    };
    intent.finish();
    // Registered: a name lock that cannot be given back now goes with the
    // connection, and takes nothing from what was done.
    if let Err(e) = archive.catalog.unlock_bag_name(&name) {
        log::warn!("the lock on bag name `{name}` stays until the connection closes: {e}");
    }
    if archive.bags.in_bucket() {
        // The bag is in the bucket now, and only there.
        summary.bag = archive.bag_location(&archive.relative(&summary.bag));
    }
    Ok(Ingested {
        summary,
        event,
        adopted,
        warnings: std::mem::take(&mut archive.warnings),
    })
}

/// Why a bag directory in an archive is not catalogued, and what to do.
pub const UNZIPPED_BAG: &str = "a bag directory: the catalog holds zipped bags only, so it is \
     neither audited nor searchable; zip it into `bags/` (`newsbag bag --zip DIR --to \
     ARCHIVE/bags/NAME.zip`), adopt the zip (`newsbag audit --adopt`), then move the directory \
     out of the archive";

/// The sample inbox (`archive/inbox`) ingested and registered under `root`
/// once for each of `bags`, as bags of those names: an archive whose items
/// come in identical copies, for the unit tests of the layers above.
#[cfg(test)]
pub(crate) fn sample_archive(root: &Path, bags: &[&str]) -> Archive {
    let inbox = Path::new(env!("CARGO_MANIFEST_DIR")).join("archive/inbox");
    for name in bags {
        let mut options = IngestOptions::new(root, "2026-11-28", "2026-11-28T00:00:00Z");
        options.name = Some((*name).into());
        ingest_and_register(
            &[Input::Path(inbox.clone())],
            &options,
            &crate::progress::NoProgress,
        )
        .unwrap();
    }
    Archive::open(root).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{IngestOptions, Input};
    use crate::progress::NoProgress;

    fn ingested(root: &Path) -> PathBuf {
        let inbox = Path::new(env!("CARGO_MANIFEST_DIR")).join("archive/inbox/page.html");
        let mut options = IngestOptions::new(root, "2026-11-28", "2026-11-28T00:00:00Z");
        options.name = Some("one".into());
        crate::ingest::ingest(&[Input::Path(inbox)], &options, &NoProgress)
            .unwrap()
            .bag
    }

    /// A process that appended its event and died before its commit: the
    /// next open applies the event from the log, registration included.
    #[test]
    fn events_appended_but_not_committed_are_applied_on_open() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let zip = ingested(root);
        drop(Archive::open(root).unwrap());
        let reg = read_bag(&zip, "bags/one.zip", None).unwrap();
        let e = event(
            EventType::Ingest,
            "one",
            Outcome::Success,
            serde_json::json!({ "bag": reg.bag }),
        );
        Log::new(root).append(&e).unwrap();
        let archive = Archive::open(root).unwrap();
        let bag = archive.catalog().bag("one").unwrap().unwrap();
        assert_eq!(bag.items, reg.bag.items);
        assert_eq!(archive.catalog().events(Some("one"), None).unwrap(), [e]);
        let (_, items, _) = archive.catalog().totals().unwrap();
        assert_eq!(items, reg.bag.items);
        // Applied once, however often opened.
        drop(archive);
        let archive = Archive::open(root).unwrap();
        assert_eq!(archive.catalog().event_count().unwrap(), 1);
    }

    #[test]
    fn registration_reads_dublin_core_and_provenance() {
        let tmp = tempfile::tempdir().unwrap();
        let zip = ingested(tmp.path());
        let reg = read_bag(&zip, "bags/one.zip", None).unwrap();
        assert_eq!(reg.bag.name, "one");
        assert_eq!(reg.bag.bagging_date.as_deref(), Some("2026-11-28"));
        assert!(reg.bag.payload_oxum.is_some());
        assert!(reg.bag.tag_manifest.contains_key("bag-info.txt"));
        let mut items = Vec::new();
        reg.items(&mut |i| {
            items.push(i);
            Ok(())
        })
        .unwrap();
        assert_eq!(items.len() as u64, reg.bag.items);
        let item = &items[0];
        assert!(!item.title.is_empty(), "{item:?}");
        assert_eq!(item.media_type.as_deref(), Some("text/html"));
        assert_eq!(item.sha256.as_deref().map(str::len), Some(64));
        assert!(item.encoding.is_some());
        let (size, sha) = register::file_sha256(&zip).unwrap();
        assert_eq!((reg.bag.size, reg.bag.sha256), (size, sha));
    }
}
