//! News items: sniff the format of an input and parse it into
//! [`NewsItem`]s.
//!
//! The input of [`parse`] is text already decoded to UTF-8 (detecting and
//! decoding the encoding is another stage). A plain-text or HTML input is
//! one item; an RSS 2.0 or Atom feed gives one item per `<item>`/`<entry>`,
//! each carrying the feed's context ([`FeedContext`]: publisher, language,
//! rights) where it has none of its own.
//!
//! ```
//! use newsbag::item::{self, ItemFormat};
//!
//! let feed = r#"<?xml version="1.0"?>
//! <rss version="2.0"><channel><title>Example News</title><language>en</language>
//!   <item><title>Hello</title><link>https://example.org/hello</link>
//!     <pubDate>Tue, 10 Jun 2003 04:00:00 GMT</pubDate><description>Hi.</description></item>
//! </channel></rss>"#;
//! assert_eq!(item::sniff(feed.as_bytes()), ItemFormat::Rss);
//! let items = item::parse(feed, ItemFormat::Rss)?;
//! assert_eq!(items[0].title.as_deref(), Some("Hello"));
//! assert_eq!(items[0].publisher.as_deref(), Some("Example News"));
//! assert_eq!(items[0].date.as_deref(), Some("2003-06-10T04:00:00Z"));
//! # Ok::<(), newsbag::Error>(())
//! ```
//!
//! Every parser works in time linear in its input and never panics; bad
//! input gives an [`Error`] saying what and where (the caller adds the file
//! name).

use std::fmt;

use crate::error::{Error, Result};

mod feed;
mod html;
mod lang;
mod normalize;
mod text;

pub use feed::FeedContext;
pub use html::{MAX_HTML_DEPTH, html_to_text};
pub use lang::lang_from_text;
pub use text::{MAX_LINE_BYTES, MAX_TITLE_CHARS};

/// One news item as parsed, before it is mapped to Dublin Core.
///
/// Field names follow what they become in [`crate::dc::Record`]
/// (`creators` → `dc:creator`, …); see `docs/dublin-core.md`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewsItem {
    /// The headline.
    pub title: Option<String>,
    /// Authors, as given.
    pub creators: Vec<String>,
    /// Categories, tags and keywords.
    pub subjects: Vec<String>,
    /// The excerpt or summary (plain text).
    pub description: Option<String>,
    /// The site or channel that published the item.
    pub publisher: Option<String>,
    /// The publication date in W3CDTF, when [`date_literal`](Self::date_literal)
    /// could be converted ([`crate::date::to_w3cdtf`]).
    pub date: Option<String>,
    /// The publication date exactly as found, for provenance.
    pub date_literal: Option<String>,
    /// The language as a BCP 47 tag (`fa`, `en-US`).
    pub language: Option<String>,
    /// Whether [`language`](Self::language) was guessed from the text
    /// ([`lang_from_text`]) rather than declared by the input.
    pub language_guessed: bool,
    /// Identifiers: feed GUID or Atom id, link, canonical URL (in that
    /// order, without duplicates).
    pub identifiers: Vec<String>,
    /// The URL of the item on the web (link, canonical URL), if known.
    pub source: Option<String>,
    /// Related resources (Atom `rel="related"`, enclosures).
    pub relation: Vec<String>,
    /// Rights statement.
    pub rights: Option<String>,
    /// The body text: plain UTF-8, one paragraph (or HTML block) per line;
    /// blank lines only where a plain-text original had them.
    pub body: String,
    /// A hint for the item's id in a bag (a GUID or URL slug); not
    /// validated.
    pub id_hint: Option<String>,
    /// Lines recognised as site furniture (sharing buttons, pagination) and
    /// left out of [`body`](Self::body); the original keeps them.
    pub furniture: Vec<String>,
}

impl NewsItem {
    /// Fills what the item lacks from its feed's context, then guesses the
    /// language from the text if still unknown.
    fn finish(&mut self, ctx: Option<&FeedContext>) {
        if let Some(ctx) = ctx {
            if self.publisher.is_none() {
                self.publisher.clone_from(&ctx.publisher);
            }
            if self.language.is_none() {
                self.language = self.inherited_language(ctx.language.as_deref());
            }
            if self.rights.is_none() {
                self.rights.clone_from(&ctx.rights);
            }
            if self.creators.is_empty() {
                self.creators.clone_from(&ctx.creators);
            }
        }
        if self.language.is_none() {
            let guess = lang_from_text(&self.body)
                .or_else(|| self.description.as_deref().and_then(lang_from_text))
                .or_else(|| self.title.as_deref().and_then(lang_from_text));
            if let Some(tag) = guess {
                self.language = Some(tag.to_string());
                self.language_guessed = true;
            }
        }
        if let Some(literal) = &self.date_literal {
            self.date = crate::date::to_w3cdtf(literal);
        }
        if self.id_hint.is_none() {
            self.id_hint = self.identifiers.first().and_then(|i| slug_hint(i));
        }
    }

    /// The feed's language for this item, unless the item's own text says
    /// otherwise: a Persian/Arabic text in a feed declared otherwise takes
    /// the language its letters show (marked as guessed), and a Latin-script
    /// item in a feed declared in an Arabic-script language gets none.
    fn inherited_language(&mut self, declared: Option<&str>) -> Option<String> {
        let declared = declared?;
        let primary = declared
            .split(['-', '_'])
            .next()
            .unwrap_or(declared)
            .to_ascii_lowercase();
        let text = format!(
            "{} {} {}",
            self.title.as_deref().unwrap_or(""),
            self.description.as_deref().unwrap_or(""),
            prefix(&self.body, 4096)
        );
        if let Some(guess) = lang_from_text(&text)
            && guess != primary
        {
            self.language_guessed = true;
            return Some(guess.to_string());
        }
        if matches!(primary.as_str(), "fa" | "ar" | "ur" | "ps" | "ckb")
            && lang::mostly_latin(&text)
        {
            return None;
        }
        Some(declared.to_string())
    }

    fn push_identifier(&mut self, id: &str) {
        let id = id.trim();
        if !id.is_empty() && !self.identifiers.iter().any(|i| i == id) {
            self.identifiers.push(id.to_string());
        }
    }
}

/// The formats [`parse`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ItemFormat {
    /// A plain-text news item (title on the first line).
    Text,
    /// An HTML page.
    Html,
    /// An RSS feed (2.0, and RSS 1.0 / RDF read the same way).
    Rss,
    /// An Atom (RFC 4287) feed.
    Atom,
}

impl ItemFormat {
    /// The media type of originals in this format.
    pub fn media_type(self) -> &'static str {
        match self {
            ItemFormat::Text => "text/plain",
            ItemFormat::Html => "text/html",
            ItemFormat::Rss => "application/rss+xml",
            ItemFormat::Atom => "application/atom+xml",
        }
    }
}

impl fmt::Display for ItemFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ItemFormat::Text => "text",
            ItemFormat::Html => "html",
            ItemFormat::Rss => "rss",
            ItemFormat::Atom => "atom",
        })
    }
}

/// How many bytes [`sniff`] looks at.
pub const SNIFF_BYTES: usize = 1024;

/// Tells the format of an input from its content (not its name).
///
/// Looks at the first [`SNIFF_BYTES`] bytes, skipping a byte-order mark,
/// whitespace, the XML declaration, comments and processing instructions.
/// NUL bytes are ignored, so UTF-16 input is sniffed too. The first element
/// decides: `<rss>` or `<rdf:RDF>` is [`ItemFormat::Rss`], `<feed>` is
/// [`ItemFormat::Atom`], `<!DOCTYPE html>`, `<html>` or another HTML element
/// is [`ItemFormat::Html`]; anything else is [`ItemFormat::Text`].
///
/// ```
/// use newsbag::item::{sniff, ItemFormat};
/// assert_eq!(sniff(b"\xEF\xBB\xBF  <!doctype html><p>hi"), ItemFormat::Html);
/// assert_eq!(sniff(b"<feed xmlns=\"http://www.w3.org/2005/Atom\">"), ItemFormat::Atom);
/// assert_eq!(sniff("خبر".as_bytes()), ItemFormat::Text);
/// ```
pub fn sniff(bytes: &[u8]) -> ItemFormat {
    let prefix: Vec<u8> = bytes
        .iter()
        .take(SNIFF_BYTES)
        .copied()
        .filter(|&b| b != 0)
        .map(|b| b.to_ascii_lowercase())
        .collect();
    let mut s: &[u8] = &prefix;
    for bom in [&b"\xef\xbb\xbf"[..], b"\xfe\xff", b"\xff\xfe"] {
        if let Some(rest) = s.strip_prefix(bom) {
            s = rest;
            break;
        }
    }
    loop {
        s = s.trim_ascii_start();
        if !s.starts_with(b"<") {
            return ItemFormat::Text;
        }
        let skip_to = |s: &[u8], end: &[u8]| -> Option<usize> {
            s.windows(end.len())
                .position(|w| w == end)
                .map(|i| i + end.len())
        };
        if s.starts_with(b"<?") {
            match skip_to(s, b"?>") {
                Some(i) => s = &s[i..],
                None => return ItemFormat::Text,
            }
        } else if s.starts_with(b"<!--") {
            match skip_to(s, b"-->") {
                Some(i) => s = &s[i..],
                None => return ItemFormat::Text,
            }
        } else if s.starts_with(b"<!doctype") {
            // The doctype names the root element.
            let rest = s[9..].trim_ascii_start();
            let name_end = rest
                .iter()
                .position(|b| b.is_ascii_whitespace() || matches!(b, b'>' | b'['))
                .unwrap_or(rest.len());
            match &rest[..name_end] {
                b"html" => return ItemFormat::Html,
                b"rss" | b"rdf:rdf" => return ItemFormat::Rss,
                b"feed" => return ItemFormat::Atom,
                _ => {}
            }
            // Skip an internal subset, then the declaration.
            let bracket = s.iter().position(|&b| b == b'[');
            let close = s.iter().position(|&b| b == b'>');
            let end = match (bracket, close) {
                (Some(b), Some(c)) if b < c => {
                    skip_to(s, b"]").and_then(|i| skip_to(&s[i..], b">").map(|j| i + j))
                }
                _ => skip_to(s, b">"),
            };
            match end {
                Some(i) => s = &s[i..],
                None => return ItemFormat::Text,
            }
        } else {
            let name: Vec<u8> = s[1..]
                .iter()
                .copied()
                .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'-' | b'_'))
                .collect();
            return match name.as_slice() {
                b"rss" | b"rdf:rdf" => ItemFormat::Rss,
                b"feed" => ItemFormat::Atom,
                b"html" | b"head" | b"body" | b"meta" | b"title" | b"link" | b"div" | b"p"
                | b"article" | b"main" | b"section" | b"h1" | b"h2" | b"table" | b"script"
                | b"style" | b"header" | b"span" | b"br" => ItemFormat::Html,
                _ => ItemFormat::Text,
            };
        }
    }
}

/// Parses decoded `text` in the given format into news items.
///
/// Text and HTML give one item, feeds one per item or entry (possibly
/// none). Fails on an empty input ([`Error::EmptyInput`]), on binary data
/// ([`Error::Binary`]) and on what each format refuses ([`Error::Feed`],
/// [`Error::Html`], [`Error::LineTooLong`]).
pub fn parse(text: &str, format: ItemFormat) -> Result<Vec<NewsItem>> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    if text
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}')
        .is_empty()
    {
        return Err(Error::EmptyInput);
    }
    check_not_binary(text)?;
    match format {
        ItemFormat::Text => {
            let mut item = text::parse_text(text)?;
            item.finish(None);
            Ok(vec![item])
        }
        ItemFormat::Html => {
            let mut item = html::parse_html(text)?;
            item.finish(None);
            Ok(vec![item])
        }
        ItemFormat::Rss | ItemFormat::Atom => {
            let (ctx, mut items) = feed::parse_feed(text)?;
            for item in &mut items {
                item.finish(Some(&ctx));
            }
            Ok(items)
        }
    }
}

/// Refuses text holding NUL or other C0 controls (but tab, LF, CR, form
/// feed and escape, which real text files carry).
fn check_not_binary(text: &str) -> Result<()> {
    let Some(offset) = text.find(|c: char| {
        c.is_ascii_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0C' | '\x1B') || c == '\u{7F}'
    }) else {
        return Ok(());
    };
    let (line, column) = line_column(text, offset);
    let code = text[offset..].chars().next().map_or(0, u32::from);
    Err(Error::Binary { line, column, code })
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub(crate) fn line_column(text: &str, offset: usize) -> (u64, u64) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line as u64, column as u64)
}

/// A slug hint from a GUID or URL: the last non-empty path segment, or the
/// whole string for a GUID that is not a URL.
fn slug_hint(id: &str) -> Option<String> {
    let id = id.split('#').next().unwrap_or(id);
    let (base, query) = id.split_once('?').unwrap_or((id, ""));
    let base = base.trim_end_matches('/');
    // `https://site/?p=123`: the query is all there is.
    let bare_host = base
        .split_once("://")
        .is_some_and(|(_, rest)| !rest.contains('/'));
    let last = if bare_host && !query.is_empty() {
        query
    } else {
        base.rsplit(['/', ':', '=']).next().unwrap_or(base)
    };
    let slug: String = last
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let slug = slug.trim_matches('-');
    let mut out = String::with_capacity(slug.len());
    for c in slug.chars() {
        if c == '-' && out.ends_with('-') {
            continue;
        }
        out.push(c);
    }
    out.truncate(64);
    let out = out.trim_end_matches('-').to_string();
    (!out.is_empty()).then_some(out)
}

/// The longest prefix of `s` of at most `max` bytes that ends on a
/// character boundary.
pub(crate) fn prefix(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Collapses runs of whitespace to one space and trims.
pub(crate) fn squash_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Trims and drops empty strings.
pub(crate) fn non_empty(s: &str) -> Option<String> {
    let s = squash_spaces(s);
    (!s.is_empty()).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniff_table() {
        let table: &[(&[u8], ItemFormat, &str)] = &[
            (b"<rss version=\"2.0\">", ItemFormat::Rss, "rss"),
            (b"<?xml version=\"1.0\"?>\n<rss>", ItemFormat::Rss, "xml decl"),
            (b"\xEF\xBB\xBF<?xml version=\"1.0\"?><!-- c --><RSS>", ItemFormat::Rss, "bom, comment, case"),
            (b"<?xml version=\"1.0\"?><!DOCTYPE rss PUBLIC \"-//Netscape//DTD RSS 0.91//EN\" \"x\"><rss>", ItemFormat::Rss, "rss 0.91 doctype"),
            (b"<rdf:RDF xmlns:rdf=\"x\">", ItemFormat::Rss, "rss 1.0"),
            (b"  <feed xmlns=\"http://www.w3.org/2005/Atom\">", ItemFormat::Atom, "atom"),
            (b"<!DOCTYPE html><html>", ItemFormat::Html, "doctype"),
            (b"<!DOCTYPE rss [<!ENTITY a \"b\">]><rss>", ItemFormat::Rss, "doctype names the root"),
            (b"<!DOCTYPE x [<!ENTITY a \"<b>\">]>\n<feed>", ItemFormat::Atom, "internal subset skipped"),
            (b"<html lang=fa>", ItemFormat::Html, "html"),
            (b"\n<div>fragment</div>", ItemFormat::Html, "fragment"),
            (b"<\0r\0s\0s\0>\0", ItemFormat::Rss, "utf-16le"),
            (b"\xFF\xFE<\0f\0e\0e\0d\0", ItemFormat::Atom, "utf-16le bom"),
            (b"Title line\n\nbody", ItemFormat::Text, "text"),
            (b"<unknown>", ItemFormat::Text, "unknown xml"),
            (b"", ItemFormat::Text, "empty"),
            (b"<!-- never closed", ItemFormat::Text, "open comment"),
            (b"a < b", ItemFormat::Text, "text with <"),
        ];
        for (input, want, note) in table {
            assert_eq!(sniff(input), *want, "{note}");
        }
    }

    #[test]
    fn empty_and_binary_inputs_are_errors() {
        for format in [
            ItemFormat::Text,
            ItemFormat::Html,
            ItemFormat::Rss,
            ItemFormat::Atom,
        ] {
            assert!(matches!(parse("", format), Err(Error::EmptyInput)));
            assert!(matches!(
                parse(" \n\t\u{FEFF}", format),
                Err(Error::EmptyInput)
            ));
            let err = parse("abc\nd\0ef", format).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::Binary {
                        line: 2,
                        column: 2,
                        code: 0
                    }
                ),
                "{err}"
            );
        }
    }

    #[test]
    fn slugs() {
        let table = [
            (
                "https://example.org/2023/09/hello-world/",
                Some("hello-world"),
            ),
            ("https://example.org/?p=123", Some("p-123")),
            ("https://example.org/a/b?x=1#frag", Some("b")),
            (
                "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a",
                Some("1225c695-cfb8-4ebb-aaaa-80da344efa6a"),
            ),
            ("tag:example.org,2003:3.2397", Some("3-2397")),
            ("https://fa.example/خبر", None),
        ];
        for (id, want) in table {
            assert_eq!(slug_hint(id).as_deref(), want, "{id}");
        }
    }

    fn fixture(name: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/items")
            .join(name);
        String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned()
    }

    #[test]
    fn fixture_rss() {
        let text = fixture("rss.xml");
        assert_eq!(sniff(text.as_bytes()), ItemFormat::Rss);
        let items = parse(&text, ItemFormat::Rss).unwrap();
        assert_eq!(items.len(), 3);
        let [fa, en, fa2] = &items[..] else { panic!() };
        assert_eq!(fa.date_literal.as_deref(), Some("۱۴۰۲/۰۷/۰۵"));
        assert_eq!(fa.date.as_deref(), Some("2023-09-27"));
        assert_eq!(fa.language.as_deref(), Some("fa-IR"));
        assert!(!fa.language_guessed);
        assert_eq!(fa.publisher.as_deref(), Some("دیارمیرزا"));
        assert!(fa.rights.as_deref().unwrap().starts_with("© ۱۴۰۲"));
        assert_eq!(fa.description.as_deref().unwrap().chars().last(), Some(']'));
        assert!(fa.body.contains("اندوخته\u{200C}های"), "{}", fa.body);
        assert!(!fa.body.contains("Share"));
        assert_eq!(fa.id_hint.as_deref(), Some("p-4711"));
        assert_eq!(en.date.as_deref(), Some("2023-10-31T09:30:00+03:30"));
        assert_eq!(en.creators, ["Newsroom"]);
        assert_eq!(en.language, None, "a Latin item does not inherit fa-IR");
        assert_eq!(
            en.body,
            "Rasht & its cuisine: the city is now part of the Creative Cities network."
        );
        assert_eq!(en.id_hint.as_deref(), Some("rasht-unesco-gastronomy"));
        assert_eq!(fa2.date.as_deref(), Some("2023-09-27"));
        assert_eq!(
            fa2.relation,
            ["https://diyarmirza.example/media/bazdid.jpg"]
        );
    }

    #[test]
    fn fixture_atom() {
        let text = fixture("atom.xml");
        assert_eq!(sniff(text.as_bytes()), ItemFormat::Atom);
        let items = parse(&text, ItemFormat::Atom).unwrap();
        assert_eq!(items.len(), 3);
        let [a, b, c] = &items[..] else { panic!() };
        assert_eq!(a.creators, ["Sara Ahmadi"]);
        assert_eq!(a.date.as_deref(), Some("2023-10-30T08:15:00+03:30"));
        assert_eq!(a.language.as_deref(), Some("en"));
        assert_eq!(
            a.rights.as_deref(),
            Some("CC BY 4.0 — https://creativecommons.org/licenses/by/4.0/")
        );
        assert_eq!(
            a.body,
            "Farmers in Gilan finished the second rice harvest two weeks early.\nPrices are expected to fall."
        );
        assert_eq!(a.subjects, ["agriculture", "gilan"]);
        assert_eq!(b.language.as_deref(), Some("fa"));
        assert!(!b.language_guessed, "declared by xml:lang");
        assert_eq!(
            b.creators,
            ["Caspian Coast Newsroom"],
            "inherited from the feed"
        );
        assert_eq!(b.body.lines().count(), 2);
        assert_eq!(b.date.as_deref(), Some("2023-10-30T09:00:00+03:30"));
        assert_eq!(c.title.as_deref(), Some("Ferry service resumes"));
        assert_eq!(c.body, "The Anzali ferry service resumes after repairs.");
    }

    #[test]
    fn fixture_html() {
        for name in ["page.html", "page-windows1256.html"] {
            let bytes = std::fs::read(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("tests/fixtures/items")
                    .join(name),
            )
            .unwrap();
            assert_eq!(sniff(&bytes), ItemFormat::Html, "{name}");
            let (text, _, _) = encoding_rs::WINDOWS_1256.decode(&bytes);
            let text = if name == "page.html" {
                fixture(name)
            } else {
                text.into_owned()
            };
            let items = parse(&text, ItemFormat::Html).unwrap();
            let item = &items[0];
            // windows-1256 has Arabic yeh (ي) where Persian has ی.
            let fa = |s: Option<&str>| s.unwrap_or_default().replace('ي', "ی");
            assert!(
                fa(item.title.as_deref()).starts_with("نشست هم اندیشی"),
                "{name}"
            );
            assert_eq!(item.language.as_deref(), Some("fa"));
            assert_eq!(item.date.as_deref(), Some("2016-05-10T09:30:00+04:30"));
            assert_eq!(fa(item.publisher.as_deref()), "دیارمیرزا");
            assert_eq!(
                item.source.as_deref(),
                Some("https://diyarmirza.example/news/hamandishi-rasht-esfahan/")
            );
            assert_eq!(item.identifiers.len(), 2);
            assert_eq!(item.creators.len(), 1);
            assert_eq!(item.subjects.len(), 5, "{:?}", item.subjects);
            assert_eq!(item.body.lines().count(), 5, "{name}: {}", item.body);
            for furniture in [
                "Share",
                "صفحه اصلی",
                "پربازدیدترین",
                "حقوق",
                "dataLayer",
                "Tahoma",
            ] {
                assert!(!item.body.contains(furniture), "{name}: {furniture}");
            }
        }
    }

    #[test]
    fn fixture_text_seed() {
        let text = include_str!("../../archive/inbox/seed-fa-utf8.txt");
        assert_eq!(sniff(text.as_bytes()), ItemFormat::Text);
        let item = &parse(text, ItemFormat::Text).unwrap()[0];
        assert_eq!(item.language.as_deref(), Some("fa"));
        assert!(item.language_guessed);
        assert!(item.description.is_some());
    }

    #[test]
    fn fixture_bad_inputs() {
        let feed_error = |name: &str| -> (u64, String) {
            let text = fixture(name);
            let format = sniff(text.as_bytes());
            assert_eq!(format, ItemFormat::Rss, "{name}");
            match parse(&text, format) {
                Err(Error::Feed { line, reason, .. }) => (line, reason),
                other => panic!("{name}: {other:?}"),
            }
        };
        let (line, reason) = feed_error("malformed.xml");
        assert_eq!(line, 8, "{reason}");
        assert!(reason.contains("expected `</title>`"), "{reason}");
        let (line, reason) = feed_error("bomb.xml");
        assert!(reason.contains("entity-expansion"), "{reason}");
        assert!(line <= 14, "{line}");
        let (_, reason) = feed_error("xxe.xml");
        assert!(reason.contains("external entity"), "{reason}");
        let (line, reason) = feed_error("undefined-entity.xml");
        assert_eq!(line, 3);
        assert!(reason.contains("&eacute;"), "{reason}");
        assert!(matches!(
            parse(&fixture("empty.txt"), ItemFormat::Text),
            Err(Error::EmptyInput)
        ));
        let gif = fixture("binary.gif");
        assert!(matches!(
            parse(&gif, sniff(gif.as_bytes())),
            Err(Error::Binary { .. })
        ));
    }

    #[test]
    fn a_huge_single_line_fails_fast_in_every_format() {
        let huge = "a".repeat(MAX_LINE_BYTES * 3);
        let start = std::time::Instant::now();
        assert!(matches!(
            parse(&huge, ItemFormat::Text),
            Err(Error::LineTooLong { line: 1, .. })
        ));
        assert!(parse(&huge, ItemFormat::Rss).is_err());
        let item = &parse(&huge, ItemFormat::Html).unwrap()[0];
        assert_eq!(item.body.len(), huge.len());
        assert!(start.elapsed().as_secs() < 20);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
        /// Markup-heavy noise never panics in any parser, and whatever
        /// parses maps to a DC record that reads back unchanged.
        #[test]
        fn never_panics(s in "(<|>|&|;|/|!|\\?|\\[|\\]|-|\"|'|=|#|x|a|rss|feed|item|entry|channel|title|link|p|script|html|CDATA|ENTITY|DOCTYPE|amp|nbsp|#1740|\\[…\\]|Share|۱|\n| |پ|ي){0,120}") {
            let _ = sniff(s.as_bytes());
            for format in [ItemFormat::Text, ItemFormat::Html, ItemFormat::Rss, ItemFormat::Atom] {
                if let Ok(items) = parse(&s, format) {
                    for item in &items {
                        let r = crate::dc::Record::from_item(item, &crate::dc::Origin::default());
                        proptest::prop_assert_eq!(crate::dc::Record::read_xml(&r.write_xml()).unwrap(), r);
                    }
                }
            }
        }
    }

    #[test]
    fn line_columns() {
        assert_eq!(line_column("ab\nپc", 5), (2, 2));
        assert_eq!(line_column("ab\nپc", 4), (2, 1), "inside a character");
        assert_eq!(line_column("ab", 0), (1, 1));
        assert_eq!(line_column("ab", 99), (1, 3));
    }
}
