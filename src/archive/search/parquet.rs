//! Parquet output of `export`: the records of [`super::export`] written
//! as Apache Parquet, row group by row group while they stream, so memory
//! stays bounded by one row group however many items are exported.
//!
//! Columns are those of the JSON Lines export, with the same values:
//! strings are UTF-8 `BYTE_ARRAY (STRING)`, optional where JSON has
//! `null`; `creator`, `subjects` and `language` are lists of strings (the
//! standard three-level `LIST`, an empty list for none). Dates stay the
//! strings the bags hold: `date_published` is a W3CDTF date as the source
//! wrote it (`2016`, `2016-04`, `2016-04-30` and full times with any
//! offset all occur), which no Parquet timestamp can hold without
//! inventing a day or dropping the offset; `date_collected` is the RFC
//! 3339 UTC time of ingest. Readers that want timestamps convert them
//! (`pandas.to_datetime`, DuckDB's `CAST`), as they do for the JSON Lines
//! and CSV exports.

use std::io::Write;
use std::sync::Arc;

use parquet::basic::Compression;
use parquet::data_type::{ByteArray, ByteArrayType};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use parquet::schema::types::ColumnPath;

use super::export::Record;

/// The export's Parquet schema, columns in [`super::export::COLUMNS`]
/// order.
pub const SCHEMA: &str = "message newsbag_export {
  REQUIRED BYTE_ARRAY id (STRING);
  REQUIRED BYTE_ARRAY bag (STRING);
  OPTIONAL BYTE_ARRAY url (STRING);
  OPTIONAL BYTE_ARRAY source (STRING);
  OPTIONAL BYTE_ARRAY title (STRING);
  REQUIRED GROUP creator (LIST) { REPEATED GROUP list { REQUIRED BYTE_ARRAY element (STRING); } }
  REQUIRED GROUP subjects (LIST) { REPEATED GROUP list { REQUIRED BYTE_ARRAY element (STRING); } }
  OPTIONAL BYTE_ARRAY description (STRING);
  OPTIONAL BYTE_ARRAY date_published (STRING);
  OPTIONAL BYTE_ARRAY date_collected (STRING);
  REQUIRED GROUP language (LIST) { REPEATED GROUP list { REQUIRED BYTE_ARRAY element (STRING); } }
  OPTIONAL BYTE_ARRAY encoding (STRING);
  OPTIONAL BYTE_ARRAY text (STRING);
  OPTIONAL BYTE_ARRAY sha256 (STRING);
}";

/// A row group is written once it holds this many rows…
pub const ROW_GROUP_ROWS: usize = 50_000;

/// …or this many bytes of values, whichever comes first: what bounds the
/// export's memory (texts are most of it).
pub const ROW_GROUP_BYTES: usize = 32 << 20;

/// Columns with few distinct values, dictionary-encoded; the others (ids,
/// texts, hashes) are nearly all distinct and stored plain.
const DICTIONARY: &[&str] = &["bag", "source", "language", "encoding"];

/// The values of one column buffered for the row group being built, with
/// their definition and repetition levels (Dremel encoding).
#[derive(Default)]
struct Column {
    values: Vec<ByteArray>,
    def: Vec<i16>,
    rep: Vec<i16>,
}

impl Column {
    fn clear(&mut self) {
        self.values.clear();
        self.def.clear();
        self.rep.clear();
    }
}

/// Parquet failures become I/O errors of the export.
fn io(e: parquet::errors::ParquetError) -> std::io::Error {
    match e {
        parquet::errors::ParquetError::External(inner) => std::io::Error::other(inner),
        other => std::io::Error::other(other),
    }
}

/// Writes [`Record`]s as a Parquet file to `W`, one row group at a time.
pub(super) struct ParquetWriter<W: Write + Send> {
    writer: SerializedFileWriter<W>,
    required: [Column; 2],
    optional: [Column; 9],
    lists: [Column; 3],
    rows: usize,
    bytes: usize,
    max_rows: usize,
    max_bytes: usize,
}

impl<W: Write + Send> ParquetWriter<W> {
    /// Starts a Parquet file on `out` (its magic bytes are written now).
    pub(super) fn new(out: W) -> std::io::Result<Self> {
        let schema = Arc::new(parse_message_type(SCHEMA).map_err(io)?);
        let mut props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_dictionary_enabled(false)
            .set_created_by(format!(
                "newsbag version {} (parquet-rs)",
                env!("CARGO_PKG_VERSION")
            ));
        for name in DICTIONARY {
            let path = if *name == "language" {
                ColumnPath::from(vec![
                    (*name).to_owned(),
                    "list".to_owned(),
                    "element".to_owned(),
                ])
            } else {
                ColumnPath::from(*name)
            };
            props = props.set_column_dictionary_enabled(path, true);
        }
        let writer = SerializedFileWriter::new(out, schema, Arc::new(props.build())).map_err(io)?;
        Ok(ParquetWriter {
            writer,
            required: Default::default(),
            optional: Default::default(),
            lists: Default::default(),
            rows: 0,
            bytes: 0,
            max_rows: ROW_GROUP_ROWS,
            max_bytes: ROW_GROUP_BYTES,
        })
    }

    /// Adds one record; writes a row group when the buffer is full.
    pub(super) fn push(&mut self, r: &Record) -> std::io::Result<()> {
        for (col, v) in self.required.iter_mut().zip([&r.id, &r.bag]) {
            self.bytes += v.len();
            col.values.push(ByteArray::from(v.as_bytes().to_vec()));
        }
        let optional = [
            &r.url,
            &r.source,
            &r.title,
            &r.description,
            &r.date_published,
            &r.date_collected,
            &r.encoding,
            &r.text,
            &r.sha256,
        ];
        for (col, v) in self.optional.iter_mut().zip(optional) {
            match v {
                Some(v) => {
                    self.bytes += v.len();
                    col.values.push(ByteArray::from(v.as_bytes().to_vec()));
                    col.def.push(1);
                }
                None => col.def.push(0),
            }
        }
        for (col, list) in self
            .lists
            .iter_mut()
            .zip([&r.creator, &r.subjects, &r.language])
        {
            if list.is_empty() {
                col.def.push(0);
                col.rep.push(0);
            }
            for (i, v) in list.iter().enumerate() {
                self.bytes += v.len();
                col.values.push(ByteArray::from(v.as_bytes().to_vec()));
                col.def.push(1);
                col.rep.push(i16::from(i > 0));
            }
        }
        self.rows += 1;
        if self.rows >= self.max_rows || self.bytes >= self.max_bytes {
            self.flush_row_group()?;
        }
        Ok(())
    }

    /// Writes the buffered rows as one row group.
    fn flush_row_group(&mut self) -> std::io::Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let mut group = self.writer.next_row_group().map_err(io)?;
        // Columns in schema order: id, bag, url, source, title, creator,
        // subjects, description, date_published, date_collected, language,
        // encoding, text, sha256.
        let [id, bag] = &mut self.required;
        let [
            url,
            source,
            title,
            description,
            published,
            collected,
            encoding,
            text,
            sha256,
        ] = &mut self.optional;
        let [creator, subjects, language] = &mut self.lists;
        let order: [(&mut Column, bool, bool); 14] = [
            (id, false, false),
            (bag, false, false),
            (url, true, false),
            (source, true, false),
            (title, true, false),
            (creator, true, true),
            (subjects, true, true),
            (description, true, false),
            (published, true, false),
            (collected, true, false),
            (language, true, true),
            (encoding, true, false),
            (text, true, false),
            (sha256, true, false),
        ];
        for (col, has_def, has_rep) in order {
            let Some(mut writer) = group.next_column().map_err(io)? else {
                return Err(std::io::Error::other(
                    "the Parquet schema has fewer columns than the export",
                ));
            };
            writer
                .typed::<ByteArrayType>()
                .write_batch(
                    &col.values,
                    has_def.then_some(col.def.as_slice()),
                    has_rep.then_some(col.rep.as_slice()),
                )
                .map_err(io)?;
            writer.close().map_err(io)?;
            col.clear();
        }
        group.close().map_err(io)?;
        self.rows = 0;
        self.bytes = 0;
        Ok(())
    }

    /// Writes the last row group and the footer; gives back the writer.
    pub(super) fn finish(mut self) -> std::io::Result<W> {
        self.flush_row_group()?;
        self.writer.into_inner().map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;
    use proptest::prelude::*;

    use super::*;
    use crate::archive::search::export::COLUMNS;

    /// Writes `records` with row groups of at most `max_rows`, reads the
    /// file back with the parquet crate's own row reader.
    fn round_trip(records: &[Record], max_rows: usize) -> (Vec<Record>, usize) {
        let mut file = tempfile::tempfile().unwrap();
        let mut w = ParquetWriter::new(&mut file).unwrap();
        w.max_rows = max_rows;
        for r in records {
            w.push(r).unwrap();
        }
        w.finish().unwrap();
        let reader = SerializedFileReader::new(file).unwrap();
        let groups = reader.metadata().num_row_groups();
        let names: Vec<String> = reader
            .metadata()
            .file_metadata()
            .schema()
            .get_fields()
            .iter()
            .map(|f| f.name().to_owned())
            .collect();
        assert_eq!(names, COLUMNS);
        let rows = reader
            .into_iter()
            .map(|row| {
                let row = row.unwrap();
                let f: Vec<&Field> = row.get_column_iter().map(|(_, f)| f).collect();
                let s = |f: &Field| match f {
                    Field::Str(s) => Some(s.clone()),
                    Field::Null => None,
                    other => panic!("not a string: {other:?}"),
                };
                let list = |f: &Field| match f {
                    Field::ListInternal(l) => l
                        .elements()
                        .iter()
                        .map(|e| s(e).unwrap())
                        .collect::<Vec<_>>(),
                    other => panic!("not a list: {other:?}"),
                };
                Record {
                    id: s(f[0]).unwrap(),
                    bag: s(f[1]).unwrap(),
                    url: s(f[2]),
                    source: s(f[3]),
                    title: s(f[4]),
                    creator: list(f[5]),
                    subjects: list(f[6]),
                    description: s(f[7]),
                    date_published: s(f[8]),
                    date_collected: s(f[9]),
                    language: list(f[10]),
                    encoding: s(f[11]),
                    text: s(f[12]),
                    sha256: s(f[13]),
                }
            })
            .collect();
        (rows, groups)
    }

    fn record(i: usize) -> Record {
        Record {
            id: format!("item-{i:04}"),
            bag: "gen".into(),
            url: i
                .is_multiple_of(2)
                .then(|| format!("https://khabar.example/{i}")),
            source: Some("khabar.example".into()),
            title: Some(format!("گزارش {i}")),
            creator: (0..i % 3).map(|k| format!("نویسنده {k}")).collect(),
            subjects: vec![],
            description: None,
            date_published: Some("2016-04-30T10:00:00+04:30".into()),
            date_collected: Some("2026-11-28T00:00:00Z".into()),
            language: vec!["fa".into()],
            encoding: Some("windows-1256".into()),
            text: Some("این کار می‌شود\n".repeat(i % 5)),
            sha256: Some(format!("{i:064x}")),
        }
    }

    #[test]
    fn rows_come_back_equal_across_row_groups() {
        let records: Vec<Record> = (0..25).map(record).collect();
        let (back, groups) = round_trip(&records, 10);
        assert_eq!(groups, 3);
        assert_eq!(back, records);
        let (back, groups) = round_trip(&[], 10);
        assert_eq!((back.len(), groups), (0, 0));
    }

    fn opt() -> impl Strategy<Value = Option<String>> {
        proptest::option::of("[a-z\\u{600}-\\u{6ff}\\u{200c} \\n,\"]{0,12}")
    }

    fn list() -> impl Strategy<Value = Vec<String>> {
        proptest::collection::vec("[a-z\\u{600}-\\u{6ff}\\u{200c} ]{0,8}", 0..4)
    }

    proptest! {
        #[test]
        fn any_records_round_trip(
            records in proptest::collection::vec(
                (("[a-z0-9]{1,8}", opt(), opt(), opt(), list(), list()),
                 (opt(), opt(), list(), opt(), opt(), opt())),
                0..20,
            ),
            max_rows in 1usize..8,
        ) {
            let records: Vec<Record> = records
                .into_iter()
                .map(|((id, url, title, text, creator, subjects), (description, published, language, encoding, source, sha256))| Record {
                    id,
                    bag: "b".into(),
                    url,
                    source,
                    title,
                    creator,
                    subjects,
                    description,
                    date_published: published,
                    date_collected: None,
                    language,
                    encoding,
                    text,
                    sha256,
                })
                .collect();
            let (back, _) = round_trip(&records, max_rows);
            prop_assert_eq!(back, records);
        }
    }
}
