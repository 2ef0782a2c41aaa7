//! Tag files: the bag declaration (`bagit.txt`) and the bag metadata
//! (`bag-info.txt`), RFC 8493 §2.1.1 and §2.2.2.
//!
//! This module owns the `Label: value` format, its continuation lines
//! (folding) and the character encodings tag files may be declared in. It
//! is the only place that splits on `:`.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;
use crate::report::{Problem, ProblemKind};

/// The file name of the bag declaration.
pub const BAG_DECLARATION: &str = "bagit.txt";
/// The file name of the bag metadata (BagIt 0.96 and later).
pub const BAG_INFO: &str = "bag-info.txt";
/// The file name of the bag metadata in BagIt 0.93 to 0.95.
pub const PACKAGE_INFO: &str = "package-info.txt";

/// Lines longer than this are folded when written (RFC 8493 §2.2.2
/// recommends 79 characters).
pub const FOLD_WIDTH: usize = 79;

/// A BagIt version number such as `1.0` or `0.97`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// Major number.
    pub major: u32,
    /// Minor number.
    pub minor: u32,
}

impl Version {
    /// BagIt 1.0 (RFC 8493), the version newsbag writes.
    pub const V1_0: Version = Version { major: 1, minor: 0 };
    /// BagIt 0.97, the last draft before the RFC.
    pub const V0_97: Version = Version {
        major: 0,
        minor: 97,
    };

    /// The versions whose rules newsbag knows.
    pub const KNOWN: [Version; 6] = [
        Version {
            major: 0,
            minor: 93,
        },
        Version {
            major: 0,
            minor: 94,
        },
        Version {
            major: 0,
            minor: 95,
        },
        Version {
            major: 0,
            minor: 96,
        },
        Version::V0_97,
        Version::V1_0,
    ];

    /// Whether newsbag knows the rules of this version.
    pub fn is_known(self) -> bool {
        Version::KNOWN.contains(&self)
    }

    /// The name of the bag metadata file in this version.
    pub fn info_file_name(self) -> &'static str {
        if self
            < (Version {
                major: 0,
                minor: 96,
            })
        {
            PACKAGE_INFO
        } else {
            BAG_INFO
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl FromStr for Version {
    type Err = ();

    /// Parses exactly `<digits>.<digits>`.
    fn from_str(s: &str) -> Result<Self, ()> {
        let (major, minor) = dotted_pair(s).ok_or(())?;
        Ok(Version {
            major: u32::try_from(major).map_err(|_| ())?,
            minor: u32::try_from(minor).map_err(|_| ())?,
        })
    }
}

/// Parses exactly `<digits>.<digits>` (no sign, no spaces, no exponent).
fn dotted_pair(s: &str) -> Option<(u64, u64)> {
    let (a, b) = s.split_once('.')?;
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit());
    if !digits(a) || !digits(b) {
        return None;
    }
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// The contents of `bagit.txt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BagDeclaration {
    /// `BagIt-Version`.
    pub version: Version,
    /// `Tag-File-Character-Encoding`, as declared.
    pub encoding: String,
}

impl BagDeclaration {
    /// The declaration newsbag writes: BagIt 1.0, UTF-8.
    pub fn new() -> Self {
        BagDeclaration {
            version: Version::V1_0,
            encoding: "UTF-8".to_owned(),
        }
    }

    /// The bytes of `bagit.txt`: two lines, LF endings, no BOM.
    pub fn to_bytes(&self) -> Vec<u8> {
        format!(
            "BagIt-Version: {}\nTag-File-Character-Encoding: {}\n",
            self.version, self.encoding
        )
        .into_bytes()
    }

    /// Parses `bagit.txt` strictly (§2.1.1): UTF-8 without a BOM, exactly
    /// the two lines in order, each `Label: value` with one space. Returns
    /// the declaration if it could be understood at all, and every problem.
    pub fn parse(bytes: &[u8]) -> (Option<BagDeclaration>, Vec<Problem>) {
        let file = Some(BAG_DECLARATION);
        let mut problems = Vec::new();
        let mut body = bytes;
        if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
            problems.push(Problem::error(file, ProblemKind::BomInBagDeclaration));
            body = rest;
        }
        let Ok(text) = std::str::from_utf8(body) else {
            problems.push(Problem::error(
                file,
                ProblemKind::MalformedBagDeclaration {
                    reason: "not valid UTF-8".into(),
                },
            ));
            return (None, problems);
        };
        let lines: Vec<&str> = split_lines(text).collect();
        let malformed =
            |reason: String| Problem::error(file, ProblemKind::MalformedBagDeclaration { reason });
        if lines.len() != 2 {
            problems.push(malformed(format!(
                "expected exactly 2 lines (BagIt-Version, Tag-File-Character-Encoding), found {}",
                lines.len()
            )));
        }
        let mut version = None;
        let mut encoding = None;
        for (i, line) in lines.iter().enumerate() {
            let expected = match i {
                0 => "BagIt-Version",
                1 => "Tag-File-Character-Encoding",
                _ => break,
            };
            let Some((label, value)) = line.split_once(':') else {
                problems
                    .push(malformed(format!("line {}: no `:` in `{line}`", i + 1)).at_line(i + 1));
                continue;
            };
            if label != expected {
                let trimmed = label.trim();
                if trimmed == expected {
                    problems.push(
                        malformed(format!(
                            "line {}: whitespace around the label `{expected}`",
                            i + 1
                        ))
                        .at_line(i + 1),
                    );
                } else {
                    problems.push(
                        malformed(format!(
                            "line {}: expected `{expected}`, found `{label}`",
                            i + 1
                        ))
                        .at_line(i + 1),
                    );
                    continue;
                }
            }
            let Some(value) = value.strip_prefix(' ') else {
                problems.push(
                    malformed(format!(
                        "line {}: the `:` must be followed by one space",
                        i + 1
                    ))
                    .at_line(i + 1),
                );
                continue;
            };
            if value.trim() != value || value.is_empty() {
                problems.push(
                    malformed(format!(
                        "line {}: stray whitespace in value `{value}`",
                        i + 1
                    ))
                    .at_line(i + 1),
                );
            }
            if i == 0 {
                match value.trim().parse::<Version>() {
                    Ok(v) if v.is_known() => version = Some(v),
                    Ok(_) | Err(()) => problems.push(
                        Problem::error(
                            file,
                            ProblemKind::UnsupportedVersion {
                                version: value.to_owned(),
                            },
                        )
                        .at_line(1),
                    ),
                }
            } else {
                let enc = value.trim();
                if encoding_for(enc).is_none() {
                    problems.push(
                        Problem::error(
                            file,
                            ProblemKind::UnknownTagFileEncoding {
                                encoding: enc.to_owned(),
                            },
                        )
                        .at_line(2),
                    );
                }
                encoding = Some(enc.to_owned());
            }
        }
        let declaration = version.map(|version| BagDeclaration {
            version,
            encoding: encoding.unwrap_or_else(|| "UTF-8".to_owned()),
        });
        (declaration, problems)
    }
}

impl Default for BagDeclaration {
    fn default() -> Self {
        BagDeclaration::new()
    }
}

/// Splits text into lines ending in LF, CR or CRLF (all three are allowed in
/// tag files). A final line ending does not start an empty line.
pub fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        // memchr2 finds the same position as `find(['\r', '\n'])`, a
        // word at a time (manifests of a million lines are split here).
        match memchr::memchr2(b'\r', b'\n', rest.as_bytes()) {
            None => {
                let line = rest;
                rest = "";
                Some(line)
            }
            Some(i) => {
                let line = &rest[..i];
                let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = &rest[i + skip..];
                Some(line)
            }
        }
    })
}

/// The encoding_rs encoding for a declared tag-file encoding name.
///
/// `UTF-16` (with its BOM deciding the byte order) and the IANA names used in
/// real bags are accepted; ISO-8859-1 maps to windows-1252 as the WHATWG
/// Encoding Standard does (identical on every byte bags use in practice).
pub fn encoding_for(label: &str) -> Option<&'static encoding_rs::Encoding> {
    encoding_rs::Encoding::for_label_no_replacement(label.trim().as_bytes())
}

/// Decodes a tag file (other than bagit.txt) in the declared encoding.
///
/// A leading BOM is removed: for UTF-16 it decides the byte order; in a
/// UTF-8 file it is reported as a warning. Malformed bytes are reported as an
/// error and replaced with U+FFFD so that parsing can go on.
pub fn decode_tag_file(bytes: &[u8], declared: &str, file: &str) -> (String, Vec<Problem>) {
    let mut problems = Vec::new();
    let Some(encoding) = encoding_for(declared) else {
        // bagit.txt already reported the unknown encoding; read as UTF-8.
        let (text, _) = decode_with(bytes, encoding_rs::UTF_8, file, declared, &mut problems);
        return (text, problems);
    };
    let (text, _) = decode_with(bytes, encoding, file, declared, &mut problems);
    (text, problems)
}

fn decode_with(
    bytes: &[u8],
    encoding: &'static encoding_rs::Encoding,
    file: &str,
    declared: &str,
    problems: &mut Vec<Problem>,
) -> (String, bool) {
    let bom = encoding_rs::Encoding::for_bom(bytes);
    let (encoding, body) = match bom {
        Some((bom_enc, len)) => {
            let utf16_declared =
                encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE;
            if bom_enc == encoding_rs::UTF_8 && encoding == encoding_rs::UTF_8 {
                problems.push(Problem::warning(Some(file), ProblemKind::BomInTagFile));
                (encoding, &bytes[len..])
            } else if utf16_declared && bom_enc != encoding_rs::UTF_8 {
                (bom_enc, &bytes[len..])
            } else {
                (encoding, bytes)
            }
        }
        None => (encoding, bytes),
    };
    let (text, had_errors) = encoding.decode_without_bom_handling(body);
    if had_errors {
        problems.push(Problem::error(
            Some(file),
            ProblemKind::TagFileEncoding {
                encoding: declared.to_owned(),
            },
        ));
    }
    (text.into_owned(), had_errors)
}

/// Labels that RFC 8493 §2.2.2 says must not be repeated.
pub const NON_REPEATABLE: [&str; 5] = [
    "Bagging-Date",
    "Bag-Size",
    "Payload-Oxum",
    "Bag-Group-Identifier",
    "Bag-Count",
];

/// The metadata elements of `bag-info.txt`, in file order, repeats kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BagInfo {
    entries: Vec<(String, String)>,
}

impl BagInfo {
    /// An empty bag-info.
    pub fn new() -> Self {
        BagInfo::default()
    }

    /// Appends `label: value` after checking that it can be written and read
    /// back unchanged: the label must be non-empty, without `:`, line breaks
    /// or surrounding whitespace; the value must not contain line breaks.
    pub fn push(&mut self, label: &str, value: &str) -> Result<(), Error> {
        let bad = |reason| Error::InvalidInfo {
            label: label.to_owned(),
            reason,
        };
        if label.is_empty() {
            return Err(bad("the label is empty"));
        }
        if label.contains(':') {
            return Err(bad("the label contains `:`"));
        }
        if label.trim() != label {
            return Err(bad("the label starts or ends with whitespace"));
        }
        if label.chars().any(char::is_control) || value.contains(['\r', '\n']) {
            return Err(bad("line breaks and control characters cannot be written"));
        }
        self.entries.push((label.to_owned(), value.to_owned()));
        Ok(())
    }

    /// All entries in order.
    pub fn entries(&self) -> &[(String, String)] {
        &self.entries
    }

    /// The first value of `label` (labels compare ASCII case-insensitively).
    pub fn get(&self, label: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(l, _)| l.eq_ignore_ascii_case(label))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `label`, in order.
    pub fn get_all<'a>(&'a self, label: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.entries
            .iter()
            .filter(move |(l, _)| l.eq_ignore_ascii_case(label))
            .map(|(_, v)| v.as_str())
    }

    /// Writes `Label: value` lines with LF endings, folding lines longer
    /// than [`FOLD_WIDTH`] before a space so that unfolding (removing the
    /// line break, RFC 5322 §2.2.3) gives back the exact value.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = String::new();
        for (label, value) in &self.entries {
            let mut line = format!("{label}: ");
            let mut width = line.chars().count();
            let mut first = true;
            for piece in split_before_spaces(value) {
                let len = piece.chars().count();
                if !first && width + len > FOLD_WIDTH && !piece.trim().is_empty() {
                    line.push('\n');
                    width = 0;
                }
                line.push_str(piece);
                width += len;
                first = false;
            }
            out.push_str(&line);
            out.push('\n');
        }
        out.into_bytes()
    }

    /// Parses decoded bag-info text. `strict` applies BagIt 1.0's rules (one
    /// whitespace after the colon, no whitespace around labels, reserved
    /// labels not repeated); otherwise the looser forms of earlier versions
    /// (`Label : value`) are accepted and values trimmed.
    pub fn parse(text: &str, file: &str, strict: bool) -> (BagInfo, Vec<Problem>) {
        let mut info = BagInfo::new();
        let mut problems = Vec::new();
        let mut last: Option<usize> = None;
        for (n, line) in split_lines(text).enumerate() {
            let lineno = n + 1;
            let malformed = |reason: String| {
                Problem::error(Some(file), ProblemKind::MalformedTagLine { reason }).at_line(lineno)
            };
            if line.starts_with([' ', '\t']) {
                match last {
                    Some(i) if !line.trim().is_empty() => {
                        if strict {
                            info.entries[i].1.push_str(line);
                        } else {
                            info.entries[i].1.push(' ');
                            info.entries[i].1.push_str(line.trim());
                        }
                    }
                    Some(_) => problems.push(
                        Problem::warning(
                            Some(file),
                            ProblemKind::MalformedTagLine {
                                reason: "blank line".into(),
                            },
                        )
                        .at_line(lineno),
                    ),
                    None => problems.push(malformed("a continuation line before any label".into())),
                }
                continue;
            }
            if line.is_empty() {
                problems.push(
                    Problem::warning(
                        Some(file),
                        ProblemKind::MalformedTagLine {
                            reason: "blank line".into(),
                        },
                    )
                    .at_line(lineno),
                );
                continue;
            }
            let Some((label, value)) = line.split_once(':') else {
                problems.push(malformed(format!("no `:` in `{line}`")));
                last = None;
                continue;
            };
            let (label, value) = if strict {
                if label.trim() != label || label.is_empty() {
                    problems.push(malformed(format!(
                        "the label `{label}` is empty or has surrounding whitespace"
                    )));
                }
                match value.strip_prefix([' ', '\t']) {
                    Some(v) => (label.trim(), v),
                    None => {
                        problems.push(malformed(format!(
                            "the `:` after `{label}` must be followed by a space or tab"
                        )));
                        (label.trim(), value)
                    }
                }
            } else {
                (label.trim(), value.trim())
            };
            if label.is_empty() {
                problems.push(malformed("empty label".into()));
            }
            info.entries.push((label.to_owned(), value.to_owned()));
            last = Some(info.entries.len() - 1);
        }
        for reserved in NON_REPEATABLE {
            if info.get_all(reserved).count() > 1 {
                let p = ProblemKind::RepeatedLabel {
                    label: reserved.to_owned(),
                };
                let values: std::collections::BTreeSet<&str> = info.get_all(reserved).collect();
                // Before 1.0 any element may repeat (0.97 §2.2.2), but two
                // different Payload-Oxum values cannot both describe the
                // payload.
                let conflicting_oxum = reserved == "Payload-Oxum" && values.len() > 1;
                problems.push(if strict || conflicting_oxum {
                    Problem::error(Some(file), p)
                } else {
                    Problem::warning(Some(file), p)
                });
            }
        }
        (info, problems)
    }
}

/// Splits `s` into pieces each starting at a space (except possibly the
/// first), the places where a fold may be inserted.
fn split_before_spaces(s: &str) -> impl Iterator<Item = &str> {
    let mut rest = s;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let start = usize::from(rest.starts_with(' '));
        let end = rest[start..].find(' ').map_or(rest.len(), |i| i + start);
        let (piece, tail) = rest.split_at(end);
        rest = tail;
        Some(piece)
    })
}

/// `Payload-Oxum`: the octet count and stream (file) count of the payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PayloadOxum {
    /// Total payload bytes.
    pub octets: u64,
    /// Number of payload files.
    pub streams: u64,
}

impl fmt::Display for PayloadOxum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.octets, self.streams)
    }
}

impl FromStr for PayloadOxum {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        let (octets, streams) = dotted_pair(s.trim()).ok_or(())?;
        Ok(PayloadOxum { octets, streams })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn declaration_round_trip() {
        let d = BagDeclaration::new();
        let bytes = d.to_bytes();
        assert_eq!(
            bytes,
            b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
        );
        let (back, problems) = BagDeclaration::parse(&bytes);
        assert_eq!(back, Some(d));
        assert!(problems.is_empty());
    }

    #[test]
    fn declaration_table() {
        // (bytes, valid?, expected problem code or "")
        let cases: &[(&[u8], bool, &str)] = &[
            (
                b"BagIt-Version: 0.97\r\nTag-File-Character-Encoding: UTF-8\r\n",
                true,
                "",
            ),
            (
                b"BagIt-Version: 0.97\rTag-File-Character-Encoding: UTF-8",
                true,
                "",
            ),
            (
                b"\xEF\xBB\xBFBagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-8\n",
                false,
                "bom-in-bag-declaration",
            ),
            (
                b"BagIt-Version : 1.0\nTag-File-Character-Encoding : UTF-8\n",
                false,
                "malformed-bag-declaration",
            ),
            (
                b"BagIt-Version: .97\nTag-File-Character-Encoding: UTF-8\n",
                false,
                "unsupported-version",
            ),
            (
                b"BagIt-Version: 2.0\nTag-File-Character-Encoding: UTF-8\n",
                false,
                "unsupported-version",
            ),
            (b"BagIt-Version: 0.97\n", false, "malformed-bag-declaration"),
            (
                b"BagIt-Version: 1.0 \nTag-File-Character-Encoding: UTF-8\n",
                false,
                "malformed-bag-declaration",
            ),
            (
                b"Tag-File-Character-Encoding: UTF-8\nBagIt-Version: 1.0\n",
                false,
                "malformed-bag-declaration",
            ),
            (
                b"BagIt-Version: 1.0\nTag-File-Character-Encoding: KLINGON\n",
                false,
                "unknown-tag-file-encoding",
            ),
            (
                b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n\n",
                false,
                "malformed-bag-declaration",
            ),
            (b"\xff\xfe", false, "malformed-bag-declaration"),
            (b"", false, "malformed-bag-declaration"),
        ];
        for (bytes, valid, code) in cases {
            let (_, problems) = BagDeclaration::parse(bytes);
            let ok = !problems.iter().any(Problem::is_error);
            assert_eq!(
                ok,
                *valid,
                "{:?}: {problems:?}",
                String::from_utf8_lossy(bytes)
            );
            if !code.is_empty() {
                assert!(
                    problems.iter().any(|p| p.kind.code() == *code),
                    "{:?}: expected {code}, got {problems:?}",
                    String::from_utf8_lossy(bytes)
                );
            }
        }
    }

    #[test]
    fn info_versions_differ_on_separators() {
        let text = "Test-Tag : 3\nOther:\tx\n";
        let (_, loose) = BagInfo::parse(text, BAG_INFO, false);
        assert!(loose.is_empty(), "{loose:?}");
        let (_, strict) = BagInfo::parse(text, BAG_INFO, true);
        assert!(strict.iter().any(Problem::is_error));
    }

    #[test]
    fn info_continuation_and_repeats() {
        let text = "External-Description: Uncompressed greyscale TIFF images from the\r\n         Yoshimuri papers collection.\r\nA: 1\r\nA: 2\r\n";
        let (info, problems) = BagInfo::parse(text, BAG_INFO, false);
        assert!(problems.is_empty());
        assert_eq!(
            info.get("External-Description"),
            Some("Uncompressed greyscale TIFF images from the Yoshimuri papers collection.")
        );
        assert_eq!(info.get_all("a").collect::<Vec<_>>(), ["1", "2"]);
    }

    #[test]
    fn repeated_oxum() {
        let (_, p) = BagInfo::parse("Payload-Oxum: 1.1\nPayload-Oxum: 1.1\n", BAG_INFO, true);
        assert!(
            p.iter()
                .any(|p| p.is_error() && p.kind.code() == "repeated-label")
        );
        let (_, p) = BagInfo::parse("Payload-Oxum: 1.1\nPayload-Oxum: 1.1\n", BAG_INFO, false);
        assert!(p.iter().all(|p| !p.is_error()) && !p.is_empty());
        let (_, p) = BagInfo::parse("Payload-Oxum: 1.1\nPayload-Oxum: 2.1\n", BAG_INFO, false);
        assert!(p.iter().any(Problem::is_error));
        // 0.97 allows any element to repeat (conformance suite case
        // v0.97/valid/duplicate-metadata-entries).
        let (_, p) = BagInfo::parse(
            "Bagging-Date: 2016-02-26\nBagging-Date: 2016-03-10\n",
            BAG_INFO,
            false,
        );
        assert!(!p.iter().any(Problem::is_error));
    }

    #[test]
    fn push_refuses_unwritable() {
        let mut info = BagInfo::new();
        assert!(info.push("A:B", "x").is_err());
        assert!(info.push(" A", "x").is_err());
        assert!(info.push("", "x").is_err());
        assert!(info.push("A", "x\ny").is_err());
        assert!(info.push("A", "x y").is_ok());
    }

    #[test]
    fn oxum_parse() {
        assert_eq!(
            "58.2".parse::<PayloadOxum>(),
            Ok(PayloadOxum {
                octets: 58,
                streams: 2
            })
        );
        assert!("58".parse::<PayloadOxum>().is_err());
        assert!("a.b".parse::<PayloadOxum>().is_err());
        assert!("1.2.3".parse::<PayloadOxum>().is_err());
    }

    #[test]
    fn utf16_tag_file_decodes() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "Payload-Oxum: 1.1\n".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let (text, problems) = decode_tag_file(&bytes, "UTF-16", BAG_INFO);
        assert_eq!(text, "Payload-Oxum: 1.1\n");
        assert!(problems.is_empty());
        let (_, problems) = decode_tag_file(b"\xff\xfe\xfd", "UTF-8", "manifest-md5.txt");
        assert!(problems.iter().any(Problem::is_error));
        let (text, problems) = decode_tag_file(b"\xEF\xBB\xBFa", "UTF-8", "manifest-md5.txt");
        assert_eq!(text, "a");
        assert!(problems.iter().all(|p| !p.is_error()) && problems.len() == 1);
    }

    fn label() -> impl Strategy<Value = String> {
        "[A-Za-z][A-Za-z0-9 _-]{0,20}[A-Za-z0-9]"
    }

    proptest! {
        #[test]
        fn info_write_parse_round_trip(
            entries in proptest::collection::vec(
                (label(), "[^\r\n]{0,200}"), 0..8)
        ) {
            let mut info = BagInfo::new();
            for (l, v) in &entries {
                info.push(l, v).unwrap();
            }
            let bytes = info.to_bytes();
            let text = String::from_utf8(bytes).unwrap();
            let (back, problems) = BagInfo::parse(&text, BAG_INFO, true);
            let reserved_repeated = problems.iter().all(|p| p.kind.code() == "repeated-label");
            prop_assert!(reserved_repeated, "{:?}", problems);
            prop_assert_eq!(back, info);
        }
    }
}
