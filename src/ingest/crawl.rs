//! WARC files (web archives) as inputs, streamed record by record.
//!
//! The file is read once, front to back ([`crate::warc`]); as it is read
//! its bytes are hashed and packed into the spool as
//! `data/crawls/<id>/original.warc[.gz]`, byte-exact. Every `response`
//! (and `resource`) record whose payload is an HTML page or a feed becomes
//! an input like an HTML or feed file: its original is the HTTP payload
//! (de-chunked and decoded only as the response's headers say), kept with
//! the record's headers (`warc-headers.txt`, `http-headers.txt`); the
//! record itself lies in the kept WARC, at the offset its provenance gives.
//! Captures are prepared a batch at a time on every core. `revisit` records, captures of a payload already stored and
//! records that make no item are listed in `data/crawls/<id>/records.jsonl`
//! (one JSON object a line, in file order) with the item they map to.
//! Memory holds one batch of captures and, for revisits, the record id and
//! payload digest of each capture made an item.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use rayon::prelude::*;
use serde_json::{Value, json};

use super::layout::{Layout, Pending};
use super::names::{slug, unique_id};
use super::prepare::{CaptureHints, PreparedInput, prepare_with};
use super::spool::{Copier, Spool, Tee, copy_file, temp_path};
use super::{IngestOptions, IngestSummary, Rejected, pack_files};
use crate::encoding::{self, DetectedBy, Detection, Encoding};
use crate::error::{Error, Result};
use crate::item::{self, ItemFormat};
use crate::warc::http::{self, MAX_HEAD_BYTES};
use crate::warc::{Block, DigestCheck, Header, WarcReader, check_digest};

/// Captures prepared in parallel at a time.
const BATCH: usize = 256;

/// Bytes of captures in one batch, at most.
const BATCH_BYTES: usize = 16 * 1024 * 1024;

/// Media types of the pages and feeds that become items (with what the
/// bytes look like: HTML or a feed).
const ITEM_TYPES: [&str; 8] = [
    "text/html",
    "application/xhtml+xml",
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
    "application/feed+json",
];

/// Where a WARC's bytes come from.
#[derive(Clone, Copy)]
pub(super) enum CrawlSource<'a> {
    File(&'a Path),
    Bytes(&'a [u8]),
}

/// What ingest's loop lends to a crawl.
pub(super) struct Out<'a> {
    pub(super) layout: &'a mut Layout,
    pub(super) spool: &'a mut Spool,
    pub(super) summary: &'a mut IngestSummary,
    pub(super) work: &'a Path,
    pub(super) in_memory: u64,
    /// Temporary copies made so far (for their names).
    pub(super) copies: &'a mut usize,
}

/// A record waiting for its batch: its line in `records.jsonl`, and the
/// capture to prepare, if it makes an item.
struct Waiting {
    line: Value,
    capture: Option<(Vec<u8>, CaptureHints)>,
    offset: u64,
    /// For a capture: its record id and `WARC-Payload-Digest` (with the
    /// URI), by which revisits find it.
    keys: Vec<String>,
    /// For a revisit: the keys of the capture it repeats.
    refers: Vec<String>,
}

/// Ingests the WARC file `name` (messages; `stable` in provenance).
pub(super) fn ingest_crawl(
    name: &str,
    stable: &str,
    src: CrawlSource<'_>,
    options: &IngestOptions,
    out: &mut Out<'_>,
) -> Result<()> {
    let (reader, gz): (Box<dyn Read + '_>, bool) = match src {
        CrawlSource::File(p) => {
            let mut f = File::open(p).map_err(|e| Error::io("read", p, e))?;
            let mut magic = [0u8; 2];
            let n = f.read(&mut magic).map_err(|e| Error::io("read", p, e))?;
            let f2 = File::open(p).map_err(|e| Error::io("read", p, e))?;
            (Box::new(f2), magic[..n] == [0x1f, 0x8b])
        }
        CrawlSource::Bytes(b) => (Box::new(b), b.starts_with(&[0x1f, 0x8b])),
    };
    let file_name = Path::new(stable)
        .file_name()
        .map_or_else(|| stable.to_owned(), |n| n.to_string_lossy().into_owned());
    let base = slug(
        file_name
            .trim_end_matches(".gz")
            .trim_end_matches(".warc")
            .trim_end_matches(".arc"),
    )
    .unwrap_or_else(|| "crawl".to_owned());
    let id = unique_id(&base, &mut out.layout.used);
    let dir = format!("crawls/{id}");
    let crawl_path = format!("{dir}/original.{}", if gz { "warc.gz" } else { "warc" });
    let n = *out.copies;
    *out.copies += 3;
    let size = match src {
        CrawlSource::File(p) => std::fs::metadata(p).ok().map(|m| m.len()),
        CrawlSource::Bytes(b) => Some(b.len() as u64),
    };
    let mut whole = Copier::new(
        format!("data/{crawl_path}"),
        temp_path(out.work, n),
        out.in_memory,
        size,
    );
    // The records' lines go to a file first, then through a copier that
    // knows their size.
    let lines_path = temp_path(out.work, n + 1);
    let lines_file = File::create(&lines_path).map_err(|e| Error::io("create", &lines_path, e))?;
    let mut records = io::BufWriter::with_capacity(1 << 16, lines_file);
    let mut tee = Tee {
        inner: reader,
        copy: &mut whole,
        error: None,
    };
    let mut crawl = Crawl {
        name,
        stable,
        crawl_path: &crawl_path,
        options,
        waiting: Vec::new(),
        waiting_bytes: 0,
        files: Vec::new(),
        found: BTreeMap::new(),
        records: &mut records,
        records_path: &lines_path,
    };
    let mut warc = WarcReader::new(&mut tee).map_err(|e| Error::io("read", name, e))?;
    let max = options.max_input_bytes;
    loop {
        let next = warc.next_record(|h| match h.warc_type().as_str() {
            "response" | "resource" => Some(max.saturating_add(MAX_HEAD_BYTES as u64)),
            "revisit" => Some(MAX_HEAD_BYTES as u64),
            _ => None,
        });
        match next {
            None => break,
            Some(Ok(record)) => crawl.take(&record.header, record.block, record.length, out)?,
            Some(Err(e)) => {
                let fatal = e.fatal;
                crawl.flush(out)?;
                crawl.line(&json!({ "offset": e.offset, "error": e.reason }))?;
                crawl.bad(e.offset, e.reason, out.summary)?;
                if fatal {
                    break;
                }
            }
        }
        if crawl.waiting.len() >= BATCH || crawl.waiting_bytes >= BATCH_BYTES {
            crawl.flush(out)?;
        }
    }
    crawl.flush(out)?;
    crawl.drain(out)?;
    drop(crawl);
    drop(warc);
    // What follows the last record, and all of a file whose reading
    // stopped at an error, is kept too.
    let rest = io::copy(&mut tee, &mut io::sink());
    if let Some(e) = tee.error.take() {
        return Err(e);
    }
    rest.map_err(|e| Error::io("read", name, e))?;
    out.summary.inputs += 1;
    out.summary.bytes += whole.len();
    out.spool.put_copy(whole.finish()?)?;
    records
        .into_inner()
        .map_err(|e| Error::io("write", &lines_path, e.into_error()))?;
    out.spool.put_copy(copy_file(
        format!("data/{dir}/records.jsonl"),
        &lines_path,
        temp_path(out.work, n + 2),
        out.in_memory,
    )?)?;
    Ok(())
}

struct Crawl<'a> {
    name: &'a str,
    stable: &'a str,
    crawl_path: &'a str,
    options: &'a IngestOptions,
    waiting: Vec<Waiting>,
    waiting_bytes: usize,
    /// Payload files of the last batch, packed with the next one.
    files: Vec<(String, Pending)>,
    /// Keys of the captures stored (record id, payload digest and URI) →
    /// their item's id.
    found: BTreeMap<String, String>,
    records: &'a mut io::BufWriter<File>,
    records_path: &'a Path,
}

impl Crawl<'_> {
    fn line(&mut self, v: &Value) -> Result<()> {
        use std::io::Write;
        let mut s = serde_json::to_vec(v).unwrap_or_default();
        s.push(b'\n');
        self.records
            .write_all(&s)
            .map_err(|e| Error::io("write", self.records_path, e))
    }

    /// A bad record: an error, or under `--keep-going` a rejected input.
    fn bad(&mut self, offset: u64, reason: String, summary: &mut IngestSummary) -> Result<()> {
        if self.options.keep_going {
            summary.rejected.push(Rejected {
                input: format!("{} (record at offset {offset})", self.name),
                reason,
            });
            return Ok(());
        }
        Err(Error::Input {
            input: self.name.to_owned(),
            cause: Box::new(Error::Warc { offset, reason }),
        })
    }

    /// Takes one record: a capture to prepare, a revisit to resolve, or a
    /// line saying why it makes no item.
    fn take(&mut self, h: &Header, block: Block, length: u64, out: &mut Out<'_>) -> Result<()> {
        let kind = h.warc_type();
        let mut line = json!({
            "offset": h.offset,
            "type": kind,
            "record_id": h.record_id(),
            "target_uri": h.target_uri(),
            "date": h.get("WARC-Date"),
        });
        if !h.member_start {
            line["stream_offset"] = json!(h.stream_offset);
        }
        let offset = h.offset;
        let wait = |line: Value| Waiting {
            line,
            capture: None,
            offset,
            keys: Vec::new(),
            refers: Vec::new(),
        };
        match kind.as_str() {
            "response" | "resource" => {}
            "revisit" => {
                let mut w = wait(line);
                if let Some(r) = h.get("WARC-Refers-To") {
                    w.refers.push(crate::warc::strip_angles(r).to_owned());
                }
                let uri = h
                    .get("WARC-Refers-To-Target-URI")
                    .map(crate::warc::strip_angles)
                    .or(h.target_uri());
                if let (Some(d), Some(u)) = (h.get("WARC-Payload-Digest"), uri) {
                    w.refers.push(format!("{u} {}", d.trim()));
                }
                self.waiting.push(w);
                return Ok(());
            }
            _ => {
                self.waiting.push(wait(line));
                return Ok(());
            }
        }
        let Block::Kept(block) = block else {
            let why = format!(
                "no item: the block is larger than {} bytes",
                self.options.max_input_bytes
            );
            out.summary
                .warnings
                .push(format!("{}: record at offset {offset}: {why}", self.name));
            line["note"] = json!(why);
            self.waiting.push(wait(line));
            return Ok(());
        };
        match self.capture(h, &block, length, kind == "response") {
            Ok(Capture::Item(payload, hints, keys)) => {
                self.waiting_bytes +=
                    payload.len() + hints.extra.iter().map(|(_, b)| b.len()).sum::<usize>();
                self.waiting.push(Waiting {
                    line,
                    capture: Some((payload, hints)),
                    offset,
                    keys,
                    refers: Vec::new(),
                });
            }
            Ok(Capture::NoItem(why, warn)) => {
                if warn {
                    out.summary
                        .warnings
                        .push(format!("{}: record at offset {offset}: {why}", self.name));
                }
                line["note"] = json!(why);
                self.waiting.push(wait(line));
            }
            Err(reason) => {
                line["error"] = json!(reason);
                self.waiting.push(wait(line));
                self.flush(out)?;
                self.bad(offset, reason, out.summary)?;
            }
        }
        Ok(())
    }

    /// What a `response` or `resource` record holds.
    fn capture(
        &self,
        h: &Header,
        block: &[u8],
        length: u64,
        response: bool,
    ) -> Result<Capture, String> {
        let max = usize::try_from(self.options.max_input_bytes).unwrap_or(usize::MAX);
        let mut http_info = Value::Null;
        let mut extra = vec![("warc-headers.txt".to_owned(), h.raw.clone())];
        let (payload, media_type, charset, transferred, dechunked) = if response {
            let ct = h.get("Content-Type").map(http::media_type);
            if ct.as_deref().is_some_and(|t| t != "application/http") {
                return Ok(Capture::NoItem(
                    format!("no item: a response of type {}", ct.unwrap_or_default()),
                    false,
                ));
            }
            let r = http::parse_response(block)?;
            http_info = json!({
                "status": r.status,
                "content_type": r.get("Content-Type"),
                "transfer_encoding": r.get("Transfer-Encoding"),
                "content_encoding": r.get("Content-Encoding"),
            });
            if !(200..300).contains(&r.status) {
                return Ok(Capture::NoItem(
                    format!("no item: HTTP status {}", r.status),
                    false,
                ));
            }
            let chunked = r
                .get("Transfer-Encoding")
                .is_some_and(|t| t.to_ascii_lowercase().contains("chunked"));
            let dechunked = if chunked {
                Some(http::dechunk(r.body, max).map_err(|e| format!("HTTP body: {e}"))?)
            } else {
                None
            };
            let body = dechunked.as_deref().unwrap_or(r.body);
            let payload = match r.get("Content-Encoding") {
                Some(c) if !c.trim().is_empty() && !c.trim().eq_ignore_ascii_case("identity") => {
                    match http::decode_content(body, c, max) {
                        Ok(p) => p,
                        Err(e) if e.contains("not supported") => {
                            return Ok(Capture::NoItem(format!("no item: {e}"), true));
                        }
                        Err(e) => return Err(format!("HTTP body: {e}")),
                    }
                }
                _ => body.to_vec(),
            };
            extra.push(("http-headers.txt".to_owned(), r.head.to_vec()));
            (payload, r.media_type(), r.charset(), r.body, dechunked)
        } else {
            let ct = h.get("Content-Type");
            (
                block.to_vec(),
                ct.map(http::media_type),
                ct.and_then(http::charset),
                block,
                None,
            )
        };
        if payload.len() > max {
            return Ok(Capture::NoItem(
                format!("no item: the payload is larger than {max} bytes"),
                true,
            ));
        }
        if payload.iter().all(u8::is_ascii_whitespace) {
            return Ok(Capture::NoItem("no item: an empty payload".into(), false));
        }
        let format = item::sniff(&payload);
        let typed = media_type
            .as_deref()
            .is_none_or(|t| ITEM_TYPES.contains(&t));
        if format == ItemFormat::Text || !typed {
            return Ok(Capture::NoItem(
                format!(
                    "no item: {}",
                    media_type.map_or_else(
                        || "not HTML or a feed".to_owned(),
                        |t| format!("media type {t}")
                    )
                ),
                false,
            ));
        }
        // The payload digest, checked against the body as transferred, as
        // de-chunked, and as decoded (writers differ).
        let digest = match h.get("WARC-Payload-Digest") {
            None => json!({ "declared": null, "result": "absent" }),
            Some(d) => {
                let mut candidates: Vec<&[u8]> = vec![transferred];
                let mut names = vec!["the body as transferred"];
                if let Some(dc) = &dechunked {
                    candidates.push(dc);
                    names.push("the de-chunked body");
                }
                candidates.push(&payload);
                names.push("the payload");
                let result = match check_digest(d, &candidates) {
                    DigestCheck::Matches(i) => format!("matches {}", names[i]),
                    DigestCheck::Mismatch => "mismatch".to_owned(),
                    DigestCheck::Unchecked(why) => format!("not checked: {why}"),
                };
                json!({ "declared": d, "result": result })
            }
        };
        // The record itself is not copied: it lies in the WARC kept whole
        // in the bag, at `offset` (docs/warc.md, "The raw record").
        extra.sort();
        let mut keys = Vec::new();
        if let Some(id) = h.record_id() {
            keys.push(id.to_owned());
        }
        if let (Some(u), Some(d)) = (h.target_uri(), h.get("WARC-Payload-Digest")) {
            keys.push(format!("{u} {}", d.trim()));
        }
        let provenance = json!({
            "crawl": self.crawl_path,
            "input": self.stable,
            "offset": h.offset,
            "member_start": h.member_start,
            "stream_offset": h.stream_offset,
            "record_length": length,
            "warc_version": h.version,
            "warc_type": h.warc_type(),
            "record_id": h.record_id(),
            "target_uri": h.target_uri(),
            "warc_date": h.get("WARC-Date"),
            "http": http_info,
            "payload_digest": digest,
            "files": extra.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
        });
        let hints = CaptureHints {
            http_charset: charset,
            target_uri: h.target_uri().map(str::to_owned),
            provenance,
            extra,
        };
        Ok(Capture::Item(payload, hints, keys))
    }

    /// Prepares the waiting captures on every core, lays them out in
    /// order, resolves revisits, writes their lines and spools their files.
    fn flush(&mut self, out: &mut Out<'_>) -> Result<()> {
        if self.waiting.is_empty() {
            return Ok(());
        }
        let stable = self.stable;
        let options = self.options;
        let mut waiting = std::mem::take(&mut self.waiting);
        self.waiting_bytes = 0;
        // The files of the previous batch are hashed and packed while this
        // one is prepared, as ingest's main loop does.
        let previous = std::mem::take(&mut self.files);
        let (packed, prepared): (_, Vec<Option<Result<PreparedInput>>>) = rayon::join(
            || pack_files(previous),
            || {
                waiting
                    .par_iter_mut()
                    .map(|w| {
                        w.capture.take().map(|(payload, hints)| {
                            prepare_with(stable, payload, options, Some(hints))
                        })
                    })
                    .collect()
            },
        );
        for (path, digests, p) in packed {
            out.spool.put(path, digests, &p)?;
        }
        let mut files: Vec<(String, Pending)> = Vec::new();
        for (mut w, p) in waiting.into_iter().zip(prepared) {
            match p {
                None if !w.refers.is_empty() => {
                    let found = w.refers.iter().find_map(|k| self.found.get(k));
                    w.line["revisit_of"] = json!(found);
                    if found.is_none() {
                        w.line["note"] = json!("the capture it repeats is not in this ingest");
                    }
                }
                None => {}
                Some(Ok(mut input)) => {
                    record_payload_check(&input, self.name, w.offset, out.summary);
                    for it in &mut input.items {
                        it.record
                            .relation
                            .push(format!("../../{}", self.crawl_path));
                        // A page is named after its URI (a feed's items
                        // after their links).
                        if it.id_hint.is_none() {
                            it.id_hint = it.provenance["capture"]["target_uri"]
                                .as_str()
                                .map(str::to_owned);
                        }
                    }
                    out.summary
                        .encodings
                        .entry(input.encoding.clone())
                        .and_modify(|n| *n += 1)
                        .or_insert(1);
                    for (k, v) in &input.repairs {
                        *out.summary.repairs.entry(k.clone()).or_insert(0) += v;
                    }
                    let ids = out.layout.add(input, &mut files, out.summary);
                    if let Some(first) = ids.first() {
                        for k in &w.keys {
                            self.found.entry(k.clone()).or_insert_with(|| first.clone());
                        }
                    }
                    w.line["items"] = json!(ids);
                }
                Some(Err(e)) => {
                    w.line["error"] = json!(e.to_string());
                    self.line(&w.line)?;
                    self.bad(w.offset, e.to_string(), out.summary)?;
                    continue;
                }
            }
            self.line(&w.line)?;
        }
        self.files = files;
        Ok(())
    }

    /// Packs and spools the files of the last batch.
    fn drain(&mut self, out: &mut Out<'_>) -> Result<()> {
        for (path, digests, p) in pack_files(std::mem::take(&mut self.files)) {
            out.spool.put(path, digests, &p)?;
        }
        Ok(())
    }
}

/// Reports a payload digest that does not match.
fn record_payload_check(
    input: &PreparedInput,
    name: &str,
    offset: u64,
    summary: &mut IngestSummary,
) {
    let Some(it) = input.items.first() else {
        return;
    };
    let d = &it.provenance["capture"]["payload_digest"];
    if d["result"] == "mismatch" {
        summary.warnings.push(format!(
            "{name}: record at offset {offset}: WARC-Payload-Digest {} does not match the payload",
            d["declared"].as_str().unwrap_or_default()
        ));
    }
}

enum Capture {
    /// The payload, what the capture adds to it, and its keys.
    Item(Vec<u8>, CaptureHints, Vec<String>),
    /// Why it makes no item, and whether that is worth a warning.
    NoItem(String, bool),
}

/// Detection of a captured payload, weighing the HTTP `Content-Type`
/// charset against the page's own declaration and the bytes; returns the
/// decision, recorded in provenance.
///
/// The rules: an explicit `--encoding` and a byte-order mark win; an HTTP
/// charset that the bytes are malformed in loses; valid non-ASCII UTF-8
/// wins over any other HTTP charset (servers label pages with a default);
/// an HTTP `iso-8859-1` (windows-1252, the common server default) yields
/// to the page's own declaration or to a statistical reading that differs;
/// otherwise the HTTP charset wins, as in browsers (the HTML standard puts
/// the transport's charset before the page's).
pub(super) fn weigh_http_charset(
    bytes: &[u8],
    given: Option<&'static Encoding>,
    http: Option<&str>,
) -> (Detection, encoding::Decoded, Value) {
    let (d, decoded) = encoding::detect_and_decode(bytes, given);
    let page = d.declared.map(encoding::label_of);
    let mut decision = json!({
        "http_charset": http,
        "page_declared": page,
        "detected": { "encoding": d.label(), "method": d.method.as_str() },
    });
    let keep = |mut decision: Value, by: &str, why: &str| {
        decision["chosen"] = json!(d.label());
        decision["by"] = json!(by);
        decision["why"] = json!(why);
        decision
    };
    let Some(label) = http else {
        let v = keep(decision, d.method.as_str(), "no HTTP charset");
        return (d, decoded, v);
    };
    if given.is_some() {
        let v = keep(decision, "given", "--encoding overrides the HTTP charset");
        return (d, decoded, v);
    }
    let Some(h) = Encoding::for_label(label.trim().as_bytes()) else {
        decision["http_charset_known"] = json!(false);
        let v = keep(
            decision,
            d.method.as_str(),
            "the HTTP charset is not a WHATWG label",
        );
        return (d, decoded, v);
    };
    let h = if h == encoding_rs::UTF_16LE || h == encoding_rs::UTF_16BE {
        h
    } else {
        h.output_encoding()
    };
    if d.method == DetectedBy::Bom {
        let v = keep(
            decision,
            "bom",
            "a byte-order mark overrides the HTTP charset",
        );
        return (d, decoded, v);
    }
    if h == d.encoding {
        let v = keep(
            decision,
            "http",
            "the HTTP charset agrees with the page and the bytes",
        );
        return (d, decoded, v);
    }
    let non_ascii = bytes.iter().any(|&b| b >= 0x80);
    if !non_ascii && h.is_ascii_compatible() {
        let v = keep(
            decision,
            d.method.as_str(),
            "ASCII only: every candidate reads it alike",
        );
        return (d, decoded, v);
    }
    let (_, _, malformed) = h.decode(bytes);
    if malformed {
        let v = keep(
            decision,
            d.method.as_str(),
            "the bytes are malformed in the HTTP charset",
        );
        return (d, decoded, v);
    }
    if d.encoding == encoding_rs::UTF_8 && std::str::from_utf8(bytes).is_ok() {
        let v = keep(
            decision,
            d.method.as_str(),
            "valid UTF-8 outweighs an HTTP charset",
        );
        return (d, decoded, v);
    }
    if h == encoding_rs::WINDOWS_1252 && d.method != DetectedBy::Default {
        let v = keep(
            decision,
            d.method.as_str(),
            "an HTTP iso-8859-1/windows-1252 (the usual server default) yields to the page",
        );
        return (d, decoded, v);
    }
    let (mut dh, decoded_h) = encoding::detect_and_decode(bytes, Some(h));
    dh.method = DetectedBy::Declared;
    dh.declared = d.declared;
    dh.confidence = 0.9;
    decision["chosen"] = json!(dh.label());
    decision["by"] = json!("http");
    decision["why"] =
        json!("the HTTP charset decodes the bytes cleanly and comes first, as in browsers");
    (dh, decoded_h, decision)
}
