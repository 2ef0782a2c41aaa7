//! Throughput of detection plus normalisation (`encoding::to_text`) on
//! article-sized inputs: the seed article (about 4 KiB of Persian) in
//! windows-1256 and UTF-8, and a Russian article in windows-1251, each
//! repeated to about 16 KiB.
//!
//! ```sh
//! cargo bench --bench encoding
//! ```
//!
//! The figure for docs/encoding.md is the `thrpt` line (MiB/s, one core).
#![allow(missing_docs, clippy::unwrap_used, reason = "a benchmark")]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use newsbag::encoding;

fn article(text: &str, target: usize) -> String {
    let mut out = String::new();
    while out.len() < target {
        out.push_str(text);
        out.push('\n');
    }
    out
}

fn inputs() -> Vec<(&'static str, Vec<u8>)> {
    let seed = include_str!("../tests/fixtures/encoding/seed.txt");
    let persian = article(seed, 16 * 1024);
    let persian_1256 = encoding_rs::WINDOWS_1256
        .encode(&persian.replace('ی', "ي"))
        .0
        .into_owned();
    let russian = article(
        "В среду в Санкт-Петербурге открылся международный экономический форум. \
         В нём принимают участие представители более ста стран, в том числе главы \
         крупнейших компаний.",
        16 * 1024,
    );
    let russian_1251 = encoding_rs::WINDOWS_1251.encode(&russian).0.into_owned();
    vec![
        ("persian-windows-1256", persian_1256),
        ("persian-utf-8", persian.into_bytes()),
        ("russian-windows-1251", russian_1251),
    ]
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("detect+normalize");
    for (name, bytes) in inputs() {
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| encoding::to_text(black_box(&bytes), None));
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
