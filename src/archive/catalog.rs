//! The catalog: `ARCHIVE/catalog.sqlite`, or a PostgreSQL database named
//! by `ARCHIVE/catalog.json` ([`location`]), an index of the archive's
//! bags, items, copies and events that can always be rebuilt from the bags
//! and the event log.
//!
//! The only module that speaks SQL: everything above it asks [`Catalog`]
//! for rows, and [`Catalog`] answers from SQLite or from PostgreSQL
//! ([`postgres`]) behind the same methods; `writer` records events in
//! either.
//!
//! The schema is versioned with SQLite's `user_version`; [`MIGRATIONS`]
//! lists the steps from each version to the next, applied in order, each
//! in its own transaction. A catalog of a higher version than this newsbag
//! knows is refused, never downgraded.

mod harvest;
pub mod location;
#[cfg(feature = "postgres")]
pub mod postgres;
mod rows;
mod writer;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use super::events::{Event, EventType, Outcome, Position};
use super::{Error, Result};

pub use harvest::{HarvestItem, HarvestQuery, SetFilter, source_host};
pub use location::{CATALOG_LINK, Location};
pub use rows::{BagRow, DC_ELEMENTS, ItemRow};
pub(crate) use writer::{Writer, WriterTx};

/// The catalog's file name in the archive root.
pub const CATALOG_FILE: &str = "catalog.sqlite";

/// `PRAGMA application_id` of a newsbag catalog (`nbsg`), so that another
/// SQLite file put in its place is recognised as not being one.
pub const APPLICATION_ID: i32 = 0x6e62_7367;

/// How long a writer waits for another (an ingest beside an audit) before
/// giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// Schema version 1: bags, items, copies and events. Version 2 (the
/// full-text index) is in [`super::search::index`].
const V1: &str = "
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE bags (
    name TEXT PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    payload_oxum TEXT,
    bagging_date TEXT,
    tag_manifest TEXT NOT NULL,
    registered TEXT NOT NULL,
    items INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('present', 'missing')),
    last_check TEXT,
    last_check_level TEXT,
    last_outcome TEXT,
    last_problems INTEGER,
    last_full_check TEXT
);
CREATE INDEX bags_by_full_check ON bags (last_full_check, name);
CREATE TABLE items (
    bag TEXT NOT NULL REFERENCES bags (name) ON DELETE CASCADE,
    id TEXT NOT NULL,
    path TEXT NOT NULL,
    title TEXT NOT NULL,
    creator TEXT NOT NULL,
    subject TEXT NOT NULL,
    description TEXT NOT NULL,
    publisher TEXT NOT NULL,
    date TEXT NOT NULL,
    language TEXT NOT NULL,
    identifier TEXT NOT NULL,
    source TEXT NOT NULL,
    sha256 TEXT,
    media_type TEXT,
    encoding TEXT,
    PRIMARY KEY (bag, id)
);
CREATE INDEX items_by_id ON items (id);
CREATE TABLE copies (
    bag TEXT NOT NULL REFERENCES bags (name) ON DELETE CASCADE,
    location TEXT NOT NULL,
    size INTEGER,
    sha256 TEXT,
    verified TEXT,
    outcome TEXT NOT NULL,
    PRIMARY KEY (bag, location)
);
CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    time TEXT NOT NULL,
    type TEXT NOT NULL,
    bag TEXT NOT NULL,
    item TEXT,
    outcome TEXT NOT NULL,
    agent TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX events_by_bag ON events (bag, seq);
CREATE INDEX events_by_item ON events (item, seq) WHERE item IS NOT NULL;
CREATE INDEX events_by_time ON events (time);
";

/// The schema's forward migrations: `MIGRATIONS[v]` takes a catalog of
/// version `v` to `v + 1`. Version 0 is an empty file.
pub const MIGRATIONS: &[&str] = &[
    V1,
    super::search::index::V2,
    harvest::V3,
    super::search::index::V4,
    super::search::index::V5,
];

/// The schema version this newsbag writes.
#[allow(clippy::cast_possible_truncation, reason = "a handful of migrations")]
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// The catalog of one archive.
pub struct Catalog {
    store: Store,
    path: PathBuf,
}

/// Where the catalog's tables are.
enum Store {
    /// `ARCHIVE/catalog.sqlite`.
    Sqlite(Connection),
    /// A PostgreSQL database named by `ARCHIVE/catalog.json`.
    #[cfg(feature = "postgres")]
    Postgres(Box<postgres::PgCatalog>),
}

/// The SQLite connection of `$catalog`, or (the catalog on PostgreSQL)
/// `return $e` with `$pg` the PostgreSQL catalog.
#[cfg(feature = "postgres")]
macro_rules! sqlite_or {
    ($catalog:expr, $pg:ident => $e:expr) => {
        match &$catalog.store {
            Store::Sqlite(conn) => conn,
            Store::Postgres($pg) => return $e,
        }
    };
}

/// Without PostgreSQL support the catalog is always SQLite.
#[cfg(not(feature = "postgres"))]
macro_rules! sqlite_or {
    ($catalog:expr, $pg:ident => $e:expr) => {{
        let Store::Sqlite(conn) = &$catalog.store;
        conn
    }};
}

/// Stops a catalog's running query from another thread
/// ([`Catalog::interrupter`]).
pub struct Interrupter(Interrupt);

enum Interrupt {
    Sqlite(rusqlite::InterruptHandle),
    #[cfg(feature = "postgres")]
    Postgres(::postgres::CancelToken),
}

impl Interrupter {
    /// Stops the query running now, if any: SQLite's returns an error at
    /// once; PostgreSQL is asked to cancel it over a connection of its
    /// own, made from a thread of its own (so that this never blocks the
    /// caller, an async task included).
    pub fn interrupt(self) {
        match self.0 {
            Interrupt::Sqlite(handle) => handle.interrupt(),
            #[cfg(feature = "postgres")]
            Interrupt::Postgres(token) => {
                std::thread::spawn(move || {
                    if let Err(e) = token.cancel_query(::postgres::NoTls) {
                        log::warn!("could not cancel a catalog query: {e}");
                    }
                });
            }
        }
    }
}

impl std::fmt::Debug for Interrupter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Interrupter")
    }
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog").field("path", &self.path).finish()
    }
}

/// Maps an SQLite error on the catalog at `path` to a clear one.
pub(crate) fn sql_error(path: &Path, e: rusqlite::Error) -> Error {
    use rusqlite::ErrorCode;
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => Error::CorruptCatalog {
            path: path.to_owned(),
            reason: e.to_string(),
        },
        Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
            Error::CatalogUnwritable {
                path: path.to_owned(),
                reason: e.to_string(),
            }
        }
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Error::CatalogBusy {
            path: path.to_owned(),
        },
        _ => Error::Catalog {
            path: path.to_owned(),
            source: e,
        },
    }
}

impl Catalog {
    /// Opens (creating it if needed) the catalog at `path` for reading and
    /// writing, in WAL mode with a busy timeout, migrated to
    /// [`SCHEMA_VERSION`].
    pub fn open(path: &Path) -> Result<Catalog> {
        Self::open_with(path, MIGRATIONS)
    }

    /// [`Catalog::open`] with the given migrations (for tests of the
    /// migration mechanism).
    #[doc(hidden)]
    pub fn open_with(path: &Path, migrations: &[&str]) -> Result<Catalog> {
        let mut conn = Connection::open(path).map_err(|e| sql_error(path, e))?;
        configure(&conn, path)?;
        check_identity(&conn, path, migrations.len())?;
        let err = |e| sql_error(path, e);
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        // The event log is made durable before each commit and replayed
        // into the catalog when it lags behind, so the catalog need not
        // sync each commit itself: WAL with `synchronous = NORMAL` stays
        // consistent after a crash and may only lose the last commits,
        // which the log gives back.
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(err)?;
        migrate(&mut conn, path, migrations)?;
        Ok(Catalog {
            store: Store::Sqlite(conn),
            path: path.to_owned(),
        })
    }

    /// Opens (creating it if needed) the catalog at `location`, migrated
    /// to the newest schema.
    pub fn open_location(location: &Location) -> Result<Catalog> {
        match location {
            Location::Sqlite(path) => Catalog::open(path),
            Location::Postgres { url, schema } => Catalog::open_postgres(url, schema, false),
        }
    }

    /// Opens the existing catalog at `location` for reading only.
    pub fn open_read_only_location(location: &Location) -> Result<Catalog> {
        match location {
            Location::Sqlite(path) => Catalog::open_read_only(path),
            Location::Postgres { url, schema } => Catalog::open_postgres(url, schema, true),
        }
    }

    /// The catalog in schema `schema` of the PostgreSQL database at
    /// `url`: created and migrated, or (`read_only`) opened as it is.
    #[cfg(feature = "postgres")]
    pub fn open_postgres(url: &str, schema: &str, read_only: bool) -> Result<Catalog> {
        let pg = postgres::PgCatalog::open(url, schema, postgres::MIGRATIONS, read_only)?;
        Ok(Catalog {
            path: PathBuf::from(pg.name()),
            store: Store::Postgres(Box::new(pg)),
        })
    }

    /// [`Catalog::open_postgres`] with the given migrations (for tests of
    /// the migration mechanism).
    #[cfg(feature = "postgres")]
    #[doc(hidden)]
    pub fn open_postgres_with(url: &str, schema: &str, migrations: &[&str]) -> Result<Catalog> {
        let pg = postgres::PgCatalog::open(url, schema, migrations, false)?;
        Ok(Catalog {
            path: PathBuf::from(pg.name()),
            store: Store::Postgres(Box::new(pg)),
        })
    }

    /// Without PostgreSQL support: a clear error.
    #[cfg(not(feature = "postgres"))]
    pub fn open_postgres(url: &str, _schema: &str, _read_only: bool) -> Result<Catalog> {
        Err(Error::NotAnArchive {
            path: url.into(),
            reason: "its catalog is on PostgreSQL, and this newsbag was built without \
                     PostgreSQL support (feature `postgres`)"
                .into(),
        })
    }

    /// Opens an existing catalog for reading only (`status`, `history`):
    /// works on a read-only archive.
    pub fn open_read_only(path: &Path) -> Result<Catalog> {
        if !path.is_file() {
            return Err(Error::NoCatalog {
                path: path.to_owned(),
            });
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(path, flags).map_err(|e| sql_error(path, e))?;
        configure(&conn, path)?;
        match check_identity(&conn, path, MIGRATIONS.len()) {
            // A read-only directory cannot hold the WAL's shared memory:
            // read the file as it is, as an immutable database.
            Err(Error::CatalogUnwritable { .. }) => {
                let uri = format!("file:{}?immutable=1", path.display());
                conn = Connection::open_with_flags(&uri, flags | OpenFlags::SQLITE_OPEN_URI)
                    .map_err(|e| sql_error(path, e))?;
                configure(&conn, path)?;
                check_identity(&conn, path, MIGRATIONS.len())?;
            }
            r => r?,
        }
        let cat = Catalog {
            store: Store::Sqlite(conn),
            path: path.to_owned(),
        };
        let version = cat.version()?;
        if version < SCHEMA_VERSION {
            return Err(Error::OldCatalog {
                path: path.to_owned(),
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        Ok(cat)
    }

    /// The schema version: SQLite's `user_version`, or the version in
    /// `meta` on PostgreSQL.
    pub fn version(&self) -> Result<u32> {
        let conn = sqlite_or!(self, pg => pg.version());
        user_version(conn, &self.path)
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A catalog built in PostgreSQL schema `*_rebuild` put in place of
    /// the one in schema `live` (kept as `replaced`); `path()` names it
    /// afterwards.
    #[cfg(feature = "postgres")]
    pub(crate) fn replace_postgres(&mut self, live: &str, replaced: &str) -> Result<()> {
        match &mut self.store {
            Store::Postgres(pg) => {
                pg.replace(live, replaced)?;
                self.path = PathBuf::from(pg.name());
                Ok(())
            }
            Store::Sqlite(_) => Err(Error::NotAnArchive {
                path: self.path.clone(),
                reason: "an SQLite catalog has no PostgreSQL schema to replace".into(),
            }),
        }
    }

    /// The catalog on PostgreSQL, for the search module's queries there.
    #[cfg(feature = "postgres")]
    pub(crate) fn postgres(&self) -> Option<&postgres::PgCatalog> {
        match &self.store {
            Store::Postgres(pg) => Some(pg),
            Store::Sqlite(_) => None,
        }
    }

    /// Whether the catalog is in a PostgreSQL database.
    pub fn is_postgres(&self) -> bool {
        !matches!(self.store, Store::Sqlite(_))
    }

    /// The SQLite connection, for queries written for SQLite alone (the
    /// search module's SQLite side, tests); an error on PostgreSQL.
    pub(crate) fn connection(&self) -> Result<&Connection> {
        match &self.store {
            Store::Sqlite(conn) => Ok(conn),
            #[cfg(feature = "postgres")]
            Store::Postgres(pg) => Err(Error::Coordination {
                catalog: pg.name(),
                reason: "this query is written for the SQLite catalog only".into(),
            }),
        }
    }

    /// Reserves the bag name `name` for this process until
    /// [`Catalog::unlock_bag_name`] (or the process ends): on PostgreSQL,
    /// where several roots (stations) ingest into one catalog, a lock on
    /// the name held by the catalog's connection, so that two of them
    /// cannot make bags of one name at once; refused at once
    /// ([`Error::Locked`]) while another holds it. Nothing on SQLite: one
    /// root writes, and its `bags/NAME.zip` is the reservation.
    #[cfg_attr(not(feature = "postgres"), allow(unused_variables))]
    pub fn lock_bag_name(&self, name: &str) -> Result<()> {
        match &self.store {
            Store::Sqlite(_) => Ok(()),
            #[cfg(feature = "postgres")]
            Store::Postgres(pg) => {
                if pg.lock_bag_name(name)? {
                    Ok(())
                } else {
                    Err(Error::Locked {
                        path: PathBuf::from(format!("bag name `{name}` in {}", pg.name())),
                        holder: "an ingest on another root of the archive".into(),
                    })
                }
            }
        }
    }

    /// Gives back the name [`Catalog::lock_bag_name`] reserved.
    #[cfg_attr(not(feature = "postgres"), allow(unused_variables))]
    pub fn unlock_bag_name(&self, name: &str) -> Result<()> {
        match &self.store {
            Store::Sqlite(_) => Ok(()),
            #[cfg(feature = "postgres")]
            Store::Postgres(pg) => pg.unlock_bag_name(name),
        }
    }

    /// A handle that stops the query this catalog is running, from
    /// another thread (a server's request past its time limit).
    pub fn interrupter(&self) -> Interrupter {
        match &self.store {
            Store::Sqlite(conn) => Interrupter(Interrupt::Sqlite(conn.get_interrupt_handle())),
            #[cfg(feature = "postgres")]
            Store::Postgres(pg) => Interrupter(Interrupt::Postgres(pg.cancel_token())),
        }
    }

    /// Whether the connection can still be used: false once the
    /// PostgreSQL server has closed it (a restart), so that a pool opens
    /// a new one instead.
    pub fn is_usable(&self) -> bool {
        match &self.store {
            Store::Sqlite(_) => true,
            #[cfg(feature = "postgres")]
            Store::Postgres(pg) => !pg.is_closed(),
        }
    }

    /// Starts a write transaction, taking SQLite's write lock (or the
    /// PostgreSQL catalog's advisory lock) at once so that event log
    /// appends made under it never interleave.
    pub(crate) fn write(&mut self) -> Result<Writer<'_>> {
        let tx = match &mut self.store {
            Store::Sqlite(conn) => WriterTx::Sqlite(
                conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                    .map_err(|e| sql_error(&self.path, e))?,
            ),
            #[cfg(feature = "postgres")]
            Store::Postgres(pg) => WriterTx::Postgres(pg.write()?),
        };
        Ok(Writer {
            tx,
            path: &self.path,
        })
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> Error + '_ {
        |e| sql_error(&self.path, e)
    }

    /// Every bag, in the order audits take them: never fully checked
    /// first, then oldest last successful full check, then by name.
    pub fn bags_by_check_age(&self) -> Result<Vec<BagRow>> {
        const ORDER: &str = "ORDER BY last_full_check IS NOT NULL, last_full_check, name";
        let conn = sqlite_or!(self, pg => pg.bags_where(ORDER, &[]));
        self.bags_where(conn, ORDER, &[])
    }

    /// One bag by name.
    pub fn bag(&self, name: &str) -> Result<Option<BagRow>> {
        let conn = sqlite_or!(self, pg => Ok(pg.bags_where("WHERE name = $1", &[&name])?.pop()));
        Ok(self.bags_where(conn, "WHERE name = ?1", &[&name])?.pop())
    }

    fn bags_where(
        &self,
        conn: &Connection,
        tail: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<BagRow>> {
        let sql = format!(
            "SELECT name, path, size, sha256, items, state, registered, last_check, \
             last_check_level, last_outcome, last_full_check FROM bags {tail}"
        );
        let mut stmt = conn.prepare(&sql).map_err(self.err())?;
        let rows = stmt
            .query_map(args, |r| {
                Ok(BagRow {
                    name: r.get(0)?,
                    path: r.get(1)?,
                    size: r.get::<_, i64>(2)?.try_into().unwrap_or(0),
                    sha256: r.get(3)?,
                    items: r.get::<_, i64>(4)?.try_into().unwrap_or(0),
                    state: r.get(5)?,
                    registered: r.get(6)?,
                    last_check: r.get(7)?,
                    last_check_level: r.get(8)?,
                    last_outcome: r.get(9)?,
                    last_full_check: r.get(10)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<rusqlite::Result<_>>().map_err(self.err())
    }

    /// The bags holding an item `id` (only `bag`, if given), by name.
    pub fn item_bags(&self, id: &str, bag: Option<&str>) -> Result<Vec<String>> {
        let conn = sqlite_or!(self, pg => pg.item_bags(id, bag));
        let mut stmt = conn
            .prepare(
                "SELECT bag FROM items WHERE id = ?1 AND (?2 IS NULL OR bag = ?2) ORDER BY bag",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map(params![id, bag], |r| r.get(0))
            .map_err(self.err())?;
        rows.collect::<rusqlite::Result<_>>().map_err(self.err())
    }

    /// Item `id` of bag `bag`, if the catalog has it.
    pub fn item(&self, bag: &str, id: &str) -> Result<Option<ItemRow>> {
        let conn = sqlite_or!(self, pg => pg.item(bag, id));
        let sql = format!(
            "SELECT {}, sha256, media_type, encoding FROM items WHERE bag = ?1 AND id = ?2",
            DC_ELEMENTS.join(", ")
        );
        let n = DC_ELEMENTS.len();
        conn.query_row(&sql, [bag, id], |r| {
            let dc = (0..n)
                .map(|i| r.get::<_, String>(i))
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(ItemRow::from_columns(
                dc,
                r.get(n)?,
                r.get(n + 1)?,
                r.get(n + 2)?,
            ))
        })
        .optional()
        .map_err(self.err())
    }

    /// Where the catalog has read the event log `log` up to (`""`: the
    /// archive's own; a station's name: that station's).
    pub fn log_position(&self, log: &str) -> Result<Position> {
        position_from(log, |key| self.meta(key))
    }

    /// A value of the `meta` table (`last_audit_run`, `last_audit_success`).
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        let conn = sqlite_or!(self, pg => pg.meta(key));
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(self.err())
    }

    /// Whether the event with this id is recorded.
    pub fn has_event(&self, id: &str) -> Result<bool> {
        let conn = sqlite_or!(self, pg => pg.has_event(id));
        conn.query_row("SELECT 1 FROM events WHERE id = ?1", [id], |_| Ok(()))
            .optional()
            .map(|found| found.is_some())
            .map_err(self.err())
    }

    /// Number of events recorded.
    pub fn event_count(&self) -> Result<u64> {
        let conn = sqlite_or!(self, pg => pg.event_count());
        let n: i64 = conn
            .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
            .map_err(self.err())?;
        Ok(n.try_into().unwrap_or(0))
    }

    /// Events of a bag, or of an item (and of the bag holding it), or of
    /// the whole archive, at or after `since` (an RFC 3339 prefix), oldest
    /// first.
    pub fn events(&self, subject: Option<&str>, since: Option<&str>) -> Result<Vec<Event>> {
        let conn = sqlite_or!(self, pg => pg.events(subject, since.unwrap_or("")));
        let since = since.unwrap_or("");
        let mut out = Vec::new();
        let sql_all = "SELECT id, time, type, bag, item, outcome, agent, detail FROM events \
                       WHERE time >= ?1 ORDER BY seq";
        let sql_subject = "SELECT id, time, type, bag, item, outcome, agent, detail FROM events \
                           WHERE time >= ?1 AND (bag = ?2 OR item = ?2 \
                           OR (item IS NULL AND bag IN (SELECT bag FROM items WHERE id = ?2))) \
                           ORDER BY seq";
        let mut stmt = conn
            .prepare(if subject.is_some() {
                sql_subject
            } else {
                sql_all
            })
            .map_err(self.err())?;
        let mut rows = match subject {
            Some(s) => stmt.query(params![since, s]),
            None => stmt.query(params![since]),
        }
        .map_err(self.err())?;
        while let Some(r) = rows.next().map_err(self.err())? {
            let get = |i| r.get::<_, String>(i).map_err(self.err());
            out.push(event_from_parts(
                get(0)?,
                get(1)?,
                &get(2)?,
                get(3)?,
                r.get(4).map_err(self.err())?,
                &get(5)?,
                get(6)?,
                &get(7)?,
            ));
        }
        Ok(out)
    }

    /// Whether `subject` names a bag or an item of the catalog.
    pub fn knows(&self, subject: &str) -> Result<bool> {
        let conn = sqlite_or!(self, pg => pg.knows(subject));
        let n: i64 = conn
            .query_row(
                "SELECT (SELECT count(*) FROM bags WHERE name = ?1) + \
                 (SELECT count(*) FROM items WHERE id = ?1) + \
                 (SELECT count(*) FROM events WHERE bag = ?1)",
                [subject],
                |r| r.get(0),
            )
            .map_err(self.err())?;
        Ok(n > 0)
    }

    /// One aggregate query: (bags, items, bytes).
    pub fn totals(&self) -> Result<(u64, u64, u64)> {
        let conn = sqlite_or!(self, pg => pg.totals());
        let (b, i, s): (i64, i64, i64) = conn
            .query_row(
                "SELECT count(*), coalesce(sum(items), 0), coalesce(sum(size), 0) FROM bags",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .map_err(self.err())?;
        Ok((
            b.try_into().unwrap_or(0),
            i.try_into().unwrap_or(0),
            s.try_into().unwrap_or(0),
        ))
    }

    /// Verified replica copies by bag: (bag, number of copies whose last
    /// replication or check succeeded).
    pub fn verified_copies(&self) -> Result<Vec<(String, u64)>> {
        let conn = sqlite_or!(self, pg => pg.verified_copies());
        let mut stmt = conn
            .prepare(
                "SELECT b.name, (SELECT count(*) FROM copies c WHERE c.bag = b.name \
                 AND c.outcome = 'success') FROM bags b ORDER BY b.name",
            )
            .map_err(self.err())?;
        let mut rows = stmt.query([]).map_err(self.err())?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(self.err())? {
            let n: i64 = r.get(1).map_err(self.err())?;
            out.push((r.get(0).map_err(self.err())?, n.try_into().unwrap_or(0)));
        }
        Ok(out)
    }

    /// Replica copies whose last replication or check failed.
    pub fn failing_copies(&self) -> Result<u64> {
        let conn = sqlite_or!(self, pg => pg.failing_copies());
        let n: i64 = conn
            .query_row(
                "SELECT count(*) FROM copies WHERE outcome <> 'success'",
                [],
                |r| r.get(0),
            )
            .map_err(self.err())?;
        Ok(n.try_into().unwrap_or(0))
    }

    /// The replica locations recorded for `bag`, with the last outcome.
    pub fn copies(&self, bag: &str) -> Result<Vec<(String, String)>> {
        let conn = sqlite_or!(self, pg => pg.copies(bag));
        let mut stmt = conn
            .prepare("SELECT location, outcome FROM copies WHERE bag = ?1 ORDER BY location")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([bag], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(self.err())?;
        rows.collect::<rusqlite::Result<_>>().map_err(self.err())
    }

    /// Every replica copy as (bag, location), the copy whose last
    /// successful check is oldest (never checked since it failed) first.
    pub fn copies_by_check_age(&self) -> Result<Vec<(String, String)>> {
        let conn = sqlite_or!(self, pg => pg.copies_by_check_age());
        let mut stmt = conn
            .prepare(
                "SELECT c.bag, c.location FROM copies c JOIN bags b ON b.name = c.bag \
                 ORDER BY c.verified IS NOT NULL, c.verified, c.bag, c.location",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(self.err())?;
        rows.collect::<rusqlite::Result<_>>().map_err(self.err())
    }

    /// Time of the most recent event of `kind`, if any.
    pub fn last_event_time(&self, kind: EventType) -> Result<Option<String>> {
        let conn = sqlite_or!(self, pg => pg.last_event_time(kind));
        conn.query_row(
            "SELECT max(time) FROM events WHERE type = ?1",
            [kind.as_str()],
            |r| r.get(0),
        )
        .optional()
        .map(Option::flatten)
        .map_err(self.err())
    }

    /// Bytes verified at full fixity by fixity check events at or after
    /// `since`.
    pub fn bytes_checked_since(&self, since: &str) -> Result<u64> {
        let conn = sqlite_or!(self, pg => pg.bytes_checked_since(since));
        let n: i64 = conn
            .query_row(
                "SELECT coalesce(sum(json_extract(detail, '$.bytes')), 0) FROM events \
                 WHERE type = 'fixity_check' AND time >= ?1 \
                 AND json_extract(detail, '$.level') = 'fixity'",
                [since],
                |r| r.get(0),
            )
            .map_err(self.err())?;
        Ok(n.try_into().unwrap_or(0))
    }

    /// Every table's rows, in a canonical text form: a rebuilt catalog and
    /// the catalog it replaces give the same text.
    #[doc(hidden)]
    pub fn dump(&self) -> Result<String> {
        let conn = sqlite_or!(self, pg => pg.dump());
        let mut out = String::new();
        for (table, order) in [
            ("bags", "name"),
            ("items", "bag, id"),
            ("copies", "bag, location"),
            ("events", "seq"),
        ] {
            let sql = format!("SELECT * FROM {table} ORDER BY {order}");
            let mut stmt = conn.prepare(&sql).map_err(self.err())?;
            let n = stmt.column_count();
            let mut rows = stmt.query([]).map_err(self.err())?;
            while let Some(r) = rows.next().map_err(self.err())? {
                out.push_str(table);
                for i in 0..n {
                    let v: rusqlite::types::Value = r.get(i).map_err(self.err())?;
                    out.push_str(&format!("\t{v:?}"));
                }
                out.push('\n');
            }
        }
        Ok(out)
    }
}

/// An event from the columns of the `events` table.
#[allow(clippy::too_many_arguments, reason = "the table's columns, in order")]
pub(crate) fn event_from_parts(
    id: String,
    time: String,
    kind: &str,
    bag: String,
    item: Option<String>,
    outcome: &str,
    agent: String,
    detail: &str,
) -> Event {
    Event {
        id,
        time,
        kind: EventType::parse(kind).unwrap_or(EventType::FixityCheck),
        bag,
        item,
        outcome: if outcome == "success" {
            Outcome::Success
        } else {
            Outcome::Failure
        },
        agent,
        detail: serde_json::from_str(detail).unwrap_or(serde_json::Value::Null),
        seq: None,
    }
}

fn configure(conn: &Connection, path: &Path) -> Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| sql_error(path, e))?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(|e| sql_error(path, e))
}

fn user_version(conn: &Connection, path: &Path) -> Result<u32> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|e| sql_error(path, e))
}

/// Refuses a file that is not a newsbag catalog or is from a newer
/// newsbag.
fn check_identity(conn: &Connection, path: &Path, known: usize) -> Result<()> {
    let err = |e| sql_error(path, e);
    let app: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(err)?;
    let version = user_version(conn, path)?;
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
        .map_err(err)?;
    if app != APPLICATION_ID && (app != 0 || tables > 0) {
        return Err(Error::CorruptCatalog {
            path: path.to_owned(),
            reason: "an SQLite database, but not a newsbag catalog".into(),
        });
    }
    if version as usize > known {
        return Err(Error::NewerCatalog {
            path: path.to_owned(),
            found: version,
            known: u32::try_from(known).unwrap_or(u32::MAX),
        });
    }
    Ok(())
}

fn migrate(conn: &mut Connection, path: &Path, migrations: &[&str]) -> Result<()> {
    let from = user_version(conn, path)? as usize;
    for (i, sql) in migrations.iter().enumerate().skip(from) {
        let err = |e| sql_error(path, e);
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        // Another process may have migrated meanwhile.
        let now: u32 = tx
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(err)?;
        if now as usize > i {
            continue;
        }
        tx.execute_batch(sql).map_err(err)?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)
            .map_err(err)?;
        tx.pragma_update(None, "user_version", i + 1).map_err(err)?;
        tx.commit().map_err(err)?;
        log::info!(
            "catalog `{}` migrated to schema version {}",
            path.display(),
            i + 1
        );
    }
    Ok(())
}

/// The `meta` keys of where the catalog has read the event log `log` up
/// to: `log_file` and `log_offset` for the archive's own log (`""`),
/// `log_file:NAME` and `log_offset:NAME` for the log of station `NAME`
/// (an archive written by several roots, [`super::stations`]).
pub(crate) fn log_keys(log: &str) -> (String, String) {
    if log.is_empty() {
        ("log_file".into(), "log_offset".into())
    } else {
        (format!("log_file:{log}"), format!("log_offset:{log}"))
    }
}

/// Where the catalog has read the event log `log` up to, from its `meta`
/// values (read by the catalog, or by a writer in its transaction).
pub(crate) fn position_from(
    log: &str,
    meta: impl Fn(&str) -> Result<Option<String>>,
) -> Result<Position> {
    let (file, offset) = log_keys(log);
    Ok(Position {
        file: meta(&file)?.unwrap_or_default(),
        offset: meta(&offset)?.and_then(|s| s.parse().ok()).unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(c: &Catalog) -> Vec<String> {
        let mut stmt = c
            .connection()
            .unwrap()
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    /// Every earlier version (an empty file is version 0) opens and is
    /// migrated to the current one.
    #[test]
    fn migrates_from_every_earlier_version() {
        for from in 0..MIGRATIONS.len() {
            let tmp = tempfile::tempdir().unwrap();
            let path = tmp.path().join(CATALOG_FILE);
            drop(Catalog::open_with(&path, &MIGRATIONS[..from]).unwrap());
            let c = Catalog::open(&path).unwrap();
            assert_eq!(c.version().unwrap(), SCHEMA_VERSION, "from {from}");
            assert_eq!(
                tables(&c),
                [
                    "bags",
                    "copies",
                    "events",
                    "item_facets",
                    "item_sources",
                    "item_texts",
                    "items",
                    "items_fts",
                    "items_fts_config",
                    "items_fts_data",
                    "items_fts_docsize",
                    "items_fts_idx",
                    "meta"
                ]
            );
        }
    }

    /// The mechanism: steps run in order, each once, rows kept, and a
    /// failing step leaves the catalog at the version before it.
    #[test]
    fn migrations_run_in_order_once_and_atomically() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join(CATALOG_FILE);
        let v2 = "ALTER TABLE meta ADD COLUMN note TEXT; \
                  INSERT INTO meta (key, value, note) VALUES ('m', '2', 'v2');";
        let bad = "CREATE TABLE t (x); SELECT no_such_function();";
        {
            let c = Catalog::open_with(&path, &[V1]).unwrap();
            c.connection()
                .unwrap()
                .execute("INSERT INTO meta (key, value) VALUES ('kept', 'yes')", [])
                .unwrap();
        }
        let c = Catalog::open_with(&path, &[V1, v2]).unwrap();
        assert_eq!(c.version().unwrap(), 2);
        assert_eq!(c.meta("kept").unwrap().as_deref(), Some("yes"));
        assert_eq!(c.meta("m").unwrap().as_deref(), Some("2"));
        drop(c);
        // Reopening runs nothing again (the INSERT would fail on its key).
        drop(Catalog::open_with(&path, &[V1, v2]).unwrap());
        assert!(Catalog::open_with(&path, &[V1, v2, bad]).is_err());
        let c = Catalog::open_with(&path, &[V1, v2]).unwrap();
        assert_eq!(c.version().unwrap(), 2);
        assert!(!tables(&c).contains(&"t".to_owned()));
    }

    #[test]
    fn a_newer_catalog_is_refused_not_downgraded() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join(CATALOG_FILE);
        drop(Catalog::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        drop(conn);
        let err = Catalog::open(&path).unwrap_err();
        assert!(matches!(err, Error::NewerCatalog { .. }), "{err}");
        assert!(err.to_string().contains("newer newsbag"), "{err}");
        let err = Catalog::open_read_only(&path).unwrap_err();
        assert!(matches!(err, Error::NewerCatalog { .. }), "{err}");
    }

    #[test]
    fn garbage_truncated_and_foreign_files_are_clear_errors() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join(CATALOG_FILE);
        std::fs::write(&path, vec![b'x'; 8192]).unwrap();
        let err = Catalog::open(&path).unwrap_err();
        assert!(matches!(err, Error::CorruptCatalog { .. }), "{err}");
        assert!(err.to_string().contains("catalog rebuild"), "{err}");

        let other = tmp.path().join("other.sqlite");
        let conn = Connection::open(&other).unwrap();
        conn.execute_batch("CREATE TABLE x (y);").unwrap();
        drop(conn);
        let err = Catalog::open(&other).unwrap_err();
        assert!(err.to_string().contains("not a newsbag catalog"), "{err}");

        // A real catalog cut short.
        let cut = tmp.path().join("cut.sqlite");
        {
            let c = Catalog::open(&cut).unwrap();
            c.connection()
                .unwrap()
                .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
                .unwrap();
        }
        let bytes = std::fs::read(&cut).unwrap();
        std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
        let _ = std::fs::remove_file(tmp.path().join("cut.sqlite-wal"));
        let _ = std::fs::remove_file(tmp.path().join("cut.sqlite-shm"));
        match Catalog::open(&cut) {
            Err(e) => assert!(
                matches!(e, Error::CorruptCatalog { .. }),
                "unexpected error: {e}"
            ),
            // SQLite may read a cut file until it needs a missing page:
            // then every query must be a clear error.
            Ok(c) => {
                if let Err(e) = c.dump() {
                    assert!(matches!(e, Error::CorruptCatalog { .. }), "{e}");
                }
            }
        }
    }

    #[test]
    fn read_only_open_needs_an_existing_catalog() {
        let tmp = tempfile::tempdir().unwrap();
        let err = Catalog::open_read_only(&tmp.path().join(CATALOG_FILE)).unwrap_err();
        assert!(matches!(err, Error::NoCatalog { .. }), "{err}");
    }
}
