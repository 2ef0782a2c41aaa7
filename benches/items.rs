//! Parsing throughput of news items: a 5,000-item RSS feed (Persian and
//! English items), and the seed text item.
//!
//! Run: `cargo bench --bench items`. Not run in CI.
//!
//! 2026-11-28, 2 shared cores: the 5,000-item feed (3.1 MiB) parses in
//! about 230 ms (≈14 MiB/s), far under the 2 s budget.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use newsbag::item::{self, ItemFormat};

fn feed(n: usize) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
         xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><channel>\
         <title>دیارمیرزا</title><link>https://example.org</link><language>fa</language>\n",
    );
    for i in 0..n {
        s.push_str(&format!(
            "<item><title>خبر شماره {i} — news {i}</title>\
             <link>https://example.org/news/{i}/</link><guid>https://example.org/?p={i}</guid>\
             <pubDate>Tue, 10 Jun 2003 04:00:00 GMT</pubDate><dc:creator>نویسنده</dc:creator>\
             <category>رشت</category><description><![CDATA[<p>به گزارش پایگاه اطلاع رسانی […]</p>]]></description>\
             <content:encoded><![CDATA[<p>به گزارش پایگاه اطلاع رسانی دیارمیرزا اولین جلسه هم اندیشی ستاد توسعه پایدار شهرداری رشت برگزار شد.</p>\
             <p>Second paragraph &amp; more text for item {i}.</p>]]></content:encoded></item>\n"
        ));
    }
    s.push_str("</channel></rss>\n");
    s
}

fn bench(c: &mut Criterion) {
    let rss = feed(5_000);
    let mut g = c.benchmark_group("items");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(rss.len() as u64));
    g.bench_function("rss-5000-items", |b| {
        b.iter(|| black_box(item::parse(&rss, ItemFormat::Rss).map(|v| v.len())))
    });
    let seed = include_str!("../archive/inbox/seed-fa-utf8.txt");
    g.throughput(Throughput::Bytes(seed.len() as u64));
    g.bench_function("seed-text", |b| {
        b.iter(|| black_box(item::parse(seed, ItemFormat::Text).map(|v| v.len())))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
