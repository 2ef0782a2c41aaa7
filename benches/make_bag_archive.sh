#!/usr/bin/env bash
# Makes ARCHIVE, an archive of BAGS zipped bags of 50 items each (one
# ingest of the inbox samples made distinct, its zip copied and adopted),
# unless it is there already. Used by audit_bench.sh and workers_bench.sh.
#
#   benches/make_bag_archive.sh ARCHIVE BAGS
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
archive=$1
bags=$2
work=$(dirname "$archive")
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
nb="$here/target/release/newsbag"

# One bag of 50 distinct items (the inbox's text and HTML samples, each
# made distinct by a numbered first line), copied BAGS times and adopted.
if [ ! -f "$archive/bags/b0000.zip" ]; then
    rm -rf "$archive" "$work/corpus"
    python3 - "$here/archive/inbox" "$work/corpus" <<'PY'
import os, sys
src, out = sys.argv[1], sys.argv[2]
os.makedirs(out)
samples = [("seed-fa-utf8.txt", "utf-8"), ("seed-fa-windows1256.txt", "cp1256"),
           ("seed-fa-utf16le.txt", "utf-16-le"), ("page.html", None)]
for n in range(50):
    name, enc = samples[n % len(samples)]
    data = open(os.path.join(src, name), "rb").read()
    if enc:
        data = (f"خبر شماره {n}\n" + data.decode(enc)).encode(enc)
    else:
        data = data.replace(b"<title>", f"<title>{n} ".encode(), 1)
    open(f"{out}/{n:02}-{name}", "wb").write(data)
PY
    "$nb" ingest -q --archive "$archive" --date 2026-01-01 --name b0000 "$work/corpus" >/dev/null
    for i in $(seq 1 $((bags - 1))); do
        cp "$archive/bags/b0000.zip" "$(printf '%s/bags/b%04d.zip' "$archive" "$i")"
    done
    "$nb" audit "$archive" --adopt --budget 0s --json >/dev/null
fi
