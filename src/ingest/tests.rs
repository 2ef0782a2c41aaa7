use std::io::Read;
use std::path::Path;

use super::bag_zip::new_dirs;
use super::names::{Ids, slug, unique_id};
use super::prepare::fragments;
use super::*;
use crate::encoding;
use crate::item::ItemFormat;

/// [`ingest`] with `limits`, its summary.
fn ingest_limited(inputs: &[Input], options: &IngestOptions, limits: Limits) -> IngestSummary {
    ingest_with(
        inputs,
        options,
        &crate::progress::NoProgress,
        limits,
        |_| (),
    )
    .unwrap()
    .0
}

#[test]
fn slugs() {
    for (hint, want) in [
        (
            "https://example.org/news/2023/09/rasht-isfahan-meeting/",
            Some("rasht-isfahan-meeting"),
        ),
        (
            "urn:uuid:1225C695-CFB8-4EBB-AAAA-80DA344EFA6A",
            Some("1225c695-cfb8-4ebb-aaaa-80da344efa6a"),
        ),
        ("seed-fa-utf8.txt", Some("seed-fa-utf8")),
        ("?p=123", Some("123")),
        ("---", None),
        ("خبر", None),
    ] {
        assert_eq!(slug(hint).as_deref(), want, "{hint}");
    }
    assert!(slug(&"a".repeat(100)).is_some_and(|s| s.len() == 64));
}

#[test]
fn batches_are_bounded_by_count_and_bytes() {
    let big = vec![0u8; usize::try_from(BATCH_BYTES / 2 + 1).unwrap()];
    let small = b"x".to_vec();
    let sources: Vec<(String, Source<'_>)> = (0..600)
        .map(|i| {
            let b: &[u8] = if (10..13).contains(&i) { &big } else { &small };
            (format!("{i}"), Source::Bytes(b))
        })
        .collect();
    let mut it = sources.into_iter().peekable();
    let mut got = Vec::new();
    let mut start = 0;
    while let Some(batch) = next_batch(&mut it) {
        assert_eq!(batch[0].0, start.to_string());
        got.push(start..start + batch.len());
        start += batch.len();
    }
    assert_eq!(got, [0..11, 11..12, 12..268, 268..524, 524..600]);
}

#[test]
fn a_bag_past_the_entry_limit_is_refused_early_and_nothing_is_left() {
    let tmp = tempfile::tempdir().unwrap();
    let inbox = tmp.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    for i in 0..40 {
        std::fs::write(
            inbox.join(format!("{i:03}.txt")),
            format!("Title {i}\n\nBody of news item {i}.\n"),
        )
        .unwrap();
    }
    let archive = tmp.path().join("archive");
    let mut options = IngestOptions::new(&archive, "2020-01-01", "2020-01-01T00:00:00Z");
    options.name = Some("big".into());
    let inputs = [Input::Path(inbox.clone())];
    // 40 items of 4 payload files each and a directory: 200 entries.
    options.max_entries = 150;
    let err = ingest(&inputs, &options, &crate::progress::NoProgress).unwrap_err();
    assert!(
        matches!(err, Error::TooManyEntries { limit: 150, items } if items <= 40),
        "{err}"
    );
    assert!(!archive.join("bags/big.zip").exists());
    let leftovers: Vec<_> = std::fs::read_dir(&archive)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(
        leftovers.iter().all(|n| n == "bags"),
        "nothing but bags/ may remain: {leftovers:?}"
    );
    // Within the limit the same inputs make a bag.
    options.max_entries = 400;
    let summary = ingest(&inputs, &options, &crate::progress::NoProgress).unwrap();
    assert_eq!(summary.items, 40);
}

/// Inputs of every kind: text in nested directories, HTML, a feed of
/// several items, a duplicate.
fn mixed_inbox(inbox: &Path) {
    for d in ["a", "b/c", "b-2"] {
        std::fs::create_dir_all(inbox.join(d)).unwrap();
        for i in 0..7 {
            std::fs::write(
                inbox.join(format!("{d}/{i:02}.txt")),
                format!("خبر {d} {i}\n\nمتن خبر شماره {i}.\n"),
            )
            .unwrap();
        }
    }
    std::fs::write(inbox.join("a/dup.txt"), "خبر a 0\n\nمتن خبر شماره 0.\n").unwrap();
    std::fs::write(
        inbox.join("page.html"),
        "<html><head><title>Page</title></head><body><p>Body</p></body></html>",
    )
    .unwrap();
    let items: String = (0..5)
        .map(|i| {
            format!(
                "<item><title>t{i}</title><guid>https://example.org/n/{i}</guid>\
                 <description>d{i}</description></item>"
            )
        })
        .collect();
    std::fs::write(
        inbox.join("feed.xml"),
        format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>F</title>{items}</channel></rss>"),
    )
    .unwrap();
}

/// The entries of a ZIP: name and uncompressed bytes, in order.
fn entries(zip: &Path) -> Vec<(String, Vec<u8>)> {
    let mut a = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
    (0..a.len())
        .map(|i| {
            let mut f = a.by_index(i).unwrap();
            let mut v = Vec::new();
            f.read_to_end(&mut v).unwrap();
            (f.name().unwrap().into_owned(), v)
        })
        .collect()
}

#[test]
fn the_index_on_disk_and_streamed_tag_files_make_the_same_bag() {
    let tmp = tempfile::tempdir().unwrap();
    let inbox = tmp.path().join("inbox");
    mixed_inbox(&inbox);
    let inputs = [Input::Path(inbox)];
    let make = |archive: &str, limits: Limits| {
        let archive = tmp.path().join(archive);
        let mut options = IngestOptions::new(&archive, "2020-01-01", "2020-01-01T00:00:00Z");
        options.name = Some("bag".into());
        let summary = ingest_limited(&inputs, &options, limits);
        assert_eq!(summary.items, 27);
        assert_eq!(summary.duplicates.len(), 1);
        // Nothing is left in the archive but the bag.
        let left: Vec<_> = std::fs::read_dir(&archive)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(left, ["bags"]);
        summary.bag
    };
    let in_memory = make("memory", Limits::default());
    let bytes = std::fs::read(&in_memory).unwrap();
    // Runs of every length, down to one record.
    for run in [1, 2, 7, 50] {
        let spilled = make(
            &format!("run{run}"),
            Limits {
                run,
                ..Limits::default()
            },
        );
        assert!(std::fs::read(&spilled).unwrap() == bytes, "run of {run}");
    }
    // Tag files streamed rather than packed in memory: other compressed
    // bytes, the same entries.
    let streamed = make(
        "streamed",
        Limits {
            run: 3,
            in_memory: 0,
        },
    );
    assert_ne!(std::fs::read(&streamed).unwrap(), bytes);
    let want = entries(&in_memory);
    assert_eq!(entries(&streamed), want);
    // Every directory has its entry, just before what is in it.
    let names: Vec<&str> = want.iter().map(|(n, _)| n.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
    for n in &names {
        if let Some((parent, _)) = n.trim_end_matches('/').rsplit_once('/') {
            assert!(names.contains(&format!("{parent}/").as_str()), "{n}");
        }
    }
}

#[test]
fn new_directories() {
    for (prev, path, want) in [
        ("", "bagit.txt", &[][..]),
        (
            "bagit.txt",
            "data/items/a/dc.xml",
            &["data/", "data/items/", "data/items/a/"][..],
        ),
        ("data/items/a/dc.xml", "data/items/a/text.txt", &[]),
        ("data/items/a-2/x", "data/items/a/x", &["data/items/a/"]),
        ("data/items/a/x", "data/items/ab/x", &["data/items/ab/"]),
        ("data/x", "data/x/y", &["data/x/"]),
        ("data/feeds/f/original.xml", "manifest-sha256.txt", &[]),
        ("manifest-sha512.txt", "metadata/dc.xml", &["metadata/"]),
        ("data/é/x", "data/è/x", &["data/è/"]),
    ] {
        let got: Vec<&str> = new_dirs(prev, path).collect();
        assert_eq!(got, want, "{prev} → {path}");
    }
}

#[test]
fn unique_ids() {
    let mut used = Ids::default();
    assert_eq!(unique_id("a", &mut used), "a");
    assert_eq!(unique_id("a", &mut used), "a-2");
    assert_eq!(unique_id("a", &mut used), "a-3");
    let long = "x".repeat(64);
    assert_eq!(unique_id(&long, &mut used), long);
    assert_eq!(unique_id(&long, &mut used).len(), 64);
}

#[test]
fn feed_fragments() {
    let feed = b"<rss><channel><item><title>a</title></item>\n<item id=\"2\"><title>b</title></item><items/></channel></rss>";
    let det = encoding::detect(feed, None);
    let r = fragments(feed, &det, ItemFormat::Rss, 2).unwrap();
    assert_eq!(&feed[r[0].clone()], b"<item><title>a</title></item>");
    assert_eq!(
        &feed[r[1].clone()],
        b"<item id=\"2\"><title>b</title></item>"
    );
    assert!(fragments(feed, &det, ItemFormat::Rss, 3).is_none());
}

#[test]
fn names() {
    assert_eq!(
        derive_name("archive/inbox", "2026-11-28"),
        "inbox-2026-11-28"
    );
    assert!(check_name("ok-name_1.0").is_ok());
    for bad in ["", "../x", ".hidden", "a/b", "a b"] {
        assert!(check_name(bad).is_err(), "{bad}");
    }
}

/// A WARC of `n` captured pages (plain, or a gzip member per record).
fn crawl(n: usize, gz: bool) -> Vec<u8> {
    use std::io::Write;
    let mut out = Vec::new();
    for i in 0..n {
        let body = format!(
            "<html><head><title>Page {i}</title></head><body><article><p>News number {i}, \
             with words enough to be a page: {}</p></article></body></html>",
            "lorem ipsum ".repeat(i % 17 + 1)
        );
        let http =
            format!("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{body}");
        let rec = format!(
            "WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:{i:08}>\r\n\
             WARC-Target-URI: http://example.org/n/{i}\r\nWARC-Date: 2026-01-01T00:00:00Z\r\n\
             Content-Type: application/http; msgtype=response\r\nContent-Length: {}\r\n\r\n{http}\r\n\r\n",
            http.len()
        );
        if gz {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(rec.as_bytes()).unwrap();
            out.extend(e.finish().unwrap());
        } else {
            out.extend_from_slice(rec.as_bytes());
        }
    }
    out
}

#[test]
fn a_warc_streamed_through_the_spool_gives_the_same_entries() {
    let tmp = tempfile::tempdir().unwrap();
    for gz in [false, true] {
        let warc = crawl(300, gz);
        let input = tmp.path().join(format!("crawl-{gz}.bin"));
        std::fs::write(&input, &warc).unwrap();
        let inputs = [Input::Path(input)];
        let make = |archive: &str, limits: Limits| {
            let archive = tmp.path().join(format!("{archive}-{gz}"));
            let mut options = IngestOptions::new(&archive, "2020-01-01", "2020-01-01T00:00:00Z");
            options.name = Some("bag".into());
            let summary = ingest_limited(&inputs, &options, limits);
            assert_eq!(summary.items, 300);
            assert_eq!(summary.inputs, 1);
            assert_eq!(summary.bytes, warc.len() as u64);
            let left: Vec<_> = std::fs::read_dir(&archive)
                .unwrap()
                .flatten()
                .map(|e| e.file_name())
                .collect();
            assert_eq!(left, ["bags"]);
            summary.bag
        };
        let in_memory = make("memory", Limits::default());
        // The WARC, records.jsonl and tag files streamed in pieces.
        let streamed = make(
            "streamed",
            Limits {
                run: 7,
                in_memory: 1000,
            },
        );
        let want = entries(&in_memory);
        assert_eq!(entries(&streamed), want);
        let ext = if gz { "warc.gz" } else { "warc" };
        let kept = want
            .iter()
            .find(|(n, _)| n.ends_with(&format!("original.{ext}")))
            .unwrap();
        assert_eq!(kept.1, warc, "the WARC is kept byte-exact");
        let records = want
            .iter()
            .find(|(n, _)| n.ends_with("records.jsonl"))
            .unwrap();
        assert_eq!(records.1.iter().filter(|&&b| b == b'\n').count(), 300);
    }
}

#[test]
fn the_http_charset_is_weighed_against_the_page_and_the_bytes() {
    use super::crawl::weigh_http_charset;
    let arabic =
        "<html><body><p>الأمطار الغزيرة تغلق المدارس في المدينة لليوم الثاني</p></body></html>";
    let (cp1256, _, _) = encoding_rs::WINDOWS_1256.encode(arabic);
    let chosen = |bytes: &[u8], http: Option<&str>| {
        let (d, decoded, why) = weigh_http_charset(bytes, None, http);
        assert_eq!(decoded.encoding, d.encoding);
        (d.label(), why["by"].as_str().unwrap().to_owned())
    };
    // The HTTP charset alone says it, and the bytes agree.
    assert_eq!(chosen(&cp1256, Some("windows-1256")).0, "windows-1256");
    // Valid UTF-8 outweighs a server's default iso-8859-1.
    assert_eq!(
        chosen(arabic.as_bytes(), Some("iso-8859-1")),
        ("utf-8".into(), "sniffed".into())
    );
    // Bytes malformed in the HTTP charset: it loses.
    assert_eq!(chosen(&cp1256, Some("utf-8")).0, "windows-1256");
    // Another charset that reads the bytes cleanly comes first, as in
    // browsers.
    assert_eq!(
        chosen(&cp1256, Some("koi8-r")),
        ("koi8-r".into(), "http".into())
    );
    // A label no one knows, ASCII only, and --encoding.
    assert_eq!(chosen(&cp1256, Some("no-such")).0, "windows-1256");
    assert_eq!(chosen(b"<p>plain</p>", Some("koi8-r")).0, "utf-8");
    let (d, _, why) = weigh_http_charset(&cp1256, Some(encoding_rs::KOI8_U), Some("windows-1256"));
    assert_eq!(
        (d.label().as_str(), why["by"].as_str()),
        ("koi8-u", Some("given"))
    );
}
