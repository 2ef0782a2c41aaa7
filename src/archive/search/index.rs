//! The full-text index in the catalog: an FTS5 table over each item's
//! title, creators, subjects, descriptions and main text (`content.txt`
//! of HTML and feed items, else the text derivative `text.txt`), each
//! as its [`words`] (folded by [`fold`](super::fold::fold) and split by
//! newsbag), and a facet table of what the
//! filters need (the item's date in UTC and the host of its URL).
//!
//! The FTS5 table is contentless (`content=''`): the index holds tokens
//! only, so the text is not stored twice (the bags hold it; `find`
//! reads what it shows from them). `contentless_delete=1` lets a bag's
//! rows be deleted when it is registered again; a trigger on `items`
//! does it, so every path that deletes items keeps the index in step.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, params};

use super::fold::words;
use crate::archive::register::ItemRecord;

/// Schema version 2: the full-text index and the search facets (the
/// index tokenized by `unicode61 remove_diacritics 2` until version 5;
/// see [`V5`]). A
/// catalog migrated from version 1 with items already in it is marked
/// `search_index = incomplete` in `meta` until `catalog rebuild` fills
/// the index from the bags.
pub(crate) const V2: &str = "
CREATE VIRTUAL TABLE items_fts USING fts5 (
    title, creator, subject, description, text,
    content = '', contentless_delete = 1,
    tokenize = 'ascii'
);
CREATE TABLE item_facets (
    item INTEGER PRIMARY KEY,
    date TEXT,
    host TEXT
);
CREATE INDEX item_facets_by_date ON item_facets (date);
CREATE INDEX item_facets_by_host ON item_facets (host);
CREATE TRIGGER items_search_delete AFTER DELETE ON items BEGIN
    DELETE FROM items_fts WHERE rowid = old.rowid;
    DELETE FROM item_facets WHERE item = old.rowid;
END;
INSERT INTO meta (key, value) SELECT 'search_index', 'incomplete'
    WHERE EXISTS (SELECT 1 FROM items);
";

/// Schema version 4: where each item's texts (`content.txt`, `text.txt`)
/// lie in its zip (`item_texts`: the entry's whole name, local header
/// offset, method, sizes and CRC-32), so that a search's snippets and an
/// export's texts are read entry by entry instead of parsing the central
/// directory of each bag; each item's day (`item_facets.day`, the first
/// ten characters of its UTC date, as `--count-by` groups them) with an
/// index, so that counts over time are one pass over an index in order
/// instead of a sort of every item; and when it was collected
/// (`item_facets.collected`, `ingested` of its provenance.json). Items
/// registered before version 4 have no `item_texts` rows and no
/// `collected`: they are read the long way until `catalog rebuild`.
pub(crate) const V4: &str = "
CREATE TABLE item_texts (
    item INTEGER NOT NULL,
    name TEXT NOT NULL,
    header_offset INTEGER NOT NULL,
    method INTEGER NOT NULL,
    compressed_size INTEGER NOT NULL,
    size INTEGER NOT NULL,
    crc32 INTEGER NOT NULL,
    PRIMARY KEY (item, name)
) WITHOUT ROWID;
CREATE TRIGGER items_texts_delete AFTER DELETE ON items BEGIN
    DELETE FROM item_texts WHERE item = old.rowid;
END;
ALTER TABLE item_facets ADD COLUMN day TEXT;
ALTER TABLE item_facets ADD COLUMN collected TEXT;
UPDATE item_facets SET day = substr(date, 1, 10);
CREATE INDEX item_facets_by_day ON item_facets (day);
";

/// Schema version 5: the full-text index holds the [`words`] of each
/// field, folded and split by newsbag, and FTS5 only splits them again at
/// the spaces (its `ascii` tokenizer) instead of classifying and folding
/// every character again (`unicode61`, a third of registering 20,000 items
/// on the catalog's one writing thread). New catalogs get the `ascii`
/// index from [`V2`]. A catalog migrated from an earlier version keeps its
/// `unicode61` index and its rows: `unicode61` finds in the words the
/// words themselves, and in the folded text the rows of earlier versions
/// hold the same words (tested), so it answers as before, without a
/// rebuild; `catalog rebuild` makes it an `ascii` index. Nothing changes
/// in the tables: the version keeps older newsbag, which indexes folded
/// text unsplit, away from a catalog whose index splits nothing.
pub(crate) const V5: &str = "-- the full-text index holds newsbag's words (fold::words)";

/// An item's indexed fields as the index holds them, their [`words`]:
/// title, creators, subjects, descriptions and main text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Folded([String; 5]);

impl Folded {
    /// Folds the indexed fields of `item` (the costly part of indexing
    /// that needs no database: registration does it on the thread that
    /// reads the items).
    #[must_use]
    pub fn of(item: &ItemRecord) -> Folded {
        let join = |v: &[String]| words(&v.join("\n"));
        Folded([
            join(&item.title),
            join(&item.creator),
            join(&item.subject),
            join(&item.description),
            words(item.text.as_deref().unwrap_or_default()),
        ])
    }
}

/// An item's facets: its date in UTC as the filters compare it, the host
/// of its URL, and its day.
pub(crate) fn facets(item: &ItemRecord) -> (Option<String>, Option<String>, Option<String>) {
    let date = item.date.iter().find_map(|d| utc_date(d));
    let day = date.as_deref().map(|d| day(d).to_owned());
    (date, host(item), day)
}

/// The weights of the indexed fields in the catalog on PostgreSQL, as
/// `find` ranks them: titles `A`, creators `C` (their own, for
/// `--creator`), subjects and descriptions `B`, text `D`.
pub const TS_WEIGHTS: [char; 5] = ['A', 'C', 'B', 'B', 'D'];

/// The most bytes of lexemes and positions a `tsvector` of the catalog on
/// PostgreSQL holds (PostgreSQL refuses one over 1 MiB): words of a very
/// long text past it are not indexed there.
const TSVECTOR_BUDGET: usize = 900_000;

/// An item's words as the catalog on PostgreSQL indexes them: each
/// distinct word (in byte order) with its positions, each position
/// `(position, weight)` with the weight 3 (`A`) to 0 (`D`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TsVector(pub Vec<(String, Vec<(u16, u8)>)>);

/// The item's words for a PostgreSQL `tsvector`: every word of each field
/// at its position, weighted by [`TS_WEIGHTS`], the fields 100 positions
/// apart so that a phrase never runs from one into the next. The words
/// are the index's own ([`Folded`]): no text search configuration splits
/// or folds them again.
#[must_use]
pub fn ts_vector(folded: &Folded) -> TsVector {
    use std::collections::BTreeMap;
    let mut lexemes: BTreeMap<&str, Vec<(u16, u8)>> = BTreeMap::new();
    let mut position: u32 = 1;
    let mut size = 0usize;
    'fields: for (field, weight) in folded.0.iter().zip(TS_WEIGHTS) {
        let weight = match weight {
            'A' => 3,
            'B' => 2,
            'C' => 1,
            _ => 0,
        };
        let words = field
            .split(' ')
            .filter(|w| !w.is_empty() && w.len() < 2048 && !w.contains('\0'));
        for word in words {
            let positions = match lexemes.get_mut(word) {
                Some(p) => p,
                None => {
                    size += word.len() + 8;
                    if size > TSVECTOR_BUDGET {
                        break 'fields;
                    }
                    lexemes.entry(word).or_default()
                }
            };
            // PostgreSQL keeps 256 positions a lexeme, each at most
            // 16383, strictly increasing.
            let at = u16::try_from(position.min(16_383)).unwrap_or(16_383);
            if positions.len() < 256 && positions.last().is_none_or(|&(p, _)| p < at) {
                positions.push((at, weight));
                size += 2;
            }
            position += 1;
        }
        position += 100;
    }
    TsVector(
        lexemes
            .into_iter()
            .map(|(w, p)| (w.to_owned(), p))
            .collect(),
    )
}

/// [`ts_vector`] as a `tsvector` literal (`'word':1A,5D …`), for reading
/// and tests.
#[must_use]
pub fn tsvector(folded: &Folded) -> String {
    let mut out = String::new();
    for (lexeme, positions) in ts_vector(folded).0 {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&super::query::ts_lexeme(&lexeme));
        out.push(':');
        for (i, (p, w)) in positions.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let w = ['D', 'C', 'B', 'A'][usize::from(*w & 3)];
            out.push_str(&format!("{p}{w}"));
        }
    }
    out
}

/// Adds the item stored in `items` at `rowid` to the index (its fields
/// folded by [`Folded::of`] unless `item.folded` has them).
pub(crate) fn add(conn: &Connection, rowid: i64, item: &ItemRecord) -> rusqlite::Result<()> {
    let folded;
    let [title, creator, subject, description, text] = match &item.folded {
        Some(f) => &f.0,
        None => {
            folded = Folded::of(item);
            &folded.0
        }
    };
    conn.prepare_cached(
        "INSERT INTO items_fts (rowid, title, creator, subject, description, text) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![rowid, title, creator, subject, description, text])?;
    let (date, host, day) = facets(item);
    conn.prepare_cached(
        "INSERT INTO item_facets (item, date, host, day, collected) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![rowid, date, host, day, item.collected])?;
    for at in &item.texts {
        conn.prepare_cached(
            "INSERT INTO item_texts (item, name, header_offset, method, compressed_size, size, \
             crc32) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            rowid,
            at.name,
            i64::try_from(at.header_offset).unwrap_or(i64::MAX),
            at.method,
            i64::try_from(at.compressed_size).unwrap_or(i64::MAX),
            i64::try_from(at.size).unwrap_or(i64::MAX),
            at.crc32,
        ])?;
    }
    Ok(())
}

/// The day of a date as [`utc_date`] gives it: its first ten characters
/// (`2016-04-30`; a month or a year stays as it is), as SQLite's
/// `substr(date, 1, 10)` of the migration.
#[must_use]
pub fn day(utc: &str) -> &str {
    first_chars(utc, 10)
}

/// The first `n` characters of `s` (all of it when shorter), as SQLite's
/// `substr(s, 1, n)` gives them.
pub(crate) fn first_chars(s: &str, n: usize) -> &str {
    s.char_indices().nth(n).map_or(s, |(i, _)| &s[..i])
}

/// Where the item at `rowid`'s file `file` (`content.txt` or `text.txt`)
/// lies in its zip, if recorded; with `file` `None`, the text the index
/// holds (`content.txt`, else `text.txt`).
pub(crate) fn text_location(
    conn: &Connection,
    rowid: i64,
    file: Option<&str>,
) -> rusqlite::Result<Option<crate::serialize::EntryLocation>> {
    use rusqlite::OptionalExtension;
    conn.prepare_cached(
        "SELECT name, header_offset, method, compressed_size, size, crc32 FROM item_texts \
         WHERE item = ?1 AND (?2 IS NULL OR substr(name, -length(?2) - 1) = '/' || ?2) \
         ORDER BY substr(name, -12) = '/content.txt' DESC LIMIT 1",
    )?
    .query_row(params![rowid, file], |r| {
        let n =
            |i: usize| -> rusqlite::Result<u64> { Ok(r.get::<_, i64>(i)?.try_into().unwrap_or(0)) };
        Ok(crate::serialize::EntryLocation {
            name: r.get(0)?,
            header_offset: n(1)?,
            method: r.get(2)?,
            compressed_size: n(3)?,
            size: n(4)?,
            crc32: r.get(5)?,
        })
    })
    .optional()
}

/// A W3CDTF date as the filters compare it: a time in UTC
/// (`2016-04-30T05:00:00Z`), or the day, month or year as written when it
/// has no time.
#[must_use]
pub fn utc_date(w3cdtf: &str) -> Option<String> {
    let s = w3cdtf.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(
            t.with_timezone(&Utc)
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string(),
        );
    }
    if NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
        || NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").is_ok()
        || (s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()))
    {
        return Some(s.to_owned());
    }
    None
}

/// The host of the item's first `http(s)` URL (its identifiers, then its
/// sources), lowercased, without `www.`.
#[must_use]
pub fn host(item: &ItemRecord) -> Option<String> {
    item.identifier
        .iter()
        .chain(&item.source)
        .find_map(|u| url_host(u))
}

fn url_host(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    let host = host.split(':').next()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    (!host.is_empty()).then(|| host.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsvector_literals_hold_the_words_at_their_positions() {
        let item = ItemRecord {
            title: vec!["Rice harvest".into()],
            creator: vec!["O'Brien".into()],
            text: Some("rice and rice".into()),
            ..ItemRecord::default()
        };
        assert_eq!(
            tsvector(&Folded::of(&item)),
            "'and':406D 'brien':104C 'harvest':2A 'o':103C 'rice':1A,405D,407D"
        );
    }

    #[test]
    fn dates_are_compared_in_utc() {
        assert_eq!(
            utc_date("2016-05-01T02:30:00+04:30").as_deref(),
            Some("2016-04-30T22:00:00Z")
        );
        assert_eq!(
            utc_date("2016-04-30T10:00:00Z").as_deref(),
            Some("2016-04-30T10:00:00Z")
        );
        assert_eq!(utc_date("2023-09-27").as_deref(), Some("2023-09-27"));
        assert_eq!(utc_date("2023-09").as_deref(), Some("2023-09"));
        assert_eq!(utc_date("2023").as_deref(), Some("2023"));
        assert_eq!(utc_date("yesterday"), None);
    }

    #[test]
    fn hosts_from_identifiers_then_sources() {
        let item = ItemRecord {
            identifier: vec![
                "tag:caspian.example,2023:x".into(),
                "https://WWW.Caspian.example:443/fa/x".into(),
            ],
            source: vec!["https://other.example/".into()],
            ..ItemRecord::default()
        };
        assert_eq!(host(&item).as_deref(), Some("caspian.example"));
        let item = ItemRecord {
            source: vec!["inbox/feed.xml".into()],
            ..ItemRecord::default()
        };
        assert_eq!(host(&item), None);
    }

    /// The index of earlier versions (`unicode61`, rows of folded text),
    /// the same index given words (a migrated catalog registering new
    /// bags) and the index of version 5 (`ascii`, words) find the same
    /// rows for the same queries.
    #[test]
    fn unicode61_and_ascii_indexes_find_the_same_rows() {
        use crate::archive::search::fold::fold;
        let conn = Connection::open_in_memory().unwrap();
        for (table, tokenizer) in [
            ("old", "unicode61 remove_diacritics 2"),
            ("mixed", "unicode61 remove_diacritics 2"),
            ("new", "ascii"),
        ] {
            conn.execute_batch(&format!(
                "CREATE VIRTUAL TABLE {table} USING fts5 (x, content = '', tokenize = '{tokenizer}');"
            ))
            .unwrap();
        }
        let texts = [
            "شهرداری رشت، «طرح» جدید را اعلام کرد.",
            "شهرداري رشت ميگويد: كتابها آماده‌اند",
            "کتاب‌ها و مدرسة الإمام، ۱۳۹۵/۰۲/۱۰",
            "Le café de Zoë — prix: 12,50 €",
            "CAFE ZOE. Naïve façade; l'été 2016",
            "می شود یا نمی‌شود؟ کتاب ها",
            "Ｔehran (AP) — BBC_Persian reports",
        ];
        for (i, t) in texts.iter().enumerate() {
            let rowid = i64::try_from(i).unwrap() + 1;
            let insert = |table: &str, x: &str| {
                conn.execute(
                    &format!("INSERT INTO {table} (rowid, x) VALUES (?1, ?2)"),
                    params![rowid, x],
                )
                .unwrap();
            };
            insert("old", &fold(t));
            // A migrated catalog: rows of both kinds.
            insert("mixed", &if i % 2 == 0 { fold(t) } else { words(t) });
            insert("new", &words(t));
        }
        let rows = |table: &str, fts: &str| -> Vec<i64> {
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT rowid FROM {table} WHERE {table} MATCH ?1 ORDER BY rowid"
                ))
                .unwrap();
            stmt.query_map([fts], |r| r.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        };
        for q in [
            "رشت",
            "شهرداری",
            "كتاب*",
            "کتابها",
            "میشود",
            "\"مدرسه الامام\"",
            "1395",
            "cafe",
            "Zoë OR naive",
            "\"l ete\"",
            "facade",
            "bbc",
            "persian",
            "tehran",
            "12",
        ] {
            let fts = super::super::query::translate(q).unwrap().fts;
            let new = rows("new", &fts);
            assert!(!new.is_empty(), "{q}");
            assert_eq!(rows("old", &fts), new, "{q}");
            assert_eq!(rows("mixed", &fts), new, "{q}");
        }
    }
}
