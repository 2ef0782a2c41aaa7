#!/usr/bin/env bash
# Audit throughput with workers (issue #16): on an archive of BAGS zipped
# bags of 50 items (default 2,000), the wall time of one cycle at full
# fixity done by
#   - a plain `audit ARCHIVE` (no PostgreSQL),
#   - one `audit --worker`,
#   - two `audit --worker` at once,
#   - three `audit --worker` at once,
# all sharing a PostgreSQL 15 cluster started here (initdb in WORKDIR,
# loopback only, stopped at the end). Prints a Markdown table with bags/s
# and MB/s of zips read.
#
#   BAGS=2000 RUNS=3 benches/workers_bench.sh [WORKDIR]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d /tmp/newsbag-workers.XXXXXX)}
bags=${BAGS:-2000}
RUNS=${RUNS:-3}
mkdir -p "$work"
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
nb="$here/target/release/newsbag"
archive="$work/archive"
bash "$here/benches/make_bag_archive.sh" "$archive" "$bags"
zip_bytes=$(du -cb "$archive"/bags/*.zip | tail -1 | cut -f1)

# shellcheck source=benches/postgres.sh
source "$here/benches/postgres.sh"
start_postgres "$work/pg"

# One cycle with N workers: every bag is due again after `--cycle 1s`.
cycle() { # wall seconds of a cycle done by $1 workers
    local n=$1 start end
    sleep 1.5
    start=$(date +%s.%N)
    for _ in $(seq "$n"); do
        "$nb" audit "$archive" --worker --catalog "$url" --cycle 1s -q >/dev/null &
    done
    wait
    end=$(date +%s.%N)
    awk "BEGIN{printf \"%.2f\", $end - $start}"
}
# shellcheck source=benches/timing.sh
source "$here/benches/timing.sh"
plain() { secs "$nb" audit "$archive" -q; }

"$nb" verify -q "$archive" >/dev/null # warm the page cache
t_plain=$(best_of plain)
t_1=$(best_of cycle 1)
t_2=$(best_of cycle 2)
t_3=$(best_of cycle 3)
row() { # label seconds
    echo "| $1 | $bags | $2 | $(awk "BEGIN{printf \"%.0f\", $bags / $2}") | $(awk "BEGIN{printf \"%.1f\", $zip_bytes / 1e6 / $2}") |"
}
cat <<EOF2
$bags bags, $((zip_bytes / 1000000)) MB of zips, $(nproc) cores; best of $RUNS:

| audit at full fixity | bags | wall (s) | bags/s | MB/s |
| --- | ---: | ---: | ---: | ---: |
$(row "plain \`audit\` (one process, no PostgreSQL)" "$t_plain")
$(row "1 \`audit --worker\`" "$t_1")
$(row "2 \`audit --worker\` at once" "$t_2")
$(row "3 \`audit --worker\` at once" "$t_3")
EOF2
