//! The catalog on PostgreSQL (`ARCHIVE/catalog.json` names the database):
//! the same tables, meanings and answers as the SQLite catalog, so that
//! several machines can share one catalog.
//!
//! The tables live in their own PostgreSQL schema (`newsbag_catalog` by
//! default), found through `search_path`, so that the queries are those
//! of the SQLite catalog with `$n` placeholders. Text columns use the `C`
//! collation: bags and events sort byte-wise, as in SQLite, whatever the
//! database's locale. The schema version is in `meta` (PostgreSQL has no
//! `user_version`), and each migration runs in a transaction under an
//! advisory lock (DDL is transactional in PostgreSQL).
//!
//! The full-text index is PostgreSQL's own (`tsvector` under a GIN
//! index, [`super::super::search`]); the harvest queries of `serve` are
//! with SQLite's in `catalog::harvest`.

mod writer;

use std::cell::RefCell;

use postgres::types::Type;
use postgres::{Client, Row, Transaction};

use super::super::events::{Event, EventType};
use super::super::pg::{connect, coordination, db_error, keys, redact};
use super::super::{Error, Result};
use super::location::{DEFAULT_SCHEMA, valid_schema};
use super::{BagRow, DC_ELEMENTS, ItemRow, event_from_parts};
pub(crate) use writer::PgWriter;

/// The key of the advisory lock of writers.
const LOCK_KEY: i64 = keys::CATALOG_WRITE;

/// The key of the advisory lock of migrations: openings wait for a
/// migration, never for a writer.
const MIGRATION_KEY: i64 = keys::CATALOG_MIGRATE;

/// How long a writer waits for another before giving up, as SQLite's busy
/// timeout ([`super::BUSY_TIMEOUT`]).
const LOCK_TIMEOUT: &str = "SET lock_timeout = '60s'";

/// Version 1: bags, items, copies, events and meta, as SQLite's version 1
/// with PostgreSQL's types; `items.seq` is the identity the search tables
/// will point at (SQLite's rowid).
const V1: &str = r#"
CREATE TABLE meta (
    key TEXT COLLATE "C" PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE bags (
    name TEXT COLLATE "C" PRIMARY KEY,
    path TEXT COLLATE "C" NOT NULL UNIQUE,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    payload_oxum TEXT,
    bagging_date TEXT,
    tag_manifest TEXT NOT NULL,
    registered TEXT COLLATE "C" NOT NULL,
    items BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('present', 'missing')),
    last_check TEXT COLLATE "C",
    last_check_level TEXT,
    last_outcome TEXT,
    last_problems BIGINT,
    last_full_check TEXT COLLATE "C"
);
CREATE INDEX bags_by_full_check ON bags (last_full_check, name);
CREATE TABLE items (
    bag TEXT COLLATE "C" NOT NULL REFERENCES bags (name) ON DELETE CASCADE,
    id TEXT COLLATE "C" NOT NULL,
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
    seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    PRIMARY KEY (bag, id)
);
CREATE INDEX items_by_id ON items (id);
CREATE TABLE copies (
    bag TEXT COLLATE "C" NOT NULL REFERENCES bags (name) ON DELETE CASCADE,
    location TEXT COLLATE "C" NOT NULL,
    size BIGINT,
    sha256 TEXT,
    verified TEXT COLLATE "C",
    outcome TEXT NOT NULL,
    PRIMARY KEY (bag, location)
);
CREATE TABLE events (
    seq BIGINT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    time TEXT COLLATE "C" NOT NULL,
    type TEXT NOT NULL,
    bag TEXT COLLATE "C" NOT NULL,
    item TEXT COLLATE "C",
    outcome TEXT NOT NULL,
    agent TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX events_by_bag ON events (bag, seq);
CREATE INDEX events_by_item ON events (item, seq) WHERE item IS NOT NULL;
CREATE INDEX events_by_time ON events (time);
CREATE INDEX events_by_type_time ON events (type, time);
"#;

/// Version 2: the search tables, as SQLite's versions 2 to 5: each item's
/// words (`item_words`, a `tsvector` of the index's own words, weighted
/// by field, under a GIN index), its facets and where its texts lie in its
/// zip; rows deleted with their item. A catalog with items gets them from
/// `catalog rebuild` (marked incomplete until then).
const V2: &str = r#"
CREATE TABLE item_words (
    item BIGINT PRIMARY KEY REFERENCES items (seq) ON DELETE CASCADE,
    words TSVECTOR NOT NULL
);
CREATE INDEX item_words_gin ON item_words USING GIN (words);
CREATE TABLE item_facets (
    item BIGINT PRIMARY KEY REFERENCES items (seq) ON DELETE CASCADE,
    date TEXT COLLATE "C",
    host TEXT COLLATE "C",
    day TEXT COLLATE "C",
    collected TEXT COLLATE "C"
);
CREATE INDEX item_facets_by_date ON item_facets (date);
CREATE INDEX item_facets_by_host ON item_facets (host);
CREATE INDEX item_facets_by_day ON item_facets (day);
CREATE TABLE item_texts (
    item BIGINT NOT NULL REFERENCES items (seq) ON DELETE CASCADE,
    name TEXT NOT NULL,
    header_offset BIGINT NOT NULL,
    method INTEGER NOT NULL,
    compressed_size BIGINT NOT NULL,
    size BIGINT NOT NULL,
    crc32 BIGINT NOT NULL,
    PRIMARY KEY (item, name)
);
INSERT INTO meta (key, value) SELECT 'search_index', 'incomplete'
    WHERE EXISTS (SELECT 1 FROM items);
"#;

/// Version 3: the hosts of each item's `dc:source` URLs, as SQLite's
/// version 3 ([`super::harvest::source_host`]), so that an OAI-PMH
/// `source:HOST` set is an index look-up. A catalog with items is marked
/// `source_index = incomplete` (its sets are then found by reading every
/// item's sources) until `catalog rebuild` fills the table.
const V3: &str = r#"
CREATE TABLE item_sources (
    host TEXT COLLATE "C" NOT NULL,
    item BIGINT NOT NULL REFERENCES items (seq) ON DELETE CASCADE,
    PRIMARY KEY (host, item)
);
CREATE INDEX item_sources_by_item ON item_sources (item);
INSERT INTO meta (key, value) SELECT 'source_index', 'incomplete'
    WHERE EXISTS (SELECT 1 FROM items);
"#;

/// The forward migrations of the PostgreSQL catalog: `MIGRATIONS[v]`
/// takes version `v` to `v + 1`.
pub const MIGRATIONS: &[&str] = &[V1, V2, V3];

/// The schema version of the PostgreSQL catalog this newsbag writes.
#[allow(clippy::cast_possible_truncation, reason = "a handful of migrations")]
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// The catalog in a PostgreSQL database.
pub(crate) struct PgCatalog {
    client: RefCell<Client>,
    url: String,
    schema: String,
}

impl PgCatalog {
    /// Connects, creates the schema if needed and migrates it with
    /// `migrations`; or, `read_only`, checks that it is at
    /// [`SCHEMA_VERSION`] and opens read-only transactions only.
    pub(crate) fn open(
        url: &str,
        schema: &str,
        migrations: &[&str],
        read_only: bool,
    ) -> Result<PgCatalog> {
        if !valid_schema(schema) {
            return Err(coordination(
                url,
                format!("`{schema}` is not a schema name newsbag uses (a-z, 0-9, _)"),
            ));
        }
        let mut client = connect(url)?;
        let e = |err: postgres::Error| db_error(url, &err);
        client.batch_execute(LOCK_TIMEOUT).map_err(e)?;
        let known = migrations.len();
        {
            let mut tx = client.transaction().map_err(e)?;
            if !read_only {
                tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_KEY])
                    .map_err(e)?;
            }
            let kind = schema_kind(&mut tx, schema).map_err(e)?;
            if kind == SchemaKind::Foreign {
                return Err(coordination(
                    url,
                    format!("schema `{schema}` holds tables but is not a newsbag catalog"),
                ));
            }
            let exists = kind != SchemaKind::Absent;
            if !exists && read_only {
                return Err(coordination(
                    url,
                    format!(
                        "no newsbag catalog in schema `{schema}`: run `newsbag catalog rebuild` \
                         to make one"
                    ),
                ));
            }
            if !exists {
                tx.batch_execute(&format!("CREATE SCHEMA {schema}"))
                    .map_err(e)?;
            }
            tx.batch_execute(&format!("SET LOCAL search_path TO {schema}"))
                .map_err(e)?;
            let mut version = if kind == SchemaKind::Catalog {
                read_version(&mut tx).map_err(e)?
            } else {
                0
            };
            if version as usize > known {
                return Err(Error::NewerCatalog {
                    path: catalog_name(url, schema).into(),
                    found: version,
                    known: u32::try_from(known).unwrap_or(u32::MAX),
                });
            }
            if read_only && (version as usize) < known {
                return Err(Error::OldCatalog {
                    path: catalog_name(url, schema).into(),
                    found: version,
                    known: u32::try_from(known).unwrap_or(u32::MAX),
                });
            }
            for (i, sql) in migrations.iter().enumerate().skip(version as usize) {
                // One transaction for all the steps: a failing step
                // leaves the catalog at the version it had.
                let mut step = tx.savepoint("migration").map_err(e)?;
                step.batch_execute(sql).map_err(e)?;
                version = u32::try_from(i + 1).unwrap_or(u32::MAX);
                step.execute(
                    "INSERT INTO meta (key, value) VALUES ('application', 'newsbag catalog'), \
                     ('schema_version', $1) \
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    &[&version.to_string()],
                )
                .map_err(e)?;
                step.commit().map_err(e)?;
                log::info!(
                    "catalog `{}` migrated to schema version {version}",
                    catalog_name(url, schema)
                );
            }
            tx.commit().map_err(e)?;
        }
        client
            .batch_execute(&format!("SET search_path TO {schema}"))
            .map_err(e)?;
        if read_only {
            client
                .batch_execute("SET default_transaction_read_only = on")
                .map_err(e)?;
        }
        Ok(PgCatalog {
            client: RefCell::new(client),
            url: url.to_owned(),
            schema: schema.to_owned(),
        })
    }

    /// Takes the lock on the bag name `name` for this connection's session
    /// (until [`PgCatalog::unlock_bag_name`] or the connection's end);
    /// false if another session holds it.
    pub(crate) fn lock_bag_name(&self, name: &str) -> Result<bool> {
        let rows = self.query(
            "SELECT pg_try_advisory_lock($1, hashtext($2))",
            &[&keys::BAG_NAMES, &name],
        )?;
        Ok(rows.first().is_some_and(|r| r.get(0)))
    }

    /// Gives the lock on the bag name `name` back.
    pub(crate) fn unlock_bag_name(&self, name: &str) -> Result<()> {
        self.query(
            "SELECT pg_advisory_unlock($1, hashtext($2))",
            &[&keys::BAG_NAMES, &name],
        )?;
        Ok(())
    }

    /// A token that cancels the query running on this connection.
    pub(crate) fn cancel_token(&self) -> postgres::CancelToken {
        self.client.borrow().cancel_token()
    }

    /// Whether the server has closed the connection.
    pub(crate) fn is_closed(&self) -> bool {
        self.client.borrow().is_closed()
    }

    /// The database and schema, for messages.
    pub(crate) fn name(&self) -> String {
        catalog_name(&self.url, &self.schema)
    }

    fn err(&self) -> impl Fn(postgres::Error) -> Error + '_ {
        |e| db_error(&self.url, &e)
    }

    /// Runs a query on the catalog's connection (the search module's
    /// queries on PostgreSQL): in one round trip when the parameters'
    /// types are known ([`typed`]), else prepared first.
    pub(crate) fn query(
        &self,
        sql: &str,
        args: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<Row>> {
        let mut client = self.client.borrow_mut();
        match typed(args) {
            Some(params) => client.query_typed(sql, &params),
            None => client.query(sql, args),
        }
        .map_err(self.err())
    }

    /// Runs a query and hands its rows to `each` as they arrive (an
    /// export of every item, in bounded memory).
    pub(crate) fn for_each_row<E: From<Error>>(
        &self,
        sql: &str,
        args: &[&(dyn postgres::types::ToSql + Sync)],
        each: &mut dyn FnMut(&Row) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        use postgres::fallible_iterator::FallibleIterator;
        let mut client = self.client.borrow_mut();
        let rows = match typed(args) {
            Some(params) => client.query_typed_raw(sql, params),
            None => client.query_raw(sql, args.iter().copied()),
        };
        let mut rows = rows.map_err(|e| E::from(db_error(&self.url, &e)))?;
        while let Some(r) = rows.next().map_err(|e| E::from(db_error(&self.url, &e)))? {
            each(&r)?;
        }
        Ok(())
    }

    fn one_i64(&self, sql: &str, args: &[&(dyn postgres::types::ToSql + Sync)]) -> Result<u64> {
        let rows = self.query(sql, args)?;
        let n: Option<i64> = rows.first().and_then(|r| r.get(0));
        Ok(n.unwrap_or(0).try_into().unwrap_or(0))
    }

    pub(crate) fn version(&self) -> Result<u32> {
        let mut client = self.client.borrow_mut();
        let mut tx = client.transaction().map_err(self.err())?;
        read_version(&mut tx).map_err(self.err())
    }

    pub(crate) fn bags_where(
        &self,
        tail: &str,
        args: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<BagRow>> {
        let sql = format!(
            "SELECT name, path, size, sha256, items, state, registered, last_check, \
             last_check_level, last_outcome, last_full_check FROM bags {tail}"
        );
        Ok(self
            .query(&sql, args)?
            .iter()
            .map(|r| BagRow {
                name: r.get(0),
                path: r.get(1),
                size: r.get::<_, i64>(2).try_into().unwrap_or(0),
                sha256: r.get(3),
                items: r.get::<_, i64>(4).try_into().unwrap_or(0),
                state: r.get(5),
                registered: r.get(6),
                last_check: r.get(7),
                last_check_level: r.get(8),
                last_outcome: r.get(9),
                last_full_check: r.get(10),
            })
            .collect())
    }

    pub(crate) fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .query("SELECT value FROM meta WHERE key = $1", &[&key])?
            .first()
            .map(|r| r.get(0)))
    }

    pub(crate) fn item_bags(&self, id: &str, bag: Option<&str>) -> Result<Vec<String>> {
        Ok(self
            .query(
                "SELECT bag FROM items WHERE id = $1 AND ($2::TEXT IS NULL OR bag = $2) \
                 ORDER BY bag",
                &[&id, &bag],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    pub(crate) fn item(&self, bag: &str, id: &str) -> Result<Option<ItemRow>> {
        let sql = format!(
            "SELECT {}, sha256, media_type, encoding FROM items WHERE bag = $1 AND id = $2",
            DC_ELEMENTS.join(", ")
        );
        let n = DC_ELEMENTS.len();
        Ok(self.query(&sql, &[&bag, &id])?.first().map(|r| {
            ItemRow::from_columns(
                (0..n).map(|i| r.get::<_, String>(i)),
                r.get(n),
                r.get(n + 1),
                r.get(n + 2),
            )
        }))
    }

    pub(crate) fn has_event(&self, id: &str) -> Result<bool> {
        Ok(!self
            .query("SELECT 1 FROM events WHERE id = $1", &[&id])?
            .is_empty())
    }

    pub(crate) fn event_count(&self) -> Result<u64> {
        self.one_i64("SELECT count(*) FROM events", &[])
    }

    pub(crate) fn events(&self, subject: Option<&str>, since: &str) -> Result<Vec<Event>> {
        let cols = "SELECT id, time, type, bag, item, outcome, agent, detail FROM events";
        let rows = match subject {
            Some(s) => self.query(
                &format!(
                    "{cols} WHERE time >= $1 AND (bag = $2 OR item = $2 \
                     OR (item IS NULL AND bag IN (SELECT bag FROM items WHERE id = $2))) \
                     ORDER BY seq"
                ),
                &[&since, &s],
            )?,
            None => self.query(&format!("{cols} WHERE time >= $1 ORDER BY seq"), &[&since])?,
        };
        Ok(rows
            .iter()
            .map(|r| {
                event_from_parts(
                    r.get(0),
                    r.get(1),
                    r.get::<_, &str>(2),
                    r.get(3),
                    r.get(4),
                    r.get::<_, &str>(5),
                    r.get(6),
                    r.get::<_, &str>(7),
                )
            })
            .collect())
    }

    pub(crate) fn knows(&self, subject: &str) -> Result<bool> {
        let n = self.one_i64(
            "SELECT (SELECT count(*) FROM bags WHERE name = $1) + \
             (SELECT count(*) FROM items WHERE id = $1) + \
             (SELECT count(*) FROM events WHERE bag = $1)",
            &[&subject],
        )?;
        Ok(n > 0)
    }

    pub(crate) fn totals(&self) -> Result<(u64, u64, u64)> {
        let rows = self.query(
            "SELECT count(*), coalesce(sum(items), 0)::BIGINT, coalesce(sum(size), 0)::BIGINT \
             FROM bags",
            &[],
        )?;
        let get = |i: usize| -> u64 {
            rows.first()
                .map_or(0, |r| r.get::<_, i64>(i))
                .try_into()
                .unwrap_or(0)
        };
        Ok((get(0), get(1), get(2)))
    }

    pub(crate) fn verified_copies(&self) -> Result<Vec<(String, u64)>> {
        Ok(self
            .query(
                "SELECT b.name, (SELECT count(*) FROM copies c WHERE c.bag = b.name \
                 AND c.outcome = 'success') FROM bags b ORDER BY b.name",
                &[],
            )?
            .iter()
            .map(|r| (r.get(0), r.get::<_, i64>(1).try_into().unwrap_or(0)))
            .collect())
    }

    pub(crate) fn failing_copies(&self) -> Result<u64> {
        self.one_i64(
            "SELECT count(*) FROM copies WHERE outcome <> 'success'",
            &[],
        )
    }

    pub(crate) fn copies(&self, bag: &str) -> Result<Vec<(String, String)>> {
        Ok(self
            .query(
                "SELECT location, outcome FROM copies WHERE bag = $1 ORDER BY location",
                &[&bag],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    pub(crate) fn copies_by_check_age(&self) -> Result<Vec<(String, String)>> {
        Ok(self
            .query(
                "SELECT c.bag, c.location FROM copies c JOIN bags b ON b.name = c.bag \
                 ORDER BY c.verified IS NOT NULL, c.verified, c.bag, c.location",
                &[],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    pub(crate) fn last_event_time(&self, kind: EventType) -> Result<Option<String>> {
        Ok(self
            .query(
                "SELECT max(time) FROM events WHERE type = $1",
                &[&kind.as_str()],
            )?
            .first()
            .and_then(|r| r.get(0)))
    }

    pub(crate) fn bytes_checked_since(&self, since: &str) -> Result<u64> {
        self.one_i64(
            "SELECT coalesce(sum((detail::jsonb ->> 'bytes')::BIGINT), 0)::BIGINT FROM events \
             WHERE type = 'fixity_check' AND time >= $1 \
             AND detail::jsonb ->> 'level' = 'fixity'",
            &[&since],
        )
    }

    /// Every table's rows in the text form of the SQLite catalog's dump
    /// (`Integer(…)`, `Text("…")`, `Null`), the columns in SQLite's order:
    /// the same archive gives the same text in both.
    pub(crate) fn dump(&self) -> Result<String> {
        let mut out = String::new();
        for (table, columns, order) in [
            (
                "bags",
                "name, path, size, sha256, payload_oxum, bagging_date, tag_manifest, \
                 registered, items, state, last_check, last_check_level, last_outcome, \
                 last_problems, last_full_check",
                "name",
            ),
            (
                "items",
                "bag, id, path, title, creator, subject, description, publisher, date, \
                 language, identifier, source, sha256, media_type, encoding",
                "bag, id",
            ),
            (
                "copies",
                "bag, location, size, sha256, verified, outcome",
                "bag, location",
            ),
            (
                "events",
                "seq, id, time, type, bag, item, outcome, agent, detail",
                "seq",
            ),
        ] {
            let sql = format!("SELECT {columns} FROM {table} ORDER BY {order}");
            for r in self.query(&sql, &[])? {
                out.push_str(table);
                for (i, c) in r.columns().iter().enumerate() {
                    let v = if *c.type_() == Type::INT8 {
                        r.get::<_, Option<i64>>(i)
                            .map_or_else(|| "Null".to_owned(), |n| format!("Integer({n})"))
                    } else {
                        r.get::<_, Option<String>>(i)
                            .map_or_else(|| "Null".to_owned(), |s| format!("Text({s:?})"))
                    };
                    out.push('\t');
                    out.push_str(&v);
                }
                out.push('\n');
            }
        }
        Ok(out)
    }

    /// Starts a write transaction holding the catalog's advisory lock, so
    /// that writers (and their event log appends) never interleave, as
    /// SQLite's write lock orders them.
    pub(crate) fn write(&mut self) -> Result<PgWriter<'_>> {
        let url = self.url.as_str();
        let name = catalog_name(url, &self.schema);
        let e = |err: postgres::Error| db_error(url, &err);
        let mut tx = self.client.get_mut().transaction().map_err(e)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])
            .map_err(|err| {
                if err.code() == Some(&postgres::error::SqlState::LOCK_NOT_AVAILABLE) {
                    Error::CatalogBusy { path: name.into() }
                } else {
                    db_error(url, &err)
                }
            })?;
        Ok(PgWriter {
            tx: RefCell::new(tx),
            url,
        })
    }

    /// Puts the catalog in schema `self.schema` in place of the one in
    /// `live`, whose tables are kept in `replaced` (any earlier such copy
    /// dropped), in one transaction.
    pub(crate) fn replace(&mut self, live: &str, replaced: &str) -> Result<()> {
        for s in [live, replaced] {
            if !valid_schema(s) {
                return Err(coordination(
                    &self.url,
                    format!("`{s}` is not a schema name"),
                ));
            }
        }
        let url = self.url.clone();
        let e = |err: postgres::Error| db_error(&url, &err);
        let schema = self.schema.clone();
        let client = self.client.get_mut();
        let mut tx = client.transaction().map_err(e)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])
            .map_err(e)?;
        let live_kind = schema_kind(&mut tx, live).map_err(e)?;
        // Only a catalog (or an empty schema) is put aside: never someone
        // else's tables.
        if live_kind == SchemaKind::Foreign {
            return Err(coordination(
                &url,
                format!("schema `{live}` is not a newsbag catalog: it is left as it is"),
            ));
        }
        let has_live = live_kind != SchemaKind::Absent;
        let mut sql = format!("DROP SCHEMA IF EXISTS {replaced} CASCADE;");
        if has_live {
            sql.push_str(&format!("ALTER SCHEMA {live} RENAME TO {replaced};"));
        }
        sql.push_str(&format!("ALTER SCHEMA {schema} RENAME TO {live};"));
        tx.batch_execute(&sql).map_err(e)?;
        tx.commit().map_err(e)?;
        client
            .batch_execute(&format!("SET search_path TO {live}"))
            .map_err(e)?;
        self.schema = live.to_owned();
        Ok(())
    }

    /// Removes the schema of this catalog and everything in it (a
    /// rebuild that failed half-way).
    pub(crate) fn drop_schema(url: &str, schema: &str) -> Result<()> {
        if !valid_schema(schema) {
            return Err(coordination(
                url,
                format!("`{schema}` is not a schema name"),
            ));
        }
        let mut client = connect(url)?;
        client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .map_err(|e| db_error(url, &e))
    }
}

/// The PostgreSQL type of each of `args`: the first of the types newsbag
/// sends that it can be encoded as (`None` if one is of another type), so
/// that a query goes in one round trip (`query_typed`: parse, bind and
/// run together, names resolved each time) instead of three (prepare,
/// run, close). Prepared statements kept between requests would save the
/// trips too, but stay bound to the tables they were planned on, which a
/// `catalog rebuild` puts aside.
fn typed<'a>(
    args: &[&'a (dyn postgres::types::ToSql + Sync)],
) -> Option<Vec<(&'a (dyn postgres::types::ToSql + Sync), Type)>> {
    let types = [
        Type::TEXT,
        Type::INT8,
        Type::INT4,
        Type::BOOL,
        Type::FLOAT8,
        Type::TEXT_ARRAY,
        Type::INT8_ARRAY,
    ];
    let mut buf = bytes::BytesMut::new();
    args.iter()
        .map(|&a| {
            types
                .iter()
                .find(|t| {
                    buf.clear();
                    a.to_sql_checked(t, &mut buf).is_ok()
                })
                .map(|t| (a, t.clone()))
        })
        .collect()
}

/// `postgres://user@host/db (schema s)`, for messages.
pub(crate) fn catalog_name(url: &str, schema: &str) -> String {
    if schema == DEFAULT_SCHEMA {
        redact(url)
    } else {
        format!("{} (schema {schema})", redact(url))
    }
}

/// What a PostgreSQL schema holds, for the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SchemaKind {
    /// No such schema.
    Absent,
    /// A schema without tables.
    Empty,
    /// A newsbag catalog (its `meta` says so).
    Catalog,
    /// Someone else's tables.
    Foreign,
}

/// What `schema` holds: a catalog is recognised by the `application` row
/// of its `meta` table, never by its table names alone.
fn schema_kind(tx: &mut Transaction<'_>, schema: &str) -> Result<SchemaKind, postgres::Error> {
    let r = tx.query_one(
        "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1), \
         (SELECT count(*) FROM pg_tables WHERE schemaname = $1), \
         EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = 'meta')",
        &[&schema],
    )?;
    let (exists, tables, has_meta): (bool, i64, bool) = (r.get(0), r.get(1), r.get(2));
    if !exists {
        return Ok(SchemaKind::Absent);
    }
    if tables == 0 {
        return Ok(SchemaKind::Empty);
    }
    let app: Option<String> = if has_meta {
        tx.query_opt(
            &format!("SELECT value FROM {schema}.meta WHERE key = 'application'"),
            &[],
        )?
        .map(|r| r.get(0))
    } else {
        None
    };
    Ok(if app.as_deref() == Some("newsbag catalog") {
        SchemaKind::Catalog
    } else {
        SchemaKind::Foreign
    })
}

fn read_version(tx: &mut Transaction<'_>) -> Result<u32, postgres::Error> {
    let v: Option<String> = tx
        .query_opt("SELECT value FROM meta WHERE key = 'schema_version'", &[])?
        .map(|r| r.get(0));
    Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0))
}
