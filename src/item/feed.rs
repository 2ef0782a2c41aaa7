//! RSS 2.0 (and RSS 1.0 / RDF) and Atom feeds → one [`NewsItem`] per item
//! or entry, with the feed's [`FeedContext`].
//!
//! quick-xml's streaming reader, one pass. Safety rules:
//!
//! - **No DTD entities.** A document type declaration that declares
//!   entities is refused (the "billion laughs" entity-expansion bomb needs
//!   them); an external entity is never resolved, and declaring one is
//!   refused the same way. A plain `<!DOCTYPE rss PUBLIC …>` is accepted.
//! - **Only XML's five entities** (`&amp;` `&lt;` `&gt;` `&quot;` `&apos;`)
//!   and character references: anything else (`&nbsp;` included) is an
//!   error with its line and column, as XML requires.
//! - Mismatched or unclosed elements are errors with line and column.
//!
//! Item fields that hold HTML (`description`, `content:encoded`, Atom
//! `type="html"`/`"xhtml"`) become plain text through
//! [`html_to_text`](super::html_to_text).

use quick_xml::Reader;
use quick_xml::escape::resolve_xml_entity;
use quick_xml::events::{BytesStart, Event};

use super::html::html_to_text;
use super::{NewsItem, line_column, non_empty, squash_spaces};
use crate::error::{Error, Result};

/// What a feed says about all its items: the channel (RSS) or feed (Atom)
/// metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedContext {
    /// The channel's or feed's title.
    pub title: Option<String>,
    /// The publisher: `dc:publisher` if given, else the title.
    pub publisher: Option<String>,
    /// The declared language (`<language>`, `xml:lang`, `dc:language`).
    pub language: Option<String>,
    /// Rights (`<copyright>`, Atom `<rights>`, `dc:rights`).
    pub rights: Option<String>,
    /// The site's link.
    pub link: Option<String>,
    /// Feed-level authors (Atom), inherited by entries without their own.
    pub creators: Vec<String>,
}

/// Partial state of the item or entry being read.
#[derive(Default)]
struct Partial {
    item: NewsItem,
    guid: Option<String>,
    guid_is_permalink: bool,
    link: Option<String>,
    published: Option<String>,
    updated: Option<String>,
}

impl Partial {
    fn finish(mut self) -> NewsItem {
        let mut item = std::mem::take(&mut self.item);
        if let Some(g) = &self.guid {
            item.push_identifier(g);
        }
        if let Some(l) = &self.link {
            item.push_identifier(l);
        }
        item.source = self.link.clone().or_else(|| {
            self.guid
                .clone()
                .filter(|g| self.guid_is_permalink && g.starts_with("http"))
        });
        if item.date_literal.is_none() {
            item.date_literal = self.published.or(self.updated);
        }
        if item.body.is_empty()
            && let Some(d) = &item.description
        {
            item.body.clone_from(d);
        }
        item
    }
}

struct Parser<'t> {
    text: &'t str,
    reader: Reader<&'t [u8]>,
    stack: Vec<String>,
    buf: String,
    /// Depth of the element whose markup content is being captured as text
    /// (Atom `type="xhtml"`, or HTML left unescaped in RSS).
    capture: Option<usize>,
    /// `type` attribute of each open element (Atom text constructs).
    types: Vec<String>,
    atom: bool,
    ctx: FeedContext,
    items: Vec<NewsItem>,
    cur: Option<Partial>,
    author_name: Option<String>,
    root_seen: bool,
}

/// Parses an RSS or Atom feed.
pub(super) fn parse_feed(text: &str) -> Result<(FeedContext, Vec<NewsItem>)> {
    let mut p = Parser {
        text,
        reader: Reader::from_str(text),
        stack: Vec::new(),
        buf: String::new(),
        capture: None,
        types: Vec::new(),
        atom: false,
        ctx: FeedContext::default(),
        items: Vec::new(),
        cur: None,
        author_name: None,
        root_seen: false,
    };
    p.run()?;
    if p.ctx.publisher.is_none() {
        p.ctx.publisher.clone_from(&p.ctx.title);
    }
    Ok((p.ctx, p.items))
}

fn split(name: &str) -> (&str, &str) {
    name.split_once(':').unwrap_or(("", name))
}

/// Items and entries, the element names that open one.
fn is_item(local: &str) -> bool {
    local == "item" || local == "entry"
}

/// "jo@example.org (Jo Smith)" → "Jo Smith".
fn rss_author(s: &str) -> String {
    let s = squash_spaces(s);
    if let Some((mail, rest)) = s.split_once(" (")
        && mail.contains('@')
        && let Some(name) = rest.strip_suffix(')')
        && !name.trim().is_empty()
    {
        return name.trim().to_string();
    }
    s
}

impl Parser<'_> {
    fn error_at(&self, offset: u64, reason: impl Into<String>) -> Error {
        let offset = usize::try_from(offset).unwrap_or(usize::MAX);
        let (line, column) = line_column(self.text, offset);
        Error::Feed {
            line,
            column,
            reason: reason.into(),
        }
    }

    fn attr(&self, e: &BytesStart<'_>, key: &str) -> Result<Option<String>> {
        for a in e.attributes().with_checks(false) {
            let a =
                a.map_err(|err| self.error_at(self.reader.buffer_position(), err.to_string()))?;
            if a.key.0 == key {
                let v = a
                    .normalized_value_with(
                        quick_xml::XmlVersion::Implicit1_0,
                        1,
                        resolve_xml_entity,
                    )
                    .map_err(|err| self.error_at(self.reader.buffer_position(), err.to_string()))?;
                return Ok(Some(v.into_owned()));
            }
        }
        Ok(None)
    }

    fn run(&mut self) -> Result<()> {
        loop {
            let event = match self.reader.read_event() {
                Ok(e) => e,
                Err(err) => {
                    return Err(self.error_at(self.reader.error_position(), err.to_string()));
                }
            };
            match event {
                Event::Start(e) => {
                    self.start(&e)?;
                    self.stack.push(e.name().0.to_string());
                    let ty = self.attr(&e, "type")?.unwrap_or_default();
                    self.types.push(ty);
                    if self.capture.is_none() {
                        self.buf.clear();
                        if self.captures(e.name().0) {
                            self.capture = Some(self.stack.len());
                        }
                    } else if matches!(
                        split(e.name().0).1,
                        "p" | "div" | "br" | "li" | "h1" | "h2" | "h3" | "h4" | "tr" | "blockquote"
                    ) {
                        self.buf.push('\n');
                    }
                }
                Event::Empty(e) => {
                    self.start(&e)?;
                    if self.capture.is_none() {
                        let name = e.name().0.to_string();
                        self.stack.push(name.clone());
                        self.types.push(String::new());
                        self.buf.clear();
                        self.end(&name)?;
                        self.stack.pop();
                        self.types.pop();
                    } else if split(e.name().0).1 == "br" {
                        self.buf.push('\n');
                    }
                }
                Event::End(e) => {
                    let name = e.name().0.to_string();
                    if self.capture == Some(self.stack.len()) {
                        self.capture = None;
                    }
                    if self.capture.is_none() {
                        self.end(&name)?;
                    }
                    self.stack.pop();
                    self.types.pop();
                }
                Event::Text(t) => self.buf.push_str(&t.xml10_content()),
                Event::CData(c) => self.buf.push_str(&c.xml10_content()),
                Event::GeneralRef(r) => {
                    let len = r.len() as u64 + 2;
                    let at = self.reader.buffer_position().saturating_sub(len);
                    match r.resolve_char_ref() {
                        Ok(Some(c)) => self.buf.push(c),
                        Ok(None) => match resolve_xml_entity(&r) {
                            Some(s) => self.buf.push_str(s),
                            None => {
                                return Err(self.error_at(
                                    at,
                                    format!(
                                        "undefined entity `&{};` (XML defines only amp, lt, gt, quot and apos)",
                                        &*r
                                    ),
                                ));
                            }
                        },
                        Err(err) => return Err(self.error_at(at, err.to_string())),
                    }
                }
                Event::DocType(d) => {
                    let decl: &str = &d;
                    if decl.contains("<!ENTITY") {
                        let external = decl
                            .split("<!ENTITY")
                            .skip(1)
                            .any(|e| e.contains("SYSTEM") || e.contains("PUBLIC"));
                        let reason = if external {
                            "the document type declares an external entity; newsbag never resolves external entities and refuses the feed"
                        } else {
                            "the document type declares entities; newsbag refuses entity declarations (entity-expansion bomb guard)"
                        };
                        return Err(self.error_at(self.reader.buffer_position(), reason));
                    }
                }
                Event::Eof => break,
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            }
        }
        if let Some(open) = self.stack.last() {
            return Err(self.error_at(
                self.text.len() as u64,
                format!("unexpected end of input: `<{open}>` is not closed"),
            ));
        }
        if !self.root_seen {
            return Err(self.error_at(0, "not an RSS or Atom feed: no root element"));
        }
        Ok(())
    }

    /// Whether a newly opened element's content is taken whole, markup and
    /// all, as text.
    fn captures(&self, name: &str) -> bool {
        let Some(parent) = self.stack.len().checked_sub(2).map(|i| &self.stack[i]) else {
            return false;
        };
        if !is_item(split(parent).1) || self.cur.is_none() {
            return false;
        }
        matches!(
            name,
            "description" | "content:encoded" | "content" | "summary" | "title" | "rights"
        )
    }

    fn start(&mut self, e: &BytesStart<'_>) -> Result<()> {
        let name = e.name().0;
        let (_, local) = split(name);
        if self.stack.is_empty() {
            if self.root_seen {
                return Err(self.error_at(
                    self.reader.buffer_position(),
                    format!("a second root element `<{name}>` after the feed"),
                ));
            }
            self.root_seen = true;
            match local {
                "rss" | "RDF" => self.atom = false,
                "feed" => self.atom = true,
                _ => {
                    return Err(self.error_at(
                        self.reader.buffer_position(),
                        format!("not an RSS or Atom feed: the root element is `<{name}>`"),
                    ));
                }
            }
            if self.atom {
                self.ctx.language = self.attr(e, "xml:lang")?.and_then(|l| non_empty(&l));
            }
            return Ok(());
        }
        if self.capture.is_some() {
            return Ok(());
        }
        if is_item(local) && self.cur.is_none() {
            let mut partial = Partial::default();
            if self.atom {
                partial.item.language = self.attr(e, "xml:lang")?.and_then(|l| non_empty(&l));
            }
            self.cur = Some(partial);
            return Ok(());
        }
        let parent = self.stack.last().map(|p| split(p).1).unwrap_or("");
        if local == "author" {
            self.author_name = None;
        }
        match (self.atom, local) {
            (true, "link") => {
                let rel = self.attr(e, "rel")?.unwrap_or_else(|| "alternate".into());
                let Some(href) = self.attr(e, "href")?.and_then(|h| non_empty(&h)) else {
                    return Ok(());
                };
                if let Some(cur) = &mut self.cur {
                    if is_item(parent) {
                        match rel.as_str() {
                            "alternate" if cur.link.is_none() => cur.link = Some(href),
                            "related" | "enclosure" | "via" => cur.item.relation.push(href),
                            _ => {}
                        }
                    }
                } else if parent == "feed" && rel == "alternate" && self.ctx.link.is_none() {
                    self.ctx.link = Some(href);
                }
            }
            (true, "category") => {
                let term = self.attr(e, "term")?;
                let label = self.attr(e, "label")?;
                if let (Some(cur), Some(s)) = (&mut self.cur, term.or(label)) {
                    let s = squash_spaces(&s);
                    if !s.is_empty() && !cur.item.subjects.contains(&s) {
                        cur.item.subjects.push(s);
                    }
                }
            }
            (false, "enclosure") => {
                if let Some(url) = self.attr(e, "url")?
                    && let Some(cur) = &mut self.cur
                {
                    cur.item.relation.push(url);
                }
            }
            (false, "guid") => {
                let permalink = self
                    .attr(e, "isPermaLink")?
                    .is_none_or(|v| v.trim() != "false");
                if let Some(cur) = &mut self.cur {
                    cur.guid_is_permalink = permalink;
                }
            }
            (false, "item") | (false, "channel") => {}
            _ => {}
        }
        Ok(())
    }

    /// An element `name` (still on the stack) closes with the text in
    /// `self.buf`.
    fn end(&mut self, name: &str) -> Result<()> {
        let depth = self.stack.len();
        let (prefix, local) = split(name);
        let parent = depth
            .checked_sub(2)
            .map(|i| split(&self.stack[i]).1)
            .unwrap_or("");
        let grandparent = depth
            .checked_sub(3)
            .map(|i| split(&self.stack[i]).1)
            .unwrap_or("");
        let ty = self.types.last().cloned().unwrap_or_default();
        let raw = std::mem::take(&mut self.buf);
        let value = || non_empty(&raw);
        // Text of an Atom text construct or an RSS HTML field.
        let rich = |raw: &str| -> Option<String> {
            let t = if ty == "xhtml" || ty == "text" {
                raw.lines()
                    .map(squash_spaces)
                    .filter(|l| !l.is_empty())
                    .collect::<Vec<_>>()
                    .join("\n")
            } else {
                html_to_text(raw)
            };
            (!t.is_empty()).then_some(t)
        };

        if is_item(local) && depth >= 2 && self.cur.is_some() && !is_item(parent) {
            if let Some(cur) = self.cur.take() {
                self.items.push(cur.finish());
            }
            return Ok(());
        }

        // Atom author/name, in an entry or the feed.
        if local == "name" && parent == "author" {
            self.author_name = value();
            return Ok(());
        }
        if local == "author" && self.atom {
            if let Some(n) = self.author_name.take() {
                if let Some(cur) = &mut self.cur
                    && is_item(parent)
                {
                    cur.item.creators.push(n);
                } else if parent == "feed" {
                    self.ctx.creators.push(n);
                }
            }
            return Ok(());
        }

        if let Some(cur) = &mut self.cur {
            if !is_item(parent) {
                return Ok(());
            }
            let item = &mut cur.item;
            match (prefix, local) {
                ("", "title") if item.title.is_none() => {
                    item.title = if (self.atom && ty == "html") || ty == "xhtml" {
                        rich(&raw).map(|t| squash_spaces(&t))
                    } else {
                        value()
                    };
                }
                ("", "link") if !self.atom && cur.link.is_none() => cur.link = value(),
                ("", "guid") | ("", "id") if cur.guid.is_none() => {
                    cur.guid = value();
                }
                ("", "pubDate") | ("dc", "date") | ("", "issued")
                    if item.date_literal.is_none() =>
                {
                    item.date_literal = value();
                }
                ("", "published") => cur.published = cur.published.take().or_else(value),
                ("", "updated") | ("", "modified") => {
                    cur.updated = cur.updated.take().or_else(value);
                }
                ("", "author") | ("dc", "creator") => {
                    if let Some(v) = value() {
                        let v = rss_author(&v);
                        if !item.creators.contains(&v) {
                            item.creators.push(v);
                        }
                    }
                }
                ("", "category") | ("dc", "subject") => {
                    if let Some(v) = value()
                        && !item.subjects.contains(&v)
                    {
                        item.subjects.push(v);
                    }
                }
                ("", "description") | ("", "summary") if item.description.is_none() => {
                    item.description = rich(&raw).map(|t| squash_spaces(&t));
                }
                ("content", "encoded") | ("", "content") if item.body.is_empty() => {
                    item.body = rich(&raw).unwrap_or_default();
                }
                ("", "rights") | ("dc", "rights") if item.rights.is_none() => {
                    item.rights = rich(&raw).map(|t| squash_spaces(&t));
                }
                ("dc", "language") => item.language = item.language.take().or_else(value),
                ("dc", "publisher") => item.publisher = item.publisher.take().or_else(value),
                ("", "comments") | ("dc", "relation") => {
                    if let Some(v) = value() {
                        item.relation.push(v);
                    }
                }
                _ => {}
            }
            return Ok(());
        }

        // Channel (RSS) or feed (Atom) metadata.
        let channel_level = if self.atom {
            parent == "feed" && depth == 2
        } else {
            parent == "channel" && (grandparent == "rss" || grandparent == "RDF")
        };
        if !channel_level {
            return Ok(());
        }
        let ctx = &mut self.ctx;
        match (prefix, local) {
            ("", "title") => {
                ctx.title = ctx
                    .title
                    .take()
                    .or_else(|| rich(&raw).map(|t| squash_spaces(&t)))
            }
            ("", "link") if !self.atom => ctx.link = ctx.link.take().or_else(value),
            ("", "language") | ("dc", "language") => {
                ctx.language = ctx.language.take().or_else(value);
            }
            ("", "copyright") | ("", "rights") | ("dc", "rights") => {
                ctx.rights = ctx
                    .rights
                    .take()
                    .or_else(|| rich(&raw).map(|t| squash_spaces(&t)));
            }
            ("dc", "publisher") => ctx.publisher = ctx.publisher.take().or_else(value),
            ("dc", "creator") => {
                if let Some(v) = value() {
                    ctx.creators.push(v);
                }
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
  <title>دیارمیرزا</title>
  <link>https://diyarmirza.ir</link>
  <atom:link href="https://diyarmirza.ir/feed" rel="self" type="application/rss+xml"/>
  <language>fa-IR</language>
  <copyright>© دیارمیرزا</copyright>
  <item>
    <title>نشست هم&#8204;اندیشی</title>
    <link>https://diyarmirza.ir/news/1/</link>
    <guid isPermaLink="false">https://diyarmirza.ir/?p=1</guid>
    <pubDate>۱۴۰۲/۰۷/۰۵</pubDate>
    <dc:creator><![CDATA[فاطمه قدیمی]]></dc:creator>
    <category>رشت</category><category>اصفهان</category>
    <description><![CDATA[<p>به گزارش دیارمیرزا […]</p>]]></description>
    <content:encoded><![CDATA[<p>بند اول.</p><p>بند دوم &amp; سوم.</p>]]></content:encoded>
  </item>
  <item>
    <title>Tom &amp; Jerry</title>
    <link>https://example.org/tom</link>
    <author>tom@example.org (Tom Cat)</author>
    <pubDate>Tue, 10 Jun 2003 04:00:00 GMT</pubDate>
    <description>&lt;b&gt;Bold&lt;/b&gt; claim.</description>
    <enclosure url="https://example.org/a.mp3" length="1" type="audio/mpeg"/>
  </item>
</channel>
</rss>"#;

    #[test]
    fn rss() {
        let (ctx, items) = parse_feed(RSS).unwrap();
        assert_eq!(ctx.publisher.as_deref(), Some("دیارمیرزا"));
        assert_eq!(ctx.language.as_deref(), Some("fa-IR"));
        assert_eq!(ctx.rights.as_deref(), Some("© دیارمیرزا"));
        assert_eq!(ctx.link.as_deref(), Some("https://diyarmirza.ir"));
        assert_eq!(items.len(), 2);
        let a = &items[0];
        assert_eq!(a.title.as_deref(), Some("نشست هم\u{200C}اندیشی"));
        assert_eq!(
            a.identifiers,
            [
                "https://diyarmirza.ir/?p=1",
                "https://diyarmirza.ir/news/1/"
            ]
        );
        assert_eq!(a.source.as_deref(), Some("https://diyarmirza.ir/news/1/"));
        assert_eq!(a.date_literal.as_deref(), Some("۱۴۰۲/۰۷/۰۵"));
        assert_eq!(a.creators, ["فاطمه قدیمی"]);
        assert_eq!(a.subjects, ["رشت", "اصفهان"]);
        assert_eq!(a.description.as_deref(), Some("به گزارش دیارمیرزا […]"));
        assert_eq!(a.body, "بند اول.\nبند دوم & سوم.");
        let b = &items[1];
        assert_eq!(b.title.as_deref(), Some("Tom & Jerry"));
        assert_eq!(b.creators, ["Tom Cat"]);
        assert_eq!(b.description.as_deref(), Some("Bold claim."));
        assert_eq!(b.body, "Bold claim.");
        assert_eq!(b.relation, ["https://example.org/a.mp3"]);
        assert_eq!(b.identifiers, ["https://example.org/tom"]);
    }

    const ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <title type="text">Example Feed</title>
  <link href="http://example.org/"/>
  <link rel="self" href="http://example.org/feed.atom"/>
  <rights>CC BY 4.0</rights>
  <author><name>Feed Author</name></author>
  <id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
  <updated>2003-12-13T18:30:02Z</updated>
  <entry>
    <title type="html">Atom &lt;i&gt;draft&lt;/i&gt;</title>
    <link href="http://example.org/2003/12/13/atom03"/>
    <link rel="related" href="http://example.org/related"/>
    <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
    <updated>2003-12-14T10:20:05+01:00</updated>
    <published>2003-12-13T18:30:02Z</published>
    <category term="tech"/><category term="web" label="The Web"/>
    <summary>Some text.</summary>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Para <b>one</b>.</p><p>Two</p></div></content>
  </entry>
  <entry xml:lang="fa">
    <title>خبر</title>
    <id>tag:example.org,2003:2</id>
    <author><name>نویسنده</name></author>
    <updated>2003-12-15T00:00:00Z</updated>
    <summary type="html">&lt;p&gt;خلاصه&lt;/p&gt;</summary>
  </entry>
</feed>"#;

    #[test]
    fn atom() {
        let (ctx, items) = parse_feed(ATOM).unwrap();
        assert_eq!(ctx.publisher.as_deref(), Some("Example Feed"));
        assert_eq!(ctx.language.as_deref(), Some("en"));
        assert_eq!(ctx.rights.as_deref(), Some("CC BY 4.0"));
        assert_eq!(ctx.link.as_deref(), Some("http://example.org/"));
        assert_eq!(ctx.creators, ["Feed Author"]);
        assert_eq!(items.len(), 2);
        let a = &items[0];
        assert_eq!(a.title.as_deref(), Some("Atom draft"));
        assert_eq!(
            a.identifiers,
            [
                "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a",
                "http://example.org/2003/12/13/atom03"
            ]
        );
        assert_eq!(a.relation, ["http://example.org/related"]);
        assert_eq!(a.date_literal.as_deref(), Some("2003-12-13T18:30:02Z"));
        assert_eq!(a.subjects, ["tech", "web"]);
        assert_eq!(a.description.as_deref(), Some("Some text."));
        assert_eq!(a.body, "Para one.\nTwo");
        assert!(a.creators.is_empty(), "inherited later, in item::parse");
        let b = &items[1];
        assert_eq!(b.language.as_deref(), Some("fa"));
        assert_eq!(b.creators, ["نویسنده"]);
        assert_eq!(b.description.as_deref(), Some("خلاصه"));
        assert_eq!(b.body, "خلاصه");
        assert_eq!(b.date_literal.as_deref(), Some("2003-12-15T00:00:00Z"));
    }

    #[test]
    fn bad_feeds() {
        // (input, line, column, reason contains)
        let table: &[(&str, u64, &str)] = &[
            (
                "<rss><channel><item><title>x</channel></rss>",
                1,
                "expected `</title>`",
            ),
            ("<rss><channel>\n<item><title>x", 2, "not closed"),
            (
                "<rss><channel><title>a &nbsp; b</title></channel></rss>",
                1,
                "undefined entity `&nbsp;`",
            ),
            (
                "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]>\n<rss>&lol2;</rss>",
                2,
                "entity-expansion",
            ),
            (
                "<!DOCTYPE foo [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><rss>&xxe;</rss>",
                1,
                "external entity",
            ),
            ("<html><body/></html>", 1, "not an RSS or Atom feed"),
            ("<rss><channel><title>a & b</title></channel></rss>", 1, ""),
            ("<rss>&#0;</rss>", 1, ""),
        ];
        for (input, line, reason) in table {
            match parse_feed(input) {
                Err(Error::Feed {
                    line: l, reason: r, ..
                }) => {
                    assert_eq!(l, *line, "{input}: {r}");
                    assert!(
                        r.to_lowercase().contains(&reason.to_lowercase()),
                        "{input}: {r}"
                    );
                }
                other => panic!("{input}: {other:?}"),
            }
        }
        // Column points at the reference.
        let Err(Error::Feed { column, .. }) =
            parse_feed("<rss><channel><title>a &nbsp; b</title></channel></rss>")
        else {
            panic!()
        };
        assert_eq!(column, 24);
    }

    #[test]
    fn rss_0_91_doctype_is_accepted() {
        let s = "<!DOCTYPE rss PUBLIC \"-//Netscape Communications//DTD RSS 0.91//EN\" \"http://my.netscape.com/publish/formats/rss-0.91.dtd\"><rss version=\"0.91\"><channel><title>t</title><item><title>i</title></item></channel></rss>";
        let (_, items) = parse_feed(s).unwrap();
        assert_eq!(items.len(), 1);
    }

    #[test]
    fn rss_1_0() {
        let s = r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>C</title></channel><item><title>I</title><link>http://x/i</link><dc:date>2003-12-13</dc:date></item></rdf:RDF>"#;
        let (ctx, items) = parse_feed(s).unwrap();
        assert_eq!(ctx.publisher.as_deref(), Some("C"));
        assert_eq!(items[0].date_literal.as_deref(), Some("2003-12-13"));
    }

    #[test]
    fn many_items_are_linear() {
        let one =
            "<item><title>t</title><link>http://x/1</link><description>d</description></item>";
        let s = format!(
            "<rss><channel><title>c</title>{}</channel></rss>",
            one.repeat(20_000)
        );
        let (_, items) = parse_feed(&s).unwrap();
        assert_eq!(items.len(), 20_000);
    }
}
