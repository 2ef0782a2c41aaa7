//! Reading a zipped bag, in place, into what the catalog records of it:
//! the bag's identity (size, SHA-256 of the whole `.zip`, Payload-Oxum,
//! tag manifest digests, Bagging-Date) and each item's Dublin Core fields
//! and provenance. The one reader used by ingest registration, adoption and
//! `catalog rebuild`, so that a rebuilt catalog equals the incremental one.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::bags::BagSource;
use super::{Error, Result};
use crate::checksum::{Algorithm, hash_reader};
use crate::serialize::{
    EntryLocation, MAX_ZIP_ENTRIES, MAX_ZIP_TAG_FILE, OpenedZip, Records, open_zip, read_located,
    read_tag_entry, zip_err,
};
use crate::tagfile::BagInfo;

/// What the catalog records of a bag when it is registered. Written in
/// full into the registering event, so that `catalog rebuild` restores the
/// recorded size and checksum even of a bag that has changed since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BagRecord {
    /// The bag's name (the zip's file name without `.zip`).
    pub name: String,
    /// The zip's path relative to the archive root, `/`-separated.
    pub path: String,
    /// The zip's size in bytes.
    pub size: u64,
    /// SHA-256 of the whole zip file.
    pub sha256: String,
    /// `Payload-Oxum` of bag-info.txt.
    pub payload_oxum: Option<String>,
    /// `Bagging-Date` of bag-info.txt.
    pub bagging_date: Option<String>,
    /// The tag manifest's digests (`tagmanifest-sha256.txt`), by path.
    pub tag_manifest: BTreeMap<String, String>,
    /// Number of items (`data/items/*/dc.xml`).
    pub items: u64,
}

/// One item of a bag: `data/items/ID/` with its `dc.xml` and
/// `provenance.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemRecord {
    /// The item's id (its directory name).
    pub id: String,
    /// The item's directory inside the bag (`data/items/ID`).
    pub path: String,
    /// `dc:title` values.
    pub title: Vec<String>,
    /// `dc:creator` values.
    pub creator: Vec<String>,
    /// `dc:subject` values.
    pub subject: Vec<String>,
    /// `dc:description` values.
    pub description: Vec<String>,
    /// `dc:publisher` values.
    pub publisher: Vec<String>,
    /// `dc:date` values.
    pub date: Vec<String>,
    /// `dc:language` values.
    pub language: Vec<String>,
    /// `dc:identifier` values.
    pub identifier: Vec<String>,
    /// `dc:source` values.
    pub source: Vec<String>,
    /// SHA-256 of the item's original bytes (from provenance.json).
    pub sha256: Option<String>,
    /// The original's media type.
    pub media_type: Option<String>,
    /// The detected encoding of the original.
    pub encoding: Option<String>,
    /// The item's main text (`content.txt`, else `text.txt`), for the
    /// search index; not recorded in the catalog's rows.
    #[serde(default)]
    pub text: Option<String>,
    /// Where the item's texts (`content.txt`, `text.txt`) lie in the zip,
    /// recorded so that a search or an export reads them again without the
    /// zip's central directory.
    #[serde(default)]
    pub texts: Vec<EntryLocation>,
    /// When the item was collected (`ingested` of provenance.json).
    #[serde(default)]
    pub collected: Option<String>,
    /// The indexed fields already folded for the full-text index, when the
    /// reader did it (not serialised: derived from the fields above).
    #[serde(skip)]
    pub folded: Option<super::search::index::Folded>,
}

/// A bag read for registration: its record, and where to stream its
/// items from (they are read as they are inserted, so that memory does not
/// grow with the number of items).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// The bag.
    pub bag: BagRecord,
    /// The zip to read the items from.
    pub zip: PathBuf,
    /// Whether an unreadable item fails the registration (a new bag) or is
    /// skipped with a warning (replaying the log for a bag since damaged).
    pub strict: bool,
    /// Whether the zip's central directory lists the items in order, as
    /// [`read_bag`] found by walking it (so the items are read without a
    /// walk to check it again); `None` when not known.
    pub walkable: Option<bool>,
}

impl Registration {
    /// Calls `f` with each item of the bag, in id order, as they are read
    /// from the zip on a thread of their own (unzipping and parsing on one
    /// core while `f` records on the other).
    pub fn items(&self, f: &mut dyn FnMut(ItemRecord) -> Result<()>) -> Result<()> {
        read_items_beside(&self.zip, self.walkable, f)
    }
}

/// The SHA-256 and size of a whole file.
pub fn file_sha256(path: &Path) -> Result<(u64, String)> {
    let f = File::open(path).map_err(|e| Error::io("open", path, e))?;
    let len = f.metadata().map(|m| m.len()).ok();
    let (n, digests) = hash_reader(f, &[Algorithm::Sha256], len, &mut |_| {})
        .map_err(|e| Error::io("read", path, e))?;
    let hex = digests.first().map(|(_, d)| d.to_hex()).unwrap_or_default();
    Ok((n, hex))
}

/// The size and SHA-256 of the whole zip at `zip`: a file, or an object
/// in a bucket read once in order.
fn zip_sha256(zip: &Path) -> Result<(u64, String)> {
    #[cfg(feature = "s3")]
    if super::bags::is_object(zip)
        && let BagSource::Object(o) = BagSource::open(zip)?
    {
        return Ok((o.len(), super::bags::object_sha256(&o)?));
    }
    file_sha256(zip)
}

/// A zip read two ways at once: the SHA-256 of the whole file (asked for
/// with `whole_file`, on a thread of its own) and the bag inside verified at
/// `level`, as `verify` does. The audit and the check of a copy both prove a
/// zip this way.
///
/// `zip` may name an object (`s3://BUCKET/KEY`): it is then read in place,
/// its SHA-256 by one reader in order while the bag is verified by others
/// with ranged reads.
pub(crate) fn hash_and_verify(
    zip: &Path,
    level: crate::report::Level,
    whole_file: bool,
) -> (Option<Result<String>>, Result<crate::report::Report>) {
    let (_, hashed, verified) = size_hash_and_verify(zip, None, level, whole_file);
    (hashed, verified)
}

/// [`hash_and_verify`], with the zip's size (`None` if it cannot be
/// opened); `source` is the zip already opened, if it was.
pub(crate) fn size_hash_and_verify(
    zip: &Path,
    source: Option<BagSource>,
    level: crate::report::Level,
    whole_file: bool,
) -> (
    Option<u64>,
    Option<Result<String>>,
    Result<crate::report::Report>,
) {
    #[cfg(feature = "s3")]
    if super::bags::is_object(zip) {
        let source = match source {
            Some(s) => Ok(s),
            None => BagSource::open(zip),
        };
        match source {
            Ok(BagSource::Object(o)) => {
                let size = o.len();
                let (hashed, verified) = hash_and_verify_object(&o, zip, level, whole_file);
                return (Some(size), hashed, verified);
            }
            Ok(BagSource::File(_)) => {}
            Err(e) => return (None, None, Err(e.into())),
        }
    }
    #[cfg(not(feature = "s3"))]
    drop(source);
    let size = std::fs::metadata(zip).map(|m| m.len()).ok();
    let (hashed, verified) = hashed_beside(zip, whole_file, || {
        crate::verify::verify_zip(zip, level, &crate::progress::NoProgress).map_err(Error::from)
    });
    (size, hashed.map(|h| h.map(|(_, sha)| sha)), verified)
}

#[cfg(feature = "s3")]
fn hash_and_verify_object(
    source: &crate::store::ObjectReader,
    zip: &Path,
    level: crate::report::Level,
    whole_file: bool,
) -> (Option<Result<String>>, Result<crate::report::Report>) {
    std::thread::scope(|s| {
        let hashed = whole_file.then(|| s.spawn(|| super::bags::object_sha256(source)));
        let verified = crate::verify::verify_zip_reader(
            source.clone(),
            zip,
            level,
            &crate::progress::NoProgress,
        )
        .map_err(Error::from);
        let hashed = hashed.map(|h| {
            h.join()
                .unwrap_or_else(|_| Err(bad(zip, "the hashing thread failed".into())))
        });
        (hashed, verified)
    })
}

/// `work` done on this thread while, if `hash`, the whole file `zip` is
/// hashed on another (both read the file; the second from the page
/// cache): the file's size and SHA-256, and what `work` gave.
fn hashed_beside<T>(
    zip: &Path,
    hash: bool,
    work: impl FnOnce() -> T,
) -> (Option<Result<(u64, String)>>, T) {
    std::thread::scope(|s| {
        let hashed = hash.then(|| s.spawn(|| zip_sha256(zip)));
        let done = work();
        let hashed = hashed.map(|h| {
            h.join()
                .unwrap_or_else(|_| Err(bad(zip, "the hashing thread failed".into())))
        });
        (hashed, done)
    })
}

/// A zip opened for registration: its tag files and, by item id, the
/// entries of each item's `dc.xml` and `provenance.json` (positions in the
/// zip's list of file entries).
struct Opened {
    zip: OpenedZip<BagSource>,
    info: Option<usize>,
    tag_manifest: Option<usize>,
    /// By item id, positions of the item's files.
    items: BTreeMap<String, ItemFiles<usize>>,
}

fn open(zip: &Path) -> Result<Opened> {
    let reader = BagSource::open(zip)?;
    let opened = open_zip(reader, zip, MAX_ZIP_ENTRIES)?;
    let mut out = Opened {
        info: None,
        tag_manifest: None,
        items: BTreeMap::new(),
        zip: opened,
    };
    for (id, &entry) in out.zip.entries.iter().enumerate() {
        let rel = out.zip.archive.entry(entry).rel;
        match rel {
            "bag-info.txt" => out.info = Some(id),
            "tagmanifest-sha256.txt" => out.tag_manifest = Some(id),
            _ => {
                if let Some((item, file)) = item_file(rel) {
                    out.items
                        .entry(item.to_owned())
                        .or_default()
                        .set(file, || id);
                }
            }
        }
    }
    out.items.retain(|_, files| files.dc.is_some());
    Ok(out)
}

fn bad(zip: &Path, reason: String) -> Error {
    Error::BadBag {
        path: zip.to_owned(),
        reason,
    }
}

/// Reads one entry whole; a CRC or size finding is an error.
fn read_entry(zip: &Path, opened: &Opened, id: usize, what: &str) -> Result<Vec<u8>> {
    let (bytes, finding) = read_tag_entry(&opened.zip.archive, opened.zip.entries[id])
        .map_err(|e| bad(zip, format!("cannot read `{what}`: {e}")))?;
    if let Some(p) = finding {
        return Err(bad(zip, format!("`{what}`: {}", p.message())));
    }
    Ok(bytes)
}

/// Reads the zipped bag at `zip` (named `rel` relative to the archive root)
/// without extracting it: its record, with the items counted (not read).
/// `sha256`: the whole file's size and digest, if already computed.
pub fn read_bag(zip: &Path, rel: &str, sha256: Option<(u64, String)>) -> Result<Registration> {
    let name = zip
        .file_stem()
        .and_then(|s| s.to_str())
        .ok_or_else(|| bad(zip, "the file name is not UTF-8".into()))?
        .to_owned();
    // Without the digest, the whole zip is hashed on a thread of its own
    // while its tag files are read: from a walk of its central directory
    // (flat memory) when it lists the items in order, as newsbag writes
    // them, else from the whole listing.
    let (hashed, tags) = hashed_beside(zip, sha256.is_none(), || {
        match walk(zip, &mut |_, _| Ok(()))? {
            Some(walked) => Ok(TagFiles::Walked(walked)),
            None => open(zip).map(TagFiles::Opened),
        }
    });
    let (size, sha256) = match (sha256, hashed) {
        (Some(s), _) => s,
        (None, Some(hashed)) => hashed?,
        (None, None) => zip_sha256(zip)?,
    };
    let tags = tags?;
    let (payload_oxum, bagging_date) = match tags.read(zip, TagFile::Info)? {
        Some(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let (info, _) = BagInfo::parse(&text, "bag-info.txt", false);
            (
                info.get("Payload-Oxum").map(str::to_owned),
                info.get("Bagging-Date").map(str::to_owned),
            )
        }
        None => (None, None),
    };
    let mut tag_manifest = BTreeMap::new();
    if let Some(bytes) = tags.read(zip, TagFile::Manifest)? {
        for line in String::from_utf8_lossy(&bytes).lines() {
            if let Some((digest, path)) = line.split_once(char::is_whitespace) {
                tag_manifest.insert(path.trim_start().to_owned(), digest.to_ascii_lowercase());
            }
        }
    }
    let (items, walkable) = match &tags {
        TagFiles::Walked(w) => (w.items, true),
        TagFiles::Opened(o) => (o.items.len() as u64, false),
    };
    Ok(Registration {
        bag: BagRecord {
            name,
            path: rel.to_owned(),
            size,
            sha256,
            payload_oxum,
            bagging_date,
            tag_manifest,
            items,
        },
        zip: zip.to_owned(),
        strict: true,
        walkable: Some(walkable),
    })
}

/// Items read ahead of the one being recorded, at most.
const READ_AHEAD: usize = 256;

/// Items sent from the reading thread at a time.
const BATCH: usize = 32;

/// [`read_items`] on a thread of its own, `f` called on this one as the
/// items come: unzipping and parsing the items on one core while the
/// catalog indexes them on the other (at most [`READ_AHEAD`] items in
/// between, so memory stays flat). The first error of either stops both.
fn read_items_beside(
    zip: &Path,
    walkable: Option<bool>,
    f: &mut dyn FnMut(ItemRecord) -> Result<()>,
) -> Result<()> {
    std::thread::scope(|s| {
        // Items go over in batches: a message per item cost a wake-up of
        // the other thread each (an eighth of registration's time).
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<ItemRecord>>(READ_AHEAD / BATCH);
        let reader = s.spawn(move || {
            let mut batch = Vec::with_capacity(BATCH);
            // The receiver hung up: `f` failed, and its error is the one
            // reported.
            let stopped = |_| bad(zip, "stopped".into());
            read_items_known(zip, walkable, &mut |mut item| {
                // Folding for the index is done here, beside the reading,
                // so that the catalog's thread only inserts.
                item.folded = Some(super::search::index::Folded::of(&item));
                batch.push(item);
                if batch.len() == BATCH {
                    tx.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                        .map_err(stopped)?;
                }
                Ok(())
            })?;
            if batch.is_empty() {
                Ok(())
            } else {
                tx.send(batch).map_err(stopped)
            }
        });
        let mut recorded = Ok(());
        'batches: for batch in &rx {
            for item in batch {
                recorded = f(item);
                if recorded.is_err() {
                    break 'batches;
                }
            }
        }
        drop(rx);
        let read = reader
            .join()
            .unwrap_or_else(|_| Err(bad(zip, "the thread reading the items failed".into())));
        recorded.and(read)
    })
}

/// Streams the items of the zipped bag at `zip` to `f`: in the order of
/// its central directory, walked with flat memory, when it lists each
/// item's entries together and the items in order (as newsbag writes
/// bags); else in id order from the whole listing.
pub fn read_items(zip: &Path, f: &mut dyn FnMut(ItemRecord) -> Result<()>) -> Result<()> {
    read_items_known(zip, None, f)
}

/// [`read_items`], told whether the zip lists the items in order
/// (`walkable`), or finding it out first (`None`).
fn read_items_known(
    zip: &Path,
    walkable: Option<bool>,
    f: &mut dyn FnMut(ItemRecord) -> Result<()>,
) -> Result<()> {
    // Unless known, a first walk only checks the order (a few milliseconds
    // for 100,000 entries; ranged reads for a bag in a bucket), so that no
    // item is given to `f` before the way is chosen.
    let walkable = match walkable {
        Some(w) => w,
        None => walk(zip, &mut |_, _| Ok(()))?.is_some(),
    };
    if walkable {
        let mut reader = BagSource::open(zip)?;
        let walked = walk(zip, &mut |id, files| {
            let texts = [&files.content, &files.text]
                .into_iter()
                .flatten()
                .cloned()
                .collect();
            let mut read = |at: &EntryLocation, _: &str| {
                read_located(&mut reader, at, MAX_ZIP_TAG_FILE)
                    .map_err(|e| bad(zip, format!("cannot read `{}`: {e}", at.name)))
            };
            match read_item(zip, id, &files, |at| at.size, &mut read, texts)? {
                Some(item) => f(item),
                None => Ok(()),
            }
        })?;
        if walked.is_none() {
            // In order when it was read before, no longer: replaced since.
            return Err(bad(
                zip,
                "its central directory changed while it was read".into(),
            ));
        }
        return Ok(());
    }
    let opened = open(zip)?;
    let entry = |t: usize| opened.zip.entries[t];
    for (id, files) in &opened.items {
        let texts = [files.content, files.text]
            .into_iter()
            .flatten()
            .filter_map(|t| opened.zip.archive.location(entry(t)))
            .collect();
        let size = |&t: &usize| opened.zip.archive.entry(entry(t)).size;
        let mut read = |&t: &usize, what: &str| read_entry(zip, &opened, t, what);
        if let Some(item) = read_item(zip, id, files, size, &mut read, texts)? {
            f(item)?;
        }
    }
    Ok(())
}

/// The catalog's record of item `id` from its `files`, each read whole by
/// `read` (given the file's path in the bag, for its errors); `size` tells
/// a file's size, `texts` where its texts lie. `None` for an item without
/// a `dc.xml`.
fn read_item<T>(
    zip: &Path,
    id: &str,
    files: &ItemFiles<T>,
    size: impl Fn(&T) -> u64,
    read: &mut dyn FnMut(&T, &str) -> Result<Vec<u8>>,
    texts: Vec<EntryLocation>,
) -> Result<Option<ItemRecord>> {
    let Some(dc) = &files.dc else {
        return Ok(None);
    };
    let path = format!("data/items/{id}");
    let xml = read(dc, &format!("{path}/dc.xml"))?;
    let xml =
        std::str::from_utf8(&xml).map_err(|_| bad(zip, format!("`{path}/dc.xml` is not UTF-8")))?;
    let record =
        crate::dc::Record::read_xml(xml).map_err(|e| bad(zip, format!("`{path}/dc.xml`: {e}")))?;
    let prov: serde_json::Value = match &files.provenance {
        Some(p) => {
            let what = format!("{path}/provenance.json");
            serde_json::from_slice(&read(p, &what)?)
                .map_err(|e| bad(zip, format!("`{what}`: {e}")))?
        }
        None => serde_json::Value::Null,
    };
    // The main text (`content.txt`) of HTML and feed items, else the whole
    // text derivative.
    let main = files
        .content
        .as_ref()
        .map(|c| (c, "content.txt"))
        .or(files.text.as_ref().map(|t| (t, "text.txt")));
    let derivative = match main {
        Some((t, name)) => {
            let what = format!("{path}/{name}");
            if size(t) > MAX_ZIP_TAG_FILE {
                log::warn!("`{what}` in `{}` is too large to index", zip.display());
                None
            } else {
                // Damage to the text is the audit's finding: the item is
                // still registered, its text not indexed.
                match read(t, &what) {
                    Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
                    Err(e) => {
                        log::warn!("not indexed: {e}");
                        None
                    }
                }
            }
        }
        None => None,
    };
    let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
    Ok(Some(ItemRecord {
        id: id.to_owned(),
        path,
        title: record.title,
        creator: record.creator,
        subject: record.subject,
        description: record.description,
        publisher: record.publisher,
        date: record.date,
        language: record.language,
        identifier: record.identifier,
        source: record.source,
        sha256: text(&prov["original"]["sha256"]),
        media_type: text(&prov["input"]["media_type"]),
        encoding: text(&prov["encoding"]["encoding"]),
        text: derivative,
        texts,
        collected: text(&prov["ingested"]),
        folded: None,
    }))
}

/// The files of one item that registration reads, where the zip holds
/// them: [`EntryLocation`]s from a walk, positions in the whole listing.
#[derive(Debug)]
struct ItemFiles<T> {
    dc: Option<T>,
    provenance: Option<T>,
    text: Option<T>,
    content: Option<T>,
}

impl<T> Default for ItemFiles<T> {
    fn default() -> Self {
        ItemFiles {
            dc: None,
            provenance: None,
            text: None,
            content: None,
        }
    }
}

impl<T> ItemFiles<T> {
    /// Notes where the item's `file` lies, if it is one registration reads.
    fn set(&mut self, file: &str, at: impl FnOnce() -> T) {
        let slot = match file {
            "dc.xml" => &mut self.dc,
            "provenance.json" => &mut self.provenance,
            "text.txt" => &mut self.text,
            "content.txt" => &mut self.content,
            _ => return,
        };
        *slot = Some(at());
    }
}

/// The item id and the file of an entry's path in the bag, if it is under
/// `data/items/ID/`.
fn item_file(rel: &str) -> Option<(&str, &str)> {
    rel.strip_prefix("data/items/")?.split_once('/')
}

/// What a walk of a zip's central directory found besides the items.
struct Walked {
    source: BagSource,
    info: Option<EntryLocation>,
    tag_manifest: Option<EntryLocation>,
    /// Items (with a `dc.xml`).
    items: u64,
}

/// The bag's tag files, from a walk or from the whole listing.
enum TagFiles {
    Walked(Walked),
    Opened(Opened),
}

#[derive(Clone, Copy)]
enum TagFile {
    Info,
    Manifest,
}

impl TagFiles {
    /// The bytes of `bag-info.txt` or `tagmanifest-sha256.txt`, if the bag
    /// has it.
    fn read(&self, zip: &Path, which: TagFile) -> Result<Option<Vec<u8>>> {
        match self {
            TagFiles::Walked(w) => {
                let at = match which {
                    TagFile::Info => &w.info,
                    TagFile::Manifest => &w.tag_manifest,
                };
                at.as_ref()
                    .map(|at| {
                        read_located(&mut w.source.clone(), at, MAX_ZIP_TAG_FILE)
                            .map_err(|e| bad(zip, format!("cannot read `{}`: {e}", at.name)))
                    })
                    .transpose()
            }
            TagFiles::Opened(o) => {
                let (id, what) = match which {
                    TagFile::Info => (o.info, "bag-info.txt"),
                    TagFile::Manifest => (o.tag_manifest, "tagmanifest-sha256.txt"),
                };
                id.map(|id| read_entry(zip, o, id, what)).transpose()
            }
        }
    }
}

/// Walks the central directory of the zipped bag at `zip` one record at a
/// time, calling `item` with each item's files as soon as the directory
/// has moved past them, so that memory does not grow with the bag. That
/// needs the directory to list every entry under one top-level directory,
/// each item's entries together and the items in order (as newsbag writes
/// bags, and as they sort by name); `None` as soon as it does not (or an
/// entry's name is not UTF-8): the caller reads the zip the long way.
/// Call it once with an `item` that does nothing to learn whether the
/// order holds before acting on the items.
fn walk(
    zip: &Path,
    item: &mut dyn FnMut(&str, ItemFiles<EntryLocation>) -> Result<()>,
) -> Result<Option<Walked>> {
    let source = BagSource::open(zip)?;
    let mut cursor = source.clone();
    let central = |e| zip_err(zip, e, MAX_ZIP_ENTRIES);
    let mut records = Records::open(&mut cursor, MAX_ZIP_ENTRIES).map_err(central)?;
    let mut walked = Walked {
        source: source.clone(),
        info: None,
        tag_manifest: None,
        items: 0,
    };
    let (mut name, mut top) = (String::new(), None::<String>);
    // The item whose entries are being listed, and its files.
    let mut current: Option<(String, ItemFiles<EntryLocation>)> = None;
    while let Some(record) = records.next(&mut name).map_err(central)? {
        if !record.utf8_name() {
            return Ok(None);
        }
        let Some((first, rel)) = name.split_once('/') else {
            return Ok(None);
        };
        match &top {
            Some(t) if t != first => return Ok(None),
            Some(_) => {}
            None => top = Some(first.to_owned()),
        }
        let at = || EntryLocation {
            name: name.clone(),
            header_offset: record.header_offset,
            method: record.method,
            compressed_size: record.compressed_size,
            size: record.size,
            crc32: record.crc32,
        };
        match rel {
            "bag-info.txt" => walked.info = Some(at()),
            "tagmanifest-sha256.txt" => walked.tag_manifest = Some(at()),
            _ => {}
        }
        let Some((id, file)) = item_file(rel) else {
            continue;
        };
        if current.as_ref().is_none_or(|(c, _)| c != id) {
            // A new item: the previous one is complete if the items come
            // in order (compared as the directory sorts them: by name).
            if let Some((done, files)) = current.take() {
                if format!("{done}/") >= format!("{id}/") {
                    return Ok(None);
                }
                walked.items += u64::from(files.dc.is_some());
                item(&done, files)?;
            }
            current = Some((id.to_owned(), ItemFiles::default()));
        }
        if let Some((_, files)) = &mut current {
            files.set(file, at);
        }
    }
    if let Some((done, files)) = current.take() {
        walked.items += u64::from(files.dc.is_some());
        item(&done, files)?;
    }
    Ok(Some(walked))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    fn dc(title: &str) -> String {
        crate::dc::Record {
            title: vec![title.to_owned()],
            ..Default::default()
        }
        .write_xml()
    }

    /// A zipped bag named `b` holding `entries` in the given order.
    fn zip_of(dir: &Path, name: &str, entries: &[(&str, String)]) -> PathBuf {
        let path = dir.join(name);
        let mut w = zip::ZipWriter::new(File::create(&path).unwrap());
        for (n, body) in entries {
            let stored =
                SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
            w.start_file(format!("b/{n}"), stored).unwrap();
            w.write_all(body.as_bytes()).unwrap();
        }
        w.finish().unwrap();
        path
    }

    fn titles(zip: &Path) -> Vec<(String, String, Option<String>)> {
        let mut seen = Vec::new();
        read_items(zip, &mut |item| {
            seen.push((item.id, item.title.join(""), item.text));
            Ok(())
        })
        .unwrap();
        seen
    }

    #[test]
    fn items_in_order_are_walked_and_others_read_whole_alike() {
        let tmp = tempfile::tempdir().unwrap();
        // As newsbag writes bags: sorted by name, so `x-1/` before `x/`.
        let sorted = [
            ("bagit.txt", "BagIt-Version: 1.0\n".to_owned()),
            ("data/items/x-1/content.txt", "one".to_owned()),
            ("data/items/x-1/dc.xml", dc("First")),
            ("data/items/x/dc.xml", dc("Second")),
            ("data/items/x/text.txt", "two".to_owned()),
            ("data/items/y/original.html", "<p>".to_owned()),
        ];
        let walked = zip_of(tmp.path(), "sorted.zip", &sorted);
        let found = walk(&walked, &mut |_, _| Ok(())).unwrap().unwrap();
        assert_eq!(found.items, 2, "y has no dc.xml: no item");
        assert!(found.info.is_none());
        // An item whose entries are apart: read from the whole listing.
        let mut apart = sorted.clone();
        apart.swap(2, 4);
        let whole = zip_of(tmp.path(), "apart.zip", &apart);
        assert!(walk(&whole, &mut |_, _| Ok(())).unwrap().is_none());
        let mut a = titles(&walked);
        let mut b = titles(&whole);
        assert_eq!(a.len(), 2);
        a.sort();
        b.sort();
        assert_eq!(a, b);
        assert_eq!(
            a[0],
            ("x".to_owned(), "Second".to_owned(), Some("two".to_owned()))
        );
        assert_eq!(
            a[1],
            ("x-1".to_owned(), "First".to_owned(), Some("one".to_owned()))
        );
        // Two top-level directories: the long way too.
        let path = tmp.path().join("two.zip");
        let mut w = zip::ZipWriter::new(File::create(&path).unwrap());
        for n in ["b/data/items/x/dc.xml", "c/data/items/y/dc.xml"] {
            w.start_file(n, SimpleFileOptions::default()).unwrap();
            w.write_all(dc("T").as_bytes()).unwrap();
        }
        w.finish().unwrap();
        assert!(walk(&path, &mut |_, _| Ok(())).unwrap().is_none());
    }

    #[test]
    fn a_damaged_entry_is_an_error_naming_it() {
        let tmp = tempfile::tempdir().unwrap();
        let path = zip_of(
            tmp.path(),
            "d.zip",
            &[("data/items/x/dc.xml", dc("A title long enough to find"))],
        );
        let mut bytes = std::fs::read(&path).unwrap();
        let at = bytes
            .windows(6)
            .position(|w| w == b"enough")
            .expect("stored, not deflated");
        bytes[at] ^= 1;
        std::fs::write(&path, bytes).unwrap();
        let e = read_items(&path, &mut |_| Ok(())).unwrap_err().to_string();
        assert!(e.contains("b/data/items/x/dc.xml"), "{e}");
    }
}
