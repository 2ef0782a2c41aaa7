#!/usr/bin/env bash
# Peak memory (max RSS) and wall time of `newsbag verify` on zipped bags as
# the number of entries grows, for docs/performance.md ("Flat memory:
# zipped bags"). Not run in CI.
#
#   benches/zip_flat_memory.sh [WORKDIR] [COUNTS...]
#
# Each bag is written straight to a ZIP by Python (no tree on disk): COUNT
# payload files of 1-64 random bytes, 1,000 to a directory
# (bag/data/d0000/f0000.txt ...), stored, with their directory entries,
# SHA-512 and SHA-256 manifests and tag manifests, and a Payload-Oxum, as
# `newsbag bag --zip` would make them (about 1.1 entries a file). Default
# counts: 100,000, 300,000 and 1,000,000 files (the largest ZIP is about
# 370 MB). Each archive is made once and reused.
#
# NB_BEFORE=/path/to/older/newsbag adds its figures (an older build refuses
# archives of more than 250,000 entries: exit 2). Each figure is the best
# wall time of RUNS runs (default 2) and the largest RSS seen.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d /tmp/newsbag-zipflat.XXXXXX)}
shift || true
counts=${*:-100000 300000 1000000}
runs=${RUNS:-2}
mkdir -p "$work"
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
nb="$here/target/release/newsbag"
timing=$(mktemp)
run() { # "best wall s, max RSS MB (exit)" of RUNS runs of "$@"
    local best="" rss=0 code=0
    for _ in $(seq "$runs"); do
        set +e
        /usr/bin/time -o "$timing" -f "%e %M" "$@" >/dev/null 2>&1
        code=$?
        set -e
        read -r t m < <(tail -n 1 "$timing")
        if [[ -z "$best" ]] || (($(echo "$t < $best" | bc -l))); then best=$t; fi
        ((m > rss)) && rss=$m
    done
    if ((code == 2)); then
        printf 'refused (exit 2), %.0f MB' "$(echo "$rss / 1024" | bc -l)"
    else
        printf '%s s, %.0f MB' "$best" "$(echo "$rss / 1024" | bc -l)"
    fi
}
for n in $counts; do
    zip="$work/bag$n.zip"
    [[ -f "$zip" ]] || python3 - "$zip" "$n" <<'PY'
import hashlib, os, random, struct, sys, zlib

path, n = sys.argv[1], int(sys.argv[2])
random.seed(1)
central = []
off = 0
out = open(path, "wb")

def add(name, data):
    global off
    name = name.encode()
    crc = zlib.crc32(data) & 0xFFFFFFFF
    is_dir = name.endswith(b"/")
    mode = 0o040755 if is_dir else 0o100644
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x800, 0, 0, 0x21,
                        crc, len(data), len(data), len(name), 0)
    out.write(local + name + data)
    # Offsets past 4 GiB would need ZIP64 extra fields: not reached here.
    assert off < 0xFFFFFFFF
    central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x031E, 20,
                               0x800, 0, 0, 0x21, crc, len(data), len(data),
                               len(name), 0, 0, 0, 0, mode << 16, off) + name)
    off += len(local) + len(name) + len(data)

files = []
total = 0
for i in range(n):
    rel = "data/d%04d/f%04d.txt" % (i // 1000, i % 1000)
    data = os.urandom(random.randint(1, 64))
    total += len(data)
    files.append((rel, data))
m512 = "".join(f"{hashlib.sha512(d).hexdigest()}  {r}\n" for r, d in files).encode()
m256 = "".join(f"{hashlib.sha256(d).hexdigest()}  {r}\n" for r, d in files).encode()
bagit = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
info = f"Bagging-Date: 2000-01-01\nPayload-Oxum: {total}.{n}\n".encode()
tags = {"bag-info.txt": info, "bagit.txt": bagit,
        "manifest-sha256.txt": m256, "manifest-sha512.txt": m512}
add("bag/", b"")
add("bag/bag-info.txt", info)
add("bag/bagit.txt", bagit)
add("bag/data/", b"")
for i, (rel, data) in enumerate(files):
    if i % 1000 == 0:
        add("bag/" + rel.rsplit("/", 1)[0] + "/", b"")
    add("bag/" + rel, data)
files = None
add("bag/manifest-sha256.txt", m256)
add("bag/manifest-sha512.txt", m512)
for alg in ("sha256", "sha512"):
    tm = "".join(f"{hashlib.new(alg, d).hexdigest()}  {t}\n" for t, d in sorted(tags.items()))
    add(f"bag/tagmanifest-{alg}.txt", tm.encode())
cd = b"".join(central)
count = len(central)
eocd64 = off + len(cd)
out.write(cd)
out.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count,
                      len(cd), off))
out.write(struct.pack("<IIQI", 0x07064B50, 0, eocd64, 1))
out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF,
                      0xFFFFFFFF, 0xFFFFFFFF, 0))
out.close()
PY
    entries=$(python3 -c "import zipfile,sys; print(len(zipfile.ZipFile(sys.argv[1]).infolist()))" "$zip")
    echo "## $n files ($entries entries, $(du -m "$zip" | cut -f1) MB)"
    echo "| build | verify | verify --completeness-only | verify --fast |"
    echo "| --- | --- | --- | --- |"
    for bin in ${NB_BEFORE:+"$NB_BEFORE"} "$nb"; do
        label=after
        [[ "$bin" == "${NB_BEFORE:-}" ]] && label=before
        v=$(run "$bin" verify -q "$zip")
        c=$(run "$bin" verify -q --completeness-only "$zip")
        f=$(run "$bin" verify -q --fast "$zip")
        echo "| $label | $v | $c | $f |"
    done
done
rm -f "$timing"
