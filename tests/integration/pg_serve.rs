//! `newsbag serve` on an archive whose catalog is on PostgreSQL (issue
//! #16): the OAI-PMH data provider and the reading room give, response for
//! response, what they give on the same archive with its catalog rebuilt
//! into SQLite; a real harvester (Sickle) harvests every item once; the
//! catalog rebuilt on PostgreSQL and a bag ingested while the server runs
//! are seen at the next request.

use std::path::Path;
use std::process::Command;

use crate::pg::Postgres;
use crate::pg_catalog::{ingest, path, run};
use crate::room::{Server, enc};
use crate::serve::{harvest, sickle};

/// The response without what differs between two servers of the same
/// archive: the time of the response and the server's address.
fn normalized(body: &[u8], addr: &str) -> String {
    let mut s = String::from_utf8(body.to_vec())
        .unwrap()
        .replace(addr, "ADDR");
    if let (Some(a), Some(b)) = (s.find("<responseDate>"), s.find("</responseDate>")) {
        s.replace_range(a..b, "<responseDate>TIME");
    }
    s
}

/// The resumption token of an OAI-PMH list response, if not the last.
fn token(xml: &str) -> Option<String> {
    let start = xml.find("<resumptionToken")?;
    let rest = &xml[start..];
    let open_end = rest.find('>')?;
    if rest[..open_end].ends_with('/') {
        return None;
    }
    let end = rest.find("</resumptionToken>")?;
    Some(rest[open_end + 1..end].to_owned())
}

/// Every response of an OAI-PMH request and the list parts after it,
/// normalized; the tokens followed on `server` itself.
fn oai(server: &Server, query: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut next = format!("/oai?{query}");
    let verb = query.split('&').next().unwrap().to_owned();
    loop {
        let r = server.get(&next);
        assert_eq!(r.status, 200, "{next}: {}", r.text());
        let text = normalized(&r.body, server.url("").trim_start_matches("http://"));
        let more = token(&text);
        out.push(text);
        match more {
            Some(t) => next = format!("/oai?{verb}&resumptionToken={}", enc(&t)),
            None => return out,
        }
        assert!(out.len() < 100, "a list that does not end: {query}");
    }
}

/// The same archive twice: `pg/archive` with its catalog on PostgreSQL
/// (built as the ingests happened) and `sqlite/archive`, a copy whose
/// catalog is rebuilt from the bags into SQLite.
fn archives(tmp: &Path, url: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let on_pg = tmp.join("pg/archive");
    let o = ingest(&on_pg, "one", &["--catalog", url]);
    assert!(o.status.success(), "{o:?}");
    let o = ingest(&on_pg, "two", &[]);
    assert!(o.status.success(), "{o:?}");
    let on_sqlite = tmp.join("sqlite/archive");
    std::fs::create_dir_all(tmp.join("sqlite")).unwrap();
    let copied = Command::new("cp")
        .arg("-a")
        .arg(&on_pg)
        .arg(&on_sqlite)
        .status()
        .unwrap();
    assert!(copied.success());
    let o = run(&[
        "catalog",
        "rebuild",
        path(&on_sqlite),
        "--catalog",
        "sqlite",
    ]);
    assert!(o.status.success(), "{o:?}");
    (on_pg, on_sqlite)
}

const REQUESTS: &[&str] = &[
    "verb=Identify",
    "verb=ListMetadataFormats",
    "verb=ListSets",
    "verb=ListIdentifiers&metadataPrefix=oai_dc",
    "verb=ListRecords&metadataPrefix=oai_dc",
    "verb=ListRecords&metadataPrefix=oai_dc&set=bag:two",
    "verb=ListRecords&metadataPrefix=oai_dc&set=source",
    "verb=ListRecords&metadataPrefix=oai_dc&set=source:caspian.example",
    "verb=ListIdentifiers&metadataPrefix=oai_dc&set=source:diyarmirza.example",
    "verb=ListIdentifiers&metadataPrefix=oai_dc&set=source:nowhere.example",
    "verb=ListIdentifiers&metadataPrefix=oai_dc&from=2000-01-01&until=2999-12-31",
    "verb=ListIdentifiers&metadataPrefix=oai_dc&from=2999-01-01",
    "verb=ListRecords&metadataPrefix=oai_dc&until=2000-01-01T00:00:00Z",
    "verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:newsbag:one/rasht-unesco-gastronomy",
    "verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:newsbag:two/nothing-here",
    "verb=ListIdentifiers&resumptionToken=not-a-token",
    "verb=Nothing",
];

/// Reading room pages whose bytes depend on the catalog's answers alone
/// (no ranking: listings are newest first on both).
const PAGES: &[&str] = &[
    "/",
    "/search?source=caspian.example",
    "/search?lang=fa&bag=two",
    "/item/rasht-unesco-gastronomy?bag=one",
    "/item/rasht-unesco-gastronomy",
    "/item/p-4711?bag=two",
    "/item/p-4711/original?bag=two",
    "/item/no-such-item",
];

/// Searches: the same items found, counted and charted; their order is
/// each database's ranking (bm25 and ts_rank), so the hits are compared
/// as sets.
const SEARCHES: &[&str] = &[
    "/search?q=rasht",
    "/search?q=%D8%B1%D8%B4%D8%AA",
    "/search?q=gastronomy&bag=one",
    "/search?q=%22world+heritage%22",
    "/search?q=unesco+OR+caspian",
    "/search?q=nothingatall",
];

/// The links to items of a search page, sorted, and the page without its
/// list of hits.
fn hits_and_rest(page: &str) -> (Vec<String>, String) {
    let mut hits: Vec<String> = page
        .split("class=\"hit\" href=\"")
        .skip(1)
        .filter_map(|s| s.split_once('"').map(|(h, _)| h.to_owned()))
        .collect();
    hits.sort();
    let rest = match (page.find("<ol"), page.find("</ol>")) {
        (Some(a), Some(b)) => format!("{}{}", &page[..a], &page[b..]),
        _ => page.to_owned(),
    };
    (hits, rest)
}

#[test]
fn serve_on_postgres_answers_as_on_sqlite() {
    let Some(pg) = Postgres::start() else { return };
    let url = pg.database("serve");
    let tmp = tempfile::tempdir().unwrap();
    let (on_pg, on_sqlite) = archives(tmp.path(), &url);
    let page_size = [("NEWSBAG_OAI_PAGE_SIZE", "4")];
    let a = Server::start_with(&on_pg, &page_size);
    let b = Server::start_with(&on_sqlite, &page_size);

    let mut parts = 0;
    for q in REQUESTS {
        let (from_pg, from_sqlite) = (oai(&a, q), oai(&b, q));
        assert_eq!(from_pg, from_sqlite, "{q}");
        parts += from_pg.len();
    }
    assert!(
        parts > REQUESTS.len() + 8,
        "lists in several parts: {parts}"
    );
    let sets = oai(&a, "verb=ListSets").concat();
    for spec in [
        "bag:one",
        "source:caspian.example",
        "source:diyarmirza.example",
    ] {
        assert!(
            sets.contains(&format!("<setSpec>{spec}</setSpec>")),
            "{sets}"
        );
    }

    for page in PAGES {
        let (x, y) = (a.get(page), b.get(page));
        assert_eq!(x.status, y.status, "{page}");
        assert!(x.body == y.body, "{page}: {}\n\n{}", x.text(), y.text());
    }
    let mut found = 0;
    for page in SEARCHES {
        let (x, y) = (a.get(page), b.get(page));
        assert_eq!((x.status, y.status), (200, 200), "{page}");
        let (x, y) = (hits_and_rest(&x.text()), hits_and_rest(&y.text()));
        assert_eq!(x, y, "{page}");
        found += x.0.len();
    }
    assert!(found > 10, "searches that find: {found}");
    assert_eq!(a.get("/archive").status, 200);
    assert!(a.get("/archive").text().contains("20"), "its items counted");

    // A real harvester harvests every record of the PostgreSQL-served
    // archive, each record's metadata its bag's dc.xml byte for byte.
    if let Some(python) = sickle() {
        for verb in ["ListRecords", "ListIdentifiers"] {
            let lines = harvest(
                python,
                &a.url("/oai"),
                &["verify", path(&on_pg), verb, "metadataPrefix=oai_dc"],
            );
            assert_eq!(
                lines.last().map(String::as_str),
                Some("end 20"),
                "{lines:?}"
            );
        }
    }

    // A harvest begun, then a bag ingested while the server runs: the
    // rest of the harvest brings the new items, none twice.
    let first = a.get("/oai?verb=ListIdentifiers&metadataPrefix=oai_dc");
    let first = first.text();
    let t = token(&first).expect("a list in parts");
    let o = ingest(&on_pg, "three", &[]);
    assert!(o.status.success(), "{o:?}");
    let mut seen: Vec<String> = identifiers(&first);
    let rest = oai(
        &a,
        &format!("verb=ListIdentifiers&resumptionToken={}", enc(&t)),
    );
    for part in &rest {
        seen.extend(identifiers(part));
    }
    assert_eq!(seen.len(), 30, "{seen:?}");
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 30, "none twice");
    assert!(seen.iter().any(|i| i.starts_with("oai:newsbag:three/")));

    // The catalog rebuilt on PostgreSQL while the server runs (its tables
    // swapped for new ones): the next requests read the new tables.
    let before = oai(
        &a,
        "verb=ListIdentifiers&metadataPrefix=oai_dc&set=bag:three",
    );
    let o = run(&["catalog", "rebuild", path(&on_pg)]);
    assert!(o.status.success(), "{o:?}");
    assert_eq!(
        oai(
            &a,
            "verb=ListIdentifiers&metadataPrefix=oai_dc&set=bag:three"
        ),
        before
    );
    assert_eq!(a.get("/search?q=rasht").status, 200);

    // Ctrl-C: a graceful shutdown, its PostgreSQL connections closed
    // after the server's runtime (closing one inside it had panicked).
    assert!(a.interrupt(), "the server exits with success");
    assert!(b.interrupt());
}

/// The identifiers of the headers of an OAI-PMH response.
fn identifiers(xml: &str) -> Vec<String> {
    xml.split("<identifier>")
        .skip(1)
        .filter_map(|s| s.split_once("</identifier>").map(|(id, _)| id.to_owned()))
        .collect()
}
