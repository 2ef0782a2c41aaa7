#!/usr/bin/env bash
# Benchmark of zipped-bag verification (issue #4); figures go to
# docs/performance.md under "Zipped bags".
#
#   bash benches/zip_verify.sh [WORKDIR]
#
# 1. A bag of 100,000 small files (64 B to 4 KiB, half text-like, half
#    random), verified at full fixity as a directory and as a ZIP
#    (`newsbag verify`, default sha512 + sha256). Target: zip >= 0.8x dir.
# 2. One 1 GiB random (so stored) payload file in a sha256-only bag:
#    `newsbag verify BAG.zip` against `openssl dgst -sha256` of the same
#    bytes. Target: >= 0.9x openssl's throughput.
#
# Each timing is the best of 5 warm runs (the page cache holds the data, so
# this measures newsbag, not the disk). Needs: a release build, python3,
# openssl. Uses about 3.5 GB in WORKDIR (default: a temporary directory,
# removed at the end).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-$(mktemp -d)}"
cleanup() { [[ -z "${1:-}" ]] && rm -rf "$work"; }
trap 'cleanup "${1:-}"' EXIT
mkdir -p "$work"

cargo build --release --manifest-path "$repo/Cargo.toml" >&2
nb="$repo/target/release/newsbag"

best_of_5() { # command... -> prints the best wall time in seconds
  local best=""
  for _ in 1 2 3 4 5; do
    local s e t
    s=$(date +%s.%N)
    "$@" >/dev/null
    e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc -l)
    if [[ -z "$best" ]] || (($(echo "$t < $best" | bc -l))); then best=$t; fi
  done
  printf '%.3f\n' "$best"
}

echo "== 100,000 small files" >&2
if [[ ! -d "$work/small-src" ]]; then
  python3 - "$work/small-src" <<'PY'
import os, random, sys
root = sys.argv[1]
rng = random.Random(4)
words = b"news bag archive text report the of and in to a ".split()
for i in range(100_000):
    d = os.path.join(root, f"d{i // 1000:03d}")
    os.makedirs(d, exist_ok=True)
    n = rng.randint(64, 4096)
    if i % 2:
        data = rng.randbytes(n)
        name = f"f{i:06d}.bin"
    else:
        data = b" ".join(rng.choice(words) for _ in range(n // 5))[:n]
        name = f"f{i:06d}.txt"
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)
PY
fi
rm -rf "$work/small-bag" "$work/small-bag.zip"
"$nb" -q bag --date 2026-11-28 --to "$work/small-bag" "$work/small-src"
"$nb" -q bag --zip --to "$work/small-bag.zip" "$work/small-bag"
"$nb" verify "$work/small-bag" >/dev/null
dir_t=$(best_of_5 "$nb" verify "$work/small-bag")
zip_t=$(best_of_5 "$nb" verify "$work/small-bag.zip")
zip_size=$(stat -c %s "$work/small-bag.zip")
echo "dir verify: ${dir_t}s  zip verify: ${zip_t}s  (zip is $zip_size bytes)"
echo "zip/dir speed: $(echo "scale=2; $dir_t / $zip_t" | bc -l)x (target >= 0.8x)"
if command -v /usr/bin/time >/dev/null; then
  /usr/bin/time -f "dir verify peak RSS: %M KiB" "$nb" verify "$work/small-bag" >/dev/null
  /usr/bin/time -f "zip verify peak RSS: %M KiB" "$nb" verify "$work/small-bag.zip" >/dev/null
fi

echo "== one 1 GiB stored entry" >&2
rm -rf "$work/big-src" "$work/big-bag.zip"
mkdir -p "$work/big-src"
head -c $((1 << 30)) /dev/urandom >"$work/big-src/big.bin"
"$nb" -q bag --zip --date 2026-11-28 -a sha256 --to "$work/big-bag.zip" "$work/big-src"
ossl_t=$(best_of_5 openssl dgst -sha256 "$work/big-src/big.bin")
nbz_t=$(best_of_5 "$nb" verify "$work/big-bag.zip")
echo "openssl dgst -sha256: ${ossl_t}s ($(echo "scale=0; 1024 / $ossl_t" | bc -l) MiB/s)"
echo "newsbag verify zip:   ${nbz_t}s ($(echo "scale=0; 1024 / $nbz_t" | bc -l) MiB/s)"
echo "newsbag/openssl throughput: $(echo "scale=2; $ossl_t / $nbz_t" | bc -l)x (target >= 0.9x)"
if command -v /usr/bin/time >/dev/null; then
  /usr/bin/time -f "1 GiB zip verify peak RSS: %M KiB" "$nb" verify "$work/big-bag.zip" >/dev/null
fi
