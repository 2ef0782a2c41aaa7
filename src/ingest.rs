//! Ingest: news items in, one verified zipped bag out.
//!
//! The only module that reads inputs. Data flows one way: bytes → detected
//! and decoded text ([`crate::encoding`]) → news items ([`crate::item`]) →
//! Dublin Core records ([`crate::dc`]) → payload files, each hashed and
//! compressed once as it is made and spooled → tag files
//! ([`crate::bag`]) → a ZIP assembled in path order ([`crate::serialize`])
//! → verified at full fixity → renamed into `<archive>/bags/<name>.zip`.
//! Nothing is written under `bags/` until the ZIP is complete and verified;
//! everything else lives in a temporary directory of the archive, removed
//! on failure; inputs are never modified.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{Read, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

mod index;
mod manifests;

use crate::bag::{BagOptions, HashingWriter};
use crate::checksum::{Algorithm, Digest, hash_bytes};
use crate::dc::{Collection, Origin, Record};
use crate::encoding::{self, Detection, Encoding};
use crate::error::{Error, Result};
use crate::item::{self, ItemFormat, NewsItem};
use crate::progress::Reporter;
use crate::serialize::{
    IN_MEMORY, Method, Packed, ZIP64_STREAM_LIMIT, ZipBuilder, dos_date, method_for, pack,
};
use crate::walk::{Kind, Walked, walk};
use index::{Index, Sorted};
use manifests::Manifests;

/// The BagIt profile newsbag's ingested bags follow
/// (`schemas/bagit-profile/newsbag.json`).
pub const PROFILE_IDENTIFIER: &str = "https://newsbag.invalid/schemas/bagit-profile/newsbag.json";

/// Inputs larger than this are refused unless the limit is raised.
pub const DEFAULT_MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;

/// One input given to [`ingest`].
#[derive(Debug, Clone)]
pub enum Input {
    /// A file, or a directory read recursively in sorted order.
    Path(PathBuf),
    /// Bytes already read (standard input), with a name for messages.
    Bytes {
        /// How to call it (`-`).
        name: String,
        /// The bytes.
        bytes: Vec<u8>,
    },
}

/// Dublin Core elements given for inputs that carry none, keyed by input
/// file name (`--meta`; schema in `schemas/meta.schema.json`).
pub type Meta = BTreeMap<String, BTreeMap<String, Vec<String>>>;

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

fn check_element(element: &str) -> std::result::Result<(), String> {
    if Record::default().get(element).is_some() {
        Ok(())
    } else {
        Err(format!(
            "`{element}` is not a Dublin Core element (DCMES 1.1)"
        ))
    }
}

/// How to ingest.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// The archive root; the bag goes to `<archive>/bags/<name>.zip`.
    pub archive: PathBuf,
    /// The bag's name; derived from the first input and the date if `None`.
    pub name: Option<String>,
    /// An encoding that overrides detection for every input.
    pub encoding: Option<&'static Encoding>,
    /// Extra bag-info.txt elements, in order.
    pub info: Vec<(String, String)>,
    /// DC elements for inputs that carry none.
    pub meta: Meta,
    /// Ingest what can be ingested and list the rest, instead of failing.
    pub keep_going: bool,
    /// Bagging-Date (`YYYY-MM-DD`).
    pub bagging_date: String,
    /// When the ingest ran (RFC 3339), recorded in provenance.
    pub ingest_time: String,
    /// Bag-Software-Agent.
    pub software_agent: String,
    /// Largest input accepted, in bytes.
    pub max_input_bytes: u64,
    /// Files never ingested as news items (the `--meta` sidecar itself).
    pub exclude: Vec<PathBuf>,
    /// Most ZIP entries a bag may have: newsbag's own reader (which checks
    /// every bag ingest writes, and which `newsbag verify` uses) refuses
    /// archives of more than [`crate::serialize::MAX_ZIP_ENTRIES`]. An
    /// ingest that would go past it stops as soon as it knows, rather than
    /// after making the whole bag.
    pub max_entries: u64,
}

impl IngestOptions {
    /// Options with defaults for everything but the dates.
    pub fn new(archive: impl Into<PathBuf>, bagging_date: &str, ingest_time: &str) -> Self {
        IngestOptions {
            archive: archive.into(),
            name: None,
            encoding: None,
            info: Vec::new(),
            meta: Meta::new(),
            keep_going: false,
            bagging_date: bagging_date.to_owned(),
            ingest_time: ingest_time.to_owned(),
            software_agent: crate::bag::SOFTWARE_AGENT.to_owned(),
            max_input_bytes: DEFAULT_MAX_INPUT_BYTES,
            exclude: Vec::new(),
            max_entries: crate::serialize::MAX_ZIP_ENTRIES,
        }
    }
}

/// An input that was not ingested, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejected {
    /// The input's name.
    pub input: String,
    /// Why.
    pub reason: String,
}

/// What an ingest did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestSummary {
    /// The bag written.
    pub bag: PathBuf,
    /// Inputs read.
    pub inputs: usize,
    /// News items stored.
    pub items: usize,
    /// Bytes of originals read.
    pub bytes: u64,
    /// Inputs by detected encoding.
    pub encodings: BTreeMap<String, u64>,
    /// Repairs made to the text derivatives, by kind.
    pub repairs: BTreeMap<String, u64>,
    /// Items seen more than once and stored once.
    pub duplicates: Vec<String>,
    /// Inputs not ingested (only with `keep_going`).
    pub rejected: Vec<Rejected>,
    /// Things worth knowing.
    pub warnings: Vec<String>,
}

/// ZIP entries of an ingested bag besides its payload files and item
/// directories, at most: the top-level, `data/`, `data/items/` and
/// `metadata/` directories and the tag files, with room to spare.
const ENTRIES_BESIDES: u64 = 16;

/// The tag file holding the DC record of the whole ingest.
const COLLECTION_RECORD: &str = "metadata/dc.xml";

/// Inputs prepared in parallel at a time: bounds memory to one batch of
/// inputs and their derivatives, whatever the size of the corpus.
const BATCH: usize = 256;

/// Bytes of inputs in one batch, at most (a single larger input is a batch
/// of its own): bounds memory when inputs are large.
const BATCH_BYTES: u64 = 16 * 1024 * 1024;

/// The next batch of `sources`: at most [`BATCH`] inputs and
/// [`BATCH_BYTES`] bytes (a single larger input is a batch of its own);
/// `None` when there are none left.
fn next_batch<'a>(
    sources: &mut std::iter::Peekable<impl Iterator<Item = (String, Source<'a>)>>,
) -> Option<Vec<(String, Source<'a>)>> {
    let mut batch = Vec::new();
    let mut bytes = 0u64;
    while let Some((_, src)) = sources.peek() {
        let size = src.size();
        if !batch.is_empty() && (batch.len() >= BATCH || bytes + size > BATCH_BYTES) {
            break;
        }
        bytes += size;
        batch.extend(sources.next());
    }
    (!batch.is_empty()).then_some(batch)
}

/// An item ready to be written.
struct Prepared {
    id_hint: Option<String>,
    sha256: String,
    identity: Vec<String>,
    /// Original bytes of the item itself (`None`: the whole input is it).
    fragment: Option<Vec<u8>>,
    ext: &'static str,
    text: String,
    content: Option<String>,
    record: Record,
    provenance: serde_json::Value,
}

/// An input ready to be written: its items and, for feeds, the feed.
struct PreparedInput {
    name: String,
    original: Vec<u8>,
    sha256: String,
    format: ItemFormat,
    encoding: String,
    repairs: BTreeMap<String, u64>,
    items: Vec<Prepared>,
}

/// A file's checksums, one per algorithm of [`Algorithm::DEFAULT`].
type Digests = Vec<(Algorithm, Digest)>;

/// Sizes that bound what ingest holds in memory; tests make them tiny to
/// take the paths that large corpora take.
#[derive(Debug, Clone, Copy)]
struct Limits {
    /// Records of the payload index held in memory before a sorted run is
    /// written ([`index::RUN`]).
    run: usize,
    /// Tag files up to this size are packed in memory (libdeflate), larger
    /// ones streamed: the rule `write_zip` follows
    /// ([`IN_MEMORY`]), so that both write the same bytes for a bag.
    in_memory: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            run: index::RUN,
            in_memory: IN_MEMORY,
        }
    }
}

/// Ingests `inputs` into one zipped bag under `options.archive`.
///
/// Inputs are read and prepared a batch at a time on every core; each
/// payload file is hashed and compressed once, as it is produced, and its
/// compressed bytes spooled to a temporary file in the archive; at the end
/// the ZIP is assembled in path order from the spool and the tag files,
/// verified at full fixity, and renamed into `bags/`. Memory holds one
/// batch of inputs, never the payload; the index of the payload files
/// (paths, checksums, places in the spool), the manifests and the ZIP's
/// central directory go to temporary files as they grow.
pub fn ingest(
    inputs: &[Input],
    options: &IngestOptions,
    reporter: &dyn Reporter,
) -> Result<IngestSummary> {
    ingest_with(inputs, options, reporter, Limits::default())
}

fn ingest_with(
    inputs: &[Input],
    options: &IngestOptions,
    reporter: &dyn Reporter,
    limits: Limits,
) -> Result<IngestSummary> {
    let mut summary = IngestSummary::default();
    // 1. Walk the inputs (directories recursively, sorted) without reading
    // them: count them and refuse or list what cannot be ingested. They
    // are walked again as they are read, a batch at a time, rather than
    // listed in memory.
    let excluded: Vec<PathBuf> = options
        .exclude
        .iter()
        .filter_map(|p| fs::canonicalize(p).ok())
        .collect();
    let mut count = 0u64;
    for input in inputs {
        count += match input {
            Input::Bytes { .. } => 1,
            Input::Path(p) => expand(p, &excluded, &mut summary, options.keep_going)?,
        };
    }
    if count == 0 {
        return Err(Error::NothingToIngest);
    }
    let name = match &options.name {
        Some(n) => check_name(n)?,
        None => {
            let first = match &inputs[0] {
                Input::Path(p) => p.display().to_string(),
                Input::Bytes { .. } => "stdin".to_owned(),
            };
            derive_name(&first, &options.bagging_date)
        }
    };
    let bags = options.archive.join("bags");
    let dest = bags.join(format!("{name}.zip"));
    if fs::symlink_metadata(&dest).is_ok() {
        return Err(Error::DestinationExists { path: dest });
    }
    // Everything is written inside a temporary directory of the archive,
    // removed on any failure; only the finished, verified ZIP leaves it.
    fs::create_dir_all(&options.archive).map_err(|e| Error::io("create", &options.archive, e))?;
    let work = tempfile::Builder::new()
        .prefix(".newsbag-tmp-")
        .tempdir_in(&options.archive)
        .map_err(|e| Error::io("create a temporary directory in", &options.archive, e))?;
    let spool_path = work.path().join("payload.spool");
    let spool_file =
        fs::File::create(&spool_path).map_err(|e| Error::io("create", &spool_path, e))?;
    let mut spool = std::io::BufWriter::with_capacity(1 << 20, spool_file);
    let mut spool_len = 0u64;
    let mut index = Index::new(work.path(), limits.run);
    let mut layout = Layout::default();

    // 2. Read, prepare, lay out, hash and pack, a batch at a time. The
    // files of one batch are hashed and packed while the next batch is
    // prepared, so that both cores stay busy between the (short) steps
    // that must run in order: laying out and spooling.
    reporter.start(count, 0);
    let prepare_batch = |batch: &[(String, Source<'_>)]| -> Vec<Result<PreparedInput>> {
        batch
            .par_iter()
            .map(|(name, src)| {
                let stable = match src {
                    Source::File(_, stable) => stable.as_str(),
                    Source::Bytes(_) => name.as_str(),
                };
                let r = src
                    .read(name, options.max_input_bytes)
                    .and_then(|bytes| prepare(stable, bytes, options));
                reporter.file_done();
                r
            })
            .collect()
    };
    let mut files: Vec<(String, Pending)> = Vec::new();
    let mut sources = input_files(inputs, &excluded).peekable();
    let mut next = next_batch(&mut sources);
    loop {
        let (packed, prepared) = rayon::join(
            || pack_files(std::mem::take(&mut files)),
            || next.as_deref().map(prepare_batch),
        );
        for (path, digests, p) in packed {
            spool
                .write_all(&p.data)
                .map_err(|e| Error::io("write", &spool_path, e))?;
            let csize = p.data.len() as u64;
            index.push(index::Spooled {
                path,
                digests,
                method: p.method,
                crc32: p.crc32,
                size: p.size,
                offset: spool_len,
                csize,
            })?;
            spool_len += csize;
        }
        let (Some(batch), Some(prepared)) = (next.take(), prepared) else {
            break;
        };
        for ((name, _), p) in batch.iter().zip(prepared) {
            match p {
                Ok(p) => {
                    summary.inputs += 1;
                    summary.bytes += p.original.len() as u64;
                    *summary.encodings.entry(p.encoding.clone()).or_insert(0) += 1;
                    for (k, v) in &p.repairs {
                        *summary.repairs.entry(k.clone()).or_insert(0) += v;
                    }
                    layout.add(p, &mut files, &mut summary);
                }
                Err(e) if options.keep_going => summary.rejected.push(Rejected {
                    input: name.clone(),
                    reason: e.to_string(),
                }),
                Err(e) => {
                    return Err(Error::Input {
                        input: name.clone(),
                        cause: Box::new(e),
                    });
                }
            }
        }
        // Every payload file is an entry, and so is each item's directory;
        // the top-level directories and tag files are a handful more.
        let entries = index.oxum().streams + (files.len() + layout.items) as u64 + ENTRIES_BESIDES;
        if entries > options.max_entries {
            return Err(Error::TooManyEntries {
                items: layout.items as u64,
                limit: options.max_entries,
            });
        }
        next = next_batch(&mut sources);
    }
    drop(sources);
    reporter.finish();
    if layout.items == 0 {
        return Err(Error::NothingToIngest);
    }
    summary.items = layout.items;
    let spool_file = spool
        .into_inner()
        .map_err(|e| Error::io("write", &spool_path, e.into_error()))?;
    drop(spool_file);

    // 3. Tag files.
    let oxum = index.oxum();
    let items = layout.items;
    let inputs_count = summary.inputs;
    let publisher = layout.collection.first_publisher().map(str::to_owned);
    let collection = std::mem::take(&mut layout.collection);
    drop(layout);
    let collection_path = work.path().join("collection.xml");
    let collection_digests = write_collection(
        collection,
        &collection_path,
        &format!("{name}: {items} news items"),
        &options.bagging_date,
    )?;
    let bag_options = bag_options(options, &name, &summary, items, inputs_count, publisher);
    // The fixed tag files (bagit.txt, bag-info.txt, the collection's
    // record) are made now: bag-info.txt and bagit.txt come before the
    // payload in the ZIP. The manifests are written to files as the payload
    // is copied, and the tag manifests made once they are complete.
    bag_options.check()?;
    let fixed = bag_options.fixed_tag_files(oxum)?;

    // 4. The ZIP, in path order, then verified and renamed into place.
    let staged = work.path().join(format!("{name}.zip"));
    let written = write_bag_zip(
        &BagZip {
            work: work.path(),
            staged: &staged,
            name: &name,
            bagging_date: &options.bagging_date,
            bag_options: &bag_options,
            fixed: &fixed,
            collection: (&collection_path, &collection_digests),
            manifest_sizes: &Algorithm::DEFAULT.map(|a| (a, index.manifest_size(a))),
            spool_path: &spool_path,
            in_memory: limits.in_memory,
        },
        index.into_sorted()?,
    )?;
    drop(fixed);
    let _ = fs::remove_file(&spool_path);
    // The ZIP is made durable while it is verified (from the page cache):
    // both must succeed before it is renamed into place.
    std::thread::scope(|scope| {
        let synced = scope.spawn(|| written.sync_all());
        let checked = crate::serialize::check_written(&staged, &staged);
        let synced = synced
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("the sync thread failed")));
        checked?;
        synced.map_err(|e| Error::io("sync", &staged, e))
    })?;
    drop(written);
    fs::create_dir_all(&bags).map_err(|e| Error::io("create", &bags, e))?;
    if fs::symlink_metadata(&dest).is_ok() {
        return Err(Error::DestinationExists { path: dest });
    }
    fs::rename(&staged, &dest).map_err(|e| Error::io("rename the finished bag to", &dest, e))?;
    if let Ok(d) = fs::File::open(&bags) {
        let _ = d.sync_all(); // make the rename durable where supported
    }
    summary.bag = dest;
    Ok(summary)
}

/// Serializes, hashes and packs payload files on every core, order kept.
fn pack_files(files: Vec<(String, Pending)>) -> Vec<(String, Digests, Packed)> {
    files
        .into_par_iter()
        .map(|(path, pending)| {
            let path = format!("data/{path}");
            let bytes = pending.into_bytes();
            let digests = hash_bytes(&bytes, &Algorithm::DEFAULT);
            let packed = pack(&path, bytes);
            (path, digests, packed)
        })
        .collect()
}

/// Writes the collection's record to a new file at `path` (see
/// [`Collection::write_xml_to`]); returns its checksums.
fn write_collection(
    collection: Collection,
    path: &Path,
    title: &str,
    date: &str,
) -> Result<Vec<(Algorithm, Digest)>> {
    let err = |e| Error::io("write", path, e);
    let file = fs::File::create_new(path).map_err(err)?;
    let mut out = HashingWriter::new(
        std::io::BufWriter::with_capacity(64 * 1024, file),
        &Algorithm::DEFAULT,
    );
    collection
        .write_xml_to(title, date, &mut out)
        .map_err(err)?;
    let (out, digests) = out.finish();
    out.into_inner().map_err(|e| err(e.into_error()))?;
    Ok(digests)
}

/// What [`write_bag_zip`] needs besides the payload.
struct BagZip<'a> {
    /// Ingest's temporary directory.
    work: &'a Path,
    /// The ZIP to write (in `work`).
    staged: &'a Path,
    /// The bag's name: the ZIP's top-level directory.
    name: &'a str,
    bagging_date: &'a str,
    bag_options: &'a BagOptions,
    /// bagit.txt, bag-info.txt and the extra tag files.
    fixed: &'a [(String, Vec<u8>)],
    /// The collection's record ([`COLLECTION_RECORD`]), written to a file,
    /// and its checksums.
    collection: (&'a Path, &'a [(Algorithm, Digest)]),
    /// The size each payload manifest will have.
    manifest_sizes: &'a [(Algorithm, u64)],
    spool_path: &'a Path,
    /// Tag files larger than this are streamed (see [`Limits`]).
    in_memory: u64,
}

/// A tag file of the bag.
enum TagFile<'a> {
    /// Made before the ZIP: bagit.txt, bag-info.txt, extra tag files.
    Fixed(&'a [u8]),
    /// Made before the ZIP, in a file: the collection's record.
    Made(&'a Path),
    /// A payload manifest, complete once the payload is written.
    Manifest,
    /// A tag manifest, made once the manifests are complete.
    Tagmanifest,
}

/// Writes the bag as a ZIP at `z.staged`: one top-level directory
/// `z.name`, every entry in byte order of its path, the payload (`payload`,
/// in path order) copied from the spool as it was packed, the tag files
/// packed here. Directory entries are made from the paths as they come: a
/// directory sorts just before the first path under it. The manifests are
/// written to files in `z.work` (and hashed) as the payload is copied, and
/// come after it in the ZIP (`data/` < `manifest-…`), as do the tag
/// manifests made from their checksums. Returns the file, not yet synced.
fn write_bag_zip(z: &BagZip<'_>, payload: Sorted) -> Result<fs::File> {
    std::thread::scope(|scope| write_bag_zip_in(scope, z, payload))
}

/// [`write_bag_zip`], the manifests written on threads of `scope`.
fn write_bag_zip_in<'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    z: &BagZip<'_>,
    mut payload: Sorted,
) -> Result<fs::File> {
    let staged = z.staged;
    let werr = |e: std::io::Error| Error::io("write", staged, e);
    let algorithms = Algorithm::DEFAULT;
    let mut tags: BTreeMap<String, TagFile<'_>> = z
        .fixed
        .iter()
        .map(|(n, b)| (n.clone(), TagFile::Fixed(b.as_slice())))
        .collect();
    tags.insert(COLLECTION_RECORD.to_owned(), TagFile::Made(z.collection.0));
    // Ingest's bag options keep the default algorithms.
    for a in algorithms {
        tags.insert(a.manifest_name(), TagFile::Manifest);
        tags.insert(a.tag_manifest_name(), TagFile::Tagmanifest);
    }
    let manifest_dir = z.work.join("manifests");
    fs::create_dir(&manifest_dir).map_err(|e| Error::io("create", &manifest_dir, e))?;
    // Manifests that will be streamed into the ZIP are deflated as they
    // are written.
    let will_stream = |a: Algorithm| {
        z.manifest_sizes
            .iter()
            .any(|&(b, size)| b == a && size > z.in_memory)
    };
    let mut manifests = Some(Manifests::start(
        scope,
        &manifest_dir,
        &algorithms,
        will_stream,
    ));
    let mut written_manifests: BTreeMap<String, manifests::Done> = BTreeMap::new();
    let mut tag_manifests: BTreeMap<String, Vec<u8>> = BTreeMap::new();

    let file = fs::File::create_new(staged).map_err(werr)?;
    let central_path = z.work.join("central-directory");
    let central = fs::File::options()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&central_path)
        .map_err(|e| Error::io("create", &central_path, e))?;
    let mut spool = fs::File::open(z.spool_path).map_err(|e| Error::io("read", z.spool_path, e))?;
    let mut zip = ZipBuilder::with_central_file(
        std::io::BufWriter::with_capacity(1 << 20, file),
        dos_date(Some(z.bagging_date)),
        central,
    );
    zip.add_dir(&format!("{}/", z.name)).map_err(werr)?;
    let mut tags = tags.into_iter().peekable();
    let mut next_file = payload.next()?;
    // The last path written (relative to the bag), and the entry name.
    let mut prev = String::new();
    let mut entry = String::new();
    let mut buf = Vec::new();
    loop {
        let tag_first = match (tags.peek(), &next_file) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some((t, _)), Some(f)) => t.as_str() < f.path.as_str(),
        };
        let rel = match &next_file {
            Some(f) if !tag_first => f.path.as_str(),
            _ => tags.peek().map_or("", |(t, _)| t.as_str()),
        };
        for dir in new_dirs(&prev, rel) {
            zip.add_dir(&format!("{}/{dir}", z.name)).map_err(werr)?;
        }
        entry.clear();
        entry.push_str(z.name);
        entry.push('/');
        entry.push_str(rel);
        if !tag_first {
            let Some(f) = next_file.take() else { break };
            // One positioned read per entry into a reused buffer.
            buf.resize(usize::try_from(f.csize).unwrap_or(usize::MAX), 0);
            read_at(&mut spool, &mut buf, f.offset)
                .map_err(|e| Error::io("read", z.spool_path, e))?;
            zip.add_raw(&entry, f.method, f.crc32, f.size, f.csize, &mut &buf[..])
                .map_err(werr)?;
            if let Some(m) = manifests.as_mut() {
                m.push(&f.path, |a| f.digest(a))?;
            }
            prev.clear();
            prev.push_str(&f.path);
            next_file = payload.next()?;
            continue;
        }
        let Some((rel, tag)) = tags.next() else { break };
        if matches!(tag, TagFile::Manifest | TagFile::Tagmanifest)
            && let Some(m) = manifests.take()
        {
            // The payload is complete (the manifests sort after it).
            if next_file.is_some() {
                return Err(werr(std::io::Error::other(format!(
                    "tag file {rel} sorts before the end of the payload"
                ))));
            }
            written_manifests = m.finish()?.into_iter().collect();
            let mut written: Vec<crate::bag::Written> = written_manifests
                .iter()
                .map(|(n, d)| (n.clone(), d.digests.clone()))
                .collect();
            written.push((COLLECTION_RECORD.to_owned(), z.collection.1.to_vec()));
            tag_manifests = crate::bag::tag_manifest_files(z.bag_options, z.fixed, written)
                .into_iter()
                .collect();
        }
        match tag {
            TagFile::Fixed(bytes) => {
                add_tag(&mut zip, &entry, &rel, bytes.to_vec(), z.in_memory).map_err(werr)?
            }
            TagFile::Made(path) => add_tag_file(&mut zip, &entry, &rel, path, z.in_memory, staged)?,
            TagFile::Manifest => {
                let done = written_manifests.remove(&rel).ok_or_else(|| {
                    werr(std::io::Error::other(format!(
                        "tag file {rel} was not made"
                    )))
                })?;
                add_manifest(&mut zip, &entry, &rel, &done, z.in_memory, staged)?;
                let _ = fs::remove_file(&done.path);
                if let Some(d) = &done.deflated {
                    let _ = fs::remove_file(&d.path);
                }
            }
            TagFile::Tagmanifest => {
                let bytes = tag_manifests.remove(&rel).ok_or_else(|| {
                    werr(std::io::Error::other(format!(
                        "tag file {rel} was not made"
                    )))
                })?;
                add_tag(&mut zip, &entry, &rel, bytes, z.in_memory).map_err(werr)?;
            }
        }
        prev = rel;
    }
    // Every tag file made must have been written.
    if manifests.is_some() {
        return Err(werr(std::io::Error::other(
            "the manifests were not written",
        )));
    }
    if let Some(extra) = tag_manifests.keys().next() {
        return Err(werr(std::io::Error::other(format!(
            "tag file {extra} has no place in the bag"
        ))));
    }
    let out = zip.finish().map_err(werr)?;
    drop(spool);
    let _ = fs::remove_file(&central_path);
    out.into_inner().map_err(|e| werr(e.into_error()))
}

/// The directories (relative paths ending in `/`) that `path` lies in and
/// `prev`, the path written before it in byte order, does not: those not
/// yet written, shortest first.
fn new_dirs<'a>(prev: &str, path: &'a str) -> impl Iterator<Item = &'a str> {
    let common = prev
        .bytes()
        .zip(path.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    // In bytes: `common` may end inside a character, a `/` never does.
    let shared = path.as_bytes()[..common]
        .iter()
        .rposition(|&b| b == b'/')
        .map_or(0, |i| i + 1);
    path[shared..]
        .match_indices('/')
        .map(move |(i, _)| &path[..shared + i + 1])
}

/// Adds a payload manifest: as [`add_tag_file`] would, but a manifest
/// already deflated as [`ZipBuilder::add_stream`] would deflate it is
/// copied.
fn add_manifest<W: Write + std::io::Seek>(
    zip: &mut ZipBuilder<W>,
    entry: &str,
    rel: &str,
    done: &manifests::Done,
    in_memory: u64,
    staged: &Path,
) -> Result<()> {
    match &done.deflated {
        // What `add_stream` writes for an entry of this size: no ZIP64
        // fields, the sizes and CRC-32 in the local header.
        Some(d)
            if done.size > in_memory
                && done.size < ZIP64_STREAM_LIMIT
                && d.csize < u64::from(u32::MAX) =>
        {
            let mut f = fs::File::open(&d.path).map_err(|e| Error::io("read", &d.path, e))?;
            zip.add_raw(entry, Method::Deflated, d.crc32, done.size, d.csize, &mut f)
                .map_err(|e| Error::io("write", staged, e))
        }
        _ => add_tag_file(zip, entry, rel, &done.path, in_memory, staged),
    }
}

/// Adds a tag file from memory: packed in memory up to `in_memory` bytes,
/// streamed beyond (the rule of `write_zip`).
fn add_tag<W: Write + std::io::Seek>(
    zip: &mut ZipBuilder<W>,
    entry: &str,
    rel: &str,
    bytes: Vec<u8>,
    in_memory: u64,
) -> std::io::Result<()> {
    if bytes.len() as u64 <= in_memory {
        return zip.add_packed(entry, &pack(rel, bytes));
    }
    let method = method_for(rel, &bytes);
    zip.add_stream(entry, method, bytes.len() as u64, &mut &bytes[..], |_| {})
}

/// Adds a tag file from disk at `path`, as [`add_tag`] does, to the ZIP
/// being written at `staged`.
fn add_tag_file<W: Write + std::io::Seek>(
    zip: &mut ZipBuilder<W>,
    entry: &str,
    rel: &str,
    path: &Path,
    in_memory: u64,
    staged: &Path,
) -> Result<()> {
    let rerr = |e| Error::io("read", path, e);
    let mut file = fs::File::open(path).map_err(rerr)?;
    let size = file.metadata().map_err(rerr)?.len();
    let mut head = Vec::new();
    (&mut file)
        .take(if size <= in_memory {
            size
        } else {
            crate::serialize::SAMPLE as u64
        })
        .read_to_end(&mut head)
        .map_err(rerr)?;
    if size <= in_memory {
        return zip
            .add_packed(entry, &pack(rel, head))
            .map_err(|e| Error::io("write", staged, e));
    }
    let method = method_for(rel, &head);
    let mut reader = std::io::Cursor::new(head).chain(file);
    zip.add_stream(entry, method, size, &mut reader, |_| {})
        .map_err(|e| Error::io("zip", path, e))
}

/// Fills `buf` from `file` at `offset`.
#[cfg(unix)]
fn read_at(file: &mut fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

/// Fills `buf` from `file` at `offset`.
#[cfg(not(unix))]
fn read_at(file: &mut fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::io::{Seek, SeekFrom};
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(buf)
}

/// Where an input's bytes come from.
enum Source<'a> {
    /// A file, and the name provenance records for it.
    File(PathBuf, String),
    Bytes(&'a [u8]),
}

impl Source<'_> {
    /// Its size, as far as can be told before reading it.
    fn size(&self) -> u64 {
        match self {
            Source::File(p, _) => fs::metadata(p).map_or(0, |m| m.len()),
            Source::Bytes(b) => b.len() as u64,
        }
    }

    fn read(&self, name: &str, max: u64) -> Result<Vec<u8>> {
        let too_big = || Error::LimitExceeded {
            what: format!("size of input `{name}`"),
            limit: max,
        };
        match self {
            Source::Bytes(b) => {
                if b.len() as u64 > max {
                    return Err(too_big());
                }
                Ok(b.to_vec())
            }
            Source::File(p, _) => {
                let f = fs::File::open(p).map_err(|e| Error::io("read", p, e))?;
                // Sized from the metadata: one read for a small file.
                let size = f.metadata().map_or(0, |m| m.len());
                if size > max {
                    return Err(too_big());
                }
                let mut buf = Vec::with_capacity(usize::try_from(size).unwrap_or(0) + 1);
                f.take(max + 1)
                    .read_to_end(&mut buf)
                    .map_err(|e| Error::io("read", p, e))?;
                if buf.len() as u64 > max {
                    return Err(too_big());
                }
                Ok(buf)
            }
        }
    }
}

/// Provenance names inputs by their last component and their path inside
/// a directory input, so that the same inputs give the same bag wherever
/// they lie; messages name them as given.
fn base_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(|| ".".to_owned(), |n| n.to_string_lossy().into_owned())
}

/// Whether `src` is one of the `excluded` files (canonical paths).
fn is_excluded(src: &Source<'_>, excluded: &[PathBuf]) -> bool {
    match src {
        // Only a file of the same name can be an excluded one.
        Source::File(p, _) => {
            excluded.iter().any(|e| e.file_name() == p.file_name())
                && fs::canonicalize(p).is_ok_and(|c| excluded.contains(&c))
        }
        Source::Bytes(_) => false,
    }
}

/// The files of the inputs, in order (directories walked recursively in
/// sorted order), but the `excluded` ones. Only files: what else the walks
/// find was reported by [`expand`], which walked them first.
fn input_files<'a>(
    inputs: &'a [Input],
    excluded: &'a [PathBuf],
) -> impl Iterator<Item = (String, Source<'a>)> + 'a {
    inputs
        .iter()
        .flat_map(
            |input| -> Box<dyn Iterator<Item = (String, Source<'a>)> + 'a> {
                match input {
                    Input::Bytes { name, bytes } => {
                        Box::new(std::iter::once((name.clone(), Source::Bytes(bytes))))
                    }
                    Input::Path(path) => {
                        let base = base_name(path);
                        if fs::metadata(path).is_ok_and(|md| md.is_file()) {
                            let src = Source::File(path.clone(), base);
                            return Box::new(std::iter::once((path.display().to_string(), src)));
                        }
                        Box::new(walk(path).filter_map(move |w| match w {
                            Walked::Entry {
                                kind: Kind::File,
                                path: p,
                                rel,
                            } => Some((
                                p.display().to_string(),
                                Source::File(p, format!("{base}/{rel}")),
                            )),
                            _ => None,
                        }))
                    }
                }
            },
        )
        .filter(|(_, src)| !is_excluded(src, excluded))
}

/// Walks the input `path` (a file, or a directory read recursively) and
/// counts its files but the `excluded` ones; what cannot be ingested is
/// refused, or with `keep_going` listed in `summary`.
fn expand(
    path: &Path,
    excluded: &[PathBuf],
    summary: &mut IngestSummary,
    keep_going: bool,
) -> Result<u64> {
    let md = fs::metadata(path).map_err(|e| Error::io("read", path, e))?;
    let base = base_name(path);
    let mut count = 0u64;
    let mut found = |src: Source<'_>| {
        if !is_excluded(&src, excluded) {
            count += 1;
        }
    };
    if md.is_file() {
        found(Source::File(path.to_owned(), base));
        return Ok(count);
    }
    for walked in walk(path) {
        match walked {
            Walked::Entry {
                kind: Kind::File,
                path: p,
                ..
            } => found(Source::File(p, String::new())),
            Walked::Entry {
                kind: Kind::Dir, ..
            } => {}
            Walked::Entry { rel, kind, .. } => summary.warnings.push(format!(
                "skipped `{}`: not a regular file ({kind:?})",
                path.join(rel).display()
            )),
            Walked::NonUtf8 { rel } | Walked::Error { rel, .. } if keep_going => {
                summary.rejected.push(Rejected {
                    input: path.join(&rel).display().to_string(),
                    reason: "cannot be read, or its name is not UTF-8".into(),
                });
            }
            Walked::NonUtf8 { rel } => {
                return Err(Error::NotABag {
                    path: path.join(rel),
                    reason: "input file names must be UTF-8".into(),
                });
            }
            Walked::Error { rel, error } => {
                return Err(Error::io(
                    "read",
                    path.join(rel),
                    std::io::Error::other(error),
                ));
            }
        }
    }
    Ok(count)
}

fn sha256_hex(bytes: &[u8]) -> String {
    hash_bytes(bytes, &[Algorithm::Sha256])[0].1.to_hex()
}

/// Everything that can be computed from one input, without I/O.
fn prepare(name: &str, original: Vec<u8>, options: &IngestOptions) -> Result<PreparedInput> {
    let format = item::sniff(&original);
    let (detection, decoded) = encoding::detect_and_decode(&original, options.encoding);
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
                source: it.source.clone().or_else(|| Some(name.to_owned())),
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
    })
}

fn item_text(it: &NewsItem) -> String {
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

fn repair_name(k: encoding::RepairKind) -> String {
    serde_json::to_value(k)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[allow(clippy::too_many_arguments, reason = "one record from many sources")]
fn provenance(
    input: &str,
    input_sha: &str,
    item_sha: &str,
    format: ItemFormat,
    detection: &Detection,
    text: &encoding::TextDerivative,
    it: &NewsItem,
    options: &IngestOptions,
    feed: bool,
) -> serde_json::Value {
    serde_json::json!({
        "newsbag": env!("CARGO_PKG_VERSION"),
        "ingested": options.ingest_time,
        "input": {
            "name": input,
            "sha256": input_sha,
            "format": format.to_string(),
            "media_type": format.media_type(),
        },
        "original": {
            "sha256": item_sha,
            "kind": if feed && input_sha != item_sha { "feed item (bytes of the element within the feed)" } else { "whole input" },
        },
        "encoding": detection,
        "text": {
            "had_errors": text.had_errors,
            "persian": text.persian,
            "repairs": text.repairs,
        },
        "item": {
            "date_literal": it.date_literal,
            "date": it.date,
            "language": it.language,
            "language_guessed": it.language_guessed,
            "furniture": it.furniture,
        },
    })
}

fn extension(format: ItemFormat) -> &'static str {
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
fn fragments(
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
fn find_tag(bytes: &[u8], from: usize, tag: &[u8], closing: bool) -> Option<usize> {
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

/// A payload file's content, serialized on the thread pool.
enum Pending {
    Bytes(Vec<u8>),
    Dc(Box<Record>),
    Json(serde_json::Value),
}

impl Pending {
    fn into_bytes(self) -> Vec<u8> {
        match self {
            Pending::Bytes(b) => b,
            Pending::Dc(r) => r.write_xml().into_bytes(),
            Pending::Json(v) => serde_json::to_vec_pretty(&v).unwrap_or_default(),
        }
    }
}

/// Lays out the payload: `items/<id>/…` per item and `feeds/<id>/original.xml`
/// per feed; the same item twice is stored once.
#[derive(Default)]
struct Layout {
    used: Ids,
    /// SHA-256 of the identity of each item stored → where its id lies in
    /// `names` (32 + 16 bytes an item, not the identity's strings).
    seen: BTreeMap<[u8; 32], (u64, u8)>,
    /// The ids of the items stored, one after another (for messages).
    names: String,
    /// Checksum of each feed stored → its input's name.
    seen_feeds: BTreeMap<String, String>,
    collection: Collection,
    items: usize,
}

impl Layout {
    /// Adds the files of `input` (paths under `data/`) to `files`.
    fn add(
        &mut self,
        input: PreparedInput,
        files: &mut Vec<(String, Pending)>,
        summary: &mut IngestSummary,
    ) {
        let feed = matches!(input.format, ItemFormat::Rss | ItemFormat::Atom);
        let mut feed_dir = None;
        // Items that are the whole input (not a fragment of a feed) share
        // its bytes: the last one to need them takes them.
        let mut whole_left = input.items.iter().filter(|i| i.fragment.is_none()).count();
        let mut original = Some(input.original);
        if feed {
            if let Some(first) = self.seen_feeds.get(&input.sha256) {
                summary
                    .duplicates
                    .push(format!("`{}` is the same feed as `{first}`", input.name));
                return;
            }
            self.seen_feeds
                .insert(input.sha256.clone(), input.name.clone());
            let id = unique_id(
                &slug(&input.name).unwrap_or_else(|| input.sha256[..16].to_owned()),
                &mut self.used,
            );
            let bytes = if whole_left > 0 {
                original.clone()
            } else {
                original.take()
            };
            files.push((
                format!("feeds/{id}/original.xml"),
                Pending::Bytes(bytes.unwrap_or_default()),
            ));
            feed_dir = Some(id);
        }
        for it in input.items {
            if it.fragment.is_none() {
                whole_left -= 1;
            }
            let identity = identity_key(&it.identity);
            if let Some(&(at, len)) = self.seen.get(&identity) {
                let at = usize::try_from(at).unwrap_or(usize::MAX);
                let first = self
                    .names
                    .get(at..at.saturating_add(usize::from(len)))
                    .unwrap_or_default();
                summary.duplicates.push(format!(
                    "an item of `{}` is the same as item `{first}`",
                    input.name
                ));
                continue;
            }
            let base = it
                .id_hint
                .as_deref()
                .and_then(slug)
                .unwrap_or_else(|| it.sha256[..16].to_owned());
            let id = unique_id(&base, &mut self.used);
            let dir = format!("items/{id}");
            // Ids are at most 64 bytes long.
            let len = u8::try_from(id.len()).unwrap_or(u8::MAX);
            self.seen.insert(identity, (self.names.len() as u64, len));
            self.names.push_str(&id);
            let bytes = match it.fragment {
                Some(f) => f,
                None if whole_left == 0 => original.take().unwrap_or_default(),
                None => original.clone().unwrap_or_default(),
            };
            files.push((format!("{dir}/original.{}", it.ext), Pending::Bytes(bytes)));
            files.push((
                format!("{dir}/text.txt"),
                Pending::Bytes(it.text.into_bytes()),
            ));
            if let Some(c) = it.content {
                files.push((format!("{dir}/content.txt"), Pending::Bytes(c.into_bytes())));
            }
            let mut record = it.record;
            if let Some(f) = &feed_dir {
                record
                    .relation
                    .push(format!("../../feeds/{f}/original.xml"));
            }
            self.collection.add(&record);
            files.push((format!("{dir}/dc.xml"), Pending::Dc(Box::new(record))));
            let mut prov = it.provenance;
            if let Some(f) = &feed_dir {
                prov["feed"] = serde_json::json!(format!("feeds/{f}/original.xml"));
            }
            files.push((format!("{dir}/provenance.json"), Pending::Json(prov)));
            self.items += 1;
        }
    }
}

/// An id made of `[a-z0-9-]`, at most 64 characters, starting with a letter
/// or digit, from a hint (a GUID, URL or file name).
fn slug(hint: &str) -> Option<String> {
    let last = hint
        .trim_end_matches('/')
        .rsplit(['/', '\\', '=', ':'])
        .find(|s| !s.is_empty())
        .unwrap_or(hint);
    let last = last
        .rsplit_once('.')
        .map_or(last, |(a, b)| if b.len() <= 5 { a } else { last });
    let mut out = String::new();
    for c in last.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out: String = out.trim_matches('-').chars().take(64).collect();
    let out = out.trim_end_matches('-').to_owned();
    (!out.is_empty()).then_some(out)
}

/// Ids handed out, and for each base the next suffix to try, so that many
/// items with the same base (copies of one page) cost no more than one.
#[derive(Default)]
struct Ids {
    /// The first 128 bits of the SHA-256 of each id handed out: 16 bytes an
    /// item, not the id. Two ids of the same 128 bits (never seen; it would
    /// take about 2^64 ids) would only give the second a suffix.
    used: BTreeSet<[u8; 16]>,
    next: BTreeMap<String, usize>,
}

/// The key of an id in [`Ids::used`].
fn id_key(id: &str) -> [u8; 16] {
    let d = hash_bytes(id.as_bytes(), &[Algorithm::Sha256]);
    let mut key = [0u8; 16];
    key.copy_from_slice(&d[0].1.as_bytes()[..16]);
    key
}

/// The SHA-256 of an item's identity (its identifiers and the checksum of
/// its original), each string preceded by its length.
fn identity_key(identity: &[String]) -> [u8; 32] {
    let mut h = crate::checksum::MultiHasher::new(&[Algorithm::Sha256]);
    for part in identity {
        h.update(&(part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    let mut key = [0u8; 32];
    key.copy_from_slice(h.finish().1[0].1.as_bytes());
    key
}

/// `base`, or `base-2`, `base-3`… (cut to 64 characters) if taken.
fn unique_id(base: &str, ids: &mut Ids) -> String {
    let mut id = base.to_owned();
    let mut n = ids.next.get(base).copied().unwrap_or(2);
    if ids.used.contains(&id_key(&id)) {
        loop {
            let suffix = format!("-{n}");
            let keep = 64 - suffix.len();
            id = format!("{}{suffix}", &base[..base.len().min(keep)]);
            n += 1;
            if !ids.used.contains(&id_key(&id)) {
                break;
            }
        }
        ids.next.insert(base.to_owned(), n);
    }
    ids.used.insert(id_key(&id));
    id
}

fn check_name(name: &str) -> Result<String> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && !name.starts_with(['.', '-'])
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(name.to_owned())
    } else {
        Err(Error::InvalidInfo {
            label: name.to_owned(),
            reason: "a bag name is 1 to 128 of A-Z a-z 0-9 - _ . and starts with a letter or digit",
        })
    }
}

fn derive_name(first_input: &str, date: &str) -> String {
    let stem = Path::new(first_input)
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(slug)
        .unwrap_or_else(|| "news".to_owned());
    format!("{stem}-{date}")
}

fn bag_options(
    options: &IngestOptions,
    name: &str,
    summary: &IngestSummary,
    items: usize,
    inputs: usize,
    publisher: Option<String>,
) -> BagOptions {
    let given = |label: &str| {
        options
            .info
            .iter()
            .any(|(l, _)| l.eq_ignore_ascii_case(label))
    };
    let mut bo = BagOptions::new(options.bagging_date.clone())
        .software_agent(options.software_agent.clone());
    if !given("Source-Organization") {
        bo = bo.info(
            "Source-Organization",
            publisher.unwrap_or_else(|| "unknown".to_owned()),
        );
    }
    if !given("External-Identifier") {
        bo = bo.info("External-Identifier", name);
    }
    if !given("External-Description") {
        bo = bo.info(
            "External-Description",
            format!(
                "{items} news items from {inputs} inputs ({}), ingested by newsbag",
                summary
                    .encodings
                    .iter()
                    .map(|(e, n)| format!("{n} {e}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    if !given("BagIt-Profile-Identifier") {
        bo = bo.info("BagIt-Profile-Identifier", PROFILE_IDENTIFIER);
    }
    for (l, v) in &options.info {
        bo = bo.info(l.clone(), v.clone());
    }
    if !summary.rejected.is_empty() {
        bo = bo.tag_file(
            "metadata/rejected.json",
            serde_json::to_vec_pretty(&summary.rejected).unwrap_or_default(),
        );
    }
    bo
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        for (hint, want) in [
            (
                "https://example.org/news/2023/09/rasht-isfahan-meeting/",
                Some("rasht-isfahan-meeting"),
            ),
            (
                "urn:uuid:1225C695-CFB8-4EBB-AAAA-80DA344EFA6A",
                Some("1225c695-cfb8-4ebb-aaaa-80da344efa6a"),
            ),
            ("seed-fa-utf8.txt", Some("seed-fa-utf8")),
            ("?p=123", Some("123")),
            ("---", None),
            ("خبر", None),
        ] {
            assert_eq!(slug(hint).as_deref(), want, "{hint}");
        }
        assert!(slug(&"a".repeat(100)).is_some_and(|s| s.len() == 64));
    }

    #[test]
    fn batches_are_bounded_by_count_and_bytes() {
        let big = vec![0u8; usize::try_from(BATCH_BYTES / 2 + 1).unwrap()];
        let small = b"x".to_vec();
        let sources: Vec<(String, Source<'_>)> = (0..600)
            .map(|i| {
                let b: &[u8] = if (10..13).contains(&i) { &big } else { &small };
                (format!("{i}"), Source::Bytes(b))
            })
            .collect();
        let mut it = sources.into_iter().peekable();
        let mut got = Vec::new();
        let mut start = 0;
        while let Some(batch) = next_batch(&mut it) {
            assert_eq!(batch[0].0, start.to_string());
            got.push(start..start + batch.len());
            start += batch.len();
        }
        assert_eq!(got, [0..11, 11..12, 12..268, 268..524, 524..600]);
    }

    #[test]
    fn a_bag_past_the_entry_limit_is_refused_early_and_nothing_is_left() {
        let tmp = tempfile::tempdir().unwrap();
        let inbox = tmp.path().join("inbox");
        std::fs::create_dir(&inbox).unwrap();
        for i in 0..40 {
            std::fs::write(
                inbox.join(format!("{i:03}.txt")),
                format!("Title {i}\n\nBody of news item {i}.\n"),
            )
            .unwrap();
        }
        let archive = tmp.path().join("archive");
        let mut options = IngestOptions::new(&archive, "2020-01-01", "2020-01-01T00:00:00Z");
        options.name = Some("big".into());
        let inputs = [Input::Path(inbox.clone())];
        // 40 items of 4 payload files each and a directory: 200 entries.
        options.max_entries = 150;
        let err = ingest(&inputs, &options, &crate::progress::NoProgress).unwrap_err();
        assert!(
            matches!(err, Error::TooManyEntries { limit: 150, items } if items <= 40),
            "{err}"
        );
        assert!(!archive.join("bags/big.zip").exists());
        let leftovers: Vec<_> = std::fs::read_dir(&archive)
            .map(|d| d.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert!(
            leftovers.iter().all(|n| n == "bags"),
            "nothing but bags/ may remain: {leftovers:?}"
        );
        // Within the limit the same inputs make a bag.
        options.max_entries = 400;
        let summary = ingest(&inputs, &options, &crate::progress::NoProgress).unwrap();
        assert_eq!(summary.items, 40);
    }

    /// Inputs of every kind: text in nested directories, HTML, a feed of
    /// several items, a duplicate.
    fn mixed_inbox(inbox: &Path) {
        for d in ["a", "b/c", "b-2"] {
            std::fs::create_dir_all(inbox.join(d)).unwrap();
            for i in 0..7 {
                std::fs::write(
                    inbox.join(format!("{d}/{i:02}.txt")),
                    format!("خبر {d} {i}\n\nمتن خبر شماره {i}.\n"),
                )
                .unwrap();
            }
        }
        std::fs::write(inbox.join("a/dup.txt"), "خبر a 0\n\nمتن خبر شماره 0.\n").unwrap();
        std::fs::write(
            inbox.join("page.html"),
            "<html><head><title>Page</title></head><body><p>Body</p></body></html>",
        )
        .unwrap();
        let items: String = (0..5)
            .map(|i| {
                format!(
                    "<item><title>t{i}</title><guid>https://example.org/n/{i}</guid>\
                     <description>d{i}</description></item>"
                )
            })
            .collect();
        std::fs::write(
            inbox.join("feed.xml"),
            format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>F</title>{items}</channel></rss>"),
        )
        .unwrap();
    }

    /// The entries of a ZIP: name and uncompressed bytes, in order.
    fn entries(zip: &Path) -> Vec<(String, Vec<u8>)> {
        let mut a = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
        (0..a.len())
            .map(|i| {
                let mut f = a.by_index(i).unwrap();
                let mut v = Vec::new();
                f.read_to_end(&mut v).unwrap();
                (f.name().unwrap().into_owned(), v)
            })
            .collect()
    }

    #[test]
    fn the_index_on_disk_and_streamed_tag_files_make_the_same_bag() {
        let tmp = tempfile::tempdir().unwrap();
        let inbox = tmp.path().join("inbox");
        mixed_inbox(&inbox);
        let inputs = [Input::Path(inbox)];
        let make = |archive: &str, limits: Limits| {
            let archive = tmp.path().join(archive);
            let mut options = IngestOptions::new(&archive, "2020-01-01", "2020-01-01T00:00:00Z");
            options.name = Some("bag".into());
            let summary =
                ingest_with(&inputs, &options, &crate::progress::NoProgress, limits).unwrap();
            assert_eq!(summary.items, 27);
            assert_eq!(summary.duplicates.len(), 1);
            // Nothing is left in the archive but the bag.
            let left: Vec<_> = std::fs::read_dir(&archive)
                .unwrap()
                .flatten()
                .map(|e| e.file_name())
                .collect();
            assert_eq!(left, ["bags"]);
            summary.bag
        };
        let in_memory = make("memory", Limits::default());
        let bytes = std::fs::read(&in_memory).unwrap();
        // Runs of every length, down to one record.
        for run in [1, 2, 7, 50] {
            let spilled = make(
                &format!("run{run}"),
                Limits {
                    run,
                    ..Limits::default()
                },
            );
            assert!(std::fs::read(&spilled).unwrap() == bytes, "run of {run}");
        }
        // Tag files streamed rather than packed in memory: other compressed
        // bytes, the same entries.
        let streamed = make(
            "streamed",
            Limits {
                run: 3,
                in_memory: 0,
            },
        );
        assert_ne!(std::fs::read(&streamed).unwrap(), bytes);
        let want = entries(&in_memory);
        assert_eq!(entries(&streamed), want);
        // Every directory has its entry, just before what is in it.
        let names: Vec<&str> = want.iter().map(|(n, _)| n.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        for n in &names {
            if let Some((parent, _)) = n.trim_end_matches('/').rsplit_once('/') {
                assert!(names.contains(&format!("{parent}/").as_str()), "{n}");
            }
        }
    }

    #[test]
    fn new_directories() {
        for (prev, path, want) in [
            ("", "bagit.txt", &[][..]),
            (
                "bagit.txt",
                "data/items/a/dc.xml",
                &["data/", "data/items/", "data/items/a/"][..],
            ),
            ("data/items/a/dc.xml", "data/items/a/text.txt", &[]),
            ("data/items/a-2/x", "data/items/a/x", &["data/items/a/"]),
            ("data/items/a/x", "data/items/ab/x", &["data/items/ab/"]),
            ("data/x", "data/x/y", &["data/x/"]),
            ("data/feeds/f/original.xml", "manifest-sha256.txt", &[]),
            ("manifest-sha512.txt", "metadata/dc.xml", &["metadata/"]),
            ("data/é/x", "data/è/x", &["data/è/"]),
        ] {
            let got: Vec<&str> = new_dirs(prev, path).collect();
            assert_eq!(got, want, "{prev} → {path}");
        }
    }

    #[test]
    fn unique_ids() {
        let mut used = Ids::default();
        assert_eq!(unique_id("a", &mut used), "a");
        assert_eq!(unique_id("a", &mut used), "a-2");
        assert_eq!(unique_id("a", &mut used), "a-3");
        let long = "x".repeat(64);
        assert_eq!(unique_id(&long, &mut used), long);
        assert_eq!(unique_id(&long, &mut used).len(), 64);
    }

    #[test]
    fn feed_fragments() {
        let feed = b"<rss><channel><item><title>a</title></item>\n<item id=\"2\"><title>b</title></item><items/></channel></rss>";
        let det = encoding::detect(feed, None);
        let r = fragments(feed, &det, ItemFormat::Rss, 2).unwrap();
        assert_eq!(&feed[r[0].clone()], b"<item><title>a</title></item>");
        assert_eq!(
            &feed[r[1].clone()],
            b"<item id=\"2\"><title>b</title></item>"
        );
        assert!(fragments(feed, &det, ItemFormat::Rss, 3).is_none());
    }

    #[test]
    fn names() {
        assert_eq!(
            derive_name("archive/inbox", "2026-11-28"),
            "inbox-2026-11-28"
        );
        assert!(check_name("ok-name_1.0").is_ok());
        for bad in ["", "../x", ".hidden", "a/b", "a b"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
