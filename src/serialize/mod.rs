//! Zipped bags: [`write_zip`] serializes a finished bag directory as a
//! deterministic ZIP; the reading side (used by
//! [`verify::verify_zip`](crate::verify::verify_zip) and
//! [`extract::extract_zip`](crate::extract::extract_zip)) lists an archive
//! from its central directory and streams entries without extracting them.
//!
//! # Example: zip a bag, verify it in place, extract it safely
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use newsbag::bag::BagOptions;
//! use newsbag::extract::{ExtractOptions, extract_zip};
//! use newsbag::progress::NoProgress;
//! use newsbag::serialize::bag_to_zip;
//! use newsbag::{Level, verify};
//!
//! let src = tempfile::tempdir()?;
//! std::fs::write(src.path().join("article.txt"), "news")?;
//! let out = tempfile::tempdir()?;
//! let zip = out.path().join("news-2026.zip");
//!
//! let options = BagOptions::new("2026-11-28");
//! bag_to_zip(src.path(), &zip, &options, &NoProgress, &verify::check_written)?;
//! let report = verify::verify_zip(&zip, Level::Fixity, &NoProgress)?;
//! assert!(report.is_valid(), "{:?}", report.problems);
//!
//! let dest = out.path().join("unpacked");
//! let report = extract_zip(&zip, &dest, &ExtractOptions::default(), &NoProgress)?;
//! assert!(report.is_valid());
//! assert_eq!(std::fs::read(dest.join("data/article.txt"))?, b"news");
//! # Ok(())
//! # }
//! ```
//!
//! # Layout and determinism
//!
//! The archive holds exactly one top-level directory named after the bag
//! (the output file name without `.zip`), as the BagIt serialization
//! convention and BagIt Profiles' `application/zip` expect. Entries are
//! written in byte order of their paths, every directory has its own entry,
//! every timestamp is the bag's `Bagging-Date` at 00:00:00 (DOS time;
//! 1980-01-01 when absent or out of range), permissions are 0644 for files
//! and 0755 for directories, no extra fields are written but ZIP64 sizes,
//! and the deflate implementations and levels are fixed (libdeflate level
//! 1 for files of up to 8 MiB, compressed in memory on every core; zlib-rs
//! level 6 for larger ones, streamed): the same bag always gives the same
//! bytes, whether `write_zip` or ingest writes it. The writer is newsbag's
//! own (`write.rs`): it places entries compressed earlier in path order and
//! keeps only the central directory in memory.
//!
//! # Compression rule
//!
//! Deterministic, from the bytes alone: empty files are stored; tag files
//! and payload files with a text extension (see [`TEXT_EXTENSIONS`]) are
//! deflated; any other file is deflated if its first 64 KiB shrink by at
//! least 10 % at the fastest deflate level, and stored otherwise (images,
//! PDFs and archives do not compress further).
//!
//! # ZIP64
//!
//! Entries of 4 GiB or more are written with ZIP64 sizes; archives of more
//! than 65,535 entries or 4 GiB get a ZIP64 end of central directory.

mod read;
mod write;

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::bag::{BagOptions, bag_to};
use crate::error::{Error, Refusal, Result};
use crate::progress::{NoProgress, Reporter};
use crate::tagfile::{BAG_INFO, BagInfo, decode_tag_file};

#[cfg(feature = "s3")]
pub(crate) use read::seek_position;
pub use read::{
    ArchiveRead, EntryLocation, MAX_ZIP_ENTRIES, MAX_ZIP_TAG_FILE, SharedFile, read_located,
};
pub(crate) use read::{
    EntryInfo, OpenedZip, Records, Scanned, SpilledZip, ZipSource, list_zip, open_entry, open_zip,
    read_tag_entry, scan_zip, unsafe_entry_name_reason, zip_err,
};
pub(crate) use write::{
    DEFLATE_LEVEL, MANIFEST_DEFLATE_LEVEL, Method, PUMP_READ, Packed, SAMPLE, ZIP64_STREAM_LIMIT,
    ZipBuilder, dos_date, method_for, pack,
};

/// Payload file extensions that are always deflated.
pub const TEXT_EXTENSIONS: [&str; 16] = [
    "txt", "xml", "json", "html", "htm", "xhtml", "csv", "tsv", "md", "rss", "atom", "css", "js",
    "svg", "rdf", "jsonld",
];

/// Files up to this size are read whole and compressed on the thread pool;
/// larger ones are streamed (ingest follows the same rule for tag files).
pub(crate) const IN_MEMORY: u64 = 8 * 1024 * 1024;

/// What [`write_zip`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipSummary {
    /// The archive.
    pub path: PathBuf,
    /// The top-level directory inside it (the bag's name).
    pub bag_name: String,
    /// Number of entries (files and directories).
    pub entries: u64,
    /// Size of the archive in bytes.
    pub bytes: u64,
}

/// The DOS date of every entry: the bag's `Bagging-Date`.
fn entry_date(bag_dir: &Path) -> u16 {
    let path = bag_dir.join(BAG_INFO);
    let Ok(f) = File::open(&path) else {
        return write::dos_date(None);
    };
    let mut bytes = Vec::new();
    if f.take(1 << 20).read_to_end(&mut bytes).is_err() {
        return write::dos_date(None);
    }
    let (text, _) = decode_tag_file(&bytes, "UTF-8", BAG_INFO);
    let (info, _) = BagInfo::parse(&text, BAG_INFO, false);
    write::dos_date(info.get("Bagging-Date"))
}

/// An entry to write: a directory, or a file on disk with its size.
enum Entry {
    Dir,
    File(PathBuf, u64),
}

/// Lists the bag directory, sorted by path, refusing anything that is not a
/// regular file or directory and names that are unsafe in an archive.
fn list_bag(bag_dir: &Path) -> Result<BTreeMap<String, Entry>> {
    let mut out = BTreeMap::new();
    let mut refused = Vec::new();
    for entry in walkdir::WalkDir::new(bag_dir)
        .follow_links(false)
        .min_depth(1)
    {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(bag_dir).to_owned();
            Error::io("list", path, e.into())
        })?;
        let rel_path = entry
            .path()
            .strip_prefix(bag_dir)
            .unwrap_or(entry.path())
            .to_owned();
        let Some(rel) = rel_path
            .to_str()
            .map(|s| s.replace(std::path::MAIN_SEPARATOR, "/"))
        else {
            refused.push(Refusal {
                path: rel_path,
                reason: "file name is not valid UTF-8".into(),
            });
            continue;
        };
        if let Some(reason) = unsafe_entry_name_reason(&rel) {
            refused.push(Refusal {
                path: rel_path,
                reason: format!("cannot be named in a ZIP archive: {reason}"),
            });
            continue;
        }
        let ft = entry.file_type();
        if ft.is_dir() {
            out.insert(format!("{rel}/"), Entry::Dir);
        } else if ft.is_file() {
            let md = entry
                .metadata()
                .map_err(|e| Error::io("read", entry.path(), e.into()))?;
            out.insert(rel, Entry::File(entry.path().to_owned(), md.len()));
        } else {
            refused.push(Refusal {
                path: rel_path,
                reason: "not a regular file or directory (symbolic link or special file)".into(),
            });
        }
    }
    if !refused.is_empty() {
        return Err(Error::Unbaggable {
            root: bag_dir.to_owned(),
            refused,
        });
    }
    Ok(out)
}

/// The bag name for an output path: its file name without `.zip`.
fn bag_name_for(out: &Path) -> Result<String> {
    let name = out
        .file_name()
        .and_then(|n| n.to_str())
        .map(|n| {
            n.strip_suffix(".zip")
                .or_else(|| n.strip_suffix(".ZIP"))
                .unwrap_or(n)
        })
        .unwrap_or_default();
    if name.is_empty() || name.contains('/') || unsafe_entry_name_reason(name).is_some() {
        return Err(Error::InvalidDestination {
            path: out.to_owned(),
            reason: "its file name cannot name the bag's top-level directory",
        });
    }
    Ok(name.to_owned())
}

fn parent_of(p: &Path) -> PathBuf {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// Writes the finished bag at `bag_dir` as a deterministic ZIP at `out`
/// (which must not exist), under one top-level directory named after `out`
/// (`out` without `.zip`).
///
/// The archive is written to a temporary file beside `out`, synced, given
/// to `check` (with its temporary path and `bag_dir`), and only then
/// renamed to `out`: a crash or a refusal by `check` leaves no archive
/// under the final name, and `check`'s error is returned. newsbag's
/// callers pass [`verify::check_written`](crate::verify::check_written),
/// which verifies the archive at full fixity with newsbag's own ZIP reader
/// and refuses an invalid bag with [`Error::Invalid`]; the check is a
/// parameter because verification is a layer above this one.
pub fn write_zip(
    bag_dir: &Path,
    out: &Path,
    reporter: &dyn Reporter,
    check: &dyn Fn(&Path, &Path) -> Result<()>,
) -> Result<ZipSummary> {
    if fs::symlink_metadata(out).is_ok() {
        return Err(Error::DestinationExists {
            path: out.to_owned(),
        });
    }
    let md = fs::metadata(bag_dir).map_err(|e| Error::io("read", bag_dir, e))?;
    if !md.is_dir() {
        return Err(Error::NotADirectory {
            path: bag_dir.to_owned(),
        });
    }
    let bag_name = bag_name_for(out)?;
    let parent = parent_of(out);
    // An archive written inside the bag would make the bag invalid.
    if let (Ok(b), Ok(p)) = (fs::canonicalize(bag_dir), fs::canonicalize(&parent))
        && p.starts_with(&b)
    {
        return Err(Error::InvalidDestination {
            path: out.to_owned(),
            reason: "it is inside the bag being zipped",
        });
    }
    let entries = list_bag(bag_dir)?;
    let date = entry_date(bag_dir);
    let mut builder = tempfile::Builder::new();
    builder.prefix(".newsbag-tmp-").suffix(".zip");
    // An ordinary file once renamed: 0666 less the umask, not tempfile's
    // private 0600.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder
        .tempfile_in(&parent)
        .map_err(|e| Error::io("create a temporary file in", &parent, e))?;
    let tmp_path = tmp.path().to_owned();
    let werr = |e: io::Error| Error::io("write", &tmp_path, e);

    let total: u64 = entries
        .values()
        .map(|e| match e {
            Entry::File(_, n) => *n,
            Entry::Dir => 0,
        })
        .sum();
    let files = entries
        .values()
        .filter(|e| matches!(e, Entry::File(..)))
        .count() as u64;
    reporter.start(files, total);
    {
        let mut zip = ZipBuilder::new(
            BufWriter::with_capacity(256 * 1024, tmp.as_file_mut()),
            date,
        );
        zip.add_dir(&format!("{bag_name}/")).map_err(werr)?;
        // Small files are read and compressed a batch at a time on every
        // core, then written in order; large ones are streamed.
        let list: Vec<(&String, &Entry)> = entries.iter().collect();
        for batch in list.chunks(256) {
            let packed: Vec<Result<Option<Packed>>> = batch
                .par_iter()
                .map(|(rel, entry)| match entry {
                    Entry::File(path, size) if *size <= IN_MEMORY => {
                        let mut bytes = Vec::with_capacity(usize::try_from(*size).unwrap_or(0));
                        File::open(path)
                            .and_then(|f| f.take(IN_MEMORY + 1).read_to_end(&mut bytes))
                            .map_err(|e| Error::io("read", path, e))?;
                        if bytes.len() as u64 != *size {
                            return Err(Error::io(
                                "read",
                                path,
                                io::Error::other("the file changed size while being zipped"),
                            ));
                        }
                        Ok(Some(pack(rel, bytes)))
                    }
                    _ => Ok(None),
                })
                .collect();
            for ((rel, entry), p) in batch.iter().zip(packed) {
                let name = format!("{bag_name}/{rel}");
                match (entry, p?) {
                    (Entry::Dir, _) => zip.add_dir(&name).map_err(werr)?,
                    (Entry::File(..), Some(p)) => {
                        zip.add_packed(&name, &p).map_err(werr)?;
                        reporter.advance(p.size);
                        reporter.file_done();
                    }
                    (Entry::File(path, size), None) => {
                        let mut f = File::open(path).map_err(|e| Error::io("open", path, e))?;
                        let mut sample = Vec::with_capacity(write::SAMPLE);
                        (&mut f)
                            .take(write::SAMPLE as u64)
                            .read_to_end(&mut sample)
                            .map_err(|e| Error::io("read", path, e))?;
                        let method = write::method_for(rel, &sample);
                        let mut reader = io::Cursor::new(sample).chain(f);
                        zip.add_stream(&name, method, *size, &mut reader, |n| reporter.advance(n))
                            .map_err(|e| Error::io("zip", path, e))?;
                        reporter.file_done();
                    }
                }
            }
        }
        let mut w = zip.finish().map_err(werr)?;
        w.flush().map_err(werr)?;
    }
    reporter.finish();
    tmp.as_file()
        .sync_all()
        .map_err(|e| Error::io("sync", &tmp_path, e))?;

    check(&tmp_path, bag_dir)?;
    let bytes = tmp
        .as_file()
        .metadata()
        .map_err(|e| Error::io("read", &tmp_path, e))?
        .len();
    tmp.persist_noclobber(out)
        .map_err(|e| Error::io("rename the finished archive to", out, e.error))?;
    if let Ok(d) = File::open(&parent) {
        let _ = d.sync_all(); // make the rename durable where supported
    }
    Ok(ZipSummary {
        path: out.to_owned(),
        bag_name,
        entries: entries.len() as u64 + 1,
        bytes,
    })
}

/// Makes a bag of the files under `src` (left untouched) and writes it as a
/// ZIP at `out`: the bag is assembled in a temporary directory beside `out`
/// with [`bag_to`], zipped with [`write_zip`] (given `check`), then
/// removed.
pub fn bag_to_zip(
    src: &Path,
    out: &Path,
    options: &BagOptions,
    reporter: &dyn Reporter,
    check: &dyn Fn(&Path, &Path) -> Result<()>,
) -> Result<ZipSummary> {
    if fs::symlink_metadata(out).is_ok() {
        return Err(Error::DestinationExists {
            path: out.to_owned(),
        });
    }
    let name = bag_name_for(out)?;
    let parent = parent_of(out);
    let tmp = tempfile::Builder::new()
        .prefix(".newsbag-tmp-")
        .tempdir_in(&parent)
        .map_err(|e| Error::io("create a temporary directory in", &parent, e))?;
    let bag_dir = tmp.path().join(&name);
    bag_to(src, &bag_dir, options, reporter)?;
    let summary = write_zip(&bag_dir, out, &NoProgress, check)?;
    tmp.close()
        .map_err(|e| Error::io("remove the temporary bag in", &parent, e))?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bag_names() {
        assert_eq!(bag_name_for(Path::new("/x/my-bag.zip")).unwrap(), "my-bag");
        assert_eq!(bag_name_for(Path::new("b")).unwrap(), "b");
        assert!(bag_name_for(Path::new("/x/.zip")).is_err());
        assert!(bag_name_for(Path::new("/x/a\\b.zip")).is_err());
    }
}
