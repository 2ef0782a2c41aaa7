//! Zipped bags, verified in place from the central directory and streamed
//! entries (never extracted), in one pass or a part at a time; and the
//! check of an archive just written.

use std::fs;
use std::path::Path;

use super::index::FileIndex;
use super::parts::Whole;
use super::rules::{verify_index, verify_parts};
use crate::error::{Error, Result};
use crate::progress::{NoProgress, Reporter};
use crate::report::{Level, Problem, Report};

/// Verification of an archive is refused (`Err`) once it has found more
/// problems than this, about as many as the 250,000 entries newsbag
/// accepted in an archive before archives were verified in parts: every
/// finding is kept for the report, so their number, unlike the number of
/// entries, still decides the memory a hostile archive can take.
pub const MAX_ZIP_PROBLEMS: usize = 250_000;

/// Whether `path` names a zipped bag (a regular file ending in `.zip`, in
/// any case).
pub fn is_zip_path(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
        && fs::metadata(path).is_ok_and(|m| m.is_file())
}

/// Verifies the zipped bag at `path` at the given level, without extracting
/// it: structure, completeness and Payload-Oxum come from the central
/// directory alone; fixity streams each entry once through every hasher,
/// several entries in parallel, checking each entry's CRC-32 and size too.
///
/// Memory stays flat however many entries the archive has: an archive of
/// more than [`DEFAULT_THRESHOLD`](crate::spill::DEFAULT_THRESHOLD) entries
/// is verified a part at a time (see [`verify_zip_with_threshold`]).
///
/// `Err` if `path` cannot be read as a ZIP archive at all (not a ZIP,
/// truncated, corrupt central directory, more than
/// [`MAX_ZIP_ENTRIES`](crate::serialize::MAX_ZIP_ENTRIES) entries); any
/// defect of the bag inside is a [`Problem`] in the [`Report`].
pub fn verify_zip(path: &Path, level: Level, reporter: &dyn Reporter) -> Result<Report> {
    verify_zip_with_threshold(path, level, reporter, crate::spill::DEFAULT_THRESHOLD)
}

/// [`verify_zip`] on any seekable reader (an in-memory archive, say), named
/// `path` in the report.
pub fn verify_zip_reader<R: crate::serialize::ArchiveRead>(
    reader: R,
    path: &Path,
    level: Level,
    reporter: &dyn Reporter,
) -> Result<Report> {
    verify_zip_reader_with_threshold(
        reader,
        path,
        level,
        reporter,
        crate::spill::DEFAULT_THRESHOLD,
    )
}

/// [`verify_zip`], with an archive of more than `threshold` entries (or
/// names adding up to more than 64 bytes an entry of the threshold)
/// verified in parts, as [`verify_dir_with_threshold`] verifies a
/// directory: the central directory is read once, its records go to a
/// temporary file and then to one temporary file per part (by
/// [`part_key`] of the path inside the bag, with a seed drawn for the
/// archive), and each part is listed, checked and hashed in turn. The
/// report is the one a single pass gives. Exposed for tests.
#[doc(hidden)]
pub fn verify_zip_with_threshold(
    path: &Path,
    level: Level,
    reporter: &dyn Reporter,
    threshold: usize,
) -> Result<Report> {
    let file = crate::serialize::SharedFile::open(path)?;
    verify_zip_reader_with_threshold(file, path, level, reporter, threshold)
}

/// [`verify_zip_with_threshold`] on any seekable reader. Exposed for tests.
#[doc(hidden)]
pub fn verify_zip_reader_with_threshold<R: crate::serialize::ArchiveRead>(
    reader: R,
    path: &Path,
    level: Level,
    reporter: &dyn Reporter,
    threshold: usize,
) -> Result<Report> {
    verify_zip_limited(reader, path, level, reporter, threshold, MAX_ZIP_PROBLEMS)
}

/// [`verify_zip_reader_with_threshold`], refusing the archive past
/// `max_problems` problems.
pub(super) fn verify_zip_limited<R: crate::serialize::ArchiveRead>(
    reader: R,
    path: &Path,
    level: Level,
    reporter: &dyn Reporter,
    threshold: usize,
    max_problems: usize,
) -> Result<Report> {
    use crate::serialize::Scanned;
    let scanned =
        crate::serialize::scan_zip(reader, path, crate::serialize::MAX_ZIP_ENTRIES, threshold)?;
    let opened = match scanned {
        Scanned::Whole(opened) => opened,
        Scanned::Spilled(spilled) => {
            return verify_zip_spilled(path, level, reporter, threshold, max_problems, spilled);
        }
    };
    // Overlapping entries are never hashed (see `ArchiveLayout`); the
    // report states the level actually applied.
    let level = if opened.overlapping {
        level.min(Level::Completeness)
    } else {
        level
    };
    let index = FileIndex::from_zip(&opened);
    let source = crate::serialize::ZipSource::new(opened.archive, opened.entries);
    let whole = Whole {
        max_problems,
        ..Whole::new(opened.inventory.has_payload_dir)
    };
    let mut report = verify_index(
        Report::new(path.to_owned(), level),
        &index,
        &whole,
        opened.inventory.problems,
        &source,
        reporter,
    );
    if whole.overflowed.get() {
        return Err(too_many_problems(max_problems));
    }
    report.problems.extend(source.into_problems());
    report.finish();
    Ok(report)
}

/// The refusal of an archive with more than `max` problems.
pub(super) fn too_many_problems(max: usize) -> Error {
    Error::LimitExceeded {
        what: format!(
            "the number of problems found (more than {max}: verification stopped; \
             a damaged or hostile archive)"
        ),
        limit: max as u64,
    }
}

/// Verifies an archive whose records were spilled, one part at a time.
pub(super) fn verify_zip_spilled<R: crate::serialize::ArchiveRead>(
    path: &Path,
    level: Level,
    reporter: &dyn Reporter,
    threshold: usize,
    max_problems: usize,
    mut zip: crate::serialize::SpilledZip<R>,
) -> Result<Report> {
    use crate::serialize::ZipSource;
    let temp_error = |verb, e| Error::io(verb, std::env::temp_dir(), e);
    let level = if zip.overlapping {
        level.min(Level::Completeness)
    } else {
        level
    };
    let k = zip.part_count(threshold);
    let tags = zip
        .distribute(k)
        .map_err(|e| temp_error("write a temporary file in", e))?;
    let tag_index = FileIndex::from_map(tags.opened.inventory.files);
    // Manifests may be as long as the whole archive's entries allow.
    let tag_records = zip.record_count();
    let tag_source =
        ZipSource::new(tags.opened.archive, tags.opened.entries).streaming_up_to(tag_records);
    let whole = Whole {
        progress: tags.payload,
        seed: zip.seed,
        max_problems,
        ..Whole::new(false)
    };
    // Findings of the listing of each part and of the reading of its
    // entries (CRC, sizes).
    let mut found: Vec<Problem> = Vec::new();
    let mut failed: Option<std::io::Error> = None;
    let mut report = verify_parts(
        Report::new(path.to_owned(), level),
        &tag_index,
        &tag_source,
        &whole,
        std::mem::take(&mut zip.problems),
        k,
        reporter,
        &mut |p, visit| {
            if failed.is_some() {
                return;
            }
            match zip.part(p) {
                Ok(opened) => {
                    if opened.inventory.has_payload_dir {
                        whole.has_payload_dir.set(true);
                    }
                    let index = FileIndex::from_zip(&opened);
                    found.extend(opened.inventory.problems);
                    whole.found_elsewhere.set(found.len());
                    if whole.over(0) {
                        return;
                    }
                    let source =
                        ZipSource::new(opened.archive, opened.entries).streaming_up_to(tag_records);
                    visit(&index, &source);
                    found.extend(source.into_problems());
                    whole.found_elsewhere.set(found.len());
                }
                Err(e) => failed = Some(e),
            }
        },
    );
    if let Some(e) = failed {
        return Err(temp_error("read a temporary file in", e));
    }
    if whole.overflowed.get() {
        return Err(too_many_problems(max_problems));
    }
    report.problems.extend(found);
    report.problems.extend(tag_source.into_problems());
    report.finish();
    Ok(report)
}

/// Archives of more entries than this are checked after writing in parts
/// (see [`crate::verify::verify_zip_with_threshold`]) rather than in one
/// pass, so that writing a bag (ingest, `bag --zip`) keeps about 40 MB of
/// memory whatever its size: one pass holds about 260 bytes an entry, up
/// to 65 MB at the 250,000 entries of `verify`'s own threshold. Parts cost
/// little more time here (measured in docs/performance.md).
const CHECK_IN_PARTS_ABOVE: usize = 50_000;

/// Verifies an archive just written, at full fixity with newsbag's own
/// reader; an invalid one is refused with [`Error::Invalid`] naming `bag`
/// (what was zipped) and its first errors. This is the check to give
/// [`serialize::write_zip`](crate::serialize::write_zip) and
/// [`serialize::bag_to_zip`](crate::serialize::bag_to_zip), which run it
/// on the temporary archive before renaming it into place; ingest runs it
/// on the archive it assembles.
pub fn check_written(zip: &Path, bag: &Path) -> Result<()> {
    let report = crate::verify::verify_zip_with_threshold(
        zip,
        Level::Fixity,
        &NoProgress,
        CHECK_IN_PARTS_ABOVE,
    )?;
    if report.is_valid() {
        return Ok(());
    }
    Err(Error::Invalid {
        path: bag.to_owned(),
        problems: report.errors().take(20).map(ToString::to_string).collect(),
    })
}
