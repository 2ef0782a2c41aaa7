//! `extract ARCHIVE --item ID…`: items taken out of the archive by id. The
//! catalog says which bag holds each; from each bag only the item's
//! folder (`data/items/ID/`: original, text, Dublin Core record,
//! provenance) and the bag's tag files are extracted, straight from the
//! zip and checked against its manifests, into `DEST/BAG/` (a partial
//! bag: complete tag files, the payload of the items asked for).

use std::collections::BTreeMap;
use std::path::Path;

use super::find::Error;
use super::show::locate;
use crate::archive::Archive;
use crate::archive::bags::BagSource;
use crate::extract::{ExtractOptions, ZipPart, extract_zips_from};
use crate::progress::Reporter;
use crate::report::Report;

/// What to extract from which bag: for each bag holding one of `ids`
/// (of `bag` only, when given), its zip and the folders of those items,
/// in bag order. An unknown id, or one that several bags hold while `bag`
/// is not given, is an error.
pub fn plan(
    archive: &Archive,
    ids: &[String],
    bag: Option<&str>,
    limits: &ExtractOptions,
) -> Result<Vec<ZipPart>, Error> {
    let mut by_bag: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for id in ids {
        let row = locate(archive, id, bag)?;
        let folder = format!("data/items/{id}/");
        let entry = by_bag.entry(row.name).or_insert((row.path, Vec::new()));
        if !entry.1.contains(&folder) {
            entry.1.push(folder);
        }
    }
    Ok(by_bag
        .into_iter()
        .map(|(name, (path, items))| ZipPart {
            zip: archive.bag_location(&path),
            name,
            options: ExtractOptions {
                items,
                ..limits.clone()
            },
        })
        .collect())
}

/// Extracts the items `ids` of the archive into `dest` (which must not
/// exist or be an empty directory), one directory per bag; see
/// [`crate::extract::extract_zips`]. Reports come back in bag order; when a bag fails
/// verification nothing is written.
pub fn extract_items(
    archive: &Archive,
    ids: &[String],
    bag: Option<&str>,
    dest: &Path,
    limits: &ExtractOptions,
    reporter: &dyn Reporter,
) -> Result<Vec<Report>, Error> {
    let parts = plan(archive, ids, bag, limits)?;
    extract_zips_from(&parts, dest, reporter, &BagSource::open)
        .map_err(|e| Error::Archive(crate::archive::Error::Newsbag(e)))
}
