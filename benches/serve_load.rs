//! A bounded load client for `newsbag serve` (issue #15), run by
//! `benches/serve_load.sh`:
//!
//! ```text
//! cargo bench --bench serve_load -- URL [--concurrency 200] [--requests 8000]
//! ```
//!
//! URL is the data provider's base URL (`http://127.0.0.1:PORT/oai`). The
//! client first walks the archive once, not timed (ListIdentifiers for the
//! identifiers, ListRecords for the resumption token of every page), then
//! `--concurrency` workers, each on a keep-alive HTTP/1.1 connection of
//! its own (hyper's client), send `--requests` requests in all: pages of
//! ListRecords from their tokens, GetRecord of any item, ListIdentifiers
//! of a source set from a date, Identify, ListSets, and the reading room's
//! search (a word of the archive, sometimes with a source filter and a
//! page after the first) and item pages. Any answer but a 200 with an
//! OAI-PMH document free of `<error` (or, from the reading room, a whole
//! HTML page that is not an error page) counts as an error; the run fails
//! if there is one. It prints requests per second and the latency
//! percentiles of each kind and of all, as a Markdown table.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::cast_possible_truncation,
    missing_docs,
    reason = "a benchmark program: it reports on the terminal and stops on the first surprise"
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// One kind of request in the mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    ListRecords,
    GetRecord,
    ListIdentifiersSet,
    Identify,
    ListSets,
    Search,
    ItemPage,
}

impl Kind {
    const ALL: [Kind; 7] = [
        Kind::ListRecords,
        Kind::GetRecord,
        Kind::ListIdentifiersSet,
        Kind::Identify,
        Kind::ListSets,
        Kind::Search,
        Kind::ItemPage,
    ];

    fn name(self) -> &'static str {
        match self {
            Kind::ListRecords => "ListRecords page (token)",
            Kind::GetRecord => "GetRecord",
            Kind::ListIdentifiersSet => "ListIdentifiers set+from",
            Kind::Identify => "Identify",
            Kind::ListSets => "ListSets",
            Kind::Search => "reading room: search",
            Kind::ItemPage => "reading room: item page",
        }
    }

    /// The mix, in 20: 6 ListRecords pages, 6 GetRecord, 2 ListIdentifiers
    /// of a set, 1 Identify, 1 ListSets, 3 searches, 1 item page.
    fn of(n: u64) -> Kind {
        match n % 20 {
            0..=5 => Kind::ListRecords,
            6..=11 => Kind::GetRecord,
            12 | 13 => Kind::ListIdentifiersSet,
            14 => Kind::Identify,
            15 => Kind::ListSets,
            16..=18 => Kind::Search,
            _ => Kind::ItemPage,
        }
    }

    fn is_room(self) -> bool {
        matches!(self, Kind::Search | Kind::ItemPage)
    }
}

/// Words of the generated archive searched in the reading room (each in
/// many items, one in every item).
const WORDS: [&str; 5] = ["شهرداری", "رشت", "اصفهان", "خبر", "item"];

struct Target {
    host: String,
    path: String,
}

impl Target {
    fn parse(url: &str) -> Target {
        let rest = url
            .strip_prefix("http://")
            .unwrap_or_else(|| panic!("not an http:// URL: {url}"));
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        Target {
            host: host.to_owned(),
            path: format!("/{path}"),
        }
    }
}

/// Percent-encodes a query value (resumption tokens and identifiers).
fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The texts of every `<NAME ...>TEXT</NAME>` in `xml`.
fn texts<'x>(xml: &'x str, name: &str) -> Vec<&'x str> {
    let open = format!("<{name}");
    let close = format!("</{name}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        rest = &rest[i + open.len()..];
        let Some(gt) = rest.find('>') else { break };
        if rest[..gt].ends_with('/') {
            rest = &rest[gt + 1..];
            continue;
        }
        let body = &rest[gt + 1..];
        let Some(end) = body.find(&close) else { break };
        out.push(&body[..end]);
        rest = &body[end..];
    }
    out
}

/// A keep-alive HTTP/1.1 connection.
struct Connection {
    sender: hyper::client::conn::http1::SendRequest<Empty<Bytes>>,
}

impl Connection {
    async fn open(host: &str) -> Result<Connection, String> {
        let stream = TcpStream::connect(host)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(Connection { sender })
    }

    /// GET `path_and_query`: the body of a 200 OAI-PMH answer with no
    /// error, else what went wrong.
    async fn get(&mut self, host: &str, path_and_query: &str) -> Result<String, String> {
        let body = self.get_ok(host, path_and_query).await?;
        if !body.contains("</OAI-PMH>") {
            return Err("not a whole OAI-PMH document".into());
        }
        if let Some(i) = body.find("<error") {
            return Err(format!(
                "OAI-PMH error: {}",
                &body[i..body.len().min(i + 200)]
            ));
        }
        Ok(body)
    }

    /// GET `path_and_query` of the reading room: a whole HTML page with
    /// status 200 (error pages have other statuses), else what went wrong.
    async fn get_page(&mut self, host: &str, path_and_query: &str) -> Result<String, String> {
        let body = self.get_ok(host, path_and_query).await?;
        if !body.trim_end().ends_with("</html>") {
            return Err("not a whole HTML page".into());
        }
        Ok(body)
    }

    /// GET `path_and_query`: the body of a 200 answer in UTF-8.
    async fn get_ok(&mut self, host: &str, path_and_query: &str) -> Result<String, String> {
        self.sender
            .ready()
            .await
            .map_err(|e| format!("connection: {e}"))?;
        let request = hyper::Request::get(path_and_query)
            .header(hyper::header::HOST, host)
            .body(Empty::new())
            .map_err(|e| e.to_string())?;
        let response = self
            .sender
            .send_request(request)
            .await
            .map_err(|e| format!("request: {e}"))?;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("body: {e}"))?
            .to_bytes();
        let body = String::from_utf8(body.to_vec()).map_err(|_| "a body not in UTF-8")?;
        if status != hyper::StatusCode::OK {
            let start: String = body.trim().chars().take(300).collect();
            return Err(format!("status {status}: {start}"));
        }
        Ok(body)
    }
}

/// What the workers ask for, gathered once before the timed run.
struct Plan {
    /// Query strings of the ListRecords pages: the first, then each token.
    pages: Vec<String>,
    identifiers: Vec<String>,
    sets: Vec<String>,
    /// A datestamp between the earliest and the latest.
    from: String,
}

async fn walk(c: &mut Connection, t: &Target, first: &str) -> Result<Vec<String>, String> {
    let mut bodies = Vec::new();
    let mut query = first.to_owned();
    loop {
        let body = c.get(&t.host, &format!("{}?{query}", t.path)).await?;
        let token = texts(&body, "resumptionToken")
            .first()
            .map(|s| (*s).to_owned());
        bodies.push(body);
        match token {
            Some(tok) if !tok.is_empty() => {
                let verb = first.split('&').next().unwrap_or_default();
                query = format!("{verb}&resumptionToken={}", encode(&tok));
            }
            _ => return Ok(bodies),
        }
    }
}

async fn plan(t: &Target) -> Result<Plan, String> {
    let mut c = Connection::open(&t.host).await?;
    let headers = walk(&mut c, t, "verb=ListIdentifiers&metadataPrefix=oai_dc").await?;
    let mut identifiers = Vec::new();
    let mut datestamps = Vec::new();
    for body in &headers {
        identifiers.extend(texts(body, "identifier").into_iter().map(str::to_owned));
        datestamps.extend(texts(body, "datestamp").into_iter().map(str::to_owned));
    }
    let records = walk(&mut c, t, "verb=ListRecords&metadataPrefix=oai_dc").await?;
    let mut pages = vec!["verb=ListRecords&metadataPrefix=oai_dc".to_owned()];
    for body in &records {
        if let Some(tok) = texts(body, "resumptionToken").first()
            && !tok.is_empty()
        {
            pages.push(format!("verb=ListRecords&resumptionToken={}", encode(tok)));
        }
    }
    let sets_body = c.get(&t.host, &format!("{}?verb=ListSets", t.path)).await?;
    let sets: Vec<String> = texts(&sets_body, "setSpec")
        .into_iter()
        .filter(|s| s.starts_with("source:"))
        .map(str::to_owned)
        .collect();
    datestamps.sort();
    if identifiers.is_empty() || sets.is_empty() {
        return Err("the archive has no items or no source sets".into());
    }
    Ok(Plan {
        pages,
        from: datestamps[datestamps.len() / 2].clone(),
        identifiers,
        sets,
    })
}

/// A small deterministic generator (SplitMix64): the same run every time.
fn mix(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn query(plan: &Plan, n: u64) -> (Kind, String) {
    let r = mix(n) as usize;
    let kind = Kind::of(n);
    let q = match kind {
        Kind::ListRecords => plan.pages[r % plan.pages.len()].clone(),
        Kind::GetRecord => format!(
            "verb=GetRecord&metadataPrefix=oai_dc&identifier={}",
            encode(&plan.identifiers[r % plan.identifiers.len()])
        ),
        Kind::ListIdentifiersSet => format!(
            "verb=ListIdentifiers&metadataPrefix=oai_dc&set={}&from={}",
            encode(&plan.sets[r % plan.sets.len()]),
            encode(&plan.from)
        ),
        Kind::Identify => "verb=Identify".to_owned(),
        Kind::ListSets => "verb=ListSets".to_owned(),
        Kind::Search => {
            let word = WORDS[r % WORDS.len()];
            let mut q = format!("/search?q={}", encode(word));
            // One search in three on a source, one in four on page 2.
            if (r / 7).is_multiple_of(3) {
                let set = &plan.sets[r % plan.sets.len()];
                q.push_str(&format!(
                    "&source={}",
                    encode(set.trim_start_matches("source:"))
                ));
            }
            if (r / 11).is_multiple_of(4) {
                q.push_str("&page=2");
            }
            q
        }
        Kind::ItemPage => {
            // oai:newsbag:BAG/ID
            let oai = &plan.identifiers[r % plan.identifiers.len()];
            let local = oai.rsplit(':').next().unwrap_or_default();
            let (bag, id) = local.split_once('/').unwrap_or(("", local));
            format!("/item/{}?bag={}", encode(id), encode(bag))
        }
    };
    (kind, q)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

struct Args {
    url: String,
    concurrency: usize,
    requests: usize,
}

fn args() -> Args {
    let mut url = None;
    let mut concurrency = 200;
    let mut requests = 8_000;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            // Added by `cargo bench` to a bench without the test harness.
            "--bench" => {}
            "--concurrency" => concurrency = it.next().and_then(|v| v.parse().ok()).unwrap(),
            "--requests" => requests = it.next().and_then(|v| v.parse().ok()).unwrap(),
            _ if url.is_none() && a.starts_with("http://") => url = Some(a),
            _ => panic!("unknown argument {a}: URL [--concurrency N] [--requests N]"),
        }
    }
    Args {
        url: url.expect("the data provider's URL, http://127.0.0.1:PORT/oai"),
        concurrency: concurrency.max(1),
        requests,
    }
}

fn main() -> std::process::ExitCode {
    let args = args();
    let target = Arc::new(Target::parse(&args.url));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let plan = Arc::new(match plan(&target).await {
            Ok(p) => p,
            Err(e) => {
                eprintln!("serve_load: cannot walk the archive: {e}");
                return std::process::ExitCode::FAILURE;
            }
        });
        eprintln!(
            "serve_load: {} items, {} ListRecords pages, {} source sets; {} requests by {} connections",
            plan.identifiers.len(),
            plan.pages.len(),
            plan.sets.len(),
            args.requests,
            args.concurrency
        );
        let next = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let mut workers = Vec::new();
        for _ in 0..args.concurrency {
            let (plan, next, target) = (plan.clone(), next.clone(), target.clone());
            let total = args.requests;
            workers.push(tokio::spawn(async move {
                let mut times: Vec<(Kind, Duration)> = Vec::new();
                let mut errors: Vec<String> = Vec::new();
                let mut conn = match Connection::open(&target.host).await {
                    Ok(c) => c,
                    Err(e) => return (times, vec![e]),
                };
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= total {
                        break;
                    }
                    let (kind, q) = query(&plan, n as u64);
                    let t0 = Instant::now();
                    let answer = if kind.is_room() {
                        conn.get_page(&target.host, &q).await
                    } else {
                        conn.get(&target.host, &format!("{}?{q}", target.path)).await
                    };
                    match answer {
                        Ok(_) => times.push((kind, t0.elapsed())),
                        Err(e) => {
                            errors.push(format!("{q}: {e}"));
                            match Connection::open(&target.host).await {
                                Ok(c) => conn = c,
                                Err(e) => {
                                    errors.push(e);
                                    break;
                                }
                            }
                        }
                    }
                }
                (times, errors)
            }));
        }
        let mut times = Vec::new();
        let mut errors = Vec::new();
        for w in workers {
            let (t, e) = w.await.unwrap();
            times.extend(t);
            errors.extend(e);
        }
        let wall = started.elapsed();
        println!(
            "| requests | kind | requests/s | p50 (ms) | p99 (ms) | max (ms) |\n| ---: | --- | ---: | ---: | ---: | ---: |"
        );
        for kind in Kind::ALL {
            let mut d: Vec<Duration> = times
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, d)| *d)
                .collect();
            d.sort();
            println!(
                "| {} | {} | | {} | {} | {} |",
                d.len(),
                kind.name(),
                ms(percentile(&d, 0.5)),
                ms(percentile(&d, 0.99)),
                ms(d.last().copied().unwrap_or_default())
            );
        }
        let mut d: Vec<Duration> = times.iter().map(|(_, d)| *d).collect();
        d.sort();
        println!(
            "| {} | all, {} connections, {:.1} s | {:.0} | {} | {} | {} |",
            d.len(),
            args.concurrency,
            wall.as_secs_f64(),
            d.len() as f64 / wall.as_secs_f64(),
            ms(percentile(&d, 0.5)),
            ms(percentile(&d, 0.99)),
            ms(d.last().copied().unwrap_or_default())
        );
        println!("\nerrors: {}", errors.len());
        for e in errors.iter().take(10) {
            eprintln!("serve_load: {e}");
        }
        if errors.is_empty() && d.len() == args.requests {
            std::process::ExitCode::SUCCESS
        } else {
            std::process::ExitCode::FAILURE
        }
    })
}
