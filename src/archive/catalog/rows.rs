//! The rows the catalog answers with: bags and items as it has them.

/// A bag as the catalog has it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BagRow {
    /// Name.
    pub name: String,
    /// Path relative to the archive root.
    pub path: String,
    /// Recorded size of the zip.
    pub size: u64,
    /// Recorded SHA-256 of the zip.
    pub sha256: String,
    /// Number of items.
    pub items: u64,
    /// `present` or `missing`.
    pub state: String,
    /// When it was registered.
    pub registered: String,
    /// Last check of any level.
    pub last_check: Option<String>,
    /// Level of that check.
    pub last_check_level: Option<String>,
    /// Outcome of that check.
    pub last_outcome: Option<String>,
    /// Last successful check at full fixity.
    pub last_full_check: Option<String>,
}

/// The Dublin Core elements the catalog records for each item, in DCMES
/// order.
pub const DC_ELEMENTS: &[&str] = &[
    "title",
    "creator",
    "subject",
    "description",
    "publisher",
    "date",
    "language",
    "identifier",
    "source",
];

/// An item as the catalog has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemRow {
    /// Its Dublin Core values, by element, in [`DC_ELEMENTS`] order.
    pub dc: Vec<(String, Vec<String>)>,
    /// SHA-256 of its original bytes.
    pub sha256: Option<String>,
    /// Its original's media type.
    pub media_type: Option<String>,
    /// Its original's detected encoding.
    pub encoding: Option<String>,
}

impl ItemRow {
    /// The row from the columns `DC_ELEMENTS…, sha256, media_type,
    /// encoding` (each element a JSON array of strings).
    pub(crate) fn from_columns(
        dc: impl IntoIterator<Item = String>,
        sha256: Option<String>,
        media_type: Option<String>,
        encoding: Option<String>,
    ) -> ItemRow {
        ItemRow {
            dc: DC_ELEMENTS
                .iter()
                .zip(dc)
                .map(|(e, json)| {
                    (
                        (*e).to_owned(),
                        serde_json::from_str(&json).unwrap_or_default(),
                    )
                })
                .collect(),
            sha256,
            media_type,
            encoding,
        }
    }
}

impl BagRow {
    /// Whether the bag was not fully checked since `cutoff`
    /// (the cycle's cutoff): never, or before it.
    pub fn overdue(&self, cutoff: &str) -> bool {
        self.last_full_check.as_deref().is_none_or(|t| t < cutoff)
    }
}
