//! Detection plus normalisation throughput measured in CPU time, for
//! machines whose cores are shared (where criterion's wall-clock figures of
//! `benches/encoding.rs` swing with the load). Reads the process's CPU time
//! from `/proc/self/stat`.
//!
//! ```sh
//! cargo run --release --example encoding_throughput
//! ```
//!
//! `ROUNDS=100` (default 3000) makes it short enough for
//! `valgrind --tool=callgrind`; `ONLY=persian-utf-8` measures one input.
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    reason = "a measuring example"
)]

use std::time::Instant;

use newsbag::encoding;

/// CPU seconds used by this process (user + system), from /proc.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

fn main() {
    let seed = include_str!("../tests/fixtures/encoding/seed.txt");
    let mut persian = String::new();
    while persian.len() < 16 * 1024 {
        persian.push_str(seed);
        persian.push('\n');
    }
    let cp1256 = encoding::encoding_for_label("windows-1256").unwrap();
    let persian_1256 = cp1256.encode(&persian.replace('ی', "ي")).0.into_owned();
    // Other scripts: the corpus's short articles repeated to about 16 KiB
    // of UTF-8, in their usual legacy encoding.
    let article = |lang: &str, label: &str| -> Vec<u8> {
        let path = format!(
            "{}/tests/fixtures/encoding/corpus/{lang}/utf-8/article.txt",
            env!("CARGO_MANIFEST_DIR")
        );
        let one = std::fs::read_to_string(path).unwrap();
        let mut text = String::new();
        while text.len() < 16 * 1024 {
            text.push_str(&one);
            text.push('\n');
        }
        let enc = encoding::encoding_for_label(label).unwrap();
        if label.starts_with("utf-16le") {
            return text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        }
        enc.encode(&text).0.into_owned()
    };
    for (name, bytes) in [
        ("persian-windows-1256", persian_1256),
        ("persian-utf-8", persian.clone().into_bytes()),
        ("arabic-windows-1256", article("ar", "windows-1256")),
        ("persian-utf-16le-nobom", article("fa", "utf-16le")),
        ("russian-windows-1251", article("ru", "windows-1251")),
        ("greek-iso-8859-7", article("el", "iso-8859-7")),
        ("japanese-shift_jis", article("ja", "shift_jis")),
        ("chinese-gbk", article("zh-hans", "gbk")),
        ("russian-koi8-r", article("ru", "koi8-r")),
        ("ukrainian-windows-1251", article("uk", "windows-1251")),
        ("hebrew-windows-1255", article("he", "windows-1255")),
        ("czech-windows-1250", article("cs", "windows-1250")),
        ("polish-iso-8859-2", article("pl", "iso-8859-2")),
        ("turkish-windows-1254", article("tr", "windows-1254")),
        ("german-windows-1252", article("de", "windows-1252")),
        ("japanese-euc-jp", article("ja", "euc-jp")),
        ("korean-euc-kr", article("ko", "euc-kr")),
        ("chinese-big5", article("zh-hant", "big5")),
    ] {
        if std::env::var("ONLY").is_ok_and(|only| only != name) {
            continue;
        }
        let rounds = std::env::var("ROUNDS")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(3000);
        let (cpu0, wall0) = (cpu_seconds().unwrap_or(0.0), Instant::now());
        let mut out = 0usize;
        for _ in 0..rounds {
            out += std::hint::black_box(encoding::to_text(&bytes, None))
                .text
                .len();
        }
        let cpu = cpu_seconds().unwrap_or(0.0) - cpu0;
        let wall = wall0.elapsed().as_secs_f64();
        let cpu1 = cpu_seconds().unwrap_or(0.0);
        for _ in 0..rounds {
            std::hint::black_box(encoding::detect(&bytes, None));
        }
        let detect_us = (cpu_seconds().unwrap_or(0.0) - cpu1) * 1e6 / rounds as f64;
        println!("{name}: detection alone {detect_us:.0} µs CPU per input");
        let mib = (bytes.len() * rounds) as f64 / (1024.0 * 1024.0);
        println!(
            "{name}: {} bytes x {rounds}: {:.1} MiB/s per CPU second, {:.1} MiB/s wall ({out} bytes out)",
            bytes.len(),
            mib / cpu.max(1e-9),
            mib / wall
        );
    }
}
