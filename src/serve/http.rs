//! The HTTP server of `newsbag serve` (axum on tokio): the OAI-PMH data
//! provider at `/oai`, GET and POST, and the reading room at `/`
//! ([`super::room`]), read-only on the archive.
//!
//! The catalog is opened read-only once and shared behind a lock; each
//! request is answered on tokio's blocking pool, since SQLite and the zip
//! reads block. Request bodies are bounded (axum's 2 MiB default), and
//! nothing a request says reaches the file system but through the catalog.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::oai::{DEFAULT_PAGE_SIZE, Provider, respond};
use crate::archive::catalog::{CATALOG_FILE, Catalog};
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
        }
    }
}

struct Shared {
    catalog: Mutex<Catalog>,
    options: Options,
    base_url: String,
}

/// Serves the archive until the process is interrupted (Ctrl-C). The
/// catalog must exist; it is opened read-only. `ready` is called with the
/// address bound once the server accepts connections.
pub fn serve(options: Options, ready: impl FnOnce(SocketAddr)) -> Result<()> {
    crate::archive::check_archive(&options.root)?;
    let catalog = Catalog::open_read_only(&options.root.join(CATALOG_FILE))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| Error::io("start", "the HTTP server's runtime", e))?;
    runtime.block_on(async move {
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
            catalog: Mutex::new(catalog),
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
    })
}

fn router(shared: Arc<Shared>) -> Router {
    let root = shared.options.root.clone();
    Router::new()
        .route("/oai", get(oai_get).post(oai_post))
        .with_state(shared)
        // The reading room at `/` (and every other path: its 404 page).
        .merge(super::room::router(root))
        .layer(axum::middleware::map_response(
            super::room::security_headers,
        ))
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
    let result = tokio::task::spawn_blocking(move || {
        let catalog = shared
            .catalog
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let o = &shared.options;
        let provider = Provider {
            catalog: &catalog,
            root: &o.root,
            base_url: &shared.base_url,
            name: &o.name,
            admin_email: &o.admin_email,
            page_size: o.page_size,
        };
        respond(&provider, &args, now_unix())
    })
    .await;
    match result {
        Ok(Ok(xml)) => with_headers(StatusCode::OK, "text/xml; charset=utf-8", xml),
        Ok(Err(e)) => {
            log::error!("OAI-PMH request failed: {e}");
            with_headers(
                StatusCode::INTERNAL_SERVER_ERROR,
                "text/plain; charset=utf-8",
                format!("newsbag: {e}\n").into_bytes(),
            )
        }
        Err(e) => {
            log::error!("OAI-PMH request failed: {e}");
            with_headers(
                StatusCode::INTERNAL_SERVER_ERROR,
                "text/plain; charset=utf-8",
                b"newsbag: internal error\n".to_vec(),
            )
        }
    }
}
