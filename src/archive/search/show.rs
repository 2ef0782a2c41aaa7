//! `show`: one item as the catalog and its bag have it: its Dublin Core
//! record, provenance, the fixity status of its bag, its text, and its
//! original bytes, read straight from the zip.

use super::find::Error;
use crate::archive::Archive;
use crate::archive::catalog::BagRow;

/// The Dublin Core elements the catalog records, in DCMES order.
pub use crate::archive::catalog::DC_ELEMENTS as DC_FIELDS;

/// One item.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Shown {
    /// The item's id.
    pub id: String,
    /// The bag holding it.
    pub bag: String,
    /// Its Dublin Core values, by element, in [`DC_FIELDS`] order.
    pub dc: Vec<(String, Vec<String>)>,
    /// SHA-256 of its original bytes.
    pub sha256: Option<String>,
    /// Its original's media type.
    pub media_type: Option<String>,
    /// Its original's detected encoding.
    pub encoding: Option<String>,
    /// Its `provenance.json`.
    pub provenance: serde_json::Value,
    /// Its bag as the catalog has it: state and last checks.
    pub fixity: BagRow,
    /// Its text derivative (`text.txt`).
    pub text: Option<String>,
}

/// The item `id` (in `bag`, when several bags hold an item of that id):
/// where it is, or a clear error.
pub(super) fn locate(archive: &Archive, id: &str, bag: Option<&str>) -> Result<BagRow, Error> {
    let bags = archive.catalog().item_bags(id, bag)?;
    match bags.as_slice() {
        [] => Err(Error::UnknownItem {
            id: id.to_owned(),
            archive: archive.root().to_owned(),
        }),
        [one] => archive
            .catalog()
            .bag(one)?
            .ok_or_else(|| Error::UnknownItem {
                id: id.to_owned(),
                archive: archive.root().to_owned(),
            }),
        many => Err(Error::AmbiguousItem {
            id: id.to_owned(),
            bags: many.join(", "),
        }),
    }
}

/// The item `id` of the archive (of `bag` if given).
pub fn show(archive: &Archive, id: &str, bag: Option<&str>) -> Result<Shown, Error> {
    let row = locate(archive, id, bag)?;
    let item = archive
        .catalog()
        .item(&row.name, id)?
        .ok_or_else(|| Error::UnknownItem {
            id: id.to_owned(),
            archive: archive.root().to_owned(),
        })?;
    let zip = archive.bag_location(&row.path);
    let mut reader = archive.items();
    let provenance = match reader.read(&zip, id, "provenance.json")? {
        Some(b) => serde_json::from_slice(&b).unwrap_or(serde_json::Value::Null),
        None => serde_json::Value::Null,
    };
    let text = reader
        .read(&zip, id, "text.txt")?
        .map(|b| String::from_utf8_lossy(&b).into_owned());
    Ok(Shown {
        id: id.to_owned(),
        bag: row.name.clone(),
        dc: item.dc,
        sha256: item.sha256,
        media_type: item.media_type,
        encoding: item.encoding,
        provenance,
        fixity: row,
        text,
    })
}

/// Writes the original bytes of item `id` to `out`, straight from the
/// zip, and checks them against the entry's CRC and the SHA-256 the
/// catalog recorded: a mismatch is an error once the bytes are written.
pub fn original(
    archive: &Archive,
    id: &str,
    bag: Option<&str>,
    out: &mut dyn std::io::Write,
) -> Result<u64, Error> {
    let row = locate(archive, id, bag)?;
    let zip = archive.bag_location(&row.path);
    let recorded = archive
        .catalog()
        .item(&row.name, id)?
        .and_then(|i| i.sha256);
    let Some((n, sha)) = archive.items().copy_original(&zip, id, out)? else {
        return Err(Error::Archive(crate::archive::Error::BadBag {
            path: zip,
            reason: format!("item `{id}` has no original file"),
        }));
    };
    if let Some(r) = recorded
        && r != sha
    {
        return Err(Error::Archive(crate::archive::Error::BadBag {
            path: zip,
            reason: format!("the original of `{id}` has SHA-256 {sha}, its provenance records {r}"),
        }));
    }
    Ok(n)
}

/// What [`original`] sends: the original's media type as the catalog
/// records it and its file name in the bag (`original.EXT`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginalFile {
    /// The bag holding the item.
    pub bag: String,
    /// Its media type, if recorded.
    pub media_type: Option<String>,
    /// Its file name in the bag.
    pub name: String,
}

/// The media type and file name of item `id`'s original (in `bag`, when
/// several bags hold an item of that id).
pub fn original_file(
    archive: &Archive,
    id: &str,
    bag: Option<&str>,
) -> Result<OriginalFile, Error> {
    let row = locate(archive, id, bag)?;
    let zip = archive.bag_location(&row.path);
    let media_type = archive
        .catalog()
        .item(&row.name, id)?
        .and_then(|i| i.media_type);
    let Some(name) = archive.items().original_name(&zip, id)? else {
        return Err(Error::Archive(crate::archive::Error::BadBag {
            path: zip,
            reason: format!("item `{id}` has no original file"),
        }));
    };
    Ok(OriginalFile {
        bag: row.name,
        media_type,
        name,
    })
}
