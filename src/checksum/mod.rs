//! Checksum algorithms, one-pass multi-algorithm hashing and hex digests.
//!
//! Every file is read once, whatever the number of algorithms: small inputs go
//! through [`MultiHasher`] chunk by chunk; large files go through
//! [`hash_reader`] (module `stream`), which reads on one thread and hashes
//! each algorithm on its own thread, so SHA-512 (no CPU extension here) runs
//! beside SHA-256 instead of after it, and reading overlaps hashing: a big
//! file with the default algorithms takes the time of SHA-512 alone. The
//! chunks go round a fixed pool of buffers, so memory stays bounded and
//! nothing is copied.
//!
//! SHA-512 and SHA-384 are OpenSSL's (the fastest of the implementations
//! measured on this machine, `docs/performance.md`), the others RustCrypto's.

use std::fmt;
use std::str::FromStr;

use sha2::Digest as _;

use crate::error::Error;

mod stream;

pub use stream::{CHUNK, PARALLEL_THRESHOLD, hash_file, hash_reader};

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

/// Hashes an in-memory byte string with every algorithm.
pub fn hash_bytes(bytes: &[u8], algorithms: &[Algorithm]) -> Vec<(Algorithm, Digest)> {
    let mut h = MultiHasher::new(algorithms);
    h.update(bytes);
    h.finish().1
}

#[cfg(test)]
mod tests {
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

    /// On rayon's pool, a large chunk is hashed by the algorithms
    /// concurrently: the digests are those of one thread.
    #[test]
    fn joined_update_on_the_pool_equals_one_thread() {
        let data: Vec<u8> = (0..3 * JOIN_THRESHOLD + 5)
            .map(|i| u8::try_from(i % 251).unwrap())
            .collect();
        let one = hash_bytes(&data, &Algorithm::ALL);
        let pooled = rayon::scope(|_| {
            assert!(rayon::current_thread_index().is_some());
            hash_bytes(&data, &Algorithm::ALL)
        });
        assert_eq!(pooled, one);
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
