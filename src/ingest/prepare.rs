//! Preparing one input, without I/O: its format, encoding and text, its
//! items (each feed item with its own original bytes where they can be
//! found exactly), and for each item its text derivative, DC record and
//! provenance.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use rayon::prelude::*;

use super::IngestOptions;
use super::provenance::{provenance, repair_name};
use crate::checksum::{Algorithm, hash_bytes};
use crate::dc::{Origin, Record};
use crate::encoding::{self, Detection};
use crate::error::Result;
use crate::item::{self, ItemFormat, NewsItem};

/// An item ready to be written.
pub(super) struct Prepared {
    pub(super) id_hint: Option<String>,
    pub(super) sha256: String,
    pub(super) identity: Vec<String>,
    /// Original bytes of the item itself (`None`: the whole input is it).
    pub(super) fragment: Option<Vec<u8>>,
    pub(super) ext: &'static str,
    pub(super) text: String,
    pub(super) content: Option<String>,
    pub(super) record: Record,
    pub(super) provenance: serde_json::Value,
}

/// An input ready to be written: its items and, for feeds, the feed.
pub(super) struct PreparedInput {
    pub(super) name: String,
    pub(super) original: Vec<u8>,
    pub(super) sha256: String,
    pub(super) format: ItemFormat,
    pub(super) encoding: String,
    pub(super) repairs: BTreeMap<String, u64>,
    pub(super) items: Vec<Prepared>,
    /// Files kept beside the original (name in the item's or feed's
    /// directory, bytes): a WARC capture's record and headers.
    pub(super) extra: Vec<(String, Vec<u8>)>,
}

/// What a WARC capture adds to an input: see [`super::crawl`].
pub(super) struct CaptureHints {
    /// The `charset` of the HTTP `Content-Type`.
    pub(super) http_charset: Option<String>,
    /// `WARC-Target-URI`.
    pub(super) target_uri: Option<String>,
    /// Added to each item's provenance record (`capture`).
    pub(super) provenance: serde_json::Value,
    /// Files kept beside the original.
    pub(super) extra: Vec<(String, Vec<u8>)>,
}

pub(super) fn sha256_hex(bytes: &[u8]) -> String {
    hash_bytes(bytes, &[Algorithm::Sha256])[0].1.to_hex()
}

/// Everything that can be computed from one input, without I/O.
pub(super) fn prepare(
    name: &str,
    original: Vec<u8>,
    options: &IngestOptions,
) -> Result<PreparedInput> {
    prepare_with(name, original, options, None)
}

/// [`prepare`] of an input that may be a WARC capture (`hints`).
pub(super) fn prepare_with(
    name: &str,
    original: Vec<u8>,
    options: &IngestOptions,
    hints: Option<CaptureHints>,
) -> Result<PreparedInput> {
    let format = item::sniff(&original);
    let (detection, decoded, decision) = match &hints {
        None => {
            let (d, t) = encoding::detect_and_decode(&original, options.encoding);
            (d, t, None)
        }
        Some(h) => {
            let (d, t, why) = super::crawl::weigh_http_charset(
                &original,
                options.encoding,
                h.http_charset.as_deref(),
            );
            (d, t, Some(why))
        }
    };
    let items = item::parse(&decoded.text, format)?;
    let file_name = Path::new(name)
        .file_name()
        .map_or_else(|| name.to_owned(), |n| n.to_string_lossy().into_owned());
    let meta = options.meta.get(&file_name);
    let sha256 = sha256_hex(&original);
    let feed = matches!(format, ItemFormat::Rss | ItemFormat::Atom);
    let fragments = if feed {
        fragments(&original, &detection, format, items.len())
    } else {
        None
    };
    // Each item's original bytes (`None`: the whole input), checksum and
    // text derivative. The whole input's derivative is made from the text
    // already decoded, and only when some item is the whole input.
    let per_item: Vec<(Option<Vec<u8>>, String, encoding::TextDerivative)> = match &fragments {
        Some(ranges) => ranges
            .par_iter()
            .map(|r| {
                let bytes = original[r.clone()].to_vec();
                let text = encoding::to_text(&bytes, Some(detection.encoding));
                (Some(bytes), sha256_hex(&original[r.clone()]), text)
            })
            .collect(),
        None => {
            let whole = encoding::derive(detection.clone(), &decoded);
            vec![(None, sha256.clone(), whole); items.len()]
        }
    };
    // Items of a feed are made on every core.
    let made: Vec<(Prepared, Vec<(encoding::RepairKind, u64)>)> = items
        .par_iter()
        .zip(per_item)
        .map(|(it, (fragment, item_sha, text))| {
            let item_repairs: Vec<(encoding::RepairKind, u64)> =
                text.repairs.iter().map(|(k, v)| (*k, *v)).collect();
            let content =
                (format != ItemFormat::Text).then(|| encoding::normalize(&item_text(it)).text);
            let origin = Origin {
                media_type: format.media_type().to_owned(),
                charset: Some(detection.label()),
                sha256_hex: item_sha.clone(),
                source: it.source.clone().or_else(|| {
                    Some(
                        hints
                            .as_ref()
                            .and_then(|h| h.target_uri.clone())
                            .unwrap_or_else(|| name.to_owned()),
                    )
                }),
            };
            let (record_item, record_repairs) = it.normalized(text.persian);
            let mut record = Record::from_item(&record_item, &origin);
            if let Some(meta) = meta {
                for (element, values) in meta {
                    record.apply_meta(element, values);
                }
            }
            if record.rights.is_empty()
                && let Some((_, v)) = options
                    .info
                    .iter()
                    .find(|(l, _)| l.eq_ignore_ascii_case("Rights"))
            {
                record.rights.push(v.clone());
            }
            let mut provenance = provenance(
                name, &sha256, &item_sha, format, &detection, &text, it, options, feed,
            );
            provenance["record"] = serde_json::json!({ "repairs": record_repairs });
            if let Some(h) = &hints {
                if let Some(uri) = &h.target_uri {
                    // The capture's URI identifies the page (first of all).
                    if !record.identifier.contains(uri) {
                        record.identifier.insert(0, uri.clone());
                    }
                    if !record.source.contains(uri) {
                        record.source.push(uri.clone());
                    }
                }
                provenance["original"]["kind"] =
                    serde_json::json!("HTTP payload of a WARC record, as captured");
                provenance["capture"] = h.provenance.clone();
                if let Some(why) = &decision {
                    provenance["capture"]["encoding_decision"] = why.clone();
                }
            }
            let mut identity = it.identifiers.clone();
            identity.push(item_sha.clone());
            let prepared = Prepared {
                id_hint: it.id_hint.clone(),
                sha256: item_sha,
                identity,
                fragment,
                ext: extension(format),
                text: text.text,
                content,
                record,
                provenance,
            };
            (prepared, item_repairs)
        })
        .collect();
    let mut repairs: BTreeMap<String, u64> = BTreeMap::new();
    let mut prepared = Vec::with_capacity(made.len());
    for (p, item_repairs) in made {
        for (k, v) in item_repairs {
            *repairs.entry(repair_name(k)).or_insert(0) += v;
        }
        prepared.push(p);
    }
    Ok(PreparedInput {
        name: name.to_owned(),
        original,
        sha256,
        format,
        encoding: detection.label(),
        repairs,
        items: prepared,
        extra: hints.map(|h| h.extra).unwrap_or_default(),
    })
}

pub(super) fn item_text(it: &NewsItem) -> String {
    let mut s = String::new();
    if let Some(t) = &it.title {
        s.push_str(t);
        s.push_str("\n\n");
    }
    s.push_str(&it.body);
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

pub(super) fn extension(format: ItemFormat) -> &'static str {
    match format {
        ItemFormat::Text => "txt",
        ItemFormat::Html => "html",
        ItemFormat::Rss | ItemFormat::Atom => "xml",
    }
}

/// Byte ranges of each `<item>` (RSS) or `<entry>` (Atom) element in the
/// original, when they can be found exactly: for encodings where `<` and
/// `>` are single ASCII bytes that never occur inside a multi-byte
/// character (UTF-8, single-byte encodings, GBK, Shift_JIS, Big5, EUC-*),
/// and when their number equals the number of items parsed. Otherwise
/// `None`, and items refer to the whole feed.
pub(super) fn fragments(
    bytes: &[u8],
    detection: &Detection,
    format: ItemFormat,
    count: usize,
) -> Option<Vec<Range<usize>>> {
    let enc = detection.encoding;
    if enc == encoding_rs::UTF_16LE
        || enc == encoding_rs::UTF_16BE
        || enc == encoding_rs::ISO_2022_JP
    {
        return None;
    }
    let tag: &[u8] = if format == ItemFormat::Rss {
        b"item"
    } else {
        b"entry"
    };
    let mut ranges = Vec::new();
    let mut i = 0;
    while let Some(start) = find_tag(bytes, i, tag, false) {
        let end_open = find_tag(bytes, start + 1, tag, true)?;
        let close_end = bytes[end_open..].iter().position(|&b| b == b'>')? + end_open + 1;
        ranges.push(start..close_end);
        i = close_end;
    }
    (ranges.len() == count).then_some(ranges)
}

/// Position of the next `<tag` (or `</tag` when `closing`) followed by
/// whitespace, `>` or `/`, from `from`.
pub(super) fn find_tag(bytes: &[u8], from: usize, tag: &[u8], closing: bool) -> Option<usize> {
    let open: &[u8] = if closing { b"</" } else { b"<" };
    let mut i = from;
    while i < bytes.len() {
        let at = bytes[i..].iter().position(|&b| b == b'<')? + i;
        let rest = &bytes[at..];
        if rest.starts_with(open)
            && rest[open.len()..].starts_with(tag)
            && rest
                .get(open.len() + tag.len())
                .is_some_and(|&b| b == b'>' || b == b'/' || b.is_ascii_whitespace())
        {
            return Some(at);
        }
        i = at + 1;
    }
    None
}
