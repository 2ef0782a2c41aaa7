//! The reading room of `newsbag serve`: HTML pages for researchers at `/`,
//! read-only, without JavaScript.
//!
//! - `/` and `/search?q=&since=&until=&source=&lang=&bag=&page=`: the
//!   search of `newsbag find` (same query language, ranking and
//!   snippets), paged, with a chart of the matches over time.
//! - `/item/{id}` (`?bag=NAME` where several bags hold the id): the item
//!   as `newsbag show` has it; `/item/{id}/original`: its original bytes.
//! - `/archive`: the figures of `newsbag status`.
//! - `/static/room.css`: the style sheet, compiled into the binary.
//!
//! Safe by construction: ids and bag names are checked before any lookup
//! and reach the bags only through the catalog; query strings and fields
//! are bounded; each request runs on tokio's blocking pool with an archive
//! of the server's pool ([`super::pool`]) and a time limit (the catalog's
//! query, SQLite or PostgreSQL, is interrupted past it); only GET (and
//! HEAD) routes exist; [`security_headers`] puts a strict
//! Content-Security-Policy and the other headers on every response.

mod chart;
mod pages;
mod request;
mod text;

use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use axum::Router;
use axum::extract::{Path as UrlPath, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use self::pages::{ArchivePage, ErrorPage, Field, HitView, ItemPage, SearchPage};
use self::request::{BadRequest, MAX_QUERY, MAX_VALUE, PAGE_SIZE};
use self::text::{Direction, download_name, safe_media_type, snippet_parts};
use super::pool::ArchivePool;
use crate::archive::Archive;
use crate::archive::search::find::{self, CountBy, Error as SearchError};
use crate::archive::search::show;
use crate::ingest::{is_bag_name, is_item_id};

/// The longest a request may work before it gets a 503 page.
const TIME_LIMIT: Duration = Duration::from_secs(20);
/// The most bars of the chart: days if they fit, else months, else years.
const MAX_BARS: usize = 60;
/// `newsbag status`'s defaults, for the archive page.
const AUDIT_CYCLE: Duration = Duration::from_secs(90 * 86_400);
const MIN_COPIES: u64 = 2;

const CSS: &str = include_str!("room.css");

/// The reading room's Content-Security-Policy: everything from this
/// server only, no script at all, no plugins, no framing, forms only to
/// itself.
const CSP: &str = "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; \
                   form-action 'self'; frame-ancestors 'none'";

/// The reading room's routes over the archives of `archives` (with their
/// own state; merge them into the server's router).
pub fn router(archives: Arc<ArchivePool>) -> Router {
    Router::new()
        .route("/", get(search_page))
        .route("/search", get(search_page))
        .route("/item/{id}", get(item_page))
        .route("/item/{id}/original", get(original))
        .route("/archive", get(archive_page))
        .route("/static/room.css", get(stylesheet))
        .fallback(unknown_path)
        .with_state(Root(archives))
}

/// Adds the security headers to `response` (those it already has, such
/// as OAI-PMH's stricter policy, are kept): apply to every route with
/// `axum::middleware::map_response`.
pub async fn security_headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(CSP));
    h.entry(header::X_CONTENT_TYPE_OPTIONS)
        .or_insert(HeaderValue::from_static("nosniff"));
    h.entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("no-referrer"));
    h.entry(header::X_FRAME_OPTIONS)
        .or_insert(HeaderValue::from_static("DENY"));
    response
}

/// The archive the room shows: the server's pool of read-only archives
/// (sharing the central directories of the bags between requests).
#[derive(Clone)]
struct Root(Arc<ArchivePool>);

/// A request that cannot be answered with its page: the error page.
#[derive(Debug)]
struct Failure {
    status: StatusCode,
    title: String,
    message: String,
    choices: Vec<(String, String)>,
}

impl Failure {
    fn new(status: StatusCode, title: &str, message: impl Into<String>) -> Failure {
        Failure {
            status,
            title: title.into(),
            message: message.into(),
            choices: Vec::new(),
        }
    }

    fn no_item(id: &str) -> Failure {
        // An id that cannot be one is not repeated back.
        let message = if is_item_id(id) {
            format!("The archive holds no item `{id}`.")
        } else {
            "This address names no item: an item id is 1 to 128 letters, digits, `-`, `_` \
             and `.`."
                .to_owned()
        };
        Failure::new(StatusCode::NOT_FOUND, "No such item", message)
    }

    fn internal() -> Failure {
        Failure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            "The page could not be made; the server's log says why.",
        )
    }
}

impl From<BadRequest> for Failure {
    fn from(e: BadRequest) -> Failure {
        Failure::new(StatusCode::BAD_REQUEST, "Bad request", e.0)
    }
}

impl From<crate::archive::Error> for Failure {
    fn from(e: crate::archive::Error) -> Failure {
        use crate::archive::Error as E;
        log::error!("reading room: {e}");
        match e {
            E::NoCatalog { .. }
            | E::CorruptCatalog { .. }
            | E::CatalogBusy { .. }
            | E::CatalogUnwritable { .. }
            | E::OldCatalog { .. }
            | E::NewerCatalog { .. }
            | E::Coordination { .. }
            | E::NotAnArchive { .. } => Failure::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "The catalog cannot be read",
                "The archive's catalog is missing, locked by another newsbag, damaged or on a \
                 database server that does not answer, so \
                 nothing can be looked up right now. Nothing is lost: the bags are the record, \
                 and the catalog can be rebuilt from them. Try again later.",
            ),
            E::Catalog { ref source, .. }
                if source.sqlite_error_code()
                    == Some(rusqlite::ErrorCode::OperationInterrupted) =>
            {
                too_slow()
            }
            _ => Failure::internal(),
        }
    }
}

fn too_slow() -> Failure {
    Failure::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "Too slow",
        format!(
            "The request took longer than {} seconds and was stopped. A narrower search may \
             answer sooner.",
            TIME_LIMIT.as_secs()
        ),
    )
}

impl From<SearchError> for Failure {
    fn from(e: SearchError) -> Failure {
        match e {
            SearchError::Query(q) => Failure::new(
                StatusCode::BAD_REQUEST,
                "The search cannot be understood",
                q.to_string(),
            ),
            SearchError::UnknownItem { id, .. } => Failure::no_item(&id),
            SearchError::AmbiguousItem { id, bags } => Failure {
                status: StatusCode::MULTIPLE_CHOICES,
                title: "Several items of that id".into(),
                message: format!("Several bags hold an item `{id}`: choose one."),
                choices: bags
                    .split(", ")
                    .filter(|b| is_bag_name(b))
                    .map(|b| {
                        (
                            format!("/item/{id}?{}", text::query_string([("bag", b)])),
                            format!("`{id}` in bag {b}"),
                        )
                    })
                    .collect(),
            },
            SearchError::IncompleteIndex(_) => Failure::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "The search index is incomplete",
                "The catalog predates the search index; the archivist can fill it with \
                 `newsbag catalog rebuild`.",
            ),
            SearchError::Archive(e) => e.into(),
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let page = ErrorPage {
            title: self.title,
            message: self.message,
            status: self.status.as_u16(),
            choices: self.choices,
        };
        html(self.status, &page)
    }
}

/// `page` rendered, as `status`.
fn html(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(body) => {
            let mut r = (status, body).into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            r
        }
        Err(e) => {
            log::error!("reading room: a template failed: {e}");
            let mut r = (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            r
        }
    }
}

/// Runs `work` on an archive of the server's pool, on the blocking pool,
/// within [`TIME_LIMIT`]: past it, the catalog's query is interrupted and
/// the request gets a 503 page.
async fn with_archive<T: Send + 'static>(
    root: Root,
    work: impl FnOnce(&Archive) -> Result<T, Failure> + Send + 'static,
) -> Result<T, Failure> {
    let (tx, rx) = std::sync::mpsc::channel();
    let task = root.0.run(move |archive| {
        let _ = tx.send(archive.catalog().interrupter());
        work(archive)
    });
    match tokio::time::timeout(TIME_LIMIT, task).await {
        Ok(result) => result,
        Err(_) => {
            if let Ok(handle) = rx.try_recv() {
                handle.interrupt();
            }
            Err(too_slow())
        }
    }
}

async fn search_page(State(root): State<Root>, RawQuery(raw): RawQuery) -> Response {
    match search(root, raw).await {
        Ok(page) => html(StatusCode::OK, &page),
        Err(f) => f.into_response(),
    }
}

async fn search(root: Root, raw: Option<String>) -> Result<SearchPage, Failure> {
    let asked = request::search(&request::pairs(raw.as_deref())?)?;
    with_archive(root, move |archive| {
        let query = find::prepare(archive, asked.query.as_deref())?;
        let q = query.as_ref();
        let total = usize::try_from(find::count(archive, q, &asked.filters)?).unwrap_or(usize::MAX);
        let offset = (asked.page - 1) * PAGE_SIZE;
        let hits = find::find_page(archive, q, &asked.filters, offset, PAGE_SIZE)?;
        let (by, counts) = over_time(archive, q, &asked.filters)?;
        let pages = total.div_ceil(PAGE_SIZE).clamp(1, request::MAX_PAGE);
        let summary = match (total, &asked.query) {
            (0, _) => "No item found".to_owned(),
            (1, Some(_)) => "1 item matches".to_owned(),
            (n, Some(_)) => format!("{n} items match, best first"),
            (1, None) => "1 item".to_owned(),
            (n, None) => format!("{n} items, newest first"),
        };
        let chart_title = match &asked.query {
            Some(q) => format!("Items matching “{q}” by {by}, of all items the filters select"),
            None => format!("Items by {by}"),
        };
        let chart = chart::svg(&counts, &chart_title);
        let page = asked.page;
        Ok(SearchPage {
            title: match &asked.query {
                Some(q) => format!("Search: {q}"),
                None => "Search".into(),
            },
            summary,
            hits: hits.into_iter().map(hit_view).collect(),
            first: offset + 1,
            page,
            pages,
            prev: (page > 1).then(|| request::search_href(&asked.form, page - 1)),
            next: (page < pages).then(|| request::search_href(&asked.form, page + 1)),
            chart,
            chart_title,
            chart_by: by,
            counts,
            form: asked.form,
            max_query: MAX_QUERY,
            max_value: MAX_VALUE,
        })
    })
    .await
}

/// The counts over time of a search: by day if there are at most
/// [`MAX_BARS`] days, else by month, else by year.
fn over_time(
    archive: &Archive,
    query: Option<&crate::archive::search::query::Query>,
    filters: &find::Filters,
) -> Result<(&'static str, Vec<find::Count>), SearchError> {
    let mut last = ("year", Vec::new());
    for (by, name) in [
        (CountBy::Day, "day"),
        (CountBy::Month, "month"),
        (CountBy::Year, "year"),
    ] {
        let counts = find::count_by(archive, query, filters, by)?;
        if counts.len() <= MAX_BARS {
            return Ok((name, counts));
        }
        last = (name, counts);
    }
    Ok(last)
}

fn hit_view(h: find::Hit) -> HitView {
    let dir = Direction::of(&h.language);
    HitView {
        href: format!(
            "/item/{}?{}",
            h.id,
            text::query_string([("bag", h.bag.as_str())])
        ),
        title: if h.title.trim().is_empty() {
            h.id.clone()
        } else {
            h.title
        },
        date: h.date.unwrap_or_else(|| "no date".into()),
        source: h.source.unwrap_or_else(|| "no source".into()),
        language: h.language.join(", "),
        lang: dir.lang.unwrap_or_default(),
        dir: dir.dir,
        parts: snippet_parts(&h.snippet),
        id: h.id,
        bag: h.bag,
    }
}

/// The id of the path and the `bag` of the query, checked; anything that
/// cannot name an item is a 404 without a lookup.
fn item_address(id: &str, raw: Option<&str>) -> Result<Option<String>, Failure> {
    if !is_item_id(id) {
        return Err(Failure::no_item(id));
    }
    let mut bag = None;
    for (k, v) in request::pairs(raw)? {
        if k == "bag" && !v.is_empty() {
            if !is_bag_name(&v) {
                return Err(Failure::new(
                    StatusCode::NOT_FOUND,
                    "No such bag",
                    format!("The archive holds no bag `{v}`."),
                ));
            }
            bag = Some(v);
        }
    }
    Ok(bag)
}

async fn item_page(
    State(root): State<Root>,
    UrlPath(id): UrlPath<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    match item(root, id, raw).await {
        Ok(page) => html(StatusCode::OK, &page),
        Err(f) => f.into_response(),
    }
}

async fn item(root: Root, id: String, raw: Option<String>) -> Result<ItemPage, Failure> {
    let bag = item_address(&id, raw.as_deref())?;
    let shown = with_archive(root, move |archive| {
        Ok(show::show(archive, &id, bag.as_deref())?)
    })
    .await?;
    let values = |name: &str| -> Vec<String> {
        shown
            .dc
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let languages = values("language");
    let dir = Direction::of(&languages);
    let heading = values("title")
        .into_iter()
        .next()
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| shown.id.clone());
    let fields = shown
        .dc
        .iter()
        .flat_map(|(name, vs)| {
            vs.iter().map(move |v| Field {
                name: name.clone(),
                value: v.clone(),
            })
        })
        .collect();
    let f = &shown.fixity;
    let last_check = match &f.last_check {
        Some(t) => format!(
            "{t} ({} check, {})",
            f.last_check_level.as_deref().unwrap_or("unknown"),
            f.last_outcome.as_deref().unwrap_or("no outcome")
        ),
        None => "never".into(),
    };
    Ok(ItemPage {
        title: heading.clone(),
        heading,
        original_href: format!(
            "/item/{}/original?{}",
            shown.id,
            text::query_string([("bag", shown.bag.as_str())])
        ),
        media_type: shown
            .media_type
            .clone()
            .unwrap_or_else(|| "media type unknown".into()),
        encoding: shown.encoding.clone().unwrap_or_default(),
        sha256: shown.sha256.clone().unwrap_or_default(),
        language: languages.join(", "),
        lang: dir.lang.unwrap_or_default(),
        dir: dir.dir,
        text: shown.text.clone(),
        fields,
        last_check,
        last_full_check: f.last_full_check.clone().unwrap_or_else(|| "never".into()),
        provenance: serde_json::to_string_pretty(&shown.provenance).unwrap_or_default(),
        fixity: shown.fixity.clone(),
        id: shown.id,
        bag: shown.bag,
    })
}

async fn original(
    State(root): State<Root>,
    UrlPath(id): UrlPath<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let bag = match item_address(&id, raw.as_deref()) {
        Ok(bag) => bag,
        Err(f) => return f.into_response(),
    };
    let got = with_archive(root, move |archive| {
        let file = show::original_file(archive, &id, bag.as_deref())?;
        // Held whole and checked against the SHA-256 the catalog recorded
        // before the first byte is sent: a damaged original is an error
        // page, never a truncated or wrong download.
        let mut bytes = Vec::new();
        show::original(archive, &id, Some(&file.bag), &mut bytes)?;
        Ok((download_name(&id, &file.name), file.media_type, bytes))
    })
    .await;
    let (name, media_type, bytes) = match got {
        Ok(got) => got,
        Err(f) => return f.into_response(),
    };
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    let content_type = safe_media_type(media_type.as_deref());
    let content_type = HeaderValue::from_str(&content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CONTENT_TYPE, content_type);
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    // Should a browser render it after all, it runs nothing.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    r
}

async fn archive_page(State(root): State<Root>) -> Response {
    let name = root
        .0
        .root()
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let got = with_archive(root, |archive| {
        Ok(crate::archive::status::summary(
            archive,
            AUDIT_CYCLE,
            MIN_COPIES,
        )?)
    })
    .await;
    match got {
        Ok(status) => {
            let never = |t: &Option<String>| t.clone().unwrap_or_else(|| "never".into());
            let page = ArchivePage {
                title: "The archive".into(),
                last_audit: never(&status.last_audit),
                last_audit_success: never(&status.last_audit_success),
                next_due: never(&status.next_due),
                name,
                status,
            };
            html(StatusCode::OK, &page)
        }
        Err(f) => f.into_response(),
    }
}

async fn stylesheet() -> Response {
    let mut r = CSS.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    r
}

async fn unknown_path() -> Response {
    Failure::new(
        StatusCode::NOT_FOUND,
        "Not found",
        "There is no page at this address. The reading room is at /, the OAI-PMH data \
         provider at /oai.",
    )
    .into_response()
}
