#!/usr/bin/env bash
# `newsbag serve` under load (issue #15): 200 concurrent OAI-PMH and reading-room requests
# against an archive of 10,100 items on 127.0.0.1. Prints the load client's
# Markdown table (requests/s, p50/p99/max latency by kind), the server's
# resident memory before the load and its peak (VmHWM), and the machine's
# load average before and after.
#
#   benches/serve_load.sh [WORKDIR]
#   CONCURRENCY=200 REQUESTS=8000 benches/serve_load.sh
#   PG=1 benches/serve_load.sh   # the archive's catalog on PostgreSQL
#
# PG=1: a PostgreSQL cluster is started (benches/postgres.sh, stopped at
# the end), a copy of the archive (WORKDIR/archive-pg) gets its catalog
# rebuilt there, and that copy is served.
#
# Steps: build newsbag and the load client (release); generate three RSS
# feeds of 3,400 + 3,400 + 3,300 items (four source hosts, every tenth item
# with no URL) and ingest each as a bag; start `newsbag serve` on a free
# loopback port; run benches/serve_load.rs (it walks the archive once, not
# timed, then sends REQUESTS requests over CONCURRENCY keep-alive
# connections and fails on any error); read the server's peak memory; stop
# the server. The archive is kept in WORKDIR for the next run.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d /tmp/newsbag-serve.XXXXXX)}
concurrency=${CONCURRENCY:-200}
requests=${REQUESTS:-8000}
mkdir -p "$work"
cd "$here"
cargo build --release --quiet --bin newsbag
cargo bench --quiet --bench serve_load --no-run 2>/dev/null
nb="$here/target/release/newsbag"

if [ ! -f "$work/archive/catalog.sqlite" ]; then
    for spec in north:0:3400 south:3400:6800 west:6800:10100; do
        IFS=: read -r name start end <<< "$spec"
        python3 - "$work/$name.xml" "$start" "$end" <<'PY'
import sys
path, start, end = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
hosts = ["alpha.example", "beta.example", "gamma.example", "delta.example"]
months = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
out = ['<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
       '<title>Generated</title><language>fa</language>\n']
for g in range(start, end):
    date = "%02d %s %d %02d:%02d:00 GMT" % (g % 28 + 1, months[g % 12], 2000 + g % 25, g % 24, g % 60)
    if g % 10 != 9:
        h = hosts[g % 4]
        ident = "<link>https://%s/news/%d</link><guid>https://%s/news/%d</guid>" % (h, g, h, g)
    else:
        ident = '<guid isPermaLink="false">urn:newsbag-test:%d</guid>' % g
    out.append("<item><title>خبر شماره %d — item %d</title>%s<pubDate>%s</pubDate>"
               "<description>متن خبر شماره %d دربارهٔ شهرداری رشت و اصفهان.</description></item>\n"
               % (g, g, ident, date, g))
out.append("</channel></rss>\n")
open(path, "w", encoding="utf-8").write("".join(out))
PY
        "$nb" ingest -q --archive "$work/archive" --date 2026-11-28 --name "$name" "$work/$name.xml"
        sleep 1
    done
fi

served="$work/archive"
catalog="SQLite"
if [ "${PG:-0}" = 1 ]; then
    # shellcheck source=benches/postgres.sh
    source "$here/benches/postgres.sh"
    start_postgres "$work/pg"
    rm -rf "$work/archive-pg"
    cp -a "$work/archive" "$work/archive-pg"
    rm -f "$work/archive-pg/catalog.sqlite"*
    "$nb" catalog rebuild -q "$work/archive-pg" --catalog "$url"
    served="$work/archive-pg"
    catalog="PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on loopback"
fi

out="$work/serve.out"
: > "$out"
"$nb" serve "$served" --bind 127.0.0.1:0 > "$out" &
server=$!
trap 'kill -INT "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; ${on_exit:-true}' EXIT
for _ in $(seq 100); do
    grep -q '^serving OAI-PMH at ' "$out" && break
    sleep 0.1
done
url=$(sed -n 's/^serving OAI-PMH at //p' "$out")
[ -n "$url" ] || { echo "serve_load.sh: the server did not start" >&2; exit 1; }
rss_idle=$(awk '/^VmRSS/ {print $2}' "/proc/$server/status")

echo "catalog: $catalog"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GB RAM", $2/1048576}' /proc/meminfo), load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
cargo bench --quiet --bench serve_load -- "$url" --concurrency "$concurrency" --requests "$requests" || status=$?
peak=$(awk '/^VmHWM/ {print $2}' "/proc/$server/status")
threads=$(awk '/^Threads/ {print $2}' "/proc/$server/status")
echo "server: resident $((rss_idle / 1024)) MB before the load, peak $((peak / 1024)) MB (VmHWM), $threads threads after"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"
