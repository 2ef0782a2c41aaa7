#![no_main]
//! The WARC reader and the HTTP response parser on any bytes (gzip
//! included: the reader decompresses what starts with its magic bytes): never a panic, always an end, and every record kept has the
//! block its Content-Length says.
use libfuzzer_sys::fuzz_target;
use newsbag::warc::http::{dechunk, decode_content, parse_response};
use newsbag::warc::{Block, WarcReader, is_warc};

fn read_all(bytes: &[u8]) {
    let Ok(mut r) = WarcReader::new(bytes) else {
        return;
    };
    let mut n = 0usize;
    while let Some(rec) = r.next_record(|_| Some(1 << 20)) {
        n += 1;
        assert!(n <= bytes.len() + 1, "more records than bytes");
        if let Ok(rec) = rec {
            if let Block::Kept(block) = &rec.block {
                assert_eq!(block.len() as u64, rec.header.content_length);
                if let Ok(resp) = parse_response(block) {
                    let _ = dechunk(resp.body, 1 << 20);
                    if let Some(c) = resp.get("Content-Encoding") {
                        let _ = decode_content(resp.body, c, 1 << 20);
                    }
                }
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = is_warc(data);
    read_all(data);
    let mut prefixed = b"WARC/1.1\r\n".to_vec();
    prefixed.extend_from_slice(data);
    read_all(&prefixed);
});
