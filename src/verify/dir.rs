//! Bag directories: the walk that finds a bag's files (only regular files
//! inside the bag are ever opened), and their verification, in one pass or,
//! for a bag of many files, a part at a time.

use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::index::FileIndex;
use super::parts::{Part, Whole};
use super::rules::{verify_index, verify_parts};
use crate::checksum::{Algorithm, Digest, hash_file};
use crate::error::{Error, Result};
use crate::progress::Reporter;
use crate::report::{Level, Problem, ProblemKind, Report};
use crate::source::{BagSource, FoundFile, HashJob, is_tag_to_read, part_key, read_capped};
use crate::spill::{Record, Spill, SpillWriter};
use crate::walk::{Kind, Names, Walked, sizes_of, walk};

/// A bag directory on disk: files are found by the walk and only those are
/// ever opened (never through a symbolic link). A file's id is its
/// position in the [`FileIndex`].
pub(super) struct DirSource<'a> {
    pub(super) root: &'a Path,
    pub(super) index: &'a FileIndex,
}

impl DirSource<'_> {
    pub(super) fn path(&self, id: usize) -> PathBuf {
        self.root.join(self.index.name(id))
    }
}

impl BagSource for DirSource<'_> {
    fn read(&self, file: &FoundFile) -> std::io::Result<Vec<u8>> {
        read_capped(open_regular(&self.path(file.id))?)
    }

    fn open(&self, file: &FoundFile) -> std::io::Result<Box<dyn std::io::Read + '_>> {
        Ok(Box::new(open_regular(&self.path(file.id))?))
    }

    fn hash(
        &self,
        jobs: &[HashJob],
        reporter: &dyn Reporter,
    ) -> Vec<std::io::Result<Vec<(Algorithm, Digest)>>> {
        jobs.par_iter()
            .map(|job| {
                let f = open_regular(&self.path(job.file.id))?;
                let r = hash_file(f, &job.algorithms, job.file.size, &mut |n| {
                    reporter.advance(n);
                });
                reporter.file_done();
                r
            })
            .collect()
    }
}

/// Opens a file the walk found to be regular, refusing anything that has
/// replaced it since.
pub(super) fn open_regular(path: &Path) -> std::io::Result<fs::File> {
    let f = fs::File::open(path)?;
    if !f.metadata()?.is_file() {
        return Err(std::io::Error::other("no longer a regular file"));
    }
    Ok(f)
}

/// What a walk of a bag directory found, held in memory.
pub(super) struct Walk {
    pub(super) index: FileIndex,
    pub(super) has_payload_dir: bool,
    pub(super) problems: Vec<Problem>,
}

/// What a walk of a bag directory with more files than the threshold
/// found: every file spilled to disk, keyed by [`part_key`] of its name,
/// and in memory only the totals and the top-level tag files.
pub(super) struct SpilledWalk {
    pub(super) spill: Spill,
    pub(super) payload_files: u64,
    pub(super) payload_bytes: u64,
    /// The top-level files verification reads whole (bagit.txt, bag-info,
    /// manifests, fetch.txt), ids into this index.
    pub(super) tags: FileIndex,
    pub(super) has_payload_dir: bool,
    pub(super) problems: Vec<Problem>,
}

/// What [`walk_bag`] found: a small bag in memory, a large one spilled.
pub(super) enum BagWalk {
    InMemory(Walk),
    Spilled(SpilledWalk),
}

/// Files found by the walk, spilled to disk a chunk at a time once there
/// are more than the threshold.
pub(super) struct Spilling {
    pub(super) out: SpillWriter,
    pub(super) payload_files: u64,
    pub(super) payload_bytes: u64,
    pub(super) tag_names: Names,
    pub(super) tag_sizes: Vec<u64>,
}

impl Spilling {
    pub(super) fn new() -> std::io::Result<Self> {
        Ok(Spilling {
            out: SpillWriter::new()?,
            payload_files: 0,
            payload_bytes: 0,
            tag_names: Names::default(),
            tag_sizes: Vec::new(),
        })
    }

    /// Spills the files of `regular` (with their sizes, read here in
    /// parallel) and empties it.
    pub(super) fn push_chunk(
        &mut self,
        root: &Path,
        regular: &mut Names,
        problems: &mut Vec<Problem>,
    ) -> std::io::Result<()> {
        let mut sizes = vec![0u64; regular.len()];
        for i in sized(root, regular, &mut sizes, problems) {
            self.push(regular.get(i), sizes[i])?;
        }
        *regular = Names::default();
        Ok(())
    }

    pub(super) fn push(&mut self, name: &str, size: u64) -> std::io::Result<()> {
        if name.starts_with("data/") {
            self.payload_files += 1;
            self.payload_bytes += size;
        }
        if is_tag_to_read(name) {
            self.tag_names.push(name);
            self.tag_sizes.push(size);
        }
        self.out.push(name, size, part_key(name, 0), None)
    }
}

/// The sizes of the files in `regular` (in parallel); failures become
/// problems. Returns the positions of the files kept.
pub(super) fn sized(
    root: &Path,
    regular: &Names,
    sizes: &mut [u64],
    problems: &mut Vec<Problem>,
) -> Vec<usize> {
    let failed = sizes_of(sizes, |i| root.join(regular.get(i)));
    let mut kept: Vec<usize> = Vec::with_capacity(regular.len() - failed.len());
    let mut failed = failed.into_iter().peekable();
    for i in 0..regular.len() {
        match failed.next_if(|(f, _)| *f == i) {
            None => kept.push(i),
            Some((_, err)) => {
                let rel = regular.get(i);
                problems.push(Problem::error(
                    Some(rel),
                    ProblemKind::UnreadableFile {
                        path: rel.to_owned(),
                        error: err.to_string(),
                    },
                ));
            }
        }
    }
    kept
}

/// The index of the files `kept` of `regular`, sorted by name.
pub(super) fn sorted_index(regular: &Names, sizes: &[u64], mut kept: Vec<usize>) -> FileIndex {
    // The walk visits siblings in order, but `a/b` comes before `a-c` in it
    // and after it as a string.
    kept.sort_by(|&a, &b| regular.get(a).cmp(regular.get(b)));
    let names = regular.permuted(&kept);
    let files = kept
        .iter()
        .enumerate()
        .map(|(id, &i)| FoundFile { size: sizes[i], id })
        .collect();
    FileIndex { names, files }
}

/// Walks the bag at `root`; with more than `threshold` regular files, they
/// are spilled to a temporary file as the walk goes.
pub(super) fn walk_bag(root: &Path, threshold: usize) -> std::io::Result<BagWalk> {
    // A link named `data` is not the payload directory: it is not followed.
    let has_payload_dir = fs::symlink_metadata(root.join("data")).is_ok_and(|md| md.is_dir());
    let mut problems = Vec::new();
    // Regular files, in walk order.
    let mut regular = Names::default();
    let mut spilling: Option<Spilling> = None;
    for walked in walk(root) {
        let (rel, kind) = match walked {
            Walked::Entry { rel, kind, .. } => (rel, kind),
            Walked::NonUtf8 { rel } => {
                problems.push(Problem::error(
                    None,
                    ProblemKind::NonUtf8FileName { path: rel },
                ));
                continue;
            }
            Walked::Error { rel, error } => {
                problems.push(Problem::error(
                    None,
                    ProblemKind::UnreadableFile { path: rel, error },
                ));
                continue;
            }
        };
        match kind {
            Kind::Dir => {}
            // Sizes are read after the walk, in parallel.
            Kind::File => regular.push(&rel),
            // A bag must hold its files: a link, wherever it leads (inside,
            // outside, nowhere, a directory), is never followed and is the
            // error a link entry of a zipped bag is.
            Kind::Symlink => problems.push(Problem::error(
                Some(&rel),
                ProblemKind::SpecialFile {
                    path: rel.clone(),
                    file_type: "symbolic link".into(),
                },
            )),
            Kind::Special(what) => problems.push(Problem::error(
                Some(&rel),
                ProblemKind::SpecialFile {
                    path: rel.clone(),
                    file_type: what.to_owned(),
                },
            )),
        }
        if regular.len() > threshold {
            let s = match &mut spilling {
                Some(s) => s,
                None => spilling.insert(Spilling::new()?),
            };
            s.push_chunk(root, &mut regular, &mut problems)?;
        }
    }
    if let Some(mut s) = spilling {
        if regular.len() > 0 {
            s.push_chunk(root, &mut regular, &mut problems)?;
        }
        let kept = (0..s.tag_names.len()).collect();
        let tags = sorted_index(&s.tag_names, &s.tag_sizes, kept);
        return Ok(BagWalk::Spilled(SpilledWalk {
            spill: s.out.finish()?,
            payload_files: s.payload_files,
            payload_bytes: s.payload_bytes,
            tags,
            has_payload_dir,
            problems,
        }));
    }
    let mut sizes = vec![0u64; regular.len()];
    let kept = sized(root, &regular, &mut sizes, &mut problems);
    let index = sorted_index(&regular, &sizes, kept);
    Ok(BagWalk::InMemory(Walk {
        index,
        has_payload_dir,
        problems,
    }))
}

/// Verifies the bag at `root` at the given level.
///
/// Returns `Err` only if `root` is not a readable directory; any defect of
/// the bag is a [`Problem`] in the [`Report`].
///
/// Memory stays flat however many files the bag has: a bag of more than
/// [`DEFAULT_THRESHOLD`](crate::spill::DEFAULT_THRESHOLD) files is verified
/// a part at a time (see [`verify_dir_with_threshold`]).
pub fn verify_dir(root: &Path, level: Level, reporter: &dyn Reporter) -> Result<Report> {
    verify_dir_with_threshold(root, level, reporter, crate::spill::DEFAULT_THRESHOLD)
}

/// [`verify_dir`], with a bag of more than `threshold` files verified in
/// `ceil(files / threshold)` parts: the walk's list of files goes to a
/// temporary file, and each part (the files whose [`part_key`] falls in
/// it, so that names colliding after NFC or case folding, a file and its
/// manifest entries, and repeated entries meet in one part) is loaded,
/// its manifest entries read, checked and hashed, then dropped. The report
/// is the one a single pass gives. Exposed for tests.
#[doc(hidden)]
pub fn verify_dir_with_threshold(
    root: &Path,
    level: Level,
    reporter: &dyn Reporter,
    threshold: usize,
) -> Result<Report> {
    let md = fs::metadata(root).map_err(|e| Error::io("read", root, e))?;
    if !md.is_dir() {
        return Err(Error::NotADirectory {
            path: root.to_owned(),
        });
    }
    let spill_error = |e| Error::io("write a temporary file in", std::env::temp_dir(), e);
    let walked = walk_bag(root, threshold.max(1)).map_err(spill_error)?;
    let walked = match walked {
        BagWalk::InMemory(walked) => walked,
        BagWalk::Spilled(s) => return verify_spilled(root, level, reporter, threshold, s),
    };
    let source = DirSource {
        root,
        index: &walked.index,
    };
    Ok(verify_index(
        Report::new(root.to_owned(), level),
        &walked.index,
        &Whole::new(walked.has_payload_dir),
        walked.problems,
        &source,
        reporter,
    ))
}

/// Verifies a bag whose walk was spilled, one part at a time.
pub(super) fn verify_spilled(
    root: &Path,
    level: Level,
    reporter: &dyn Reporter,
    threshold: usize,
    walked: SpilledWalk,
) -> Result<Report> {
    let files = usize::try_from(walked.spill.len()).unwrap_or(usize::MAX);
    let k = files.div_ceil(threshold.max(1)).max(1);
    let tag_source = DirSource {
        root,
        index: &walked.tags,
    };
    let whole = Whole {
        progress: (walked.payload_files, walked.payload_bytes),
        ..Whole::new(walked.has_payload_dir)
    };
    let mut failed: Option<std::io::Error> = None;
    let report = verify_parts(
        Report::new(root.to_owned(), level),
        &walked.tags,
        &tag_source,
        &whole,
        walked.problems,
        k,
        reporter,
        &mut |p, visit| {
            if failed.is_some() {
                return;
            }
            match load_part(&walked.spill, p, k) {
                Ok(index) => {
                    let source = DirSource {
                        root,
                        index: &index,
                    };
                    visit(&index, &source);
                }
                Err(e) => failed = Some(e),
            }
        },
    );
    match failed {
        Some(e) => Err(Error::io(
            "read a temporary file in",
            std::env::temp_dir(),
            e,
        )),
        None => Ok(report),
    }
}

/// The files of part `p` of `k`, sorted.
pub(super) fn load_part(spill: &Spill, p: usize, k: usize) -> std::io::Result<FileIndex> {
    let part = Part { p, k, seed: 0 };
    let mut names = Names::default();
    let mut sizes = Vec::new();
    let mut reader = spill.reader()?;
    let mut rec = Record::default();
    while reader.next_into(&mut rec)? {
        if part.owns_key(rec.key) {
            names.push(&rec.name);
            sizes.push(rec.size);
        }
    }
    let kept = (0..names.len()).collect();
    let mut index = sorted_index(&names, &sizes, kept);
    index.names.shrink_to_fit();
    Ok(index)
}
