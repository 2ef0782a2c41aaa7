#!/usr/bin/env bash
# WARC ingest throughput and memory (issue #17): a crawl of N captured news
# pages (default 10,000; HTML in UTF-8 and windows-1256, with and without
# HTTP charsets), written by warcio with a gzip member per record, ingested
# by the release binary; and the same pages as HTML files, for the HTML
# rate of today's ingest on the same pages. A second crawl of 4×N pages
# shows whether memory grows with the crawl. Prints a Markdown table.
#
#   benches/warc_bench.sh [WORKDIR]
#
# Needs a Python with warcio: WARCIO_PYTHON, else target/ci-venv or
# target/warc-venv (python3 -m venv target/warc-venv &&
# target/warc-venv/bin/pip install warcio).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d /tmp/newsbag-warc.XXXXXX)}
N=${N:-10000}
RUNS=${RUNS:-3}
mkdir -p "$work"
py=${WARCIO_PYTHON:-}
for c in "$here/target/ci-venv/bin/python3" "$here/target/warc-venv/bin/python3" python3; do
    [ -n "$py" ] && break
    if "$c" -c 'import warcio' 2>/dev/null; then py=$c; fi
done
[ -n "$py" ] || { echo "no python3 with warcio (see the header of $0)" >&2; exit 2; }
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
nb="$here/target/release/newsbag"
timing=$(mktemp)

# The pages: archive/inbox/page.html (windows-1256) with a numbered title
# and a longer body, every other one re-encoded in UTF-8 (its <meta> too),
# every fifth without an HTTP charset; written as a WARC and, for the HTML
# rate, as files.
gen() { # gen COUNT WARC [HTMLDIR]
"$py" - "$here/archive/inbox/page.html" "$@" <<'PY'
import io, os, sys
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter
page, count, warc = sys.argv[1], int(sys.argv[2]), sys.argv[3]
html_dir = sys.argv[4] if len(sys.argv) > 4 else None
if os.path.exists(warc):
    sys.exit(0)
template = open(page, "rb").read().decode("cp1256")
body = "متن خبر شماره {n} دربارهٔ شهرداری رشت و اصفهان و جلسهٔ شورای شهر. "
with open(warc + ".part", "wb") as f:
    w = WARCWriter(f, gzip=True)
    w.write_record(w.create_warcinfo_record(os.path.basename(warc), {"software": "warcio"}))
    for n in range(count):
        text = template.replace("<title>", f"<title>{n} ", 1).replace(
            "</body>", "<p>" + body.format(n=n) * 8 + "</p></body>", 1)
        if n % 2 == 1:
            # windows-1256, as the sample page is (its <meta> says so).
            data = text.replace("\u06cc", "\u064a").replace("\u06a9", "\u0643").encode("cp1256", "replace")
            ctype = "text/html" if n % 5 == 0 else "text/html; charset=windows-1256"
        else:
            data = text.replace("windows-1256", "utf-8").encode("utf-8")
            ctype = "text/html" if n % 5 == 0 else "text/html; charset=utf-8"
        http = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
        w.write_record(w.create_warc_record(f"https://news.example/{n}", "response",
                                            payload=io.BytesIO(data), http_headers=http))
        if html_dir:
            d = f"{html_dir}/{n // 100:03}"
            os.makedirs(d, exist_ok=True)
            open(f"{d}/{n:05}.html", "wb").write(data)
os.rename(warc + ".part", warc)
PY
}
gen "$N" "$work/crawl-$N.warc.gz" "$work/html-$N"
gen "$((4 * N))" "$work/crawl-$((4 * N)).warc.gz"

best() { # best "wall rss" of RUNS ingests of "$@"
    local best="" rss=""
    for _ in $(seq "$RUNS"); do
        rm -rf "$work/archive"; sync; sleep 2
        /usr/bin/time -o "$timing" -f "%e %M" "$nb" ingest -q --archive "$work/archive" "$@" >/dev/null
        read -r t m < "$timing"
        if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
        if [ -z "$rss" ] || [ "$m" -gt "$rss" ]; then rss=$m; fi
    done
    echo "$best $rss"
}
row() { # row LABEL ITEMS BYTES TIME RSS
    printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$4" \
        "$(awk "BEGIN{printf \"%.0f\", $2 / $4}")" \
        "$(awk "BEGIN{printf \"%.1f\", $3 / 1e6 / $4}")" "$(($5 / 1024))"
}
warc_bytes=$(stat -c %s "$work/crawl-$N.warc.gz")
warc4_bytes=$(stat -c %s "$work/crawl-$((4 * N)).warc.gz")
html_bytes=$(du -sb "$work/html-$N" | cut -f1)
read -r t_html m_html <<< "$(best --date 2000-01-01 --name html "$work/html-$N")"
read -r t_warc m_warc <<< "$(best --date 2000-01-01 --name warc "$work/crawl-$N.warc.gz")"
read -r t_warc4 m_warc4 <<< "$(best --date 2000-01-01 --name warc4 "$work/crawl-$((4 * N)).warc.gz")"
echo "| ingest | items | best of $RUNS (s) | items/s | MB/s (input) | peak memory (MB) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
row "$N pages as HTML files ($((html_bytes / 1000000)) MB)" "$N" "$html_bytes" "$t_html" "$m_html"
row "the same $N pages in one WARC, gzip per record ($((warc_bytes / 1000000)) MB)" "$N" "$warc_bytes" "$t_warc" "$m_warc"
row "$((4 * N)) pages in one WARC ($((warc4_bytes / 1000000)) MB)" "$((4 * N))" "$warc4_bytes" "$t_warc4" "$m_warc4"
