//! HTML pages → one [`NewsItem`].
//!
//! A small, forgiving tag scanner rather than a full HTML5 parser: newsbag
//! needs the page's metadata and its main text, not a DOM, and the scanner
//! is one linear pass that cannot fail on malformed markup (no crate in the
//! dependency tree parses HTML; html5ever would add a large tree for this).
//! Entities are decoded with the full HTML5 table (quick-xml's
//! `escape-html`).
//!
//! - **Metadata**: `<title>`, `<html lang>`, `<link rel="canonical">` and
//!   `<meta>` by `name`, `property` or `itemprop` (`og:*`, `article:*`,
//!   `author`, `keywords`, `description`, `dc.*`, …); the mapping is in
//!   `docs/dublin-core.md`.
//! - **Main text**: the text of `<article>` if the page has one, else of
//!   `<main>`, else of the whole page; never the text of `script`, `style`,
//!   `nav`, `header`, `footer`, `aside`, `form`, `noscript`, `template`,
//!   `svg`, `iframe`, `button`, `select`, nor of elements whose class or id
//!   names sharing, comments, sidebars, breadcrumbs or pagination. One line
//!   per block element, whitespace collapsed.
//!
//! Open elements are tracked up to a depth of [`MAX_HTML_DEPTH`]; deeper markup
//! is read as text of the deepest tracked element, so the work stays linear.

use std::borrow::Cow;

use super::{NewsItem, non_empty, squash_spaces};
use crate::error::{Error, Result};

/// How deeply nested elements are tracked.
pub const MAX_HTML_DEPTH: usize = 256;

const VOID: [&str; 14] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

const SKIPPED: [&str; 14] = [
    "script", "style", "nav", "header", "footer", "aside", "form", "noscript", "template", "svg",
    "iframe", "button", "select", "head",
];

const BLOCK: [&str; 30] = [
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "td",
    "th",
    "table",
    "section",
    "article",
    "main",
    "blockquote",
    "pre",
    "figure",
    "figcaption",
    "dd",
    "dt",
    "dl",
    "hr",
    "address",
    "center",
    "body",
];

/// class/id tokens that mark furniture.
const FURNITURE_TOKENS: [&str; 13] = [
    "share",
    "sharedaddy",
    "sharing",
    "social",
    "sidebar",
    "breadcrumb",
    "breadcrumbs",
    "pagination",
    "related",
    "comments",
    "advert",
    "ads",
    "newsletter",
];

/// Extracts the readable text of an HTML fragment (a feed's
/// `description` or `content:encoded`): tags dropped, entities decoded, one
/// line per block, whitespace collapsed. Text without markup comes back
/// with only its whitespace collapsed and entities decoded.
///
/// ```
/// use newsbag::item::html_to_text;
/// assert_eq!(html_to_text("<p>Tom &amp; Jerry</p><p>Again<script>x()</script></p>"), "Tom & Jerry\nAgain");
/// ```
pub fn html_to_text(fragment: &str) -> String {
    let mut page = Page::default();
    scan(fragment, &mut page);
    page.text.finish()
}

pub(super) fn parse_html(text: &str) -> Result<NewsItem> {
    let mut page = Page::default();
    scan(text, &mut page);
    let body = if !page.article.is_blank() {
        page.article.finish()
    } else if !page.main.is_blank() {
        page.main.finish()
    } else {
        page.text.finish()
    };
    let mut item = NewsItem {
        body,
        ..NewsItem::default()
    };
    let meta = |keys: &[&str]| -> Option<String> {
        keys.iter().find_map(|k| {
            page.meta
                .iter()
                .find(|(key, v)| key == k && !v.trim().is_empty())
                .and_then(|(_, v)| non_empty(v))
        })
    };
    let metas = |keys: &[&str]| -> Vec<String> {
        page.meta
            .iter()
            .filter(|(key, _)| keys.contains(&key.as_str()))
            .filter_map(|(_, v)| non_empty(v))
            .collect()
    };
    item.title = meta(&["og:title", "twitter:title", "dc.title", "headline"])
        .or_else(|| non_empty(&page.title))
        .or_else(|| non_empty(&page.h1));
    item.description = meta(&[
        "og:description",
        "description",
        "twitter:description",
        "dc.description",
    ]);
    for c in metas(&[
        "author",
        "article:author",
        "dc.creator",
        "byl",
        "parsely-author",
    ]) {
        // Facebook profile URLs in article:author are not names.
        if !c.starts_with("http") && !item.creators.contains(&c) {
            item.creators.push(c);
        }
    }
    for tag in metas(&[
        "article:tag",
        "article:section",
        "keywords",
        "news_keywords",
        "dc.subject",
    ]) {
        for s in tag.split([',', '،', ';']) {
            let s = squash_spaces(s);
            if !s.is_empty() && !item.subjects.contains(&s) {
                item.subjects.push(s);
            }
        }
    }
    item.publisher = meta(&["og:site_name", "dc.publisher", "application-name"]);
    item.date_literal = meta(&[
        "article:published_time",
        "og:published_time",
        "datepublished",
        "dc.date",
        "dc.date.issued",
        "date",
        "pubdate",
        "publish-date",
        "sailthru.date",
    ])
    .or_else(|| non_empty(&page.time));
    item.language = non_empty(&page.lang)
        .or_else(|| meta(&["content-language", "dc.language", "og:locale"]))
        .map(|l| l.replace('_', "-"));
    if let Some(c) = non_empty(&page.canonical) {
        item.push_identifier(&c);
    }
    if let Some(u) = meta(&["og:url"]) {
        item.push_identifier(&u);
    }
    item.source = item.identifiers.first().cloned();
    item.rights = meta(&["copyright", "dc.rights", "rights"]);
    if item.title.is_none() && item.body.is_empty() {
        return Err(Error::Html {
            reason: "the page has neither a title nor any text".to_string(),
        });
    }
    Ok(item)
}

/// Text accumulated from one part of a page.
#[derive(Default)]
struct TextBuf(String);

impl TextBuf {
    fn push_text(&mut self, s: &str) {
        for c in s.chars() {
            self.0.push(if c.is_whitespace() && c != '\u{A0}' {
                ' '
            } else {
                c
            });
        }
    }
    fn push_break(&mut self) {
        if !self.0.ends_with('\n') {
            self.0.push('\n');
        }
    }
    fn is_blank(&self) -> bool {
        self.0.trim().is_empty()
    }
    fn finish(&self) -> String {
        let mut out = String::with_capacity(self.0.len());
        for line in self.0.split('\n') {
            let line = squash_spaces(line);
            if !line.is_empty() {
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(&line);
            }
        }
        out
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Skip,
    Article,
    Main,
    H1,
    Time,
    Other,
}

#[derive(Default)]
struct Page {
    text: TextBuf,
    main: TextBuf,
    article: TextBuf,
    title: String,
    h1: String,
    h1_done: bool,
    time: String,
    lang: String,
    canonical: String,
    /// (lowercased name/property/itemprop, content) in document order.
    meta: Vec<(String, String)>,
    stack: Vec<(String, Kind)>,
    skip: usize,
    article_depth: usize,
    main_depth: usize,
    h1_depth: usize,
    seen_html: bool,
}

impl Page {
    fn on_text(&mut self, raw: &str) {
        if self.skip > 0 {
            return;
        }
        let s = decode_entities(raw);
        self.text.push_text(&s);
        if self.main_depth > 0 {
            self.main.push_text(&s);
        }
        if self.article_depth > 0 {
            self.article.push_text(&s);
        }
        if self.h1_depth > 0 && !self.h1_done {
            self.h1.push_str(&s);
        }
    }

    fn on_break(&mut self) {
        self.text.push_break();
        if self.main_depth > 0 {
            self.main.push_break();
        }
        if self.article_depth > 0 {
            self.article.push_break();
        }
    }

    fn on_start(&mut self, name: &str, attrs: &[(String, String)], self_closing: bool) {
        let attr = |k: &str| {
            attrs
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.as_str())
                .unwrap_or("")
        };
        match name {
            "html" if !self.seen_html => {
                self.seen_html = true;
                self.lang = attr("lang").to_string();
                if self.lang.is_empty() {
                    self.lang = attr("xml:lang").to_string();
                }
            }
            "meta" => {
                let key = [attr("property"), attr("name"), attr("itemprop")]
                    .into_iter()
                    .find(|k| !k.is_empty())
                    .or_else(|| {
                        attr("http-equiv")
                            .eq_ignore_ascii_case("content-language")
                            .then_some("content-language")
                    });
                if let Some(key) = key {
                    let content = attrs.iter().find(|(n, _)| n == "content");
                    if let Some((_, v)) = content {
                        self.meta.push((key.to_ascii_lowercase(), v.clone()));
                    }
                }
            }
            "link" => {
                let canonical = attr("rel")
                    .split_ascii_whitespace()
                    .any(|r| r.eq_ignore_ascii_case("canonical"));
                if canonical && self.canonical.is_empty() {
                    self.canonical = attr("href").to_string();
                }
            }
            "time" if self.time.is_empty() && self.skip == 0 => {
                self.time = attr("datetime").to_string();
            }
            _ => {}
        }
        if BLOCK.contains(&name) {
            self.on_break();
        }
        if VOID.contains(&name) || self_closing {
            return;
        }
        // Implied ends: a new <p> or <li> closes an open one.
        if matches!(name, "p" | "li") && self.stack.last().is_some_and(|(n, _)| n == name) {
            self.pop_to(self.stack.len() - 1);
        }
        if self.stack.len() >= MAX_HTML_DEPTH {
            return;
        }
        let furniture = || {
            [attr("class"), attr("id")].iter().any(|v| {
                v.split(|c: char| c.is_whitespace() || c == '-' || c == '_')
                    .any(|t| FURNITURE_TOKENS.contains(&t.to_ascii_lowercase().as_str()))
            })
        };
        let kind = if SKIPPED.contains(&name) || furniture() {
            self.skip += 1;
            Kind::Skip
        } else if name == "article" {
            self.article_depth += 1;
            Kind::Article
        } else if name == "main" {
            self.main_depth += 1;
            Kind::Main
        } else if name == "h1" {
            self.h1_depth += 1;
            Kind::H1
        } else if name == "time" {
            Kind::Time
        } else {
            Kind::Other
        };
        self.stack.push((name.to_string(), kind));
    }

    fn on_end(&mut self, name: &str) {
        if let Some(i) = self.stack.iter().rposition(|(n, _)| n == name) {
            self.pop_to(i);
        }
        if BLOCK.contains(&name) {
            self.on_break();
        }
    }

    /// Pops the stack down to `len` elements.
    fn pop_to(&mut self, len: usize) {
        while self.stack.len() > len {
            let Some((_, kind)) = self.stack.pop() else {
                break;
            };
            match kind {
                Kind::Skip => self.skip -= 1,
                Kind::Article => self.article_depth -= 1,
                Kind::Main => self.main_depth -= 1,
                Kind::H1 => {
                    self.h1_depth -= 1;
                    if !self.h1.trim().is_empty() {
                        self.h1_done = true;
                    }
                }
                Kind::Time | Kind::Other => {}
            }
        }
    }
}

/// Finds `</name` (ASCII case-insensitive) in `s` at or after `from`.
fn find_end_tag(s: &str, from: usize, name: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = from;
    while let Some(off) = s.get(i..)?.find("</") {
        let at = i + off;
        let n = &b[at + 2..];
        if n.len() >= name.len() && n[..name.len()].eq_ignore_ascii_case(name.as_bytes()) {
            return Some(at);
        }
        i = at + 2;
    }
    None
}

/// The tag scanner: calls `page` for each piece of text, start and end tag.
fn scan(s: &str, page: &mut Page) {
    let b = s.as_bytes();
    let mut i = 0;
    let mut text_start = 0;
    while let Some(off) = s[i..].find('<') {
        let lt = i + off;
        let next = b.get(lt + 1).copied().unwrap_or(b' ');
        if next == b'!' || next == b'?' || next == b'/' || next.is_ascii_alphabetic() {
            if text_start < lt {
                page.on_text(&s[text_start..lt]);
            }
        } else {
            // A lone `<` is text.
            i = lt + 1;
            continue;
        }
        if s[lt..].starts_with("<!--") {
            i = s[lt + 4..].find("-->").map_or(s.len(), |e| lt + 4 + e + 3);
        } else if next == b'!' || next == b'?' {
            i = s[lt..].find('>').map_or(s.len(), |e| lt + e + 1);
        } else if next == b'/' {
            let rest = &s[lt + 2..];
            let name_len = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == ':'))
                .unwrap_or(rest.len());
            let name = rest[..name_len].to_ascii_lowercase();
            i = s[lt..].find('>').map_or(s.len(), |e| lt + e + 1);
            if !name.is_empty() {
                page.on_end(&name);
            }
        } else {
            let (name, attrs, self_closing, end) = read_start_tag(s, lt + 1);
            i = end;
            page.on_start(&name, &attrs, self_closing);
            if matches!(
                name.as_str(),
                "script" | "style" | "title" | "textarea" | "xmp" | "noscript"
            ) && !self_closing
            {
                // Raw text: runs to the matching end tag.
                let close = find_end_tag(s, i, &name).unwrap_or(s.len());
                if name == "title" {
                    if page.title.is_empty() && page.skip <= 1 {
                        page.title = decode_entities(&s[i..close]).into_owned();
                    }
                } else if name == "textarea" {
                    page.on_text(&s[i..close]);
                }
                i = close;
            }
        }
        text_start = i;
        if i >= s.len() {
            break;
        }
    }
    if text_start < s.len() {
        page.on_text(&s[text_start..]);
    }
}

/// Reads a start tag whose name begins at `at`; returns the lowercased
/// name, the attributes (names lowercased, values decoded), whether it ends
/// in `/>`, and the index after the tag.
fn read_start_tag(s: &str, at: usize) -> (String, Vec<(String, String)>, bool, usize) {
    let b = s.as_bytes();
    let mut i = at;
    while i < b.len() && !(b[i].is_ascii_whitespace() || b[i] == b'>' || b[i] == b'/') {
        i += 1;
    }
    let name = s[at..i].to_ascii_lowercase();
    let mut attrs = Vec::new();
    let mut self_closing = false;
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        match b.get(i) {
            None => return (name, attrs, self_closing, b.len()),
            Some(b'>') => return (name, attrs, self_closing, i + 1),
            Some(b'/') => {
                self_closing = b.get(i + 1) == Some(&b'>');
                i += 1;
                continue;
            }
            _ => {}
        }
        self_closing = false;
        let start = i;
        while i < b.len() && !(b[i].is_ascii_whitespace() || matches!(b[i], b'=' | b'>' | b'/')) {
            i += 1;
        }
        // An attribute name cannot be empty; a stray `=` is skipped.
        let key = s[start..i].to_ascii_lowercase();
        if i == start {
            i += 1;
            continue;
        }
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if b.get(i) == Some(&b'=') {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            match b.get(i) {
                Some(&q @ (b'"' | b'\'')) => {
                    let end = s[i + 1..]
                        .find(char::from(q))
                        .map_or(b.len(), |e| i + 1 + e);
                    value = decode_entities(&s[i + 1..end]).into_owned();
                    i = (end + 1).min(b.len());
                }
                _ => {
                    let start = i;
                    while i < b.len() && !(b[i].is_ascii_whitespace() || b[i] == b'>') {
                        i += 1;
                    }
                    value = decode_entities(&s[start..i]).into_owned();
                }
            }
        }
        if attrs.len() < 64 {
            attrs.push((key, value));
        }
    }
}

/// Decodes HTML character references (`&amp;`, `&#1740;`, `&#x6CC;`, and
/// every HTML5 named reference followed by `;`). Anything else is kept as
/// written.
pub(crate) fn decode_entities(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        // References are short: look no further than 32 bytes for the `;`.
        let window = &after.as_bytes()[..after.len().min(33)];
        let decoded = window.iter().position(|&c| c == b';').and_then(|semi| {
            let name = &after[..semi];
            resolve_reference(name).map(|r| (r, semi + 1))
        });
        match decoded {
            Some((r, used)) => {
                out.push_str(&r);
                rest = &after[used..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

fn resolve_reference(name: &str) -> Option<Cow<'static, str>> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse::<u32>().ok()?,
        };
        let c = match char::from_u32(code) {
            Some('\0') | None => '\u{FFFD}',
            Some(c) => c,
        };
        return Some(Cow::Owned(c.to_string()));
    }
    if name.is_empty() || !name.bytes().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    quick_xml::escape::resolve_html5_entity(name).map(Cow::Borrowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<!DOCTYPE html>
<html lang="fa" dir="rtl"><head>
<meta charset="utf-8">
<title>نشست هم‌اندیشی | دیارمیرزا</title>
<meta property="og:title" content="نشست هم&zwnj;اندیشی ستاد توسعه پایدار">
<meta property="og:site_name" content="دیارمیرزا">
<meta property="og:url" content="https://diyarmirza.ir/?p=1">
<meta property="article:published_time" content="2016-05-10T09:30:00+04:30">
<meta property="article:tag" content="رشت"><meta property="article:tag" content="اصفهان">
<meta name="author" content="فاطمه قدیمی">
<meta name="description" content="به گزارش &laquo;دیارمیرزا&raquo;">
<link rel="canonical" href="https://diyarmirza.ir/news/1/">
<style>p { color: red }</style>
<script>var x = "</p><article>";</script>
</head><body>
<header><nav><a href="/">خانه</a></nav></header>
<div class="sidebar">پربازدیدها</div>
<article>
<h1>نشست هم‌اندیشی</h1>
<p>بند   اول
  ادامه.</p>
<p>بند دوم &amp; &#1740; &#x6CC;<br>سطر بعد
<div class="share-buttons">Share</div>
</article>
<footer>© 2016</footer>
</body></html>"#;

    #[test]
    fn a_news_page() {
        let item = parse_html(PAGE).unwrap();
        assert_eq!(
            item.title.as_deref(),
            Some("نشست هم\u{200C}اندیشی ستاد توسعه پایدار")
        );
        assert_eq!(item.publisher.as_deref(), Some("دیارمیرزا"));
        assert_eq!(item.language.as_deref(), Some("fa"));
        assert_eq!(item.creators, ["فاطمه قدیمی"]);
        assert_eq!(item.subjects, ["رشت", "اصفهان"]);
        assert_eq!(item.description.as_deref(), Some("به گزارش «دیارمیرزا»"));
        assert_eq!(
            item.date_literal.as_deref(),
            Some("2016-05-10T09:30:00+04:30")
        );
        assert_eq!(
            item.identifiers,
            [
                "https://diyarmirza.ir/news/1/",
                "https://diyarmirza.ir/?p=1"
            ]
        );
        assert_eq!(
            item.source.as_deref(),
            Some("https://diyarmirza.ir/news/1/")
        );
        assert_eq!(
            item.body,
            "نشست هم‌اندیشی\nبند اول ادامه.\nبند دوم & ی ی\nسطر بعد"
        );
    }

    #[test]
    fn fallbacks_without_article() {
        let item = parse_html(
            "<html><title>T &amp; U</title><body><nav>menu</nav><main><p>A</p></main><p>B</p>",
        )
        .unwrap();
        assert_eq!(item.title.as_deref(), Some("T & U"));
        assert_eq!(item.body, "A");
        let item = parse_html("<p>only <b>text</b>").unwrap();
        assert_eq!(item.title, None);
        assert_eq!(item.body, "only text");
        let item = parse_html("<body><h1>Head</h1>x</body>").unwrap();
        assert_eq!(item.title.as_deref(), Some("Head"));
    }

    #[test]
    fn malformed_markup_never_fails() {
        for s in [
            "<",
            "<a",
            "<a href=\"x",
            "<!--",
            "<!doctype",
            "</",
            "<p>a<p>b</div></span>",
            "<script>never closed",
            "<title>t",
            "<a b='1' c=2 d>x</a>",
            "&",
            "&#xFFFFFFFF;",
            "&#0;",
            "&unknown;",
            "<p/>x",
            "<a =x>y",
        ] {
            let mut page = Page::default();
            scan(s, &mut page);
            let _ = page.text.finish();
        }
        assert!(matches!(
            parse_html("<script>x</script><style>y</style>"),
            Err(Error::Html { .. })
        ));
    }

    #[test]
    fn entities() {
        let table = [
            ("a &amp; b", "a & b"),
            ("&lt;p&gt;", "<p>"),
            ("&zwnj;&nbsp;&hellip;", "\u{200C}\u{A0}…"),
            ("&#1740;&#x6cc;", "یی"),
            ("AT&T; &amp", "AT&T; &amp"),
            ("&#0;", "\u{FFFD}"),
            ("&#x110000;", "\u{FFFD}"),
        ];
        for (input, want) in table {
            assert_eq!(decode_entities(input), want, "{input}");
        }
    }

    #[test]
    fn deep_nesting_is_linear() {
        let deep = "<div>".repeat(100_000) + "x" + &"</div>".repeat(100_000);
        assert_eq!(html_to_text(&deep), "x");
    }
}
