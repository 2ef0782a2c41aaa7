#!/usr/bin/env bash
# Big files with the default algorithms (issue 18): newsbag against
# `openssl dgst -sha512` and bagit-python on the same file, side by side in
# one run with interleaved rounds, and prints a Markdown table for
# docs/performance.md. Not run in CI (minutes, and several GiB of disk).
#
#   benches/bighash_compare.sh [WORKDIR]
#
# Environment:
#   SIZES    file sizes in GiB (default "1 2"; fractions allowed, e.g. 0.1)
#   ROUNDS   interleaved rounds (default 3); each figure is the median
#   BASE     another newsbag binary measured beside this build (e.g. one
#            built from an older commit), shown as "newsbag (BASE)"
#   BAGIT_PY bagit-python's bagit.py (default: target/ci-venv/bin/bagit.py,
#            which .ci/run installs; else bagit.py on PATH)
#   KEEP=1   keep WORKDIR (the big files) afterwards
#   DEFLATED=1 also a text file of each size (base64 of random bytes),
#            zipped with its entry deflated: `newsbag verify` of that ZIP
#            inflates on the reading thread while both hashes run
#
# Per size, one random file (page cache warm) is hashed by:
#   openssl dgst -sha512 | -sha256                    (the reference)
#   newsbag verify of a bag with the defaults (sha512 + sha256) | sha256 only
#   newsbag verify of the same bag zipped (one stored entry), in place
#   newsbag bag DIR in place, defaults | -a sha256
#   bagit.py --processes 2 (in place, defaults sha256 + sha512)
#   bagit.py --validate --processes 2 of the default bag
# Bags hold hard links to the one file, so it is read from the same pages
# every time; bagging in place moves a fresh hard link under data/.
# Wall time and CPU time (user + sys) come from /usr/bin/time; the load
# average is printed with each round (the machine may be shared: compare
# ratios within one run).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d /tmp/newsbag-bighash.XXXXXX)}
SIZES=${SIZES:-1 2}
ROUNDS=${ROUNDS:-3}
BASE=${BASE:-}
if [ -z "${BAGIT_PY:-}" ]; then
    BAGIT_PY=$here/target/ci-venv/bin/bagit.py
    [ -x "$BAGIT_PY" ] || BAGIT_PY=bagit.py
fi
mkdir -p "$work"
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
nb="$here/target/release/newsbag"

# The files and their zipped bags: twice the sizes (four times with
# DEFLATED=1), and 1 GiB to spare.
k=2
[ "${DEFLATED:-}" = 1 ] && k=4
need=$(echo $SIZES | awk -v k=$k '{ for (i = 1; i <= NF; i++) t += $i; print int(k * t + 1.5) }')
avail=$(df -Pk "$work" | awk 'NR == 2 { print int($4 / 1048576) }')
if [ "$avail" -lt "$need" ]; then
    echo "need about $need GiB free in $work, have $avail" >&2
    exit 2
fi
cleanup() { [ "${KEEP:-}" = 1 ] || rm -rf "$work"; }
trap cleanup EXIT

timing=$(mktemp)
results=$work/results.txt
: > "$results"
# Runs "$@" (output discarded) and records "label size wall cpu".
measure() {
    local label=$1 size=$2
    shift 2
    if ! /usr/bin/time -o "$timing" -f "%e %U %S" "$@" >/dev/null 2>"$work/stderr"; then
        echo "failed: $*" >&2
        cat "$work/stderr" >&2
        exit 1
    fi
    tail -1 "$timing" | awk -v l="$label" -v s="$size" '{ printf "%s\t%s\t%s\t%.2f\n", l, s, $1, $2 + $3 }' >> "$results"
}

echo "# $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(openssl version); bagit-python $("$BAGIT_PY" --version 2>&1 | awk '{ print $NF }')" >&2
for g in $SIZES; do
    d=$work/$g
    mkdir -p "$d/src"
    head -c "$(awk -v g="$g" 'BEGIN { printf "%d", g * 1073741824 }')" /dev/urandom > "$d/src/big.bin"
    rm -rf "$d/both" "$d/s256"
    # Bags made in place around a hard link to the big file.
    for kind in both s256; do
        mkdir -p "$d/$kind-src"
        ln "$d/src/big.bin" "$d/$kind-src/big.bin"
        args=()
        [ "$kind" = s256 ] && args=(-a sha256)
        "$nb" bag -q --date 2000-01-01 "${args[@]}" "$d/$kind-src"
        mv "$d/$kind-src" "$d/$kind"
    done
    "$nb" bag -q --date 2000-01-01 --zip --to "$d/both.zip" "$d/both"
    cat "$d/src/big.bin" > /dev/null
    if [ "${DEFLATED:-}" = 1 ]; then
        mkdir -p "$d/text"
        bytes=$(awk -v g="$g" 'BEGIN { printf "%d", g * 1073741824 * 3 / 4 }')
        head -c "$bytes" /dev/urandom | base64 -w 76 > "$d/text/big.txt"
        "$nb" bag -q --date 2000-01-01 --zip --to "$d/text.zip" "$d/text"
        cat "$d/text/big.txt" > /dev/null
    fi
done

for round in $(seq "$ROUNDS"); do
    echo "round $round: load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    for g in $SIZES; do
        d=$work/$g
        f=$d/src/big.bin
        fresh() { # a new directory holding a hard link to the big file
            local t
            t=$(mktemp -d "$d/in-place.XXXXXX")
            ln "$f" "$t/big.bin"
            echo "$t"
        }
        measure "openssl dgst -sha512" "$g" openssl dgst -sha512 "$f"
        measure "openssl dgst -sha256" "$g" openssl dgst -sha256 "$f"
        measure "newsbag verify (sha512+sha256)" "$g" "$nb" verify -q "$d/both"
        measure "newsbag verify (sha256)" "$g" "$nb" verify -q "$d/s256"
        measure "newsbag verify ZIP, stored (sha512+sha256)" "$g" "$nb" verify -q "$d/both.zip"
        if [ "${DEFLATED:-}" = 1 ]; then
            measure "openssl dgst -sha512, text file" "$g" openssl dgst -sha512 "$d/text/big.txt"
            measure "newsbag verify ZIP, deflated text (sha512+sha256)" "$g" "$nb" verify -q "$d/text.zip"
            [ -z "$BASE" ] || measure "newsbag (BASE) verify ZIP, deflated text (sha512+sha256)" "$g" "$BASE" verify -q "$d/text.zip"
        fi
        measure "newsbag bag (sha512+sha256)" "$g" "$nb" bag -q --date 2000-01-01 "$(fresh)"
        measure "newsbag bag (sha256)" "$g" "$nb" bag -q --date 2000-01-01 -a sha256 "$(fresh)"
        if [ -n "$BASE" ]; then
            measure "newsbag (BASE) verify (sha512+sha256)" "$g" "$BASE" verify -q "$d/both"
            measure "newsbag (BASE) verify (sha256)" "$g" "$BASE" verify -q "$d/s256"
            measure "newsbag (BASE) verify ZIP, stored (sha512+sha256)" "$g" "$BASE" verify -q "$d/both.zip"
            measure "newsbag (BASE) bag (sha512+sha256)" "$g" "$BASE" bag -q --date 2000-01-01 "$(fresh)"
            measure "newsbag (BASE) bag (sha256)" "$g" "$BASE" bag -q --date 2000-01-01 -a sha256 "$(fresh)"
        fi
        measure "bagit.py --processes 2 (sha256+sha512)" "$g" "$BAGIT_PY" --quiet --processes 2 "$(fresh)"
        measure "bagit.py --validate --processes 2" "$g" "$BAGIT_PY" --validate --quiet --processes 2 "$d/both"
        rm -rf "$d"/in-place.*
    done
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# Medians per label and size; speed relative to openssl dgst -sha512.
python3 - "$results" <<'PY'
import collections, statistics, sys
rows = collections.defaultdict(list)
order = []
for line in open(sys.argv[1]):
    label, size, wall, cpu = line.rstrip("\n").split("\t")
    if (label, size) not in rows:
        order.append((label, size))
    rows[(label, size)].append((float(wall), float(cpu)))
sizes = sorted({s for _, s in order}, key=float)
labels = list(dict.fromkeys(l for l, _ in order))
med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in rows.items()}
head = "| command |" + "".join(f" {s} GiB wall (s) | CPU (s) | speed vs sha512 |" for s in sizes)
print(head)
print("| --- |" + " ---: | ---: | ---: |" * len(sizes))
for l in labels:
    cells = []
    for s in sizes:
        w, c = med[(l, s)]
        ref = med[("openssl dgst -sha512", s)][0]
        cells.append(f" {w:.2f} | {c:.2f} | {ref / w:.2f}× |")
    print(f"| `{l}` |" + "".join(cells))
PY
