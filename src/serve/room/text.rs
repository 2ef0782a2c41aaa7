//! Small pure helpers of the reading room: writing direction of a
//! language, snippet highlighting, request limits, safe header values and
//! the query strings of its links.

/// Primary language subtags written right to left (in their usual
/// script): Arabic, Persian, Dari, Urdu, Pashto, Sindhi, Kurdish (Sorani),
/// Uyghur, Dhivehi, Hebrew (and its old code), Yiddish, Syriac, N'Ko.
const RTL_LANGUAGES: &[&str] = &[
    "ar", "fa", "prs", "pes", "ur", "ps", "sd", "ckb", "ug", "dv", "he", "iw", "yi", "syr", "nqo",
    "arz", "ary", "apc", "acm", "bal", "ks", "azb", "glk", "mzn", "lrc",
];

/// ISO 15924 scripts written right to left.
const RTL_SCRIPTS: &[&str] = &[
    "arab", "aran", "hebr", "syrc", "thaa", "nkoo", "adlm", "rohg", "mand", "samr",
];

/// The longest language tag taken from the catalog into a `lang`
/// attribute (BCP 47 tags in practice are far shorter).
const MAX_TAG: usize = 35;

/// A language tag fit for a `lang` attribute: letters, digits and `-`,
/// starting with a letter; `None` for anything else (such as free text in
/// `dc:language`).
pub(crate) fn language_tag(value: &str) -> Option<&str> {
    let v = value.trim();
    let ok = !v.is_empty()
        && v.len() <= MAX_TAG
        && v.starts_with(|c: char| c.is_ascii_alphabetic())
        && v.split('-')
            .all(|p| !p.is_empty() && p.len() <= 8 && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    ok.then_some(v)
}

/// Whether text in the language `tag` is written right to left: by its
/// script subtag when it has one (`fa-Latn` is not, `az-Arab` is), else
/// by its primary subtag.
pub(crate) fn is_rtl(tag: &str) -> bool {
    let lower = tag.to_ascii_lowercase();
    let mut parts = lower.split('-');
    let primary = parts.next().unwrap_or_default();
    if let Some(script) = parts.find(|p| p.len() == 4 && p.bytes().all(|b| b.is_ascii_alphabetic()))
    {
        return RTL_SCRIPTS.contains(&script);
    }
    RTL_LANGUAGES.contains(&primary)
}

/// The `lang` and `dir` attributes of text in `languages` (an item's
/// `dc:language` values): the first usable tag, `rtl` or `ltr` by it, and
/// `dir="auto"` (the browser looks at the text) when no tag is usable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Direction {
    /// The `lang` attribute, if any.
    pub(crate) lang: Option<String>,
    /// `rtl`, `ltr` or `auto`.
    pub(crate) dir: &'static str,
}

impl Direction {
    pub(crate) fn of(languages: &[String]) -> Direction {
        match languages.iter().find_map(|l| language_tag(l)) {
            Some(tag) => Direction {
                lang: Some(tag.to_owned()),
                dir: if is_rtl(tag) { "rtl" } else { "ltr" },
            },
            None => Direction {
                lang: None,
                dir: "auto",
            },
        }
    }
}

/// One piece of a snippet: words, and whether they matched the query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Part {
    /// The text.
    pub(crate) text: String,
    /// A match, to be shown in `<mark>`.
    pub(crate) matched: bool,
}

/// A snippet of `find` (matches in `[…]`) cut into plain and matched
/// parts, neighbouring words of the same kind joined. A word of the text
/// that was itself written in square brackets is shown as a match too
/// (the snippet cannot tell them apart).
pub(crate) fn snippet_parts(snippet: &str) -> Vec<Part> {
    let mut out: Vec<Part> = Vec::new();
    let mut push = |text: &str, matched: bool| match out.last_mut() {
        Some(last) if !last.matched && !matched => last.text.push_str(text),
        _ => out.push(Part {
            text: text.to_owned(),
            matched,
        }),
    };
    for (i, word) in snippet.split(' ').filter(|w| !w.is_empty()).enumerate() {
        if i > 0 {
            push(" ", false);
        }
        match word.strip_prefix('[').and_then(|w| w.strip_suffix(']')) {
            Some(inner) if !inner.is_empty() => push(inner, true),
            _ => push(word, false),
        }
    }
    out
}

/// A media type safe to send as `Content-Type`: `type/subtype` with
/// optional parameters of visible ASCII; `application/octet-stream` for
/// anything else or nothing.
pub(crate) fn safe_media_type(media_type: Option<&str>) -> String {
    const FALLBACK: &str = "application/octet-stream";
    let Some(mt) = media_type.map(str::trim) else {
        return FALLBACK.into();
    };
    let essence = mt.split(';').next().unwrap_or_default().trim();
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
    };
    let ok = mt.len() <= 200
        && mt.bytes().all(|b| (0x20..0x7f).contains(&b))
        && essence
            .split_once('/')
            .is_some_and(|(t, s)| token(t) && token(s));
    if ok { mt.to_owned() } else { FALLBACK.into() }
}

/// The file name a download of item `id`'s original is offered under:
/// the id and the original's extension (`original.html` → `ID.html`),
/// both reduced to `A-Z a-z 0-9 - _ .` so it can sit in a quoted
/// `Content-Disposition` filename as it is.
pub(crate) fn download_name(id: &str, original: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_') {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    let id = clean(id);
    let id = if id.is_empty() { "item".into() } else { id };
    match original.rsplit_once('.') {
        Some((_, ext)) if !ext.is_empty() && ext.len() <= 16 => format!("{id}.{}", clean(ext)),
        _ => id,
    }
}

/// A query string (without `?`) of `pairs`, form-encoded.
pub(crate) fn query_string<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn right_to_left_languages_and_scripts() {
        for rtl in ["fa", "fa-IR", "AR", "ur", "he", "ckb", "az-Arab", "ps-AF"] {
            assert!(is_rtl(rtl), "{rtl}");
        }
        for ltr in ["en", "fr", "fa-Latn", "de-DE", "tr", "az", "x"] {
            assert!(!is_rtl(ltr), "{ltr}");
        }
    }

    #[test]
    fn directions_of_items() {
        assert_eq!(
            Direction::of(&["fa".into()]),
            Direction {
                lang: Some("fa".into()),
                dir: "rtl"
            }
        );
        assert_eq!(Direction::of(&["en-GB".into(), "fa".into()]).dir, "ltr");
        // Free text is no tag: skipped for the next value, else `auto`.
        assert_eq!(
            Direction::of(&["Persian language".into(), "ur".into()]).lang,
            Some("ur".into())
        );
        assert_eq!(
            Direction::of(&["\"><script>".into()]),
            Direction {
                lang: None,
                dir: "auto"
            }
        );
        assert_eq!(Direction::of(&[]).dir, "auto");
        assert_eq!(language_tag("1en"), None);
        assert_eq!(language_tag("en--GB"), None);
    }

    #[test]
    fn snippets_are_cut_into_marked_parts() {
        let parts = snippet_parts("… این کار [می‌شود] و [ميشود؛] [برنج] …");
        let shown: Vec<(&str, bool)> = parts.iter().map(|p| (p.text.as_str(), p.matched)).collect();
        assert_eq!(
            shown,
            vec![
                ("… این کار ", false),
                ("می‌شود", true),
                (" و ", false),
                ("ميشود؛", true),
                (" ", false),
                ("برنج", true),
                (" …", false),
            ]
        );
        // Put back together, the parts are the snippet without brackets.
        let joined: String = parts.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(joined, "… این کار می‌شود و ميشود؛ برنج …");
        assert_eq!(snippet_parts("a [] b").len(), 1);
        assert!(snippet_parts("").is_empty());
    }

    #[test]
    fn media_types_are_passed_only_when_well_formed() {
        assert_eq!(
            safe_media_type(Some("text/html; charset=windows-1256")),
            "text/html; charset=windows-1256"
        );
        assert_eq!(
            safe_media_type(Some("application/rss+xml")),
            "application/rss+xml"
        );
        for bad in [
            "text",
            "text/html\r\nX-Evil: 1",
            "/x",
            "text/ht ml",
            "تست/x",
        ] {
            assert_eq!(
                safe_media_type(Some(bad)),
                "application/octet-stream",
                "{bad}"
            );
        }
        assert_eq!(safe_media_type(None), "application/octet-stream");
    }

    #[test]
    fn download_names_are_safe_in_a_header() {
        assert_eq!(download_name("seed-fa", "original.txt"), "seed-fa.txt");
        assert_eq!(download_name("a.b", "original.tar.gz"), "a_b.gz");
        assert_eq!(download_name("x", "original.h\"tml"), "x.h_tml");
        assert_eq!(download_name("", "original"), "item");
    }

    #[test]
    fn query_strings_encode_persian_and_separators() {
        assert_eq!(
            query_string([("q", "شهرداری رشت"), ("source", "a&b=c")]),
            "q=%D8%B4%D9%87%D8%B1%D8%AF%D8%A7%D8%B1%DB%8C+%D8%B1%D8%B4%D8%AA&source=a%26b%3Dc"
        );
    }
}
