#!/usr/bin/env bash
# Runs every case of the Library of Congress BagIt conformance suite through
# `newsbag verify` and prints one line per case: valid/ and warning/ cases
# must exit 0, invalid/, linux-only/ and windows-only/ cases must exit 1.
# Usage: .ci/conformance.sh NEWSBAG SUITE_DIR
set -uo pipefail
bin=$1 suite=$2
pass=0 fail=0
for case in "$suite"/v*/*/*/; do
    case=${case%/}
    category=$(basename "$(dirname "$case")")
    case $category in
        valid|warning) want=0 ;;
        invalid|linux-only|windows-only) want=1 ;;
        *) continue ;;
    esac
    "$bin" verify --quiet "$case" >/dev/null 2>&1
    got=$?
    name=${case#"$suite"/}
    if [ "$got" = "$want" ]; then
        pass=$((pass + 1)); echo "ok   $name (exit $got)"
    else
        fail=$((fail + 1)); echo "FAIL $name (exit $got, want $want)"
    fi
done
echo "conformance: $pass passed, $fail failed"
[ "$fail" = 0 ] && [ "$pass" -ge 54 ]
