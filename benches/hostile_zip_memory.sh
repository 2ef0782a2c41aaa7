#!/usr/bin/env bash
# Peak memory of `newsbag verify` and `newsbag extract` on archives with as
# many entries as newsbag accepts (issue #4: "peak memory under ~100 MB
# whatever the input"); figures go to docs/performance.md under "Zipped
# bags".
#
#   bash benches/hostile_zip_memory.sh [WORKDIR]
#
# 1. `many-empty.zip`: a bag directory holding 249,990 empty payload
#    entries that no manifest lists (25 MB): invalid, every entry a finding.
# 2. `many-listed.zip`: the same entries, all listed in a SHA-256 manifest:
#    a valid bag of 249,990 files.
# 3. `long-names.zip`: 249,990 entries with 200-byte names (the names alone
#    are 50 MB): `extract` refuses it before the names are read into memory
#    (names may add up to 64 bytes per allowed entry, 16 MB); `verify`
#    verifies it in four parts (invalid: no manifest lists the entries).
# 4. `many-empty-1m.zip`: 1,000,000 empty payload entries no manifest lists
#    (108 MB): verification stops past 250,000 problems (exit 2), extraction
#    refuses more than 250,000 entries.
#
# Needs a release build, python3 and GNU time (`/usr/bin/time -v`). Uses
# about 320 MB in WORKDIR (default: a temporary directory, removed at the
# end). Not a test: it takes a minute or two.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-$(mktemp -d)}"
cleanup() { [[ -z "${1:-}" ]] && rm -rf "$work"; }
trap 'cleanup "${1:-}"' EXIT
mkdir -p "$work"

cargo build --release --manifest-path "$repo/Cargo.toml" >&2
nb="$repo/target/release/newsbag"

[[ -f "$work/many-empty-1m.zip" ]] || python3 - "$work" <<'PY'
import hashlib, struct, sys, zlib

N = 249_990

def build(path, files):
    """files: list of (name: bytes, data: bytes); stored, directories end in /"""
    with open(path, "wb") as out:
        central = []
        off = 0
        for name, data in files:
            crc = zlib.crc32(data)
            mode = 0o040755 if name.endswith(b"/") else 0o100644
            local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x800, 0, 0, 0x21,
                                crc, len(data), len(data), len(name), 0)
            out.write(local + name + data)
            central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x031E, 20,
                                       0x800, 0, 0, 0x21, crc, len(data), len(data),
                                       len(name), 0, 0, 0, 0, mode << 16, off) + name)
            off += len(local) + len(name) + len(data)
        cd = b"".join(central)
        out.write(cd)
        n = len(files)
        # ZIP64 end of central directory record and locator (more than
        # 65,535 entries), then the classic record pointing at them.
        eocd64 = off + len(cd)
        out.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, n, n,
                              len(cd), off))
        out.write(struct.pack("<IIQI", 0x07064B50, 0, eocd64, 1))
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF,
                              0xFFFFFFFF, 0xFFFFFFFF, 0))

decl = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
def bag(names, listed):
    empty = hashlib.sha256(b"").hexdigest()
    manifest = b"".join(f"{empty}  {n}\n".encode() for n in names) if listed else b""
    info = f"Payload-Oxum: 0.{len(names) if listed else 0}\n".encode()
    files = [(b"bag/", b""), (b"bag/bagit.txt", decl), (b"bag/bag-info.txt", info),
             (b"bag/manifest-sha256.txt", manifest), (b"bag/data/", b"")]
    files += [(b"bag/" + n.encode(), b"") for n in names]
    return files

w = sys.argv[1]
short = [f"data/{i:06d}" for i in range(N)]
build(f"{w}/many-empty.zip", bag(short, False))
build(f"{w}/many-listed.zip", bag(short, True))
long = [f"data/{i:06d}-" + "x" * 188 for i in range(N)]
build(f"{w}/long-names.zip", bag(long, False))
build(f"{w}/many-empty-1m.zip", bag([f"data/{i:07d}" for i in range(1_000_000)], False))
PY

for z in many-empty many-listed long-names many-empty-1m; do
  ls -l "$work/$z.zip" >&2
  for cmd in verify extract; do
    rm -rf "$work/dest"
    args=(verify "$work/$z.zip")
    [[ $cmd == extract ]] && args=(extract "$work/$z.zip" --to "$work/dest")
    set +e
    /usr/bin/time -f "%M %e" -o "$work/time" "$nb" -q "${args[@]}" >/dev/null 2>"$work/err"
    code=$?
    set -e
    read -r kib secs < <(tail -n 1 "$work/time")
    printf '%-12s %-8s exit %d  peak RSS %4d MB  %6.2f s  %s\n' "$z" "$cmd" "$code" \
      $((kib / 1024)) "$secs" "$(head -c 100 "$work/err" | tr '\n' ' ')"
  done
done
rm -rf "$work/dest"
