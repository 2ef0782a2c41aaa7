#!/usr/bin/env bash
# Verifying zipped bags in an S3 bucket against the same bags on local
# disk (issue #16: aim at >= 0.7 of local): a single-node Garage server on
# loopback (started here, stopped at the end; `garage` on the PATH), and
#   - one zipped bag of a 1 GiB file (random bytes, stored, SHA-512 and
#     SHA-256 manifests), `verify BAG.zip` against `verify s3://…/BAG.zip`;
#   - BAGS small zipped bags (default 2,000, 50 items each, the audit
#     benchmark's archive), `verify ARCHIVE/bags` against `verify
#     s3://…/PREFIX/bags`.
# Best of RUNS wall times, peak memory; prints a Markdown table.
#
# PIN=1: the store as if on a machine of its own: Garage pinned to the
# last core, newsbag (local and Garage runs alike) to the others, so that
# the two never take each other's CPU (the comparison a deployment with
# the store on other machines makes; needs 2 cores or more).
#
#   BAGS=2000 RUNS=3 [PIN=1] benches/s3_bench.sh [WORKDIR]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d /tmp/newsbag-s3.XXXXXX)}
bags=${BAGS:-2000}
RUNS=${RUNS:-3}
mkdir -p "$work"
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
nb="$here/target/release/newsbag"

# The small bags, and the big one.
archive="$work/archive"
bash "$here/benches/make_bag_archive.sh" "$archive" "$bags"
big="$work/big"
if [ ! -f "$big/bags/big.zip" ]; then
    rm -rf "$big" "$work/big-src"
    mkdir -p "$work/big-src" "$big/bags"
    head -c $((1024 * 1024 * 1024)) /dev/urandom > "$work/big-src/one-gib.bin"
    "$nb" bag -q "$work/big-src" --zip --to "$big/bags/big.zip"
    rm -rf "$work/big-src"
    "$nb" audit "$big" --adopt --budget 0s --json >/dev/null
fi

# Garage, one node, loopback.
pin=()
setup="no pinning: Garage and newsbag share every core"
if [ "${PIN:-0}" = 1 ]; then
    last=$(($(nproc) - 1))
    export GARAGE_CPUS=$last
    pin=(taskset -c "0-$((last - 1))")
    setup="Garage pinned to core $last, newsbag to cores 0-$((last - 1))"
fi
# shellcheck source=benches/garage.sh
source "$here/benches/garage.sh"
start_garage "$work/garage" bench
for _ in $(seq 60); do
    "$nb" replicate "$big" --to s3://bench/big -q >/dev/null 2>&1 && break
    sleep 1
done
"$nb" replicate "$archive" --to s3://bench/small -q >/dev/null

# shellcheck source=benches/timing.sh
source "$here/benches/timing.sh"
# Warm both (Garage's data files are in the same page cache).
"$nb" verify -q "$big/bags/big.zip" >/dev/null
"$nb" verify -q s3://bench/big/bags/big.zip >/dev/null
read -r t_big_local m_big_local <<< "$(best "${pin[@]}" "$nb" verify -q "$big/bags/big.zip")"
c0=$(garage_cpu)
read -r t_big_s3 m_big_s3 <<< "$(best "${pin[@]}" "$nb" verify -q s3://bench/big/bags/big.zip)"
c1=$(garage_cpu)
read -r t_small_local m_small_local <<< "$(best "${pin[@]}" "$nb" verify -q "$archive/bags")"
c2=$(garage_cpu)
read -r t_small_s3 m_small_s3 <<< "$(best "${pin[@]}" "$nb" verify -q s3://bench/small/bags)"
c3=$(garage_cpu)
g_big=$(awk "BEGIN{printf \"%.1f\", ($c1 - $c0) / $RUNS}")
g_small=$(awk "BEGIN{printf \"%.1f\", ($c3 - $c2) / $RUNS}")
big_bytes=$(stat -c %s "$big/bags/big.zip")
small_bytes=$(du -cb "$archive"/bags/*.zip | tail -1 | cut -f1)
ratio() { awk "BEGIN{printf \"%.2f\", $1 / $2}"; }
mbs() { awk "BEGIN{printf \"%.0f\", $1 / 1e6 / $2}"; }
cat <<EOF2
Garage $(garage --version 2>/dev/null | head -1 | awk '{print $2}'), one node on loopback; $(nproc) cores, $setup; best of $RUNS:

| verify (full fixity) | local disk (s) | MB/s | Garage (s) | MB/s | Garage / local speed | Garage server CPU a run (s) | peak memory local / Garage (MB) |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| one bag of a 1 GiB file ($((big_bytes / 1000000)) MB zip) | $t_big_local | $(mbs "$big_bytes" "$t_big_local") | $t_big_s3 | $(mbs "$big_bytes" "$t_big_s3") | $(ratio "$t_big_local" "$t_big_s3") | $g_big | $((m_big_local / 1024)) / $((m_big_s3 / 1024)) |
| $bags small bags ($((small_bytes / 1000000)) MB of zips) | $t_small_local | $(mbs "$small_bytes" "$t_small_local") | $t_small_s3 | $(mbs "$small_bytes" "$t_small_s3") | $(ratio "$t_small_local" "$t_small_s3") | $g_small | $((m_small_local / 1024)) / $((m_small_s3 / 1024)) |
EOF2
