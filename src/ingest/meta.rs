//! `--meta` sidecars: Dublin Core elements given for inputs that carry
//! none, read from JSON or CSV.

use std::collections::BTreeMap;

use super::Meta;
use crate::dc::Record;
use crate::error::{Error, Result};

/// Reads a `--meta` sidecar: JSON (an object keyed by input file name, each
/// value an object of DC element names to a string or an array of strings;
/// `schemas/meta.schema.json`) or CSV (a header row `file,<element>,…`, one
/// row per input, several values in one cell separated by ` | `).
pub fn parse_meta(bytes: &[u8], name: &str) -> Result<Meta> {
    let bad = |reason: String| Error::Meta {
        file: name.to_owned(),
        reason,
    };
    let text = std::str::from_utf8(bytes).map_err(|_| bad("not UTF-8".into()))?;
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut meta = Meta::new();
    if text.trim_start().starts_with('{') {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| bad(format!("invalid JSON: {e}")))?;
        let obj = v
            .as_object()
            .ok_or_else(|| bad("not a JSON object".into()))?;
        for (file, fields) in obj {
            let fields = fields
                .as_object()
                .ok_or_else(|| bad(format!("`{file}`: not an object of DC elements")))?;
            let mut out = BTreeMap::new();
            for (element, value) in fields {
                check_element(element).map_err(|r| bad(format!("`{file}`: {r}")))?;
                let values = match value {
                    serde_json::Value::String(s) => vec![s.clone()],
                    serde_json::Value::Array(a) => a
                        .iter()
                        .map(|v| v.as_str().map(str::to_owned))
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| bad(format!("`{file}`.`{element}`: not strings")))?,
                    _ => return Err(bad(format!("`{file}`.`{element}`: not a string or array"))),
                };
                out.insert(element.clone(), values);
            }
            meta.insert(file.clone(), out);
        }
        return Ok(meta);
    }
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| bad(format!("invalid CSV: {e}")))?
        .clone();
    if headers.get(0).map(str::trim) != Some("file") {
        return Err(bad("the first CSV column must be `file`".into()));
    }
    for h in headers.iter().skip(1) {
        check_element(h.trim()).map_err(bad)?;
    }
    for row in reader.records() {
        let row = row.map_err(|e| bad(format!("invalid CSV: {e}")))?;
        let file = row.get(0).unwrap_or_default().trim().to_owned();
        let mut out = BTreeMap::new();
        for (h, cell) in headers.iter().zip(row.iter()).skip(1) {
            let values: Vec<String> = cell
                .split(" | ")
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .collect();
            if !values.is_empty() {
                out.insert(h.trim().to_owned(), values);
            }
        }
        meta.insert(file, out);
    }
    Ok(meta)
}

pub(super) fn check_element(element: &str) -> std::result::Result<(), String> {
    if Record::default().get(element).is_some() {
        Ok(())
    } else {
        Err(format!(
            "`{element}` is not a Dublin Core element (DCMES 1.1)"
        ))
    }
}
