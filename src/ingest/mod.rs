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
//!
//! One file per job: `inputs` walks and reads the inputs, `meta` reads
//! `--meta` sidecars, `prepare` makes each input's items, texts and
//! records (`provenance` their provenance records), `layout` places them
//! under `data/` (`names` gives them ids), `index` and `manifests` keep
//! the spooled payload's index and manifests, and `bag_zip` writes the
//! bag's ZIP. This file runs the steps in order.

mod bag_zip;
mod crawl;
mod index;
mod inputs;
mod layout;
mod manifests;
mod meta;
mod names;
mod prepare;
mod provenance;
mod spool;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::checksum::{Algorithm, Digest, hash_bytes};
use crate::encoding::Encoding;
use crate::error::{Error, Result};
use crate::progress::Reporter;
use crate::serialize::{IN_MEMORY, Packed, pack};
use bag_zip::{BagZip, bag_options, write_bag_zip, write_collection};
use inputs::{Opened, Source, expand, input_files};
use layout::{Layout, Pending};
use names::{check_name, derive_name};
use prepare::{PreparedInput, prepare};

use index::Index;
pub use meta::parse_meta;
pub use names::{is_bag_name, is_item_id};

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
    /// ([`IN_MEMORY`]), so that both write the same bytes for a bag. A WARC
    /// kept whole is packed by the same rule, and spooled entries larger
    /// than this are copied into the ZIP in pieces, not read whole.
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

/// The name of the bag an ingest of `inputs` with `options` makes: the
/// `--name` given (checked), else the first input's file name and the
/// bagging date (`inbox-2026-12-06`).
pub fn bag_name(inputs: &[Input], options: &IngestOptions) -> Result<String> {
    match &options.name {
        Some(n) => check_name(n),
        None => {
            let first = match inputs.first() {
                Some(Input::Path(p)) => p.display().to_string(),
                Some(Input::Bytes { .. }) | None => "stdin".to_owned(),
            };
            Ok(derive_name(&first, &options.bagging_date))
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
    ingest_with(inputs, options, reporter, Limits::default(), |_| ()).map(|(s, ())| s)
}

/// The finished ZIP before it is renamed into place, as [`ingest_beside`]
/// shows it.
#[derive(Debug)]
pub struct Staged<'a> {
    /// Where the ZIP is while it is verified: a temporary directory of the
    /// archive, removed if anything fails.
    pub zip: &'a Path,
    /// Where it will be once verified (`ARCHIVE/bags/NAME.zip`).
    pub dest: &'a Path,
    /// The summary of the ingest (its `bag` is not set yet).
    pub summary: &'a IngestSummary,
}

/// [`ingest`], with `beside` called on this thread with the finished ZIP
/// while other threads verify it at full fixity and make it durable: work
/// that reads the bag (registering it in a catalog, in a transaction
/// committed once the bag is in place) overlaps the verification. Its
/// result is returned with the summary if the bag was verified and renamed
/// into place, and dropped otherwise.
pub fn ingest_beside<T>(
    inputs: &[Input],
    options: &IngestOptions,
    reporter: &dyn Reporter,
    beside: impl FnOnce(Staged<'_>) -> T,
) -> Result<(IngestSummary, T)> {
    ingest_with(inputs, options, reporter, Limits::default(), beside)
}

fn ingest_with<T>(
    inputs: &[Input],
    options: &IngestOptions,
    reporter: &dyn Reporter,
    limits: Limits,
    beside: impl FnOnce(Staged<'_>) -> T,
) -> Result<(IngestSummary, T)> {
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
    let name = bag_name(inputs, options)?;
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
    let mut spool = spool::Spool {
        out: std::io::BufWriter::with_capacity(1 << 20, spool_file),
        len: 0,
        path: spool_path.clone(),
        index: Index::new(work.path(), limits.run),
    };
    let mut layout = Layout::default();
    let mut copies = 0usize;

    // 2. Read, prepare, lay out, hash and pack, a batch at a time. The
    // files of one batch are hashed and packed while the next batch is
    // prepared, so that both cores stay busy between the (short) steps
    // that must run in order: laying out and spooling.
    reporter.start(count, 0);
    // A WARC file is not read here but streamed afterwards, in order
    // (`None`).
    let prepare_batch = |batch: &[(String, Source<'_>)]| -> Vec<Result<Option<PreparedInput>>> {
        batch
            .par_iter()
            .map(|(name, src)| {
                let stable = src.stable(name);
                let r = src
                    .open(name, options.max_input_bytes)
                    .and_then(|opened| match opened {
                        Opened::Bytes(bytes) => prepare(stable, bytes, options).map(Some),
                        Opened::Warc => Ok(None),
                    });
                reporter.file_done();
                r
            })
            .collect()
    };
    let mut files: Vec<(String, Pending)> = Vec::new();
    let mut sources = input_files(inputs, &excluded).peekable();
    let mut next = next_batch(&mut sources);
    loop {
        // The packed files are spooled while the rest of the next batch
        // is still being prepared.
        let (spooled, prepared) = rayon::join(
            || {
                pack_files(std::mem::take(&mut files))
                    .into_iter()
                    .try_for_each(|(path, digests, p)| spool.put(path, digests, &p))
            },
            || next.as_deref().map(prepare_batch),
        );
        spooled?;
        let (Some(batch), Some(prepared)) = (next.take(), prepared) else {
            break;
        };
        for ((name, src), p) in batch.iter().zip(prepared) {
            match p {
                Ok(None) => {
                    let source = match src {
                        Source::File(path, _) => crawl::CrawlSource::File(path),
                        Source::Bytes(b) => crawl::CrawlSource::Bytes(b),
                    };
                    let mut out = crawl::Out {
                        layout: &mut layout,
                        spool: &mut spool,
                        summary: &mut summary,
                        work: work.path(),
                        in_memory: limits.in_memory,
                        copies: &mut copies,
                    };
                    crawl::ingest_crawl(name, src.stable(name), source, options, &mut out)?;
                }
                Ok(Some(p)) => {
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
        let entries =
            spool.index.oxum().streams + (files.len() + layout.items) as u64 + ENTRIES_BESIDES;
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
    let index = spool.index;
    let spool_file = spool
        .out
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
    // The ZIP is made durable while it is verified (from the page cache),
    // and `beside` reads it meanwhile: verification and sync must succeed
    // before it is renamed into place.
    let beside = std::thread::scope(|scope| {
        let synced = scope.spawn(|| written.sync_all());
        let checked = scope.spawn(|| crate::verify::check_written(&staged, &staged));
        let beside = beside(Staged {
            zip: &staged,
            dest: &dest,
            summary: &summary,
        });
        let checked = checked.join().unwrap_or_else(|_| {
            Err(Error::io(
                "verify",
                &staged,
                std::io::Error::other("the verifying thread failed"),
            ))
        });
        let synced = synced
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("the sync thread failed")));
        checked?;
        synced.map_err(|e| Error::io("sync", &staged, e))?;
        Ok::<_, Error>(beside)
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
    Ok((summary, beside))
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
