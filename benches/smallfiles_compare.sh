#!/usr/bin/env bash
# Many small files: this build of newsbag against another binary (BASE, e.g.
# one built from an older commit), side by side with interleaved rounds, to
# show a change to hashing costs nothing on bags of small files (issue 18).
# Not run in CI. Prints a Markdown table (medians of ROUNDS).
#
#   BASE=/path/to/old/newsbag benches/smallfiles_compare.sh [WORKDIR]
#
# Environment: BASE (required), FILES (default 100000, 2-8 KB each, as in
# benches/bagit_compare.sh), ROUNDS (default 5), KEEP=1 keeps WORKDIR.
# Measured: `newsbag verify` of a bag of FILES files (defaults, sha512 +
# sha256) and `newsbag bag` in place (defaults) of a tree of hard links to
# the same files (made before each run, not timed: no data is written).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d /tmp/newsbag-small.XXXXXX)}
FILES=${FILES:-100000}
ROUNDS=${ROUNDS:-5}
: "${BASE:?set BASE to the newsbag binary to compare with}"
mkdir -p "$work"
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
nb="$here/target/release/newsbag"
cleanup() { [ "${KEEP:-}" = 1 ] || rm -rf "$work"; }
trap cleanup EXIT

if [ ! -d "$work/src" ]; then
    python3 - "$work/src" "$FILES" <<'PY'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(8493)
for i in range(n):
    d = f"{root}/d{i // 1000:03}"
    if i % 1000 == 0:
        os.makedirs(d)
    with open(f"{d}/f{i % 1000:04}.txt", "wb") as fh:
        fh.write(rng.randbytes(rng.randint(2048, 8192)))
PY
fi
rm -rf "$work/bag"
cp -al "$work/src" "$work/bag"
"$nb" bag -q --date 2000-01-01 "$work/bag"
find "$work/src" -type f -exec cat {} + > /dev/null

timing=$(mktemp)
results=$work/results.txt
: > "$results"
measure() { # label, then the command; records "label wall cpu"
    local label=$1
    shift
    /usr/bin/time -o "$timing" -f "%e %U %S" "$@" >/dev/null 2>&1
    tail -1 "$timing" | awk -v l="$label" '{ printf "%s\t%s\t%.2f\n", l, $1, $2 + $3 }' >> "$results"
}
for round in $(seq "$ROUNDS"); do
    echo "round $round: load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    for who in new base; do
        bin=$nb
        [ "$who" = base ] && bin=$BASE
        measure "$who verify" "$bin" verify -q "$work/bag"
        rm -rf "$work/inplace"
        cp -al "$work/src" "$work/inplace"
        measure "$who bag in place" "$bin" bag -q --date 2000-01-01 "$work/inplace"
    done
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
python3 - "$results" "$FILES" <<'PY'
import collections, statistics, sys
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    label, wall, cpu = line.rstrip("\n").split("\t")
    rows[label].append((float(wall), float(cpu)))
print(f"| {int(sys.argv[2]):,} files of 2–8 KB | wall (s), median | CPU (s), median | runs |")
print("| --- | ---: | ---: | ---: |")
for label, v in rows.items():
    w = statistics.median(x for x, _ in v)
    c = statistics.median(y for _, y in v)
    print(f"| {label} | {w:.2f} | {c:.2f} | {len(v)} |")
PY
