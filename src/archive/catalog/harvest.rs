//! The catalog's queries for harvesting (`newsbag serve`'s OAI-PMH data
//! provider): items in a stable order, selected by registration time, bag
//! or source host, read a page at a time from a position that stays valid
//! while bags are added.
//!
//! The order is the items table's number (SQLite's rowid, PostgreSQL's
//! identity `seq`), which grows with each insertion: an item registered
//! after a harvest began always comes after any position the harvest has
//! reached, so that a harvest that goes on from a position never skips an
//! item nor sends one twice. The queries are the same on both databases
//! but for a few words ([`Dialect`]).

use rusqlite::{Connection, params, params_from_iter, types::Value};

use super::{Catalog, Result, Store};

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
    /// Its position in the harvest order (the items table's rowid, or
    /// `seq` on PostgreSQL).
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

const ITEM_COLUMNS: &str = "items.bag, items.id, items.path, bags.path, bags.registered, \
                            items.source";

/// The SQL of the database the catalog is in, where the two differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Sqlite,
    #[cfg(feature = "postgres")]
    Postgres,
}

impl Dialect {
    /// The column of the harvest order: an item's number, growing with
    /// each insertion (SQLite's rowid, PostgreSQL's identity).
    fn position(self) -> &'static str {
        match self {
            Dialect::Sqlite => "items.rowid",
            #[cfg(feature = "postgres")]
            Dialect::Postgres => "items.seq",
        }
    }

    /// The placeholder of the `n`th parameter.
    fn placeholder(self, n: usize) -> String {
        match self {
            Dialect::Sqlite => format!("?{n}"),
            #[cfg(feature = "postgres")]
            Dialect::Postgres => format!("${n}"),
        }
    }

    /// The values of an item's `dc:source` (a JSON array) as rows of a
    /// column `s.value`.
    fn sources(self) -> &'static str {
        match self {
            Dialect::Sqlite => "json_each(items.source) AS s",
            #[cfg(feature = "postgres")]
            Dialect::Postgres => "json_array_elements_text(items.source::json) AS s (value)",
        }
    }

    /// `LIKE` without regard to ASCII case (SQLite's `LIKE` is so).
    fn like(self) -> &'static str {
        match self {
            Dialect::Sqlite => "LIKE",
            #[cfg(feature = "postgres")]
            Dialect::Postgres => "ILIKE",
        }
    }

    /// The columns of a [`HarvestItem`], its position first.
    fn item_columns(self) -> String {
        format!("{}, {ITEM_COLUMNS}", self.position())
    }
}

/// A parameter of a harvest query.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Param {
    Integer(i64),
    Text(String),
}

impl Param {
    fn sqlite(&self) -> Value {
        match self {
            Param::Integer(n) => Value::Integer(*n),
            Param::Text(s) => Value::Text(s.clone()),
        }
    }

    #[cfg(feature = "postgres")]
    fn postgres(&self) -> &(dyn postgres::types::ToSql + Sync) {
        match self {
            Param::Integer(n) => n,
            Param::Text(s) => s,
        }
    }
}

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

#[cfg(feature = "postgres")]
fn pg_item_row(r: &postgres::Row) -> HarvestItem {
    HarvestItem {
        position: r.get(0),
        bag: r.get(1),
        id: r.get(2),
        path: r.get(3),
        bag_path: r.get(4),
        registered: r.get(5),
        sources: serde_json::from_str(r.get(6)).unwrap_or_default(),
    }
}

/// The `WHERE` clause and parameters of a query; `indexed`: whether
/// `item_sources` holds every item's hosts.
fn condition(
    d: Dialect,
    q: &HarvestQuery<'_>,
    after: Option<i64>,
    indexed: bool,
) -> (String, Vec<Param>) {
    let mut clauses = vec!["bags.state = 'present'".to_owned()];
    let mut params: Vec<Param> = Vec::new();
    let mut param = |p: Param| {
        params.push(p);
        d.placeholder(params.len())
    };
    if let Some(after) = after {
        clauses.push(format!(
            "{} > {}",
            d.position(),
            param(Param::Integer(after))
        ));
    }
    if let Some(from) = q.from {
        clauses.push(format!(
            "bags.registered >= {}",
            param(Param::Text(from.to_owned()))
        ));
    }
    if let Some(until) = q.until {
        clauses.push(format!(
            "bags.registered <= {}",
            param(Param::Text(until.to_owned()))
        ));
    }
    match q.set {
        Some(SetFilter::Bag(name)) => {
            clauses.push(format!(
                "items.bag = {}",
                param(Param::Text(name.to_owned()))
            ));
        }
        Some(SetFilter::SourceHost(host)) if indexed => {
            clauses.push(format!(
                "{} IN (SELECT item FROM item_sources WHERE host = {})",
                d.position(),
                param(Param::Text(host.to_owned()))
            ));
        }
        Some(SetFilter::SourceHost(host)) => {
            let likes: Vec<String> = host_patterns(host)
                .into_iter()
                .map(|p| format!("s.value {} {} ESCAPE '\\'", d.like(), param(Param::Text(p))))
                .collect();
            clauses.push(format!(
                "EXISTS (SELECT 1 FROM {} WHERE {})",
                d.sources(),
                likes.join(" OR ")
            ));
        }
        Some(SetFilter::AnySource) => clauses.push(format!(
            "EXISTS (SELECT 1 FROM {} WHERE s.value {like} 'http://_%' \
             OR s.value {like} 'https://_%')",
            d.sources(),
            like = d.like()
        )),
        None => {}
    }
    (clauses.join(" AND "), params)
}

/// The hosts of every present item's sources, by reading them all (a
/// catalog whose `item_sources` is incomplete).
fn hosts_of(values: impl IntoIterator<Item = String>) -> Vec<String> {
    let hosts: std::collections::BTreeSet<String> =
        values.into_iter().filter_map(|v| source_host(&v)).collect();
    hosts.into_iter().collect()
}

/// Each host of `item_sources` once, kept if one of its items is in a
/// present bag; `position`: the items' number column.
fn indexed_hosts_sql(position: &str) -> String {
    format!(
        "SELECT h.host FROM (SELECT DISTINCT host FROM item_sources) AS h \
         WHERE EXISTS (SELECT 1 FROM item_sources AS s \
         JOIN items ON {position} = s.item JOIN bags ON bags.name = items.bag \
         WHERE s.host = h.host AND bags.state = 'present') ORDER BY h.host"
    )
}

const EARLIEST: &str = "SELECT min(registered) FROM bags WHERE state = 'present' AND items > 0";
const BAGS: &str = "SELECT name FROM bags WHERE state = 'present' AND items > 0 ORDER BY name";

impl Catalog {
    fn dialect(&self) -> Dialect {
        match self.store {
            Store::Sqlite(_) => Dialect::Sqlite,
            #[cfg(feature = "postgres")]
            Store::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Whether `item_sources` holds the hosts of every item.
    fn sources_indexed(&self) -> Result<bool> {
        Ok(self.meta("source_index")?.as_deref() != Some("incomplete"))
    }

    /// The harvest items `sql` selects with `params`.
    fn harvest_rows(&self, sql: &str, params: &[Param]) -> Result<Vec<HarvestItem>> {
        match &self.store {
            Store::Sqlite(conn) => {
                let mut stmt = conn.prepare(sql).map_err(self.err())?;
                let rows = stmt
                    .query_map(params_from_iter(params.iter().map(Param::sqlite)), item_row)
                    .map_err(self.err())?;
                rows.collect::<rusqlite::Result<_>>().map_err(self.err())
            }
            #[cfg(feature = "postgres")]
            Store::Postgres(pg) => {
                let args: Vec<_> = params.iter().map(Param::postgres).collect();
                Ok(pg.query(sql, &args)?.iter().map(pg_item_row).collect())
            }
        }
    }

    /// The one column of text (or NULL) of the rows `sql` selects.
    fn harvest_texts(&self, sql: &str) -> Result<Vec<Option<String>>> {
        match &self.store {
            Store::Sqlite(conn) => {
                let mut stmt = conn.prepare(sql).map_err(self.err())?;
                let rows = stmt.query_map([], |r| r.get(0)).map_err(self.err())?;
                rows.collect::<rusqlite::Result<_>>().map_err(self.err())
            }
            #[cfg(feature = "postgres")]
            Store::Postgres(pg) => Ok(pg.query(sql, &[])?.iter().map(|r| r.get(0)).collect()),
        }
    }

    /// Up to `limit` items of `q` after position `after`, in harvest order.
    pub fn harvest_items(
        &self,
        q: &HarvestQuery<'_>,
        after: Option<i64>,
        limit: usize,
    ) -> Result<Vec<HarvestItem>> {
        let d = self.dialect();
        let (cond, params) = condition(d, q, after, self.sources_indexed()?);
        let sql = format!(
            "SELECT {} FROM items JOIN bags ON bags.name = items.bag \
             WHERE {cond} ORDER BY {} LIMIT {limit}",
            d.item_columns(),
            d.position()
        );
        self.harvest_rows(&sql, &params)
    }

    /// How many items `q` selects (after position `after`).
    pub fn harvest_count(&self, q: &HarvestQuery<'_>, after: Option<i64>) -> Result<u64> {
        let d = self.dialect();
        let (cond, params) = condition(d, q, after, self.sources_indexed()?);
        let sql =
            format!("SELECT count(*) FROM items JOIN bags ON bags.name = items.bag WHERE {cond}");
        let n: i64 = match &self.store {
            Store::Sqlite(conn) => conn
                .query_row(
                    &sql,
                    params_from_iter(params.iter().map(Param::sqlite)),
                    |r| r.get(0),
                )
                .map_err(self.err())?,
            #[cfg(feature = "postgres")]
            Store::Postgres(pg) => {
                let args: Vec<_> = params.iter().map(Param::postgres).collect();
                pg.query(&sql, &args)?.first().map_or(0, |r| r.get(0))
            }
        };
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The item `id` of bag `bag`, if the catalog has it (in a present
    /// bag).
    pub fn harvest_item(&self, bag: &str, id: &str) -> Result<Option<HarvestItem>> {
        let d = self.dialect();
        let sql = format!(
            "SELECT {} FROM items JOIN bags ON bags.name = items.bag \
             WHERE items.bag = {} AND items.id = {} AND bags.state = 'present'",
            d.item_columns(),
            d.placeholder(1),
            d.placeholder(2)
        );
        let params = [Param::Text(bag.to_owned()), Param::Text(id.to_owned())];
        Ok(self.harvest_rows(&sql, &params)?.pop())
    }

    /// The earliest registration time of a present bag with items.
    pub fn earliest_registration(&self) -> Result<Option<String>> {
        Ok(self.harvest_texts(EARLIEST)?.pop().flatten())
    }

    /// The names of the present bags with items, sorted.
    pub fn harvest_bags(&self) -> Result<Vec<String>> {
        Ok(self.harvest_texts(BAGS)?.into_iter().flatten().collect())
    }

    /// The hosts of the items' `dc:source` URLs ([`source_host`]), sorted,
    /// each once.
    pub fn source_hosts(&self) -> Result<Vec<String>> {
        let d = self.dialect();
        if self.sources_indexed()? {
            let sql = indexed_hosts_sql(d.position());
            return Ok(self.harvest_texts(&sql)?.into_iter().flatten().collect());
        }
        let sql = format!(
            "SELECT DISTINCT s.value FROM items JOIN bags ON bags.name = items.bag, {} \
             WHERE bags.state = 'present'",
            d.sources()
        );
        Ok(hosts_of(self.harvest_texts(&sql)?.into_iter().flatten()))
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
