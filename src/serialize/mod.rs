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
//! bag_to_zip(src.path(), &zip, &BagOptions::new("2026-11-28"), &NoProgress)?;
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
//! and 0755 for directories, no extra fields are written, and the deflate
//! level is fixed: the same bag always gives the same bytes.
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

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::bag::{BagOptions, bag_to};
use crate::error::{Error, Refusal, Result};
use crate::progress::{NoProgress, Reporter};
use crate::report::Level;
use crate::tagfile::{BAG_INFO, BagInfo, decode_tag_file};

pub use read::{ArchiveRead, MAX_ZIP_ENTRIES, MAX_ZIP_TAG_FILE, SharedFile};
pub(crate) use read::{
    EntryInfo, OpenedZip, ZipSource, open_entry, open_zip, read_tag_entry, unsafe_entry_name_reason,
};

/// Payload file extensions that are always deflated.
pub const TEXT_EXTENSIONS: [&str; 16] = [
    "txt", "xml", "json", "html", "htm", "xhtml", "csv", "tsv", "md", "rss", "atom", "css", "js",
    "svg", "rdf", "jsonld",
];

/// Bytes sampled to decide whether a file compresses.
const SAMPLE: usize = 64 * 1024;

/// The deflate level of every deflated entry (fixed for determinism).
const DEFLATE_LEVEL: i64 = 6;

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

/// Whether a file should be deflated: see the module documentation.
fn should_deflate(rel: &str, sample: &[u8]) -> bool {
    if sample.is_empty() {
        return false;
    }
    if !rel.contains('/') {
        return true; // a tag file at the top of the bag
    }
    let name = rel.rsplit('/').next().unwrap_or(rel);
    if let Some((_, ext)) = name.rsplit_once('.')
        && TEXT_EXTENSIONS.iter().any(|t| t.eq_ignore_ascii_case(ext))
    {
        return true;
    }
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    let compressed = enc
        .write_all(sample)
        .and_then(|()| enc.finish())
        .map_or(usize::MAX, |v| v.len());
    compressed.saturating_mul(10) <= sample.len().saturating_mul(9)
}

/// The DOS timestamp of every entry: `Bagging-Date` at midnight.
fn entry_time(bag_dir: &Path) -> DateTime {
    let path = bag_dir.join(BAG_INFO);
    let Ok(f) = File::open(&path) else {
        return DateTime::default();
    };
    let mut bytes = Vec::new();
    if f.take(1 << 20).read_to_end(&mut bytes).is_err() {
        return DateTime::default();
    }
    let (text, _) = decode_tag_file(&bytes, "UTF-8", BAG_INFO);
    let (info, _) = BagInfo::parse(&text, BAG_INFO, false);
    info.get("Bagging-Date")
        .and_then(parse_date)
        .unwrap_or_default()
}

fn parse_date(s: &str) -> Option<DateTime> {
    let mut it = s.trim().splitn(3, '-');
    let y: u16 = it.next()?.parse().ok()?;
    let m: u8 = it.next()?.parse().ok()?;
    let d: u8 = it.next()?.get(..2)?.parse().ok()?;
    DateTime::from_date_and_time(y, m, d, 0, 0, 0).ok()
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
/// The archive is written to a temporary file beside `out`, synced,
/// verified at full fixity by newsbag's own ZIP reader, and only then
/// renamed to `out`: a crash or an invalid bag leaves no archive under the
/// final name. An invalid bag is refused with [`Error::Invalid`].
pub fn write_zip(bag_dir: &Path, out: &Path, reporter: &dyn Reporter) -> Result<ZipSummary> {
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
    let time = entry_time(bag_dir);
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
    let zerr = |e: zip::result::ZipError| Error::Zip {
        path: tmp_path.clone(),
        source: e,
    };

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
        let mut zip = ZipWriter::new(BufWriter::with_capacity(256 * 1024, tmp.as_file_mut()));
        let base = SimpleFileOptions::default()
            .system(zip::System::Unix)
            .last_modified_time(time);
        let dir_options = base
            .compression_method(CompressionMethod::Stored)
            .unix_permissions(0o755);
        zip.add_directory(format!("{bag_name}/"), dir_options)
            .map_err(zerr)?;
        let mut buf = vec![0u8; SAMPLE];
        for (rel, entry) in &entries {
            let name = format!("{bag_name}/{rel}");
            match entry {
                Entry::Dir => zip.add_directory(name, dir_options).map_err(zerr)?,
                Entry::File(path, size) => {
                    let mut f = File::open(path).map_err(|e| Error::io("open", path, e))?;
                    let n = read_up_to(&mut f, &mut buf).map_err(|e| Error::io("read", path, e))?;
                    let method = if should_deflate(rel, &buf[..n]) {
                        CompressionMethod::Deflated
                    } else {
                        CompressionMethod::Stored
                    };
                    let level = (method == CompressionMethod::Deflated).then_some(DEFLATE_LEVEL);
                    let options = base
                        .compression_method(method)
                        .compression_level(level)
                        .unix_permissions(0o644)
                        .large_file(*size >= zip::ZIP64_BYTES_THR);
                    zip.start_file(name, options).map_err(zerr)?;
                    zip.write_all(&buf[..n])
                        .map_err(|e| Error::io("write", &tmp_path, e))?;
                    reporter.advance(n as u64);
                    loop {
                        let k =
                            read_up_to(&mut f, &mut buf).map_err(|e| Error::io("read", path, e))?;
                        if k == 0 {
                            break;
                        }
                        zip.write_all(&buf[..k])
                            .map_err(|e| Error::io("write", &tmp_path, e))?;
                        reporter.advance(k as u64);
                    }
                    reporter.file_done();
                }
            }
        }
        let mut w = zip.finish().map_err(zerr)?;
        w.flush().map_err(|e| Error::io("write", &tmp_path, e))?;
    }
    reporter.finish();
    tmp.as_file()
        .sync_all()
        .map_err(|e| Error::io("sync", &tmp_path, e))?;

    let report = crate::verify::verify_zip(&tmp_path, Level::Fixity, &NoProgress)?;
    if !report.is_valid() {
        return Err(Error::Invalid {
            path: bag_dir.to_owned(),
            problems: report.errors().take(20).map(ToString::to_string).collect(),
        });
    }
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
/// with [`bag_to`], zipped with [`write_zip`], then removed. This is what
/// ingest uses.
pub fn bag_to_zip(
    src: &Path,
    out: &Path,
    options: &BagOptions,
    reporter: &dyn Reporter,
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
    let summary = write_zip(&bag_dir, out, &NoProgress)?;
    tmp.close()
        .map_err(|e| Error::io("remove the temporary bag in", &parent, e))?;
    Ok(summary)
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compression_rule() {
        assert!(!should_deflate("data/empty.bin", b""));
        assert!(should_deflate("manifest-sha256.txt", b"x"));
        assert!(should_deflate("data/a.TXT", b"x"));
        assert!(should_deflate("data/a.bin", &[0u8; 4096]));
        // Pseudo-random bytes do not compress.
        let mut x = 0x1234_5678_u32;
        let noise: Vec<u8> = (0..8192)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x.to_le_bytes()[0]
            })
            .collect();
        assert!(!should_deflate("data/a.jpg", &noise));
    }

    #[test]
    fn dates() {
        assert_eq!(
            parse_date("2026-11-28"),
            DateTime::from_date_and_time(2026, 11, 28, 0, 0, 0).ok()
        );
        assert_eq!(parse_date("1970-01-01"), None); // before DOS time
        assert_eq!(parse_date("yesterday"), None);
    }

    #[test]
    fn bag_names() {
        assert_eq!(bag_name_for(Path::new("/x/my-bag.zip")).unwrap(), "my-bag");
        assert_eq!(bag_name_for(Path::new("b")).unwrap(), "b");
        assert!(bag_name_for(Path::new("/x/.zip")).is_err());
        assert!(bag_name_for(Path::new("/x/a\\b.zip")).is_err());
    }
}
