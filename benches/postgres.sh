# Sourced by the benchmarks of audit workers: `start_postgres DIR` starts
# a PostgreSQL cluster (Debian's binaries; initdb in DIR, loopback only,
# run as `postgres` when this runs as root, which initdb refuses), sets
# `url` to a database in it, and stops it when the script exits.
start_postgres() {
    local pg_dir=$1 port
    pg_bin=${NEWSBAG_PG_BIN:-$(dirname "$(readlink -f "$(command -v initdb || ls -d /usr/lib/postgresql/*/bin/initdb | tail -1)")")}
    as_pg=()
    if [ "$(id -u)" = 0 ]; then as_pg=(runuser -u postgres --); fi
    rm -rf "$pg_dir"
    mkdir -p "$pg_dir"
    [ ${#as_pg[@]} -eq 0 ] || chown postgres: "$pg_dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    (cd "$pg_dir" && "${as_pg[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U newsbag -E UTF8 --locale C >/dev/null)
    (cd "$pg_dir" && "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
        -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='$pg_dir'" start >/dev/null)
    pg_stop_dir=$pg_dir
    on_exit=stop_pg
    trap 'stop_pg; ${garage_pid:+kill $garage_pid 2>/dev/null || true}' EXIT
    url="postgres://newsbag@127.0.0.1:$port/postgres"
}
stop_pg() { (cd "$pg_stop_dir" && "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_stop_dir/data" -m fast -w stop >/dev/null) || true; }
