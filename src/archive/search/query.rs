//! The user's query language, translated into a safe FTS5 query with the
//! search normaliser applied.
//!
//! A query is words (all must match), `"quoted phrases"`, `OR`, `AND`,
//! `NOT` (upper case; `a NOT b`: items with `a` but not `b`), parentheses
//! and `prefix*`. Every word is folded and split as the index holds it ([`words`]) and quoted as an FTS5
//! string, so nothing the user types reaches FTS5 as syntax except these
//! operators; a word with a separable Persian prefix or suffix, or
//! written with ZWNJ, is searched as the joined word OR the phrase of its
//! parts (the ZWNJ rule of `docs/search.md`).

use super::fold::{SEPARABLE_PREFIXES, SEPARABLE_SUFFIXES, ZWNJ, words, zwnj_splits};

/// A query the translator refuses, with what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad query `{query}`: {reason}")]
pub struct QueryError {
    /// The query as given.
    pub query: String,
    /// What is wrong with it.
    pub reason: String,
}

/// The most alternatives a phrase is expanded into (each separable word
/// doubles them); past it, the joined spellings alone are searched.
const MAX_PHRASE_ALTERNATIVES: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Lexeme {
    Word(String),
    Phrase(String),
    Or,
    And,
    Not,
    Open,
    Close,
}

/// A translated query: the FTS5 expression, the same as a PostgreSQL
/// `tsquery`, and the folded words it searches for (to highlight them in
/// snippets; prefix words end in `*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// The FTS5 `MATCH` expression.
    pub fts: String,
    /// The same as a PostgreSQL `tsquery` literal over the lexemes the
    /// catalog on PostgreSQL holds (cast with `::tsquery`, never parsed
    /// again by a text search configuration).
    pub ts: String,
    /// The folded words, for highlighting.
    pub words: Vec<String>,
}

fn lex(query: &str) -> Result<Vec<Lexeme>, String> {
    let mut out = Vec::new();
    let mut chars = query.chars().peekable();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<Lexeme>| {
        if !word.is_empty() {
            out.push(match word.as_str() {
                "OR" => Lexeme::Or,
                "AND" => Lexeme::And,
                "NOT" => Lexeme::Not,
                _ => Lexeme::Word(std::mem::take(word)),
            });
            word.clear();
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '"' | '“' | '”' | '«' | '»' => {
                flush(&mut word, &mut out);
                let close: &[char] = &['"', '“', '”', '«', '»'];
                let mut phrase = String::new();
                loop {
                    match chars.next() {
                        Some(c) if close.contains(&c) => break,
                        Some(c) => phrase.push(c),
                        None => return Err("a quoted phrase is not closed".into()),
                    }
                }
                out.push(Lexeme::Phrase(phrase));
            }
            '(' => {
                flush(&mut word, &mut out);
                out.push(Lexeme::Open);
            }
            ')' => {
                flush(&mut word, &mut out);
                out.push(Lexeme::Close);
            }
            c if c.is_whitespace() => flush(&mut word, &mut out),
            c => word.push(c),
        }
    }
    flush(&mut word, &mut out);
    Ok(out)
}

/// The folded words of a piece of text, as the index holds them
/// ([`words`]).
fn tokens(text: &str) -> Vec<String> {
    words(text)
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The spellings of one written word, each a sequence of tokens: the
/// joined word first, then the phrase of its parts when it has any.
fn spellings(word: &str) -> Vec<Vec<String>> {
    let joined = tokens(word);
    if joined.is_empty() {
        return Vec::new();
    }
    let mut out = vec![joined.clone()];
    if word.contains(ZWNJ) {
        let parts: Vec<String> = word.split(ZWNJ).flat_map(tokens).collect();
        if parts != joined {
            out.push(parts);
        }
    } else if let [single] = joined.as_slice() {
        for (a, b) in zwnj_splits(single) {
            out.push(vec![a, b]);
        }
    }
    out
}

/// Whether `word` is a separable suffix written alone (`ها` in `کتاب ها`).
fn is_suffix(word: &str) -> bool {
    matches!(tokens(word).as_slice(), [t] if SEPARABLE_SUFFIXES.contains(&t.as_str()))
}

fn quote(tokens: &[String]) -> String {
    format!("\"{}\"", tokens.join(" ").replace('"', "\"\""))
}

fn render(alternatives: &[Vec<String>], prefix: bool) -> String {
    let star = if prefix { " *" } else { "" };
    let each: Vec<String> = alternatives
        .iter()
        .map(|a| format!("{}{star}", quote(a)))
        .collect();
    if each.len() == 1 {
        each.into_iter().next().unwrap_or_default()
    } else {
        format!("({})", each.join(" OR "))
    }
}

/// A lexeme quoted for a `tsquery` or `tsvector` literal.
pub(crate) fn ts_lexeme(token: &str) -> String {
    format!("'{}'", token.replace('\\', "\\\\").replace('\'', "''"))
}

/// [`render`] as a `tsquery`: each spelling a phrase of its tokens
/// (`<->`), the last a prefix (`:*`) if asked, restricted to the weight
/// `weight` if given, the spellings joined by `|`.
fn render_ts(alternatives: &[Vec<String>], prefix: bool, weight: Option<char>) -> String {
    let each: Vec<String> = alternatives
        .iter()
        .map(|a| {
            let n = a.len();
            let phrase: Vec<String> = a
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let star = if prefix && i + 1 == n { "*" } else { "" };
                    let w = weight.map(String::from).unwrap_or_default();
                    let label = if star.is_empty() && w.is_empty() {
                        String::new()
                    } else {
                        format!(":{star}{w}")
                    };
                    format!("{}{label}", ts_lexeme(t))
                })
                .collect();
            if phrase.len() == 1 {
                phrase.join("")
            } else {
                format!("( {} )", phrase.join(" <-> "))
            }
        })
        .collect();
    if each.len() == 1 {
        each.into_iter().next().unwrap_or_default()
    } else {
        format!("( {} )", each.join(" | "))
    }
}

/// The spellings of a phrase: the product of its words' spellings, at
/// most [`MAX_PHRASE_ALTERNATIVES`] (then the joined spellings only).
fn phrase_spellings(words: &[&str]) -> Vec<Vec<String>> {
    let mut acc: Vec<Vec<String>> = vec![Vec::new()];
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        i += 1;
        // A separable prefix, or a word before a separable suffix, written
        // apart: the pair is also searched joined.
        let pair = words.get(i).filter(|n| {
            matches!(tokens(w).as_slice(), [t] if SEPARABLE_PREFIXES.contains(&t.as_str()))
                || is_suffix(n)
        });
        let s = match pair {
            Some(n) => {
                i += 1;
                let joined = tokens(&format!("{w}{n}"));
                let apart = [tokens(w), tokens(n)].concat();
                if joined == apart {
                    vec![joined]
                } else {
                    vec![joined, apart]
                }
            }
            None => spellings(w),
        };
        if s.is_empty() {
            continue;
        }
        if acc.len() * s.len() > MAX_PHRASE_ALTERNATIVES {
            for a in &mut acc {
                a.extend(s[0].iter().cloned());
            }
            continue;
        }
        acc = acc
            .iter()
            .flat_map(|a| {
                s.iter().map(move |sp| {
                    let mut v = a.clone();
                    v.extend(sp.iter().cloned());
                    v
                })
            })
            .collect();
    }
    acc.retain(|a| !a.is_empty());
    acc
}

/// An FTS5 filter on one column: the phrase of `text`'s folded words
/// (each written spelling), or `None` when it has no word.
#[must_use]
pub fn column_phrase(column: &str, text: &str) -> Option<String> {
    let ws: Vec<&str> = text.split_whitespace().collect();
    let s = phrase_spellings(&ws);
    (!s.is_empty()).then(|| format!("{column} : {}", render(&s, false)))
}

/// [`column_phrase`] as a `tsquery` restricted to the weight the catalog
/// on PostgreSQL gives the column (`C`: creators).
#[must_use]
pub fn weighted_phrase(weight: char, text: &str) -> Option<String> {
    let ws: Vec<&str> = text.split_whitespace().collect();
    let s = phrase_spellings(&ws);
    (!s.is_empty()).then(|| render_ts(&s, false, Some(weight)))
}

/// Translates `query` into an FTS5 expression.
///
/// ```
/// use newsbag::archive::search::query::translate;
///
/// let q = translate("كتاب OR \"می شود\"").unwrap();
/// assert_eq!(q.fts, r#""کتاب" OR ("میشود" OR "می شود")"#);
/// assert!(translate("NOT iran").is_err());
/// ```
pub fn translate(query: &str) -> Result<Query, QueryError> {
    let fail = |reason: String| QueryError {
        query: query.to_owned(),
        reason,
    };
    let lexemes = lex(query).map_err(&fail)?;
    let mut parts: Vec<String> = Vec::new();
    // The same, as a tsquery: operators `&`, `|`, `& !`.
    let mut ts: Vec<String> = Vec::new();
    let mut words = Vec::new();
    // Whether the last part is an operand (a term or a closing paren).
    let mut operand = false;
    let mut depth = 0usize;
    let mut i = 0;
    let need_operand = |operand: bool, what: &str| {
        if operand {
            Ok(())
        } else {
            Err(format!("{what} needs a word or phrase before it"))
        }
    };
    while i < lexemes.len() {
        let term = match &lexemes[i] {
            Lexeme::Word(w) => {
                let prefix = w.ends_with('*');
                let w = w.trim_end_matches('*');
                // A separable prefix written alone: joined with the next word.
                let next = match lexemes.get(i + 1) {
                    Some(Lexeme::Word(n)) if !prefix => Some(n.as_str()),
                    _ => None,
                };
                let alone = tokens(w);
                let spell = match next {
                    Some(n)
                        if alone.len() == 1
                            && (SEPARABLE_PREFIXES.contains(&alone[0].as_str())
                                || is_suffix(n)) =>
                    {
                        i += 1;
                        let n_prefix = n.ends_with('*');
                        let n = n.trim_end_matches('*');
                        let joined = format!("{w}{n}");
                        let mut s = vec![tokens(&joined)];
                        let apart = [alone.clone(), tokens(n)].concat();
                        if apart != s[0] {
                            s.push(apart);
                        }
                        Some((s, n_prefix))
                    }
                    _ => Some((spellings(w), prefix)),
                };
                spell.filter(|(s, _)| !s.is_empty()).map(|(s, p)| {
                    for a in &s {
                        let mut t = a.join(" ");
                        if p {
                            t.push('*');
                        }
                        words.push(t);
                    }
                    (render(&s, p), render_ts(&s, p, None))
                })
            }
            Lexeme::Phrase(p) => {
                let ws: Vec<&str> = p.split_whitespace().collect();
                let s = phrase_spellings(&ws);
                if s.is_empty() {
                    None
                } else {
                    words.extend(s.iter().map(|a| a.join(" ")));
                    Some((render(&s, false), render_ts(&s, false, None)))
                }
            }
            op @ (Lexeme::Or | Lexeme::And | Lexeme::Not) => {
                let name = match op {
                    Lexeme::Or => "OR",
                    Lexeme::And => "AND",
                    _ => "NOT",
                };
                need_operand(operand, name).map_err(&fail)?;
                parts.push(name.to_owned());
                ts.push(
                    match op {
                        Lexeme::Or => "|",
                        Lexeme::And => "&",
                        _ => "& !",
                    }
                    .to_owned(),
                );
                operand = false;
                i += 1;
                continue;
            }
            Lexeme::Open => {
                if operand {
                    parts.push("AND".into());
                    ts.push("&".into());
                }
                parts.push("(".into());
                ts.push("(".into());
                depth += 1;
                operand = false;
                i += 1;
                continue;
            }
            Lexeme::Close => {
                if depth == 0 {
                    return Err(fail("a `)` has no `(` before it".into()));
                }
                need_operand(operand, "`)`").map_err(&fail)?;
                parts.push(")".into());
                ts.push(")".into());
                depth -= 1;
                operand = true;
                i += 1;
                continue;
            }
        };
        i += 1;
        if let Some((t, t_ts)) = term {
            if operand {
                parts.push("AND".into());
                ts.push("&".into());
            }
            parts.push(t);
            ts.push(t_ts);
            operand = true;
        }
    }
    if depth > 0 {
        return Err(fail("a `(` is not closed".into()));
    }
    if parts.is_empty() {
        return Err(fail("it has no word to search for".into()));
    }
    if !operand {
        return Err(fail(format!(
            "`{}` needs a word or phrase after it",
            parts.last().map_or("", String::as_str)
        )));
    }
    Ok(Query {
        fts: parts.join(" "),
        ts: ts.join(" "),
        words,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fts(q: &str) -> String {
        translate(q).unwrap().fts
    }

    fn ts(q: &str) -> String {
        translate(q).unwrap().ts
    }

    /// The tsquery of the catalog on PostgreSQL says what the FTS5
    /// expression says, in PostgreSQL's operators (`!` binds tighter than
    /// `&`, which binds tighter than `|`, as FTS5's NOT, AND and OR).
    #[test]
    fn tsquery_mirrors_the_fts5_expression() {
        assert_eq!(ts("rice harvest"), "'rice' & 'harvest'");
        assert_eq!(ts("Rice OR gilan"), "'rice' | 'gilan'");
        assert_eq!(ts("rice NOT gilan"), "'rice' & ! 'gilan'");
        assert_eq!(ts("harv*"), "'harv':*");
        assert_eq!(
            ts("\"creative cities\" (a OR b)"),
            "( 'creative' <-> 'cities' ) & ( 'a' | 'b' )"
        );
        assert_eq!(
            ts("كتاب OR \"می شود\""),
            "'کتاب' | ( 'میشود' | ( 'می' <-> 'شود' ) )"
        );
        assert_eq!(ts("o'brien"), "( 'o' <-> 'brien' )");
        assert_eq!(
            weighted_phrase('C', "Sara Ahmadi").as_deref(),
            Some("( 'sara':C <-> 'ahmadi':C )")
        );
        assert_eq!(ts_lexeme("a'b\\c"), "'a''b\\\\c'");
    }

    #[test]
    fn words_phrases_and_operators() {
        assert_eq!(fts("rice harvest"), r#""rice" AND "harvest""#);
        assert_eq!(fts("Rice OR gilan"), r#""rice" OR "gilan""#);
        assert_eq!(fts("rice NOT gilan"), r#""rice" NOT "gilan""#);
        assert_eq!(fts("\"rice harvest\""), r#""rice harvest""#);
        assert_eq!(fts("harv*"), r#""harv" *"#);
        assert_eq!(
            fts("(rice OR برنج) gilan"),
            r#"( "rice" OR "برنج" ) AND "gilan""#
        );
        // Lower-case operators are words; FTS5 syntax in a word is text.
        assert_eq!(fts("rice or"), r#""rice" AND "or""#);
        assert_eq!(
            fts("title:x NEAR(a b)"),
            r#""title x" AND "near" AND ( "a" AND "b" )"#
        );
        assert_eq!(fts("a\"\"b"), r#""a" AND "b""#);
    }

    #[test]
    fn folds_and_expands_persian() {
        let all = r#"("میشود" OR "می شود")"#;
        assert_eq!(fts("می‌شود"), all);
        assert_eq!(fts("میشود"), all);
        assert_eq!(fts("می شود"), all);
        assert_eq!(fts("مي‌شود"), all);
        assert_eq!(fts("كتاب‌ها"), r#"("کتابها" OR "کتاب ها")"#);
        assert_eq!(fts("کتاب ها"), r#"("کتابها" OR "کتاب ها")"#);
        assert_eq!(fts("ها"), r#""ها""#);
        assert_eq!(fts("كتابِ"), r#""کتاب""#);
        assert_eq!(fts("۱۳۹۵"), r#""1395""#);
        assert_eq!(fts("میز"), r#""میز""#);
        assert_eq!(fts("\"این کتاب‌ها\""), r#"("این کتابها" OR "این کتاب ها")"#);
        assert_eq!(fts("\"می شود\""), r#"("میشود" OR "می شود")"#);
        assert_eq!(fts("\"کار می شود\""), r#"("کار میشود" OR "کار می شود")"#);
        assert_eq!(fts("\"کتاب ها\""), r#"("کتابها" OR "کتاب ها")"#);
    }

    #[test]
    fn bad_syntax_is_a_clear_error() {
        for (q, why) in [
            ("", "no word"),
            ("   ", "no word"),
            ("!!!", "no word"),
            ("NOT rice", "NOT needs a word"),
            ("rice OR", "`OR` needs a word or phrase after it"),
            ("OR rice", "OR needs"),
            ("rice AND OR x", "OR needs"),
            ("\"rice", "not closed"),
            ("(rice", "not closed"),
            ("rice)", "no `(`"),
            ("()", "`)` needs"),
        ] {
            let e = translate(q).unwrap_err();
            assert!(e.to_string().contains(why), "{q}: {e}");
        }
    }
}
