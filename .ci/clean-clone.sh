#!/usr/bin/env bash
# The README's test command on a clean clone with nothing beside it: no
# ../shared (so no conformance suite), no NEWSBAG_CONFORMANCE_SUITE, no
# NEWSBAG_REQUIRE_PEERS. It must exit 0, and the tests that need the
# conformance suite must say they skipped. Then the README's first
# quick-start command (ingest the samples, verify the archive) must pass.
#
# Usage: .ci/clean-clone.sh [REPO]   (default: this repository)
#
# The clone is of REPO's committed HEAD, made at a fixed place,
# TARGET/clean-clone/newsbag (TARGET: CARGO_TARGET_DIR or REPO/target),
# with its own target directory beside it. Not REPO's target directory:
# the test binaries have the checkout's path built in
# (env!("CARGO_MANIFEST_DIR")) and cargo does not rebuild them when only
# that path changes, so a clone and the checkout sharing a target directory
# would run each other's binaries. Not a new temporary place each time
# either, for the same reason. The first run seeds the clone's target
# directory from REPO's (dependencies are not built again); the fresh
# clone's sources are newer than any artifact, so newsbag itself always is.
set -euo pipefail
repo=$(cd "${1:-$(dirname "$0")/..}" && pwd)
main_target=${CARGO_TARGET_DIR:-$repo/target}
base=$main_target/clean-clone
clone=$base/newsbag
target=$base/target
mkdir -p "$base"
rm -rf "$clone"
git clone --quiet "$repo" "$clone"
if [ -e "$base/shared" ]; then
    echo "clean-clone: $base/shared exists; the clone is not alone" >&2
    exit 1
fi
if [ ! -d "$target/debug" ] && [ -d "$main_target/debug/deps" ]; then
    mkdir -p "$target/debug"
    cp -a "$main_target/debug/deps" "$main_target/debug/build" \
        "$main_target/debug/.fingerprint" "$target/debug/"
fi

log=$base/test.log
status=0
(
    cd "$clone"
    env -u NEWSBAG_CONFORMANCE_SUITE -u NEWSBAG_REQUIRE_PEERS \
        CARGO_TARGET_DIR="$target" cargo test --all-features
) >"$log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
    tail -n 60 "$log" >&2
    echo "clean-clone: the whole log is $log" >&2
    echo "clean-clone: cargo test --all-features exited $status on a clean clone" >&2
    exit 1
fi

# Every test that needs the suite says it skipped, naming itself and how to
# provide the suite.
missing=0
for test in \
    conformance::every_case_gets_its_verdict_and_names_its_defect \
    conformance::every_expected_case_exists \
    conformance::warning_cases_print_a_warning_in_text_mode \
    conformance::whole_suite_in_one_run_reports_each_bag \
    conformance::every_case_verified_in_parts_reports_the_same \
    zip::conformance_suite_zipped_gets_the_same_verdicts; do
    if ! grep -q "^skipping $test: the BagIt conformance suite is missing (.*NEWSBAG_CONFORMANCE_SUITE" "$log"; then
        echo "clean-clone: no skip message for $test" >&2
        missing=1
    fi
done
if [ "$missing" -ne 0 ]; then
    grep '^skipping' "$log" >&2 || true
    exit 1
fi
echo "clean-clone: cargo test --all-features passed on a clean clone; skipped:"
grep '^skipping' "$log" | sed 's/: .*//; s/^/  /'

# The README's first quick-start command, in the debug profile (the binary
# the tests just built; --release would build everything again).
(
    cd "$clone"
    export CARGO_TARGET_DIR="$target"
    cargo run --quiet -- ingest archive/inbox --meta archive/inbox/meta.json &&
        cargo run --quiet -- verify archive
) >"$base/quick-start.log" 2>&1 || {
    cat "$base/quick-start.log" >&2
    echo "clean-clone: the README's quick start failed on a clean clone" >&2
    exit 1
}
echo "clean-clone: the README's quick start passed on a clean clone"
rm -rf "$clone"
