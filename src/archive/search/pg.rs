//! `find`, `count` and `count_by` on the catalog on PostgreSQL: the same
//! filters and answers as on SQLite, the query as a `tsquery` over each
//! item's words (`item_words`, the index's own words weighted by field),
//! ranked by `ts_rank` with the fields weighted as bm25 weighs them on
//! SQLite (title 4, subjects and descriptions 2, creators and text 1).
//! `ts_rank` is not bm25: the same query finds the same items on both,
//! in an order that may differ among the matches.

use postgres::types::ToSql;

use super::find::{CountBy, Error, Filters, Hit};
use super::query::{Query, weighted_phrase};
use crate::archive::Archive;
use crate::archive::catalog::postgres::PgCatalog;
use crate::serialize::EntryLocation;

/// `ts_rank`'s weights of D (text), C (creators), B (subjects,
/// descriptions) and A (titles): bm25's 1, 1, 2, 4 on SQLite.
const WEIGHTS: &str = "'{0.25, 0.25, 0.5, 1.0}'";

/// A search's `FROM … WHERE …` with its parameters (`$1`…).
struct Select {
    from_where: String,
    params: Vec<Box<dyn ToSql + Sync>>,
    /// The parameter number of the `tsquery`, when there is one.
    tsquery: Option<usize>,
}

impl Select {
    fn args(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params
            .iter()
            .map(|p| &**p as &(dyn ToSql + Sync))
            .collect()
    }

    fn push(&mut self, v: impl ToSql + Sync + 'static) -> usize {
        self.params.push(Box::new(v));
        self.params.len()
    }
}

fn build(query: Option<&Query>, filters: &Filters) -> Select {
    let mut ts = query.map(|q| q.ts.clone());
    if let Some(c) = &filters.creator
        && let Some(phrase) = weighted_phrase('C', c)
    {
        ts = Some(match ts {
            Some(t) => format!("( {t} ) & {phrase}"),
            None => phrase,
        });
    }
    let mut sel = Select {
        from_where: String::new(),
        params: Vec::new(),
        tsquery: None,
    };
    let mut from = "items i JOIN bags b ON b.name = i.bag \
                    LEFT JOIN item_facets f ON f.item = i.seq"
        .to_owned();
    let mut wheres = Vec::new();
    if let Some(t) = ts {
        from.push_str(" JOIN item_words w ON w.item = i.seq");
        let n = sel.push(t);
        wheres.push(format!("w.words @@ ${n}::TEXT::tsquery"));
        sel.tsquery = Some(n);
    }
    if let Some(d) = filters.since {
        let n = sel.push(d.format("%Y-%m-%d").to_string());
        wheres.push(format!("f.date >= ${n}"));
    }
    if let Some(d) = filters.until {
        let next = d.succ_opt().unwrap_or(d);
        let n = sel.push(next.format("%Y-%m-%d").to_string());
        wheres.push(format!("f.date < ${n}"));
    }
    if !filters.sources.is_empty() {
        let mut ors = Vec::new();
        for s in &filters.sources {
            let s = s.trim().to_ascii_lowercase();
            let s = s.strip_prefix("www.").unwrap_or(&s).to_owned();
            let n = sel.push(s);
            ors.push(format!("(f.host = ${n} OR f.host LIKE '%.' || ${n})"));
        }
        wheres.push(format!("({})", ors.join(" OR ")));
    }
    if !filters.languages.is_empty() {
        let mut ors = Vec::new();
        for l in &filters.languages {
            let n = sel.push(l.trim().to_ascii_lowercase());
            ors.push(format!("lower(j.v) = ${n} OR lower(j.v) LIKE ${n} || '-%'"));
        }
        wheres.push(format!(
            "EXISTS (SELECT 1 FROM json_array_elements_text(i.language::json) j (v) WHERE {})",
            ors.join(" OR ")
        ));
    }
    if let Some(b) = &filters.bag {
        let n = sel.push(b.clone());
        wheres.push(format!("i.bag = ${n}"));
    }
    sel.from_where = if wheres.is_empty() {
        from
    } else {
        format!("{from} WHERE {}", wheres.join(" AND "))
    };
    sel
}

fn catalog(archive: &Archive) -> Option<&PgCatalog> {
    archive.catalog().postgres()
}

/// The hits of a page, each with its zip and where its text lies (when
/// registration recorded it); `None` when the catalog is not on
/// PostgreSQL.
#[allow(
    clippy::type_complexity,
    reason = "the three lists find fills snippets from"
)]
pub(super) fn find_page(
    archive: &Archive,
    query: Option<&Query>,
    filters: &Filters,
    offset: usize,
    limit: usize,
) -> Option<
    Result<
        (
            Vec<Hit>,
            Vec<std::path::PathBuf>,
            Vec<Option<EntryLocation>>,
        ),
        Error,
    >,
> {
    let pg = catalog(archive)?;
    Some((|| {
        let mut sel = build(query, filters);
        let (score, order) = match sel.tsquery {
            Some(n) => (
                format!("-ts_rank({WEIGHTS}, w.words, ${n}::TEXT::tsquery)::FLOAT8"),
                "ORDER BY 9, f.date DESC NULLS LAST, i.bag, i.id",
            ),
            None => (
                "0.0::FLOAT8".to_owned(),
                "ORDER BY f.date IS NULL, f.date DESC, i.bag, i.id",
            ),
        };
        let l = sel.push(i64::try_from(limit).unwrap_or(i64::MAX));
        let o = sel.push(i64::try_from(offset).unwrap_or(i64::MAX));
        let sql = format!(
            "SELECT i.bag, i.id, i.title, f.date, f.host, i.identifier, i.language, b.path, \
             {score}, i.seq FROM {} {order} LIMIT ${l} OFFSET ${o}",
            sel.from_where
        );
        let rows = pg.query(&sql, &sel.args())?;
        let json = |s: String| -> Vec<String> { serde_json::from_str(&s).unwrap_or_default() };
        let mut hits = Vec::new();
        let mut zips = Vec::new();
        let mut seqs: Vec<i64> = Vec::new();
        for r in &rows {
            let identifiers = json(r.get(5));
            hits.push(Hit {
                bag: r.get(0),
                id: r.get(1),
                title: json(r.get(2)).into_iter().next().unwrap_or_default(),
                date: r.get(3),
                source: r.get(4),
                url: identifiers
                    .into_iter()
                    .find(|u| u.starts_with("http://") || u.starts_with("https://")),
                language: json(r.get(6)),
                score: r.get(8),
                snippet: String::new(),
            });
            zips.push(archive.bag_location(&r.get::<_, String>(7)));
            seqs.push(r.get(9));
        }
        // Where each hit's text lies: `content.txt` first, else `text.txt`.
        let located = pg.query(
            "SELECT DISTINCT ON (item) item, name, header_offset, method, compressed_size, \
             size, crc32 FROM item_texts WHERE item = ANY($1) \
             ORDER BY item, right(name, 12) = '/content.txt' DESC",
            &[&seqs],
        )?;
        let mut by_seq = std::collections::BTreeMap::new();
        for r in &located {
            let n = |i: usize| -> u64 { r.get::<_, i64>(i).try_into().unwrap_or(0) };
            by_seq.insert(
                r.get::<_, i64>(0),
                EntryLocation {
                    name: r.get(1),
                    header_offset: n(2),
                    method: u16::try_from(r.get::<_, i32>(3)).unwrap_or(u16::MAX),
                    compressed_size: n(4),
                    size: n(5),
                    crc32: u32::try_from(r.get::<_, i64>(6)).unwrap_or(0),
                },
            );
        }
        let locations = seqs.iter().map(|s| by_seq.remove(s)).collect();
        Ok((hits, zips, locations))
    })())
}

/// The number of items matching; `None` when the catalog is not on
/// PostgreSQL.
pub(super) fn count(
    archive: &Archive,
    query: Option<&Query>,
    filters: &Filters,
) -> Option<Result<u64, Error>> {
    let pg = catalog(archive)?;
    let sel = build(query, filters);
    Some(
        pg.query(
            &format!("SELECT count(*) FROM {}", sel.from_where),
            &sel.args(),
        )
        .map(|rows| {
            rows.first()
                .map_or(0, |r| r.get::<_, i64>(0))
                .try_into()
                .unwrap_or(0)
        })
        .map_err(Error::from),
    )
}

/// The items matching, counted by day, source or first language (the
/// days gathered by the caller); `None` when the catalog is not on
/// PostgreSQL.
pub(super) fn counts(
    archive: &Archive,
    query: Option<&Query>,
    filters: &Filters,
    by: CountBy,
) -> Option<Result<Vec<(String, u64)>, Error>> {
    let pg = catalog(archive)?;
    let key = match by {
        CountBy::Day | CountBy::Week | CountBy::Month | CountBy::Year => "f.day",
        CountBy::Source => "coalesce(f.host, '')",
        CountBy::Language => "coalesce(i.language::json ->> 0, '')",
    };
    let sel = build(query, filters);
    let sql = format!(
        "SELECT {key}, count(*) FROM {} GROUP BY 1 HAVING {key} IS NOT NULL ORDER BY 1",
        sel.from_where
    );
    Some(
        pg.query(&sql, &sel.args())
            .map(|rows| {
                rows.iter()
                    .map(|r| {
                        (
                            r.get::<_, String>(0),
                            r.get::<_, i64>(1).try_into().unwrap_or(0),
                        )
                    })
                    .collect()
            })
            .map_err(Error::from),
    )
}

/// Hands `each` every item matching, ordered by bag then id, streamed
/// from the server; `None` when the catalog is not on PostgreSQL.
pub(super) fn export_rows(
    archive: &Archive,
    query: Option<&Query>,
    filters: &Filters,
    each: &mut dyn FnMut(super::export::Row) -> Result<(), Error>,
) -> Option<Result<(), Error>> {
    let pg = catalog(archive)?;
    let sel = build(query, filters);
    // The text's join goes between the joins and the filters' WHERE.
    let (from, wheres) = match sel.from_where.split_once(" WHERE ") {
        Some((from, wheres)) => (from, format!("WHERE {wheres}")),
        None => (sel.from_where.as_str(), String::new()),
    };
    let sql = format!(
        "SELECT i.bag, i.id, b.path, i.title, i.creator, i.subject, i.description, i.date, \
         i.language, i.identifier, f.host, i.encoding, i.sha256, f.collected, \
         t.name, t.header_offset, t.method, t.compressed_size, t.size, t.crc32 \
         FROM {from} LEFT JOIN item_texts t ON t.item = i.seq \
         AND right(t.name, 9) = '/text.txt' {wheres} ORDER BY i.bag, i.id"
    );
    Some(pg.for_each_row(&sql, &sel.args(), &mut |r| {
        let n = |i: usize| -> u64 { r.get::<_, i64>(i).try_into().unwrap_or(0) };
        let text_at = r.get::<_, Option<String>>(14).map(|name| EntryLocation {
            name,
            header_offset: n(15),
            method: u16::try_from(r.get::<_, i32>(16)).unwrap_or(u16::MAX),
            compressed_size: n(17),
            size: n(18),
            crc32: u32::try_from(r.get::<_, i64>(19)).unwrap_or(0),
        });
        each(super::export::Row {
            bag: r.get(0),
            id: r.get(1),
            path: r.get(2),
            title: r.get(3),
            creator: r.get(4),
            subject: r.get(5),
            description: r.get(6),
            date: r.get(7),
            language: r.get(8),
            identifier: r.get(9),
            host: r.get(10),
            encoding: r.get(11),
            sha256: r.get(12),
            collected: r.get(13),
            text_at,
        })
    }))
}
