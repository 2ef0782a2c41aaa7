//! An item's Dublin Core record (`data/items/ID/dc.xml`) read from its
//! zipped bag in place, byte for byte.

use std::collections::BTreeMap;
use std::path::{Component, Path};

use crate::archive::catalog::HarvestItem;
use crate::archive::{Error, Result};
use crate::serialize::{MAX_ZIP_ENTRIES, SharedFile, open_zip, read_tag_entry};

fn bad(path: &Path, reason: String) -> Error {
    Error::BadBag {
        path: path.to_owned(),
        reason,
    }
}

/// The `dc.xml` of each of `items`, in their order, read from the bags
/// under the archive `root` (each bag's zip opened once).
pub fn read_records(root: &Path, items: &[HarvestItem]) -> Result<Vec<Vec<u8>>> {
    let mut by_bag: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        by_bag.entry(item.bag_path.as_str()).or_default().push(i);
    }
    let mut out = vec![Vec::new(); items.len()];
    for (bag_path, wanted) in by_bag {
        let rel = Path::new(bag_path);
        // The path comes from the catalog, never from a request; still, it
        // must stay inside the archive.
        if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
            return Err(bad(rel, "the catalog's path leaves the archive".into()));
        }
        let zip = root.join(rel);
        let opened = open_zip(SharedFile::open(&zip)?, &zip, MAX_ZIP_ENTRIES)?;
        let mut entries = BTreeMap::new();
        for &entry in &opened.entries {
            entries.insert(opened.archive.entry(entry).rel.to_owned(), entry);
        }
        for i in wanted {
            let name = format!("{}/dc.xml", items[i].path);
            let entry = *entries
                .get(&name)
                .ok_or_else(|| bad(&zip, format!("`{name}` is not in the bag")))?;
            let (bytes, finding) = read_tag_entry(&opened.archive, entry)
                .map_err(|e| bad(&zip, format!("cannot read `{name}`: {e}")))?;
            if let Some(p) = finding {
                return Err(bad(&zip, format!("`{name}`: {}", p.message())));
            }
            out[i] = bytes;
        }
    }
    Ok(out)
}

/// The record without a byte order mark and XML declaration, to be placed
/// inside another document; everything else is kept byte for byte.
pub fn without_declaration(xml: &[u8]) -> &[u8] {
    let xml = xml.strip_prefix(b"\xef\xbb\xbf").unwrap_or(xml);
    if xml.starts_with(b"<?xml")
        && let Some(end) = memchr::memmem::find(xml, b"?>")
    {
        return &xml[end + 2..];
    }
    xml
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declaration_stripped_and_nothing_else() {
        assert_eq!(
            without_declaration(b"<?xml version=\"1.0\"?>\n<a>\xd8\xae</a>\n"),
            b"\n<a>\xd8\xae</a>\n"
        );
        assert_eq!(without_declaration(b"\xef\xbb\xbf<a/>"), b"<a/>");
        assert_eq!(without_declaration(b"<a/>"), b"<a/>");
    }
}
