//! The copy of the event log kept in the bucket beside the bags, for an
//! archive whose bags are in one (feature `s3`).
//!
//! The event log is the one record the bags cannot hold. When the bags are
//! in a bucket the log is appended and made durable on the archive's own
//! disk first, as always, and then copied to the bucket as segments:
//! `PREFIX/events/2026-12/0000000000004096.jsonl` holds the bytes of the
//! local `events/2026-12.jsonl` from offset 4,096 on, whole lines only. The
//! log files are only ever appended to, so a segment is never rewritten,
//! and the segments of a month, in order of offset, put together are the
//! month's file. [`restore`] does that: with the archive root lost, the
//! bucket alone gives back the bags and their history (`catalog rebuild`
//! then remakes the catalog).
//!
//! Copies are made after the events are recorded (at most once a minute
//! during an audit, at once for any other event, and when the archive is
//! closed); a store that cannot be reached delays the copy, never the
//! record. Where the copy stands is found from the bucket when the archive
//! is opened (one listing of the newest month), so nothing else records it.

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Seek, SeekFrom, Write};

use super::events::{Log, sync_dir};
use super::{Error, Result};
use crate::store::{S3Location, Store};

/// The largest segment written at once: a long backlog goes up in pieces.
const MAX_SEGMENT: usize = 8 << 20;

/// The folder of the log's copy under the archive's prefix.
pub(crate) const EVENTS: &str = "events";

fn month_of(file: &str) -> &str {
    file.strip_suffix(".jsonl").unwrap_or(file)
}

fn segment_key(loc: &S3Location, file: &str, offset: u64) -> String {
    format!(
        "{}/{}/{offset:016}.jsonl",
        loc.key_of(EVENTS),
        month_of(file)
    )
}

/// The segments of the bucket, by month file (`2026-12.jsonl`): offset and
/// size of each, in order of offset.
pub(crate) type Segments = BTreeMap<String, Vec<(u64, u64, String)>>;

fn segments(store: &Store, loc: &S3Location, month: Option<&str>) -> Result<Segments> {
    let base = loc.key_of(EVENTS);
    let under = match month {
        Some(m) => format!("{base}/{}", month_of(m)),
        None => base.clone(),
    };
    let mut out = Segments::new();
    for l in store.list_objects(&under)? {
        let Some(rest) = l.key.strip_prefix(&format!("{base}/")) else {
            continue;
        };
        let Some((m, name)) = rest.split_once('/') else {
            continue;
        };
        let Some(offset) = name
            .strip_suffix(".jsonl")
            .and_then(|o| o.parse::<u64>().ok())
        else {
            continue;
        };
        out.entry(format!("{m}.jsonl"))
            .or_default()
            .push((offset, l.size, l.key));
    }
    for v in out.values_mut() {
        v.sort();
    }
    Ok(out)
}

/// How far the bucket holds `file` whole from its start: the end of the
/// run of segments that follow each other from offset 0.
fn contiguous_end(segs: &[(u64, u64, String)]) -> u64 {
    let mut end = 0;
    for (offset, size, _) in segs {
        if *offset > end {
            break;
        }
        end = end.max(offset + size);
    }
    end
}

/// Where the bucket's copy of `log` stands: for the newest local files,
/// newest first, until one is copied whole, how much of each it holds.
pub fn shipped(log: &Log, store: &Store, loc: &S3Location) -> Result<BTreeMap<String, u64>> {
    let mut out = BTreeMap::new();
    for file in log.files()?.into_iter().rev() {
        let len = file_len(log, &file)?;
        let segs = segments(store, loc, Some(&file))?;
        let end = segs.get(&file).map_or(0, |s| contiguous_end(s));
        out.insert(file, end);
        if end >= len {
            break;
        }
    }
    Ok(out)
}

fn file_len(log: &Log, file: &str) -> Result<u64> {
    let path = log.dir().join(file);
    fs::metadata(&path)
        .map(|m| m.len())
        .map_err(|e| Error::io("read", &path, e))
}

/// Copies to the bucket what of `log` it does not hold yet, as `done`
/// says (updated as segments go up; files missing from it are taken as
/// copied whole, `done` having stopped at the newest complete one). Only
/// whole lines are copied. Returns the number of bytes copied.
pub fn ship(
    log: &Log,
    store: &Store,
    loc: &S3Location,
    done: &mut BTreeMap<String, u64>,
) -> Result<u64> {
    let mut sent = 0;
    let files = log.files()?;
    let oldest_tracked = done.keys().next().cloned();
    for file in files {
        if oldest_tracked.as_ref().is_some_and(|o| &file < o) {
            continue;
        }
        let from = done.get(&file).copied().unwrap_or(0);
        let path = log.dir().join(&file);
        let mut f = fs::File::open(&path).map_err(|e| Error::io("open", &path, e))?;
        let len = f.metadata().map_err(|e| Error::io("read", &path, e))?.len();
        if len <= from {
            done.insert(file, from);
            continue;
        }
        let mut bytes = Vec::new();
        f.seek(SeekFrom::Start(from))
            .and_then(|_| f.read_to_end(&mut bytes))
            .map_err(|e| Error::io("read", &path, e))?;
        // Whole lines only: a line being written (or torn) waits.
        let whole = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        bytes.truncate(whole);
        let mut at = 0;
        while at < bytes.len() {
            let mut end = (at + MAX_SEGMENT).min(bytes.len());
            if end < bytes.len() {
                end = bytes[at..end]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(end, |i| at + i + 1);
            }
            let offset = from + at as u64;
            store.put_bytes(&segment_key(loc, &file, offset), bytes[at..end].to_vec())?;
            sent += (end - at) as u64;
            at = end;
            done.insert(file.clone(), from + at as u64);
        }
        done.entry(file).or_insert(from);
    }
    Ok(sent)
}

/// What [`restore`] did.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Restored {
    /// Month files written from the bucket's segments.
    pub files: Vec<String>,
    /// Bytes written.
    pub bytes: u64,
    /// Months whose segments have a gap: restored up to it.
    pub gaps: Vec<String>,
}

/// Writes the month files of the event log that `log` lacks from the
/// bucket's segments (each written beside its place, made durable, then
/// renamed; a local file is never touched), and tops up the files it has
/// with whole segments beyond their end (a copy of the log kept by a
/// machine that reads the archive). Returns what it wrote.
pub fn restore(log: &Log, store: &Store, loc: &S3Location) -> Result<Restored> {
    restore_listed(log, store, listed(store, loc)?)
}

/// The bucket's copy of the log under `loc`, as one listing finds it
/// (empty: no copy, so no newsbag archive there).
pub(crate) fn listed(store: &Store, loc: &S3Location) -> Result<Segments> {
    segments(store, loc, None)
}

/// [`restore`] from segments already listed ([`listed`]).
pub(crate) fn restore_listed(log: &Log, store: &Store, segments: Segments) -> Result<Restored> {
    let mut out = Restored::default();
    let dir = log.dir();
    for (file, segs) in segments {
        let path = dir.join(&file);
        let have = match fs::metadata(&path) {
            Ok(m) => Some(m.len()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::io("read", &path, e)),
        };
        let mut at = have.unwrap_or(0);
        let mut wanted = Vec::new();
        for (offset, size, key) in &segs {
            if offset + size <= at {
                continue;
            }
            if *offset != at {
                // A segment that starts inside what is here, or after a
                // gap: nothing after it can be put on the end.
                out.gaps.push(format!(
                    "{file}: the bucket's copy has no segment at offset {at}"
                ));
                break;
            }
            wanted.push(key.clone());
            at = offset + size;
        }
        if wanted.is_empty() {
            continue;
        }
        fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
        let mut bytes = Vec::new();
        for key in &wanted {
            let mut o = store.open(key)?;
            o.read_to_end(&mut bytes)
                .map_err(|e| Error::io("read", o.url(), e))?;
        }
        match have {
            None => {
                let mut tmp = tempfile::NamedTempFile::new_in(dir)
                    .map_err(|e| Error::io("create a file in", dir, e))?;
                tmp.write_all(&bytes)
                    .and_then(|()| tmp.as_file().sync_all())
                    .map_err(|e| Error::io("write", tmp.path(), e))?;
                tmp.persist_noclobber(&path)
                    .map_err(|e| Error::io("create", &path, e.error))?;
                sync_dir(dir);
            }
            Some(_) => {
                let mut f = fs::OpenOptions::new()
                    .append(true)
                    .open(&path)
                    .map_err(|e| Error::io("open", &path, e))?;
                f.write_all(&bytes)
                    .and_then(|()| f.sync_data())
                    .map_err(|e| Error::io("append to", &path, e))?;
            }
        }
        out.bytes += bytes.len() as u64;
        out.files.push(file);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_named_by_month_and_offset() {
        let loc = S3Location::parse("s3://b/news").unwrap();
        assert_eq!(
            segment_key(&loc, "2026-12.jsonl", 4096),
            "news/events/2026-12/0000000000004096.jsonl"
        );
        let root = S3Location::parse("s3://b").unwrap();
        assert_eq!(
            segment_key(&root, "2026-12.jsonl", 0),
            "events/2026-12/0000000000000000.jsonl"
        );
    }

    fn event(i: usize, month: u32) -> super::super::events::Event {
        let mut e = super::super::event(
            super::super::events::EventType::FixityCheck,
            &format!("bag-{i}"),
            super::super::events::Outcome::Success,
            serde_json::json!({"n": i, "text": "خبر".repeat(i % 7)}),
        );
        e.time = format!("2026-{month:02}-01T00:00:00Z");
        e
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
        /// Whatever the appends (several months, torn writes) and however
        /// often the log is copied (by this process, or by a new one that
        /// finds where the copy stands from the bucket), the log restored
        /// from the bucket is the local log, byte for byte.
        #[test]
        fn the_restored_log_is_the_log(
            steps in proptest::collection::vec((1usize..5, 0u32..3, proptest::bool::ANY, 0u8..3), 1..12)
        ) {
            let dir = tempfile::tempdir().unwrap();
            let log = Log::new(dir.path());
            let store = Store::in_memory("b");
            let loc = S3Location::parse("s3://b/news").unwrap();
            let mut done = None;
            let mut n = 0;
            for (count, month_step, torn, copy) in steps {
                let month = 10 + month_step;
                let events: Vec<_> = (0..count).map(|i| event(n + i, month)).collect();
                n += count;
                log.append_all(&events).unwrap();
                if torn {
                    let newest = log.files().unwrap().pop().unwrap();
                    let mut f = fs::OpenOptions::new().append(true).open(log.dir().join(newest)).unwrap();
                    f.write_all(b"{\"id\": \"half a li").unwrap();
                }
                match copy {
                    0 => {}
                    1 => {
                        let d = done.get_or_insert_with(|| shipped(&log, &store, &loc).unwrap());
                        ship(&log, &store, &loc, d).unwrap();
                    }
                    _ => {
                        // A new process: where the copy stands comes from the bucket.
                        let mut d = shipped(&log, &store, &loc).unwrap();
                        ship(&log, &store, &loc, &mut d).unwrap();
                        done = Some(d);
                    }
                }
            }
            // The last torn write is ended by the next append, as a crash
            // followed by another run would: then everything is copied.
            log.append_all(&[event(n, 12)]).unwrap();
            let mut d = shipped(&log, &store, &loc).unwrap();
            ship(&log, &store, &loc, &mut d).unwrap();
            let other = tempfile::tempdir().unwrap();
            let restored = restore(&Log::new(other.path()), &store, &loc).unwrap();
            proptest::prop_assert!(restored.gaps.is_empty(), "{:?}", restored.gaps);
            let files = log.files().unwrap();
            proptest::prop_assert_eq!(Log::new(other.path()).files().unwrap(), files.clone());
            for f in files {
                // A torn write in an older month's file is never ended
                // (appends go to the newest file): readers ignore it, and
                // it is not copied.
                let mut a = fs::read(log.dir().join(&f)).unwrap();
                a.truncate(a.iter().rposition(|&c| c == b'\n').map_or(0, |i| i + 1));
                let b = fs::read(other.path().join("events").join(&f)).unwrap();
                proptest::prop_assert!(a == b, "{} differs", f);
            }
            // Restoring again adds nothing.
            let again = restore(&Log::new(other.path()), &store, &loc).unwrap();
            proptest::prop_assert_eq!(again.bytes, 0);
        }
    }

    #[test]
    fn the_copy_is_whole_up_to_the_first_gap() {
        let s = |o, n| (o, n, String::new());
        assert_eq!(contiguous_end(&[]), 0);
        assert_eq!(contiguous_end(&[s(0, 10), s(10, 5)]), 15);
        assert_eq!(contiguous_end(&[s(0, 10), s(12, 5)]), 10);
        assert_eq!(contiguous_end(&[s(5, 10)]), 0);
    }
}
