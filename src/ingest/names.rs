//! Names: item and feed ids made from hints and kept unique, and the
//! bag's name, given or derived.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::checksum::{Algorithm, hash_bytes};
use crate::error::{Error, Result};

/// An id made of `[a-z0-9-]`, at most 64 characters, starting with a letter
/// or digit, from a hint (a GUID, URL or file name).
pub(super) fn slug(hint: &str) -> Option<String> {
    let last = hint
        .trim_end_matches('/')
        .rsplit(['/', '\\', '=', ':'])
        .find(|s| !s.is_empty())
        .unwrap_or(hint);
    let last = last
        .rsplit_once('.')
        .map_or(last, |(a, b)| if b.len() <= 5 { a } else { last });
    let mut out = String::new();
    for c in last.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out: String = out.trim_matches('-').chars().take(64).collect();
    let out = out.trim_end_matches('-').to_owned();
    (!out.is_empty()).then_some(out)
}

/// Ids handed out, and for each base the next suffix to try, so that many
/// items with the same base (copies of one page) cost no more than one.
#[derive(Default)]
pub(super) struct Ids {
    /// The first 128 bits of the SHA-256 of each id handed out: 16 bytes an
    /// item, not the id. Two ids of the same 128 bits (never seen; it would
    /// take about 2^64 ids) would only give the second a suffix.
    pub(super) used: BTreeSet<[u8; 16]>,
    pub(super) next: BTreeMap<String, usize>,
}

/// The key of an id in [`Ids::used`].
pub(super) fn id_key(id: &str) -> [u8; 16] {
    let d = hash_bytes(id.as_bytes(), &[Algorithm::Sha256]);
    let mut key = [0u8; 16];
    key.copy_from_slice(&d[0].1.as_bytes()[..16]);
    key
}

/// The SHA-256 of an item's identity (its identifiers and the checksum of
/// its original), each string preceded by its length.
pub(super) fn identity_key(identity: &[String]) -> [u8; 32] {
    let mut h = crate::checksum::MultiHasher::new(&[Algorithm::Sha256]);
    for part in identity {
        h.update(&(part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    let mut key = [0u8; 32];
    key.copy_from_slice(h.finish().1[0].1.as_bytes());
    key
}

/// `base`, or `base-2`, `base-3`… (cut to 64 characters) if taken.
pub(super) fn unique_id(base: &str, ids: &mut Ids) -> String {
    let mut id = base.to_owned();
    let mut n = ids.next.get(base).copied().unwrap_or(2);
    if ids.used.contains(&id_key(&id)) {
        loop {
            let suffix = format!("-{n}");
            let keep = 64 - suffix.len();
            id = format!("{}{suffix}", &base[..base.len().min(keep)]);
            n += 1;
            if !ids.used.contains(&id_key(&id)) {
                break;
            }
        }
        ids.next.insert(base.to_owned(), n);
    }
    ids.used.insert(id_key(&id));
    id
}

/// Whether `name` is a bag name newsbag accepts: 1 to 128 of
/// `A-Z a-z 0-9 - _ .`, starting with a letter, digit or `_`.
#[must_use]
pub fn is_bag_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && !name.starts_with(['.', '-'])
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Whether `id` can name an item in a request (`newsbag serve`): 1 to 128
/// of `A-Z a-z 0-9 - _ .`, starting with a letter, digit or `_`. Every id
/// newsbag makes (`[a-z0-9-]`, see `slug`) is one; so are the plain ids of
/// most bags made elsewhere. No `/`, so an id never names a path.
#[must_use]
pub fn is_item_id(id: &str) -> bool {
    is_bag_name(id)
}

pub(super) fn check_name(name: &str) -> Result<String> {
    if is_bag_name(name) {
        Ok(name.to_owned())
    } else {
        Err(Error::InvalidInfo {
            label: name.to_owned(),
            reason: "a bag name is 1 to 128 of A-Z a-z 0-9 - _ . and starts with a letter or digit",
        })
    }
}

pub(super) fn derive_name(first_input: &str, date: &str) -> String {
    let stem = Path::new(first_input)
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(slug)
        .unwrap_or_else(|| "news".to_owned());
    format!("{stem}-{date}")
}
