//! Writing the bag: its bag-info, the collection's record, and the ZIP
//! assembled in path order from the payload spool and the tag files.

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::path::Path;

use super::index::Sorted;
use super::manifests::{self, Manifests};
use super::{COLLECTION_RECORD, IngestOptions, IngestSummary, PROFILE_IDENTIFIER};
use crate::bag::{BagOptions, HashingWriter};
use crate::checksum::{Algorithm, Digest};
use crate::dc::Collection;
use crate::error::{Error, Result};
use crate::serialize::{Method, ZIP64_STREAM_LIMIT, ZipBuilder, dos_date, method_for, pack};

/// Writes the collection's record to a new file at `path` (see
/// [`Collection::write_xml_to`]); returns its checksums.
pub(super) fn write_collection(
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
pub(super) struct BagZip<'a> {
    /// Ingest's temporary directory.
    pub(super) work: &'a Path,
    /// The ZIP to write (in `work`).
    pub(super) staged: &'a Path,
    /// The bag's name: the ZIP's top-level directory.
    pub(super) name: &'a str,
    pub(super) bagging_date: &'a str,
    pub(super) bag_options: &'a BagOptions,
    /// bagit.txt, bag-info.txt and the extra tag files.
    pub(super) fixed: &'a [(String, Vec<u8>)],
    /// The collection's record ([`COLLECTION_RECORD`]), written to a file,
    /// and its checksums.
    pub(super) collection: (&'a Path, &'a [(Algorithm, Digest)]),
    /// The size each payload manifest will have.
    pub(super) manifest_sizes: &'a [(Algorithm, u64)],
    pub(super) spool_path: &'a Path,
    /// Tag files larger than this are streamed (see [`Limits`]).
    pub(super) in_memory: u64,
}

/// A tag file of the bag.
pub(super) enum TagFile<'a> {
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
pub(super) fn write_bag_zip(z: &BagZip<'_>, payload: Sorted) -> Result<fs::File> {
    std::thread::scope(|scope| write_bag_zip_in(scope, z, payload))
}

/// [`write_bag_zip`], the manifests written on threads of `scope`.
pub(super) fn write_bag_zip_in<'scope>(
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
            if f.csize <= z.in_memory {
                // One positioned read per entry into a reused buffer.
                buf.resize(usize::try_from(f.csize).unwrap_or(usize::MAX), 0);
                read_at(&mut spool, &mut buf, f.offset)
                    .map_err(|e| Error::io("read", z.spool_path, e))?;
                zip.add_raw(&entry, f.method, f.crc32, f.size, f.csize, &mut &buf[..])
                    .map_err(werr)?;
            } else {
                // A large entry (a WARC kept whole) is copied, not held:
                // memory stays flat in the size of the WARC.
                use std::io::{Read, Seek, SeekFrom};
                spool
                    .seek(SeekFrom::Start(f.offset))
                    .map_err(|e| Error::io("read", z.spool_path, e))?;
                let mut part = std::io::BufReader::with_capacity(1 << 20, (&spool).take(f.csize));
                zip.add_raw(&entry, f.method, f.crc32, f.size, f.csize, &mut part)
                    .map_err(werr)?;
            }
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
pub(super) fn new_dirs<'a>(prev: &str, path: &'a str) -> impl Iterator<Item = &'a str> {
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
pub(super) fn add_manifest<W: Write + std::io::Seek>(
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
pub(super) fn add_tag<W: Write + std::io::Seek>(
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
pub(super) fn add_tag_file<W: Write + std::io::Seek>(
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
pub(super) fn read_at(file: &mut fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

/// Fills `buf` from `file` at `offset`.
#[cfg(not(unix))]
pub(super) fn read_at(file: &mut fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::io::{Seek, SeekFrom};
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(buf)
}

pub(super) fn bag_options(
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
