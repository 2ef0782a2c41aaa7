//! The provenance record of each item (`provenance.json`): what it was
//! made from and how.

use super::IngestOptions;
use crate::encoding::{self, Detection};
use crate::item::{ItemFormat, NewsItem};

pub(super) fn repair_name(k: encoding::RepairKind) -> String {
    serde_json::to_value(k)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[allow(clippy::too_many_arguments, reason = "one record from many sources")]
pub(super) fn provenance(
    input: &str,
    input_sha: &str,
    item_sha: &str,
    format: ItemFormat,
    detection: &Detection,
    text: &encoding::TextDerivative,
    it: &NewsItem,
    options: &IngestOptions,
    feed: bool,
) -> serde_json::Value {
    serde_json::json!({
        "newsbag": env!("CARGO_PKG_VERSION"),
        "ingested": options.ingest_time,
        "input": {
            "name": input,
            "sha256": input_sha,
            "format": format.to_string(),
            "media_type": format.media_type(),
        },
        "original": {
            "sha256": item_sha,
            "kind": if feed && input_sha != item_sha { "feed item (bytes of the element within the feed)" } else { "whole input" },
        },
        "encoding": detection,
        "text": {
            "had_errors": text.had_errors,
            "persian": text.persian,
            "repairs": text.repairs,
        },
        "item": {
            "date_literal": it.date_literal,
            "date": it.date,
            "language": it.language,
            "language_guessed": it.language_guessed,
            "furniture": it.furniture,
        },
    })
}
