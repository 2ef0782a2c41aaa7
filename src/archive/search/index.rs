//! The full-text index in the catalog: an FTS5 table over each item's
//! title, creators, subjects, descriptions and main text (`content.txt`
//! of HTML and feed items, else the text derivative `text.txt`), all
//! folded by [`fold`], and a facet table of what the
//! filters need (the item's date in UTC and the host of its URL).
//!
//! The FTS5 table is contentless (`content=''`): the index holds tokens
//! only, so the text is not stored twice (the bags hold it; `find`
//! reads what it shows from them). `contentless_delete=1` lets a bag's
//! rows be deleted when it is registered again; a trigger on `items`
//! does it, so every path that deletes items keeps the index in step.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, params};

use super::fold::fold;
use crate::archive::register::ItemRecord;

/// Schema version 2: the full-text index and the search facets. A
/// catalog migrated from version 1 with items already in it is marked
/// `search_index = incomplete` in `meta` until `catalog rebuild` fills
/// the index from the bags.
pub(crate) const V2: &str = "
CREATE VIRTUAL TABLE items_fts USING fts5 (
    title, creator, subject, description, text,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
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

/// An item's indexed fields as the index holds them, folded by [`fold`]:
/// title, creators, subjects, descriptions and main text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Folded([String; 5]);

impl Folded {
    /// Folds the indexed fields of `item` (the costly part of indexing
    /// that needs no database: registration does it on the thread that
    /// reads the items).
    #[must_use]
    pub fn of(item: &ItemRecord) -> Folded {
        let join = |v: &[String]| fold(&v.join("\n"));
        Folded([
            join(&item.title),
            join(&item.creator),
            join(&item.subject),
            join(&item.description),
            fold(item.text.as_deref().unwrap_or_default()),
        ])
    }
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
    let date = item.date.iter().find_map(|d| utc_date(d));
    let day = date.as_deref().map(day);
    conn.prepare_cached(
        "INSERT INTO item_facets (item, date, host, day, collected) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![rowid, date, host(item), day, item.collected])?;
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
}
