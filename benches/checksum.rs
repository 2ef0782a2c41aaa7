//! Hashing throughput: one algorithm, both default algorithms in one pass
//! on one thread and on rayon's pool (`MultiHasher::update` joins the
//! algorithms there), and the reader + thread-per-algorithm pipeline that
//! `verify` uses for large files.
//!
//! Run: `cargo bench --bench checksum`. Not run in CI.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use newsbag::checksum::{Algorithm, MultiHasher, hash_reader};

fn bench(c: &mut Criterion) {
    let data: Vec<u8> = (0..64 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let mut g = c.benchmark_group("hash-64MiB");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.sample_size(10);
    for (name, algs) in [
        ("sha256", &[Algorithm::Sha256][..]),
        ("sha512", &[Algorithm::Sha512][..]),
        ("sha256+sha512 one thread", &Algorithm::DEFAULT[..]),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut h = MultiHasher::new(algs);
                for chunk in data.chunks(256 * 1024) {
                    h.update(chunk);
                }
                black_box(h.finish())
            });
        });
    }
    g.bench_function("sha256+sha512 on rayon's pool (joined)", |b| {
        b.iter(|| {
            rayon::scope(|_| {
                let mut h = MultiHasher::new(&Algorithm::DEFAULT);
                for chunk in data.chunks(256 * 1024) {
                    h.update(chunk);
                }
                black_box(h.finish())
            })
        });
    });
    for (name, algs) in [
        ("pipeline sha256", &[Algorithm::Sha256][..]),
        ("pipeline sha256+sha512", &Algorithm::DEFAULT[..]),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                black_box(hash_reader(
                    &data[..],
                    algs,
                    Some(data.len() as u64),
                    &mut |_| {},
                ))
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
