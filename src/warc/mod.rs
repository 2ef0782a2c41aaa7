//! Web archives: a streaming reader of WARC files (ISO 28500, WARC/1.0 and
//! WARC/1.1), plain, gzipped record by record (one gzip member per record,
//! as Heritrix, wget and warcio write them) or gzipped whole.
//!
//! Why newsbag's own reader and not the `warc` crate: see `docs/warc.md`.
//! In short, ingest needs each record's offset in the file (the gzip
//! member's, for `.warc.gz`), bounded memory for records it does not keep,
//! limits on hostile input, and to go on after a record with a lying
//! `Content-Length`; the crate offers none of these.
//!
//! The reader reads its input once, front to back. For each record it
//! reads the header (at most [`MAX_HEADER_BYTES`]), then either keeps the
//! block in memory (up to a size the caller gives) or skips it without
//! holding it. A record whose block is not followed by the `CRLF CRLF`
//! that ends every record has a wrong `Content-Length`: it is reported and
//! reading resumes at the next gzip member, or, in a plain file, at the
//! next line starting `WARC/1.`. Gzip output is bounded by
//! [`MAX_RATIO`] times the compressed bytes read, so an endless or bomb
//! member is refused in time proportional to the input.
//!
//! [`http`] parses the HTTP responses that `response` and `revisit`
//! records hold.

pub mod http;

use std::collections::VecDeque;
use std::fmt;
use std::io::{self, BufRead, BufReader, Read};

/// Longest record header accepted, in bytes (version line to blank line).
pub const MAX_HEADER_BYTES: usize = 64 * 1024;

/// Most bytes a gzipped WARC may decompress to per compressed byte read
/// (past the first [`RATIO_FLOOR`] bytes): deflate's own limit is about
/// 1032; HTML and WARC headers compress 3 to 20 times.
pub const MAX_RATIO: u64 = 256;

/// Decompressed bytes always allowed before [`MAX_RATIO`] is enforced.
pub const RATIO_FLOOR: u64 = 4 << 20;

/// Whether `prefix` (the first bytes of a file) starts a WARC file: a
/// `WARC/1.x` version line, either as is or in a gzip member.
pub fn is_warc(prefix: &[u8]) -> bool {
    if prefix.starts_with(&[0x1f, 0x8b]) {
        let mut out = [0u8; 16];
        let mut d = flate2::bufread::GzDecoder::new(prefix);
        let mut n = 0;
        while n < out.len() {
            match d.read(&mut out[n..]) {
                Ok(0) | Err(_) => break,
                Ok(k) => n += k,
            }
        }
        return starts_warc(&out[..n]);
    }
    starts_warc(prefix)
}

fn starts_warc(b: &[u8]) -> bool {
    b.len() >= 8 && b.starts_with(b"WARC/1.") && b[7].is_ascii_digit()
}

/// How a WARC file is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Not at all.
    None,
    /// Gzip: one member per record, or the whole file in one member, or
    /// anything between.
    Gzip,
}

/// A record's header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// `WARC/1.0` or `WARC/1.1`.
    pub version: String,
    /// The named fields, in order, names as written.
    pub fields: Vec<(String, String)>,
    /// The header's bytes as read, from the version line to the blank line
    /// that ends it.
    pub raw: Vec<u8>,
    /// Bytes of the block.
    pub content_length: u64,
    /// Where the record starts in the file: its byte offset in a plain
    /// file, the offset of the gzip member it starts in otherwise.
    pub offset: u64,
    /// Whether the record starts its gzip member (always, in a plain file):
    /// then `offset` is exactly where a reader seeks to read it.
    pub member_start: bool,
    /// Where the record starts in the decompressed stream.
    pub stream_offset: u64,
}

impl Header {
    /// The first value of field `name` (compared without case).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `WARC-Type`, lower case (empty if absent).
    pub fn warc_type(&self) -> String {
        self.get("WARC-Type")
            .unwrap_or_default()
            .to_ascii_lowercase()
    }

    /// `WARC-Record-ID`, without its angle brackets.
    pub fn record_id(&self) -> Option<&str> {
        self.get("WARC-Record-ID").map(strip_angles)
    }

    /// `WARC-Target-URI`, without angle brackets (WARC/1.0 wrote them).
    pub fn target_uri(&self) -> Option<&str> {
        self.get("WARC-Target-URI").map(strip_angles)
    }
}

/// `<x>` → `x`.
pub fn strip_angles(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('<')
        .and_then(|t| t.strip_suffix('>'))
        .unwrap_or(s)
}

/// A record's block: kept or skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// Read into memory.
    Kept(Vec<u8>),
    /// Read through without keeping it (not wanted, or larger than wanted).
    Skipped,
}

/// A record: its header and its block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The header.
    pub header: Header,
    /// The block.
    pub block: Block,
    /// Bytes of the whole record in the decompressed stream, from
    /// [`Header::stream_offset`]: the header, the block and the blank
    /// lines after it (CRLF CRLF, or LF LF).
    pub length: u64,
}

/// A record that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarcError {
    /// Where the record starts (as [`Header::offset`]).
    pub offset: u64,
    /// What is wrong.
    pub reason: String,
    /// Whether the rest of the file cannot be read either (I/O error,
    /// corrupt or endless gzip).
    pub fatal: bool,
}

impl fmt::Display for WarcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "record at offset {}: {}", self.offset, self.reason)
    }
}

impl std::error::Error for WarcError {}

/// Counts the bytes read from the file.
struct Counted<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

type Source<R> = BufReader<Counted<R>>;

/// Bytes of the file consumed so far (read, less what is buffered).
fn consumed<R>(s: &Source<R>) -> u64 {
    s.get_ref().count - s.buffer().len() as u64
}

/// The decompressed stream, one segment at a time: the whole file when it
/// is plain, one gzip member at a time when gzipped.
enum Stream<R: Read> {
    Plain(Source<R>),
    Gzip(Box<flate2::bufread::GzDecoder<Source<R>>>),
    /// Between gzip members (or after a fatal error: `None`).
    Between(Option<Source<R>>),
}

/// A streaming WARC reader: see the module documentation.
pub struct WarcReader<R: Read> {
    stream: Stream<R>,
    compression: Compression,
    /// Decompressed bytes of the current segment not yet consumed.
    buf: Vec<u8>,
    pos: usize,
    /// Whether the current segment has ended.
    segment_done: bool,
    /// Offset in the file where the current segment starts.
    segment_offset: u64,
    /// Stream offset where the current segment starts.
    segment_stream: u64,
    /// Decompressed bytes consumed before `buf[pos]`.
    stream_pos: u64,
    /// Decompressed bytes produced.
    produced: u64,
    /// A fatal error has been reported; nothing more is read.
    stopped: bool,
    /// Members seen, for offsets of records in whole-file gzip.
    members: VecDeque<(u64, u64)>,
}

const CHUNK: usize = 64 * 1024;

impl<R: Read> WarcReader<R> {
    /// A reader of the WARC file `r`; whether it is gzipped is told from
    /// its first bytes.
    pub fn new(r: R) -> io::Result<Self> {
        let mut src = BufReader::with_capacity(CHUNK, Counted { inner: r, count: 0 });
        let gz = src.fill_buf()?.starts_with(&[0x1f, 0x8b]);
        let (stream, compression) = if gz {
            (Stream::Between(Some(src)), Compression::Gzip)
        } else {
            (Stream::Plain(src), Compression::None)
        };
        Ok(WarcReader {
            stream,
            compression,
            buf: Vec::new(),
            pos: 0,
            segment_done: gz,
            segment_offset: 0,
            segment_stream: 0,
            stream_pos: 0,
            produced: 0,
            stopped: false,
            members: VecDeque::new(),
        })
    }

    /// How the file is compressed.
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// Bytes of the file read so far.
    pub fn file_bytes_read(&self) -> u64 {
        match &self.stream {
            Stream::Plain(s) => s.get_ref().count,
            Stream::Gzip(d) => d.get_ref().get_ref().count,
            Stream::Between(Some(s)) => s.get_ref().count,
            Stream::Between(None) => 0,
        }
    }

    /// Takes the reader back, to read what is left of the file (after the
    /// last record: trailing bytes). `None` after a fatal error.
    pub fn into_inner(self) -> Option<R> {
        let s = match self.stream {
            Stream::Plain(s) => s,
            Stream::Gzip(d) => d.into_inner(),
            Stream::Between(s) => s?,
        };
        Some(s.into_inner().inner)
    }

    fn fatal(&mut self, offset: u64, reason: String) -> WarcError {
        self.stopped = true;
        self.stream = Stream::Between(None);
        WarcError {
            offset,
            reason,
            fatal: true,
        }
    }

    /// Reads more of the current segment into `buf`; `false` at its end.
    fn fill(&mut self) -> Result<bool, WarcError> {
        if self.segment_done {
            return Ok(false);
        }
        if self.pos > 0 && self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        } else if self.pos > CHUNK {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        let start = self.buf.len();
        self.buf.resize(start + CHUNK, 0);
        let r = match &mut self.stream {
            Stream::Plain(s) => s.read(&mut self.buf[start..]),
            Stream::Gzip(d) => d.read(&mut self.buf[start..]),
            Stream::Between(_) => Ok(0),
        };
        let n = match r {
            Ok(n) => n,
            Err(e) => {
                self.buf.truncate(start);
                let what = match self.compression {
                    Compression::Gzip => "corrupt gzip data",
                    Compression::None => "cannot read the file",
                };
                let off = self.segment_offset;
                return Err(self.fatal(off, format!("{what}: {e}")));
            }
        };
        self.buf.truncate(start + n);
        self.produced += n as u64;
        if let Stream::Gzip(d) = &self.stream {
            let read = consumed(d.get_ref());
            if self.produced > RATIO_FLOOR && self.produced > MAX_RATIO.saturating_mul(read.max(1))
            {
                let off = self.segment_offset;
                return Err(self.fatal(
                    off,
                    format!(
                        "gzip data decompresses to more than {MAX_RATIO} times its size \
                         ({} bytes from {read}): refusing it as a possible gzip bomb",
                        self.produced
                    ),
                ));
            }
        }
        if n == 0 {
            self.segment_done = true;
            if let Stream::Gzip(_) = self.stream {
                let Stream::Gzip(d) = std::mem::replace(&mut self.stream, Stream::Between(None))
                else {
                    unreachable!("matched above")
                };
                self.stream = Stream::Between(Some(d.into_inner()));
            }
            return Ok(false);
        }
        Ok(true)
    }

    /// Starts the next gzip member, if the current one is read; `false`
    /// at the end of the file.
    fn next_segment(&mut self) -> Result<bool, WarcError> {
        if !self.segment_done {
            return Ok(true);
        }
        if self.pos < self.buf.len() {
            return Ok(true);
        }
        let Stream::Between(src) = &mut self.stream else {
            return Ok(false); // a plain file has one segment
        };
        let Some(mut src) = src.take() else {
            return Ok(false);
        };
        let at = consumed(&src);
        let more = match src.fill_buf() {
            Ok(b) => !b.is_empty(),
            Err(e) => return Err(self.fatal(at, format!("cannot read the file: {e}"))),
        };
        if !more {
            self.stream = Stream::Between(Some(src));
            return Ok(false);
        }
        self.segment_offset = at;
        self.segment_stream = self.stream_pos;
        self.members.push_back((self.stream_pos, at));
        if self.members.len() > 2 {
            self.members.pop_front();
        }
        self.segment_done = false;
        self.stream = Stream::Gzip(Box::new(flate2::bufread::GzDecoder::new(src)));
        Ok(true)
    }

    fn consume(&mut self, n: usize) {
        self.pos += n;
        self.stream_pos += n as u64;
    }

    /// Reads the next record: its header, then its block, kept in memory
    /// when `keep` gives a size it fits in, skipped otherwise. `None` at the
    /// end of the file. After an error that is not fatal, the next call
    /// reads the record after the bad one.
    pub fn next_record(
        &mut self,
        keep: impl FnOnce(&Header) -> Option<u64>,
    ) -> Option<Result<Record, WarcError>> {
        if self.stopped {
            return None;
        }
        match self.read_record(keep) {
            Ok(r) => r.map(Ok),
            Err(e) => {
                if !e.fatal {
                    self.resync();
                }
                Some(Err(e))
            }
        }
    }

    /// Skips blank lines between records; `false` at the end of the file.
    fn skip_blank(&mut self) -> Result<bool, WarcError> {
        loop {
            if !self.next_segment()? {
                return Ok(false);
            }
            while self.pos < self.buf.len() {
                match self.buf[self.pos] {
                    b'\r' | b'\n' | b' ' | b'\t' => self.consume(1),
                    _ => return Ok(true),
                }
            }
            if !self.fill()? && !self.next_segment()? {
                return Ok(false);
            }
        }
    }

    fn read_record(
        &mut self,
        keep: impl FnOnce(&Header) -> Option<u64>,
    ) -> Result<Option<Record>, WarcError> {
        if !self.skip_blank()? {
            return Ok(None);
        }
        let stream_offset = self.stream_pos;
        let (offset, member_start) = match self.compression {
            Compression::None => (stream_offset, true),
            Compression::Gzip => {
                let &(s, o) = self
                    .members
                    .iter()
                    .rev()
                    .find(|(s, _)| *s <= stream_offset)
                    .unwrap_or(&(self.segment_stream, self.segment_offset));
                (o, s == stream_offset)
            }
        };
        let err = |reason: String| WarcError {
            offset,
            reason,
            fatal: false,
        };
        // The header, up to its blank line.
        let mut raw = Vec::new();
        loop {
            let avail = &self.buf[self.pos..];
            let crlf = memchr::memmem::find(avail, b"\n\r\n").map(|i| i + 3);
            let lf = memchr::memmem::find(avail, b"\n\n").map(|i| i + 2);
            let found = match (crlf, lf) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            // The version line alone may be followed by the blank line.
            if let Some(end) = found
                && raw.len() + end <= MAX_HEADER_BYTES
            {
                raw.extend_from_slice(&avail[..end]);
                self.consume(end);
                break;
            }
            let take = avail.len();
            if raw.len() + take > MAX_HEADER_BYTES {
                return Err(err(format!(
                    "the record header is longer than {MAX_HEADER_BYTES} bytes"
                )));
            }
            // Keep the last two bytes: the end may straddle the refill.
            let keep_back = take.min(2);
            raw.extend_from_slice(&avail[..take - keep_back]);
            self.consume(take - keep_back);
            if !self.fill()? {
                raw.extend_from_slice(&self.buf[self.pos..]);
                let n = self.buf.len() - self.pos;
                self.consume(n);
                if !starts_warc(&raw) {
                    return Err(err(not_warc(&raw)));
                }
                return Err(err(format!(
                    "truncated: the file ends inside the record header ({} bytes)",
                    raw.len()
                )));
            }
        }
        if !starts_warc(&raw) {
            return Err(err(not_warc(&raw)));
        }
        let header = parse_header(raw, offset, member_start, stream_offset).map_err(err)?;
        let len = header.content_length;
        let want = keep(&header).filter(|&max| len <= max);
        let mut kept = want.map(|_| Vec::with_capacity(usize::try_from(len).unwrap_or(0)));
        let mut left = len;
        while left > 0 {
            if self.pos == self.buf.len() && !self.fill()? {
                return Err(err(format!(
                    "truncated: Content-Length is {len} but the {} ends {} bytes into the block",
                    match self.compression {
                        Compression::Gzip => "gzip member",
                        Compression::None => "file",
                    },
                    len - left
                )));
            }
            let avail = self.buf.len() - self.pos;
            let n = usize::try_from(left).map_or(avail, |l| l.min(avail));
            if let Some(k) = &mut kept {
                k.extend_from_slice(&self.buf[self.pos..self.pos + n]);
            }
            self.consume(n);
            left -= n as u64;
        }
        // CRLF CRLF ends the record.
        let mut end = Vec::with_capacity(4);
        while end.len() < 4 {
            if self.pos == self.buf.len() && !self.fill()? {
                break;
            }
            end.push(self.buf[self.pos]);
            self.consume(1);
            if !b"\r\n\r\n".starts_with(&end) && !b"\n\n".starts_with(&end) {
                break;
            }
            if end == b"\n\n" {
                break;
            }
        }
        if end != b"\r\n\r\n" && end != b"\n\n" {
            let what = if end.is_empty() {
                "the file ends".to_owned()
            } else {
                format!("{:?} follows", String::from_utf8_lossy(&end))
            };
            return Err(err(format!(
                "wrong Content-Length ({len}): the block is not followed by CRLF CRLF ({what})"
            )));
        }
        let block = match kept {
            Some(k) => Block::Kept(k),
            None => Block::Skipped,
        };
        let length = self.stream_pos - header.stream_offset;
        Ok(Some(Record {
            header,
            block,
            length,
        }))
    }

    /// After a bad record: on to the next line that starts `WARC/1.` in
    /// the same gzip member (or plain file), else to the next member.
    fn resync(&mut self) {
        loop {
            let avail = &self.buf[self.pos..];
            if avail.starts_with(b"WARC/1.") {
                return;
            }
            if let Some(i) = memchr::memmem::find(avail, b"\nWARC/1.") {
                self.consume(i + 1);
                return;
            }
            let n = avail.len().saturating_sub(7);
            self.consume(n);
            match self.fill() {
                Ok(true) => {}
                _ => {
                    let n = self.buf.len() - self.pos;
                    self.consume(n);
                    return;
                }
            }
        }
    }
}

fn not_warc(raw: &[u8]) -> String {
    let start = &raw[..raw.len().min(20)];
    format!(
        "not a WARC record: expected `WARC/1.0` or `WARC/1.1`, found {:?}",
        String::from_utf8_lossy(start)
    )
}

/// Parses a header's bytes: the version line, then `Name: value` lines
/// (continuation lines start with a space or tab); names are tokens.
fn parse_header(
    raw: Vec<u8>,
    offset: u64,
    member_start: bool,
    stream_offset: u64,
) -> Result<Header, String> {
    let text = std::str::from_utf8(&raw)
        .map_err(|e| format!("the record header is not UTF-8 (byte {})", e.valid_up_to()))?;
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let version = lines.next().unwrap_or_default().trim_end().to_owned();
    if version != "WARC/1.0" && version != "WARC/1.1" {
        return Err(format!("unsupported WARC version `{version}`"));
    }
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            match fields.last_mut() {
                Some((_, v)) => {
                    v.push(' ');
                    v.push_str(line.trim());
                }
                None => return Err("a continuation line before any field".into()),
            }
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(format!("a header line without a colon: {line:?}"));
        };
        if name.is_empty() || !name.bytes().all(is_token) {
            return Err(format!("invalid field name {name:?}"));
        }
        fields.push((name.to_owned(), value.trim().to_owned()));
    }
    let cl = fields
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("Content-Length"))
        .ok_or("no Content-Length")?;
    let content_length =
        cl.1.parse::<u64>()
            .map_err(|_| format!("invalid Content-Length {:?}", cl.1))?;
    Ok(Header {
        version,
        fields,
        raw,
        content_length,
        offset,
        member_start,
        stream_offset,
    })
}

/// RFC 9110 token characters.
fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The outcome of checking a `WARC-Payload-Digest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigestCheck {
    /// The digest matches the candidate at this index.
    Matches(usize),
    /// It matches none of them.
    Mismatch,
    /// Its algorithm or form is not one newsbag checks.
    Unchecked(String),
}

/// Checks `declared` (`sha1:BASE32`, `sha256:…`, base32 or hex) against
/// each candidate payload in turn.
pub fn check_digest(declared: &str, candidates: &[&[u8]]) -> DigestCheck {
    use sha1::Digest as _;
    let Some((algo, value)) = declared.trim().split_once(':') else {
        return DigestCheck::Unchecked(format!("no algorithm in {declared:?}"));
    };
    let algo = algo.to_ascii_lowercase().replace('-', "");
    let value = value.trim();
    let digest = |bytes: &[u8]| -> Option<Vec<u8>> {
        match algo.as_str() {
            "sha1" => Some(sha1::Sha1::digest(bytes).to_vec()),
            "sha256" => Some(sha2::Sha256::digest(bytes).to_vec()),
            "sha512" => Some(sha2::Sha512::digest(bytes).to_vec()),
            _ => None,
        }
    };
    for (i, c) in candidates.iter().enumerate() {
        let Some(d) = digest(c) else {
            return DigestCheck::Unchecked(format!("algorithm `{algo}`"));
        };
        let hex: String = d.iter().map(|b| format!("{b:02x}")).collect();
        if value.eq_ignore_ascii_case(&base32(&d))
            || value
                .trim_end_matches('=')
                .eq_ignore_ascii_case(&base32(&d))
            || value.eq_ignore_ascii_case(&hex)
        {
            return DigestCheck::Matches(i);
        }
    }
    DigestCheck::Mismatch
}

/// RFC 4648 base32, upper case, without padding.
pub fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut acc = 0u64;
    let mut bits = 0;
    for &b in bytes {
        acc = (acc << 8) | u64::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests;
