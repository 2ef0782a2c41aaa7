#!/usr/bin/env bash
# Compares newsbag with its peers on this machine and prints a Markdown table
# for docs/performance.md. Not run in CI (it takes minutes and needs a quiet
# machine).
#
#   benches/bagit_compare.sh [WORKDIR]
#
# Needs: a release build (built here), openssl, /usr/bin/time, python3 and
# bagit-python (`pip install bagit`; set BAGIT_PY to its bagit.py).
# Measures, each as the best of $RUNS runs with a warm page cache:
#   1. one 1 GiB file, SHA-256: `openssl dgst -sha256` vs `newsbag verify`
#      of a bag with only a sha256 manifest (and with sha256+sha512);
#   2. 100,000 files of 2-8 KB, sha256+sha512: `bagit.py --validate
#      --processes 2` vs `newsbag verify`, and `bagit.py --processes 2`
#      (bag in place, on a copy) vs `newsbag bag --to`;
#   3. peak memory (max RSS) of newsbag verify and bag for 10,000 and
#      100,000 files.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d /tmp/newsbag-bench.XXXXXX)}
RUNS=${RUNS:-3}
BAGIT_PY=${BAGIT_PY:-bagit.py}
mkdir -p "$work"
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
nb="$here/target/release/newsbag"

timing=$(mktemp)
best() { # best wall time (s) of RUNS runs of "$@", output discarded
    local best=""
    for _ in $(seq "$RUNS"); do
        local t
        /usr/bin/time -o "$timing" -f "%e" "$@" >/dev/null 2>&1 || true
        t=$(tail -1 "$timing")
        if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
    done
    echo "$best"
}
rss() { # max RSS (KiB) of "$@"
    /usr/bin/time -o "$timing" -f "%M" "$@" >/dev/null 2>&1 || true
    tail -1 "$timing"
}
ratio() { awk "BEGIN{printf \"%.2f\", $1 / $2}"; }

echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" >&2

# 1. One large file.
if [ ! -f "$work/big/big.bin" ]; then
    mkdir -p "$work/big"
    head -c $((1024 * 1024 * 1024)) /dev/urandom > "$work/big/big.bin"
fi
rm -rf "$work/bag256" "$work/bagboth"
"$nb" bag -q --date 2000-01-01 -a sha256 --to "$work/bag256" "$work/big"
"$nb" bag -q --date 2000-01-01 --to "$work/bagboth" "$work/big"
cat "$work/bag256/data/big.bin" > /dev/null
t_ossl=$(best openssl dgst -sha256 "$work/bag256/data/big.bin")
t_nb256=$(best "$nb" verify -q "$work/bag256")
t_nbboth=$(best "$nb" verify -q "$work/bagboth")
t_bp256=$(best "$BAGIT_PY" --validate --quiet "$work/bag256")

# 2. Many small files.
if [ ! -d "$work/small-src" ]; then
    python3 - "$work/small-src" <<'PY'
import os, random, sys
root = sys.argv[1]
rng = random.Random(8493)
for d in range(100):
    os.makedirs(f"{root}/d{d:03}")
    for f in range(1000):
        with open(f"{root}/d{d:03}/f{f:04}.txt", "wb") as fh:
            fh.write(rng.randbytes(rng.randint(2048, 8192)))
PY
fi
rm -rf "$work"/small-nb* "$work/small-py"
# newsbag bag --to copies 500 MB into 100,000 new files. On ext4 without a
# journal (as on the benchmark machine) the inode allocator skips inodes
# freed in the last 60 s (360 s while their inode-table block is dirty),
# scanning past every one of them for each new file: creating 100,000
# files right after deleting 100,000 costs up to 3x more system time. So
# nothing is deleted between runs (each bags into a new directory) and the
# first run waits SETTLE seconds after the removals above.
sync; sleep "${SETTLE:-370}"
t_nb_bag=""
for i in $(seq "$RUNS"); do
    sync; sleep 5
    /usr/bin/time -o "$timing" -f "%e" "$nb" bag -q --date 2000-01-01 --to "$work/small-nb.$i" "$work/small-src" >/dev/null 2>&1 || true
    t=$(tail -1 "$timing")
    if [ -z "$t_nb_bag" ] || awk "BEGIN{exit !($t < $t_nb_bag)}"; then t_nb_bag=$t; fi
done
mv "$work/small-nb.1" "$work/small-nb"
rm -rf "$work"/small-nb.*
# bagit.py bags in place: time only the bagging, not the copy.
t_py_bag=""
for _ in $(seq "$RUNS"); do
    rm -rf "$work/small-py"; cp -r "$work/small-src" "$work/small-py"; sync
    /usr/bin/time -o "$timing" -f "%e" "$BAGIT_PY" --quiet --processes 2 --sha256 --sha512 "$work/small-py" >/dev/null 2>&1 || true
    t=$(tail -1 "$timing")
    if [ -z "$t_py_bag" ] || awk "BEGIN{exit !($t < $t_py_bag)}"; then t_py_bag=$t; fi
done
t_nb_verify=$(best "$nb" verify -q "$work/small-nb")
t_py_verify=$(best "$BAGIT_PY" --validate --quiet --processes 2 "$work/small-nb")

# 3. Memory as the bag grows.
rm -rf "$work/small10k-src" "$work/small10k"
mkdir -p "$work/small10k-src"
cp -r "$work/small-src"/d00* "$work/small-src"/d01[0-9] "$work/small10k-src/" 2>/dev/null || true
b10k=$(rss "$nb" bag -q --date 2000-01-01 --to "$work/small10k" "$work/small10k-src")
m10k=$(rss "$nb" verify -q "$work/small10k")
m100k=$(rss "$nb" verify -q "$work/small-nb")
rm -rf "$work/small-rss"
b100k=$(rss "$nb" bag -q --date 2000-01-01 --to "$work/small-rss" "$work/small-src")
rm -rf "$work/small-rss"
mbig=$(rss "$nb" verify -q "$work/bagboth")

cat <<EOF2
| measurement | peer | peer time (s) | newsbag time (s) | newsbag speed vs peer |
| --- | --- | ---: | ---: | ---: |
| 1 GiB file, SHA-256 fixity | \`openssl dgst -sha256\` | $t_ossl | $t_nb256 | $(ratio "$t_ossl" "$t_nb256")× |
| 1 GiB file, SHA-256 fixity | \`bagit.py --validate\` | $t_bp256 | $t_nb256 | $(ratio "$t_bp256" "$t_nb256")× |
| 1 GiB file, SHA-256 + SHA-512 fixity | \`openssl dgst -sha256\` (one algorithm) | $t_ossl | $t_nbboth | $(ratio "$t_ossl" "$t_nbboth")× |
| 100,000 files of 2–8 KB, verify (sha256+sha512) | \`bagit.py --validate --processes 2\` | $t_py_verify | $t_nb_verify | $(ratio "$t_py_verify" "$t_nb_verify")× |
| 100,000 files of 2–8 KB, bag (sha256+sha512) | \`bagit.py --processes 2\` (in place) | $t_py_bag | $t_nb_bag | $(ratio "$t_py_bag" "$t_nb_bag")× |

| peak memory (max RSS) | newsbag verify (KiB) | newsbag bag --to (KiB) |
| --- | ---: | ---: |
| 10,000 small files | $m10k | $b10k |
| 100,000 small files | $m100k | $b100k |
| one 1 GiB file, two algorithms | $mbig | |
EOF2
