//! Verification of bags on disk: every rule of RFC 8493 §2–3 and §5, each
//! BagIt version's own rules, every problem returned as data.
//!
//! [`verify_dir`] returns `Ok(Report)` for any bag, valid or not; `Err` only
//! when the path itself cannot be examined. Files are only ever opened if the
//! directory walk found them to be regular files inside the bag, so a
//! manifest cannot make newsbag read outside the bag, and a FIFO cannot make
//! it hang.
//!
//! One file per job: `dir` walks a bag directory and `zipped` lists a
//! zipped one (both give the files found and read access to them);
//! `rules` applies RFC 8493's rules to what was found, `manifests` reads
//! the manifests, `fixity` compares checksums, `parts` is what verifying
//! a large bag a part at a time needs, and `index` holds the files found
//! and resolves manifest paths to them.

mod dir;
mod fixity;
mod index;
mod manifests;
mod parts;
mod rules;
#[cfg(test)]
mod tests;
mod zipped;

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::progress::Reporter;
use crate::report::{Level, Problem, ProblemKind, Report};
use crate::tagfile::BAG_DECLARATION;

pub use crate::source::MAX_TAG_FILE;
pub(crate) use crate::source::{BagSource, FoundFile, HashJob};
pub use dir::{verify_dir, verify_dir_with_threshold};
pub(crate) use index::fold_hash;
pub(crate) use rules::verify_inventory;
pub use zipped::{
    MAX_ZIP_PROBLEMS, check_written, is_zip_path, verify_zip, verify_zip_reader,
    verify_zip_reader_with_threshold, verify_zip_with_threshold,
};

/// Whether `path` looks like a bag directory (it holds a `bagit.txt`).
pub fn is_bag_dir(path: &Path) -> bool {
    path.join(BAG_DECLARATION).is_file()
}

/// Whether `path` is a bag, valid or not: it holds a `bagit.txt`, or,
/// without one, a payload or tag manifest or a `bag-info.txt`. A bag that
/// lost its declaration is still one bag to report (as its ZIP is), not an
/// archive root to search for bags inside its payload.
fn looks_like_bag(path: &Path) -> bool {
    if is_bag_dir(path) {
        return true;
    }
    let Ok(entries) = fs::read_dir(path) else {
        return false;
    };
    entries.flatten().any(|e| {
        let name = e.file_name();
        let Some(name) = name.to_str() else {
            return false;
        };
        let marker = name == "bag-info.txt" || crate::manifest::is_manifest_name(name);
        marker && e.file_type().is_ok_and(|t| t.is_file())
    })
}

/// Verifies a bag found by [`find_bags`]: a zipped bag with [`verify_zip`],
/// a directory with [`verify_dir`]. A symbolic link (which `find_bags`
/// lists when an archive root holds one) is not followed: its report holds
/// one error naming it.
pub fn verify_bag(path: &Path, level: Level, reporter: &dyn Reporter) -> Result<Report> {
    if fs::symlink_metadata(path).is_ok_and(|md| md.file_type().is_symlink()) {
        let mut report = Report::new(path.to_owned(), level);
        let name = path.display().to_string();
        report.problems.push(Problem::error(
            Some(&name),
            ProblemKind::SpecialFile {
                path: name.clone(),
                file_type: "symbolic link".into(),
            },
        ));
        report.finish();
        return Ok(report);
    }
    if is_zip_path(path) {
        verify_zip(path, level, reporter)
    } else {
        verify_dir(path, level, reporter)
    }
}

/// The bags at `path`: `path` itself if it is a `.zip` file or a bag
/// directory (it holds a `bagit.txt`, or without one a manifest or a
/// `bag-info.txt`); otherwise every bag directory and every `.zip` file below
/// it (an archive root), without looking inside bags, in sorted order.
/// Temporary files of unfinished writes (`.newsbag-tmp-*`) are skipped. A
/// directory with no bag at all is returned as is, so that verifying it
/// reports what is missing.
///
/// Symbolic links met below `path` are never followed, and listed with the
/// bags so that [`verify_bag`] reports each (an archive must hold its
/// bags, not links to them). `path` itself, when a link, is followed: what
/// is returned is then under its target.
pub fn find_bags(path: &Path) -> Result<Vec<PathBuf>> {
    let md = fs::metadata(path).map_err(|e| Error::io("read", path, e))?;
    let resolved;
    let path = if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        resolved = fs::canonicalize(path).map_err(|e| Error::io("resolve", path, e))?;
        resolved.as_path()
    } else {
        path
    };
    if md.is_file() && is_zip_path(path) {
        return Ok(vec![path.to_owned()]);
    }
    if !md.is_dir() {
        return Err(Error::NotABag {
            path: path.to_owned(),
            reason: "not a directory".into(),
        });
    }
    if looks_like_bag(path) {
        return Ok(vec![path.to_owned()]);
    }
    let mut bags = Vec::new();
    let mut it = walkdir::WalkDir::new(path)
        .follow_links(false)
        .sort_by_file_name()
        .min_depth(1)
        .into_iter();
    while let Some(entry) = it.next() {
        let Ok(entry) = entry else { continue };
        if entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(".newsbag-tmp-"))
        {
            if entry.file_type().is_dir() {
                it.skip_current_dir();
            }
            continue;
        }
        if entry.file_type().is_dir() && looks_like_bag(entry.path()) {
            bags.push(entry.path().to_owned());
            it.skip_current_dir();
        } else if (entry.file_type().is_file() && is_zip_path(entry.path()))
            // A link is listed to be reported by `verify_bag`.
            || entry.file_type().is_symlink()
        {
            bags.push(entry.path().to_owned());
        }
    }
    if bags.is_empty() {
        bags.push(path.to_owned());
    }
    Ok(bags)
}
