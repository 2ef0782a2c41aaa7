//! Checksum algorithms, one-pass multi-algorithm hashing and hex digests.
//!
//! Every file is read once, whatever the number of algorithms: small inputs go
//! through [`MultiHasher`] chunk by chunk; large files go through
//! [`hash_reader`], which reads on one thread and hashes each algorithm on its
//! own thread, so SHA-512 (no CPU extension here) runs beside SHA-256 instead of
//! after it, and reading overlaps hashing: a big file with the default
//! algorithms takes the time of SHA-512 alone. The chunks go round a fixed
//! pool of buffers, so memory stays bounded and nothing is copied.
//!
//! SHA-512 and SHA-384 are OpenSSL's (the fastest of the implementations
//! measured on this machine, `docs/performance.md`), the others RustCrypto's.

use std::fmt;
use std::io::{self, Read};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::mpsc;

use sha2::Digest as _;

use crate::error::Error;

/// A checksum algorithm that can appear in a manifest file name
/// (`manifest-<algorithm>.txt`, RFC 8493 §2.1.3 and §2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    /// MD5 (legacy; only for reading old bags or on request).
    Md5,
    /// SHA-1 (legacy).
    Sha1,
    /// SHA-224.
    Sha224,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl Algorithm {
    /// Every algorithm newsbag knows, weakest first.
    pub const ALL: [Algorithm; 6] = [
        Algorithm::Md5,
        Algorithm::Sha1,
        Algorithm::Sha224,
        Algorithm::Sha256,
        Algorithm::Sha384,
        Algorithm::Sha512,
    ];

    /// The default algorithms for new bags: SHA-512 and SHA-256.
    pub const DEFAULT: [Algorithm; 2] = [Algorithm::Sha512, Algorithm::Sha256];

    /// The name used in manifest file names (`sha256`).
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Md5 => "md5",
            Algorithm::Sha1 => "sha1",
            Algorithm::Sha224 => "sha224",
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha384 => "sha384",
            Algorithm::Sha512 => "sha512",
        }
    }

    /// Length of the digest in hexadecimal digits.
    pub fn hex_len(self) -> usize {
        match self {
            Algorithm::Md5 => 32,
            Algorithm::Sha1 => 40,
            Algorithm::Sha224 => 56,
            Algorithm::Sha256 => 64,
            Algorithm::Sha384 => 96,
            Algorithm::Sha512 => 128,
        }
    }

    /// The payload manifest file name for this algorithm.
    pub fn manifest_name(self) -> String {
        format!("manifest-{}.txt", self.as_str())
    }

    /// The tag manifest file name for this algorithm.
    pub fn tag_manifest_name(self) -> String {
        format!("tagmanifest-{}.txt", self.as_str())
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Algorithm {
    type Err = Error;

    /// Parses `sha256`, `SHA-256`, `sha-256` and so on.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm: String = s
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .collect::<String>()
            .to_ascii_lowercase();
        Algorithm::ALL
            .into_iter()
            .find(|a| a.as_str() == norm)
            .ok_or_else(|| Error::UnknownAlgorithm { name: s.to_owned() })
    }
}

/// A digest (at most 512 bits), stored as bytes and shown as lowercase
/// hexadecimal. Compact on purpose: a bag of a million files holds millions.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Digest {
    len: u8,
    bytes: [u8; 64],
}

impl Digest {
    /// Builds a digest from raw bytes (at most 64; longer input is cut).
    pub fn from_bytes(bytes: &[u8]) -> Self {
        let mut d = Digest {
            len: 0,
            bytes: [0; 64],
        };
        let n = bytes.len().min(64);
        d.bytes[..n].copy_from_slice(&bytes[..n]);
        d.len = u8::try_from(n).unwrap_or(64);
        d
    }

    /// Parses a hexadecimal digest as found in a manifest (any case).
    /// Returns `None` unless `s` is an even number (2 to 128) of hex digits.
    pub fn from_hex(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.is_empty() || !b.len().is_multiple_of(2) || b.len() > 128 {
            return None;
        }
        let nibble = |c: u8| char::from(c).to_digit(16);
        let mut d = Digest {
            len: 0,
            bytes: [0; 64],
        };
        for (i, pair) in b.chunks_exact(2).enumerate() {
            let hi = nibble(pair[0])?;
            let lo = nibble(pair[1])?;
            d.bytes[i] = u8::try_from(hi * 16 + lo).ok()?;
        }
        d.len = u8::try_from(b.len() / 2).ok()?;
        Some(d)
    }

    /// The raw digest bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// The lowercase hexadecimal text.
    pub fn to_hex(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut buf = [0u8; 128];
        let bytes = self.as_bytes();
        for (i, b) in bytes.iter().enumerate() {
            buf[2 * i] = HEX[usize::from(b >> 4)];
            buf[2 * i + 1] = HEX[usize::from(b & 15)];
        }
        // Only ASCII hex digits were written.
        f.write_str(std::str::from_utf8(&buf[..2 * bytes.len()]).unwrap_or_default())
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

impl serde::Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A running hash of one algorithm.
#[derive(Clone)]
enum Hasher {
    Md5(md5::Md5),
    Sha1(sha1::Sha1),
    Sha224(sha2::Sha224),
    Sha256(sha2::Sha256),
    Sha384(openssl::sha::Sha384),
    Sha512(openssl::sha::Sha512),
}

impl Hasher {
    fn new(algorithm: Algorithm) -> Self {
        match algorithm {
            Algorithm::Md5 => Hasher::Md5(md5::Md5::new()),
            Algorithm::Sha1 => Hasher::Sha1(sha1::Sha1::new()),
            Algorithm::Sha224 => Hasher::Sha224(sha2::Sha224::new()),
            Algorithm::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            Algorithm::Sha384 => Hasher::Sha384(openssl::sha::Sha384::new()),
            Algorithm::Sha512 => Hasher::Sha512(openssl::sha::Sha512::new()),
        }
    }

    fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Md5(h) => h.update(data),
            Hasher::Sha1(h) => h.update(data),
            Hasher::Sha224(h) => h.update(data),
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sha384(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
        }
    }

    fn finish(self) -> Digest {
        match self {
            Hasher::Md5(h) => Digest::from_bytes(&h.finalize()),
            Hasher::Sha1(h) => Digest::from_bytes(&h.finalize()),
            Hasher::Sha224(h) => Digest::from_bytes(&h.finalize()),
            Hasher::Sha256(h) => Digest::from_bytes(&h.finalize()),
            Hasher::Sha384(h) => Digest::from_bytes(&h.finish()),
            Hasher::Sha512(h) => Digest::from_bytes(&h.finish()),
        }
    }
}

/// Hashes the same bytes with several algorithms in one pass.
///
/// ```
/// use newsbag::checksum::{Algorithm, MultiHasher};
/// let mut h = MultiHasher::new(&[Algorithm::Sha256]);
/// h.update(b"abc");
/// let (len, digests) = h.finish();
/// assert_eq!(len, 3);
/// assert_eq!(
///     digests[0].1.to_hex(),
///     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/// );
/// ```
#[derive(Clone)]
pub struct MultiHasher {
    hashers: Vec<(Algorithm, Hasher)>,
    len: u64,
}

impl MultiHasher {
    /// A hasher for each of `algorithms`.
    pub fn new(algorithms: &[Algorithm]) -> Self {
        MultiHasher {
            hashers: algorithms.iter().map(|&a| (a, Hasher::new(a))).collect(),
            len: 0,
        }
    }

    /// Feeds bytes to every algorithm.
    ///
    /// On a thread of rayon's pool, a chunk of at least [`JOIN_THRESHOLD`]
    /// bytes is hashed by the algorithms concurrently (`rayon::join`, on the
    /// same buffer): an idle core takes one of them, and when every core is
    /// busy (many small files) both run here, one after the other, as before.
    pub fn update(&mut self, data: &[u8]) {
        self.len += data.len() as u64;
        if data.len() >= JOIN_THRESHOLD && rayon::current_thread_index().is_some() {
            update_joined(&mut self.hashers, data);
        } else {
            for (_, h) in &mut self.hashers {
                h.update(data);
            }
        }
    }

    /// The number of bytes hashed and the digest of each algorithm, in the
    /// order they were given.
    pub fn finish(self) -> (u64, Vec<(Algorithm, Digest)>) {
        (
            self.len,
            self.hashers
                .into_iter()
                .map(|(a, h)| (a, h.finish()))
                .collect(),
        )
    }
}

/// Chunks at least this large are hashed by the algorithms of a
/// [`MultiHasher`] concurrently, when called on rayon's pool.
pub const JOIN_THRESHOLD: usize = 64 * 1024;

/// Hashes `data` with every hasher, splitting them in two halves for
/// `rayon::join` until one is left.
fn update_joined(hashers: &mut [(Algorithm, Hasher)], data: &[u8]) {
    match hashers {
        [] => {}
        [(_, h)] => h.update(data),
        _ => {
            let (a, b) = hashers.split_at_mut(hashers.len() / 2);
            rayon::join(|| update_joined(a, data), || update_joined(b, data));
        }
    }
}

/// Size of the chunks read by [`hash_reader`].
pub const CHUNK: usize = 256 * 1024;

/// Inputs at least this large are hashed with one thread per algorithm and a
/// reading thread (see [`hash_reader`]); smaller ones on the calling thread.
pub const PARALLEL_THRESHOLD: u64 = 4 * 1024 * 1024;

/// Buffers of [`CHUNK`] bytes a large input is read into, reused round and
/// round: the most memory one large input takes (2 MiB), and enough for the
/// reader to run ahead of the slowest algorithm.
const POOL: usize = 8;

/// Reads `reader` to its end once and returns the number of bytes and the
/// digests of `algorithms`.
///
/// `size_hint` is the expected size, if known: large inputs are hashed by a
/// pipeline (this thread reads, one scoped thread per algorithm hashes), with
/// at most [`POOL`] chunks in memory, so memory stays bounded. `on_bytes` is
/// called with the number of bytes of each chunk read (for progress bars).
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
    let large = size_hint.is_some_and(|s| s >= PARALLEL_THRESHOLD);
    if !large {
        // One reusable buffer per thread: zeroing a fresh 256 KiB buffer for
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
                    for tx in &senders[1..] {
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

/// Hashes an in-memory byte string with every algorithm.
pub fn hash_bytes(bytes: &[u8], algorithms: &[Algorithm]) -> Vec<(Algorithm, Digest)> {
    let mut h = MultiHasher::new(algorithms);
    h.update(bytes);
    h.finish().1
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use sha2::Digest as _;

    use super::*;

    // Known answers for "abc" (FIPS 180-2 and RFC 1321 test vectors).
    const ABC: [(Algorithm, &str); 6] = [
        (Algorithm::Md5, "900150983cd24fb0d6963f7d28e17f72"),
        (Algorithm::Sha1, "a9993e364706816aba3e25717850c26c9cd0d89d"),
        (
            Algorithm::Sha224,
            "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7",
        ),
        (
            Algorithm::Sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
        (
            Algorithm::Sha384,
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
        ),
        (
            Algorithm::Sha512,
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        ),
    ];

    #[test]
    fn known_answers() {
        let got = hash_bytes(b"abc", &Algorithm::ALL);
        for ((a, d), (ea, ed)) in got.iter().zip(ABC) {
            assert_eq!(*a, ea);
            assert_eq!(d.to_hex(), ed, "{a}");
            assert_eq!(d.to_hex().len(), a.hex_len());
        }
    }

    #[test]
    fn names_parse() {
        for (s, a) in [
            ("sha256", Algorithm::Sha256),
            ("SHA-512", Algorithm::Sha512),
            ("md5", Algorithm::Md5),
            ("sha_1", Algorithm::Sha1),
        ] {
            assert_eq!(s.parse::<Algorithm>().unwrap(), a);
        }
        assert!("blake3".parse::<Algorithm>().is_err());
        assert!("".parse::<Algorithm>().is_err());
    }

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

    /// On rayon's pool, a large chunk is hashed by the algorithms
    /// concurrently: the digests are those of one thread.
    #[test]
    fn joined_update_on_the_pool_equals_one_thread() {
        let data = sample(3 * JOIN_THRESHOLD + 5, 3);
        let one = hash_bytes(&data, &Algorithm::ALL);
        let pooled = rayon::scope(|_| {
            assert!(rayon::current_thread_index().is_some());
            hash_bytes(&data, &Algorithm::ALL)
        });
        assert_eq!(pooled, one);
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

    #[test]
    fn digest_hex() {
        assert_eq!(Digest::from_bytes(&[0, 0xab, 0xff]).to_hex(), "00abff");
        assert_eq!(Digest::from_hex("ABcd").unwrap().to_hex(), "abcd");
        assert_eq!(Digest::from_hex("00").unwrap().as_bytes(), [0]);
        assert!(Digest::from_hex("xyz").is_none());
        assert!(Digest::from_hex("abc").is_none());
        assert!(Digest::from_hex("+1").is_none());
        assert!(Digest::from_hex("").is_none());
        assert!(Digest::from_hex(&"a".repeat(130)).is_none());
    }
}
