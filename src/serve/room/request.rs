//! What a reading-room request may ask, checked before anything is looked
//! up: bounded lengths, dates, bag names and page numbers. A request that
//! breaks a bound gets a 400 page naming it.

use chrono::NaiveDate;

use super::pages::Form;
use crate::archive::search::find::Filters;
use crate::ingest::is_bag_name;

/// The longest query string accepted, in bytes (as sent, percent-encoded).
pub(crate) const MAX_QUERY_STRING: usize = 4096;
/// The longest search, in characters.
pub(crate) const MAX_QUERY: usize = 256;
/// The longest value of any other field, in characters.
pub(crate) const MAX_VALUE: usize = 200;
/// The most parameters, and the most sources or languages.
const MAX_PARAMS: usize = 32;
const MAX_VALUES: usize = 16;
/// The deepest page of results (with [`PAGE_SIZE`], the first 10,000).
pub(crate) const MAX_PAGE: usize = 500;
/// Results per page.
pub(crate) const PAGE_SIZE: usize = 20;

/// A request refused, with what is wrong (shown on the 400 page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadRequest(pub(crate) String);

/// A search as asked: the form (to show back), the query, the filters and
/// the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Search {
    pub(crate) form: Form,
    pub(crate) query: Option<String>,
    pub(crate) filters: Filters,
    pub(crate) page: usize,
}

/// The `name=value` pairs of a raw query string, bounded.
pub(crate) fn pairs(raw: Option<&str>) -> Result<Vec<(String, String)>, BadRequest> {
    let raw = raw.unwrap_or_default();
    if raw.len() > MAX_QUERY_STRING {
        return Err(BadRequest(format!(
            "the request's query string is {} bytes long; at most {MAX_QUERY_STRING} are accepted",
            raw.len()
        )));
    }
    let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if pairs.len() > MAX_PARAMS {
        return Err(BadRequest(format!(
            "the request has {} parameters; at most {MAX_PARAMS} are accepted",
            pairs.len()
        )));
    }
    Ok(pairs)
}

fn bounded<'a>(name: &str, value: &'a str, max: usize) -> Result<&'a str, BadRequest> {
    let n = value.chars().count();
    if n > max {
        return Err(BadRequest(format!(
            "`{name}` is {n} characters long; at most {max} are accepted"
        )));
    }
    Ok(value.trim())
}

fn date(name: &str, value: &str) -> Result<Option<NaiveDate>, BadRequest> {
    if value.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| BadRequest(format!("`{name}` must be a date written YYYY-MM-DD")))
}

/// Values separated by commas or spaces, appended to `out`.
fn list(name: &str, value: &str, out: &mut Vec<String>) -> Result<(), BadRequest> {
    out.extend(
        value
            .split([',', ' '])
            .filter(|v| !v.is_empty())
            .map(str::to_owned),
    );
    if out.len() > MAX_VALUES {
        return Err(BadRequest(format!(
            "`{name}` names more than {MAX_VALUES} values"
        )));
    }
    Ok(())
}

/// The search a request's parameters ask for. Unknown parameters are
/// ignored; `source` and `lang` may repeat.
pub(crate) fn search(pairs: &[(String, String)]) -> Result<Search, BadRequest> {
    let mut form = Form::default();
    let mut filters = Filters::default();
    let mut page = 1;
    let join = |field: &mut String, v: &str| {
        if !field.is_empty() {
            field.push_str(", ");
        }
        field.push_str(v);
    };
    for (k, v) in pairs {
        match k.as_str() {
            "q" => form.q = bounded(k, v, MAX_QUERY)?.to_owned(),
            "since" => {
                let v = bounded(k, v, MAX_VALUE)?;
                filters.since = date(k, v)?;
                form.since = v.to_owned();
            }
            "until" => {
                let v = bounded(k, v, MAX_VALUE)?;
                filters.until = date(k, v)?;
                form.until = v.to_owned();
            }
            "source" => {
                let v = bounded(k, v, MAX_VALUE)?;
                list(k, v, &mut filters.sources)?;
                if !v.is_empty() {
                    join(&mut form.source, v);
                }
            }
            "lang" => {
                let v = bounded(k, v, MAX_VALUE)?;
                list(k, v, &mut filters.languages)?;
                if !v.is_empty() {
                    join(&mut form.lang, v);
                }
            }
            "bag" => {
                let v = bounded(k, v, MAX_VALUE)?;
                if !v.is_empty() {
                    if !is_bag_name(v) {
                        return Err(BadRequest(format!("`{v}` is not a bag name")));
                    }
                    filters.bag = Some(v.to_owned());
                    form.bag = v.to_owned();
                }
            }
            "page" => {
                page = v
                    .parse::<usize>()
                    .ok()
                    .filter(|p| (1..=MAX_PAGE).contains(p))
                    .ok_or_else(|| {
                        BadRequest(format!("`page` must be a number from 1 to {MAX_PAGE}"))
                    })?;
            }
            _ => {}
        }
    }
    let query = (!form.q.is_empty()).then(|| form.q.clone());
    Ok(Search {
        form,
        query,
        filters,
        page,
    })
}

/// The query string of `form` at `page` (for the pages' links).
pub(crate) fn search_href(form: &Form, page: usize) -> String {
    let page = page.to_string();
    let pairs = [
        ("q", form.q.as_str()),
        ("since", &form.since),
        ("until", &form.until),
        ("source", &form.source),
        ("lang", &form.lang),
        ("bag", &form.bag),
        ("page", &page),
    ];
    let qs = super::text::query_string(pairs.into_iter().filter(|&(k, v)| match k {
        "page" => v != "1",
        _ => !v.is_empty(),
    }));
    format!("/search?{qs}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_search_with_every_filter() {
        let s = search(&p(&[
            ("q", " شهرداری "),
            ("since", "2026-01-02"),
            ("until", "2026-12-31"),
            ("source", "example.com, news.example"),
            ("source", "other.example"),
            ("lang", "fa"),
            ("bag", "inbox-2026"),
            ("page", "3"),
            ("utm", "ignored"),
        ]))
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(s.query.as_deref(), Some("شهرداری"));
        assert_eq!(s.filters.since, NaiveDate::from_ymd_opt(2026, 1, 2));
        assert_eq!(s.filters.until, NaiveDate::from_ymd_opt(2026, 12, 31));
        assert_eq!(
            s.filters.sources,
            ["example.com", "news.example", "other.example"]
        );
        assert_eq!(s.form.source, "example.com, news.example, other.example");
        assert_eq!(s.filters.languages, ["fa"]);
        assert_eq!(s.filters.bag.as_deref(), Some("inbox-2026"));
        assert_eq!(s.page, 3);
        // The links keep every field and the page.
        let href = search_href(&s.form, 4);
        let back = search(&pairs(href.strip_prefix("/search?")).unwrap_or_default())
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(back.form, s.form);
        assert_eq!(back.page, 4);
        assert_eq!(search_href(&Form::default(), 1), "/search?");
    }

    #[test]
    fn bounds_are_refused_with_what_is_wrong() {
        let long = "ب".repeat(MAX_QUERY + 1);
        let e = search(&p(&[("q", &long)])).unwrap_err();
        assert!(e.0.contains("`q` is 257 characters"), "{e:?}");
        assert!(search(&p(&[("q", &"ب".repeat(MAX_QUERY))])).is_ok());
        for (k, v) in [
            ("since", "yesterday"),
            ("until", "2026-02-30"),
            ("page", "0"),
            ("page", "501"),
            ("page", "x"),
            ("bag", "../etc"),
            ("bag", "a/b"),
        ] {
            assert!(search(&p(&[(k, v)])).is_err(), "{k}={v}");
        }
        let many = "a,".repeat(MAX_VALUES + 1);
        assert!(search(&p(&[("lang", &many)])).is_err());
        assert!(pairs(Some(&"a=b&".repeat(MAX_PARAMS + 1))).is_err());
        assert!(pairs(Some(&"x".repeat(MAX_QUERY_STRING + 1))).is_err());
        assert_eq!(
            pairs(Some("q=%D8%A8+c&page=2")).unwrap_or_default(),
            p(&[("q", "ب c"), ("page", "2")])
        );
    }
}
