//! The writing side of ZIP serialization: a small deterministic ZIP writer.
//!
//! Why not the `zip` crate's writer: newsbag needs to place entries whose
//! bytes were compressed earlier (on another thread, or spooled to disk
//! while ingesting) in sorted order, and to keep memory per entry small for
//! archives of 100,000+ entries. This writer keeps only the central
//! directory, as the bytes it will write (about 50 bytes plus the name per
//! entry), in memory or, for callers that must keep their memory flat
//! ([`ZipBuilder::with_central_file`]), in a temporary file copied at the
//! end; it writes exactly what the module documentation promises: no
//! extra fields but ZIP64 sizes when needed, fixed times and permissions,
//! UTF-8 names. Reading is left to the `zip` crate and newsbag's reader.

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};

use super::TEXT_EXTENSIONS;

/// The zlib-rs deflate level of streamed entries (fixed for determinism).
pub(crate) const DEFLATE_LEVEL: u32 = 6;

/// The zlib-rs deflate level of streamed manifests (fixed for
/// determinism): hex digests and paths, which level 2 compresses within
/// 0.2 % of level 6 (the manifests of a 20,000-item bag: 0.361 and 0.426 of
/// their size) in half the time, an eighth of a second of each 20,000
/// items ingested (docs/performance.md).
pub(crate) const MANIFEST_DEFLATE_LEVEL: u32 = 2;

/// The zlib-rs deflate level of the streamed entry `name` (`BAG/PATH`):
/// [`MANIFEST_DEFLATE_LEVEL`] for the bag's manifests and tag manifests,
/// else [`DEFLATE_LEVEL`].
fn stream_level(name: &str) -> u32 {
    let top = name.split_once('/').map_or(name, |(_, rest)| rest);
    if !top.contains('/') && crate::manifest::is_manifest_name(top) {
        MANIFEST_DEFLATE_LEVEL
    } else {
        DEFLATE_LEVEL
    }
}

/// The libdeflate level of entries compressed in memory (fixed for
/// determinism).
pub(crate) const LIBDEFLATE_LEVEL: i32 = 1;

/// Bytes sampled to decide whether a file compresses.
pub(crate) const SAMPLE: usize = 64 * 1024;

/// Bytes [`ZipBuilder::add_stream`] reads at a time. zlib-rs's output
/// depends on how its input is split, so a caller that deflates bytes
/// itself and wants what `add_stream` would write must feed them in the
/// same pieces.
pub(crate) const PUMP_READ: usize = 256 * 1024;

/// Sizes from which an entry gets ZIP64 fields.
const ZIP64_LIMIT: u64 = 0xFFFF_FFFF;

/// Streamed entries of this size or more get ZIP64 fields up front (their
/// compressed size is only known afterwards and deflate may grow a little).
pub(crate) const ZIP64_STREAM_LIMIT: u64 = 0xF000_0000;

/// General purpose flag bit 11: the name is UTF-8.
const FLAG_UTF8: u16 = 0x0800;

/// Version made by: Unix, specification 4.5.
const MADE_BY: u16 = (3 << 8) | 45;

/// How an entry's bytes are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    /// As they are.
    Stored,
    /// Raw deflate.
    Deflated,
}

impl Method {
    fn code(self) -> u16 {
        match self {
            Method::Stored => 0,
            Method::Deflated => 8,
        }
    }
}

/// Whether a file should be deflated: see the module documentation of
/// [`crate::serialize`]. `sample` is at most the first [`SAMPLE`] bytes.
pub(crate) fn should_deflate(rel: &str, sample: &[u8]) -> bool {
    if sample.is_empty() {
        return false;
    }
    if !rel.contains('/') {
        return true; // a tag file at the top of the bag
    }
    let name = rel.rsplit('/').next().unwrap_or(rel);
    if let Some((_, ext)) = name.rsplit_once('.')
        && TEXT_EXTENSIONS.iter().any(|t| t.eq_ignore_ascii_case(ext))
    {
        return true;
    }
    let sample = &sample[..sample.len().min(SAMPLE)];
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    let compressed = enc
        .write_all(sample)
        .and_then(|()| enc.finish())
        .map_or(usize::MAX, |v| v.len());
    compressed.saturating_mul(10) <= sample.len().saturating_mul(9)
}

/// An entry's bytes as they go into the archive, with the CRC-32 and size
/// of the uncompressed bytes.
#[derive(Debug, Clone)]
pub(crate) struct Packed {
    /// How `data` is stored.
    pub method: Method,
    /// CRC-32 of the uncompressed bytes.
    pub crc32: u32,
    /// Size of the uncompressed bytes.
    pub size: u64,
    /// The bytes written (compressed when deflated).
    pub data: Vec<u8>,
}

/// The method the compression rule ([`should_deflate`]) gives the file at
/// `rel` whose bytes start with `sample`.
pub(crate) fn method_for(rel: &str, sample: &[u8]) -> Method {
    if should_deflate(rel, sample) {
        Method::Deflated
    } else {
        Method::Stored
    }
}

/// Packs the bytes of the file at `rel` (a path inside the bag) following
/// the compression rule.
pub(crate) fn pack(rel: &str, bytes: Vec<u8>) -> Packed {
    let method = method_for(rel, &bytes);
    let crc32 = crc32fast::hash(&bytes);
    let size = bytes.len() as u64;
    let data = match method {
        Method::Stored => bytes,
        Method::Deflated => deflate(&bytes),
    };
    Packed {
        method,
        crc32,
        size,
        data,
    }
}

/// Raw deflate of `bytes` with libdeflate; one compressor per thread (its
/// state is large to set up).
fn deflate(bytes: &[u8]) -> Vec<u8> {
    thread_local! {
        static COMPRESSOR: std::cell::RefCell<Option<libdeflater::Compressor>> =
            const { std::cell::RefCell::new(None) };
    }
    COMPRESSOR.with(|c| {
        let mut c = c.borrow_mut();
        let c = c.get_or_insert_with(|| {
            libdeflater::Compressor::new(
                libdeflater::CompressionLvl::new(LIBDEFLATE_LEVEL).unwrap_or_default(),
            )
        });
        let mut out = vec![0u8; c.deflate_compress_bound(bytes.len())];
        // The bound always suffices.
        let n = c.deflate_compress(bytes, &mut out).unwrap_or(0);
        out.truncate(n);
        out
    })
}

/// A DOS date (`(year - 1980) << 9 | month << 5 | day`) for a `YYYY-MM-DD`
/// date, or 1980-01-01 when absent or out of range.
pub(crate) fn dos_date(date: Option<&str>) -> u16 {
    const EPOCH: u16 = (1 << 5) | 1;
    let Some(s) = date else { return EPOCH };
    let mut it = s.trim().splitn(3, '-');
    let mut parse = || -> Option<u16> {
        let y: u16 = it.next()?.parse().ok()?;
        let m: u16 = it.next()?.parse().ok()?;
        let d: u16 = it.next()?.get(..2)?.parse().ok()?;
        let ok = (1980..=2107).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d);
        ok.then(|| ((y - 1980) << 9) | (m << 5) | d)
    };
    parse().unwrap_or(EPOCH)
}

/// Writes a ZIP archive entry by entry; entries are written in the order
/// given (callers sort them) and [`ZipBuilder::finish`] writes the central
/// directory.
pub(crate) struct ZipBuilder<W: Write + Seek> {
    out: W,
    pos: u64,
    central: Central,
    /// The central directory record being made (reused).
    record: Vec<u8>,
    entries: u64,
    date: u16,
}

/// Where the central directory waits for [`ZipBuilder::finish`].
enum Central {
    Memory(Vec<u8>),
    /// A file, and how many bytes were written to it.
    File(BufWriter<File>, u64),
}

fn u16_le(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_le_bytes());
}
fn u32_le(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_le_bytes());
}
fn u64_le(v: &mut Vec<u8>, x: u64) {
    v.extend_from_slice(&x.to_le_bytes());
}
fn clamp32(x: u64) -> u32 {
    u32::try_from(x).unwrap_or(u32::MAX)
}

/// What the headers of one entry say.
struct Header<'a> {
    name: &'a str,
    method: Method,
    crc32: u32,
    csize: u64,
    size: u64,
    zip64: bool,
    dir: bool,
}

impl<W: Write + Seek> ZipBuilder<W> {
    /// A writer at the current position of `out` (normally its start); every
    /// entry gets the DOS date `date` (see [`dos_date`]) at 00:00:00.
    pub(crate) fn new(out: W, date: u16) -> Self {
        ZipBuilder {
            out,
            pos: 0,
            central: Central::Memory(Vec::new()),
            record: Vec::new(),
            entries: 0,
            date,
        }
    }

    /// [`ZipBuilder::new`], but the central directory is written to
    /// `central` (an empty file, open for reading and writing) as entries
    /// are added, and copied into the archive by [`ZipBuilder::finish`]: the
    /// writer's memory does not grow with the number of entries.
    pub(crate) fn with_central_file(out: W, date: u16, central: File) -> Self {
        let mut z = ZipBuilder::new(out, date);
        z.central = Central::File(BufWriter::with_capacity(64 * 1024, central), 0);
        z
    }

    fn check_name(name: &str) -> io::Result<u16> {
        u16::try_from(name.len())
            .map_err(|_| io::Error::other(format!("entry name too long for ZIP: {name}")))
    }

    fn local_header(&self, h: &Header<'_>) -> io::Result<Vec<u8>> {
        let name_len = Self::check_name(h.name)?;
        let mut v = Vec::with_capacity(30 + h.name.len() + 20);
        u32_le(&mut v, 0x0403_4b50);
        u16_le(&mut v, if h.zip64 { 45 } else { 20 });
        u16_le(&mut v, FLAG_UTF8);
        u16_le(&mut v, h.method.code());
        u16_le(&mut v, 0);
        u16_le(&mut v, self.date);
        u32_le(&mut v, h.crc32);
        if h.zip64 {
            u32_le(&mut v, u32::MAX);
            u32_le(&mut v, u32::MAX);
        } else {
            u32_le(&mut v, clamp32(h.csize));
            u32_le(&mut v, clamp32(h.size));
        }
        u16_le(&mut v, name_len);
        u16_le(&mut v, if h.zip64 { 20 } else { 0 });
        v.extend_from_slice(h.name.as_bytes());
        if h.zip64 {
            u16_le(&mut v, 0x0001);
            u16_le(&mut v, 16);
            u64_le(&mut v, h.size);
            u64_le(&mut v, h.csize);
        }
        Ok(v)
    }

    fn central_header(&mut self, h: &Header<'_>, offset: u64) -> io::Result<()> {
        let name_len = Self::check_name(h.name)?;
        let big_size = h.zip64 || h.size >= ZIP64_LIMIT;
        let big_csize = h.zip64 || h.csize >= ZIP64_LIMIT;
        let big_offset = offset >= ZIP64_LIMIT;
        let mut extra = Vec::new();
        if big_size {
            u64_le(&mut extra, h.size);
        }
        if big_csize {
            u64_le(&mut extra, h.csize);
        }
        if big_offset {
            u64_le(&mut extra, offset);
        }
        let extra_len = 8 * (u16::from(big_size) + u16::from(big_csize) + u16::from(big_offset));
        let any = extra_len > 0;
        let c = &mut self.record;
        c.clear();
        u32_le(c, 0x0201_4b50);
        u16_le(c, MADE_BY);
        u16_le(c, if any { 45 } else { 20 });
        u16_le(c, FLAG_UTF8);
        u16_le(c, h.method.code());
        u16_le(c, 0);
        u16_le(c, self.date);
        u32_le(c, h.crc32);
        u32_le(
            c,
            if big_csize {
                u32::MAX
            } else {
                clamp32(h.csize)
            },
        );
        u32_le(c, if big_size { u32::MAX } else { clamp32(h.size) });
        u16_le(c, name_len);
        u16_le(c, if any { extra_len + 4 } else { 0 });
        u16_le(c, 0); // comment
        u16_le(c, 0); // disk
        u16_le(c, 0); // internal attributes
        let external = if h.dir {
            (0o040_755 << 16) | 0x10
        } else {
            0o100_644 << 16
        };
        u32_le(c, external);
        u32_le(
            c,
            if big_offset {
                u32::MAX
            } else {
                clamp32(offset)
            },
        );
        c.extend_from_slice(h.name.as_bytes());
        if any {
            u16_le(c, 0x0001);
            u16_le(c, extra_len);
            c.extend_from_slice(&extra);
        }
        match &mut self.central {
            Central::Memory(v) => v.extend_from_slice(&self.record),
            Central::File(f, len) => {
                f.write_all(&self.record)?;
                *len += self.record.len() as u64;
            }
        }
        self.entries += 1;
        Ok(())
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.pos += bytes.len() as u64;
        Ok(())
    }

    /// A directory entry; `name` ends with `/`.
    pub(crate) fn add_dir(&mut self, name: &str) -> io::Result<()> {
        let h = Header {
            name,
            method: Method::Stored,
            crc32: 0,
            csize: 0,
            size: 0,
            zip64: false,
            dir: true,
        };
        let offset = self.pos;
        let local = self.local_header(&h)?;
        self.write(&local)?;
        self.central_header(&h, offset)?;
        Ok(())
    }

    /// A file entry from bytes already packed.
    pub(crate) fn add_packed(&mut self, name: &str, p: &Packed) -> io::Result<()> {
        let csize = p.data.len() as u64;
        self.add_raw(name, p.method, p.crc32, p.size, csize, &mut &p.data[..])
    }

    /// A file entry whose `csize` stored bytes are read from `data`.
    pub(crate) fn add_raw(
        &mut self,
        name: &str,
        method: Method,
        crc32: u32,
        size: u64,
        csize: u64,
        data: &mut impl Read,
    ) -> io::Result<()> {
        let h = Header {
            name,
            method,
            crc32,
            csize,
            size,
            zip64: size >= ZIP64_LIMIT || csize >= ZIP64_LIMIT,
            dir: false,
        };
        let offset = self.pos;
        let local = self.local_header(&h)?;
        self.write(&local)?;
        let copied = io::copy(&mut data.take(csize), &mut self.out)?;
        self.pos += copied;
        if copied != csize {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("{name}: expected {csize} bytes, got {copied}"),
            ));
        }
        self.central_header(&h, offset)?;
        Ok(())
    }

    /// A file entry streamed from `reader`, which must yield exactly `size`
    /// bytes; `method` says whether to deflate them. The local header is
    /// patched with the CRC-32 and compressed size once they are known.
    pub(crate) fn add_stream(
        &mut self,
        name: &str,
        method: Method,
        size: u64,
        reader: &mut impl Read,
        mut progress: impl FnMut(u64),
    ) -> io::Result<()> {
        let mut h = Header {
            name,
            method,
            crc32: 0,
            csize: 0,
            size,
            zip64: size >= ZIP64_STREAM_LIMIT,
            dir: false,
        };
        let offset = self.pos;
        let local = self.local_header(&h)?;
        self.write(&local)?;
        let mut crc = crc32fast::Hasher::new();
        let mut counter = Counting {
            inner: &mut self.out,
            count: 0,
        };
        let read = match method {
            Method::Stored => pump(reader, &mut counter, size, &mut crc, &mut progress)?,
            Method::Deflated => {
                let mut enc = flate2::write::DeflateEncoder::new(
                    &mut counter,
                    flate2::Compression::new(stream_level(h.name)),
                );
                let read = pump(reader, &mut enc, size, &mut crc, &mut progress)?;
                enc.finish()?;
                read
            }
        };
        let written = counter.count;
        if read != size {
            return Err(io::Error::other(format!(
                "{name}: changed size while being written ({size} bytes expected)"
            )));
        }
        let end = self.pos + written;
        self.pos = end;
        h.crc32 = crc.finalize();
        h.csize = written;
        if !h.zip64 && h.csize >= ZIP64_LIMIT {
            return Err(io::Error::other(format!(
                "{name}: compressed size beyond what its header can hold"
            )));
        }
        let patched = self.local_header(&h)?;
        self.out.seek(SeekFrom::Start(offset))?;
        self.out.write_all(&patched)?;
        self.out.seek(SeekFrom::Start(end))?;
        self.central_header(&h, offset)?;
        Ok(())
    }

    /// Writes the central directory and its end records (ZIP64 ones when
    /// there are more than 65,535 entries or offsets beyond 4 GiB) and
    /// returns the writer.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        let cd_offset = self.pos;
        let cd_size = match std::mem::replace(&mut self.central, Central::Memory(Vec::new())) {
            Central::Memory(central) => {
                self.write(&central)?;
                central.len() as u64
            }
            Central::File(f, len) => {
                let mut f = f.into_inner().map_err(io::IntoInnerError::into_error)?;
                f.rewind()?;
                let copied = io::copy(&mut f.take(len), &mut self.out)?;
                if copied != len {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("central directory: expected {len} bytes, got {copied}"),
                    ));
                }
                self.pos += len;
                len
            }
        };
        let zip64 = self.entries > 0xFFFF || cd_offset >= ZIP64_LIMIT || cd_size >= ZIP64_LIMIT;
        let mut tail = Vec::with_capacity(22 + 76);
        if zip64 {
            let record_at = self.pos;
            u32_le(&mut tail, 0x0606_4b50);
            u64_le(&mut tail, 44);
            u16_le(&mut tail, MADE_BY);
            u16_le(&mut tail, 45);
            u32_le(&mut tail, 0);
            u32_le(&mut tail, 0);
            u64_le(&mut tail, self.entries);
            u64_le(&mut tail, self.entries);
            u64_le(&mut tail, cd_size);
            u64_le(&mut tail, cd_offset);
            u32_le(&mut tail, 0x0706_4b50);
            u32_le(&mut tail, 0);
            u64_le(&mut tail, record_at);
            u32_le(&mut tail, 1);
        }
        let count = u16::try_from(self.entries).unwrap_or(u16::MAX);
        u32_le(&mut tail, 0x0605_4b50);
        u16_le(&mut tail, 0);
        u16_le(&mut tail, 0);
        u16_le(&mut tail, count);
        u16_le(&mut tail, count);
        u32_le(&mut tail, clamp32(cd_size));
        u32_le(&mut tail, clamp32(cd_offset));
        u16_le(&mut tail, 0);
        self.write(&tail)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Copies `reader` to `sink` until its end or until more than `size`
/// bytes were read, updating `crc`; returns the bytes read.
fn pump(
    reader: &mut impl Read,
    sink: &mut impl Write,
    size: u64,
    crc: &mut crc32fast::Hasher,
    progress: &mut impl FnMut(u64),
) -> io::Result<u64> {
    let mut buf = vec![0u8; PUMP_READ];
    let mut read = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok(read),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        read += n as u64;
        if read > size {
            return Ok(read);
        }
        crc.update(&buf[..n]);
        sink.write_all(&buf[..n])?;
        progress(n as u64);
    }
}

/// Counts what goes through to the archive.
struct Counting<'a, W: Write> {
    inner: &'a mut W,
    count: u64,
}

impl<W: Write> Write for Counting<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn read_all(zip: Vec<u8>) -> Vec<(String, Vec<u8>, bool)> {
        let mut a = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
        (0..a.len())
            .map(|i| {
                let mut f = a.by_index(i).unwrap();
                let mut v = Vec::new();
                f.read_to_end(&mut v).unwrap();
                (f.name().unwrap().into_owned(), v, f.is_dir())
            })
            .collect()
    }

    #[test]
    fn written_archives_read_back() {
        let mut z = ZipBuilder::new(Cursor::new(Vec::new()), dos_date(Some("2026-11-28")));
        z.add_dir("bag/").unwrap();
        z.add_packed(
            "bag/bagit.txt",
            &pack("bagit.txt", b"BagIt-Version: 1.0\n".to_vec()),
        )
        .unwrap();
        let text = "خبر ".repeat(1000).into_bytes();
        z.add_packed("bag/data/a.txt", &pack("data/a.txt", text.clone()))
            .unwrap();
        let noise: Vec<u8> = (0..5000u32)
            .map(|i| i.wrapping_mul(2_654_435_761).to_le_bytes()[1])
            .collect();
        let mut r = &noise[..];
        z.add_stream(
            "bag/data/b.bin",
            Method::Stored,
            noise.len() as u64,
            &mut r,
            |_| {},
        )
        .unwrap();
        let mut r = &text[..];
        z.add_stream(
            "bag/data/c.txt",
            Method::Deflated,
            text.len() as u64,
            &mut r,
            |_| {},
        )
        .unwrap();
        z.add_packed("bag/data/empty", &pack("data/empty", Vec::new()))
            .unwrap();
        let out = z.finish().unwrap().into_inner();
        let got = read_all(out);
        let names: Vec<&str> = got.iter().map(|(n, _, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "bag/",
                "bag/bagit.txt",
                "bag/data/a.txt",
                "bag/data/b.bin",
                "bag/data/c.txt",
                "bag/data/empty"
            ]
        );
        assert!(got[0].2);
        assert_eq!(got[2].1, text);
        assert_eq!(got[3].1, noise);
        assert_eq!(got[4].1, text);
        assert!(got[5].1.is_empty());
    }

    #[test]
    fn many_entries_get_zip64_end_records() {
        let mut z = ZipBuilder::new(Cursor::new(Vec::new()), dos_date(None));
        for i in 0..70_000u32 {
            z.add_packed(&format!("b/{i:06}"), &pack("data/x", Vec::new()))
                .unwrap();
        }
        let out = z.finish().unwrap().into_inner();
        assert_eq!(
            zip::ZipArchive::new(Cursor::new(out)).unwrap().len(),
            70_000
        );
    }

    #[test]
    fn central_directory_in_a_file_gives_the_same_bytes() {
        fn write<W: Write + Seek>(mut z: ZipBuilder<W>, entries: u32) -> W {
            z.add_dir("b/").unwrap();
            let text = "خبر ".repeat(100).into_bytes();
            let mut r = &text[..];
            z.add_stream(
                "b/a.txt",
                Method::Deflated,
                text.len() as u64,
                &mut r,
                |_| {},
            )
            .unwrap();
            for i in 0..entries {
                z.add_packed(&format!("b/{i:06}"), &pack("data/x", vec![b'x'; 10]))
                    .unwrap();
            }
            z.finish().unwrap()
        }
        // Below and beyond the 65,535 entries that need ZIP64 end records.
        for entries in [3, 70_000] {
            let date = dos_date(Some("2026-11-28"));
            let want = write(ZipBuilder::new(Cursor::new(Vec::new()), date), entries);
            let central = tempfile::tempfile().unwrap();
            let got = write(
                ZipBuilder::with_central_file(Cursor::new(Vec::new()), date, central),
                entries,
            );
            assert!(got.get_ref() == want.get_ref(), "{entries} entries");
        }
    }

    #[test]
    fn stream_of_wrong_size_is_refused() {
        let mut z = ZipBuilder::new(Cursor::new(Vec::new()), dos_date(None));
        let mut r = &b"abc"[..];
        assert!(
            z.add_stream("b/x", Method::Stored, 4, &mut r, |_| {})
                .is_err()
        );
        let mut r = &b"abcde"[..];
        assert!(
            z.add_stream("b/y", Method::Deflated, 4, &mut r, |_| {})
                .is_err()
        );
    }

    #[test]
    fn dates() {
        assert_eq!(dos_date(Some("2026-11-28")), (46 << 9) | (11 << 5) | 28);
        assert_eq!(dos_date(Some("1970-01-01")), (1 << 5) | 1);
        assert_eq!(dos_date(Some("yesterday")), (1 << 5) | 1);
        assert_eq!(dos_date(None), (1 << 5) | 1);
    }

    #[test]
    fn compression_rule() {
        assert!(!should_deflate("data/empty.bin", b""));
        assert!(should_deflate("manifest-sha256.txt", b"x"));
        assert!(should_deflate("data/a.TXT", b"x"));
        assert!(should_deflate("data/a.bin", &[0u8; 4096]));
        let mut x = 0x1234_5678_u32;
        let noise: Vec<u8> = (0..8192)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x.to_le_bytes()[0]
            })
            .collect();
        assert!(!should_deflate("data/a.jpg", &noise));
    }
}
