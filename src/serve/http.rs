//! The HTTP server of `newsbag serve` (axum on tokio): the OAI-PMH data
//! provider at `/oai`, GET and POST, and the reading room at `/`
//! ([`super::room`]), read-only on the archive.
//!
//! Requests are answered from a bounded pool of archives open read-only
//! ([`super::pool`]), on tokio's blocking pool since the catalog's queries
//! (SQLite or PostgreSQL) and the zip reads block: as many at once as the
//! pool has archives, the others waiting without a thread. Around every route: at most
//! [`Options::max_in_flight`] requests in flight (more wait for a place),
//! each answered within [`Options::timeout`] or given `503`. Request bodies
//! are bounded (axum's 2 MiB default), and nothing a request says reaches
//! the file system but through the catalog.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::oai::{DEFAULT_PAGE_SIZE, Provider, respond};
use super::pool::ArchivePool;
use crate::archive::{Error, Result, now_unix};

/// How to serve an archive.
#[derive(Debug, Clone)]
pub struct Options {
    /// The archive root.
    pub root: PathBuf,
    /// The address to listen on (port 0: any free port).
    pub bind: SocketAddr,
    /// The base URL the data provider names itself by; default
    /// `http://ADDRESS/oai` of the address bound.
    pub base_url: Option<String>,
    /// `repositoryName` of Identify.
    pub name: String,
    /// `adminEmail` of Identify.
    pub admin_email: String,
    /// Records per list response.
    pub page_size: usize,
    /// Read-only catalog connections, hence requests doing blocking work
    /// at once.
    pub connections: usize,
    /// Requests in flight at once; more wait for a place.
    pub max_in_flight: usize,
    /// The longest a request may take, waiting included, before it is
    /// answered `503 Service Unavailable`.
    pub timeout: Duration,
}

/// Default [`Options::connections`]: twice the cores (a request's work is
/// part reading the bags, part CPU), at least 2 and at most 16.
pub fn default_connections() -> usize {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get() * 2)
        .clamp(2, 16)
}

impl Options {
    /// Options with the defaults: the archive at `root` on `bind`.
    pub fn new(root: PathBuf, bind: SocketAddr) -> Options {
        let name = format!(
            "newsbag archive {}",
            root.file_name().map_or_else(
                || root.display().to_string(),
                |n| n.to_string_lossy().into()
            )
        );
        Options {
            root,
            bind,
            base_url: None,
            name,
            admin_email: "archivist@localhost.invalid".into(),
            page_size: DEFAULT_PAGE_SIZE,
            connections: default_connections(),
            max_in_flight: 256,
            timeout: Duration::from_secs(60),
        }
    }
}

struct Shared {
    archives: Arc<ArchivePool>,
    options: Options,
    base_url: String,
}

/// Serves the archive until the process is interrupted (Ctrl-C). The
/// catalog must exist; it is opened read-only. `ready` is called with the
/// address bound once the server accepts connections.
pub fn serve(options: Options, ready: impl FnOnce(SocketAddr)) -> Result<()> {
    // The archives share one cache of the bags' central directories.
    let archives = ArchivePool::open(options.root.clone(), options.connections, Arc::default())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        // Blocking work is bounded by the pool; a few more threads for the
        // rest (none today).
        .max_blocking_threads(options.connections.max(1) + 4)
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| Error::io("start", "the HTTP server's runtime", e))?;
    // The pool's last reference is dropped here, after the runtime: a
    // PostgreSQL connection closes itself by blocking on a runtime of its
    // own, which cannot be done inside this one's tasks.
    let last = Arc::clone(&archives);
    let served = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(options.bind)
            .await
            .map_err(|e| Error::io("listen on", options.bind.to_string(), e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::io("listen on", options.bind.to_string(), e))?;
        let base_url = options
            .base_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}/oai"));
        let shared = Arc::new(Shared {
            archives,
            options,
            base_url,
        });
        let app = router(shared);
        ready(addr);
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| Error::io("serve on", addr.to_string(), e))
    });
    drop(runtime);
    drop(last);
    served
}

fn router(shared: Arc<Shared>) -> Router {
    let archives = Arc::clone(&shared.archives);
    let limits = tower::ServiceBuilder::new()
        .layer(HandleErrorLayer::new(overloaded))
        .layer(tower::timeout::TimeoutLayer::new(shared.options.timeout))
        .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
            shared.options.max_in_flight.max(1),
        ));
    Router::new()
        .route("/oai", get(oai_get).post(oai_post))
        .with_state(shared)
        // The reading room at `/` (and every other path: its 404 page).
        .merge(super::room::router(archives))
        .layer(limits)
        .layer(axum::middleware::map_response(
            super::room::security_headers,
        ))
}

/// The answer to a request that took longer than [`Options::timeout`].
async fn overloaded(e: tower::BoxError) -> Response {
    log::warn!("a request was not answered in time: {e}");
    let mut r = with_headers(
        StatusCode::SERVICE_UNAVAILABLE,
        "text/plain; charset=utf-8",
        b"newsbag: the request took too long; try again later\n".to_vec(),
    );
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("10"));
    r
}

fn with_headers(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'"),
    );
    r
}

async fn oai_get(
    State(shared): State<Arc<Shared>>,
    Query(args): Query<Vec<(String, String)>>,
) -> Response {
    answer(shared, args).await
}

async fn oai_post(
    State(shared): State<Arc<Shared>>,
    Form(args): Form<Vec<(String, String)>>,
) -> Response {
    answer(shared, args).await
}

async fn answer(shared: Arc<Shared>, args: Vec<(String, String)>) -> Response {
    let pool = Arc::clone(&shared.archives);
    let result = pool
        .run(move |archive| {
            let o = &shared.options;
            let provider = Provider {
                catalog: archive.catalog(),
                root: &o.root,
                base_url: &shared.base_url,
                name: &o.name,
                admin_email: &o.admin_email,
                page_size: o.page_size,
                zips: archive.zips(),
            };
            respond(&provider, &args, now_unix())
        })
        .await;
    match result {
        Ok(xml) => with_headers(StatusCode::OK, "text/xml; charset=utf-8", xml),
        Err(e) => {
            log::error!("OAI-PMH request failed: {e}");
            with_headers(
                StatusCode::INTERNAL_SERVER_ERROR,
                "text/plain; charset=utf-8",
                format!("newsbag: {e}\n").into_bytes(),
            )
        }
    }
}
