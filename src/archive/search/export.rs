//! `export`: one record per item matching a query and filters, streamed
//! straight from the zips in a stable order (bag, then item id), as JSON
//! Lines, CSV or Parquet, with the SHA-256 of what was written.

use std::io::Write;
use std::sync::Arc;

use sha2::Digest;

use super::find::{Error, Filters, ItemReader, build};
use super::query::Query;
use crate::archive::Archive;
use crate::archive::catalog::sql_error;
use crate::archive::zips::ZipCache;
use crate::serialize::EntryLocation;

/// The columns of an export, in order.
pub const COLUMNS: &[&str] = &[
    "id",
    "bag",
    "url",
    "source",
    "title",
    "creator",
    "subjects",
    "description",
    "date_published",
    "date_collected",
    "language",
    "encoding",
    "text",
    "sha256",
];

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object a line.
    Jsonl,
    /// RFC 4180 CSV with a header line, UTF-8, with a BOM if asked.
    Csv {
        /// Start with a UTF-8 BOM (for spreadsheet programs).
        bom: bool,
    },
    /// Apache Parquet, written row group by row group
    /// ([`super::parquet`]).
    #[cfg(feature = "parquet")]
    Parquet,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Exported {
    /// Records written.
    pub items: u64,
    /// Bytes written.
    pub bytes: u64,
    /// SHA-256 of the bytes written.
    pub sha256: String,
}

/// One item as exported.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Record {
    /// Item id.
    pub id: String,
    /// Bag name.
    pub bag: String,
    /// First `http(s)` identifier.
    pub url: Option<String>,
    /// Host of that URL (or of a source).
    pub source: Option<String>,
    /// First title.
    pub title: Option<String>,
    /// Creators.
    pub creator: Vec<String>,
    /// Subjects.
    pub subjects: Vec<String>,
    /// First description.
    pub description: Option<String>,
    /// First `dc:date`, as written.
    pub date_published: Option<String>,
    /// When it was ingested (provenance).
    pub date_collected: Option<String>,
    /// Languages.
    pub language: Vec<String>,
    /// Detected encoding of the original.
    pub encoding: Option<String>,
    /// The text derivative (`text.txt`).
    pub text: Option<String>,
    /// SHA-256 of the original.
    pub sha256: Option<String>,
}

struct Hashing<'a> {
    inner: &'a mut (dyn Write + Send),
    hasher: sha2::Sha256,
    bytes: u64,
}

impl Write for Hashing<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// How many items an export of `query` and `filters` will write (for a
/// progress bar's length): as many as `find` counts.
pub fn count(archive: &Archive, query: Option<&Query>, filters: &Filters) -> Result<u64, Error> {
    super::find::count(archive, query, filters)
}

/// Where records go.
enum Sink<'a> {
    Csv(Hashing<'a>),
    Jsonl(Hashing<'a>),
    #[cfg(feature = "parquet")]
    Parquet(Box<super::parquet::ParquetWriter<Hashing<'a>>>),
}

/// Writes every item matching `query` and `filters` to `out` in
/// `format`, ordered by bag then id; `progress` is called with the
/// number of records written so far.
pub fn export(
    archive: &Archive,
    query: Option<&Query>,
    filters: &Filters,
    format: Format,
    out: &mut (dyn Write + Send),
    progress: &mut dyn FnMut(u64),
) -> Result<Exported, Error> {
    let io = |e| Error::Archive(crate::archive::Error::io("write", "the export", e));
    let mut w = Hashing {
        inner: out,
        hasher: sha2::Sha256::new(),
        bytes: 0,
    };
    let csv_line = |fields: &[String]| -> Result<Vec<u8>, Error> {
        let mut c = csv::Writer::from_writer(Vec::new());
        c.write_record(fields)
            .map_err(|e| io(std::io::Error::other(e)))?;
        c.into_inner()
            .map_err(|e| io(std::io::Error::other(e.to_string())))
    };
    let mut sink = match format {
        Format::Csv { bom } => {
            if bom {
                w.write_all("\u{FEFF}".as_bytes()).map_err(io)?;
            }
            let header: Vec<String> = COLUMNS.iter().map(|c| (*c).to_owned()).collect();
            w.write_all(&csv_line(&header)?).map_err(io)?;
            Sink::Csv(w)
        }
        Format::Jsonl => Sink::Jsonl(w),
        #[cfg(feature = "parquet")]
        Format::Parquet => {
            Sink::Parquet(Box::new(super::parquet::ParquetWriter::new(w).map_err(io)?))
        }
    };
    // Items come bag after bag: one zip's directory in memory at a time,
    // read only for items whose text or collection time the catalog does
    // not locate (registered before schema version 4).
    let mut reader = ItemReader::with_cache(Arc::new(ZipCache::new(1, 1)));
    let mut items = 0u64;
    let mut each = |row: Row| -> Result<(), Error> {
        let record = row.record(archive, &mut reader)?;
        match &mut sink {
            Sink::Csv(w) => {
                let o = |v: &Option<String>| v.clone().unwrap_or_default();
                let line = csv_line(&[
                    record.id.clone(),
                    record.bag.clone(),
                    o(&record.url),
                    o(&record.source),
                    o(&record.title),
                    record.creator.join("; "),
                    record.subjects.join("; "),
                    o(&record.description),
                    o(&record.date_published),
                    o(&record.date_collected),
                    record.language.join(" "),
                    o(&record.encoding),
                    o(&record.text),
                    o(&record.sha256),
                ])?;
                w.write_all(&line).map_err(io)?;
            }
            Sink::Jsonl(w) => {
                serde_json::to_writer(&mut *w, &record)
                    .map_err(|e| io(std::io::Error::other(e)))?;
                w.write_all(b"\n").map_err(io)?;
            }
            #[cfg(feature = "parquet")]
            Sink::Parquet(p) => p.push(&record).map_err(io)?,
        }
        items += 1;
        progress(items);
        Ok(())
    };
    rows(archive, query, filters, &mut each)?;
    let mut w = match sink {
        Sink::Csv(w) | Sink::Jsonl(w) => w,
        #[cfg(feature = "parquet")]
        Sink::Parquet(p) => p.finish().map_err(io)?,
    };
    w.flush().map_err(io)?;
    Ok(Exported {
        items,
        bytes: w.bytes,
        sha256: w
            .hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    })
}

/// An item as the export's query gives it: its catalog columns (the
/// Dublin Core values as JSON arrays) and where its text lies.
pub(super) struct Row {
    pub(super) bag: String,
    pub(super) id: String,
    /// The zip's path relative to the archive.
    pub(super) path: String,
    pub(super) title: String,
    pub(super) creator: String,
    pub(super) subject: String,
    pub(super) description: String,
    pub(super) date: String,
    pub(super) language: String,
    pub(super) identifier: String,
    pub(super) host: Option<String>,
    pub(super) encoding: Option<String>,
    pub(super) sha256: Option<String>,
    pub(super) collected: Option<String>,
    /// Where `text.txt` lies in the zip, if recorded.
    pub(super) text_at: Option<EntryLocation>,
}

impl Row {
    /// The export's record of the item, its text read from the zip.
    fn record(self, archive: &Archive, reader: &mut ItemReader) -> Result<Record, Error> {
        let zip = archive.bag_location(&self.path);
        let json = |s: &str| -> Vec<String> { serde_json::from_str(s).unwrap_or_default() };
        let located = self
            .text_at
            .as_ref()
            .and_then(|at| reader.read_located(&zip, at));
        // The long way when nothing was recorded or the zip no longer
        // holds it there.
        let text = match located {
            Some(b) => Some(b),
            None => reader.read(&zip, &self.id, "text.txt")?,
        }
        .map(|b| String::from_utf8_lossy(&b).into_owned());
        let date_collected = match self.collected {
            Some(c) => Some(c),
            None => reader
                .read(&zip, &self.id, "provenance.json")?
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                .and_then(|p| p["ingested"].as_str().map(str::to_owned)),
        };
        Ok(Record {
            url: json(&self.identifier)
                .into_iter()
                .find(|u| u.starts_with("http://") || u.starts_with("https://")),
            source: self.host,
            title: json(&self.title).into_iter().next(),
            creator: json(&self.creator),
            subjects: json(&self.subject),
            description: json(&self.description).into_iter().next(),
            date_published: json(&self.date).into_iter().next(),
            date_collected,
            language: json(&self.language),
            encoding: self.encoding,
            sha256: self.sha256,
            text,
            id: self.id,
            bag: self.bag,
        })
    }
}

/// Hands `each` every item matching `query` and `filters`, ordered by bag
/// then id, as the catalog streams them.
fn rows(
    archive: &Archive,
    query: Option<&Query>,
    filters: &Filters,
    each: &mut dyn FnMut(Row) -> Result<(), Error>,
) -> Result<(), Error> {
    #[cfg(feature = "postgres")]
    if let Some(done) = super::pg::export_rows(archive, query, filters, each) {
        return done;
    }
    let sel = build(query, filters);
    let sql = format!(
        "SELECT i.bag, i.id, b.path, i.title, i.creator, i.subject, i.description, i.date, \
         i.language, i.identifier, f.host, i.encoding, i.sha256, f.collected, i.rowid FROM {} \
         ORDER BY i.bag, i.id",
        sel.from_where
    );
    let conn = archive.catalog().connection()?;
    let path = archive.catalog().path();
    let err = |e| Error::Archive(sql_error(path, e));
    let mut stmt = conn.prepare(&sql).map_err(err)?;
    let mut rows = stmt
        .query(rusqlite::params_from_iter(sel.params))
        .map_err(err)?;
    while let Some(r) = rows.next().map_err(err)? {
        let rowid: i64 = r.get(14).map_err(err)?;
        let text_at = super::index::text_location(conn, rowid, Some("text.txt")).map_err(err)?;
        each(Row {
            bag: r.get(0).map_err(err)?,
            id: r.get(1).map_err(err)?,
            path: r.get(2).map_err(err)?,
            title: r.get(3).map_err(err)?,
            creator: r.get(4).map_err(err)?,
            subject: r.get(5).map_err(err)?,
            description: r.get(6).map_err(err)?,
            date: r.get(7).map_err(err)?,
            language: r.get(8).map_err(err)?,
            identifier: r.get(9).map_err(err)?,
            host: r.get(10).map_err(err)?,
            encoding: r.get(11).map_err(err)?,
            sha256: r.get(12).map_err(err)?,
            collected: r.get(13).map_err(err)?,
            text_at,
        })?;
    }
    Ok(())
}
