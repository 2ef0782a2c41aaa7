# Timing helpers sourced by the benchmark scripts (audit_bench.sh,
# s3_bench.sh). Needs RUNS set.
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
