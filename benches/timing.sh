# Timing helpers sourced by the benchmark scripts (audit_bench.sh,
# s3_bench.sh, workers_bench.sh, bucket_audit_bench.sh). Needs RUNS set.
timing=$(mktemp)
run() { # "wall rss" of one run of "$@"
    /usr/bin/time -o "$timing" -f "%e %M" "$@" >/dev/null || true
    cat "$timing"
}
best() { # best wall and largest rss of RUNS runs of "$@"
    local best="" rss=""
    for _ in $(seq "$RUNS"); do
        read -r t m <<< "$(run "$@")"
        if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
        if [ -z "$rss" ] || [ "$m" -gt "$rss" ]; then rss=$m; fi
    done
    echo "$best $rss"
}
secs() { # wall seconds of one run of "$@"
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null || true
    end=$(date +%s.%N)
    awk "BEGIN{printf \"%.2f\", $end - $start}"
}
best_of() { # the least of RUNS outputs of "$@" (a command printing seconds)
    local best="" t
    for _ in $(seq "$RUNS"); do
        t=$("$@")
        if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
    done
    echo "$best"
}
