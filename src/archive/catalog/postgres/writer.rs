//! Recording in the catalog on PostgreSQL: a write transaction applying
//! events, and the registration of a bag's items through one `COPY` into
//! a staging table.

use std::cell::RefCell;

use postgres::Transaction;
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::{IsNull, ToSql, Type};

use super::super::super::events::{Event, EventType, Outcome};
use super::super::super::pg::db_error;
use super::super::super::register::{BagRecord, ItemRecord, Registration};
use super::super::super::search::index;
use super::super::super::{Error, Result};

/// A `tsvector` in PostgreSQL's binary form (what `tsvectorrecv` reads):
/// the number of lexemes, then each lexeme as a NUL-terminated string,
/// its number of positions and each position (16 bits: the weight in the
/// top two, the position in the rest). Parsing the text form on the
/// server was half the cost of indexing an item.
#[derive(Debug)]
struct BinaryTsVector(index::TsVector);

impl ToSql for BinaryTsVector {
    fn to_sql(
        &self,
        _ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        use bytes::BufMut;
        out.put_i32(i32::try_from(self.0.0.len())?);
        for (lexeme, positions) in &self.0.0 {
            out.put_slice(lexeme.as_bytes());
            out.put_u8(0);
            out.put_u16(u16::try_from(positions.len())?);
            for &(position, weight) in positions {
                out.put_u16((u16::from(weight & 3) << 14) | (position & 0x3fff));
            }
        }
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::TS_VECTOR
    }

    postgres::types::to_sql_checked!();
}

/// The staging table of a registration, emptied for each bag.
const STAGING: &str = "
CREATE TEMP TABLE IF NOT EXISTS newsbag_staged_items (
    ord BIGINT, bag TEXT, id TEXT, path TEXT, title TEXT, creator TEXT, subject TEXT,
    description TEXT, publisher TEXT, date TEXT, language TEXT, identifier TEXT, source TEXT,
    sha256 TEXT, media_type TEXT, encoding TEXT, words TSVECTOR, f_date TEXT, f_host TEXT,
    f_day TEXT, collected TEXT, texts TEXT, hosts TEXT
) ON COMMIT DELETE ROWS;
TRUNCATE newsbag_staged_items;
";

/// From the staging table into the catalog's tables, in the bag's order.
const FROM_STAGING: &str = "
INSERT INTO items (bag, id, path, title, creator, subject, description, publisher, date,
    language, identifier, source, sha256, media_type, encoding)
    SELECT bag, id, path, title, creator, subject, description, publisher, date, language,
        identifier, source, sha256, media_type, encoding
    FROM newsbag_staged_items ORDER BY ord;
INSERT INTO item_words (item, words)
    SELECT i.seq, s.words FROM newsbag_staged_items s
    JOIN items i ON i.bag = s.bag AND i.id = s.id;
INSERT INTO item_facets (item, date, host, day, collected)
    SELECT i.seq, s.f_date, s.f_host, s.f_day, s.collected FROM newsbag_staged_items s
    JOIN items i ON i.bag = s.bag AND i.id = s.id;
INSERT INTO item_texts (item, name, header_offset, method, compressed_size, size, crc32)
    SELECT i.seq, t.name, t.header_offset, t.method, t.compressed_size, t.size, t.crc32
    FROM newsbag_staged_items s JOIN items i ON i.bag = s.bag AND i.id = s.id,
    json_to_recordset(s.texts::json) AS t (name TEXT, header_offset BIGINT, method INTEGER,
        compressed_size BIGINT, size BIGINT, crc32 BIGINT);
INSERT INTO item_sources (host, item)
    SELECT DISTINCT h.host, i.seq FROM newsbag_staged_items s
    JOIN items i ON i.bag = s.bag AND i.id = s.id,
    json_array_elements_text(s.hosts::json) AS h (host);
TRUNCATE newsbag_staged_items;
";

/// A write transaction on the PostgreSQL catalog.
pub(crate) struct PgWriter<'a> {
    pub(super) tx: RefCell<Transaction<'a>>,
    pub(super) url: &'a str,
}

impl PgWriter<'_> {
    fn err(&self) -> impl Fn(postgres::Error) -> Error + '_ {
        |e| db_error(self.url, &e)
    }

    fn exec(&self, sql: &str, args: &[&(dyn postgres::types::ToSql + Sync)]) -> Result<u64> {
        self.tx.borrow_mut().execute(sql, args).map_err(self.err())
    }

    pub(crate) fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .tx
            .borrow_mut()
            .query_opt("SELECT value FROM meta WHERE key = $1", &[&key])
            .map_err(self.err())?
            .map(|r| r.get(0)))
    }

    pub(crate) fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.exec(
            "INSERT INTO meta (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&key, &value],
        )?;
        Ok(())
    }

    pub(crate) fn has_event(&self, id: &str) -> Result<bool> {
        Ok(self
            .tx
            .borrow_mut()
            .query_opt("SELECT 1 FROM events WHERE id = $1", &[&id])
            .map_err(self.err())?
            .is_some())
    }

    pub(crate) fn apply(&self, event: &Event, registration: Option<&Registration>) -> Result<u64> {
        let detail = serde_json::to_string(&event.detail).unwrap_or_else(|_| "null".into());
        let seq: i64 = self
            .tx
            .borrow_mut()
            .query_one(
                // The next seq after the greatest, as SQLite gives its
                // rowid: writers hold the catalog's lock, and a rolled-back
                // transaction leaves no gap (an identity's sequence would).
                "INSERT INTO events (seq, id, time, type, bag, item, outcome, agent, detail) \
                 VALUES ((SELECT coalesce(max(seq), 0) + 1 FROM events), \
                 $1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq",
                &[
                    &event.id,
                    &event.time,
                    &event.kind.as_str(),
                    &event.bag,
                    &event.item,
                    &event.outcome.as_str(),
                    &event.agent,
                    &detail,
                ],
            )
            .map_err(self.err())?
            .get(0);
        let seq = u64::try_from(seq).unwrap_or(0);
        let success = event.outcome == Outcome::Success;
        match event.kind {
            EventType::Ingest | EventType::Adopt => {
                if let Some(reg) = registration {
                    self.register(reg, &event.time)?;
                }
            }
            EventType::FixityCheck => {
                let level = event.detail["level"].as_str().unwrap_or("fixity");
                let problems = event.detail["problem_count"].as_i64().unwrap_or(0);
                let full = success && level == "fixity";
                self.exec(
                    "UPDATE bags SET state = 'present', last_check = $2, \
                     last_check_level = $3, last_outcome = $4, last_problems = $5, \
                     last_full_check = CASE WHEN $6 THEN $2 ELSE last_full_check END \
                     WHERE name = $1",
                    &[
                        &event.bag,
                        &event.time,
                        &level,
                        &event.outcome.as_str(),
                        &problems,
                        &full,
                    ],
                )?;
            }
            EventType::Missing => {
                self.exec(
                    "UPDATE bags SET state = 'missing' WHERE name = $1",
                    &[&event.bag],
                )?;
            }
            EventType::Found => {
                self.exec(
                    "UPDATE bags SET state = 'present' WHERE name = $1",
                    &[&event.bag],
                )?;
            }
            EventType::Repair if success => {
                self.exec(
                    "UPDATE bags SET state = 'present', last_check = $2, \
                     last_check_level = 'fixity', last_outcome = 'success', \
                     last_problems = 0, last_full_check = $2 WHERE name = $1",
                    &[&event.bag, &event.time],
                )?;
            }
            EventType::Repair | EventType::Quarantine => {}
            EventType::CopyCheck => {
                let location = event.detail["location"].as_str().unwrap_or_default();
                self.exec(
                    "UPDATE copies SET outcome = $3, \
                     verified = CASE WHEN $4 THEN $5 ELSE verified END \
                     WHERE bag = $1 AND location = $2",
                    &[
                        &event.bag,
                        &location,
                        &event.outcome.as_str(),
                        &success,
                        &event.time,
                    ],
                )?;
            }
            EventType::Replicate => {
                let location = event.detail["location"].as_str().unwrap_or_default();
                self.exec(
                    "INSERT INTO copies (bag, location, size, sha256, verified, outcome) \
                     SELECT $1::TEXT, $2::TEXT, $3::BIGINT, $4::TEXT, $5::TEXT, $6::TEXT \
                     WHERE EXISTS (SELECT 1 FROM bags WHERE name = $1::TEXT) \
                     ON CONFLICT (bag, location) DO UPDATE SET size = excluded.size, \
                     sha256 = excluded.sha256, verified = excluded.verified, \
                     outcome = excluded.outcome",
                    &[
                        &event.bag,
                        &location,
                        &event.detail["size"].as_i64(),
                        &event.detail["sha256"].as_str(),
                        &success.then_some(event.time.as_str()),
                        &event.outcome.as_str(),
                    ],
                )?;
            }
        }
        Ok(seq)
    }

    fn register(&self, reg: &Registration, time: &str) -> Result<()> {
        let b: &BagRecord = &reg.bag;
        let tags = serde_json::to_string(&b.tag_manifest).unwrap_or_else(|_| "{}".into());
        self.exec(
            "INSERT INTO bags (name, path, size, sha256, payload_oxum, bagging_date, \
             tag_manifest, registered, items, state) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'present') \
             ON CONFLICT (name) DO UPDATE SET path = excluded.path, size = excluded.size, \
             sha256 = excluded.sha256, payload_oxum = excluded.payload_oxum, \
             bagging_date = excluded.bagging_date, tag_manifest = excluded.tag_manifest, \
             registered = excluded.registered, items = excluded.items, state = 'present'",
            &[
                &b.name,
                &b.path,
                &i64::try_from(b.size).unwrap_or(i64::MAX),
                &b.sha256,
                &b.payload_oxum,
                &b.bagging_date,
                &tags,
                &time,
                &i64::try_from(b.items).unwrap_or(i64::MAX),
            ],
        )?;
        self.exec("DELETE FROM items WHERE bag = $1", &[&b.name])?;
        // The items, their words, facets and text locations go in one
        // COPY to a staging table, then into their tables in five
        // statements: a round trip per item (an INSERT each) took most of
        // an ingest's registration, and the index tables need each item's
        // `seq`, known once it is in `items`.
        let mut tx = self.tx.borrow_mut();
        tx.batch_execute(STAGING).map_err(self.err())?;
        let sink = tx
            .copy_in(
                "COPY newsbag_staged_items (ord, bag, id, path, title, creator, subject, \
                 description, publisher, date, language, identifier, source, sha256, \
                 media_type, encoding, words, f_date, f_host, f_day, collected, texts, hosts) \
                 FROM STDIN BINARY",
            )
            .map_err(self.err())?;
        let mut types = vec![Type::INT8];
        types.extend([Type::TEXT; 15]);
        types.push(Type::TS_VECTOR);
        types.extend([Type::TEXT; 6]);
        let mut writer = BinaryCopyInWriter::new(sink, &types);
        let json = |v: &Vec<String>| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
        let mut ord: i64 = 0;
        let read = reg.items(&mut |i: ItemRecord| {
            let words = BinaryTsVector(match &i.folded {
                Some(f) => index::ts_vector(f),
                None => index::ts_vector(&index::Folded::of(&i)),
            });
            let (f_date, f_host, f_day) = index::facets(&i);
            let texts = serde_json::Value::Array(
                i.texts
                    .iter()
                    .map(|t| {
                        serde_json::json!({
                            "name": t.name,
                            "header_offset": t.header_offset,
                            "method": t.method,
                            "compressed_size": t.compressed_size,
                            "size": t.size,
                            "crc32": t.crc32,
                        })
                    })
                    .collect(),
            )
            .to_string();
            let hosts: Vec<String> = i
                .source
                .iter()
                .filter_map(|s| super::super::harvest::source_host(s))
                .collect();
            ord += 1;
            writer
                .write(&[
                    &ord,
                    &b.name,
                    &i.id,
                    &i.path,
                    &json(&i.title),
                    &json(&i.creator),
                    &json(&i.subject),
                    &json(&i.description),
                    &json(&i.publisher),
                    &json(&i.date),
                    &json(&i.language),
                    &json(&i.identifier),
                    &json(&i.source),
                    &i.sha256,
                    &i.media_type,
                    &i.encoding,
                    &words,
                    &f_date,
                    &f_host,
                    &f_day,
                    &i.collected,
                    &texts,
                    &json(&hosts),
                ])
                .map_err(self.err())?;
            Ok(())
        });
        // The items read so far go in even when the rest could not be
        // read (a bag adopted as it is).
        let finished = writer
            .finish()
            .and_then(|_| {
                let started = std::time::Instant::now();
                tx.batch_execute(FROM_STAGING)?;
                log::debug!(
                    "the items of `{}` moved from the staging table in {:?}",
                    b.name,
                    started.elapsed()
                );
                Ok(())
            })
            .map_err(self.err());
        match read {
            Ok(()) => {}
            Err(e) if !reg.strict && !matches!(e, Error::Coordination { .. }) => {
                log::warn!("items of `{}` not all read: {e}", reg.zip.display());
            }
            Err(e) => return Err(e),
        }
        finished?;
        Ok(())
    }

    pub(crate) fn commit(self) -> Result<()> {
        let url = self.url;
        self.tx.into_inner().commit().map_err(|e| db_error(url, &e))
    }
}
