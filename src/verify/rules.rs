//! The rules of RFC 8493 §2–3 and §5 applied to the files found in a bag,
//! whatever holds them: the bag declaration, bag-info (Payload-Oxum), the
//! set of manifests, every manifest entry against the files found, fetch
//! entries, and fixity; in one pass or a part at a time.

use std::collections::{BTreeMap, BTreeSet};

use super::fixity::{Checks, unreadable};
use super::index::{BitSet, FileIndex, Match, Matcher};
use super::manifests::{Lines, ManifestFile, read_manifest};
use super::parts::{Part, Whole};
use crate::checksum::{Algorithm, Digest};
use crate::manifest::{FetchEntry, parse_fetch};
use crate::progress::Reporter;
use crate::report::{Level, Problem, ProblemKind, Report, Severity};
use crate::source::{BagSource, Inventory};
use crate::spill::{Spill, SpillWriter};
use crate::tagfile::{
    BAG_DECLARATION, BagDeclaration, BagInfo, PayloadOxum, Version, decode_tag_file,
};

/// Names of operating-system metadata files that should not be payload.
pub(super) fn is_system_file(name: &str) -> bool {
    matches!(
        name,
        ".DS_Store" | "Thumbs.db" | "desktop.ini" | "Icon\r" | ".Spotlight-V100" | ".Trashes"
    ) || name.starts_with("._")
}

/// Verifies a bag whose files have been listed in `inventory` and can be
/// read through `source`, at `report.level`. Shared by every kind of
/// container (directory, ZIP).
pub(crate) fn verify_inventory(
    report: Report,
    inventory: Inventory,
    source: &dyn BagSource,
    reporter: &dyn Reporter,
) -> Report {
    let index = FileIndex::from_map(inventory.files);
    verify_index(
        report,
        &index,
        &Whole::new(inventory.has_payload_dir),
        inventory.problems,
        source,
        reporter,
    )
}

/// Verifies a bag held whole in `index`, in one pass.
pub(super) fn verify_index(
    report: Report,
    index: &FileIndex,
    whole: &Whole,
    problems: Vec<Problem>,
    source: &dyn BagSource,
    reporter: &dyn Reporter,
) -> Report {
    verify_parts(
        report,
        index,
        source,
        whole,
        problems,
        1,
        reporter,
        &mut |_, visit| visit(index, source),
    )
}

/// A visitor of one part's files and the source to read them.
pub(super) type Visit<'v> = dyn FnMut(&FileIndex, &dyn BagSource) + 'v;

/// Verifies a bag in `k` parts. The tag files verification reads whole
/// (bagit.txt, bag-info, the manifests, fetch.txt) are found in `tags` and
/// read through `tag_source`, once; then `parts(p, visit)` is called for
/// each part `p` in turn and calls `visit` with that part's files (all of
/// them, tag files included, whose [`part_key`] is `p` modulo `k`). With
/// `k == 1` the one part is the whole bag and `tags` may be the same index.
/// The payload's totals are counted from the parts, and checked against
/// Payload-Oxum once they are all done.
#[allow(clippy::too_many_arguments)]
pub(super) fn verify_parts(
    mut report: Report,
    tags: &FileIndex,
    tag_source: &dyn BagSource,
    whole: &Whole,
    mut problems: Vec<Problem>,
    k: usize,
    reporter: &dyn Reporter,
    parts: &mut dyn FnMut(usize, &mut Visit<'_>),
) -> Report {
    let level = report.level;
    let read =
        |name: &str, i: usize, problems: &mut Vec<Problem>| match tag_source.read(tags.file(i)) {
            Ok(bytes) => Some(bytes),
            Err(e) => {
                problems.push(unreadable(name, &e));
                None
            }
        };

    // 1. The bag declaration.
    let declaration = match tags.find(BAG_DECLARATION) {
        Some(i) => read(BAG_DECLARATION, i, &mut problems).and_then(|bytes| {
            let (d, p) = BagDeclaration::parse(&bytes);
            problems.extend(p);
            d
        }),
        None => {
            problems.push(Problem::error(None, ProblemKind::MissingBagDeclaration));
            None
        }
    };
    // Without a usable declaration, apply the strictest rules (1.0, UTF-8).
    let version = declaration.as_ref().map_or(Version::V1_0, |d| d.version);
    let encoding = declaration
        .as_ref()
        .map_or_else(|| "UTF-8".to_owned(), |d| d.encoding.clone());
    report.version = declaration.as_ref().map(|d| d.version.to_string());
    let strict = version >= Version::V1_0;

    // 2. Bag metadata (Payload-Oxum is checked once the parts have
    // counted the payload).
    let info_name = version.info_file_name();
    let mut oxum: Option<String> = None;
    if let Some(i) = tags.find(info_name)
        && let Some(bytes) = read(info_name, i, &mut problems)
    {
        let (text, p) = decode_tag_file(&bytes, &encoding, info_name);
        problems.extend(p);
        let (info, p) = BagInfo::parse(&text, info_name, strict);
        problems.extend(p);
        oxum = info.get("Payload-Oxum").map(str::to_owned);
    }

    // 4. The manifests (read in each part) and fetch.txt.
    // Top-level files sort before `data/` only in part: look at them all.
    let manifest_files: Vec<(usize, bool, Option<Algorithm>)> = (0..tags.len())
        .filter(|&i| !tags.name(i).contains('/'))
        .filter_map(|i| {
            let name = tags.name(i);
            let (tag, alg_name) = if let Some(a) = name
                .strip_prefix("tagmanifest-")
                .and_then(|r| r.strip_suffix(".txt"))
            {
                (true, a)
            } else {
                let a = name
                    .strip_prefix("manifest-")
                    .and_then(|r| r.strip_suffix(".txt"))?;
                (false, a)
            };
            let algorithm = Algorithm::ALL.into_iter().find(|a| a.as_str() == alg_name);
            Some((i, tag, algorithm))
        })
        .collect();
    let mut fetch: Vec<FetchEntry> = Vec::new();
    if let Some(i) = tags.find("fetch.txt")
        && let Some(bytes) = read("fetch.txt", i, &mut problems)
    {
        let (text, p) = decode_tag_file(&bytes, &encoding, "fetch.txt");
        problems.extend(p);
        let (entries, p) = parse_fetch(&text, "fetch.txt");
        problems.extend(p);
        fetch = entries;
    }
    let fetch_by_path: BTreeMap<&str, &FetchEntry> =
        fetch.iter().map(|e| (e.path.as_str(), e)).collect();

    let own_progress = k == 1;
    if !own_progress && level >= Level::Fixity {
        reporter.start(whole.progress.0, whole.progress.1);
    }
    let (mut payload_files, mut payload_bytes) = (0u64, 0u64);
    // How the parts after the first read each manifest.
    let mut replays: Vec<Replay> = manifest_files.iter().map(|_| Replay::Reread).collect();
    for p in 0..k {
        if whole.over(problems.len()) {
            break;
        }
        let part = Part {
            p,
            k,
            seed: whole.seed,
        };
        parts(p, &mut |index, source| {
            let payload = index.payload();
            payload_files += payload.len() as u64;
            payload_bytes += payload.map(|i| index.file(i).size).sum::<u64>();
            let mut manifests = Vec::new();
            for (j, &(i, tag, algorithm)) in manifest_files.iter().enumerate() {
                let name = tags.name(i);
                let mut spread = None;
                let lines = match (p, &replays[j]) {
                    (0, _) if k > 1 => {
                        // Spread the other parts' lines to temporary files
                        // (if they cannot be made, each part reads the
                        // manifest again).
                        spread = (1..k)
                            .map(|_| SpillWriter::with_capacity(64 * 1024))
                            .collect::<std::io::Result<Vec<_>>>()
                            .ok();
                        Lines::File(spread.as_deref_mut())
                    }
                    (_, Replay::Spilled(spills)) => Lines::Spilled(&spills[p - 1]),
                    (_, Replay::Reread) => Lines::File(None),
                    (_, Replay::Unreadable) => continue,
                };
                match read_manifest(
                    tag_source,
                    index,
                    tags.file(i),
                    name,
                    tag,
                    algorithm,
                    &encoding,
                    strict,
                    part,
                    lines,
                    whole,
                    &mut problems,
                ) {
                    Ok(m) => manifests.push(m),
                    Err(e) => {
                        problems.push(unreadable(name, &e));
                        // As in one pass, the manifest counts for nothing.
                        replays[j] = Replay::Unreadable;
                        continue;
                    }
                }
                if let Some(spread) = spread {
                    replays[j] = spread
                        .into_iter()
                        .map(SpillWriter::finish)
                        .collect::<std::io::Result<Vec<_>>>()
                        .map_or(Replay::Reread, Replay::Spilled);
                }
            }
            if part.is_first() {
                check_manifest_set(&manifests, strict, &mut problems);
            }
            let ctx = PartContext {
                index,
                part,
                level,
                manifests: &manifests,
                fetch: &fetch,
                fetch_by_path: &fetch_by_path,
                own_progress,
                whole,
            };
            ctx.verify(source, reporter, &mut problems);
        });
    }
    if !own_progress && level >= Level::Fixity {
        reporter.finish();
    }
    if whole.overflowed.get() {
        // The caller refuses the bag: no report is made of a part of it.
        report.problems = problems;
        return report;
    }

    // 3. What is in the bag: totals and Payload-Oxum.
    report.payload_files = payload_files;
    report.payload_bytes = payload_bytes;
    if !whole.has_payload_dir.get() {
        problems.push(Problem::error(None, ProblemKind::MissingPayloadDirectory));
    }
    if let Some(oxum) = oxum {
        match oxum.parse::<PayloadOxum>() {
            Ok(expected) => {
                let found = PayloadOxum {
                    octets: payload_bytes,
                    streams: payload_files,
                };
                if expected != found {
                    problems.push(Problem::error(
                        Some(info_name),
                        ProblemKind::OxumMismatch {
                            expected: expected.to_string(),
                            found: found.to_string(),
                        },
                    ));
                }
            }
            Err(()) => problems.push(Problem::error(
                Some(info_name),
                ProblemKind::MalformedPayloadOxum { value: oxum },
            )),
        }
    }

    report.problems = problems;
    report.finish();
    report
}

/// How the parts after the first read a manifest.
pub(super) enum Replay {
    /// From the lines the first part wrote to a temporary file for each.
    Spilled(Vec<Spill>),
    /// From the manifest itself.
    Reread,
    /// Not at all: the first part could not read it.
    Unreadable,
}

/// The checks of the set of manifests a bag has, made once.
pub(super) fn check_manifest_set(
    manifests: &[ManifestFile],
    strict: bool,
    problems: &mut Vec<Problem>,
) {
    let payload_manifests = manifests.iter().filter(|m| !m.tag).count();
    let known_payload = manifests
        .iter()
        .filter(|m| !m.tag && m.algorithm.is_some())
        .count();
    if payload_manifests == 0 {
        problems.push(Problem::error(None, ProblemKind::NoPayloadManifest));
    }
    for m in manifests {
        if m.algorithm.is_none() {
            let name = m
                .name
                .trim_start_matches("tag")
                .trim_start_matches("manifest-")
                .trim_end_matches(".txt")
                .to_owned();
            // Fatal only if no payload manifest can be checked at all.
            let severity = if !m.tag && known_payload == 0 {
                Severity::Error
            } else {
                Severity::Warning
            };
            problems.push(Problem::new(
                severity,
                Some(&m.name),
                ProblemKind::UnknownAlgorithm { name },
            ));
        }
    }
    if strict && manifests.iter().any(|m| m.tag) {
        for m in manifests.iter().filter(|m| !m.tag) {
            if let Some(a) = m.algorithm
                && !manifests.iter().any(|t| t.tag && t.algorithm == Some(a))
            {
                problems.push(Problem::warning(
                    None,
                    ProblemKind::MissingTagManifest {
                        algorithm: a.to_string(),
                    },
                ));
            }
        }
    }
}

/// One part of a bag, with what it needs of the whole.
pub(super) struct PartContext<'a> {
    pub(super) index: &'a FileIndex,
    pub(super) part: Part,
    pub(super) level: Level,
    pub(super) manifests: &'a [ManifestFile],
    pub(super) fetch: &'a [FetchEntry],
    pub(super) fetch_by_path: &'a BTreeMap<&'a str, &'a FetchEntry>,
    /// Whether fixity reports its own start and finish (one part only).
    pub(super) own_progress: bool,
    /// For the limit on problems.
    pub(super) whole: &'a Whole,
}

impl PartContext<'_> {
    /// The checks of the part's own files and manifest entries.
    pub(super) fn verify(
        &self,
        source: &dyn BagSource,
        reporter: &dyn Reporter,
        problems: &mut Vec<Problem>,
    ) {
        let (index, manifests, level) = (self.index, self.manifests, self.level);
        let matcher = Matcher::new(index);
        let payload = index.payload();
        for i in payload.clone() {
            let rel = index.name(i);
            let name = rel.rsplit('/').next().unwrap_or(rel);
            if is_system_file(name) {
                problems.push(Problem::warning(
                    Some(rel),
                    ProblemKind::SystemFile {
                        path: rel.to_owned(),
                    },
                ));
            }
        }
        for group in matcher.collisions() {
            problems.push(Problem::warning(
                None,
                ProblemKind::CollidingNames {
                    paths: group.into_iter().map(str::to_owned).collect(),
                },
            ));
        }
        if level < Level::Completeness {
            return;
        }
        // Checksums to check beyond the dense ones (file, algorithm,
        // checksum, manifest), sorted by file below.
        let mut sparse: Vec<(usize, Algorithm, Digest, usize)> = Vec::new();
        for (mi, m) in manifests.iter().enumerate() {
            let mut covered = match &m.dense {
                Some(d) => d.listed.clone(),
                None => BitSet::new(payload.len()),
            };
            if let (Some(d), Some(a)) = (&m.dense, m.algorithm) {
                sparse.extend(d.extra.iter().map(|(i, digest)| (*i, a, *digest, mi)));
            }
            for e in &m.entries {
                if self.whole.over(problems.len()) {
                    return;
                }
                if e.path.starts_with("data/") == m.tag {
                    continue; // already reported as wrong scope
                }
                let found = match matcher.find(&e.path) {
                    Match::Exact(k) => Some(k),
                    Match::Normalized(k) => {
                        problems.push(
                            Problem::warning(
                                Some(&m.name),
                                ProblemKind::NormalizationMismatch {
                                    listed: e.path.clone(),
                                    on_disk: index.name(k).to_owned(),
                                },
                            )
                            .at_line(e.line),
                        );
                        Some(k)
                    }
                    Match::Case(k) => {
                        problems.push(
                            Problem::warning(
                                Some(&m.name),
                                ProblemKind::CaseMismatch {
                                    listed: e.path.clone(),
                                    on_disk: index.name(k).to_owned(),
                                },
                            )
                            .at_line(e.line),
                        );
                        Some(k)
                    }
                    Match::None => None,
                };
                match found {
                    Some(k) => {
                        if payload.contains(&k) {
                            covered.set(k - payload.start);
                        }
                        if let Some(a) = m.algorithm {
                            sparse.push((k, a, e.digest, mi));
                        }
                    }
                    None => {
                        let kind = match self.fetch_by_path.get(e.path.as_str()) {
                            Some(f) => ProblemKind::NotFetched {
                                path: e.path.clone(),
                                url: f.url.clone(),
                            },
                            None => ProblemKind::MissingFile {
                                path: e.path.clone(),
                            },
                        };
                        problems.push(Problem::error(Some(&m.name), kind).at_line(e.line));
                    }
                }
            }
            if !m.tag {
                for i in payload.clone() {
                    if self.whole.over(problems.len()) {
                        return;
                    }
                    if !covered.get(i - payload.start) {
                        problems.push(Problem::error(
                            Some(index.name(i)),
                            ProblemKind::UnexpectedFile {
                                path: index.name(i).to_owned(),
                                manifest: m.name.clone(),
                            },
                        ));
                    }
                }
            }
        }
        // Paths listed in a payload manifest: exactly found (dense) or as
        // parsed.
        let listed_as_parsed: BTreeSet<&str> = manifests
            .iter()
            .filter(|m| !m.tag)
            .flat_map(|m| m.entries.iter().map(|e| e.path.as_str()))
            .collect();
        let listed = |path: &str| {
            listed_as_parsed.contains(path)
                || index.find(path).is_some_and(|i| {
                    payload.contains(&i)
                        && manifests.iter().any(|m| {
                            !m.tag
                                && m.dense
                                    .as_ref()
                                    .is_some_and(|d| d.listed.get(i - payload.start))
                        })
                })
        };
        for f in self.fetch.iter().filter(|f| self.part.owns(&f.path)) {
            if !listed(&f.path) {
                problems.push(
                    Problem::error(
                        Some("fetch.txt"),
                        ProblemKind::FetchNotInManifest {
                            path: f.path.clone(),
                        },
                    )
                    .at_line(f.line),
                );
            }
        }

        if level >= Level::Fixity && !self.whole.over(problems.len()) {
            sparse.sort_by_key(|s| s.0);
            let checks = Checks {
                index,
                manifests,
                payload: payload.clone(),
                sparse: &sparse,
            };
            checks.run(source, reporter, self.own_progress, problems);
        }
    }
}
