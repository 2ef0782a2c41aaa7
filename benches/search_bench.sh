#!/usr/bin/env bash
# Search benchmark (issue #14): a synthetic archive of ITEMS news items
# (default 1,000,000), really ingested (bags of 10,000 items, a large
# site's day, each from two RSS feeds of 5,000 items), then:
#   - `find` latency of typical queries (a word, a phrase, Persian spelling
#     variants found through the folding, filters, --count-by month): RUNS
#     runs each (default 30), p50 and p99 of the wall time of the whole
#     command (process start, catalog open, query, snippets read from the
#     zips, output), as a researcher sees it;
#   - `export` throughput to JSON Lines and Parquet, with peak memory, for
#     one bag (10,000 items) and for two years of every bag (about 2/11 of
#     the archive): flat memory means the same peak for both;
#   - the catalog's size per item (the FTS5 index separately, from dbstat).
# Targets (issue #14): first 20 results of a keyword query < 50 ms,
# count-by-month < 200 ms, export >= 20,000 items/s to JSONL, memory flat.
# Prints Markdown tables and the machine's load.
#
#   [RUNS=30] [NEWSBAG=target/release/newsbag] benches/search_bench.sh [ITEMS] [WORKDIR]
#
# The archive is kept in WORKDIR (default /tmp/newsbag-search-ITEMS) and
# reused by later runs; delete it to rebuild.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
items=${1:-1000000}
work=${2:-/tmp/newsbag-search-$items}
RUNS=${RUNS:-30}
mkdir -p "$work"
# NEWSBAG=path measures another build (the figures in docs/performance.md
# say which); by default the release build.
if [ -z "${NEWSBAG:-}" ]; then
    cargo build --release --quiet --manifest-path "$here/Cargo.toml"
fi
nb=${NEWSBAG:-$here/target/release/newsbag}
archive="$work/archive"
timing=$(mktemp)

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB; load before: $(cut -d' ' -f1-3 /proc/loadavg)"

# The corpus: deterministic (seeded) RSS feeds. Words are drawn with Zipf
# weights from a Persian vocabulary (with the spelling variants the folding
# must join: می‌شود / میشود / می شود, Arabic ي and ك, Persian digits),
# Arabic and English ones by the feed's language; ten sources, dates from
# 2010 to 2020, 200 creators.
python3 - "$work/corpus" "$items" <<'PY'
import os, random, sys
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone
out, total = sys.argv[1], int(sys.argv[2])
if os.path.isdir(out):
    sys.exit(0)
rng = random.Random(14)
# Function words first (the most frequent), then a long tail of 5,000
# ranks: made-up words, with the query words put at known ranks (a word at
# rank r fills about 1/(9.1 r) of the word slots: انتخابات and election at
# rank 100 are in about 7 % of their language's items).
letters = "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی"
def tail(function, placed, seed):
    r = random.Random(seed)
    words = list(function)
    fill = 5000 - len(function)
    for rank in range(len(function) + 1, 5001):
        if rank in placed:
            words.append(placed[rank])
        else:
            words.append("".join(r.choice(letters) for _ in range(r.randint(3, 8))))
    return words
fa = tail(
    "و در به از که این را با است می‌شود برای آن یک تا هم شد بود کرد گفت دارد "
    "خواهد سال روز ماه دو".split(),
    {60: "میشود", 80: "می شود", 100: "انتخابات", 120: "کتاب", 150: "بانک مرکزی",
     200: "نفت", 250: "دلار", 300: "تهران", 400: "كتاب", 500: "کتاب‌ها",
     700: "۱۳۹۵", 1000: "زلزله"},
    1,
)
ar = tail(
    "في من إلى على عن مع هذا التي الذي كان يكون".split(),
    {100: "الانتخابات", 120: "كتاب", 150: "البنك المركزي", 200: "النفط"},
    2,
)
en = tail(
    "the of to and in on for with that this was is".split(),
    {100: "election", 150: "central bank", 200: "oil", 300: "tehran"},
    3,
)
def weights(words):  # cumulative Zipf weights
    acc, out = 0.0, []
    for i in range(len(words)):
        acc += 1.0 / (i + 1)
        out.append(acc)
    return out
vocab = {"fa": (fa, weights(fa)), "ar": (ar, weights(ar)), "en": (en, weights(en))}
sources = [f"{name}.example" for name in ("khabar", "akhbar", "news", "daily",
           "times", "post", "herald", "tribune", "gazette", "journal")]
creators = [f"نویسنده {i}" for i in range(200)]
start = datetime(2010, 1, 1, tzinfo=timezone(timedelta(hours=3, minutes=30)))
span = (datetime(2020, 12, 31, tzinfo=start.tzinfo) - start).total_seconds()
def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;")
def text(lang, n):
    words, w = vocab[lang]
    return " ".join(rng.choices(words, cum_weights=w, k=n))
per_feed, per_bag = 5000, 10000
n = 0
while n < total:
    bag = f"{out}/b{n // per_bag:03}"
    os.makedirs(bag, exist_ok=True)
    lang = rng.choices(["fa", "ar", "en"], [70, 15, 15])[0]
    source = sources[(n // per_feed) % len(sources)]
    parts = [f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
             f'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
             f'<title>{source}</title><link>https://{source}/</link>'
             f'<language>{lang}</language>']
    for _ in range(min(per_feed, total - n)):
        when = start + timedelta(seconds=rng.random() * span)
        parts.append(
            f"<item><title>{esc(text(lang, 6))} {n}</title>"
            f"<link>https://{source}/news/{n}</link>"
            f"<guid>https://{source}/news/{n}</guid>"
            f"<pubDate>{format_datetime(when)}</pubDate>"
            f"<dc:creator>{rng.choice(creators)}</dc:creator>"
            f"<category>{esc(text(lang, 1))}</category>"
            f"<description>{esc(text(lang, 60))}</description></item>")
        n += 1
    parts.append("</channel></rss>\n")
    with open(f"{bag}/feed-{n:07}.xml", "w", encoding="utf-8") as f:
        f.write("".join(parts))
PY

# Ingest, bag by bag (skipped for bags already in the archive).
t0=$(date +%s.%N)
ingested=0
for dir in "$work"/corpus/b*; do
    name=$(basename "$dir")
    [ -f "$archive/bags/$name.zip" ] && continue
    "$nb" ingest -q --archive "$archive" --date 2026-12-03 --name "$name" "$dir" >/dev/null
    ingested=1
done
t1=$(date +%s.%N)
if [ "$ingested" = 1 ]; then
    echo "ingest: $items items in $(awk "BEGIN{printf \"%.0f\", $t1 - $t0}") s"
fi

# find latency: RUNS runs of each query, after one warm-up run.
python3 - "$nb" "$archive" "$RUNS" <<'PY'
import subprocess, sys, time
nb, archive, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
queries = [
    ("a word, first 20", ["انتخابات", "--limit", "20"]),
    ("an English word, first 20", ["election", "--limit", "20"]),
    ("a phrase, first 20", ['"بانک مرکزی"', "--limit", "20"]),
    ("Arabic kaf finds Persian کتاب", ["كتاب", "--limit", "20"]),
    ("میشود finds all three spellings", ["میشود", "--limit", "20"]),
    ("word AND NOT word, first 20", ["نفت NOT دلار", "--limit", "20"]),
    ("a rare word, first 20", ["زلزله", "--limit", "20"]),
    ("word + source + year + lang", ["انتخابات", "--source", "khabar.example",
                                     "--since", "2015-01-01", "--until", "2015-12-31",
                                     "--lang", "fa", "--limit", "20"]),
    ("--count-by month, a word", ["انتخابات", "--count-by", "month"]),
    ("--count-by month, every item", ["--count-by", "month"]),
]
print()
print(f"| query | args | runs | p50 (ms) | p99 (ms) | hits |")
print("|---|---|---:|---:|---:|---:|")
for label, args in queries:
    cmd = [nb, "find", archive] + args + ["--json"]
    first = subprocess.run(cmd, capture_output=True, check=True)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    p50 = times[len(times) // 2]
    p99 = times[min(len(times) - 1, int(round(0.99 * (len(times) - 1))))]
    import json
    hits = len(json.loads(first.stdout))
    shown = " ".join(a if " " not in a else repr(a) for a in args)
    print(f"| {label} | `{shown}` | {runs} | {p50:.1f} | {p99:.1f} | {hits} |")
PY

# export throughput and memory: one bag, then four.
run() { # "wall rss_kb" of "$@"
    /usr/bin/time -o "$timing" -f "%e %M" "$@" >/dev/null 2>&1
    cat "$timing"
}
echo
echo "| export | items | wall (s) | items/s | peak memory (MB) | file (MB) |"
echo "|---|---:|---:|---:|---:|---:|"
# One bag (10,000 items), then two years of every bag (about 2/11 of the
# archive): the same peak memory for both is what "flat" means.
for format in jsonl parquet; do
    for sel in "--bag b000" "--since 2013-01-01 --until 2014-12-31"; do
        out="$work/export.$format"
        # shellcheck disable=SC2086
        read -r t m <<< "$(run "$nb" -q export "$archive" $sel --format "$format" --to "$out")"
        n=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['items'])" "$out.manifest.json")
        size=$(stat -c %s "$out")
        echo "| $format \`$sel\` | $n | $t | $(awk "BEGIN{printf \"%.0f\", $n / $t}") | $(awk "BEGIN{printf \"%.0f\", $m / 1024}") | $(awk "BEGIN{printf \"%.0f\", $size / 1048576}") |"
    done
done

# Index size per item.
python3 - "$archive/catalog.sqlite" <<'PY'
import os, sqlite3, sys
path = sys.argv[1]
c = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
items = c.execute("SELECT count(*) FROM items").fetchone()[0]
total = os.path.getsize(path)
print()
print(f"catalog: {items} items, {total / 1048576:.0f} MB, {total / items:.0f} bytes per item")
try:
    fts = c.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'items_fts%'").fetchone()[0]
    facets = c.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'item_facets%'").fetchone()[0]
    print(f"full-text index (items_fts*): {fts / 1048576:.0f} MB, {fts / items:.0f} bytes per item; "
          f"facets: {facets / items:.0f} bytes per item")
except sqlite3.OperationalError as e:
    print(f"(no dbstat in this Python's SQLite: {e})")
PY
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -f "$timing"
