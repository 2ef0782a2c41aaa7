//! The reader on `object_store`'s in-memory store (the same code path as
//! S3 but the HTTP client; tests/integration/s3.rs runs it against a real
//! Garage server): every byte as in the file, whatever the reads and
//! seeks, and verification reports equal to the local ones.

use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use object_store::ObjectStoreExt;
use object_store::memory::InMemory;

use super::reader::{MAX_WINDOW, PART};
use super::*;
use crate::bag::BagOptions;
use crate::progress::NoProgress;
use crate::report::Level;
use crate::serialize::bag_to_zip;
use crate::verify::{verify_zip, verify_zip_reader};

fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()[0]
        })
        .collect()
}

/// A zipped bag with one large file (several windows) and small ones.
fn zipped_bag(dir: &Path) -> std::path::PathBuf {
    let src = dir.join("src");
    fs::create_dir_all(src.join("items")).unwrap();
    fs::write(src.join("big.bin"), noise(12 << 20, 7)).unwrap();
    for i in 0..30 {
        fs::write(
            src.join(format!("items/{i:02}.txt")),
            noise(3000 + i * 50, i as u64),
        )
        .unwrap();
    }
    let zip = dir.join("bag.zip");
    bag_to_zip(
        &src,
        &zip,
        &BagOptions::new("2000-01-01"),
        &NoProgress,
        &|_, _| Ok(()),
    )
    .unwrap();
    zip
}

fn memory_store() -> Store {
    Store::over(Arc::new(InMemory::new()), "memory").unwrap()
}

fn problems(report: &crate::Report) -> serde_json::Value {
    serde_json::to_value(&report.problems).unwrap()
}

#[test]
fn reads_and_seeks_give_the_file_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let zip = zipped_bag(dir.path());
    let bytes = fs::read(&zip).unwrap();
    let store = memory_store();
    store.upload(&zip, "a/bag.zip").unwrap();
    let mut r = store.open("a/bag.zip").unwrap();
    assert_eq!(r.len(), bytes.len() as u64);
    // Sequentially, in odd-sized reads: windows grow, read-ahead runs.
    let mut all = Vec::new();
    let mut buf = vec![0; 70_001];
    loop {
        let n = r.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        all.extend_from_slice(&buf[..n]);
    }
    assert!(all == bytes, "sequential read differs");
    assert!(store.stats().peak_buffered() <= 2 * MAX_WINDOW + PART);
    // Seeks anywhere, from each end, and clones that do not disturb it.
    let mut x: u64 = 12345;
    for _ in 0..200 {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let at = x % (bytes.len() as u64 + 10);
        let len = usize::try_from((x >> 40) % 50_000).unwrap();
        let mut other = r.clone();
        other.seek(SeekFrom::End(-1)).unwrap();
        r.seek(SeekFrom::Start(at)).unwrap();
        let mut got = vec![0; len];
        let n = read_full(&mut r, &mut got);
        let from = usize::try_from(at).unwrap().min(bytes.len());
        let want = &bytes[from..(from + len).min(bytes.len())];
        assert_eq!(&got[..n], want, "at {at} len {len}");
        let mut last = [0u8; 2];
        assert_eq!(other.read(&mut last).unwrap(), 1);
        assert_eq!(last[0], bytes[bytes.len() - 1]);
    }
    assert!(
        r.seek(SeekFrom::Current(-(bytes.len() as i64) * 2))
            .is_err()
    );
}

fn read_full(r: &mut impl Read, out: &mut [u8]) -> usize {
    let mut n = 0;
    while n < out.len() {
        match r.read(&mut out[n..]).unwrap() {
            0 => break,
            k => n += k,
        }
    }
    n
}

#[test]
fn verification_in_the_store_equals_local_verification() {
    let dir = tempfile::tempdir().unwrap();
    let zip = zipped_bag(dir.path());
    let bad = dir.path().join("bad.zip");
    let mut bytes = fs::read(&zip).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x55;
    fs::write(&bad, &bytes).unwrap();
    let store = memory_store();
    store.upload(&zip, "a/bag.zip").unwrap();
    store.upload(&bad, "a/b/bad.ZIP").unwrap();
    store.upload(&zip, "ab/other.zip").unwrap();
    store.upload(&zip, "a/notes.txt").unwrap();
    assert_eq!(store.list_zips("a").unwrap(), ["a/b/bad.ZIP", "a/bag.zip"]);
    assert_eq!(store.list_zips("").unwrap().len(), 3);
    let size = bytes.len() as u64;
    for (local, key) in [(&zip, "a/bag.zip"), (&bad, "a/b/bad.ZIP")] {
        for level in [Level::Fast, Level::Completeness, Level::Fixity] {
            let want = verify_zip(local, level, &NoProgress).unwrap();
            let before = store.stats().bytes_read();
            let reader = store.open(key).unwrap();
            let got = verify_zip_reader(reader, local, level, &NoProgress).unwrap();
            let read = store.stats().bytes_read() - before;
            assert_eq!(problems(&got), problems(&want), "{key} {level:?}");
            if level == Level::Fast {
                assert!(read * 50 < size, "{level:?} read {read} of {size}");
            }
            if level == Level::Fixity {
                // A corrupt payload byte shows only when hashing.
                assert_eq!(got.is_valid(), key == "a/bag.zip");
                assert!(
                    read >= size - 1024 && read < size + size / 20,
                    "read {read} of {size}"
                );
            }
        }
    }
}

#[test]
fn an_object_replaced_while_read_is_an_error_not_a_mix() {
    let dir = tempfile::tempdir().unwrap();
    let zip = zipped_bag(dir.path());
    let store = memory_store();
    store.upload(&zip, "bag.zip").unwrap();
    let mut r = store.open("bag.zip").unwrap();
    let mut head = [0u8; 4];
    r.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"PK\x03\x04");
    let client = Arc::clone(&store.inner.client);
    store
        .inner
        .rt
        .block_on(
            client
                .s3
                .put(&ObjectPath::from("bag.zip"), b"other"[..].into()),
        )
        .unwrap();
    r.seek(SeekFrom::End(-100)).unwrap();
    let err = r.read(&mut head).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    assert!(
        err.to_string().contains("changed while it was read"),
        "{err}"
    );
    assert!(err.to_string().contains("s3://memory/bag.zip"), "{err}");
}

#[test]
fn missing_objects_are_errors_naming_them() {
    let store = memory_store();
    let err = store.open("a/none.zip").unwrap_err().to_string();
    assert_eq!(
        err,
        "failed to open `s3://memory/a/none.zip`: no such object or bucket"
    );
    assert!(store.list_zips("a").unwrap().is_empty());
}
