//! The large harvest of issue #15: a real harvester (Sickle, from PyPI)
//! over an archive of more than 10,000 items through resumption tokens —
//! every item exactly once, each record its bag's `dc.xml` byte for byte,
//! sets and `from`/`until` selecting exactly the right items, every OAI-PMH
//! error code this data provider can give, a harvest that goes on across
//! an ingest and a restart of the server.
//!
//! The items are generated RSS items in three bags ingested a second or
//! more apart (an item's datestamp is its bag's registration time), on
//! four source hosts across the bags, every tenth with no URL at all.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use newsbag::archive::catalog::Catalog;

use crate::serve::{Server, harvest, sickle};
use crate::util::newsbag;

const HOSTS: [&str; 4] = [
    "alpha.example",
    "beta.example",
    "gamma.example",
    "delta.example",
];

/// The bags and the generated items (by number) in each.
const BAGS: [(&str, Range<usize>); 3] = [
    ("north", 0..3_400),
    ("south", 3_400..6_800),
    ("west", 6_800..10_100),
];
/// The bag ingested in the middle of a harvest.
const LATE: (&str, Range<usize>) = ("late", 10_100..10_400);

/// The host of item `g`'s `dc:source`, or none (every tenth item has no
/// link and a guid that is not a URL).
fn host_of(g: usize) -> Option<&'static str> {
    (g % 10 != 9).then(|| HOSTS[g % 4])
}

fn bag_of(g: usize) -> &'static str {
    BAGS.iter()
        .chain([&LATE])
        .find(|(_, r)| r.contains(&g))
        .map(|(name, _)| *name)
        .unwrap()
}

/// An RSS feed of items `range`: Persian and Latin text, markup to escape,
/// dates over 25 years.
fn feed(range: Range<usize>) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>Generated</title><language>fa</language>\n",
    );
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    for g in range {
        let date = format!(
            "{:02} {} {} {:02}:{:02}:00 GMT",
            g % 28 + 1,
            months[g % 12],
            2000 + g % 25,
            g % 24,
            g % 60
        );
        let id = match host_of(g) {
            Some(h) => {
                format!("<link>https://{h}/news/{g}</link><guid>https://{h}/news/{g}</guid>")
            }
            None => format!("<guid isPermaLink=\"false\">urn:newsbag-test:{g}</guid>"),
        };
        let _ = writeln!(
            out,
            "<item><title>خبر شماره {g} — item {g}</title>{id}<pubDate>{date}</pubDate>\
             <description>متن خبر شماره {g} دربارهٔ شهرداری رشت &amp; &lt;Isfahan&gt; {g}.</description></item>"
        );
    }
    out.push_str("</channel></rss>\n");
    out
}

/// Ingests items `range` as bag `name`, then waits for the next second, so
/// that each bag has a datestamp of its own.
fn ingest(archive: &Path, work: &Path, name: &str, range: Range<usize>) {
    let file = work.join(format!("{name}.xml"));
    std::fs::write(&file, feed(range)).unwrap();
    newsbag()
        .arg("ingest")
        .arg("-q")
        .arg("--archive")
        .arg(archive)
        .args(["--date", "2026-11-28", "--name", name])
        .arg(&file)
        .timeout(Duration::from_secs(300))
        .assert()
        .success();
    std::thread::sleep(Duration::from_millis(1_100));
}

/// The generated number of an item from its first `dc:identifier` (the
/// feed item's guid).
fn number(dc_identifier: &str) -> usize {
    dc_identifier
        .rsplit(['/', ':'])
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("not a generated item: {dc_identifier}"))
}

/// The (OAI identifier, first dc:identifier) of each record a `verify`
/// harvest received, after its check against the bags passed.
fn verify(
    python: &str,
    url: &str,
    archive: &Path,
    verb: &str,
    args: &[&str],
) -> Vec<(String, String)> {
    let mut a = vec![
        "verify",
        archive.to_str().unwrap(),
        verb,
        "metadataPrefix=oai_dc",
    ];
    a.extend_from_slice(args);
    let lines = harvest(python, url, &a);
    let records: Vec<(String, String)> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("record "))
        .map(|r| {
            let (id, dc) = r.split_once(' ').unwrap();
            (id.to_owned(), dc.to_owned())
        })
        .collect();
    assert_eq!(
        lines.last().cloned(),
        Some(format!("end {}", records.len())),
        "{verb} {args:?}"
    );
    records
}

/// The items (by number) of a harvest, sorted; each must come once.
fn numbers(records: &[(String, String)], by_id: &BTreeMap<String, usize>) -> Vec<usize> {
    let mut out: Vec<usize> = records.iter().map(|(id, _)| by_id[id]).collect();
    out.sort_unstable();
    let n = out.len();
    out.dedup();
    assert_eq!(out.len(), n, "an item came twice");
    out
}

fn expected(range: Range<usize>, keep: impl Fn(usize) -> bool) -> Vec<usize> {
    range.filter(|g| keep(*g)).collect()
}

#[test]
fn large_10k_items_sickle_harvest_sets_dates_errors_restart() {
    let Some(python) = sickle() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("archive");
    for (name, range) in BAGS {
        ingest(&archive, tmp.path(), name, range);
    }
    let total = BAGS[2].1.end;
    let registered: BTreeMap<String, String> =
        Catalog::open_read_only(&archive.join("catalog.sqlite"))
            .unwrap()
            .bags_by_check_age()
            .unwrap()
            .into_iter()
            .map(|b| (b.name, b.registered))
            .collect();
    let reg = |bag: &str| registered[bag].as_str();
    assert!(reg("north") < reg("south") && reg("south") < reg("west"));

    let server = Server::start(&archive, 250);

    // The whole archive: 10,100 records in 41 pages, each its dc.xml.
    let all = verify(python, &server.url, &archive, "ListRecords", &[]);
    assert_eq!(all.len(), total);
    let by_id: BTreeMap<String, usize> = all
        .iter()
        .map(|(id, dc)| (id.clone(), number(dc)))
        .collect();
    assert_eq!(numbers(&all, &by_id), (0..total).collect::<Vec<_>>());
    for (id, g) in &by_id {
        assert!(
            id.starts_with(&format!("oai:newsbag:{}/", bag_of(*g))),
            "{id} is item {g}"
        );
    }

    // Sets and dates select exactly the right items, with ListRecords
    // (records checked against the bags again) or ListIdentifiers.
    let day = |t: &str| t[..10].to_owned();
    let (from_south, until_south) = (
        format!("from={}", reg("south")),
        format!("until={}", reg("south")),
    );
    let in_bags = |names: &'static [&'static str]| move |g: usize| names.contains(&bag_of(g));
    let cases: Vec<(&str, Vec<String>, Vec<usize>)> = vec![
        (
            "ListRecords",
            vec!["set=source:beta.example".into()],
            expected(0..total, |g| host_of(g) == Some("beta.example")),
        ),
        (
            "ListIdentifiers",
            vec!["set=source".into()],
            expected(0..total, |g| host_of(g).is_some()),
        ),
        (
            "ListIdentifiers",
            vec!["set=bag:south".into()],
            expected(0..total, in_bags(&["south"])),
        ),
        (
            "ListRecords",
            vec![from_south.clone(), until_south.clone()],
            expected(0..total, in_bags(&["south"])),
        ),
        (
            "ListIdentifiers",
            vec![from_south.clone()],
            expected(0..total, in_bags(&["south", "west"])),
        ),
        (
            "ListIdentifiers",
            vec![until_south.clone()],
            expected(0..total, in_bags(&["north", "south"])),
        ),
        (
            "ListRecords",
            vec![
                from_south,
                format!("until={}", reg("west")),
                "set=source:delta.example".into(),
            ],
            expected(0..total, |g| {
                bag_of(g) != "north" && host_of(g) == Some("delta.example")
            }),
        ),
        (
            "ListIdentifiers",
            vec![
                format!("from={}", day(reg("north"))),
                format!("until={}", day(reg("west"))),
            ],
            (0..total).collect(),
        ),
    ];
    for (verb, args, want) in cases {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let got = verify(python, &server.url, &archive, verb, &a);
        assert_eq!(numbers(&got, &by_id), want, "{verb} {args:?}");
    }

    // Every error code this data provider can give, as Sickle raises it.
    // noSetHierarchy is never given (there are sets), nor noMetadataFormats
    // (every item has oai_dc: ListMetadataFormats of an item answers).
    let some_item = all[4_321].0.clone();
    let first = harvest(python, &server.url, &["start", "1"]);
    let token = first
        .iter()
        .find_map(|l| l.strip_prefix("token "))
        .unwrap()
        .to_owned();
    let earliest_day = day(reg("north"));
    let before = chrono::NaiveDate::parse_from_str(&earliest_day, "%Y-%m-%d")
        .unwrap()
        .pred_opt()
        .unwrap()
        .to_string();
    let get = format!("identifier={some_item}");
    let errors: Vec<(Vec<String>, &str)> = vec![
        (vec!["Frobnicate".into()], "BadVerb"),
        (vec![], "BadVerb"),
        (vec!["ListRecords".into()], "BadArgument"),
        (
            vec![
                "ListRecords".into(),
                "metadataPrefix=oai_dc".into(),
                format!("from={earliest_day}"),
                format!("until={}", reg("west")),
            ],
            "BadArgument",
        ),
        (
            vec![
                "ListIdentifiers".into(),
                "metadataPrefix=oai_dc".into(),
                "from=yesterday".into(),
            ],
            "BadArgument",
        ),
        (vec!["GetRecord".into(), get.clone()], "BadArgument"),
        (
            vec!["ListRecords".into(), "resumptionToken=nonsense".into()],
            "BadResumptionToken",
        ),
        // A ListRecords token is no ListIdentifiers token.
        (
            vec!["ListIdentifiers".into(), format!("resumptionToken={token}")],
            "BadResumptionToken",
        ),
        (
            vec!["ListRecords".into(), "metadataPrefix=marc21".into()],
            "CannotDisseminateFormat",
        ),
        (
            vec![
                "GetRecord".into(),
                get.clone(),
                "metadataPrefix=mods".into(),
            ],
            "CannotDisseminateFormat",
        ),
        (
            vec![
                "GetRecord".into(),
                "identifier=oai:newsbag:north/none".into(),
                "metadataPrefix=oai_dc".into(),
            ],
            "IdDoesNotExist",
        ),
        (
            vec![
                "ListMetadataFormats".into(),
                "identifier=oai:elsewhere:1".into(),
            ],
            "IdDoesNotExist",
        ),
        (
            vec![
                "ListIdentifiers".into(),
                "metadataPrefix=oai_dc".into(),
                format!("until={before}"),
            ],
            "NoRecordsMatch",
        ),
        (
            vec![
                "ListRecords".into(),
                "metadataPrefix=oai_dc".into(),
                "set=source:nowhere.example".into(),
            ],
            "NoRecordsMatch",
        ),
        (
            vec![
                "ListRecords".into(),
                "metadataPrefix=oai_dc".into(),
                "from=2999-01-01".into(),
            ],
            "NoRecordsMatch",
        ),
        (
            vec![
                "GetRecord".into(),
                get.clone(),
                "metadataPrefix=oai_dc".into(),
            ],
            "",
        ),
        (vec!["ListMetadataFormats".into(), get], ""),
        (vec!["ListSets".into()], ""),
        (vec!["Identify".into()], ""),
    ];
    for (args, class) in errors {
        let mut a = vec!["error"];
        if args.is_empty() {
            // An empty verb.
            a.push("");
        }
        a.extend(args.iter().map(String::as_str));
        let want = if class.is_empty() {
            "ok".to_owned()
        } else {
            format!("error {class}")
        };
        assert_eq!(harvest(python, &server.url, &a), [want], "{args:?}");
    }

    // A harvest that goes on while a bag is ingested and across a restart
    // of the server: every item once, the new ones after the old ones.
    let first = harvest(python, &server.url, &["start", "3"]);
    let token = first
        .iter()
        .find_map(|l| l.strip_prefix("token "))
        .unwrap()
        .to_owned();
    ingest(&archive, tmp.path(), LATE.0, LATE.1.clone());
    let middle = harvest(python, &server.url, &["resume", &token, "2"]);
    let token = middle
        .iter()
        .find_map(|l| l.strip_prefix("token "))
        .unwrap()
        .to_owned();
    server.stop();
    let server = Server::start(&archive, 250);
    let rest = harvest(python, &server.url, &["resume", &token]);
    assert_eq!(rest.last().map(String::as_str), Some("end"));
    let mut seen = Vec::new();
    for line in first.iter().chain(&middle).chain(&rest) {
        if let Some(r) = line.strip_prefix("record ") {
            let (_, dc) = r.split_once(' ').unwrap();
            seen.push(number(dc));
        }
    }
    let late_start = seen.iter().position(|g| *g >= LATE.1.start).unwrap();
    assert!(
        seen[late_start..].iter().all(|g| *g >= LATE.1.start),
        "the late bag's items come last"
    );
    seen.sort_unstable();
    assert_eq!(seen, (0..LATE.1.end).collect::<Vec<_>>());
    server.stop();
}
