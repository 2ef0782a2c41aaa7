//! Reading a bag's manifests: line by line in the declared encoding, each
//! entry kept (compactly for the payload files it names exactly), repeated
//! and misplaced entries reported.

use std::collections::BTreeMap;

use super::index::{BitSet, FileIndex};
use super::parts::{Part, Whole};
use crate::checksum::{Algorithm, Digest};
use crate::manifest::{ManifestEntry, drop_duplicates, duplicate_problem, parse_manifest_line};
use crate::report::{Problem, ProblemKind};
use crate::source::{BagSource, FoundFile, MAX_TAG_FILE};
use crate::spill::{Record, Spill, SpillWriter};
use crate::tagfile::{decode_tag_file, encoding_for, split_lines};

/// A manifest file found at the top of the bag.
///
/// A payload manifest of a known algorithm keeps the checksums of the
/// payload files it lists exactly in one array indexed by file (`dense`),
/// the common case; every other entry (tag manifests, unknown algorithms,
/// paths not found as listed) is kept as parsed in `entries`.
pub(super) struct ManifestFile {
    pub(super) name: String,
    pub(super) algorithm: Option<Algorithm>,
    pub(super) entries: Vec<ManifestEntry>,
    pub(super) tag: bool,
    pub(super) dense: Option<Dense>,
}

/// Checksums of the payload files a manifest lists exactly, by position in
/// the payload range.
pub(super) struct Dense {
    pub(super) listed: BitSet,
    /// `len` bytes per payload file.
    pub(super) digests: Vec<u8>,
    pub(super) len: usize,
    /// Further checksums for files listed more than once with checksums
    /// that differ from the entry before (file index, checksum): rare.
    pub(super) extra: Vec<(usize, Digest)>,
}

impl Dense {
    pub(super) fn digest(&self, p: usize) -> &[u8] {
        &self.digests[p * self.len..(p + 1) * self.len]
    }
}

/// Reads tag file `name` (a manifest) in the declared encoding and calls
/// `each` with every line and its 1-based number. A UTF-8 file is read as a
/// stream, one line at a time (a manifest of a million files is never held
/// whole); other encodings are decoded whole. Decoding problems go to
/// `problems`; `Err` if the file cannot be read.
pub(super) fn for_each_line(
    source: &dyn BagSource,
    file: &FoundFile,
    declared: &str,
    name: &str,
    problems: &mut Vec<Problem>,
    each: &mut dyn FnMut(usize, &str),
) -> std::io::Result<()> {
    use std::io::{BufRead, Read};
    let too_large = || {
        std::io::Error::other(format!(
            "larger than {MAX_TAG_FILE} bytes: refusing to read it into memory"
        ))
    };
    if encoding_for(declared).is_some_and(|e| e != encoding_rs::UTF_8) {
        let bytes = source.read(file)?;
        let (text, p) = decode_tag_file(&bytes, declared, name);
        drop(bytes);
        problems.extend(p);
        for (n, line) in split_lines(&text).enumerate() {
            each(n + 1, line);
        }
        return Ok(());
    }
    if file.size > MAX_TAG_FILE {
        return Err(too_large());
    }
    let mut reader =
        std::io::BufReader::with_capacity(64 * 1024, source.open(file)?.take(MAX_TAG_FILE + 1));
    let mut chunk: Vec<u8> = Vec::new();
    let mut lineno = 0;
    let mut total = 0u64;
    let mut first = true;
    let mut had_errors = false;
    loop {
        chunk.clear();
        // Each chunk ends at an LF: a line never spans two chunks (CR and
        // CRLF endings are split inside a chunk, as in a whole file).
        let n = reader.read_until(b'\n', &mut chunk)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if total > MAX_TAG_FILE {
            return Err(too_large());
        }
        let mut body = chunk.as_slice();
        if first {
            first = false;
            if let Some(rest) = body.strip_prefix(b"\xEF\xBB\xBF".as_slice()) {
                problems.push(Problem::warning(Some(name), ProblemKind::BomInTagFile));
                body = rest;
            }
        }
        let (text, errors) = encoding_rs::UTF_8.decode_without_bom_handling(body);
        had_errors |= errors;
        for line in split_lines(&text) {
            lineno += 1;
            each(lineno, line);
        }
    }
    if had_errors {
        problems.push(Problem::error(
            Some(name),
            ProblemKind::TagFileEncoding {
                encoding: declared.to_owned(),
            },
        ));
    }
    Ok(())
}

/// Where a part reads a manifest's lines from.
pub(super) enum Lines<'a> {
    /// From the manifest itself. The first of several parts is given one
    /// temporary file per other part (`spread[p - 1]` for part `p`) and
    /// writes each line there that belongs to that part.
    File(Option<&'a mut [SpillWriter]>),
    /// From the temporary file the first part wrote for this part.
    Spilled(&'a Spill),
}

/// Parses one manifest (see [`ManifestFile`]). `Err` if it cannot be read;
/// nothing is reported then but that.
///
/// Only the entries `part` owns are kept, with their problems; problems of
/// lines without an entry (malformed, undecodable) belong to the first part.
#[allow(clippy::too_many_arguments)]
pub(super) fn read_manifest(
    source: &dyn BagSource,
    index: &FileIndex,
    file: &FoundFile,
    name: &str,
    tag: bool,
    algorithm: Option<Algorithm>,
    encoding: &str,
    strict: bool,
    part: Part,
    lines: Lines<'_>,
    whole: &Whole,
    problems: &mut Vec<Problem>,
) -> std::io::Result<ManifestFile> {
    let payload = index.payload();
    let mut dense = match algorithm {
        Some(a) if !tag => Some(Dense {
            listed: BitSet::new(payload.len()),
            digests: vec![0; payload.len() * (a.hex_len() / 2)],
            len: a.hex_len() / 2,
            extra: Vec::new(),
        }),
        _ => None,
    };
    // The checksum of the entry before, for paths listed more than twice.
    let mut repeated: BTreeMap<usize, Digest> = BTreeMap::new();
    let mut entries = Vec::new();
    let mut found = Vec::new();
    let mut decoding = Vec::new();
    let (mut spread, replay) = match lines {
        Lines::File(spread) => (spread, None),
        Lines::Spilled(spill) => (None, Some(spill)),
    };
    let mut spread_error: Option<std::io::Error> = None;
    let mut each = |lineno: usize, line: &str| {
        // Past the limit on problems nothing more is kept.
        if whole.over(problems.len() + found.len()) {
            return;
        }
        let mark = found.len();
        let parsed = parse_manifest_line(line, lineno, name, algorithm, &mut found);
        let owner = match &parsed {
            Some(e) => part.owner(&e.path),
            None => 0,
        };
        if owner != part.p {
            found.truncate(mark);
            // The first part hands the line on to its own part.
            if let Some(spread) = spread.as_deref_mut()
                && let Err(e) = spread[owner - 1].push(line, lineno as u64, 0, None)
            {
                spread_error.get_or_insert(e);
            }
            return;
        }
        let Some(e) = parsed else {
            return;
        };
        let exact = dense.as_mut().zip(
            e.path
                .starts_with("data/")
                .then(|| index.find(&e.path))
                .flatten(),
        );
        let Some((d, i)) = exact else {
            entries.push(e);
            return;
        };
        let p = i - payload.start;
        if !d.listed.get(p) {
            d.listed.set(p);
            d.digests[p * d.len..(p + 1) * d.len].copy_from_slice(e.digest.as_bytes());
            return;
        }
        let before = repeated
            .get(&i)
            .copied()
            .unwrap_or_else(|| Digest::from_bytes(d.digest(p)));
        let conflicting = before != e.digest;
        found.push(duplicate_problem(
            &e.path,
            e.line,
            conflicting,
            name,
            strict,
        ));
        if conflicting {
            d.extra.push((i, e.digest));
        }
        repeated.insert(i, e.digest);
    };
    match replay {
        None => for_each_line(source, file, encoding, name, &mut decoding, &mut each)?,
        Some(spill) => {
            let mut reader = spill.reader()?;
            let mut rec = Record::default();
            while reader.next_into(&mut rec)? {
                each(usize::try_from(rec.size).unwrap_or(usize::MAX), &rec.name);
            }
        }
    }
    if let Some(e) = spread_error {
        return Err(std::io::Error::other(format!(
            "cannot write a temporary file in {}: {e}",
            std::env::temp_dir().display()
        )));
    }
    if part.is_first() {
        found.extend(decoding);
    }
    let entries = drop_duplicates(entries, name, strict, &mut found);
    for e in &entries {
        if e.path.starts_with("data/") == tag {
            found.push(
                Problem::error(
                    Some(name),
                    ProblemKind::WrongManifestScope {
                        path: e.path.clone(),
                    },
                )
                .at_line(e.line),
            );
        }
    }
    problems.extend(found);
    Ok(ManifestFile {
        name: name.to_owned(),
        algorithm,
        entries,
        tag,
        dense,
    })
}
