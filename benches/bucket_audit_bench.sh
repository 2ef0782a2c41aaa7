#!/usr/bin/env bash
# Audits of an archive whose bags are in a bucket (issue #16), against the
# same archive on local disk: BAGS zipped bags of 50 items (default 2,000,
# the audit benchmark's archive), a single-node Garage on loopback and a
# PostgreSQL cluster, both started here and stopped at the end.
#   - plain `audit` of the local archive, and of the archive whose bags are
#     in the bucket (read in place, full fixity);
#   - a cycle of that archive checked by 1, then 2 remote workers reading
#     the bucket (`audit s3://… --worker --remote`, through reading copies),
#     the cycle opened by a worker on the archive's machine.
# Best of RUNS wall times; prints a Markdown table.
#
#   BAGS=2000 RUNS=3 benches/bucket_audit_bench.sh [WORKDIR]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d /tmp/newsbag-bucket.XXXXXX)}
bags=${BAGS:-2000}
RUNS=${RUNS:-3}
mkdir -p "$work"
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
nb="$here/target/release/newsbag"
archive="$work/archive"
bash "$here/benches/make_bag_archive.sh" "$archive" "$bags"
zip_bytes=$(du -cb "$archive"/bags/*.zip | tail -1 | cut -f1)

# shellcheck source=benches/garage.sh
source "$here/benches/garage.sh"
# shellcheck source=benches/postgres.sh
source "$here/benches/postgres.sh"
start_postgres "$work/pg"
start_garage "$work/garage" bench
export NEWSBAG_HOME="$work/reading-copies"
rm -rf "$NEWSBAG_HOME"

# The same bags in the bucket: a new root bound to it, the zips put in its
# outbox and adopted (each uploaded, read back, registered).
remote="$work/in-bucket"
rm -rf "$remote"
for _ in $(seq 60); do
    "$nb" catalog rebuild "$remote" --bags-in s3://bench/news -q 2>/dev/null && break
    rm -rf "$remote"
    sleep 1
done
mkdir -p "$remote/bags"
cp "$archive"/bags/*.zip "$remote/bags/"
"$nb" audit "$remote" --adopt --budget 0s -q >/dev/null

# shellcheck source=benches/timing.sh
source "$here/benches/timing.sh"
plain() { sleep 1.1; secs "$nb" audit "$1" --cycle 1s -q; }
# A cycle of the bucket archive by $1 remote workers (every bag is due
# again after `--cycle 1s`; the cycle opened with no time to check).
remote_cycle() {
    local n=$1 start end
    sleep 1.1
    "$nb" audit "$remote" --worker --catalog "$url" --cycle 1s --budget 0s -q >/dev/null || true
    start=$(date +%s.%N)
    for i in $(seq "$n"); do
        NEWSBAG_HOME="$NEWSBAG_HOME/$i" "$nb" audit s3://bench/news --worker --remote --catalog "$url" -q >/dev/null &
    done
    wait
    end=$(date +%s.%N)
    awk "BEGIN{printf \"%.2f\", $end - $start}"
}
"$nb" verify -q "$archive" >/dev/null # warm the page cache
c0=$(garage_cpu)
t_local=$(best_of plain "$archive")
c1=$(garage_cpu)
t_bucket=$(best_of plain "$remote")
c2=$(garage_cpu)
t_1=$(best_of remote_cycle 1)
t_2=$(best_of remote_cycle 2)
g_bucket=$(awk "BEGIN{printf \"%.1f\", ($c2 - $c1) / $RUNS}")
row() { # label seconds
    echo "| $1 | $2 | $(awk "BEGIN{printf \"%.0f\", $bags / $2}") | $(awk "BEGIN{printf \"%.1f\", $zip_bytes / 1e6 / $2}") | $(awk "BEGIN{printf \"%.2f\", $t_local / $2}") |"
}
cat <<EOF2
$bags bags, $((zip_bytes / 1000000)) MB of zips, Garage $(garage --version 2>/dev/null | head -1 | awk '{print $2}') (one node, loopback) and PostgreSQL on the same $(nproc) cores; best of $RUNS:

| audit at full fixity | wall (s) | bags/s | MB/s | speed / local |
| --- | ---: | ---: | ---: | ---: |
$(row "plain \`audit\`, bags on local disk" "$t_local")
$(row "plain \`audit\`, bags in the bucket (Garage server CPU ${g_bucket} s a run)" "$t_bucket")
$(row "1 remote \`audit s3://… --worker --remote\`" "$t_1")
$(row "2 remote workers at once" "$t_2")
EOF2
