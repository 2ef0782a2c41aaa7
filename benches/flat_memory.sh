#!/usr/bin/env bash
# Peak memory (max RSS) and wall time of `newsbag bag --to` and `newsbag
# verify` as the number of files grows, for docs/performance.md ("Flat
# memory"). Not run in CI: the largest tree is 1,000,000 files (about 4
# million inodes with the bags, several minutes to create).
#
#   benches/flat_memory.sh [WORKDIR] [COUNTS...]
#
# Files are 1-64 random bytes, 1,000 to a directory (d0000/f0000.txt ...).
# The same bags zipped (written straight to a ZIP): benches/zip_flat_memory.sh.
# Each tree is made once and reused; each bag goes to a new directory (see
# "bag --to: where the time goes" for why nothing is deleted in between).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d /tmp/newsbag-flat.XXXXXX)}
shift || true
counts=${*:-10000 100000 300000 1000000}
mkdir -p "$work"
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
nb="$here/target/release/newsbag"
timing=$(mktemp)
run() { # "wall s, max RSS MB" of "$@"
    /usr/bin/time -o "$timing" -f "%e %M" "$@" >/dev/null 2>&1
    awk '{printf "%s s, %.0f MB", $1, $2 / 1024}' "$timing"
}
echo "| files | bag --to | verify | verify --fast |"
echo "| ---: | --- | --- | --- |"
for n in $counts; do
    src="$work/src$n"
    if [ ! -d "$src" ]; then
        python3 - "$src" "$n" <<'PY'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
random.seed(1)
for d in range((n + 999) // 1000):
    dd = os.path.join(root, "d%04d" % d)
    os.makedirs(dd, exist_ok=True)
    for f in range(min(1000, n - d * 1000)):
        with open(os.path.join(dd, "f%04d.txt" % f), "wb") as fh:
            fh.write(os.urandom(random.randint(1, 64)))
PY
    fi
    bag="$work/bag$n-$(date +%s)"
    b=$(run "$nb" bag -q --date 2000-01-01 --to "$bag" "$src")
    v=$(run "$nb" verify -q "$bag")
    f=$(run "$nb" verify -q --fast "$bag")
    echo "| $n | $b | $v | $f |"
done
rm -f "$timing"
