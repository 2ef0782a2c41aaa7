# Sourced by the benchmarks that need an S3 server: `start_garage DIR
# BUCKET` starts one Garage node on loopback ports (data and metadata in
# DIR, `garage` on the PATH), makes BUCKET and a key allowed to use it,
# exports the AWS_* variables that point newsbag at it, and stops the
# server when the script exits. `garage_cpu` prints the CPU seconds the
# server has used so far (it shares the machine's cores with newsbag).
start_garage() {
    local g=$1 bucket=$2 rpc s3 id
    local secret=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
    rm -rf "$g"
    mkdir -p "$g"
    rpc=$(port)
    s3=$(port)
    cat > "$g/garage.toml" <<EOF2
metadata_dir = "$g/meta"
data_dir = "$g/data"
db_engine = "sqlite"
replication_factor = 1
rpc_bind_addr = "127.0.0.1:$rpc"
rpc_public_addr = "127.0.0.1:$rpc"
rpc_secret = "$secret"
[s3_api]
s3_region = "garage"
api_bind_addr = "127.0.0.1:$s3"
root_domain = ".s3.garage.localhost"
EOF2
    # GARAGE_CPUS=1: the server pinned to those cores (taskset), as a
    # store on machines of its own would leave newsbag's cores alone.
    RUST_LOG=garage=warn ${GARAGE_CPUS:+taskset -c "$GARAGE_CPUS"} \
        garage -c "$g/garage.toml" server > "$g/log" 2>&1 &
    garage_pid=$!
    trap 'kill $garage_pid 2>/dev/null || true; ${on_exit:-true}' EXIT
    admin() { garage -c "$g/garage.toml" "$@"; }
    for _ in $(seq 100); do admin status >/dev/null 2>&1 && break; sleep 0.2; done
    id=$(admin node id -q | cut -d@ -f1)
    admin layout assign -z dc1 -c 10G "$id" >/dev/null
    admin layout apply --version 1 >/dev/null
    admin key import -n bench --yes GK0123456789abcdef01234567 "$secret" >/dev/null
    admin bucket create "$bucket" >/dev/null
    admin bucket allow --read --write --owner "$bucket" --key bench >/dev/null
    export AWS_ENDPOINT_URL="http://127.0.0.1:$s3" AWS_REGION=garage AWS_ALLOW_HTTP=true
    export AWS_ACCESS_KEY_ID=GK0123456789abcdef01234567 AWS_SECRET_ACCESS_KEY=$secret
}
garage_cpu() { awk -v tck="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / tck}' "/proc/$garage_pid/stat"; }
