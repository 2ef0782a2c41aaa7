//! The catalog's queries for harvesting (`newsbag serve`'s OAI-PMH data
//! provider): items in a stable order, selected by registration time, bag
//! or source host, read a page at a time from a position that stays valid
//! while bags are added.
//!
//! The order is the items table's rowid, which grows with each insertion:
//! an item registered after a harvest began always comes after any
//! position the harvest has reached, so that a harvest that goes on from
//! a position never skips an item nor sends one twice.

use rusqlite::{Connection, OptionalExtension, params, params_from_iter, types::Value};

use super::{Catalog, Result};

/// Schema version 3: the hosts of each item's `dc:source` URLs
/// ([`source_host`]), so that a `source:HOST` set is an index look-up
/// instead of a scan of every item's sources. A catalog migrated from
/// version 2 with items is marked `source_index = incomplete` in `meta`
/// (its sets are then selected by the scan, as before) until `catalog
/// rebuild` fills the table from the bags.
pub(crate) const V3: &str = "
CREATE TABLE item_sources (
    host TEXT NOT NULL,
    item INTEGER NOT NULL,
    PRIMARY KEY (host, item)
) WITHOUT ROWID;
CREATE INDEX item_sources_by_item ON item_sources (item);
CREATE TRIGGER items_sources_delete AFTER DELETE ON items BEGIN
    DELETE FROM item_sources WHERE item = old.rowid;
END;
INSERT INTO meta (key, value) SELECT 'source_index', 'incomplete'
    WHERE EXISTS (SELECT 1 FROM items);
";

/// Records the hosts of `sources` for the item stored at `rowid`.
pub(crate) fn add_sources(
    conn: &Connection,
    rowid: i64,
    sources: &[String],
) -> rusqlite::Result<()> {
    let mut stmt =
        conn.prepare_cached("INSERT OR IGNORE INTO item_sources (host, item) VALUES (?1, ?2)")?;
    for host in sources.iter().filter_map(|s| source_host(s)) {
        stmt.execute(params![host, rowid])?;
    }
    Ok(())
}

/// An item as a harvest sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HarvestItem {
    /// Its position in the harvest order (the items table's rowid).
    pub position: i64,
    /// The bag holding it.
    pub bag: String,
    /// The item's id.
    pub id: String,
    /// Its directory inside the bag (`data/items/ID`).
    pub path: String,
    /// The bag's zip, relative to the archive root.
    pub bag_path: String,
    /// When its bag was registered (RFC 3339, UTC, seconds): the item's
    /// datestamp.
    pub registered: String,
    /// Its `dc:source` values.
    pub sources: Vec<String>,
}

/// A selection of items by set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetFilter<'a> {
    /// The items of one bag.
    Bag(&'a str),
    /// The items with a `dc:source` URL (http or https) on this host
    /// (lower case, as [`source_host`] gives it).
    SourceHost(&'a str),
    /// The items with any `dc:source` URL (http or https).
    AnySource,
}

/// What to select: registration times (inclusive, RFC 3339 UTC seconds),
/// a set, and the position after which to start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HarvestQuery<'a> {
    /// Registered at or after this time.
    pub from: Option<&'a str>,
    /// Registered at or before this time.
    pub until: Option<&'a str>,
    /// Only the items of this set.
    pub set: Option<SetFilter<'a>>,
}

/// The host of a `dc:source` value that is an http or https URL, in lower
/// case, when it is made only of the characters a set spec allows (so
/// that `source:HOST` is a valid OAI-PMH set spec); `None` otherwise (a
/// file name, a URL with user information or an internationalised host
/// not in its ASCII form).
pub fn source_host(value: &str) -> Option<String> {
    let lower = value.get(..8).map(str::to_ascii_lowercase)?;
    let rest = if lower.starts_with("https://") {
        &value[8..]
    } else if lower.starts_with("http://") {
        &value[7..]
    } else {
        return None;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return None;
    }
    let host = authority.split(':').next().unwrap_or_default();
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-_.!~*'()".contains(c);
    (!host.is_empty() && host.chars().all(allowed)).then(|| host.to_ascii_lowercase())
}

/// The `LIKE` patterns of the http and https URLs on `host` (the SQL
/// counterpart of [`source_host`]).
fn host_patterns(host: &str) -> Vec<String> {
    let escaped: String = host
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    let mut out = Vec::new();
    for scheme in ["http", "https"] {
        out.push(format!("{scheme}://{escaped}"));
        for after in ['/', ':', '?', '#'] {
            out.push(format!("{scheme}://{escaped}{after}%"));
        }
    }
    out
}

const ITEM_COLUMNS: &str = "items.rowid, items.bag, items.id, items.path, bags.path, \
                            bags.registered, items.source";

fn item_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<HarvestItem> {
    let sources: String = r.get(6)?;
    Ok(HarvestItem {
        position: r.get(0)?,
        bag: r.get(1)?,
        id: r.get(2)?,
        path: r.get(3)?,
        bag_path: r.get(4)?,
        registered: r.get(5)?,
        sources: serde_json::from_str(&sources).unwrap_or_default(),
    })
}

/// The `WHERE` clause and parameters of a query; `indexed`: whether
/// `item_sources` holds every item's hosts.
fn condition(q: &HarvestQuery<'_>, after: Option<i64>, indexed: bool) -> (String, Vec<Value>) {
    let mut clauses = vec!["bags.state = 'present'".to_owned()];
    let mut params: Vec<Value> = Vec::new();
    if let Some(after) = after {
        params.push(Value::Integer(after));
        clauses.push(format!("items.rowid > ?{}", params.len()));
    }
    if let Some(from) = q.from {
        params.push(Value::Text(from.to_owned()));
        clauses.push(format!("bags.registered >= ?{}", params.len()));
    }
    if let Some(until) = q.until {
        params.push(Value::Text(until.to_owned()));
        clauses.push(format!("bags.registered <= ?{}", params.len()));
    }
    match q.set {
        Some(SetFilter::Bag(name)) => {
            params.push(Value::Text(name.to_owned()));
            clauses.push(format!("items.bag = ?{}", params.len()));
        }
        Some(SetFilter::SourceHost(host)) if indexed => {
            params.push(Value::Text(host.to_owned()));
            clauses.push(format!(
                "items.rowid IN (SELECT item FROM item_sources WHERE host = ?{})",
                params.len()
            ));
        }
        Some(SetFilter::SourceHost(host)) => {
            let mut likes = Vec::new();
            for p in host_patterns(host) {
                params.push(Value::Text(p));
                likes.push(format!("s.value LIKE ?{} ESCAPE '\\'", params.len()));
            }
            clauses.push(format!(
                "EXISTS (SELECT 1 FROM json_each(items.source) AS s WHERE {})",
                likes.join(" OR ")
            ));
        }
        Some(SetFilter::AnySource) => clauses.push(
            "EXISTS (SELECT 1 FROM json_each(items.source) AS s \
             WHERE s.value LIKE 'http://_%' OR s.value LIKE 'https://_%')"
                .to_owned(),
        ),
        None => {}
    }
    (clauses.join(" AND "), params)
}

impl Catalog {
    /// Whether `item_sources` holds the hosts of every item.
    fn sources_indexed(&self) -> Result<bool> {
        Ok(self.meta("source_index")?.as_deref() != Some("incomplete"))
    }

    /// Up to `limit` items of `q` after position `after`, in harvest order.
    pub fn harvest_items(
        &self,
        q: &HarvestQuery<'_>,
        after: Option<i64>,
        limit: usize,
    ) -> Result<Vec<HarvestItem>> {
        let (cond, params) = condition(q, after, self.sources_indexed()?);
        let sql = format!(
            "SELECT {ITEM_COLUMNS} FROM items JOIN bags ON bags.name = items.bag \
             WHERE {cond} ORDER BY items.rowid LIMIT {limit}"
        );
        let mut stmt = self.connection()?.prepare(&sql).map_err(self.err())?;
        let rows = stmt
            .query_map(params_from_iter(params), item_row)
            .map_err(self.err())?;
        rows.collect::<rusqlite::Result<_>>().map_err(self.err())
    }

    /// How many items `q` selects (after position `after`).
    pub fn harvest_count(&self, q: &HarvestQuery<'_>, after: Option<i64>) -> Result<u64> {
        let (cond, params) = condition(q, after, self.sources_indexed()?);
        let sql =
            format!("SELECT count(*) FROM items JOIN bags ON bags.name = items.bag WHERE {cond}");
        self.connection()?
            .query_row(&sql, params_from_iter(params), |r| r.get(0))
            .map_err(self.err())
    }

    /// The item `id` of bag `bag`, if the catalog has it (in a present
    /// bag).
    pub fn harvest_item(&self, bag: &str, id: &str) -> Result<Option<HarvestItem>> {
        let sql = format!(
            "SELECT {ITEM_COLUMNS} FROM items JOIN bags ON bags.name = items.bag \
             WHERE items.bag = ?1 AND items.id = ?2 AND bags.state = 'present'"
        );
        self.connection()?
            .query_row(&sql, [bag, id], item_row)
            .optional()
            .map_err(self.err())
    }

    /// The earliest registration time of a present bag with items.
    pub fn earliest_registration(&self) -> Result<Option<String>> {
        self.connection()?
            .query_row(
                "SELECT min(registered) FROM bags WHERE state = 'present' AND items > 0",
                [],
                |r| r.get(0),
            )
            .map_err(self.err())
    }

    /// The names of the present bags with items, sorted.
    pub fn harvest_bags(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .connection()?
            .prepare("SELECT name FROM bags WHERE state = 'present' AND items > 0 ORDER BY name")
            .map_err(self.err())?;
        let rows = stmt.query_map([], |r| r.get(0)).map_err(self.err())?;
        rows.collect::<rusqlite::Result<_>>().map_err(self.err())
    }

    /// The hosts of the items' `dc:source` URLs ([`source_host`]), sorted,
    /// each once.
    pub fn source_hosts(&self) -> Result<Vec<String>> {
        if self.sources_indexed()? {
            // Each host once, kept if one of its items is in a present bag.
            let mut stmt = self
                .connection()?
                .prepare(
                    "SELECT h.host FROM (SELECT DISTINCT host FROM item_sources) AS h \
                     WHERE EXISTS (SELECT 1 FROM item_sources AS s \
                     JOIN items ON items.rowid = s.item JOIN bags ON bags.name = items.bag \
                     WHERE s.host = h.host AND bags.state = 'present') ORDER BY h.host",
                )
                .map_err(self.err())?;
            let rows = stmt.query_map([], |r| r.get(0)).map_err(self.err())?;
            return rows.collect::<rusqlite::Result<_>>().map_err(self.err());
        }
        let mut stmt = self
            .connection()?
            .prepare(
                "SELECT DISTINCT s.value FROM items JOIN bags ON bags.name = items.bag, \
                 json_each(items.source) AS s WHERE bags.state = 'present'",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(self.err())?;
        let mut hosts = std::collections::BTreeSet::new();
        for v in rows {
            if let Some(h) = source_host(&v.map_err(self.err())?) {
                hosts.insert(h);
            }
        }
        Ok(hosts.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `source:HOST` sets and the list of hosts are the same from the
    /// index as from the scan of every item's sources (the way of a
    /// catalog migrated with items, until it is rebuilt).
    #[test]
    fn source_sets_from_the_index_equal_the_scan() {
        let tmp = tempfile::tempdir().unwrap();
        let archive = crate::archive::sample_archive(&tmp.path().join("archive"), &["one", "two"]);
        let c = archive.catalog();
        let answers = |c: &Catalog| {
            let hosts = c.source_hosts().unwrap();
            let mut sets = Vec::new();
            for h in hosts.iter().map(String::as_str).chain(["nowhere.example"]) {
                for after in [None, Some(2)] {
                    let q = HarvestQuery {
                        set: Some(SetFilter::SourceHost(h)),
                        ..HarvestQuery::default()
                    };
                    let items: Vec<i64> = c
                        .harvest_items(&q, after, 1000)
                        .unwrap()
                        .iter()
                        .map(|i| i.position)
                        .collect();
                    sets.push((
                        h.to_owned(),
                        after,
                        items,
                        c.harvest_count(&q, after).unwrap(),
                    ));
                }
            }
            (hosts, sets)
        };
        assert!(c.sources_indexed().unwrap());
        let indexed = answers(c);
        assert!(!indexed.0.is_empty());
        assert!(
            indexed
                .1
                .iter()
                .any(|(_, _, items, n)| !items.is_empty() && *n > 0)
        );
        c.connection()
            .unwrap()
            .execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('source_index', 'incomplete')",
                [],
            )
            .unwrap();
        assert!(!c.sources_indexed().unwrap());
        assert_eq!(answers(c), indexed);
    }

    #[test]
    fn hosts_of_sources() {
        assert_eq!(
            source_host("https://Caspian.example/fa/2023").as_deref(),
            Some("caspian.example")
        );
        assert_eq!(
            source_host("http://a.example:8080?x").as_deref(),
            Some("a.example")
        );
        assert_eq!(
            source_host("HTTP://a.example").as_deref(),
            Some("a.example")
        );
        assert_eq!(source_host("inbox/feed-atom.xml"), None);
        assert_eq!(source_host("https://user@a.example/"), None);
        assert_eq!(source_host("https://خبر.example/"), None);
        assert_eq!(source_host("https:///x"), None);
    }

    #[test]
    fn host_patterns_escape_like() {
        let p = host_patterns("a_b.example");
        assert!(p.contains(&"https://a\\_b.example/%".to_owned()));
        assert_eq!(p.len(), 10);
    }
}
