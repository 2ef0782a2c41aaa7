use std::io::Write;

use proptest::prelude::*;

use super::*;

/// A record as a WARC writer writes it.
fn record(kind: &str, id: u32, block: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "WARC/1.1\r\nWARC-Type: {kind}\r\nWARC-Record-ID: <urn:uuid:{id:08}>\r\n\
         WARC-Target-URI: http://example.org/{id}\r\nContent-Length: {}\r\n\r\n",
        block.len()
    )
    .into_bytes();
    r.extend_from_slice(block);
    r.extend_from_slice(b"\r\n\r\n");
    r
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// Reads every record, keeping blocks up to `max`.
fn read_all(bytes: &[u8], max: u64) -> Vec<Result<Record, WarcError>> {
    let mut r = WarcReader::new(bytes).unwrap();
    let mut out = Vec::new();
    while let Some(rec) = r.next_record(|_| Some(max)) {
        out.push(rec);
    }
    out
}

fn kept(r: &Result<Record, WarcError>) -> &[u8] {
    match &r.as_ref().unwrap().block {
        Block::Kept(b) => b,
        Block::Skipped => panic!("skipped"),
    }
}

#[test]
fn sniffs_plain_and_gzipped_warcs() {
    let r = record("warcinfo", 1, b"x");
    assert!(is_warc(&r));
    assert!(is_warc(&gzip(&r)));
    assert!(!is_warc(b"<html>"));
    assert!(!is_warc(&gzip(b"<html>")));
    assert!(!is_warc(b"WARC/"));
}

#[test]
fn reads_plain_records_with_offsets() {
    let a = record("warcinfo", 1, b"format: WARC");
    let b = record("response", 2, b"HTTP/1.1 200 OK\r\n\r\nhi");
    let file = [a.clone(), b.clone()].concat();
    let recs = read_all(&file, 1000);
    assert_eq!(recs.len(), 2);
    let h = &recs[1].as_ref().unwrap().header;
    assert_eq!(h.offset, a.len() as u64);
    assert!(h.member_start);
    assert_eq!(h.warc_type(), "response");
    assert_eq!(h.record_id(), Some("urn:uuid:00000002"));
    assert_eq!(h.target_uri(), Some("http://example.org/2"));
    assert_eq!(kept(&recs[1]), b"HTTP/1.1 200 OK\r\n\r\nhi");
    // The raw header is exactly what the file holds.
    assert!(b.starts_with(&h.raw));
}

#[test]
fn reads_gzip_members_with_their_offsets() {
    let a = gzip(&record("warcinfo", 1, b"a"));
    let b = gzip(&record("response", 2, b"bb"));
    let c = gzip(&record("resource", 3, b"ccc"));
    let file = [a.clone(), b.clone(), c].concat();
    let mut r = WarcReader::new(&file[..]).unwrap();
    assert_eq!(r.compression(), Compression::Gzip);
    let mut offsets = Vec::new();
    while let Some(rec) = r.next_record(|_| Some(10)) {
        let rec = rec.unwrap();
        assert!(rec.header.member_start);
        offsets.push(rec.header.offset);
    }
    assert_eq!(offsets, [0, a.len() as u64, (a.len() + b.len()) as u64]);
}

#[test]
fn reads_a_whole_file_gzip() {
    let plain = [
        record("warcinfo", 1, b"a"),
        record("response", 2, b"bb"),
        record("metadata", 3, b"c"),
    ]
    .concat();
    let recs = read_all(&gzip(&plain), 10);
    assert_eq!(recs.len(), 3);
    let h = &recs[2].as_ref().unwrap().header;
    assert_eq!(h.offset, 0);
    assert!(!h.member_start);
    assert_eq!(kept(&recs[2]), b"c");
}

#[test]
fn skips_blocks_it_does_not_keep() {
    let file = [
        record("response", 1, &[b'x'; 5000]),
        record("request", 2, b"r"),
    ]
    .concat();
    let mut r = WarcReader::new(&file[..]).unwrap();
    let first = r.next_record(|_| Some(100)).unwrap().unwrap();
    assert_eq!(first.block, Block::Skipped);
    let second = r.next_record(|_| None).unwrap().unwrap();
    assert_eq!(second.header.record_id(), Some("urn:uuid:00000002"));
    assert!(r.next_record(|_| None).is_none());
}

/// A record whose Content-Length says `len` whatever its block holds.
fn lying(id: u32, block: &[u8], len: usize) -> Vec<u8> {
    let good = record("response", id, block);
    let s = String::from_utf8(good).unwrap();
    s.replace(
        &format!("Content-Length: {}", block.len()),
        &format!("Content-Length: {len}"),
    )
    .into_bytes()
}

#[test]
fn a_short_content_length_is_reported_and_reading_goes_on() {
    for gz in [false, true] {
        let parts = [
            record("warcinfo", 1, b"a"),
            lying(2, b"hello world", 5),
            record("response", 3, b"ok"),
        ];
        let file: Vec<u8> = if gz {
            parts.iter().flat_map(|p| gzip(p)).collect()
        } else {
            parts.concat()
        };
        let recs = read_all(&file, 100);
        assert_eq!(recs.len(), 3, "gzip {gz}");
        let e = recs[1].as_ref().unwrap_err();
        assert!(e.reason.contains("wrong Content-Length"), "{e}");
        assert!(!e.fatal);
        assert_eq!(
            e.offset,
            if gz {
                gzip(&parts[0]).len()
            } else {
                parts[0].len()
            } as u64
        );
        assert_eq!(kept(&recs[2]), b"ok");
    }
}

#[test]
fn a_long_content_length_in_a_gzip_member_stops_at_the_member() {
    let parts = [lying(1, b"hello", 500), record("response", 2, b"ok")];
    let file: Vec<u8> = parts.iter().flat_map(|p| gzip(p)).collect();
    let recs = read_all(&file, 1000);
    assert_eq!(recs.len(), 2);
    let e = recs[0].as_ref().unwrap_err();
    assert!(e.reason.contains("truncated"), "{e}");
    assert_eq!(kept(&recs[1]), b"ok");
}

#[test]
fn a_truncated_last_record_is_reported() {
    let a = record("response", 1, b"one");
    let b = record("response", 2, b"two two two");
    let file = [a, b[..b.len() - 8].to_vec()].concat();
    let recs = read_all(&file, 100);
    assert_eq!(recs.len(), 2);
    assert!(recs[1].as_ref().unwrap_err().reason.contains("truncated"));
    // Truncated gzip: a fatal error, then the end.
    let g = gzip(&record("response", 1, &[b'z'; 3000]));
    let recs = read_all(&g[..g.len() / 2], 10_000);
    assert_eq!(recs.len(), 1);
    assert!(recs[0].is_err());
}

#[test]
fn a_huge_header_is_refused_in_bounded_memory() {
    let mut file = b"WARC/1.0\r\nX: ".to_vec();
    file.extend(std::iter::repeat_n(b'a', 10 * MAX_HEADER_BYTES));
    let recs = read_all(&file, 10);
    let e = recs[0].as_ref().unwrap_err();
    assert!(e.reason.contains("longer than"), "{e}");
}

#[test]
fn garbage_is_not_a_record() {
    let file = [b"junk\r\n\r\n".to_vec(), record("response", 1, b"x")].concat();
    let recs = read_all(&file, 10);
    assert!(
        recs[0]
            .as_ref()
            .unwrap_err()
            .reason
            .contains("not a WARC record")
    );
    assert_eq!(kept(&recs[1]), b"x");
    let bad = b"WARC/1.0\r\nContent-Length: nine\r\n\r\n".to_vec();
    assert!(
        read_all(&bad, 10)[0]
            .as_ref()
            .unwrap_err()
            .reason
            .contains("Content-Length")
    );
    let none = b"WARC/1.0\r\nWARC-Type: x\r\n\r\n".to_vec();
    assert!(
        read_all(&none, 10)[0]
            .as_ref()
            .unwrap_err()
            .reason
            .contains("no Content-Length")
    );
}

#[test]
fn a_gzip_bomb_is_refused() {
    // 1 GiB of zeros in one member (about 1 MB compressed), claimed as a block.
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let header = format!(
        "WARC/1.0\r\nWARC-Type: resource\r\nContent-Length: {}\r\n\r\n",
        1u64 << 30
    );
    e.write_all(header.as_bytes()).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..1024 {
        e.write_all(&zeros).unwrap();
    }
    let bomb = e.finish().unwrap();
    let recs = read_all(&bomb, 0);
    let e = recs[0].as_ref().unwrap_err();
    assert!(e.fatal && e.reason.contains("gzip bomb"), "{e}");
}

#[test]
fn payload_digests_in_base32_and_hex() {
    // sha1("abc") = a9993e36…, base32 VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5.
    assert_eq!(
        check_digest("sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5", &[b"x", b"abc"]),
        DigestCheck::Matches(1)
    );
    assert_eq!(
        check_digest("sha1:a9993e364706816aba3e25717850c26c9cd0d89d", &[b"abc"]),
        DigestCheck::Matches(0)
    );
    assert_eq!(
        check_digest("sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5", &[b"abd"]),
        DigestCheck::Mismatch
    );
    assert!(matches!(
        check_digest("md5:xx", &[b"a"]),
        DigestCheck::Unchecked(_)
    ));
    assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
}

proptest! {
    /// Writer and reader agree: any records, plain, gzipped per record or
    /// whole, come back with their blocks and offsets.
    #[test]
    fn records_roundtrip(blocks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 1..8),
                         mode in 0u8..3) {
        let recs: Vec<Vec<u8>> = blocks.iter().enumerate()
            .map(|(i, b)| record("resource", u32::try_from(i).unwrap(), b)).collect();
        let file: Vec<u8> = match mode {
            0 => recs.concat(),
            1 => recs.iter().flat_map(|r| gzip(r)).collect(),
            _ => gzip(&recs.concat()),
        };
        let read = read_all(&file, 1000);
        prop_assert_eq!(read.len(), blocks.len());
        let (mut offset, mut stream) = (0u64, 0u64);
        for ((r, b), raw) in read.iter().zip(&blocks).zip(&recs) {
            let r = r.as_ref().unwrap();
            prop_assert_eq!(&r.block, &Block::Kept(b.clone()));
            // Where the record lies in the decompressed stream, whole.
            prop_assert_eq!(r.header.stream_offset, stream);
            prop_assert_eq!(r.length, raw.len() as u64);
            stream += raw.len() as u64;
            if mode == 0 {
                prop_assert_eq!(r.header.offset, offset);
                offset += raw.len() as u64;
            } else if mode == 1 {
                prop_assert_eq!(r.header.offset, offset);
                offset += gzip(raw).len() as u64;
            }
        }
    }

    #[test]
    fn never_panics(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let mut prefixed = b"WARC/1.0\r\n".to_vec();
        prefixed.extend_from_slice(&bytes);
        for input in [&bytes[..], &prefixed[..]] {
            let mut r = WarcReader::new(input).unwrap();
            let mut n = 0;
            while let Some(_rec) = r.next_record(|_| Some(100)) {
                n += 1;
                prop_assert!(n < 1000);
            }
        }
    }
}
