//! Fixity: every checksum a file must have, the files hashed in batches,
//! and every mismatch reported.

use std::ops::Range;

use super::index::FileIndex;
use super::manifests::ManifestFile;
use crate::checksum::{Algorithm, Digest};
use crate::progress::Reporter;
use crate::report::{Problem, ProblemKind};
use crate::source::{BagSource, HashJob};

/// Files hashed per call of [`BagSource::hash`]: the results of one batch
/// are compared and dropped before the next is hashed, so they do not
/// accumulate with the number of files.
pub(super) const HASH_BATCH: usize = 4096;

/// Every checksum to verify, file by file.
pub(super) struct Checks<'a> {
    pub(super) index: &'a FileIndex,
    pub(super) manifests: &'a [ManifestFile],
    pub(super) payload: Range<usize>,
    /// (file, algorithm, checksum, manifest), sorted by file.
    pub(super) sparse: &'a [(usize, Algorithm, Digest, usize)],
}

/// One checksum a file must have: algorithm, checksum, manifest name.
pub(super) type Expected<'a> = (Algorithm, &'a [u8], &'a str);

impl<'a> Checks<'a> {
    /// The checksums file `i` must have; `cursor` walks `sparse`.
    pub(super) fn expected(&self, i: usize, cursor: &mut usize, out: &mut Vec<Expected<'a>>) {
        out.clear();
        if self.payload.contains(&i) {
            let p = i - self.payload.start;
            for m in self.manifests {
                if let (Some(d), Some(a)) = (&m.dense, m.algorithm)
                    && d.listed.get(p)
                {
                    out.push((a, d.digest(p), &m.name));
                }
            }
        }
        while *cursor < self.sparse.len() && self.sparse[*cursor].0 == i {
            let (_, a, digest, mi) = &self.sparse[*cursor];
            out.push((*a, digest.as_bytes(), &self.manifests[*mi].name));
            *cursor += 1;
        }
    }

    /// Hashes every file that has checksums to check, in batches, and
    /// reports every mismatch.
    /// With `own_progress`, the reporter is told the work to come and its
    /// end (else the caller does, once for every part).
    pub(super) fn run(
        &self,
        source: &dyn BagSource,
        reporter: &dyn Reporter,
        own_progress: bool,
        problems: &mut Vec<Problem>,
    ) {
        let mut expected = Vec::new();
        if own_progress {
            let (mut files, mut bytes, mut cursor) = (0u64, 0u64, 0);
            for i in 0..self.index.len() {
                self.expected(i, &mut cursor, &mut expected);
                if !expected.is_empty() {
                    files += 1;
                    bytes += self.index.file(i).size;
                }
            }
            reporter.start(files, bytes);
        }
        let mut cursor = 0;
        let mut batch: Vec<(usize, Vec<Expected<'a>>)> = Vec::new();
        let mut jobs: Vec<HashJob> = Vec::new();
        for i in 0..self.index.len() {
            self.expected(i, &mut cursor, &mut expected);
            if expected.is_empty() {
                continue;
            }
            let mut algorithms: Vec<Algorithm> = expected.iter().map(|(a, _, _)| *a).collect();
            algorithms.sort();
            algorithms.dedup();
            jobs.push(HashJob {
                file: self.index.file(i).clone(),
                algorithms,
            });
            batch.push((i, expected.clone()));
            if jobs.len() == HASH_BATCH {
                self.check_batch(source, reporter, &jobs, &batch, problems);
                jobs.clear();
                batch.clear();
            }
        }
        if !jobs.is_empty() {
            self.check_batch(source, reporter, &jobs, &batch, problems);
        }
        if own_progress {
            reporter.finish();
        }
    }

    pub(super) fn check_batch(
        &self,
        source: &dyn BagSource,
        reporter: &dyn Reporter,
        jobs: &[HashJob],
        batch: &[(usize, Vec<Expected<'a>>)],
        problems: &mut Vec<Problem>,
    ) {
        let results = source.hash(jobs, reporter);
        for ((i, expected), result) in batch.iter().zip(results) {
            problems.extend(compare_digests(self.index.name(*i), expected, result));
        }
    }
}

pub(super) fn unreadable(name: &str, e: &std::io::Error) -> Problem {
    Problem::error(
        Some(name),
        ProblemKind::UnreadableFile {
            path: name.to_owned(),
            error: e.to_string(),
        },
    )
}

pub(super) fn compare_digests(
    rel: &str,
    expected: &[Expected<'_>],
    result: std::io::Result<Vec<(Algorithm, Digest)>>,
) -> Vec<Problem> {
    match result {
        Ok(digests) => expected
            .iter()
            .filter_map(|(a, want, manifest)| {
                let found = digests.iter().find(|(da, _)| da == a).map(|(_, d)| d)?;
                (found.as_bytes() != *want).then(|| {
                    Problem::error(
                        Some(manifest),
                        ProblemKind::ChecksumMismatch {
                            path: rel.to_owned(),
                            algorithm: *a,
                            expected: Box::new(Digest::from_bytes(want)),
                            found: Box::new(*found),
                        },
                    )
                })
            })
            .collect(),
        Err(err) => vec![Problem::error(
            Some(rel),
            ProblemKind::UnreadableFile {
                path: rel.to_owned(),
                error: err.to_string(),
            },
        )],
    }
}
