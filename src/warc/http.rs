//! HTTP responses as WARC `response` and `revisit` records hold them
//! (`Content-Type: application/http; msgtype=response`): the status line
//! and header fields, the body as transferred, and the body as the
//! resource's bytes once the transfer coding (chunked) and the content
//! coding (gzip, deflate) the headers name are undone. Nothing is undone
//! that the headers do not name.

use std::io::Read;

/// Longest HTTP response head accepted, in bytes.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;

/// Most bytes a gzip or deflate body may decode to, per byte of it.
pub const MAX_BODY_RATIO: usize = 256;

/// A parsed HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response<'a> {
    /// The status code.
    pub status: u16,
    /// The status line and header fields, up to and with the blank line,
    /// exactly as captured.
    pub head: &'a [u8],
    /// The header fields, names as written, values trimmed (lossy UTF-8).
    pub fields: Vec<(String, String)>,
    /// The body as transferred.
    pub body: &'a [u8],
}

impl Response<'_> {
    /// The first value of field `name` (compared without case).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The media type of `Content-Type`, lower case, without parameters.
    pub fn media_type(&self) -> Option<String> {
        self.get("Content-Type").map(media_type)
    }

    /// The `charset` parameter of `Content-Type`.
    pub fn charset(&self) -> Option<String> {
        self.get("Content-Type").and_then(charset)
    }
}

/// The media type of a `Content-Type` value, lower case.
pub fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// The `charset` parameter of a `Content-Type` value, unquoted.
pub fn charset(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches('"').trim().to_owned())
            .filter(|v| !v.is_empty())
    })
}

/// Parses an HTTP/1.x response: a status line `HTTP/1.x NNN reason`, then
/// header lines up to a blank line (CRLF or bare LF line ends).
pub fn parse_response(block: &[u8]) -> Result<Response<'_>, String> {
    if !block.starts_with(b"HTTP/") {
        let start = String::from_utf8_lossy(&block[..block.len().min(16)]).into_owned();
        return Err(format!(
            "the block is not an HTTP response (starts {start:?})"
        ));
    }
    let window = &block[..block.len().min(MAX_HEAD_BYTES)];
    let crlf = memchr::memmem::find(window, b"\r\n\r\n").map(|i| i + 4);
    let lf = memchr::memmem::find(window, b"\n\n").map(|i| i + 2);
    let end = match (crlf, lf) {
        (Some(a), Some(b)) => a.min(b),
        (Some(a), None) => a,
        (None, Some(b)) => b,
        (None, None) if block.len() <= MAX_HEAD_BYTES => block.len(),
        (None, None) => {
            return Err(format!(
                "the HTTP response head is longer than {MAX_HEAD_BYTES} bytes"
            ));
        }
    };
    let head = &block[..end];
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    if !version.starts_with("HTTP/") {
        return Err(format!("bad HTTP status line {status_line:?}"));
    }
    let status = parts
        .next()
        .and_then(|s| s.trim().parse::<u16>().ok())
        .filter(|s| (100..=999).contains(s))
        .ok_or_else(|| format!("bad HTTP status line {status_line:?}"))?;
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = fields.last_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
            continue;
        }
        // A line without a colon is ignored, as browsers do.
        if let Some((n, v)) = line.split_once(':') {
            fields.push((n.trim().to_owned(), v.trim().to_owned()));
        }
    }
    Ok(Response {
        status,
        head,
        fields,
        body: &block[end..],
    })
}

/// Undoes `Transfer-Encoding: chunked`. Trailers are dropped. An error
/// when the chunks are malformed or the result would pass `max` bytes.
pub fn dechunk(body: &[u8], max: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(body.len().min(max));
    let mut i = 0;
    loop {
        let line_end = memchr::memchr(b'\n', &body[i..])
            .map(|n| i + n)
            .ok_or("a chunk size line without its end")?;
        let line = String::from_utf8_lossy(&body[i..line_end]);
        let size_text = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| format!("bad chunk size {size_text:?}"))?;
        i = line_end + 1;
        if size == 0 {
            return Ok(out);
        }
        if out.len().saturating_add(size) > max {
            return Err(format!("de-chunked body longer than {max} bytes"));
        }
        let data = body
            .get(i..i.saturating_add(size))
            .ok_or("a chunk longer than the rest of the body")?;
        out.extend_from_slice(data);
        i += size;
        // Its CRLF.
        if body[i..].starts_with(b"\r\n") {
            i += 2;
        } else if body[i..].starts_with(b"\n") {
            i += 1;
        } else if i < body.len() {
            return Err("a chunk not followed by CRLF".into());
        }
        if i >= body.len() {
            return Err("chunks end without the last (zero-size) chunk".into());
        }
    }
}

/// Undoes the content codings of a `Content-Encoding` value, last applied
/// first: `gzip`, `x-gzip`, `deflate` (zlib, or raw as some servers send),
/// `identity`. An error for other codings (`br`, `zstd`, `compress`), for
/// corrupt data, and when the result would pass `max` bytes or
/// [`MAX_BODY_RATIO`] times the coded size.
pub fn decode_content(body: &[u8], coding: &str, max: usize) -> Result<Vec<u8>, String> {
    let mut data = body.to_vec();
    for c in coding.split(',').rev() {
        let c = c.trim().to_ascii_lowercase();
        let limit = max.min(data.len().saturating_mul(MAX_BODY_RATIO).max(1 << 16));
        data = match c.as_str() {
            "" | "identity" => data,
            "gzip" | "x-gzip" => inflate(flate2::read::MultiGzDecoder::new(&data[..]), limit)?,
            "deflate" => match inflate(flate2::read::ZlibDecoder::new(&data[..]), limit) {
                Ok(d) => d,
                Err(_) => inflate(flate2::read::DeflateDecoder::new(&data[..]), limit)?,
            },
            other => return Err(format!("content coding `{other}` is not supported")),
        };
    }
    Ok(data)
}

fn inflate(r: impl Read, limit: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    r.take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("corrupt compressed body: {e}"))?;
    if out.len() > limit {
        return Err(format!(
            "the compressed body decodes to more than {limit} bytes"
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn parses_a_response() {
        let block = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=\"windows-1256\"\r\nX: a\r\n  b\r\n\r\n<p>hi";
        let r = parse_response(block).unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.media_type().as_deref(), Some("text/html"));
        assert_eq!(r.charset().as_deref(), Some("windows-1256"));
        assert_eq!(r.get("x"), Some("a b"));
        assert_eq!(r.body, b"<p>hi");
        assert_eq!(r.head.len(), block.len() - 5);
    }

    #[test]
    fn refuses_what_is_not_http() {
        assert!(parse_response(b"<html>").is_err());
        assert!(parse_response(b"HTTP/1.1 abc OK\r\n\r\n").is_err());
    }

    #[test]
    fn dechunks() {
        let body = b"4\r\nWiki\r\n5;x=y\r\npedia\r\n0\r\nTrailer: z\r\n\r\n";
        assert_eq!(dechunk(body, 100).unwrap(), b"Wikipedia");
        assert!(dechunk(b"4\r\nWi", 100).is_err());
        assert!(dechunk(b"zz\r\n", 100).is_err());
        assert!(dechunk(body, 5).is_err());
        assert!(dechunk(b"4\r\nWiki\r\n", 100).is_err());
    }

    #[test]
    fn decodes_gzip_and_deflate_within_limits() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"hello hello").unwrap();
        let gz = gz.finish().unwrap();
        assert_eq!(decode_content(&gz, "gzip", 100).unwrap(), b"hello hello");
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(b"abc").unwrap();
        assert_eq!(
            decode_content(&z.finish().unwrap(), "deflate", 100).unwrap(),
            b"abc"
        );
        assert!(decode_content(b"xx", "br", 100).is_err());
        assert!(decode_content(b"not gzip", "gzip", 100).is_err());
        // A bomb: 10 MB of zeros from a few KB.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&vec![0u8; 10 << 20]).unwrap();
        let bomb = gz.finish().unwrap();
        let e = decode_content(&bomb, "gzip", 64 << 20).unwrap_err();
        assert!(e.contains("more than"), "{e}");
    }

    proptest::proptest! {
        #[test]
        fn chunked_roundtrip(data in proptest::collection::vec(proptest::num::u8::ANY, 0..2000),
                             cuts in proptest::collection::vec(1usize..300, 1..20)) {
            // Writer: chunk `data` at the given sizes; the reader gives it back.
            let mut body = Vec::new();
            let mut i = 0;
            let mut c = cuts.iter().cycle();
            while i < data.len() {
                let n = (*c.next().unwrap()).min(data.len() - i);
                body.extend_from_slice(format!("{n:x}\r\n").as_bytes());
                body.extend_from_slice(&data[i..i + n]);
                body.extend_from_slice(b"\r\n");
                i += n;
            }
            body.extend_from_slice(b"0\r\n\r\n");
            proptest::prop_assert_eq!(dechunk(&body, usize::MAX).unwrap(), data);
        }

        #[test]
        fn parse_never_panics(block in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            let _ = parse_response(&block);
            let _ = dechunk(&block, 1000);
        }
    }
}
