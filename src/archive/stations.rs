//! An archive written by several roots: the archive's own root and its
//! *stations*, further roots on other machines that ingest (and audit)
//! into the same bucket and the same PostgreSQL catalog.
//!
//! Each writing root keeps an event log of its own, so that no two
//! machines ever append to one file: the archive's root its
//! `ARCHIVE/events/`, copied to `PREFIX/events/` in the bucket; station
//! `NAME` its own `events/`, copied to `PREFIX/stations/NAME/events/`. A
//! root records its events in the shared catalog and its own log in one
//! step, under the catalog's lock, as a single root does; the catalog keeps
//! where it has read each log up to (`meta` keys `log_file:NAME` and
//! `log_offset:NAME`, [`super::catalog`]), and a root catching up reads
//! only its own log, since the others' events reached the catalog with
//! them.
//!
//! What needs every log reads the others' copies from the bucket: `catalog
//! rebuild`, on any root, brings them under `ROOT/peers/NAME/events/`
//! (`peers/main/` for the archive's root) and replays all the logs merged
//! in the order the catalog recorded their events (`catch_up_all`: each
//! event's `seq` is written in its log line), in memory that does not grow
//! with the logs; so does a reading copy
//! ([`super::bags::Bags::reading_copy`]). Events a root has not copied to
//! the bucket yet (its store unreachable) reach the catalog when that root
//! next records: the catalog's position in its log is where the copy
//! ended.
//!
//! A bag name is taken once in the whole archive: an ingest refuses a name
//! the catalog or the bucket already holds, and on PostgreSQL it holds a
//! lock on the name from that check until the bag is registered, so two
//! stations ingesting bags of one name at once cannot both pass it
//! ([`super::catalog::Catalog::lock_bag_name`]).

use std::path::{Path, PathBuf};
use std::sync::mpsc;

use super::bags::Bags;
use super::catalog::Writer;
use super::events::{BadLine, Event, Log, Position};
use super::{Error, Result};

/// The folder, under a root, of the other roots' logs brought from the
/// bucket.
pub const PEERS: &str = "peers";

/// The name the archive's own root goes by among the peers of a station.
pub const MAIN: &str = "main";

/// Whether `name` can name a station: 1 to 40 of `a-z`, `0-9` and `-`,
/// beginning with a letter or digit, and not `main` (the archive's own
/// root).
#[must_use]
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 40
        && name != MAIN
        && !name.starts_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The logs of the other roots brought under `root/peers/` (by an earlier
/// [`restore_peers`]), each named as the catalog knows it: `""` for the
/// archive's root, the station's name for a station.
pub(crate) fn peer_logs(root: &Path) -> Result<Vec<Log>> {
    let dir = root.join(PEERS);
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io("read", &dir, e)),
    };
    let mut logs = Vec::new();
    for e in entries {
        let e = e.map_err(|e| Error::io("read", &dir, e))?;
        let Some(name) = e.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        let log_name = if name == MAIN {
            ""
        } else if valid_name(&name) {
            name.as_str()
        } else {
            continue;
        };
        if e.path().join("events").is_dir() {
            logs.push(Log::new(&e.path()).named(log_name));
        }
    }
    logs.sort_by(|a, b| a.name().cmp(b.name()));
    Ok(logs)
}

/// Applies the events of `logs` the catalog has not read yet (each from
/// where the catalog has read it up to), merged in the order the catalog
/// recorded them ([`Event::seq`]; then time, then the order of `logs`),
/// and records where each log was read up to. Returns the number of
/// events applied.
///
/// Each log is read on a thread of its own into a bounded channel, so that
/// memory does not grow with the logs; a single log is read in place.
pub(crate) fn catch_up_all(
    bags: &Bags,
    logs: &[Log],
    w: &Writer<'_>,
    warnings: &mut Vec<String>,
) -> Result<usize> {
    if let [log] = logs {
        return super::catch_up(bags, log, w, warnings);
    }
    let starts: Vec<Position> = logs
        .iter()
        .map(|l| w.log_position(l.name()))
        .collect::<Result<_>>()?;
    let mut applied = 0;
    let results = std::thread::scope(|scope| -> Result<Vec<(Position, Vec<BadLine>)>> {
        let mut receivers = Vec::new();
        let mut readers = Vec::new();
        for (log, from) in logs.iter().zip(&starts) {
            let (tx, rx) = mpsc::sync_channel::<(Event, Position)>(1024);
            readers.push(scope.spawn(move || {
                log.for_each_from(from, &mut |e, pos| {
                    tx.send((e, pos)).map_err(|_| Error::EventLog {
                        path: log.dir().to_owned(),
                        reason: "the reading of the logs stopped".into(),
                    })
                })
            }));
            receivers.push(rx);
        }
        let mut heads: Vec<Option<(Event, Position)>> =
            receivers.iter().map(|r| r.recv().ok()).collect();
        loop {
            // The catalog's order when they were recorded; events of older
            // logs (without it) were all recorded before the archive had a
            // second root, so they come first, in time order.
            let next = heads
                .iter()
                .enumerate()
                .filter_map(|(i, h)| {
                    h.as_ref()
                        .map(|(e, _)| (e.seq.unwrap_or(0), e.time.as_str(), i))
                })
                .min();
            let Some((_, _, i)) = next else { break };
            let (e, _) = heads[i].take().expect("a head");
            applied += usize::from(super::apply_new(bags, w, &e)?);
            heads[i] = receivers[i].recv().ok();
        }
        drop(receivers);
        readers
            .into_iter()
            .map(|r| {
                r.join().unwrap_or_else(|_| {
                    Err(Error::EventLog {
                        path: PathBuf::from(PEERS),
                        reason: "a reader of the logs failed".into(),
                    })
                })
            })
            .collect()
    })?;
    for ((log, from), (end, bad)) in logs.iter().zip(&starts).zip(results) {
        warnings.extend(bad.iter().map(ToString::to_string));
        if end != *from {
            w.set_log_position(log.name(), &end)?;
        }
    }
    Ok(applied)
}

/// The log of the archive's own root, as seen from `root`: its own log,
/// or on a station the copy of the archive root's log brought from the
/// bucket under `peers/main/` (topped up now). Its first event names the
/// archive (the audit workers' cycles are the archive's, whichever root
/// starts them).
#[cfg(feature = "postgres")]
pub(crate) fn main_log(root: &Path) -> Result<Log> {
    let Some(_station) = super::bags::station_of(root)? else {
        return Ok(Log::new(root));
    };
    let peer = root.join(PEERS).join(MAIN);
    #[cfg(feature = "s3")]
    if let Some(loc) = Bags::of(root)?.bucket_prefix() {
        let store = crate::store::shared(&loc.bucket)?;
        super::log_copy::restore(&Log::new(&peer), &store, loc)?;
    }
    Ok(Log::new(&peer))
}

#[cfg(feature = "s3")]
pub use bucket::{check_new_root, join, log_home, restore_peers, stations_in};

#[cfg(feature = "s3")]
mod bucket {
    use std::path::Path;

    use super::super::log_copy::{self, EVENTS};
    use super::super::{Error, Result};
    use super::{MAIN, PEERS, valid_name};
    use crate::store::{S3Location, Store};

    /// The folder, under the archive's prefix, of the stations' logs.
    const STATIONS: &str = "stations";

    /// Where the log of `station` (`None`: the archive's own root) is
    /// copied in the bucket of the archive at `loc`: the prefix under
    /// which its `events/` lies.
    #[must_use]
    pub fn log_home(loc: &S3Location, station: Option<&str>) -> S3Location {
        match station {
            None => loc.clone(),
            Some(name) => loc.with_key(&loc.key_of(&format!("{STATIONS}/{name}"))),
        }
    }

    /// The stations with a copy of their log in the bucket, sorted.
    pub fn stations_in(store: &Store, loc: &S3Location) -> Result<Vec<String>> {
        let base = loc.key_of(STATIONS);
        let mut names = std::collections::BTreeSet::new();
        for l in store.list_objects(&format!("{base}/"))? {
            let Some(rest) = l.key.strip_prefix(&format!("{base}/")) else {
                continue;
            };
            if let Some((name, under)) = rest.split_once('/')
                && under.starts_with(&format!("{EVENTS}/"))
                && valid_name(name)
            {
                names.insert(name.to_owned());
            }
        }
        Ok(names.into_iter().collect())
    }

    /// Checks that `root`, not yet bound to a bucket, may become the
    /// archive's own root (`station` `None`) or its station `station`
    /// in the bucket at `url`: the archive's root only where no archive is
    /// (the bucket holds no copy of its log: a lost root comes back with
    /// `catalog rebuild --bags-in`), a station only where an archive is
    /// and no station of that name has a log.
    pub fn check_new_root(root: &Path, url: &str, station: Option<&str>) -> Result<()> {
        let loc = S3Location::parse_prefix(url)?;
        let store = crate::store::shared(&loc.bucket)?;
        let refuse = |reason: String| Error::NotAnArchive {
            path: root.to_owned(),
            reason,
        };
        let main_log = !log_copy::listed(&store, &loc)?.is_empty();
        match station {
            None if main_log => Err(refuse(format!(
                "`{url}` holds an archive already (a copy of its event log): ingest into it \
                 from its root, join it as a station (`--station NAME` with its `--catalog`), \
                 or give its lost root back (`newsbag catalog rebuild ROOT --bags-in {url}`)"
            ))),
            None => Ok(()),
            Some(name) if !valid_name(name) => Err(refuse(format!(
                "`{name}` is not a station name (1 to 40 of a-z, 0-9 and -, not `{MAIN}`)"
            ))),
            Some(_) if !main_log => Err(refuse(format!(
                "`{url}` holds no archive yet (no copy of an event log): ingest its first bag \
                 from its own root, then join it as a station"
            ))),
            Some(name) => {
                if log_copy::listed(&store, &log_home(&loc, Some(name)))?.is_empty() {
                    Ok(())
                } else {
                    Err(refuse(format!(
                        "station `{name}` of `{url}` has an event log already: choose another \
                         name, or give that station's lost root back (`newsbag catalog rebuild \
                         ROOT --bags-in {url} --station {name}`)"
                    )))
                }
            }
        }
    }

    /// Makes `root` keep its bags under `url` as the archive's own root
    /// (`station` `None`) or as its station `station`: checked against the
    /// bucket first when `root` is not bound yet ([`check_new_root`]).
    pub fn join(root: &Path, url: &str, station: Option<&str>) -> Result<()> {
        if super::super::bags::read_store_file(root)?.is_none() {
            check_new_root(root, url, station)?;
        }
        super::super::bags::Bags::bind_station(root, url, station)?;
        Ok(())
    }

    /// Brings the logs of the archive's other roots (every station's, and
    /// the archive's own root's unless `own` is `None`) from the bucket
    /// under `root/peers/NAME/` (`peers/main/` for the archive's root),
    /// topping up what is there. Returns what is worth telling.
    pub fn restore_peers(
        root: &Path,
        store: &Store,
        loc: &S3Location,
        own: Option<&str>,
    ) -> Result<Vec<String>> {
        let mut peers: Vec<(String, Option<String>)> = Vec::new();
        if own.is_some() {
            peers.push((MAIN.to_owned(), None));
        }
        for name in stations_in(store, loc)? {
            if Some(name.as_str()) != own {
                peers.push((name.clone(), Some(name)));
            }
        }
        let mut said = Vec::new();
        for (dir, station) in peers {
            let peer_root = root.join(PEERS).join(&dir);
            let log = super::super::events::Log::new(&peer_root);
            let home = log_home(loc, station.as_deref());
            let restored = log_copy::restore(&log, store, &home)?;
            for g in restored.gaps {
                said.push(format!(
                    "the bucket's copy of the event log of `{dir}`: {g}"
                ));
            }
        }
        Ok(said)
    }
}

#[cfg(test)]
mod tests {
    use super::super::catalog::{CATALOG_FILE, Catalog};
    use super::super::events::{EventType, Outcome};
    use super::*;

    fn event(id: &str, time: &str, seq: Option<u64>) -> Event {
        Event {
            id: id.to_owned(),
            time: time.to_owned(),
            kind: EventType::FixityCheck,
            bag: "b".to_owned(),
            item: None,
            outcome: Outcome::Success,
            agent: "newsbag test".to_owned(),
            detail: serde_json::json!({"level": "fixity"}),
            seq,
        }
    }

    /// Three logs replayed as one: in the order the catalog recorded
    /// their events (`seq`), whatever their times say, the events of
    /// older logs without it first; each log's position kept under its
    /// own name; a second catch-up applies nothing.
    #[test]
    fn logs_are_merged_in_the_catalogs_order() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let own = Log::new(root);
        own.append_all(&[
            event("old-1", "2026-01-01T00:00:09Z", None),
            event("old-2", "2026-01-01T00:00:10Z", None),
            event("m-3", "2026-01-01T00:00:05Z", Some(3)),
            event("m-6", "2026-01-01T00:00:05Z", Some(6)),
        ])
        .unwrap();
        for (peer, events) in [
            (MAIN, vec![event("main-1", "2026-01-01T00:00:08Z", Some(1))]),
            (
                "b",
                vec![
                    event("b-4", "2026-01-01T00:00:05Z", Some(4)),
                    event("b-7", "2026-01-01T00:00:01Z", Some(7)),
                ],
            ),
            ("c", vec![event("c-5", "2026-01-01T00:00:05Z", Some(5))]),
        ] {
            Log::new(&root.join(PEERS).join(peer))
                .append_all(&events)
                .unwrap();
        }
        std::fs::create_dir_all(root.join(PEERS).join("Not A Name/events")).unwrap();
        let peers = peer_logs(root).unwrap();
        let names: Vec<&str> = peers.iter().map(Log::name).collect();
        assert_eq!(names, ["", "b", "c"], "main is the archive's own log");
        // This root is station `s`: its own log, and the others'.
        let mut logs = vec![own.clone().named("s")];
        logs.extend(peers);
        let bags = Bags::of(root).unwrap();
        let mut catalog = Catalog::open(&root.join(CATALOG_FILE)).unwrap();
        let mut warnings = Vec::new();
        let w = catalog.write().unwrap();
        assert_eq!(catch_up_all(&bags, &logs, &w, &mut warnings).unwrap(), 8);
        w.commit().unwrap();
        let order: Vec<String> = catalog
            .events(None, None)
            .unwrap()
            .into_iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(
            order,
            [
                "old-1", "old-2", "main-1", "m-3", "b-4", "c-5", "m-6", "b-7"
            ]
        );
        for log in &logs {
            let pos = catalog.log_position(log.name()).unwrap();
            assert!(pos.offset > 0, "{}: {pos:?}", log.name());
        }
        let w = catalog.write().unwrap();
        assert_eq!(catch_up_all(&bags, &logs, &w, &mut warnings).unwrap(), 0);
        w.commit().unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn station_names() {
        for good in ["b", "paris-2", "0"] {
            assert!(valid_name(good), "{good}");
        }
        for bad in ["", "main", "-x", "B", "a_b", "a/b", &"x".repeat(41)] {
            assert!(!valid_name(bad), "{bad}");
        }
    }
}
