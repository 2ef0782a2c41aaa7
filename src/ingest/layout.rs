//! The payload's layout: where each item and feed of a prepared input
//! goes under `data/`, the same item twice stored once.

use std::collections::BTreeMap;

use super::IngestSummary;
use super::names::{Ids, identity_key, slug, unique_id};
use super::prepare::PreparedInput;
use crate::dc::{Collection, Record};
use crate::item::ItemFormat;

/// A payload file's content, serialized on the thread pool.
pub(super) enum Pending {
    Bytes(Vec<u8>),
    Dc(Box<Record>),
    Json(serde_json::Value),
}

impl Pending {
    pub(super) fn into_bytes(self) -> Vec<u8> {
        match self {
            Pending::Bytes(b) => b,
            Pending::Dc(r) => r.write_xml().into_bytes(),
            Pending::Json(v) => serde_json::to_vec_pretty(&v).unwrap_or_default(),
        }
    }
}

/// Lays out the payload: `items/<id>/…` per item and `feeds/<id>/original.xml`
/// per feed; the same item twice is stored once.
#[derive(Default)]
pub(super) struct Layout {
    pub(super) used: Ids,
    /// SHA-256 of the identity of each item stored → where its id lies in
    /// `names` (32 + 16 bytes an item, not the identity's strings).
    pub(super) seen: BTreeMap<[u8; 32], (u64, u8)>,
    /// The ids of the items stored, one after another (for messages).
    pub(super) names: String,
    /// Checksum of each feed stored → its input's name.
    pub(super) seen_feeds: BTreeMap<String, String>,
    pub(super) collection: Collection,
    pub(super) items: usize,
}

impl Layout {
    /// Adds the files of `input` (paths under `data/`) to `files`; returns
    /// the id of each of its items (the first one's for an item stored
    /// before), or nothing for a feed stored before.
    pub(super) fn add(
        &mut self,
        input: PreparedInput,
        files: &mut Vec<(String, Pending)>,
        summary: &mut IngestSummary,
    ) -> Vec<String> {
        let mut ids = Vec::with_capacity(input.items.len());
        let mut extra = Some(input.extra);
        let feed = matches!(input.format, ItemFormat::Rss | ItemFormat::Atom);
        let mut feed_dir = None;
        // Items that are the whole input (not a fragment of a feed) share
        // its bytes: the last one to need them takes them.
        let mut whole_left = input.items.iter().filter(|i| i.fragment.is_none()).count();
        let mut original = Some(input.original);
        if feed {
            if let Some(first) = self.seen_feeds.get(&input.sha256) {
                summary
                    .duplicates
                    .push(format!("`{}` is the same feed as `{first}`", input.name));
                return ids;
            }
            self.seen_feeds
                .insert(input.sha256.clone(), input.name.clone());
            let id = unique_id(
                &slug(&input.name).unwrap_or_else(|| input.sha256[..16].to_owned()),
                &mut self.used,
            );
            let bytes = if whole_left > 0 {
                original.clone()
            } else {
                original.take()
            };
            files.push((
                format!("feeds/{id}/original.xml"),
                Pending::Bytes(bytes.unwrap_or_default()),
            ));
            for (file, bytes) in extra.take().unwrap_or_default() {
                files.push((format!("feeds/{id}/{file}"), Pending::Bytes(bytes)));
            }
            feed_dir = Some(id);
        }
        for it in input.items {
            if it.fragment.is_none() {
                whole_left -= 1;
            }
            let identity = identity_key(&it.identity);
            if let Some(&(at, len)) = self.seen.get(&identity) {
                let at = usize::try_from(at).unwrap_or(usize::MAX);
                let first = self
                    .names
                    .get(at..at.saturating_add(usize::from(len)))
                    .unwrap_or_default();
                summary.duplicates.push(format!(
                    "an item of `{}` is the same as item `{first}`",
                    input.name
                ));
                ids.push(first.to_owned());
                continue;
            }
            let base = it
                .id_hint
                .as_deref()
                .and_then(slug)
                .unwrap_or_else(|| it.sha256[..16].to_owned());
            let id = unique_id(&base, &mut self.used);
            let dir = format!("items/{id}");
            // Ids are at most 64 bytes long.
            let len = u8::try_from(id.len()).unwrap_or(u8::MAX);
            self.seen.insert(identity, (self.names.len() as u64, len));
            self.names.push_str(&id);
            let bytes = match it.fragment {
                Some(f) => f,
                None if whole_left == 0 => original.take().unwrap_or_default(),
                None => original.clone().unwrap_or_default(),
            };
            files.push((format!("{dir}/original.{}", it.ext), Pending::Bytes(bytes)));
            if !feed {
                for (file, bytes) in extra.take().unwrap_or_default() {
                    files.push((format!("{dir}/{file}"), Pending::Bytes(bytes)));
                }
            }
            files.push((
                format!("{dir}/text.txt"),
                Pending::Bytes(it.text.into_bytes()),
            ));
            if let Some(c) = it.content {
                files.push((format!("{dir}/content.txt"), Pending::Bytes(c.into_bytes())));
            }
            let mut record = it.record;
            if let Some(f) = &feed_dir {
                record
                    .relation
                    .push(format!("../../feeds/{f}/original.xml"));
            }
            self.collection.add(&record);
            files.push((format!("{dir}/dc.xml"), Pending::Dc(Box::new(record))));
            let mut prov = it.provenance;
            if let Some(f) = &feed_dir {
                prov["feed"] = serde_json::json!(format!("feeds/{f}/original.xml"));
            }
            files.push((format!("{dir}/provenance.json"), Pending::Json(prov)));
            self.items += 1;
            ids.push(id);
        }
        ids
    }
}
