//! SHA-512 and SHA-256 implementations side by side, in one process, with
//! interleaved rounds so a busy machine slows every candidate alike.
//!
//! Usage: `sha512-candidates [MiB] [rounds] [chunk KiB]` (defaults 256, 5,
//! 256: newsbag hashes 256 KiB chunks). Prints, per candidate, the median
//! wall-clock throughput and the CPU time of the calling thread. See
//! README.md.

use std::time::{Duration, Instant};

use sha2::Digest as _;

/// One candidate: a name and a function hashing `data` in `chunk`-sized
/// updates, returning the digest.
type Run = fn(&[u8], usize) -> Vec<u8>;

fn sha2_512(data: &[u8], chunk: usize) -> Vec<u8> {
    let mut h = sha2::Sha512::new();
    data.chunks(chunk).for_each(|c| h.update(c));
    h.finalize().to_vec()
}

fn sha2_256(data: &[u8], chunk: usize) -> Vec<u8> {
    let mut h = sha2::Sha256::new();
    data.chunks(chunk).for_each(|c| h.update(c));
    h.finalize().to_vec()
}

fn ring_512(data: &[u8], chunk: usize) -> Vec<u8> {
    let mut h = ring::digest::Context::new(&ring::digest::SHA512);
    data.chunks(chunk).for_each(|c| h.update(c));
    h.finish().as_ref().to_vec()
}

fn ring_256(data: &[u8], chunk: usize) -> Vec<u8> {
    let mut h = ring::digest::Context::new(&ring::digest::SHA256);
    data.chunks(chunk).for_each(|c| h.update(c));
    h.finish().as_ref().to_vec()
}

fn awslc_512(data: &[u8], chunk: usize) -> Vec<u8> {
    let mut h = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA512);
    data.chunks(chunk).for_each(|c| h.update(c));
    h.finish().as_ref().to_vec()
}

fn awslc_256(data: &[u8], chunk: usize) -> Vec<u8> {
    let mut h = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    data.chunks(chunk).for_each(|c| h.update(c));
    h.finish().as_ref().to_vec()
}

fn openssl_512(data: &[u8], chunk: usize) -> Vec<u8> {
    let mut h = openssl::sha::Sha512::new();
    data.chunks(chunk).for_each(|c| h.update(c));
    h.finish().to_vec()
}

fn openssl_256(data: &[u8], chunk: usize) -> Vec<u8> {
    let mut h = openssl::sha::Sha256::new();
    data.chunks(chunk).for_each(|c| h.update(c));
    h.finish().to_vec()
}

/// CPU time (user + system) of the calling thread, from
/// /proc/thread-self/stat (clock ticks of 10 ms).
fn thread_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start past ')'.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 here.
    let ticks = f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("numeric arguments"))
        .collect();
    let mib = args.first().copied().unwrap_or(256);
    let rounds = args.get(1).copied().unwrap_or(5);
    let chunk = args.get(2).copied().unwrap_or(256) * 1024;
    let only = std::env::var("CANDIDATES").unwrap_or_default();

    let backend = if cfg!(sha2_backend = "soft") {
        "soft (--cfg sha2_backend=\"soft\")"
    } else {
        "default (run-time detection: SHA-NI for SHA-256, AVX2 for SHA-512)"
    };
    let all: [(&str, Run); 8] = [
        ("sha512 sha2 0.11", sha2_512),
        ("sha512 ring 0.17", ring_512),
        ("sha512 aws-lc-rs 1", awslc_512),
        ("sha512 openssl 0.10 (libssl3)", openssl_512),
        ("sha256 sha2 0.11", sha2_256),
        ("sha256 ring 0.17", ring_256),
        ("sha256 aws-lc-rs 1", awslc_256),
        ("sha256 openssl 0.10 (libssl3)", openssl_256),
    ];
    let candidates: Vec<(&str, Run)> = all
        .into_iter()
        .filter(|(n, _)| only.is_empty() || only.split(',').any(|o| n.contains(o)))
        .collect();

    let data: Vec<u8> = (0..mib * 1024 * 1024)
        .map(|i| ((i as u32).wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();

    // Every candidate of an algorithm must agree before any figure counts.
    for alg in ["sha512", "sha256"] {
        let digests: Vec<Vec<u8>> = candidates
            .iter()
            .filter(|(n, _)| n.starts_with(alg))
            .map(|(_, f)| f(&data[..1 << 20], chunk))
            .collect();
        assert!(
            digests.windows(2).all(|w| w[0] == w[1]),
            "{alg} candidates disagree"
        );
    }

    let mut wall: Vec<Vec<f64>> = vec![Vec::new(); candidates.len()];
    let mut cpu: Vec<Vec<f64>> = vec![Vec::new(); candidates.len()];
    for _ in 0..rounds {
        for (i, (_, f)) in candidates.iter().enumerate() {
            let c0 = thread_cpu();
            let t0 = Instant::now();
            std::hint::black_box(f(std::hint::black_box(&data), chunk));
            wall[i].push(t0.elapsed().as_secs_f64());
            cpu[i].push((thread_cpu() - c0).as_secs_f64());
        }
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "# {mib} MiB in {} KiB updates, {rounds} interleaved rounds, sha2 backend: {backend}; load average {}",
        chunk / 1024,
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "{:<32} {:>10} {:>10} {:>12}",
        "candidate", "MB/s wall", "s wall", "s CPU"
    );
    let mb = (mib * 1024 * 1024) as f64 / 1e6;
    for (i, (name, _)) in candidates.iter().enumerate() {
        let w = median(wall[i].clone());
        let c = median(cpu[i].clone());
        println!("{name:<32} {:>10.0} {w:>10.3} {c:>12.2}", mb / w);
    }
}
