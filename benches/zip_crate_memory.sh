#!/usr/bin/env bash
# Peak memory (max RSS) and time of listing a large ZIP with the zip crate
# (`zip::ZipArchive::new`, the tests' independent reader) against newsbag's
# own reader, and of the zip crate's writer, for docs/zip-decision.md. Not
# run in CI.
#
#   benches/zip_crate_memory.sh [WORKDIR] [COUNTS...]
#
# The archives are the ones `benches/zip_flat_memory.sh` makes (COUNT
# payload files of 1-64 bytes, 1,000 to a directory, with manifests: about
# 1.001 entries a file); that script is run first with the same WORKDIR and
# COUNTS (default 100,000 and 1,000,000), which prints its own `newsbag
# verify` figures, and the archives are reused. Then, for each archive,
# `examples/zip_memory.rs` in each mode (see there): baseline, zip-crate,
# newsbag-one-pass, newsbag; and zip-crate-write with as many entries.
# Each figure is the best wall time of RUNS runs (default 2) and the
# largest RSS seen.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d /tmp/newsbag-zipcrate.XXXXXX)}
shift || true
counts=${*:-100000 1000000}
runs=${RUNS:-2}
mkdir -p "$work"
bash "$here/benches/zip_flat_memory.sh" "$work" $counts
cargo build --release --quiet --manifest-path "$here/Cargo.toml" --example zip_memory
ex="$here/target/release/examples/zip_memory"
timing=$(mktemp)
run() { # "best wall s | max RSS MB" of RUNS runs of "$@"
    local best="" rss=0
    for _ in $(seq "$runs"); do
        /usr/bin/time -o "$timing" -f "%e %M" "$@" >/dev/null
        read -r t m < <(tail -n 1 "$timing")
        if [[ -z "$best" ]] || (($(echo "$t < $best" | bc -l))); then best=$t; fi
        ((m > rss)) && rss=$m
    done
    printf '%s s | %.1f MB' "$best" "$(echo "$rss / 1024" | bc -l)"
}
for n in $counts; do
    zip="$work/bag$n.zip"
    entries=$(python3 -c "import zipfile,sys; print(len(zipfile.ZipFile(sys.argv[1]).infolist()))" "$zip")
    echo "## $n files ($entries entries, $(du -m "$zip" | cut -f1) MB)"
    echo "| reader | time | peak RSS |"
    echo "| --- | --- | --- |"
    for mode in baseline zip-crate newsbag-one-pass newsbag; do
        echo "| $mode | $(run "$ex" "$mode" "$zip") |"
    done
    echo "| zip-crate-write ($entries entries) | $(run "$ex" zip-crate-write "$entries" "$work/written$n.zip") |"
    rm -f "$work/written$n.zip"
done
rm -f "$timing"
