//! Hashing what a reader yields, read once for every algorithm: small
//! inputs in one pass on the calling thread, large ones by a pipeline (this
//! thread reads, one thread per algorithm hashes, the chunks going round a
//! fixed pool of buffers).

use std::io::{self, Read};
use std::sync::Arc;
use std::sync::mpsc;

use super::{Algorithm, Digest, Hasher, MultiHasher};

/// Size of the chunks read by [`hash_reader`]. 64 KiB, not 256: the pool
/// of chunks (512 KiB) then stays in a core's L2 cache, and the kernel's
/// copy into it and both hashes read cached lines. Measured on a 2-core
/// AMD EPYC, `verify` of a 1 GiB file: system time 0.32 – 0.55 s against
/// 0.69 – 0.80 s with 256 KiB chunks, the CPU of the two hashes the same
/// (docs/performance.md).
pub const CHUNK: usize = 64 * 1024;

/// Inputs at least this large are hashed with one thread per algorithm and a
/// reading thread (see [`hash_reader`]); smaller ones on the calling thread.
pub const PARALLEL_THRESHOLD: u64 = 4 * 1024 * 1024;

/// Buffers of [`CHUNK`] bytes a large input is read into, reused round and
/// round: the most memory one large input takes (512 KiB), and enough for the
/// reader to run ahead of the slowest algorithm.
const POOL: usize = 8;

/// Reads `reader` to its end once and returns the number of bytes and the
/// digests of `algorithms`.
///
/// `size_hint` is the expected size, if known: large inputs are hashed by a
/// pipeline (this thread reads, one scoped thread per algorithm hashes),
/// with at most 8 chunks of [`CHUNK`] bytes in memory, so memory stays
/// bounded. `on_bytes` is called with the number of bytes of each chunk
/// read (for progress bars).
///
/// The result is the digest of what was read, however long: a caller that
/// knows how long the input must be compares the length (or calls
/// [`hash_file`], which does).
pub fn hash_reader<R: Read>(
    mut reader: R,
    algorithms: &[Algorithm],
    size_hint: Option<u64>,
    on_bytes: &mut dyn FnMut(u64),
) -> io::Result<(u64, Vec<(Algorithm, Digest)>)> {
    // With no algorithm there is nothing to hash beside the reading: the
    // bytes are only counted, in one pass.
    let large = size_hint.is_some_and(|s| s >= PARALLEL_THRESHOLD) && !algorithms.is_empty();
    if !large {
        // One reusable buffer per thread: zeroing a fresh 64 KiB buffer for
        // each of 100,000 small files would cost more than hashing them. It
        // is taken out while in use: a rayon thread waiting in
        // `MultiHasher::update`'s join may run another file's hashing, which
        // then makes a buffer of its own.
        thread_local! {
            static BUF: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
        }
        let mut buf = BUF.take();
        if buf.len() < CHUNK {
            buf.resize(CHUNK, 0);
        }
        let result = hash_one_pass(&mut reader, algorithms, &mut buf, on_bytes);
        BUF.set(buf);
        return result;
    }
    hash_pipeline(reader, algorithms, on_bytes)
}

/// Reads `reader` to its end through `buf`, hashing on this thread.
fn hash_one_pass<R: Read>(
    reader: &mut R,
    algorithms: &[Algorithm],
    buf: &mut [u8],
    on_bytes: &mut dyn FnMut(u64),
) -> io::Result<(u64, Vec<(Algorithm, Digest)>)> {
    let mut hasher = MultiHasher::new(algorithms);
    loop {
        let n = read_retrying(reader, buf)?;
        if n == 0 {
            return Ok(hasher.finish());
        }
        on_bytes(n as u64);
        hasher.update(&buf[..n]);
    }
}

/// Hashes a file known to hold `expected` bytes (its size when it was
/// listed) and returns its digests, or an error if it turned out to hold a
/// different number: it changed while it was read (truncated, rewritten or
/// appended to), and the digests of part of a file must never stand for the
/// file's. Large files are hashed as by [`hash_reader`].
pub fn hash_file<R: Read>(
    reader: R,
    algorithms: &[Algorithm],
    expected: u64,
    on_bytes: &mut dyn FnMut(u64),
) -> io::Result<Vec<(Algorithm, Digest)>> {
    let (len, digests) = hash_reader(reader, algorithms, Some(expected), on_bytes)?;
    if len == expected {
        Ok(digests)
    } else {
        Err(io::Error::other(format!(
            "the file changed while it was being read: {len} bytes read, {expected} expected"
        )))
    }
}

fn read_retrying<R: Read>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// Fills `buf` as far as possible; returns the number of bytes read (short
/// only at end of input).
fn read_full<R: Read>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        let n = read_retrying(reader, &mut buf[filled..])?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    Ok(filled)
}

/// A chunk read, shared by the hashing threads: `len` bytes of `buf`.
struct Chunk {
    buf: Vec<u8>,
    len: usize,
}

fn hash_pipeline<R: Read>(
    mut reader: R,
    algorithms: &[Algorithm],
    on_bytes: &mut dyn FnMut(u64),
) -> io::Result<(u64, Vec<(Algorithm, Digest)>)> {
    std::thread::scope(|scope| {
        // Buffers come back here from the last hashing thread done with them.
        let (free_tx, free_rx) = mpsc::channel::<Vec<u8>>();
        let mut senders = Vec::with_capacity(algorithms.len());
        let mut handles = Vec::with_capacity(algorithms.len());
        for &algorithm in algorithms {
            // Never more than POOL chunks exist, so a send never blocks.
            let (tx, rx) = mpsc::sync_channel::<Arc<Chunk>>(POOL);
            let free = free_tx.clone();
            senders.push(tx);
            handles.push(scope.spawn(move || {
                let mut h = Hasher::new(algorithm);
                for chunk in rx {
                    h.update(&chunk.buf[..chunk.len]);
                    if let Some(done) = Arc::into_inner(chunk) {
                        // The reader may have stopped (read error): then the
                        // buffer is simply freed.
                        let _ = free.send(done.buf);
                    }
                }
                (algorithm, h.finish())
            }));
        }
        drop(free_tx);
        let mut made = 0;
        let mut total = 0u64;
        let mut result = Ok(());
        loop {
            let mut buf = if made < POOL {
                made += 1;
                vec![0u8; CHUNK]
            } else {
                match free_rx.recv() {
                    Ok(buf) => buf,
                    // Every hashing thread is gone: one panicked, and the
                    // join below passes its panic on.
                    Err(_) => break,
                }
            };
            match read_full(&mut reader, &mut buf) {
                Ok(0) => break,
                Ok(len) => {
                    total += len as u64;
                    on_bytes(len as u64);
                    // The chunk goes to every hashing thread, the last one
                    // taking this thread's reference: whichever of them is
                    // done with it last hands the buffer back. (A hashing
                    // thread only stops when its channel closes, or if it
                    // panicked: the join below reports that.)
                    let chunk = Arc::new(Chunk { buf, len });
                    for tx in senders.iter().skip(1) {
                        let _ = tx.send(Arc::clone(&chunk));
                    }
                    if let Some(tx) = senders.first() {
                        let _ = tx.send(chunk);
                    }
                }
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        drop(senders);
        let digests: Vec<(Algorithm, Digest)> = handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect();
        result.map(|()| (total, digests))
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use sha2::Digest as _;

    use super::*;
    use crate::checksum::{JOIN_THRESHOLD, hash_bytes};

    #[test]
    fn pipeline_equals_single_pass() {
        let len = usize::try_from(PARALLEL_THRESHOLD).unwrap() + 12345;
        let data: Vec<u8> = (0..len)
            .map(|i| u8::try_from(i * 7 % 251).unwrap())
            .collect();
        let mut seen = 0;
        let (n, par) = hash_reader(
            &data[..],
            &Algorithm::DEFAULT,
            Some(data.len() as u64),
            &mut |b| seen += b,
        )
        .unwrap();
        assert_eq!(n, data.len() as u64);
        assert_eq!(seen, n);
        assert_eq!(par, hash_bytes(&data, &Algorithm::DEFAULT));
        let (_, small) = hash_reader(&data[..], &Algorithm::DEFAULT, None, &mut |_| {}).unwrap();
        assert_eq!(small, par);
        // No algorithm: the bytes are still all counted.
        let hint = Some(data.len() as u64);
        let (n, none) = hash_reader(&data[..], &[], hint, &mut |_| {}).unwrap();
        assert_eq!((n, none), (data.len() as u64, Vec::new()));
    }

    /// The digest of `data` by an implementation other than newsbag's for
    /// that algorithm: RustCrypto's sha2 for SHA-512 and SHA-384 (which
    /// newsbag takes from OpenSSL), OpenSSL for the others.
    fn independent(a: Algorithm, data: &[u8]) -> Vec<u8> {
        use openssl::hash::{MessageDigest, hash};
        let md = match a {
            Algorithm::Sha512 => return sha2::Sha512::digest(data).to_vec(),
            Algorithm::Sha384 => return sha2::Sha384::digest(data).to_vec(),
            Algorithm::Md5 => MessageDigest::md5(),
            Algorithm::Sha1 => MessageDigest::sha1(),
            Algorithm::Sha224 => MessageDigest::sha224(),
            Algorithm::Sha256 => MessageDigest::sha256(),
        };
        hash(md, data).unwrap().to_vec()
    }

    /// Sizes on every buffer boundary: hash blocks (64 and 128 bytes), the
    /// rayon join threshold, the chunk, the pipeline threshold and the pool.
    fn boundaries() -> Vec<usize> {
        let t = usize::try_from(PARALLEL_THRESHOLD).unwrap();
        vec![
            0,
            64,
            128,
            JOIN_THRESHOLD,
            CHUNK,
            2 * CHUNK,
            t,
            t + CHUNK,
            POOL * CHUNK,
            t + POOL * CHUNK,
            t + 2 * POOL * CHUNK,
        ]
    }

    /// Reads its data in the irregular pieces `steps` gives (0 stands for
    /// an `Interrupted` error, which readers must retry, then one byte).
    struct Jerky<'a> {
        data: &'a [u8],
        steps: Vec<usize>,
        at: usize,
        interrupted: bool,
    }

    impl Read for Jerky<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let step = self.steps[self.at % self.steps.len()];
            if step == 0 && !self.interrupted {
                self.interrupted = true;
                return Err(io::ErrorKind::Interrupted.into());
            }
            self.interrupted = false;
            self.at += 1;
            let n = step.max(1).min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    fn sample(len: usize, seed: u8) -> Vec<u8> {
        (0..len)
            .map(|i| u8::try_from((i * 7 + usize::from(seed) * 13) % 251).unwrap())
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Every algorithm, every path (one pass, pipeline, MultiHasher fed
        /// in pieces), on sizes around every buffer boundary, read in
        /// irregular pieces with interruptions: the digest of an
        /// independent implementation.
        #[test]
        fn digests_equal_an_independent_implementation(
            boundary in proptest::sample::select(boundaries()),
            delta in -129isize..=129,
            seed in any::<u8>(),
            steps in proptest::collection::vec(
                prop_oneof![Just(0usize), 1usize..300, 1000usize..300_000],
                1..6,
            ),
        ) {
            let len = boundary.saturating_add_signed(delta);
            let data = sample(len, seed);
            let want: Vec<(Algorithm, Vec<u8>)> =
                Algorithm::ALL.iter().map(|&a| (a, independent(a, &data))).collect();
            let got = |d: Vec<(Algorithm, Digest)>| -> Vec<(Algorithm, Vec<u8>)> {
                d.into_iter().map(|(a, d)| (a, d.as_bytes().to_vec())).collect()
            };
            for hint in [Some(len as u64), None] {
                let r = Jerky { data: &data, steps: steps.clone(), at: 0, interrupted: false };
                let (n, d) = hash_reader(r, &Algorithm::ALL, hint, &mut |_| {}).unwrap();
                prop_assert_eq!(n, len as u64);
                prop_assert_eq!(&got(d), &want);
            }
            let mut h = MultiHasher::new(&Algorithm::ALL);
            let mut rest = &data[..];
            for &step in steps.iter().cycle() {
                if rest.is_empty() {
                    break;
                }
                let n = step.max(1).min(rest.len());
                h.update(&rest[..n]);
                rest = &rest[n..];
            }
            prop_assert_eq!(&got(h.finish().1), &want);
        }
    }

    /// The same sizes against the `openssl dgst` command, when it is there
    /// (required when `NEWSBAG_REQUIRE_PEERS=1`, as in `.ci/run`).
    #[test]
    fn digests_equal_openssl_dgst() {
        let found = std::process::Command::new("openssl")
            .arg("version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !found {
            assert!(
                std::env::var("NEWSBAG_REQUIRE_PEERS").as_deref() != Ok("1"),
                "openssl is not on PATH"
            );
            eprintln!("skipping: openssl not on PATH");
            return;
        }
        let tmp = tempfile::tempdir().unwrap();
        for boundary in boundaries() {
            for delta in [-1, 0, 1] {
                let len = boundary.saturating_add_signed(delta);
                let data = sample(len, 1);
                let path = tmp.path().join(format!("f{len}"));
                std::fs::write(&path, &data).unwrap();
                let file = std::fs::File::open(&path).unwrap();
                let ours = hash_file(file, &Algorithm::ALL, len as u64, &mut |_| {}).unwrap();
                for (a, d) in ours {
                    let out = std::process::Command::new("openssl")
                        .args(["dgst", "-r", &format!("-{a}")])
                        .arg(&path)
                        .output()
                        .unwrap();
                    assert!(out.status.success(), "openssl dgst -{a}");
                    let text = String::from_utf8(out.stdout).unwrap();
                    assert_eq!(
                        text.split(' ').next(),
                        Some(&*d.to_hex()),
                        "{a}, {len} bytes"
                    );
                }
            }
        }
    }

    /// A file that shrinks while it is hashed: an error, never the digest
    /// of what was left, through both paths (one pass and pipeline).
    #[test]
    fn a_file_that_shrinks_while_hashed_is_an_error() {
        /// Truncates the file to `to` bytes after the first read.
        struct Shrinking {
            file: std::fs::File,
            other: std::fs::File,
            to: u64,
            reads: usize,
        }
        impl Read for Shrinking {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                self.reads += 1;
                if self.reads == 2 {
                    self.other.set_len(self.to)?;
                }
                self.file.read(buf)
            }
        }
        let tmp = tempfile::tempdir().unwrap();
        for len in [
            3 * CHUNK,
            usize::try_from(PARALLEL_THRESHOLD).unwrap() + 5 * CHUNK,
        ] {
            let path = tmp.path().join("shrinks");
            std::fs::write(&path, sample(len, 2)).unwrap();
            let reader = Shrinking {
                file: std::fs::File::open(&path).unwrap(),
                other: std::fs::OpenOptions::new().write(true).open(&path).unwrap(),
                to: 2 * CHUNK as u64,
                reads: 0,
            };
            let err = hash_file(reader, &Algorithm::DEFAULT, len as u64, &mut |_| {}).unwrap_err();
            assert!(
                err.to_string().contains("changed while it was being read"),
                "{err}"
            );
            let mut grown = sample(len, 2);
            grown.push(0);
            let err =
                hash_file(&grown[..], &Algorithm::DEFAULT, len as u64, &mut |_| {}).unwrap_err();
            assert!(
                err.to_string().contains(&format!("{} bytes read", len + 1)),
                "{err}"
            );
        }
    }

    /// A read error part-way is returned as the error, on both paths.
    #[test]
    fn a_read_error_is_returned_not_a_digest() {
        struct Failing(usize);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0 == 0 {
                    return Err(io::Error::other("disk on fire"));
                }
                let n = buf.len().min(self.0);
                buf[..n].fill(7);
                self.0 -= n;
                Ok(n)
            }
        }
        for len in [
            CHUNK + 1,
            usize::try_from(PARALLEL_THRESHOLD).unwrap() + POOL * CHUNK + 1,
        ] {
            let hint = Some(len as u64 * 2);
            let err =
                hash_reader(Failing(len), &Algorithm::DEFAULT, hint, &mut |_| {}).unwrap_err();
            assert_eq!(err.to_string(), "disk on fire");
            let err =
                hash_reader(Failing(len), &Algorithm::DEFAULT, None, &mut |_| {}).unwrap_err();
            assert_eq!(err.to_string(), "disk on fire");
        }
    }

    /// Many files of a few hundred KiB hashed on one pool: a thread waiting
    /// in a join runs other files' hashing meanwhile, which must neither
    /// share its buffer (a panic, with a `RefCell`) nor mix up digests.
    #[test]
    fn files_hashed_inside_a_join_get_their_own_buffer() {
        use rayon::prelude::*;
        let files: Vec<Vec<u8>> = (0..48u8)
            .map(|i| sample(2 * JOIN_THRESHOLD + usize::from(i) * 4099, i))
            .collect();
        let want: Vec<_> = files
            .iter()
            .map(|f| hash_bytes(f, &Algorithm::ALL))
            .collect();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        for _ in 0..10 {
            let got: Vec<_> = pool.install(|| {
                files
                    .par_iter()
                    .map(|f| {
                        let hint = Some(f.len() as u64);
                        hash_reader(&f[..], &Algorithm::ALL, hint, &mut |_| {})
                            .unwrap()
                            .1
                    })
                    .collect()
            });
            assert_eq!(got, want);
        }
    }
}
