//! Plain-text news items, as scraped from news sites (the seed article).
//!
//! Rules, each linear in the input:
//!
//! 1. **Title**: the first non-empty line, trimmed (if it is longer than
//!    [`MAX_TITLE_CHARS`] characters it is not a headline: the item has no
//!    title and the line stays in the body).
//! 2. **Excerpt**: if the next paragraph ends in `[…]` (or `[...]`) and,
//!    without that marker, repeats the start of the rest of the text
//!    (whitespace collapsed; a last word cut short is tolerated), it is the
//!    excerpt. It becomes [`NewsItem::description`] **without the marker**
//!    (the marker is WordPress furniture saying "cut here"), and it is not
//!    repeated in the body. A `[…]` paragraph that repeats nothing stays in
//!    the body.
//! 3. **Furniture**: at the end of the text, lines that are only sharing
//!    buttons (`Share`, `اشتراک`, `Tweet`, …) or pagination (numbers in any
//!    script, `«`, `»`, `Next`, `بعدی`, …) are left out of the body and
//!    listed in [`NewsItem::furniture`].
//! 4. **Body**: what remains between, lines trimmed at the end, runs of
//!    blank lines collapsed to one, CR LF read as LF.
//!
//! A line longer than [`MAX_LINE_BYTES`] is refused ([`Error::LineTooLong`]):
//! no news text has one, and it bounds the work on hostile input.

use super::{NewsItem, squash_spaces};
use crate::error::{Error, Result};

/// The longest line a text item may have, in bytes (1 MiB).
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// The longest first line that is taken as the title, in characters.
pub const MAX_TITLE_CHARS: usize = 500;

/// Excerpt markers at the end of a lead paragraph.
const EXCERPT_MARKERS: [&str; 3] = ["[…]", "[...]", "[&hellip;]"];

/// Whole lines that are sharing buttons (compared case-insensitively).
const SHARE_WORDS: [&str; 12] = [
    "share",
    "share this",
    "share this:",
    "tweet",
    "print",
    "email",
    "اشتراک",
    "اشتراک گذاری",
    "اشتراک‌گذاری",
    "به اشتراک بگذارید",
    "مشاركة",
    "شارك",
];

/// Words that may appear in a pagination line besides numbers.
const PAGINATION_WORDS: [&str; 12] = [
    "«",
    "»",
    "‹",
    "›",
    "<",
    ">",
    "next",
    "previous",
    "بعدی",
    "قبلی",
    "التالي",
    "السابق",
];

pub(super) fn parse_text(text: &str) -> Result<NewsItem> {
    let mut lines: Vec<&str> = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        if line.len() > MAX_LINE_BYTES {
            return Err(Error::LineTooLong {
                line: i as u64 + 1,
                limit: MAX_LINE_BYTES,
            });
        }
        lines.push(line.strip_suffix('\r').unwrap_or(line).trim_end());
    }
    let mut item = NewsItem::default();

    // 1. Title.
    let mut start = 0;
    if let Some(first) = lines.iter().position(|l| !l.trim().is_empty()) {
        let candidate = lines[first].trim();
        if candidate.chars().count() <= MAX_TITLE_CHARS {
            item.title = Some(candidate.to_string());
            start = first + 1;
        } else {
            start = first;
        }
    }

    // 3. Trailing furniture (found before the excerpt, so the excerpt check
    //    compares with the body proper).
    let mut end = lines.len();
    let mut furniture = Vec::new();
    while end > start {
        let line = lines[end - 1].trim();
        if line.is_empty() {
            end -= 1;
        } else if is_furniture(line) {
            furniture.push(line.to_string());
            end -= 1;
        } else {
            break;
        }
    }
    furniture.reverse();
    item.furniture = furniture;

    // 2. Excerpt: the paragraph after the title.
    while start < end && lines[start].trim().is_empty() {
        start += 1;
    }
    let para_end = (start..end)
        .find(|&i| lines[i].trim().is_empty())
        .unwrap_or(end);
    if para_end > start && para_end < end {
        let para = lines[start..para_end].join("\n");
        let para = para.trim();
        if let Some(excerpt) = EXCERPT_MARKERS
            .iter()
            .find_map(|m| para.strip_suffix(m))
            .map(str::trim_end)
            && !excerpt.is_empty()
            && repeats(excerpt, &lines[para_end..end])
        {
            item.description = Some(squash_spaces(excerpt));
            start = para_end;
        }
    }

    // 4. Body.
    let mut body = String::new();
    let mut blank = false;
    for line in &lines[start..end] {
        if line.trim().is_empty() {
            blank = !body.is_empty();
            continue;
        }
        if blank {
            body.push('\n');
            blank = false;
        }
        if !body.is_empty() {
            body.push('\n');
        }
        body.push_str(line.trim_start_matches(['\u{FEFF}']));
    }
    item.body = body;
    Ok(item)
}

/// Whether the text in `rest` starts with `excerpt`, comparing words (so
/// whitespace and line breaks do not matter). The excerpt's last word may
/// be cut short. Looks at no more words than the excerpt has.
fn repeats(excerpt: &str, rest: &[&str]) -> bool {
    let want: Vec<&str> = excerpt.split_whitespace().collect();
    let mut got = rest
        .iter()
        .flat_map(|l| l.split_whitespace())
        .take(want.len());
    for (i, w) in want.iter().enumerate() {
        let Some(g) = got.next() else {
            return false;
        };
        let last = i + 1 == want.len();
        if *w != g && !(last && g.starts_with(w)) {
            return false;
        }
    }
    // A one- or two-word "excerpt" proves nothing.
    want.len() >= 3
}

fn is_furniture(line: &str) -> bool {
    let lower = line.to_lowercase();
    if SHARE_WORDS.contains(&lower.as_str()) {
        return true;
    }
    // Pagination: numbers (any script) and navigation words, nothing else.
    let mut tokens = 0;
    for token in lower.split_whitespace() {
        tokens += 1;
        if !(token.chars().all(char::is_numeric) || PAGINATION_WORDS.contains(&token)) {
            return false;
        }
    }
    tokens > 0 && line.chars().count() <= 80
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = include_str!("../../archive/inbox/seed-fa-utf8.txt");

    #[test]
    fn the_seed() {
        let item = parse_text(SEED).unwrap();
        assert_eq!(
            item.title.as_deref(),
            Some(
                "نشست هم اندیشی ستاد توسعه پایدار شهرداری رشت با ستاد توسعه پایدار شهرداری اصفهان"
            )
        );
        let description = item.description.as_deref().unwrap();
        assert!(description.starts_with("به گزارش پایگاه اطلاع رسانی دیارمیرزا"));
        assert!(description.ends_with("از ستاد"), "{description}");
        assert!(!description.contains('…'));
        // The body starts where the excerpt's copy starts, exactly once.
        assert!(
            item.body
                .starts_with("به گزارش پایگاه اطلاع رسانی دیارمیرزا")
        );
        assert_eq!(item.body.matches("به گزارش پایگاه").count(), 1);
        assert!(!item.body.contains("[…]"));
        assert!(
            item.body.ends_with("مورد بحث و توافق قرار گرفت ."),
            "{}",
            item.body
        );
        assert!(!item.body.contains("۱ ۲"));
        assert!(!item.body.contains("Share"));
        assert_eq!(item.furniture, ["۱ ۲", "Share"]);
        // Body lines are the article's nine paragraphs.
        assert_eq!(item.body.lines().count(), 9);
    }

    #[test]
    fn table() {
        // (input, title, description, body, furniture, note)
        type Row<'a> = (
            &'a str,
            Option<&'a str>,
            Option<&'a str>,
            &'a str,
            &'a [&'a str],
            &'a str,
        );
        let rows: &[Row] = &[
            (
                "Title\n\nBody one.\nBody two.\n",
                Some("Title"),
                None,
                "Body one.\nBody two.",
                &[],
                "plain",
            ),
            (
                "\n\n  Title  \r\nBody\r\n",
                Some("Title"),
                None,
                "Body",
                &[],
                "leading blanks, CRLF",
            ),
            (
                "Only a title",
                Some("Only a title"),
                None,
                "",
                &[],
                "title only",
            ),
            (
                "T\n\nThe start of the story goes […]\n\nThe start of the story goes on.\n",
                Some("T"),
                Some("The start of the story goes"),
                "The start of the story goes on.",
                &[],
                "excerpt",
            ),
            (
                "T\n\nThe start of the story go [...]\n\nThe start of the story goes on.\n",
                Some("T"),
                Some("The start of the story go"),
                "The start of the story goes on.",
                &[],
                "excerpt with a cut word and ASCII marker",
            ),
            (
                "T\n\nSomething else entirely […]\n\nThe body.\n",
                Some("T"),
                None,
                "Something else entirely […]\n\nThe body.",
                &[],
                "a [...] paragraph that repeats nothing stays",
            ),
            (
                "T\n\nBody.\n1 2 3\nNext »\n\nShare\n",
                Some("T"),
                None,
                "Body.",
                &["1 2 3", "Next »", "Share"],
                "furniture",
            ),
            (
                "T\n\nIn 2023 it grew.\n2023\n",
                Some("T"),
                None,
                "In 2023 it grew.",
                &["2023"],
                "a lone number at the end is pagination",
            ),
            (
                "T\n\nShare the road, they said.\n",
                Some("T"),
                None,
                "Share the road, they said.",
                &[],
                "share inside a sentence is text",
            ),
            (
                "T\n\n\n\nA\n\n\n\nB",
                Some("T"),
                None,
                "A\n\nB",
                &[],
                "blank runs collapse",
            ),
        ];
        for (input, title, description, body, furniture, note) in rows {
            let item = parse_text(input).unwrap();
            assert_eq!(item.title.as_deref(), *title, "{note}");
            assert_eq!(item.description.as_deref(), *description, "{note}");
            assert_eq!(item.body, *body, "{note}");
            assert_eq!(item.furniture, *furniture, "{note}");
        }
    }

    #[test]
    fn a_long_first_line_is_not_a_title() {
        let long = "word ".repeat(200);
        let item = parse_text(&long).unwrap();
        assert_eq!(item.title, None);
        assert_eq!(item.body, long.trim_end());
    }

    #[test]
    fn a_huge_line_is_refused() {
        let huge = "x".repeat(MAX_LINE_BYTES + 1);
        let err = parse_text(&format!("T\n{huge}")).unwrap_err();
        assert!(matches!(err, Error::LineTooLong { line: 2, .. }), "{err}");
    }
}
