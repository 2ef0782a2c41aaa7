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

/// Adds the item stored in `items` at `rowid` to the index.
pub(crate) fn add(conn: &Connection, rowid: i64, item: &ItemRecord) -> rusqlite::Result<()> {
    let join = |v: &[String]| fold(&v.join("\n"));
    conn.prepare_cached(
        "INSERT INTO items_fts (rowid, title, creator, subject, description, text) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        rowid,
        join(&item.title),
        join(&item.creator),
        join(&item.subject),
        join(&item.description),
        fold(item.text.as_deref().unwrap_or_default()),
    ])?;
    conn.prepare_cached("INSERT INTO item_facets (item, date, host) VALUES (?1, ?2, ?3)")?
        .execute(params![
            rowid,
            item.date.iter().find_map(|d| utc_date(d)),
            host(item)
        ])?;
    Ok(())
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
