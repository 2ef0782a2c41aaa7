//! Manifests, tag manifests and `fetch.txt` (RFC 8493 §2.1.3, §2.2.1,
//! §2.2.3): one parser and one writer for each, and the path rules they
//! share (§2.1.3 percent-encoding, §5 containment).

use crate::checksum::{Algorithm, Digest};
use crate::report::{Problem, ProblemKind, Severity};
use crate::tagfile::split_lines;

/// One `checksum path` line of a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestEntry {
    /// The path, percent-decoded and with harmless oddities (`./`, `*`)
    /// removed, relative to the bag root.
    pub path: String,
    /// The checksum, lowercase hexadecimal.
    pub digest: Digest,
    /// The 1-based line number.
    pub line: usize,
}

/// Whether `name`, a file at the top of a bag, is a manifest or a tag
/// manifest (`manifest-ALG.txt`, `tagmanifest-ALG.txt`).
pub(crate) fn is_manifest_name(name: &str) -> bool {
    (name.starts_with("manifest-") || name.starts_with("tagmanifest-")) && name.ends_with(".txt")
}

/// Encodes a path for a manifest or fetch.txt line: exactly `%` → `%25`,
/// LF → `%0A` and CR → `%0D` (§2.1.3). Everything else, non-ASCII included,
/// is written as is.
pub fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\n' => out.push_str("%0A"),
            '\r' => out.push_str("%0D"),
            c => out.push(c),
        }
    }
    out
}

/// Decodes exactly `%0A`, `%0D` and `%25` (hex digits in either case);
/// any other `%` sequence is left as it is, as RFC 8493 requires.
pub fn decode_path(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    let mut i = 0;
    let mut last = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let decoded = match (bytes[i + 1], bytes[i + 2].to_ascii_uppercase()) {
                (b'0', b'A') => Some('\n'),
                (b'0', b'D') => Some('\r'),
                (b'2', b'5') => Some('%'),
                _ => None,
            };
            if let Some(c) = decoded {
                out.push_str(&path[last..i]);
                out.push(c);
                i += 3;
                last = i;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&path[last..]);
    out
}

/// Writes manifest text: `checksum  path` lines with LF endings, in the
/// order given (callers pass sorted entries for deterministic output).
pub fn write_manifest<'a>(entries: impl IntoIterator<Item = (&'a str, &'a Digest)>) -> String {
    let mut out = String::new();
    for (path, digest) in entries {
        push_manifest_line(&mut out, path, digest.as_bytes());
    }
    out
}

/// Appends one manifest line (`checksum  path` and LF) for a digest given
/// as bytes.
pub(crate) fn push_manifest_line(out: &mut String, path: &str, digest: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for b in digest {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out.push_str("  ");
    // A leading `*` would be read as md5sum's binary-mode marker: write the
    // marker explicitly so the name survives.
    if path.starts_with('*') {
        out.push('*');
    }
    if path.contains(['%', '\n', '\r']) {
        out.push_str(&encode_path(path));
    } else {
        out.push_str(path);
    }
    out.push('\n');
}

/// The length of the line [`push_manifest_line`] writes for `path` and a
/// digest of `digest_len` bytes.
pub(crate) fn manifest_line_len(path: &str, digest_len: usize) -> u64 {
    let name = if path.contains(['%', '\n', '\r']) {
        encode_path(path).len()
    } else {
        path.len()
    };
    (2 * digest_len + 2 + usize::from(path.starts_with('*')) + name + 1) as u64
}

/// Why a path listed in a manifest or fetch.txt cannot be used, if it
/// cannot: it must be a relative path that stays inside the bag on every
/// platform (§5 "security considerations"). Checks whole components, so
/// `data/..foo` is fine and `data/../x` is not.
pub fn unsafe_path_reason(path: &str) -> Option<&'static str> {
    if path.is_empty() {
        return Some("empty path");
    }
    if path.contains('\0') {
        return Some("contains a NUL character");
    }
    if path.starts_with('/') {
        return Some("absolute path");
    }
    if path.starts_with('\\') {
        return Some("absolute Windows or UNC path");
    }
    if path.starts_with('~') {
        return Some("home-directory shortcut (`~` or `~user`)");
    }
    let b = path.as_bytes();
    if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
        return Some("Windows drive letter");
    }
    if path.starts_with('%')
        && path[1..].find('%').is_some_and(|end| {
            end > 0
                && path[1..=end]
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'_')
        })
    {
        return Some("Windows environment-variable shortcut");
    }
    if path.split(['/', '\\']).any(|c| c == "..") {
        return Some("`..` component leads out of the bag");
    }
    None
}

/// Parses a manifest or tag manifest that has already been decoded from the
/// declared tag-file encoding. `strict_duplicates` applies BagIt 1.0's rule
/// that a path may be listed only once (an error; earlier versions: a
/// warning unless the checksums differ).
pub fn parse_manifest(
    text: &str,
    file: &str,
    algorithm: Option<Algorithm>,
    strict_duplicates: bool,
) -> (Vec<ManifestEntry>, Vec<Problem>) {
    let mut entries: Vec<ManifestEntry> = Vec::new();
    let mut problems = Vec::new();
    for (n, line) in split_lines(text).enumerate() {
        if let Some(e) = parse_manifest_line(line, n + 1, file, algorithm, &mut problems) {
            entries.push(e);
        }
    }
    let entries = drop_duplicates(entries, file, strict_duplicates, &mut problems);
    (entries, problems)
}

/// Parses line `lineno` (1-based) of a manifest: `None` for a blank line or
/// one that cannot be used (reported in `problems`).
pub(crate) fn parse_manifest_line(
    line: &str,
    lineno: usize,
    file: &str,
    algorithm: Option<Algorithm>,
    problems: &mut Vec<Problem>,
) -> Option<ManifestEntry> {
    if line.trim().is_empty() {
        return None;
    }
    let malformed = |reason: String| {
        Problem::error(Some(file), ProblemKind::MalformedManifestLine { reason }).at_line(lineno)
    };
    let Some(split) = line.find([' ', '\t']) else {
        problems.push(malformed(format!(
            "no whitespace between checksum and path in `{line}`"
        )));
        return None;
    };
    let (hex, rest) = line.split_at(split);
    let raw_path = rest.trim_start_matches([' ', '\t']);
    let Some(digest) = Digest::from_hex(hex) else {
        problems.push(malformed(format!("`{hex}` is not a hexadecimal checksum")));
        return None;
    };
    if let Some(a) = algorithm
        && hex.len() != a.hex_len()
    {
        problems.push(malformed(format!(
            "a {a} checksum has {} hex digits, not {}",
            a.hex_len(),
            hex.len()
        )));
        return None;
    }
    if raw_path.is_empty() {
        problems.push(malformed("no path after the checksum".into()));
        return None;
    }
    let path = canonical_path(raw_path, file, lineno, problems)?;
    Some(ManifestEntry {
        path,
        digest,
        line: lineno,
    })
}

/// The problem for an entry listing the same path as the one before it
/// (`conflicting` if their checksums differ).
pub(crate) fn duplicate_problem(
    path: &str,
    line: usize,
    conflicting: bool,
    file: &str,
    strict_duplicates: bool,
) -> Problem {
    let severity = if conflicting || strict_duplicates {
        Severity::Error
    } else {
        Severity::Warning
    };
    Problem::new(
        severity,
        Some(file),
        ProblemKind::DuplicateManifestEntry {
            path: path.to_owned(),
            conflicting,
        },
    )
    .at_line(line)
}

/// Reports paths listed more than once (after decoding) and drops the
/// repeats that agree with the entry before them; conflicting repeats stay.
pub(crate) fn drop_duplicates(
    entries: Vec<ManifestEntry>,
    file: &str,
    strict_duplicates: bool,
    problems: &mut Vec<Problem>,
) -> Vec<ManifestEntry> {
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by(|&a, &b| entries[a].path.cmp(&entries[b].path).then(a.cmp(&b)));
    let mut drop = vec![false; entries.len()];
    for w in order.windows(2) {
        let (a, b) = (&entries[w[0]], &entries[w[1]]);
        if a.path == b.path {
            let conflicting = a.digest != b.digest;
            problems.push(duplicate_problem(
                &b.path,
                b.line,
                conflicting,
                file,
                strict_duplicates,
            ));
            if !conflicting {
                drop[w[1]] = true;
            }
        }
    }
    entries
        .into_iter()
        .zip(drop)
        .filter_map(|(e, d)| (!d).then_some(e))
        .collect()
}

/// Decodes a listed path and removes harmless oddities, reporting each;
/// returns `None` (after reporting an error) for unsafe paths.
fn canonical_path(
    raw: &str,
    file: &str,
    lineno: usize,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    let mut path = raw;
    // md5sum's binary-mode marker: `checksum *path`.
    if let Some(p) = path.strip_prefix('*') {
        path = p;
    }
    while let Some(p) = path.strip_prefix("./") {
        path = p;
    }
    let decoded = decode_path(path);
    if let Some(reason) = unsafe_path_reason(&decoded) {
        problems.push(
            Problem::error(
                Some(file),
                ProblemKind::PathOutsideBag {
                    path: raw.to_owned(),
                    reason: reason.to_owned(),
                },
            )
            .at_line(lineno),
        );
        return None;
    }
    // Empty and `.` components (`data//x`, `data/./x`) are read away.
    let cleaned = decoded
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect::<Vec<_>>()
        .join("/");
    if path != raw || cleaned != decoded {
        problems.push(
            Problem::warning(
                Some(file),
                ProblemKind::NonCanonicalPath {
                    listed: raw.to_owned(),
                    read_as: cleaned.clone(),
                },
            )
            .at_line(lineno),
        );
    }
    Some(cleaned)
}

/// One line of `fetch.txt`: `url length path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchEntry {
    /// Where the file can be fetched from.
    pub url: String,
    /// Its length in bytes, if given (`-` means unknown).
    pub length: Option<u64>,
    /// The path in the bag, percent-decoded.
    pub path: String,
    /// The 1-based line number.
    pub line: usize,
}

/// Parses decoded `fetch.txt` text.
pub fn parse_fetch(text: &str, file: &str) -> (Vec<FetchEntry>, Vec<Problem>) {
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for (n, line) in split_lines(text).enumerate() {
        let lineno = n + 1;
        if line.trim().is_empty() {
            continue;
        }
        let malformed = |reason: String| {
            Problem::error(Some(file), ProblemKind::MalformedFetchLine { reason }).at_line(lineno)
        };
        let mut parts = line.splitn(3, [' ', '\t']);
        let (Some(url), Some(length), Some(raw_path)) = (parts.next(), parts.next(), parts.next())
        else {
            problems.push(malformed(format!(
                "expected `url length path`, found `{line}`"
            )));
            continue;
        };
        let raw_path = raw_path.trim_start_matches([' ', '\t']);
        if url.is_empty() || !url.contains(':') {
            problems.push(malformed(format!("`{url}` is not a URL")));
            continue;
        }
        let length = if length == "-" {
            None
        } else if let Ok(n) = length.parse::<u64>() {
            Some(n)
        } else {
            problems.push(malformed(format!(
                "length `{length}` is neither a number nor `-`"
            )));
            continue;
        };
        let Some(path) = canonical_path(raw_path, file, lineno, &mut problems) else {
            continue;
        };
        if !path.starts_with("data/") {
            problems.push(
                Problem::error(
                    Some(file),
                    ProblemKind::WrongManifestScope { path: path.clone() },
                )
                .at_line(lineno),
            );
            continue;
        }
        entries.push(FetchEntry {
            url: url.to_owned(),
            length,
            path,
            line: lineno,
        });
    }
    (entries, problems)
}

/// Writes `fetch.txt` lines.
pub fn write_fetch(entries: &[FetchEntry]) -> String {
    let mut out = String::new();
    for e in entries {
        let len = e.length.map_or_else(|| "-".to_owned(), |n| n.to_string());
        out.push_str(&format!("{} {} {}\n", e.url, len, encode_path(&e.path)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_lengths_are_those_of_the_lines_written() {
        for path in [
            "data/a.txt",
            "*star",
            "data/%",
            "a\nb\rc%d",
            "données/ü",
            "",
        ] {
            for len in [0, 20, 32, 64] {
                let mut line = String::new();
                push_manifest_line(&mut line, path, &vec![0xab; len]);
                assert_eq!(manifest_line_len(path, len), line.len() as u64, "{path:?}");
            }
        }
    }
    use crate::checksum::hash_bytes;
    use proptest::prelude::*;

    #[test]
    fn percent_coding_is_exact() {
        assert_eq!(encode_path("a%b\nc\rd é"), "a%25b%0Ac%0Dd é");
        assert_eq!(decode_path("a%25b%0Ac%0dd"), "a%b\nc\rd");
        // Only the three sequences are decoded.
        assert_eq!(decode_path("data/%7Etest1.txt"), "data/%7Etest1.txt");
        assert_eq!(decode_path("data/%test2.txt"), "data/%test2.txt");
        assert_eq!(decode_path("%2"), "%2");
        assert_eq!(decode_path("%"), "%");
        assert_eq!(decode_path("x%25"), "x%");
        assert_eq!(decode_path("%2525"), "%25");
    }

    #[test]
    fn unsafe_paths() {
        let cases = [
            ("data/x", None),
            ("data/..foo", None),
            ("data/%7Edir2/x", None),
            ("data/~test3.txt", None),
            (
                "../../../README.md",
                Some("`..` component leads out of the bag"),
            ),
            ("data/../../x", Some("`..` component leads out of the bag")),
            ("data\\..\\x", Some("`..` component leads out of the bag")),
            ("/tmp/foo", Some("absolute path")),
            ("~/foo", Some("home-directory shortcut (`~` or `~user`)")),
            (
                "~root/foo",
                Some("home-directory shortcut (`~` or `~user`)"),
            ),
            ("C:\\Windows\\x.exe", Some("Windows drive letter")),
            (
                "\\\\?\\UNC\\server\\x",
                Some("absolute Windows or UNC path"),
            ),
            (
                "%HomeDrive%\\Windows\\x",
                Some("Windows environment-variable shortcut"),
            ),
            ("", Some("empty path")),
            ("data/a\0b", Some("contains a NUL character")),
        ];
        for (path, want) in cases {
            assert_eq!(unsafe_path_reason(path), want, "{path:?}");
        }
    }

    #[test]
    fn parse_forms() {
        let d = "b1946ac92492d2347c6235b4d2611184";
        let text = format!(
            "{d} *data/hello.txt\r\n{d}\t./data/x y.txt\n{d}  data/a%0Ab\n\n{d}  ../etc/passwd\nzz data/q\n{d}"
        );
        let (entries, problems) =
            parse_manifest(&text, "manifest-md5.txt", Some(Algorithm::Md5), true);
        let paths: Vec<&str> = entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["data/hello.txt", "data/x y.txt", "data/a\nb"]);
        let codes: Vec<(&str, Option<usize>)> =
            problems.iter().map(|p| (p.kind.code(), p.line)).collect();
        assert_eq!(
            codes,
            [
                ("non-canonical-path", Some(1)),
                ("non-canonical-path", Some(2)),
                ("path-outside-bag", Some(5)),
                ("malformed-manifest-line", Some(6)),
                ("malformed-manifest-line", Some(7)),
            ]
        );
    }

    #[test]
    fn leading_star_survives() {
        let d = Digest::from_hex("00").unwrap();
        let text = write_manifest([("*x", &d)]);
        assert_eq!(text, "00  **x\n");
        let (entries, _) = parse_manifest(&text, "m", None, true);
        assert_eq!(entries[0].path, "*x");
    }

    #[test]
    fn duplicates_by_version() {
        let d = "b1946ac92492d2347c6235b4d2611184";
        let e = "deadbeef92492d2347c6235b4d2611184";
        let same = format!("{d}  data/x\n{d}  data/x\n");
        let (entries, p) = parse_manifest(&same, "m", Some(Algorithm::Md5), true);
        assert_eq!(entries.len(), 1);
        assert!(p[0].is_error());
        let (_, p) = parse_manifest(&same, "m", Some(Algorithm::Md5), false);
        assert!(!p[0].is_error());
        let diff = format!("{d}  data/x\n{}  data/x\n", &e[..32]);
        let (entries, p) = parse_manifest(&diff, "m", Some(Algorithm::Md5), false);
        assert_eq!(entries.len(), 2);
        assert!(p[0].is_error());
    }

    #[test]
    fn fetch_lines() {
        let text = "http://x/a - data/a\nhttp://x/b 12 data/b c\nhttp://x/c 12 ../c\nnonsense\nhttp://x/d abc data/d\n";
        let (entries, problems) = parse_fetch(text, "fetch.txt");
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1].path, "data/b c");
        assert_eq!(entries[1].length, Some(12));
        assert_eq!(problems.len(), 3);
        assert_eq!(
            write_fetch(&entries),
            "http://x/a - data/a\nhttp://x/b 12 data/b c\n"
        );
    }

    proptest! {
        #[test]
        fn manifest_round_trip(
            names in proptest::collection::btree_set("[a-zA-Z0-9 %\r\né_.-]{1,12}", 1..10)
        ) {
            let names: Vec<String> = names
                .into_iter()
                .filter(|n| n != "." && n != ".." && !n.trim().is_empty())
                .map(|n| format!("data/{n}"))
                .collect();
            let digests: Vec<Digest> =
                names.iter().map(|n| hash_bytes(n.as_bytes(), &[Algorithm::Sha256])[0].1).collect();
            let text = write_manifest(names.iter().map(String::as_str).zip(&digests));
            prop_assert!(!text.contains('\r'));
            prop_assert_eq!(text.lines().count(), names.len());
            let (entries, problems) = parse_manifest(&text, "manifest-sha256.txt", Some(Algorithm::Sha256), true);
            prop_assert!(problems.is_empty(), "{:?}", problems);
            let back: Vec<(String, Digest)> = entries.into_iter().map(|e| (e.path, e.digest)).collect();
            let want: Vec<(String, Digest)> = names.into_iter().zip(digests).collect();
            prop_assert_eq!(back, want);
        }

        #[test]
        fn decode_inverts_encode(s in "\\PC{0,40}|[%\r\n0aAdD25]{0,20}") {
            prop_assert_eq!(decode_path(&encode_path(&s)), s);
        }
    }
}
