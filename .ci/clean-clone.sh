#!/usr/bin/env bash
# The README's test command on a clean clone with nothing beside it: no
# ../shared (so no conformance suite), no NEWSBAG_CONFORMANCE_SUITE, no
# NEWSBAG_REQUIRE_PEERS. It must exit 0, and the tests that need the
# conformance suite must say they skipped.
#
# Usage: .ci/clean-clone.sh [REPO]   (default: this repository)
# The clone is of REPO's committed HEAD. CARGO_TARGET_DIR points at REPO's
# target/ so dependencies are not built again (only newsbag itself is).
set -euo pipefail
repo=$(cd "${1:-$(dirname "$0")/..}" && pwd)
target=${CARGO_TARGET_DIR:-$repo/target}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

git clone --quiet "$repo" "$work/newsbag"
if [ -e "$work/shared" ]; then
    echo "clean-clone: $work/shared exists; the clone is not alone" >&2
    exit 1
fi

log=$work/test.log
status=0
(
    cd "$work/newsbag"
    env -u NEWSBAG_CONFORMANCE_SUITE -u NEWSBAG_REQUIRE_PEERS \
        CARGO_TARGET_DIR="$target" cargo test --all-features
) >"$log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
    tail -n 60 "$log" >&2
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
