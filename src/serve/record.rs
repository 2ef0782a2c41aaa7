//! An item's Dublin Core record (`data/items/ID/dc.xml`) read from its
//! zipped bag in place, byte for byte.

use std::collections::BTreeMap;
use std::path::{Component, Path};

use crate::archive::catalog::HarvestItem;
use crate::archive::zips::ZipCache;
use crate::archive::{Error, Result};

fn bad(path: &Path, reason: String) -> Error {
    Error::BadBag {
        path: path.to_owned(),
        reason,
    }
}

/// The `dc.xml` of each of `items`, in their order, read from the bags
/// under the archive `root`, each bag's directory taken from `zips` (or
/// parsed once and kept there).
pub fn read_records(root: &Path, items: &[HarvestItem], zips: &ZipCache) -> Result<Vec<Vec<u8>>> {
    // Under the root, or in the bucket its `store.json` names.
    let bags = crate::archive::bags::Bags::of(root)?;
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
        let zip = bags.location(bag_path);
        let listing = zips.get(&zip)?;
        for i in wanted {
            let name = format!("{}/dc.xml", items[i].path);
            out[i] = listing
                .read(&name)?
                .ok_or_else(|| bad(&zip, format!("`{name}` is not in the bag")))?;
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
