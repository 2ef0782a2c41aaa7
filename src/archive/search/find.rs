//! `find`: items of the archive matching a query and filters, ranked by
//! bm25 with a snippet of their text, and counts of them over time or per
//! group.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use rayon::prelude::*;
use rusqlite::types::Value;

use super::fold;
use super::query::{self, Query, QueryError};
use super::rank;
use crate::archive::Archive;
use crate::archive::bags::BagSource;
use crate::archive::catalog::sql_error;
use crate::archive::zips::ZipCache;
use crate::serialize::{EntryLocation, MAX_ZIP_TAG_FILE, read_located};

/// What can make a search fail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The query cannot be understood.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// The archive or its catalog failed.
    #[error(transparent)]
    Archive(#[from] crate::archive::Error),
    /// The catalog was migrated from before the index existed.
    #[error(
        "the search index of `{0}` is incomplete (the catalog predates it): run `newsbag catalog \
         rebuild` to fill it from the bags"
    )]
    IncompleteIndex(PathBuf),
    /// No item of that id.
    #[error("no item `{id}` in the catalog of `{archive}`")]
    UnknownItem {
        /// The id asked for.
        id: String,
        /// The archive.
        archive: PathBuf,
    },
    /// Several bags hold an item of that id.
    #[error("several bags hold an item `{id}` ({bags}): name one with --bag")]
    AmbiguousItem {
        /// The id asked for.
        id: String,
        /// The bags.
        bags: String,
    },
}

/// Filters applied with (or without) a query. Dates are UTC days, both
/// included.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// Items dated on or after this day.
    pub since: Option<NaiveDate>,
    /// Items dated on or before this day (the whole day).
    pub until: Option<NaiveDate>,
    /// Items whose URL's host is one of these (or a subdomain of one).
    pub sources: Vec<String>,
    /// Items in one of these languages (`fa` also matches `fa-IR`).
    pub languages: Vec<String>,
    /// Items whose creator contains these words (folded).
    pub creator: Option<String>,
    /// Items of this bag.
    pub bag: Option<String>,
}

/// One item found.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Hit {
    /// The item's id.
    pub id: String,
    /// The bag holding it.
    pub bag: String,
    /// Its first title.
    pub title: String,
    /// Its date as the filters compare it (UTC), if it has one.
    pub date: Option<String>,
    /// The host of its URL.
    pub source: Option<String>,
    /// Its first `http(s)` identifier.
    pub url: Option<String>,
    /// Its languages.
    pub language: Vec<String>,
    /// bm25 score on SQLite, minus `ts_rank` on PostgreSQL (lower is
    /// better; 0 without a query).
    pub score: f64,
    /// Words of its text around the first match, matches in `[…]`.
    pub snippet: String,
}

/// How `count_by` groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountBy {
    /// UTC day.
    Day,
    /// Week, named by its Monday.
    Week,
    /// Month (`YYYY-MM`).
    Month,
    /// Year.
    Year,
    /// Host of the item's URL.
    Source,
    /// First language.
    Language,
}

/// One group of `count_by`: items matching, items of the group matching
/// the filters alone, and their ratio (as Media Cloud prints them).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Count {
    /// The day, week, month, year, source or language.
    pub key: String,
    /// Items matching the query and filters.
    pub count: u64,
    /// Items matching the filters alone.
    pub total_count: u64,
    /// `count / total_count`.
    pub ratio: f64,
}

/// The SQL `FROM … WHERE …` of a search, with its parameters.
pub(super) struct Select {
    pub(super) from_where: String,
    pub(super) params: Vec<Value>,
    ranked: bool,
}

/// The `FROM … WHERE …` of a search that lists items: `items i`, `bags
/// b` and `item_facets f` joined to every match.
pub(super) fn build(query: Option<&Query>, filters: &Filters) -> Select {
    build_with(query, filters, Joins::Listing)
}

/// Which tables a search joins to its matches.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Joins {
    /// `items i`, `bags b` and `item_facets f`: what a listing shows.
    Listing,
    /// `item_facets f` (every indexed item has its row) and `items i`,
    /// each only when asked or when a filter reads it (dates and sources,
    /// languages and bag; without a query the facets are the table
    /// counted): what a count, or a ranking of the matches, needs. Joining
    /// every match row by row to tables nothing reads was most of their
    /// time.
    Counting { facets: bool, items: bool },
}

fn build_with(query: Option<&Query>, filters: &Filters, joins: Joins) -> Select {
    let mut fts = query.map(|q| q.fts.clone());
    if let Some(c) = &filters.creator
        && let Some(phrase) = query::column_phrase("creator", c)
    {
        fts = Some(match fts {
            Some(f) => format!("({f}) AND {phrase}"),
            None => phrase,
        });
    }
    let mut params = Vec::new();
    let mut wheres = Vec::new();
    let from = match joins {
        Joins::Listing => {
            let tail = "JOIN bags b ON b.name = i.bag LEFT JOIN item_facets f ON f.item = i.rowid";
            if fts.is_some() {
                format!("items_fts JOIN items i ON i.rowid = items_fts.rowid {tail}")
            } else {
                format!("items i {tail}")
            }
        }
        Joins::Counting { facets, items } => {
            let items = items || !filters.languages.is_empty() || filters.bag.is_some();
            let facets = facets
                || filters.since.is_some()
                || filters.until.is_some()
                || !filters.sources.is_empty();
            let (mut from, rowid) = match (&fts, facets) {
                (Some(_), true) => (
                    "items_fts JOIN item_facets f ON f.item = items_fts.rowid".to_owned(),
                    "items_fts.rowid",
                ),
                (Some(_), false) => ("items_fts".to_owned(), "items_fts.rowid"),
                (None, _) => ("item_facets f".to_owned(), "f.item"),
            };
            if items {
                from.push_str(&format!(" JOIN items i ON i.rowid = {rowid}"));
            }
            from
        }
    };
    if let Some(f) = &fts {
        wheres.push("items_fts MATCH ?".to_owned());
        params.push(Value::Text(f.clone()));
    }
    if let Some(d) = filters.since {
        wheres.push("f.date >= ?".into());
        params.push(Value::Text(d.format("%Y-%m-%d").to_string()));
    }
    if let Some(d) = filters.until {
        wheres.push("f.date < ?".into());
        let next = d.succ_opt().unwrap_or(d);
        params.push(Value::Text(next.format("%Y-%m-%d").to_string()));
    }
    if !filters.sources.is_empty() {
        let mut ors = Vec::new();
        for s in &filters.sources {
            let s = s.trim().to_ascii_lowercase();
            let s = s.strip_prefix("www.").unwrap_or(&s).to_owned();
            ors.push("(f.host = ? OR f.host LIKE '%.' || ?)");
            params.push(Value::Text(s.clone()));
            params.push(Value::Text(s));
        }
        wheres.push(format!("({})", ors.join(" OR ")));
    }
    if !filters.languages.is_empty() {
        let mut ors = Vec::new();
        for l in &filters.languages {
            let l = l.trim().to_ascii_lowercase();
            ors.push("lower(j.value) = ? OR lower(j.value) LIKE ? || '-%'");
            params.push(Value::Text(l.clone()));
            params.push(Value::Text(l));
        }
        wheres.push(format!(
            "EXISTS (SELECT 1 FROM json_each(i.language) j WHERE {})",
            ors.join(" OR ")
        ));
    }
    if let Some(b) = &filters.bag {
        wheres.push("i.bag = ?".into());
        params.push(Value::Text(b.clone()));
    }
    let where_ = if wheres.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", wheres.join(" AND "))
    };
    Select {
        from_where: format!("{from}{where_}"),
        params,
        ranked: fts.is_some(),
    }
}

fn check_index(archive: &Archive) -> Result<(), Error> {
    if archive.catalog().meta("search_index")?.as_deref() == Some("incomplete") {
        return Err(Error::IncompleteIndex(archive.root().to_owned()));
    }
    Ok(())
}

/// Translates `query` (if any) and checks the index can answer it.
pub fn prepare(archive: &Archive, query: Option<&str>) -> Result<Option<Query>, Error> {
    check_index(archive)?;
    Ok(match query {
        Some(q) => Some(query::translate(q)?),
        None => None,
    })
}

/// The items matching `query` and `filters`: best first (bm25, title
/// weighted most) with a query, newest first without; at most `limit`.
pub fn find(
    archive: &Archive,
    query: Option<&Query>,
    filters: &Filters,
    limit: usize,
) -> Result<Vec<Hit>, Error> {
    find_page(archive, query, filters, 0, limit)
}

/// [`find`]'s items from the `offset`-th on (a page of results): at most
/// `limit`, with snippets read for those alone.
pub fn find_page(
    archive: &Archive,
    query: Option<&Query>,
    filters: &Filters,
    offset: usize,
    limit: usize,
) -> Result<Vec<Hit>, Error> {
    find_page_with(archive, query, filters, offset, limit, Some(MAX_TIES))
}

/// The ranking of [`find`]: bm25 with the title weighted most, then
/// subjects and descriptions.
const BM25: &str = "bm25(items_fts, 4.0, 1.0, 2.0, 2.0, 1.0)";

/// Matches tied with the last one wanted that a cut keeps at most before
/// it gives up and runs the whole query (an archive where a query's
/// matches all score alike).
const MAX_TIES: usize = 100_000;

/// [`find_page`], with the matches cut first when `cut` (ties kept at
/// most): the matches passing the filters (joined to the tables the
/// filters read, no others) are scored in one pass keeping the `offset +
/// limit` best and every match scoring as well as the last of them
/// ([`rank::Best`]), and only those are joined, by rowid, to `items`,
/// `bags` and `item_facets` and sorted, so that the order and the page are
/// exactly those of the query without the cut. Joining every match to
/// every table first was most of a common word's time.
fn find_page_with(
    archive: &Archive,
    query: Option<&Query>,
    filters: &Filters,
    offset: usize,
    limit: usize,
    cut: Option<usize>,
) -> Result<Vec<Hit>, Error> {
    #[cfg(feature = "postgres")]
    if let Some(found) = super::pg::find_page(archive, query, filters, offset, limit) {
        let (mut hits, zips, locations) = found?;
        fill_snippets(archive, query, &mut hits, &zips, &locations);
        return Ok(hits);
    }
    let mut sel = build(query, filters);
    let (mut score, mut order) = if sel.ranked {
        (BM25, "ORDER BY 9, f.date DESC, i.bag, i.id")
    } else {
        ("0.0", "ORDER BY f.date IS NULL, f.date DESC, i.bag, i.id")
    };
    let conn = archive.catalog().connection()?;
    let path = archive.catalog().path();
    let err = |e| Error::Archive(sql_error(path, e));
    // Both statements read one snapshot: an ingest between them would
    // change the scores.
    let snapshot = conn.unchecked_transaction().map_err(err)?;
    let wanted = offset.saturating_add(limit);
    // With the best matches ranked first: their distinct scores, best
    // first (the listing then orders by their position).
    let mut ranked_scores: Option<Vec<f64>> = None;
    if let Some(max_ties) = cut
        && sel.ranked
        && wanted > 0
    {
        // The matches passing the filters, with the tables the filters
        // read and no others (none without filters), each scored once.
        let matching = build_with(
            query,
            filters,
            Joins::Counting {
                facets: false,
                items: false,
            },
        );
        let mut best = rank::Best::new(wanted, max_ties);
        let mut complete = true;
        {
            let mut stmt = snapshot
                .prepare(&format!(
                    "SELECT items_fts.rowid, {BM25} FROM {}",
                    matching.from_where
                ))
                .map_err(err)?;
            let mut rows = stmt
                .query(rusqlite::params_from_iter(matching.params))
                .map_err(fts_error(query, path))?;
            while let Some(r) = rows.next().map_err(fts_error(query, path))? {
                if !best.push(r.get(1).map_err(err)?, r.get(0).map_err(err)?) {
                    complete = false;
                    break;
                }
            }
        }
        // Past `max_ties` ties the whole query runs as without the cut.
        if complete {
            // The listing joins the matches kept alone, by rowid, each
            // with the position of its score among the distinct scores.
            let mut distinct: Vec<f64> = Vec::new();
            let mut pairs = Vec::new();
            for (rowid, s) in best.into_sorted() {
                if distinct.last() != Some(&s) {
                    distinct.push(s);
                }
                pairs.push(serde_json::json!([rowid, distinct.len() - 1]));
            }
            sel.from_where = "json_each(?) r JOIN items i ON i.rowid = r.value ->> 0 \
                              JOIN bags b ON b.name = i.bag \
                              LEFT JOIN item_facets f ON f.item = i.rowid"
                .to_owned();
            sel.params = vec![Value::Text(serde_json::Value::Array(pairs).to_string())];
            score = "r.value ->> 1";
            order = "ORDER BY r.value ->> 1, f.date DESC, i.bag, i.id";
            ranked_scores = Some(distinct);
        }
    }
    let sql = format!(
        "SELECT i.bag, i.id, i.title, f.date, f.host, i.identifier, i.language, b.path, {score}, \
         i.rowid FROM {} {order} LIMIT ? OFFSET ?",
        sel.from_where
    );
    let mut params = sel.params;
    params.push(Value::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
    params.push(Value::Integer(i64::try_from(offset).unwrap_or(i64::MAX)));
    let mut stmt = snapshot.prepare(&sql).map_err(err)?;
    let mut rows = stmt
        .query(rusqlite::params_from_iter(params))
        .map_err(fts_error(query, path))?;
    let mut hits = Vec::new();
    let mut zips = Vec::new();
    let mut rowids = Vec::new();
    while let Some(r) = rows.next().map_err(fts_error(query, path))? {
        let json = |i: usize| -> rusqlite::Result<Vec<String>> {
            let s: String = r.get(i)?;
            Ok(serde_json::from_str(&s).unwrap_or_default())
        };
        let identifiers = json(5).map_err(err)?;
        hits.push(Hit {
            bag: r.get(0).map_err(err)?,
            id: r.get(1).map_err(err)?,
            title: json(2).map_err(err)?.into_iter().next().unwrap_or_default(),
            date: r.get(3).map_err(err)?,
            source: r.get(4).map_err(err)?,
            url: identifiers
                .into_iter()
                .find(|u| u.starts_with("http://") || u.starts_with("https://")),
            language: json(6).map_err(err)?,
            score: match &ranked_scores {
                Some(distinct) => {
                    let at: i64 = r.get(8).map_err(err)?;
                    usize::try_from(at)
                        .ok()
                        .and_then(|at| distinct.get(at))
                        .copied()
                        .unwrap_or(f64::NAN)
                }
                None => r.get(8).map_err(err)?,
            },
            snippet: String::new(),
        });
        zips.push(archive.bag_location(&r.get::<_, String>(7).map_err(err)?));
        rowids.push(r.get::<_, i64>(9).map_err(err)?);
    }
    drop(rows);
    drop(stmt);
    // Where each hit's text lies, when registration recorded it: read
    // straight from there, without the zip's central directory.
    let locations = rowids
        .iter()
        .map(|&rowid| super::index::text_location(&snapshot, rowid, None))
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(err)?;
    fill_snippets(archive, query, &mut hits, &zips, &locations);
    Ok(hits)
}

/// Reads a snippet of each hit's text: from where registration recorded
/// it (`locations`), else the long way through the zip's directory.
fn fill_snippets(
    archive: &Archive,
    query: Option<&Query>,
    hits: &mut [Hit],
    zips: &[PathBuf],
    locations: &[Option<EntryLocation>],
) {
    let words: Vec<String> = query.map(|q| q.words.clone()).unwrap_or_default();
    // Snippets read bag by bag (each bag's directory parsed once, however
    // its hits are ranked), the bags on every core.
    let mut by_bag: BTreeMap<&Path, Vec<usize>> = BTreeMap::new();
    for (i, zip) in zips.iter().enumerate() {
        by_bag.entry(zip.as_path()).or_default().push(i);
    }
    let reader = archive.items();
    let snippets: Vec<(usize, String)> = by_bag
        .into_par_iter()
        .flat_map_iter(|(zip, wanted)| {
            let mut reader = reader.clone();
            let hits = &hits;
            let words = &words;
            let locations = &locations;
            wanted.into_iter().filter_map(move |i| {
                let located = locations[i]
                    .as_ref()
                    .and_then(|at| reader.read_located(zip, at));
                // The long way when nothing was recorded or the zip no
                // longer holds it there; a bag that cannot be read still
                // lists its items, without text.
                let text = match located {
                    Some(t) => t,
                    None => {
                        let id = &hits[i].id;
                        let text = match reader.read(zip, id, "content.txt") {
                            Ok(None) => reader.read(zip, id, "text.txt"),
                            r => r,
                        };
                        text.ok().flatten()?
                    }
                };
                Some((i, snippet(&String::from_utf8_lossy(&text), words)))
            })
        })
        .collect();
    for (i, s) in snippets {
        hits[i].snippet = s;
    }
}

/// The number of items matching `query` and `filters`.
pub fn count(archive: &Archive, query: Option<&Query>, filters: &Filters) -> Result<u64, Error> {
    #[cfg(feature = "postgres")]
    if let Some(n) = super::pg::count(archive, query, filters) {
        return n;
    }
    let sel = build_with(
        query,
        filters,
        Joins::Counting {
            facets: false,
            items: false,
        },
    );
    let path = archive.catalog().path();
    let n: i64 = archive
        .catalog()
        .connection()?
        .query_row(
            &format!("SELECT count(*) FROM {}", sel.from_where),
            rusqlite::params_from_iter(sel.params),
            |r| r.get(0),
        )
        .map_err(fts_error(query, path))?;
    Ok(n.try_into().unwrap_or(0))
}

/// An FTS5 error on a translated query is newsbag's bug, not the user's:
/// said so, with the query.
fn fts_error<'a>(
    query: Option<&'a Query>,
    path: &'a Path,
) -> impl Fn(rusqlite::Error) -> Error + 'a {
    move |e| match (query, e.sqlite_error_code()) {
        (Some(q), Some(rusqlite::ErrorCode::Unknown)) => Error::Query(QueryError {
            query: q.fts.clone(),
            reason: format!("SQLite refused the translated query: {e}"),
        }),
        _ => Error::Archive(sql_error(path, e)),
    }
}

/// Counts of the items matching `query` and `filters`, grouped by `by`,
/// with the items of each group matching the filters alone. Items without
/// a date are not counted by time.
pub fn count_by(
    archive: &Archive,
    query: Option<&Query>,
    filters: &Filters,
    by: CountBy,
) -> Result<Vec<Count>, Error> {
    // Counts over time are counted by day (an index in order, no sort of
    // the matches) and the days gathered into weeks, months or years here.
    let key = match by {
        CountBy::Day | CountBy::Week | CountBy::Month | CountBy::Year => "f.day",
        CountBy::Source => "coalesce(f.host, '')",
        CountBy::Language => "coalesce(json_extract(i.language, '$[0]'), '')",
    };
    let counts = |q: Option<&Query>| -> Result<Vec<(String, u64)>, Error> {
        #[cfg(feature = "postgres")]
        if let Some(raw) = super::pg::counts(archive, q, filters, by) {
            let mut out: BTreeMap<String, u64> = BTreeMap::new();
            for (k, n) in raw? {
                if let Some(k) = period(by, &k) {
                    *out.entry(k.into_owned()).or_default() += n;
                }
            }
            return Ok(out.into_iter().collect());
        }
        let conn = archive.catalog().connection()?;
        let path = archive.catalog().path();
        let err = |e| Error::Archive(sql_error(path, e));
        // The language of an item is in `items`; every other key in its
        // facets.
        let items = by == CountBy::Language;
        let sel = build_with(
            q,
            filters,
            Joins::Counting {
                facets: !items,
                items,
            },
        );
        let sql = format!(
            "SELECT {key} AS k, count(*) FROM {} GROUP BY k HAVING k IS NOT NULL ORDER BY k",
            sel.from_where
        );
        let mut stmt = conn.prepare(&sql).map_err(err)?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(sel.params))
            .map_err(fts_error(q, path))?;
        let mut out: BTreeMap<String, u64> = BTreeMap::new();
        while let Some(r) = rows.next().map_err(fts_error(q, path))? {
            let n: i64 = r.get(1).map_err(err)?;
            let k: String = r.get(0).map_err(err)?;
            if let Some(k) = period(by, &k) {
                *out.entry(k.into_owned()).or_default() += u64::try_from(n).unwrap_or(0);
            }
        }
        Ok(out.into_iter().collect::<Vec<_>>())
    };
    let matching_list = counts(query)?;
    // Without a query the items matching are those of the filters alone:
    // the same statement, run once.
    let totals = if query.is_none() {
        matching_list.clone()
    } else {
        counts(None)?
    };
    let matching: BTreeMap<String, u64> = matching_list.into_iter().collect();
    let mut out = Vec::new();
    for (key, total_count) in totals {
        let count = matching.get(&key).copied().unwrap_or(0);
        #[allow(clippy::cast_precision_loss, reason = "a ratio")]
        let ratio = if total_count == 0 {
            0.0
        } else {
            count as f64 / total_count as f64
        };
        out.push(Count {
            key,
            count,
            total_count,
            ratio,
        });
    }
    Ok(out)
}

/// The group of `by` an item of day `day` (`f.day`: `YYYY-MM-DD`, or a
/// month or year for items dated no closer) falls in: the day, the Monday
/// of its week, its month or its year; `None` for an item that cannot be
/// placed (a week of an item dated only by month). Source and language
/// keys are their own groups.
fn period(by: CountBy, day: &str) -> Option<std::borrow::Cow<'_, str>> {
    use std::borrow::Cow;
    let prefix = |n: usize| Cow::Borrowed(super::index::first_chars(day, n));
    Some(match by {
        CountBy::Day | CountBy::Source | CountBy::Language => Cow::Borrowed(day),
        CountBy::Month => prefix(7),
        CountBy::Year => prefix(4),
        CountBy::Week => {
            let d = NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
            let monday = d - chrono::Days::new(u64::from(d.weekday().num_days_from_monday()));
            Cow::Owned(monday.format("%Y-%m-%d").to_string())
        }
    })
}

/// Reads items' files from zipped bags, keeping each zip's parsed
/// directory for the next reads (in a [`ZipCache`] of its own, or one shared
/// with other readers).
#[derive(Debug, Clone, Default)]
pub struct ItemReader {
    zips: Arc<ZipCache>,
    /// The zip last read at a recorded location, kept open for the next.
    located: Option<(PathBuf, BagSource)>,
}

impl ItemReader {
    /// A reader keeping the zips it opens in `zips` (shared by the requests
    /// of a server).
    #[must_use]
    pub fn with_cache(zips: Arc<ZipCache>) -> Self {
        ItemReader {
            zips,
            located: None,
        }
    }

    /// The bytes of the entry recorded at `at` in the zipped bag `zip`,
    /// read without its central directory, or `None` when the zip cannot be
    /// read there or no longer holds those bytes there (the caller then
    /// reads the long way, with [`ItemReader::read`]).
    pub fn read_located(&mut self, zip: &Path, at: &EntryLocation) -> Option<Vec<u8>> {
        if self.located.as_ref().is_none_or(|(p, _)| p != zip) {
            self.located = BagSource::open(zip).ok().map(|f| (zip.to_owned(), f));
        }
        let (_, file) = self.located.as_mut()?;
        read_located(file, at, MAX_ZIP_TAG_FILE).ok()
    }

    /// The bytes of `data/items/ITEM/FILE` in the zipped bag `zip`, or
    /// `None` when the bag has no such file.
    pub fn read(
        &mut self,
        zip: &Path,
        item: &str,
        file: &str,
    ) -> Result<Option<Vec<u8>>, crate::archive::Error> {
        self.zips
            .get(zip)?
            .read(&format!("data/items/{item}/{file}"))
    }

    /// The file name of the item's original in the bag (`original.EXT`),
    /// or `None` when the bag has none.
    pub fn original_name(
        &mut self,
        zip: &Path,
        item: &str,
    ) -> Result<Option<String>, crate::archive::Error> {
        let listing = self.zips.get(zip)?;
        Ok(listing
            .names_in(&format!("data/items/{item}"))
            .into_iter()
            .find(|n| n.starts_with("original."))
            .map(str::to_owned))
    }

    /// Streams the item's original (`data/items/ITEM/original.*`) to
    /// `out`, checking its CRC and size as it goes; returns the number of
    /// bytes and their SHA-256. A damaged entry is an error once its bytes
    /// have been written.
    pub fn copy_original(
        &mut self,
        zip: &Path,
        item: &str,
        out: &mut dyn std::io::Write,
    ) -> Result<Option<(u64, String)>, crate::archive::Error> {
        let Some(name) = self.original_name(zip, item)? else {
            return Ok(None);
        };
        self.zips
            .get(zip)?
            .copy(&format!("data/items/{item}/{name}"), out)
    }
}

/// Words of `text` around the first word matching one of `words`
/// (folded; a word ending in `*` is a prefix), matches in `[…]`; the
/// start of the text when nothing matches.
#[must_use]
pub fn snippet(text: &str, words: &[String]) -> String {
    const BEFORE: usize = 8;
    const AFTER: usize = 24;
    let wanted: Vec<(String, bool)> = words
        .iter()
        .flat_map(|w| {
            let prefix = w.ends_with('*');
            w.trim_end_matches('*')
                .split(' ')
                .map(move |t| (t.to_owned(), prefix))
                .collect::<Vec<_>>()
        })
        .filter(|(t, _)| !t.is_empty())
        .collect();
    let matches = |word: &str| {
        let w = fold::words(word);
        w.split(' ').filter(|t| !t.is_empty()).any(|t| {
            wanted
                .iter()
                .any(|(w, prefix)| t == w || (*prefix && t.starts_with(w.as_str())))
        })
    };
    let all: Vec<&str> = text.split_whitespace().collect();
    let first = all.iter().position(|w| matches(w)).unwrap_or(0);
    let start = first.saturating_sub(BEFORE);
    let end = (first + AFTER).min(all.len());
    let mut out: Vec<String> = all[start..end]
        .iter()
        .map(|w| {
            if matches(w) {
                format!("[{w}]")
            } else {
                (*w).to_owned()
            }
        })
        .collect();
    if start > 0 {
        out.insert(0, "…".into());
    }
    if end < all.len() {
        out.push("…".into());
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_mark_every_spelling() {
        let words = vec!["میشود".to_owned(), "می شود".to_owned(), "برن*".to_owned()];
        assert_eq!(
            snippet("این کار می‌شود و آن ميشود؛ برنج", &words),
            "این کار [می‌شود] و آن [ميشود؛] [برنج]"
        );
        let long: String = (0..100).map(|i| format!("w{i} ")).collect();
        let s = snippet(&format!("{long} كتاب {long}"), &["کتاب".to_owned()]);
        assert!(s.starts_with("… w92"), "{s}");
        assert!(s.contains("[كتاب]"), "{s}");
        assert!(s.ends_with('…'), "{s}");
        assert_eq!(snippet("a b", &[]), "a b");
    }

    /// Counting joins fewer tables than listing: the same numbers for every
    /// kind of filter, with and without a query, on the sample inbox
    /// ingested twice (two bags).
    #[test]
    fn counting_joins_count_what_listing_joins_list() {
        let tmp = tempfile::tempdir().unwrap();
        let archive = crate::archive::sample_archive(&tmp.path().join("archive"), &["one", "two"]);
        let conn = archive.catalog().connection().unwrap();
        let n = |sel: Select| -> i64 {
            conn.query_row(
                &format!("SELECT count(*) FROM {}", sel.from_where),
                rusqlite::params_from_iter(sel.params),
                |r| r.get(0),
            )
            .unwrap()
        };
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let filters = [
            Filters::default(),
            Filters {
                since: day("2020-01-01"),
                ..Filters::default()
            },
            Filters {
                until: day("2020-01-01"),
                ..Filters::default()
            },
            Filters {
                sources: vec!["example.com".into(), "www.caspian.example".into()],
                ..Filters::default()
            },
            Filters {
                languages: vec!["fa".into()],
                ..Filters::default()
            },
            Filters {
                bag: Some("two".into()),
                ..Filters::default()
            },
            Filters {
                creator: Some("قدیمی".into()),
                ..Filters::default()
            },
            Filters {
                since: day("2000-01-01"),
                languages: vec!["fa".into(), "en".into()],
                bag: Some("one".into()),
                ..Filters::default()
            },
        ];
        let queries = [
            None,
            Some(query::translate("شهرداری OR news").unwrap()),
            Some(query::translate("رشت").unwrap()),
        ];
        let mut nonzero = 0;
        for q in &queries {
            for f in &filters {
                let listed = n(build(q.as_ref(), f));
                for (facets, items) in [(false, false), (true, false), (false, true), (true, true)]
                {
                    let counted = n(build_with(q.as_ref(), f, Joins::Counting { facets, items }));
                    assert_eq!(counted, listed, "{:?} {:?}", q.as_ref().map(|q| &q.fts), f);
                }
                nonzero += usize::from(listed > 0);
            }
        }
        // The filters select something: the test compares real counts.
        assert!(nonzero >= 10, "{nonzero}");
        assert!(n(build(None, &Filters::default())) > 4);
    }

    /// Snippets read from the recorded location of each item's text are
    /// those read the long way (through the zip's central directory): with
    /// the locations, without them (a catalog from before version 4), and
    /// with locations that no longer hold the entry (a zip changed since).
    #[test]
    fn snippets_from_recorded_locations_equal_the_long_way() {
        let tmp = tempfile::tempdir().unwrap();
        let archive = crate::archive::sample_archive(&tmp.path().join("archive"), &["one", "two"]);
        let conn = archive.catalog().connection().unwrap();
        let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        let items = count("SELECT count(*) FROM items");
        assert!(items > 4, "{items}");
        // Every item of the sample has a text, and its location.
        assert_eq!(count("SELECT count(DISTINCT item) FROM item_texts"), items);
        let q = query::translate("شهرداری OR news OR رشت OR the").unwrap();
        let snippets = |archive: &Archive| -> Vec<(String, String, String)> {
            find(archive, Some(&q), &Filters::default(), 100)
                .unwrap()
                .into_iter()
                .map(|h| (h.bag, h.id, h.snippet))
                .collect()
        };
        let located = snippets(&archive);
        assert!(located.len() > 4, "{located:?}");
        assert!(located.iter().all(|(.., s)| !s.is_empty()), "{located:?}");
        // Locations off by a byte: every read is refused and done the long
        // way.
        conn.execute(
            "UPDATE item_texts SET header_offset = header_offset + 1",
            [],
        )
        .unwrap();
        assert_eq!(snippets(&archive), located);
        // A recorded CRC that the bytes do not have: refused too.
        conn.execute(
            "UPDATE item_texts SET header_offset = header_offset - 1, crc32 = (crc32 + 1) % 4294967296",
            [],
        )
        .unwrap();
        assert_eq!(snippets(&archive), located);
        conn.execute("DELETE FROM item_texts", []).unwrap();
        assert_eq!(snippets(&archive), located);
    }

    /// Counts over time gathered from days give what grouping every item's
    /// date directly gives (the SQL of schema version 3).
    #[test]
    fn counts_by_day_gather_into_weeks_months_and_years() {
        let tmp = tempfile::tempdir().unwrap();
        let archive = crate::archive::sample_archive(&tmp.path().join("archive"), &["one"]);
        let conn = archive.catalog().connection().unwrap();
        // More dates than the sample's few: a year-only, a month-only
        // date, and days across a year's end (weeks spanning two years).
        for (i, date) in [
            "2016",
            "2016-02",
            "2015-12-31T23:00:00Z",
            "2016-01-01",
            "2016-01-03T10:00:00Z",
            "2016-01-04",
        ]
        .iter()
        .enumerate()
        {
            conn.execute(
                "INSERT INTO item_facets (item, date, host, day) VALUES (?1, ?2, NULL, ?3)",
                rusqlite::params![
                    1_000_000 + i64::try_from(i).unwrap(),
                    date,
                    super::super::index::day(date)
                ],
            )
            .unwrap();
        }
        let direct = |key: &str| -> Vec<(String, u64)> {
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT {key} AS k, count(*) FROM item_facets f GROUP BY k \
                     HAVING k IS NOT NULL ORDER BY k"
                ))
                .unwrap();
            stmt.query_map([], |r| {
                Ok((r.get(0)?, r.get::<_, i64>(1)?.try_into().unwrap()))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect()
        };
        for (by, key) in [
            (CountBy::Day, "substr(f.date, 1, 10)"),
            (CountBy::Month, "substr(f.date, 1, 7)"),
            (CountBy::Year, "substr(f.date, 1, 4)"),
            // SQLite reads `2016` as a Julian day number: only whole days
            // have a week.
            (
                CountBy::Week,
                "CASE WHEN length(f.date) >= 10 THEN \
                 date(substr(f.date, 1, 10), '-6 days', 'weekday 1') END",
            ),
        ] {
            let got: Vec<(String, u64)> = count_by(&archive, None, &Filters::default(), by)
                .unwrap()
                .into_iter()
                .map(|c| {
                    assert_eq!(c.count, c.total_count);
                    (c.key, c.count)
                })
                .collect();
            assert_eq!(got, direct(key), "{key}");
        }
        let weeks: Vec<String> = count_by(&archive, None, &Filters::default(), CountBy::Week)
            .unwrap()
            .into_iter()
            .map(|c| c.key)
            .collect();
        assert!(weeks.contains(&"2015-12-28".to_owned()), "{weeks:?}");
        assert!(weeks.contains(&"2016-01-04".to_owned()), "{weeks:?}");
    }

    /// The score cut inside FTS5 gives exactly the pages of the query
    /// without it, ties included: the sample inbox ingested three times
    /// holds every item three times, with equal scores.
    #[test]
    fn the_score_cut_gives_the_same_pages() {
        let tmp = tempfile::tempdir().unwrap();
        let archive =
            crate::archive::sample_archive(&tmp.path().join("archive"), &["one", "two", "three"]);
        let key = |h: &Hit| (h.bag.clone(), h.id.clone(), h.score.to_bits());
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        // Filters on the facets, on the items (languages, bag), and none.
        let filters = [
            Filters::default(),
            Filters {
                since: day("2000-01-01"),
                sources: vec!["example.com".into(), "caspian.example".into()],
                ..Filters::default()
            },
            Filters {
                languages: vec!["fa".into()],
                bag: Some("two".into()),
                ..Filters::default()
            },
        ];
        let mut compared = 0;
        for q in [
            "شهرداری OR news OR رشت OR the",
            "رشت",
            "news",
            "nothing-matches-this",
        ] {
            let q = query::translate(q).unwrap();
            for f in &filters {
                let all = find_page_with(&archive, Some(&q), f, 0, 1000, None).unwrap();
                for offset in [0, 1, 2, 3, 5, 8] {
                    for limit in [1, 2, 3, 4, 20] {
                        let want: Vec<_> = all.iter().skip(offset).take(limit).map(key).collect();
                        // Giving up at the first tie, at the second, and
                        // the default.
                        for max_ties in [0, 1, MAX_TIES] {
                            let with = find_page_with(
                                &archive,
                                Some(&q),
                                f,
                                offset,
                                limit,
                                Some(max_ties),
                            )
                            .unwrap();
                            assert_eq!(
                                with.iter().map(key).collect::<Vec<_>>(),
                                want,
                                "{} {f:?} {offset} {limit}",
                                q.fts
                            );
                            compared += with.len();
                        }
                        let without =
                            find_page_with(&archive, Some(&q), f, offset, limit, None).unwrap();
                        assert_eq!(without.iter().map(key).collect::<Vec<_>>(), want);
                    }
                }
            }
        }
        assert!(compared > 100, "{compared}");
    }
}
