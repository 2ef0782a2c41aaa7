#!/usr/bin/env bash
# SHA-512 / SHA-256 candidates for newsbag (issue 18), side by side.
# Builds the harness twice — sha2 with its default back ends (run-time
# detection) and with `--cfg sha2_backend="soft"` (sha2's portable code) —
# then runs both binaries in interleaved rounds. Usage:
#   benches/sha512-candidates/run.sh [MiB per round] [rounds]
# Needs libssl-dev and pkg-config (the openssl crate links libssl3).
set -euo pipefail
cd "$(dirname "$0")"
mib=${1:-256}
rounds=${2:-5}
target=../../target/sha512-candidates
cargo build --release -q
RUSTFLAGS='--cfg sha2_backend="soft"' cargo build --release -q --target-dir "$target/soft"
default_bin=$target/release/sha512-candidates
soft_bin=$target/soft/release/sha512-candidates
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-); $(nproc) cores;" \
    "flags: $(grep -m1 -o -w -E 'sha_ni|avx2|avx512f' /proc/cpuinfo | sort -u | tr '\n' ' ')"
echo "# openssl: $(openssl version)"
for round in $(seq "$rounds"); do
    echo "## round $round"
    "$default_bin" "$mib" 1
    CANDIDATES="sha2 0.11" "$soft_bin" "$mib" 1
done
