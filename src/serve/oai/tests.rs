//! Tests of the OAI-PMH data provider: every verb and error, validated
//! with xmllint against the OAI-PMH and oai_dc schemas.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use super::*;
use crate::archive::{Archive, ingest_and_register};
use crate::ingest::{IngestOptions, Input};
use crate::progress::NoProgress;

/// Ingests the sample inbox into `root` as bag `name`.
fn ingest(root: &Path, name: &str) {
    let inbox = Path::new(env!("CARGO_MANIFEST_DIR")).join("archive/inbox");
    let mut options = IngestOptions::new(root, "2026-11-28", "2026-11-28T00:00:00Z");
    options.name = Some(name.into());
    ingest_and_register(&[Input::Path(inbox)], &options, &NoProgress).unwrap();
}

struct Fixture {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    catalog: Catalog,
    zips: ZipCache,
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("archive");
    ingest(&root, "one");
    drop(Archive::open(&root).unwrap());
    let catalog = Catalog::open_read_only(&root.join("catalog.sqlite")).unwrap();
    Fixture {
        _tmp: tmp,
        root,
        catalog,
        zips: ZipCache::default(),
    }
}

impl Fixture {
    fn provider(&self, page_size: usize) -> Provider<'_> {
        Provider {
            catalog: &self.catalog,
            root: &self.root,
            base_url: "http://127.0.0.1:8080/oai",
            name: "test archive",
            admin_email: "archivist@localhost.invalid",
            page_size,
            zips: &self.zips,
        }
    }

    fn ask(&self, page_size: usize, args: &[(&str, &str)]) -> String {
        let args: Vec<(String, String)> = args
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let xml = respond(&self.provider(page_size), &args, 1_800_000_000).unwrap();
        let xml = String::from_utf8(xml).unwrap();
        validate(&xml);
        xml
    }

    fn registered(&self) -> String {
        self.catalog.bag("one").unwrap().unwrap().registered
    }

    fn item_count(&self) -> usize {
        usize::try_from(self.catalog.totals().unwrap().1).unwrap()
    }
}

/// Validates a response against OAI-PMH.xsd and each `oai_dc:dc` in
/// it against oai_dc.xsd, with xmllint (skipped, saying so, when
/// xmllint is missing, unless NEWSBAG_REQUIRE_PEERS=1).
fn validate(xml: &str) {
    if Command::new("xmllint").arg("--version").output().is_err() {
        assert!(
            std::env::var("NEWSBAG_REQUIRE_PEERS").as_deref() != Ok("1"),
            "xmllint is missing (Debian package libxml2-utils)"
        );
        eprintln!("xmllint is missing (Debian package libxml2-utils): not validated");
        return;
    }
    let schemas = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/oai-pmh");
    let tmp = tempfile::tempdir().unwrap();
    let mut docs = vec![("OAI-PMH.xsd", xml.to_owned())];
    for (i, part) in xml.split("<oai_dc:dc ").skip(1).enumerate() {
        let end = part.find("</oai_dc:dc>").unwrap();
        let _ = i;
        docs.push((
            "oai_dc.xsd",
            format!("<oai_dc:dc {}</oai_dc:dc>", &part[..end]),
        ));
    }
    for (i, (schema, doc)) in docs.iter().enumerate() {
        let file = tmp.path().join(format!("{i}.xml"));
        std::fs::write(&file, doc).unwrap();
        let out = Command::new("xmllint")
            .env("XML_CATALOG_FILES", schemas.join("catalog.xml"))
            .args(["--noout", "--nonet", "--schema"])
            .arg(schemas.join(schema))
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "not valid against {schema}: {}\n{doc}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The texts of every `<name>` element.
fn texts(xml: &str, name: &str) -> Vec<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    xml.split(&open)
        .skip(1)
        .map(|p| p[..p.find(&close).unwrap()].to_owned())
        .collect()
}

fn error_codes(xml: &str) -> Vec<String> {
    xml.split("<error code=\"")
        .skip(1)
        .map(|p| p[..p.find('"').unwrap()].to_owned())
        .collect()
}

/// The resumptionToken element: (token, completeListSize, cursor).
fn token(xml: &str) -> Option<(String, u64, u64)> {
    let start = xml.find("<resumptionToken ")?;
    let el = &xml[start..];
    let attr = |name: &str| -> u64 {
        let a = &el[el.find(&format!("{name}=\"")).unwrap() + name.len() + 2..];
        a[..a.find('"').unwrap()].parse().unwrap()
    };
    let token = if el[..el.find('>').unwrap()].ends_with('/') {
        String::new()
    } else {
        el[el.find('>').unwrap() + 1..el.find("</resumptionToken>").unwrap()].to_owned()
    };
    Some((token, attr("completeListSize"), attr("cursor")))
}

/// Harvests a whole list through its resumption tokens, with a new
/// provider for each page (as after a restart); `between` runs after
/// the first page.
fn harvest(
    f: &Fixture,
    verb: &str,
    args: &[(&str, &str)],
    page: usize,
    mut between: impl FnMut(),
) -> Vec<String> {
    let mut args: Vec<(&str, &str)> = [("verb", verb)]
        .into_iter()
        .chain(args.iter().copied())
        .collect();
    let mut ids = Vec::new();
    let mut cursor = 0;
    let mut holder;
    loop {
        let xml = f.ask(page, &args);
        assert!(error_codes(&xml).is_empty(), "{xml}");
        let got = texts(&xml, "identifier");
        match token(&xml) {
            Some((t, _, c)) => {
                assert_eq!(c, cursor, "cursor");
                cursor += got.len() as u64;
                ids.extend(got);
                if t.is_empty() {
                    return ids;
                }
                between();
                holder = t;
                args = vec![("verb", verb), ("resumptionToken", holder.as_str())];
            }
            None => {
                assert_eq!(cursor, 0, "a later page without a token");
                ids.extend(got);
                return ids;
            }
        }
    }
}

#[test]
fn identify() {
    let f = fixture();
    let xml = f.ask(10, &[("verb", "Identify")]);
    assert_eq!(texts(&xml, "earliestDatestamp"), [f.registered()]);
    assert_eq!(texts(&xml, "deletedRecord"), ["no"]);
    assert_eq!(texts(&xml, "granularity"), ["YYYY-MM-DDThh:mm:ssZ"]);
    assert_eq!(texts(&xml, "responseDate"), ["2027-01-15T08:00:00Z"]);
    assert!(xml.contains("<request verb=\"Identify\">http://127.0.0.1:8080/oai</request>"));
    let xml = f.ask(10, &[("verb", "Identify"), ("set", "bag:one")]);
    assert_eq!(error_codes(&xml), ["badArgument"]);
    assert!(xml.contains("<request>http://127.0.0.1:8080/oai</request>"));
}

#[test]
fn bad_verbs() {
    let f = fixture();
    for args in [
        &[][..],
        &[("verb", "Frobnicate")],
        &[("verb", "Identify"), ("verb", "Identify")],
        &[("verb", "identify")],
    ] {
        let xml = f.ask(10, args);
        assert_eq!(error_codes(&xml), ["badVerb"], "{args:?}");
        assert!(xml.contains("<request>"));
    }
}

#[test]
fn bad_arguments() {
    let f = fixture();
    let p = ("metadataPrefix", "oai_dc");
    for args in [
        &[("verb", "ListRecords")][..],
        &[("verb", "ListIdentifiers"), p, ("identifier", "x")],
        &[("verb", "ListRecords"), p, p],
        &[("verb", "ListRecords"), p, ("resumptionToken", "x")],
        &[
            ("verb", "ListRecords"),
            p,
            ("from", "2020-01-01"),
            ("until", "2021-01-01T00:00:00Z"),
        ],
        &[("verb", "ListRecords"), p, ("from", "2020-13-01")],
        &[
            ("verb", "ListRecords"),
            p,
            ("from", "2020-01-01T00:00:00.5Z"),
        ],
        &[
            ("verb", "ListRecords"),
            p,
            ("from", "2021-01-02"),
            ("until", "2021-01-01"),
        ],
        &[("verb", "GetRecord"), p],
        &[
            ("verb", "GetRecord"),
            ("identifier", "oai:newsbag:one/bazdid"),
        ],
        &[("verb", "ListSets"), p],
    ] {
        let xml = f.ask(10, args);
        assert_eq!(error_codes(&xml)[0], "badArgument", "{args:?}");
        assert!(xml.contains("<request>"), "{args:?}");
    }
}

#[test]
fn formats_and_missing_items() {
    let f = fixture();
    let xml = f.ask(10, &[("verb", "ListMetadataFormats")]);
    assert_eq!(texts(&xml, "metadataPrefix"), ["oai_dc"]);
    let xml = f.ask(
        10,
        &[
            ("verb", "ListMetadataFormats"),
            ("identifier", "oai:newsbag:one/bazdid"),
        ],
    );
    assert_eq!(texts(&xml, "metadataPrefix"), ["oai_dc"]);
    for id in [
        "oai:newsbag:one/nothing",
        "oai:newsbag:two/bazdid",
        "bazdid",
        "oai:newsbag:one/",
    ] {
        let xml = f.ask(10, &[("verb", "ListMetadataFormats"), ("identifier", id)]);
        assert_eq!(error_codes(&xml), ["idDoesNotExist"]);
        let xml = f.ask(
            10,
            &[
                ("verb", "GetRecord"),
                ("identifier", id),
                ("metadataPrefix", "oai_dc"),
            ],
        );
        assert_eq!(error_codes(&xml), ["idDoesNotExist"]);
        // Other errors echo the request's arguments.
        assert!(xml.contains("<request verb=\"GetRecord\""));
    }
    let xml = f.ask(
        10,
        &[
            ("verb", "GetRecord"),
            ("identifier", "oai:newsbag:one/bazdid"),
            ("metadataPrefix", "marc21"),
        ],
    );
    assert_eq!(error_codes(&xml), ["cannotDisseminateFormat"]);
    let xml = f.ask(
        10,
        &[("verb", "ListIdentifiers"), ("metadataPrefix", "marc21")],
    );
    assert_eq!(error_codes(&xml), ["cannotDisseminateFormat"]);
}

/// The record is the bag's dc.xml, byte for byte but for its
/// declaration.
#[test]
fn get_record_is_the_bags_dc_xml() {
    let f = fixture();
    let xml = f.ask(
        10,
        &[
            ("verb", "GetRecord"),
            ("identifier", "oai:newsbag:one/berenj"),
            ("metadataPrefix", "oai_dc"),
        ],
    );
    let item = f.catalog.harvest_item("one", "berenj").unwrap().unwrap();
    let dc = read_records(&f.root, &[item], &ZipCache::default())
        .unwrap()
        .remove(0);
    let dc = String::from_utf8(dc).unwrap();
    assert!(dc.starts_with("<?xml"));
    let inner = without_declaration(dc.as_bytes());
    let inner = std::str::from_utf8(inner).unwrap();
    assert!(
        xml.contains(&format!("<metadata>{inner}</metadata>")),
        "{xml}"
    );
    assert_eq!(
        texts(&xml, "setSpec"),
        ["bag:one", "source:caspian.example"]
    );
    assert_eq!(texts(&xml, "datestamp"), [f.registered()]);
}

#[test]
fn pages_cover_every_item_once() {
    let f = fixture();
    let n = f.item_count();
    assert!(n > 7, "{n} items");
    for verb in ["ListIdentifiers", "ListRecords"] {
        let ids = harvest(&f, verb, &[("metadataPrefix", "oai_dc")], 3, || {});
        assert_eq!(ids.len(), n);
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), n);
    }
    // The pages: completeListSize and cursor.
    let xml = f.ask(
        3,
        &[("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc")],
    );
    let (t, size, cursor) = token(&xml).unwrap();
    assert_eq!((size, cursor), (n as u64, 0));
    let xml = f.ask(3, &[("verb", "ListIdentifiers"), ("resumptionToken", &t)]);
    assert_eq!(
        token(&xml).unwrap().1..=token(&xml).unwrap().2,
        n as u64..=3
    );
    // A list in one page has no token.
    let xml = f.ask(
        1000,
        &[("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc")],
    );
    assert!(token(&xml).is_none());
    assert_eq!(texts(&xml, "identifier").len(), n);
}

/// Bags registered while a harvest goes on: every item exactly once,
/// the old and the new, with the token read by a new provider.
#[test]
fn harvest_goes_on_while_bags_are_added() {
    let f = fixture();
    let n = f.item_count();
    let mut added = false;
    let ids = harvest(
        &f,
        "ListIdentifiers",
        &[("metadataPrefix", "oai_dc")],
        4,
        || {
            if !added {
                ingest(&f.root, "two");
                added = true;
            }
        },
    );
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for id in &ids {
        *counts.entry(id.as_str()).or_default() += 1;
    }
    assert!(counts.values().all(|c| *c == 1), "{counts:?}");
    assert_eq!(ids.len(), 2 * n);
    assert_eq!(
        ids.iter()
            .filter(|i| i.starts_with("oai:newsbag:two/"))
            .count(),
        n
    );
}

#[test]
fn bad_resumption_tokens() {
    let f = fixture();
    let xml = f.ask(3, &[("verb", "ListRecords"), ("metadataPrefix", "oai_dc")]);
    let (t, _, _) = token(&xml).unwrap();
    let tampered = t.replacen(".r.", ".r.9", 1);
    for (verb, token) in [
        ("ListRecords", "garbage"),
        ("ListIdentifiers", t.as_str()),
        ("ListRecords", tampered.as_str()),
        ("ListSets", "anything"),
    ] {
        let xml = f.ask(3, &[("verb", verb), ("resumptionToken", token)]);
        assert_eq!(error_codes(&xml), ["badResumptionToken"], "{verb} {token}");
    }
    let xml = f.ask(3, &[("verb", "ListRecords"), ("resumptionToken", &t)]);
    assert!(error_codes(&xml).is_empty());
}

#[test]
fn sets_and_dates_select_exactly() {
    let f = fixture();
    let n = f.item_count();
    let xml = f.ask(10, &[("verb", "ListSets")]);
    let specs = texts(&xml, "setSpec");
    assert_eq!(
        specs,
        [
            "bag",
            "source",
            "bag:one",
            "source:caspian.example",
            "source:diyarmirza.example"
        ]
    );
    let all = |args: &[(&str, &str)]| -> Vec<String> {
        let mut a = vec![("metadataPrefix", "oai_dc")];
        a.extend_from_slice(args);
        harvest(&f, "ListIdentifiers", &a, 1000, || {})
    };
    let none = |args: &[(&str, &str)]| {
        let mut a = vec![("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc")];
        a.extend_from_slice(args);
        assert_eq!(error_codes(&f.ask(10, &a)), ["noRecordsMatch"], "{args:?}");
    };
    assert_eq!(all(&[("set", "bag:one")]).len(), n);
    assert_eq!(all(&[("set", "bag")]).len(), n);
    let caspian = all(&[("set", "source:caspian.example")]);
    assert_eq!(
        caspian,
        ["oai:newsbag:one/berenj", "oai:newsbag:one/rice-harvest"]
    );
    let sourced = all(&[("set", "source")]);
    let diyar = all(&[("set", "source:diyarmirza.example")]);
    assert_eq!(sourced.len(), caspian.len() + diyar.len());
    none(&[("set", "bag:two")]);
    none(&[("set", "source:nowhere.example")]);
    none(&[("set", "nonsense")]);
    // from and until are inclusive, at seconds and at days.
    let t = f.registered();
    let secs = crate::archive::parse_time(&t).unwrap();
    let (before, after) = (rfc3339(secs - 1), rfc3339(secs + 1));
    assert_eq!(all(&[("from", &t)]).len(), n);
    assert_eq!(all(&[("until", &t)]).len(), n);
    assert_eq!(all(&[("from", &t), ("until", &t)]).len(), n);
    assert_eq!(all(&[("until", &after), ("from", &before)]).len(), n);
    none(&[("from", &after)]);
    none(&[("until", &before)]);
    let day = &t[..10];
    assert_eq!(all(&[("from", day), ("until", day)]).len(), n);
    none(&[("until", "2000-01-01")]);
}
