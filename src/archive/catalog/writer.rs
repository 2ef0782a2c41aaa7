//! Recording in the catalog: a write transaction, on SQLite or on
//! PostgreSQL, that applies events (and the bag and items of an ingest or
//! adoption) and keeps the event log's position.

use std::path::Path;

use rusqlite::{OptionalExtension, Transaction, params};

use super::super::events::{Event, EventType, Outcome, Position};
use super::super::register::{BagRecord, ItemRecord, Registration};
use super::super::{Error, Result};
use super::{harvest, log_keys, position_from, sql_error};

/// A write transaction on the catalog.
pub(crate) struct Writer<'a> {
    pub(super) tx: WriterTx<'a>,
    pub(super) path: &'a Path,
}

/// The transaction of a [`Writer`].
pub(crate) enum WriterTx<'a> {
    Sqlite(Transaction<'a>),
    #[cfg(feature = "postgres")]
    Postgres(super::postgres::PgWriter<'a>),
}

/// The SQLite transaction of `$writer`, or (on PostgreSQL) `return $e`.
#[cfg(feature = "postgres")]
macro_rules! sqlite_tx_or {
    ($writer:expr, $pg:ident => $e:expr) => {
        match &$writer.tx {
            WriterTx::Sqlite(tx) => tx,
            WriterTx::Postgres($pg) => return $e,
        }
    };
}

/// Without PostgreSQL support the transaction is always SQLite's.
#[cfg(not(feature = "postgres"))]
macro_rules! sqlite_tx_or {
    ($writer:expr, $pg:ident => $e:expr) => {{
        let WriterTx::Sqlite(tx) = &$writer.tx;
        tx
    }};
}

impl Writer<'_> {
    fn err(&self) -> impl Fn(rusqlite::Error) -> Error + '_ {
        |e| sql_error(self.path, e)
    }

    /// Where the catalog has read the event log `log` up to (`""`: the
    /// archive's own; a station's name: that station's).
    pub(crate) fn log_position(&self, log: &str) -> Result<Position> {
        position_from(log, |key| self.meta(key))
    }

    /// Records that the event log `log` has been applied up to `pos`.
    pub(crate) fn set_log_position(&self, log: &str, pos: &Position) -> Result<()> {
        let (file, offset) = log_keys(log);
        self.set_meta(&file, &pos.file)?;
        self.set_meta(&offset, &pos.offset.to_string())
    }

    /// A value of the `meta` table, as this transaction sees it.
    pub(crate) fn meta(&self, key: &str) -> Result<Option<String>> {
        let tx = sqlite_tx_or!(self, pg => pg.meta(key));
        tx.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(self.err())
    }

    /// Sets a value of the `meta` table.
    pub(crate) fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        let tx = sqlite_tx_or!(self, pg => pg.set_meta(key, value));
        tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )
        .map_err(self.err())?;
        Ok(())
    }

    /// Whether an event with this id is recorded already.
    pub(crate) fn has_event(&self, id: &str) -> Result<bool> {
        let tx = sqlite_tx_or!(self, pg => pg.has_event(id));
        tx.query_row("SELECT 1 FROM events WHERE id = ?1", [id], |_| Ok(()))
            .optional()
            .map(|o| o.is_some())
            .map_err(self.err())
    }

    /// Records `event` and what follows from it. `registration`: the bag
    /// and items of an ingest or adopt event. Returns the event's number
    /// in the catalog's order (`events.seq`).
    pub(crate) fn apply(&self, event: &Event, registration: Option<&Registration>) -> Result<u64> {
        let tx = sqlite_tx_or!(self, pg => pg.apply(event, registration));
        let err = self.err();
        let detail = serde_json::to_string(&event.detail).unwrap_or_else(|_| "null".into());
        tx.execute(
            "INSERT INTO events (id, time, type, bag, item, outcome, agent, detail) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                event.id,
                event.time,
                event.kind.as_str(),
                event.bag,
                event.item,
                event.outcome.as_str(),
                event.agent,
                detail
            ],
        )
        .map_err(&err)?;
        let seq = u64::try_from(tx.last_insert_rowid()).unwrap_or(0);
        let success = event.outcome == Outcome::Success;
        match event.kind {
            EventType::Ingest | EventType::Adopt => {
                if let Some(reg) = registration {
                    self.register(tx, reg, &event.time)?;
                }
            }
            EventType::FixityCheck => {
                let level = event.detail["level"].as_str().unwrap_or("fixity");
                let problems = event.detail["problem_count"].as_i64().unwrap_or(0);
                tx.execute(
                    "UPDATE bags SET state = 'present', last_check = ?2, \
                         last_check_level = ?3, last_outcome = ?4, last_problems = ?5, \
                         last_full_check = CASE WHEN ?6 THEN ?2 ELSE last_full_check END \
                         WHERE name = ?1",
                    params![
                        event.bag,
                        event.time,
                        level,
                        event.outcome.as_str(),
                        problems,
                        success && level == "fixity"
                    ],
                )
                .map_err(&err)?;
            }
            EventType::Missing => {
                tx.execute(
                    "UPDATE bags SET state = 'missing' WHERE name = ?1",
                    [&event.bag],
                )
                .map_err(&err)?;
            }
            EventType::Found => {
                tx.execute(
                    "UPDATE bags SET state = 'present' WHERE name = ?1",
                    [&event.bag],
                )
                .map_err(&err)?;
            }
            EventType::Repair if success => {
                tx.execute(
                    "UPDATE bags SET state = 'present', last_check = ?2, \
                         last_check_level = 'fixity', last_outcome = 'success', \
                         last_problems = 0, last_full_check = ?2 WHERE name = ?1",
                    params![event.bag, event.time],
                )
                .map_err(&err)?;
            }
            EventType::Repair | EventType::Quarantine => {}
            EventType::CopyCheck => {
                let location = event.detail["location"].as_str().unwrap_or_default();
                tx.execute(
                    "UPDATE copies SET outcome = ?3, \
                         verified = CASE WHEN ?4 THEN ?5 ELSE verified END \
                         WHERE bag = ?1 AND location = ?2",
                    params![
                        event.bag,
                        location,
                        event.outcome.as_str(),
                        success,
                        event.time
                    ],
                )
                .map_err(&err)?;
            }
            EventType::Replicate => {
                let location = event.detail["location"].as_str().unwrap_or_default();
                tx.execute(
                    "INSERT INTO copies (bag, location, size, sha256, verified, outcome) \
                         SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS \
                         (SELECT 1 FROM bags WHERE name = ?1) \
                         ON CONFLICT (bag, location) DO UPDATE SET size = excluded.size, \
                         sha256 = excluded.sha256, verified = excluded.verified, \
                         outcome = excluded.outcome",
                    params![
                        event.bag,
                        location,
                        event.detail["size"].as_i64(),
                        event.detail["sha256"].as_str(),
                        success.then_some(&event.time),
                        event.outcome.as_str()
                    ],
                )
                .map_err(&err)?;
            }
        }
        Ok(seq)
    }

    fn register(&self, tx: &Transaction<'_>, reg: &Registration, time: &str) -> Result<()> {
        let err = self.err();
        let b: &BagRecord = &reg.bag;
        let tags = serde_json::to_string(&b.tag_manifest).unwrap_or_else(|_| "{}".into());
        tx.execute(
            "INSERT INTO bags (name, path, size, sha256, payload_oxum, bagging_date, \
                 tag_manifest, registered, items, state) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'present') \
                 ON CONFLICT (name) DO UPDATE SET path = excluded.path, size = excluded.size, \
                 sha256 = excluded.sha256, payload_oxum = excluded.payload_oxum, \
                 bagging_date = excluded.bagging_date, tag_manifest = excluded.tag_manifest, \
                 registered = excluded.registered, items = excluded.items, state = 'present'",
            params![
                b.name,
                b.path,
                i64::try_from(b.size).unwrap_or(i64::MAX),
                b.sha256,
                b.payload_oxum,
                b.bagging_date,
                tags,
                time,
                i64::try_from(b.items).unwrap_or(i64::MAX),
            ],
        )
        .map_err(&err)?;
        tx.execute("DELETE FROM items WHERE bag = ?1", [&b.name])
            .map_err(&err)?;
        let mut stmt = tx
            .prepare_cached(
                "INSERT INTO items (bag, id, path, title, creator, subject, description, \
                 publisher, date, language, identifier, source, sha256, media_type, encoding) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            )
            .map_err(&err)?;
        let json = |v: &Vec<String>| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
        let read = reg.items(&mut |i: ItemRecord| {
            stmt.execute(params![
                b.name,
                i.id,
                i.path,
                json(&i.title),
                json(&i.creator),
                json(&i.subject),
                json(&i.description),
                json(&i.publisher),
                json(&i.date),
                json(&i.language),
                json(&i.identifier),
                json(&i.source),
                i.sha256,
                i.media_type,
                i.encoding
            ])
            .map_err(&err)?;
            let rowid = tx.last_insert_rowid();
            super::super::search::index::add(tx, rowid, &i).map_err(&err)?;
            harvest::add_sources(tx, rowid, &i.source).map_err(&err)?;
            Ok(())
        });
        match read {
            Ok(()) => {}
            Err(e)
                if !reg.strict
                    && !matches!(e, Error::Catalog { .. } | Error::CatalogBusy { .. }) =>
            {
                log::warn!("items of `{}` not all read: {e}", reg.zip.display());
            }
            Err(e) => return Err(e),
        }
        Ok(())
    }

    /// Commits.
    pub(crate) fn commit(self) -> Result<()> {
        let path = self.path;
        match self.tx {
            WriterTx::Sqlite(tx) => tx.commit().map_err(|e| sql_error(path, e)),
            #[cfg(feature = "postgres")]
            WriterTx::Postgres(pg) => pg.commit(),
        }
    }
}
