//! The reading room's pages: askama templates (`templates/room/`) and the
//! values they show. Every value is escaped for HTML by askama, except the
//! chart, which [`super::chart`] escapes itself.

use askama::Template;

use crate::archive::catalog::BagRow;
use crate::archive::search::find::Count;
use crate::archive::status::Status;

/// The search form as the user filled it in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Form {
    pub(crate) q: String,
    pub(crate) since: String,
    pub(crate) until: String,
    pub(crate) source: String,
    pub(crate) lang: String,
    pub(crate) bag: String,
}

/// One result.
#[derive(Debug, Clone)]
pub(crate) struct HitView {
    pub(crate) href: String,
    pub(crate) id: String,
    pub(crate) bag: String,
    pub(crate) title: String,
    pub(crate) date: String,
    pub(crate) source: String,
    pub(crate) language: String,
    pub(crate) lang: String,
    pub(crate) dir: &'static str,
    pub(crate) parts: Vec<super::text::Part>,
}

/// `/` and `/search`.
#[derive(Template)]
#[template(path = "room/search.html")]
pub(crate) struct SearchPage {
    pub(crate) title: String,
    pub(crate) form: Form,
    pub(crate) max_query: usize,
    pub(crate) max_value: usize,
    pub(crate) summary: String,
    pub(crate) hits: Vec<HitView>,
    pub(crate) first: usize,
    pub(crate) page: usize,
    pub(crate) pages: usize,
    pub(crate) prev: Option<String>,
    pub(crate) next: Option<String>,
    pub(crate) chart: Option<String>,
    pub(crate) chart_title: String,
    pub(crate) chart_by: &'static str,
    pub(crate) counts: Vec<Count>,
}

/// One Dublin Core value.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub(crate) name: String,
    pub(crate) value: String,
}

/// `/item/{id}`.
#[derive(Template)]
#[template(path = "room/item.html")]
pub(crate) struct ItemPage {
    pub(crate) title: String,
    pub(crate) heading: String,
    pub(crate) id: String,
    pub(crate) bag: String,
    pub(crate) language: String,
    pub(crate) lang: String,
    pub(crate) dir: &'static str,
    pub(crate) original_href: String,
    pub(crate) media_type: String,
    pub(crate) encoding: String,
    pub(crate) sha256: String,
    pub(crate) text: Option<String>,
    pub(crate) fields: Vec<Field>,
    pub(crate) fixity: BagRow,
    pub(crate) last_check: String,
    pub(crate) last_full_check: String,
    pub(crate) provenance: String,
}

/// `/archive`.
#[derive(Template)]
#[template(path = "room/archive.html")]
pub(crate) struct ArchivePage {
    pub(crate) title: String,
    pub(crate) name: String,
    pub(crate) status: Status,
    pub(crate) last_audit: String,
    pub(crate) last_audit_success: String,
    pub(crate) next_due: String,
}

/// Every error: 400, 404, 300 (an id in several bags), 503, 500.
#[derive(Template)]
#[template(path = "room/error.html")]
pub(crate) struct ErrorPage {
    pub(crate) title: String,
    pub(crate) message: String,
    pub(crate) status: u16,
    /// Links offered (href, text).
    pub(crate) choices: Vec<(String, String)>,
}
