//! The event log: every preservation event of the archive, as JSON Lines
//! under `ARCHIVE/events/`, one file per month (`2026-12.jsonl`).
//!
//! The catalog is an index that can be rebuilt from the bags, but the
//! history of what happened to them (ingests, fixity checks, repairs) is
//! held nowhere else: so each event is appended here, and made durable
//! (`fsync`), before the catalog's transaction that records it commits.
//! Files are only ever appended to, never rewritten.
//!
//! A crash can leave a torn last line (no newline at the end of a file).
//! Readers ignore an unterminated tail; the next writer first ends it with
//! [`TORN_MARK`] and a newline, so that the fragment becomes a line that
//! can never parse as an event (JSON does not allow trailing text) and is
//! skipped, with a warning, by every later reader.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Error, Result};

/// Appended after a torn line (see the module documentation).
pub const TORN_MARK: &str = " <torn write: line ignored>";

/// What happened. The names are stable: they are written to the event log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    /// A bag was ingested and registered.
    Ingest,
    /// A bag found on disk but not in the catalog was registered.
    Adopt,
    /// A bag was verified (at the level in the event's detail).
    FixityCheck,
    /// A registered bag is gone from disk.
    Missing,
    /// A bag recorded missing is on disk again.
    Found,
    /// A damaged or missing bag was replaced by a verified replica copy.
    Repair,
    /// A damaged bag was moved to `ARCHIVE/quarantine/`.
    Quarantine,
    /// A bag was copied to a replica and the copy verified.
    Replicate,
    /// A replica copy of a bag was checked where it lies (size, SHA-256
    /// of the zip, full fixity).
    CopyCheck,
}

impl EventType {
    /// The name written to the log and shown by `history`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Ingest => "ingest",
            EventType::Adopt => "adopt",
            EventType::FixityCheck => "fixity_check",
            EventType::Missing => "missing",
            EventType::Found => "found",
            EventType::Repair => "repair",
            EventType::Quarantine => "quarantine",
            EventType::Replicate => "replicate",
            EventType::CopyCheck => "copy_check",
        }
    }

    /// Parses [`EventType::as_str`]'s names.
    pub fn parse(s: &str) -> Option<EventType> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
    }
}

/// How an event ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It went as it should (a valid bag, a verified copy).
    Success,
    /// It found a problem (an invalid or missing bag) or could not be done.
    Failure,
}

impl Outcome {
    /// `success` or `failure`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }
}

/// One event, as written to the log (one JSON object a line).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Unique identifier (`urn:uuid:` form), stable across rebuilds.
    pub id: String,
    /// When it ended (RFC 3339, UTC, seconds).
    pub time: String,
    /// What happened.
    #[serde(rename = "type")]
    pub kind: EventType,
    /// The bag concerned (its name: the zip's file name without `.zip`).
    pub bag: String,
    /// The item concerned, for events about one item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// How it ended.
    pub outcome: Outcome,
    /// The software that did it (`newsbag 0.1.0`).
    pub agent: String,
    /// Everything else, by event type (see docs/operations.md).
    #[serde(default)]
    pub detail: serde_json::Value,
    /// Its number in the order the catalog recorded events (the catalog's
    /// `events.seq` when it was recorded), written in the log since
    /// archives have several writing roots: the logs of an archive's roots
    /// are replayed merged in this order, the order the events happened
    /// in ([`super::stations`]). `None` in older logs and in events read
    /// from the catalog.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
}

/// Where the log has been read up to: a file name and a byte offset.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// The file (`2026-12.jsonl`); empty before the first.
    pub file: String,
    /// Bytes of it already read.
    pub offset: u64,
}

/// A line of the log that is not an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    /// The file.
    pub file: PathBuf,
    /// Its line number (1-based).
    pub line: u64,
    /// Whether it is a torn write (ended by [`TORN_MARK`]), which is
    /// expected after a crash, rather than damage.
    pub torn: bool,
}

impl std::fmt::Display for BadLine {
    /// The warning every reader of a log gives for it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = if self.torn {
            "a torn write (interrupted by a crash)"
        } else {
            "not an event (damaged?)"
        };
        write!(
            f,
            "`{}` line {}: {what}, ignored",
            self.file.display(),
            self.line
        )
    }
}

/// What [`Log::read_from`] found.
#[derive(Debug, Default)]
pub struct Replay {
    /// Complete events, in order, each with the position just after it.
    pub events: Vec<(Event, Position)>,
    /// Where reading stopped (after the last complete line).
    pub end: Position,
    /// Lines that are not events.
    pub bad: Vec<BadLine>,
}

/// The event log of one archive root.
#[derive(Debug, Clone)]
pub struct Log {
    dir: PathBuf,
    /// Whose log it is: `""` for the archive's own, a station's name for
    /// the log of that station (an archive written by several roots).
    name: String,
}

impl Log {
    /// The log of the archive at `root` (`root/events/`).
    pub fn new(root: &Path) -> Self {
        Log {
            dir: root.join("events"),
            name: String::new(),
        }
    }

    /// The same log, as the log of station `name` (`""`: the archive's
    /// own): the catalog keeps where it has read each log up to.
    #[must_use]
    pub fn named(mut self, name: &str) -> Self {
        name.clone_into(&mut self.name);
        self
    }

    /// Whose log it is (`""`: the archive's own; else a station's name).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The directory holding the log files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The log files, oldest first.
    pub fn files(&self) -> Result<Vec<String>> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io("read", &self.dir, e)),
        };
        let mut files = Vec::new();
        for e in entries {
            let e = e.map_err(|e| Error::io("read", &self.dir, e))?;
            if let Some(name) = e.file_name().to_str()
                && is_log_name(name)
            {
                files.push(name.to_owned());
            }
        }
        files.sort();
        Ok(files)
    }

    /// The id of the archive's first event (the first complete line of
    /// the oldest file that is an event), which names the archive: the
    /// log is never rewritten, and a rebuilt catalog replays it in this
    /// order. `None` for an empty log.
    pub fn first_event_id(&self) -> Result<Option<String>> {
        for name in self.files()? {
            let path = self.dir.join(&name);
            let file = File::open(&path).map_err(|e| Error::io("open", &path, e))?;
            let mut r = std::io::BufReader::new(file);
            let mut line = Vec::new();
            loop {
                line.clear();
                let n = std::io::BufRead::read_until(&mut r, b'\n', &mut line)
                    .map_err(|e| Error::io("read", &path, e))?;
                if n == 0 || line.last() != Some(&b'\n') {
                    break;
                }
                if let Ok(e) = serde_json::from_slice::<Event>(&line[..n - 1]) {
                    return Ok(Some(e.id));
                }
            }
        }
        Ok(None)
    }

    /// Reads every complete line after `from`, in order. An unterminated
    /// last line is left unread (it is a write in progress or torn).
    pub fn read_from(&self, from: &Position) -> Result<Replay> {
        let mut events = Vec::new();
        let (end, bad) = self.for_each_from(from, &mut |e, pos| {
            events.push((e, pos));
            Ok(())
        })?;
        Ok(Replay { events, end, bad })
    }

    /// [`Log::read_from`], streamed: `f` gets each event with the position
    /// after it; returns where reading stopped and the lines that are not
    /// events. Memory does not grow with the log.
    pub fn for_each_from(
        &self,
        from: &Position,
        f: &mut dyn FnMut(Event, Position) -> Result<()>,
    ) -> Result<(Position, Vec<BadLine>)> {
        let mut end = from.clone();
        let mut bad = Vec::new();
        let mut line = Vec::new();
        for name in self.files()? {
            if name < from.file {
                continue;
            }
            let start = if name == from.file { from.offset } else { 0 };
            let path = self.dir.join(&name);
            let mut file = File::open(&path).map_err(|e| Error::io("open", &path, e))?;
            file.seek(SeekFrom::Start(start))
                .map_err(|e| Error::io("read", &path, e))?;
            let mut r = std::io::BufReader::with_capacity(1 << 16, file);
            // Line numbers count from the start of the file; the lines
            // before `start` are counted only if a bad line is found.
            let mut head_lines: Option<u64> = None;
            let mut line_no = 0u64;
            let mut offset = start;
            if end.file != name {
                end = Position {
                    file: name.clone(),
                    offset,
                };
            }
            loop {
                line.clear();
                let n = std::io::BufRead::read_until(&mut r, b'\n', &mut line)
                    .map_err(|e| Error::io("read", &path, e))?;
                if n == 0 || line.last() != Some(&b'\n') {
                    break; // the end, or an unterminated (torn) last line
                }
                offset += n as u64;
                line_no += 1;
                let text = &line[..n - 1];
                let pos = Position {
                    file: name.clone(),
                    offset,
                };
                match serde_json::from_slice::<Event>(text) {
                    Ok(e) => f(e, pos.clone())?,
                    Err(_) if text.iter().all(u8::is_ascii_whitespace) => {}
                    Err(_) => {
                        let head = match head_lines {
                            Some(n) => n,
                            None => {
                                let n = count_lines(&path, start)?;
                                head_lines = Some(n);
                                n
                            }
                        };
                        bad.push(BadLine {
                            file: path.clone(),
                            line: head + line_no,
                            torn: text.ends_with(TORN_MARK.as_bytes()),
                        });
                    }
                }
                end = pos;
            }
        }
        Ok((end, bad))
    }

    /// Appends `event` to the file of its month (or to the newest file, if
    /// the clock went back), ending a torn last line first, and makes it
    /// durable. Returns the position after it.
    ///
    /// Callers hold the catalog's write lock, so appends never interleave.
    pub fn append(&self, event: &Event) -> Result<Position> {
        self.append_all(std::slice::from_ref(event))
    }

    /// Appends `events`, in order, with one write and one `fsync` (to the
    /// file of the first one's month). Returns the position after them.
    pub fn append_all(&self, events: &[Event]) -> Result<Position> {
        let Some(first) = events.first() else {
            return Err(Error::EventLog {
                path: self.dir.clone(),
                reason: "nothing to append".into(),
            });
        };
        let mut line = Vec::new();
        for event in events {
            serde_json::to_writer(&mut line, event).map_err(|e| Error::EventLog {
                path: self.dir.clone(),
                reason: format!("cannot write event as JSON: {e}"),
            })?;
            line.push(b'\n');
        }
        let event = first;
        let created_dir = !self.dir.is_dir();
        fs::create_dir_all(&self.dir).map_err(|e| Error::io("create", &self.dir, e))?;
        if created_dir {
            sync_dir(self.dir.parent().unwrap_or(&self.dir));
        }
        let month = format!("{}.jsonl", event.time.get(..7).unwrap_or("0000-00"));
        let name = match self.files()?.pop() {
            Some(newest) if newest > month => newest,
            _ => month,
        };
        let path = self.dir.join(&name);
        let existed = path.exists();
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(&path)
            .map_err(|e| Error::io("open", &path, e))?;
        let len = f.metadata().map_err(|e| Error::io("read", &path, e))?.len();
        if len > 0 {
            let mut last = [0u8];
            f.seek(SeekFrom::Start(len - 1))
                .and_then(|_| f.read_exact(&mut last))
                .map_err(|e| Error::io("read", &path, e))?;
            if last[0] != b'\n' {
                log::warn!(
                    "`{}` ends with a torn line (a write interrupted by a crash): marking it ignored",
                    path.display()
                );
                let mut mark = TORN_MARK.as_bytes().to_vec();
                mark.push(b'\n');
                line.splice(0..0, mark);
            }
        }
        f.write_all(&line)
            .and_then(|()| f.sync_data())
            .map_err(|e| Error::io("append to", &path, e))?;
        if !existed {
            sync_dir(&self.dir);
        }
        let offset = f.metadata().map_err(|e| Error::io("read", &path, e))?.len();
        Ok(Position { file: name, offset })
    }
}

/// The number of lines in the first `len` bytes of `path`.
fn count_lines(path: &Path, len: u64) -> Result<u64> {
    let f = File::open(path).map_err(|e| Error::io("open", path, e))?;
    let mut r = std::io::BufReader::new(f.take(len));
    let mut n = 0u64;
    loop {
        let buf = std::io::BufRead::fill_buf(&mut r).map_err(|e| Error::io("read", path, e))?;
        if buf.is_empty() {
            return Ok(n);
        }
        n += memchr::memchr_iter(b'\n', buf).count() as u64;
        let used = buf.len();
        std::io::BufRead::consume(&mut r, used);
    }
}

/// Whether `name` is a log file's name (`YYYY-MM.jsonl`).
fn is_log_name(name: &str) -> bool {
    let b = name.as_bytes();
    name.len() == 13
        && name.ends_with(".jsonl")
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
}

/// Makes a new directory entry durable where the platform allows it.
pub(crate) fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(time: &str, bag: &str) -> Event {
        Event {
            id: format!("urn:uuid:{bag}"),
            time: time.to_owned(),
            kind: EventType::FixityCheck,
            bag: bag.to_owned(),
            item: None,
            outcome: Outcome::Success,
            agent: "newsbag test".to_owned(),
            detail: serde_json::json!({"level": "fixity"}),
            seq: None,
        }
    }

    #[test]
    fn appends_by_month_and_reads_back_from_a_position() {
        let tmp = tempfile::tempdir().unwrap();
        let log = Log::new(tmp.path());
        let p1 = log.append(&event("2026-11-30T10:00:00Z", "a")).unwrap();
        let p2 = log.append(&event("2026-12-01T10:00:00Z", "b")).unwrap();
        assert_eq!(p1.file, "2026-11.jsonl");
        assert_eq!(p2.file, "2026-12.jsonl");
        let all = log.read_from(&Position::default()).unwrap();
        assert_eq!(all.events.len(), 2);
        assert_eq!(all.end, p2);
        let rest = log.read_from(&p1).unwrap();
        assert_eq!(rest.events.len(), 1);
        assert_eq!(rest.events[0].0.bag, "b");
        // The clock going back never appends to an older file.
        let p3 = log.append(&event("2026-10-01T10:00:00Z", "c")).unwrap();
        assert_eq!(p3.file, "2026-12.jsonl");
    }

    #[test]
    fn torn_last_line_is_skipped_now_and_forever() {
        let tmp = tempfile::tempdir().unwrap();
        let log = Log::new(tmp.path());
        log.append(&event("2026-12-01T10:00:00Z", "a")).unwrap();
        // A crash in the middle of the next append: half a line.
        let path = log.dir().join("2026-12.jsonl");
        let whole = serde_json::to_string(&event("2026-12-01T11:00:00Z", "b")).unwrap();
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(&whole.as_bytes()[..whole.len() - 1]).unwrap();
        // Even a complete JSON value without its newline is not an event.
        drop(f);
        let r = log.read_from(&Position::default()).unwrap();
        assert_eq!(r.events.len(), 1);
        assert!(r.bad.is_empty());
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"}").unwrap(); // now complete JSON, still no newline
        drop(f);
        assert_eq!(log.read_from(&Position::default()).unwrap().events.len(), 1);
        // The next append ends the torn line so that it never parses.
        log.append(&event("2026-12-01T12:00:00Z", "c")).unwrap();
        let r = log.read_from(&Position::default()).unwrap();
        let bags: Vec<&str> = r.events.iter().map(|(e, _)| e.bag.as_str()).collect();
        assert_eq!(bags, ["a", "c"]);
        assert_eq!(r.bad.len(), 1);
        assert!(r.bad[0].torn);
        assert_eq!(r.bad[0].line, 2);
    }

    #[test]
    fn damaged_lines_are_reported_not_fatal() {
        let tmp = tempfile::tempdir().unwrap();
        let log = Log::new(tmp.path());
        fs::create_dir_all(log.dir()).unwrap();
        fs::write(log.dir().join("2026-01.jsonl"), b"not json\n\n").unwrap();
        fs::write(log.dir().join("notes.txt"), b"ignored").unwrap();
        let r = log.read_from(&Position::default()).unwrap();
        assert!(r.events.is_empty());
        assert_eq!(r.bad.len(), 1);
        assert!(!r.bad[0].torn);
    }

    #[test]
    fn event_types_round_trip() {
        for t in [
            EventType::Ingest,
            EventType::Adopt,
            EventType::FixityCheck,
            EventType::Missing,
            EventType::Found,
            EventType::Repair,
            EventType::Quarantine,
            EventType::Replicate,
            EventType::CopyCheck,
        ] {
            assert_eq!(EventType::parse(t.as_str()), Some(t));
        }
        assert_eq!(EventType::parse("nope"), None);
    }
}
