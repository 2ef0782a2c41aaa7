#!/usr/bin/env bash
# The archive catalog and audits (issue #12 targets): on an archive of BAGS
# zipped bags of 50 items each (default 2,000),
#   - `audit` at full fixity within 5 % of plain `verify ARCHIVE`;
#   - `audit --budget` stopping within a second of its budget;
#   - `status` and `history` on a catalog of 1,000,000 items under 200 ms;
# and peak memory of each. Prints a Markdown table.
#
#   BAGS=2000 RUNS=3 benches/audit_bench.sh [WORKDIR]
#
# PG=1: also `status` and `history` with the same catalog on PostgreSQL
# (a server started in WORKDIR/pg by benches/postgres.sh, the rows copied
# from the SQLite catalog with psql's \copy).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d /tmp/newsbag-audit.XXXXXX)}
bags=${BAGS:-2000}
RUNS=${RUNS:-3}
mkdir -p "$work"
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
nb="$here/target/release/newsbag"
archive="$work/archive"

bash "$here/benches/make_bag_archive.sh" "$archive" "$bags"
zip_bytes=$(du -cb "$archive"/bags/*.zip | tail -1 | cut -f1)

# shellcheck source=benches/timing.sh
source "$here/benches/timing.sh"

# Warm the page cache, then alternate so that neither gets a cooler machine.
"$nb" verify -q "$archive" >/dev/null
read -r t_verify m_verify <<< "$(best "$nb" verify -q "$archive")"
read -r t_audit m_audit <<< "$(best "$nb" audit "$archive")"
read -r t_verify2 _ <<< "$(best "$nb" verify -q "$archive")"
t_verify=$(awk "BEGIN{print ($t_verify2 < $t_verify) ? $t_verify2 : $t_verify}")

# Budget accuracy: wall time of `audit --budget 3s` (the budget is checked
# between bags; process start and catalog opening are inside the wall time).
read -r t_budget m_budget <<< "$(run "$nb" audit "$archive" --budget 3s)"

# A catalog of 1,000,000 items: the archive's catalog, with synthetic bags
# (rows only, no zips) of the same 50 items under unique ids, and events.
big="$work/big"
target_items=1000000
if [ ! -f "$big/catalog.sqlite" ]; then
    rm -rf "$big"; mkdir -p "$big/bags"
    cp "$archive/catalog.sqlite" "$big/"
    cp -r "$archive/events" "$big/"
    python3 - "$big/catalog.sqlite" "$target_items" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
target = int(sys.argv[2])
have = db.execute("SELECT count(*) FROM items").fetchone()[0]
per_bag = db.execute("SELECT count(*) FROM items WHERE bag = 'b0000'").fetchone()[0]
n = 0
while have < target:
    name = f"synthetic-{n:06}"
    db.execute("""INSERT INTO bags SELECT ?1, 'bags/' || ?1 || '.zip', size, sha256, payload_oxum,
                  bagging_date, tag_manifest, registered, items, state, last_check, last_check_level,
                  last_outcome, last_problems, last_full_check FROM bags WHERE name = 'b0000'""", (name,))
    db.execute("""INSERT INTO items SELECT ?1, id || '-' || ?2, path, title, creator, subject, description,
                  publisher, date, language, identifier, source, sha256, media_type, encoding
                  FROM items WHERE bag = 'b0000'""", (name, n))
    db.execute("""INSERT INTO events (id, time, type, bag, item, outcome, agent, detail)
                  SELECT 'urn:uuid:synthetic-' || ?2 || '-' || seq, time, type, ?1, item, outcome, agent, detail
                  FROM events WHERE bag = 'b0000'""", (name, n))
    have += per_bag
    n += 1
db.commit()
PY
fi
big_items=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM items').fetchone()[0])" "$big/catalog.sqlite")
some_item=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT id FROM items WHERE bag = 'synthetic-010000'\").fetchone()[0])" "$big/catalog.sqlite")
"$nb" status "$big" >/dev/null
read -r t_status m_status <<< "$(best "$nb" status "$big")"
read -r t_hbag m_hbag <<< "$(best "$nb" history "$big" synthetic-010000)"
read -r t_hitem m_hitem <<< "$(best "$nb" history "$big" "$some_item" --format premis)"

pg_rows=""
if [ "${PG:-}" = 1 ]; then
    # shellcheck source=benches/postgres.sh
    source "$here/benches/postgres.sh"
    start_postgres "$work/pg"
    bigpg="$work/bigpg"
    rm -rf "$bigpg"; mkdir -p "$bigpg/bags"
    # The schema made by newsbag itself, then the rows of the SQLite catalog.
    "$nb" catalog rebuild -q "$bigpg" --catalog "$url" >/dev/null
    csv="$work/csv"; rm -rf "$csv"; mkdir -p "$csv"
    python3 - "$big/catalog.sqlite" "$csv" <<'PY2'
import csv, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for table, cols in [
    ("bags", "*"),
    ("items", "bag, id, path, title, creator, subject, description, publisher, date, language, identifier, source, sha256, media_type, encoding"),
    ("copies", "*"),
    ("events", "seq, id, time, type, bag, item, outcome, agent, detail"),
]:
    with open(f"{sys.argv[2]}/{table}.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        for row in db.execute(f"SELECT {cols} FROM {table}"):
            w.writerow(["\\N" if v is None else v for v in row])
PY2
    psql -q "$url" <<SQL >/dev/null
\copy newsbag_catalog.bags FROM '$csv/bags.csv' WITH (FORMAT csv, NULL '\N')
\copy newsbag_catalog.items (bag, id, path, title, creator, subject, description, publisher, date, language, identifier, source, sha256, media_type, encoding) FROM '$csv/items.csv' WITH (FORMAT csv, NULL '\N')
\copy newsbag_catalog.copies FROM '$csv/copies.csv' WITH (FORMAT csv, NULL '\N')
\copy newsbag_catalog.events (seq, id, time, type, bag, item, outcome, agent, detail) FROM '$csv/events.csv' WITH (FORMAT csv, NULL '\N')
ANALYZE;
SQL
    pg_items=$(psql -tA "$url" -c 'SELECT count(*) FROM newsbag_catalog.items')
    "$nb" status "$bigpg" >/dev/null
    read -r t_pstatus m_pstatus <<< "$(best "$nb" status "$bigpg")"
    read -r t_phbag m_phbag <<< "$(best "$nb" history "$bigpg" synthetic-010000)"
    read -r t_phitem m_phitem <<< "$(best "$nb" history "$bigpg" "$some_item" --format premis)"
    pg_rows="| \`status\`, catalog on PostgreSQL | catalog of $pg_items items | $t_pstatus | $((m_pstatus / 1024)) | < 0.2 s |
| \`history BAG\`, catalog on PostgreSQL | the same | $t_phbag | $((m_phbag / 1024)) | < 0.2 s |
| \`history ITEM --format premis\`, catalog on PostgreSQL | the same | $t_phitem | $((m_phitem / 1024)) | < 0.2 s |"
fi

cat <<EOF
| what | on | best of $RUNS (s) | peak memory (MB) | target |
| --- | --- | ---: | ---: | --- |
| \`verify ARCHIVE\` | $bags bags, 50 items each, $((zip_bytes / 1000000)) MB of zips | $t_verify | $((m_verify / 1024)) | |
| \`audit ARCHIVE\` (full fixity, zip SHA-256, an event a bag) | the same | $t_audit | $((m_audit / 1024)) | within 5 % of verify: $(awk "BEGIN{printf \"%+.1f %%\", ($t_audit / $t_verify - 1) * 100}") |
| \`audit --budget 3s\` (one run, wall time) | the same | $t_budget | $((m_budget / 1024)) | within 1 s of 3 s |
| \`status\` | catalog of $big_items items | $t_status | $((m_status / 1024)) | < 0.2 s |
| \`history BAG\` | the same | $t_hbag | $((m_hbag / 1024)) | < 0.2 s |
| \`history ITEM --format premis\` | the same | $t_hitem | $((m_hitem / 1024)) | < 0.2 s |
${pg_rows}
EOF
