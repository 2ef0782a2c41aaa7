#compdef newsbag

autoload -U is-at-least

_newsbag() {
    typeset -A opt_args
    typeset -a _arguments_options
    local ret=1

    if is-at-least 5.2; then
        _arguments_options=(-s -S -C)
    else
        _arguments_options=(-s -C)
    fi

    local context curcontext="$curcontext" state line
    _arguments "${_arguments_options[@]}" : \
'--s3-endpoint=[The S3 API endpoint of s3\:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http\:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line]:URL:_default' \
'--s3-region=[The S3 region of s3\:// locations (instead of AWS_REGION)]:NAME:_default' \
'-q[Print only errors]' \
'--quiet[Print only errors]' \
'*-v[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'*--verbose[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'--no-progress[Never draw progress bars]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_newsbag_commands" \
"*::: :->newsbag" \
&& ret=0
    case $state in
    (newsbag)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:newsbag-command-$line[1]:"
        case $line[1] in
            (ingest)
_arguments "${_arguments_options[@]}" : \
'--archive=[The archive root; the bag goes to ARCHIVE/bags/NAME.zip]:DIR:_files' \
'--bags-in=[Keep the archive'\''s bags in a bucket, at s3\://BUCKET/PREFIX/bags/NAME.zip (set once, by the first ingest of a new archive, in ARCHIVE/store.json; the catalog and the event log stay in ARCHIVE). Each bag is built and verified locally, uploaded, read back and only then registered]:s3://BUCKET/PREFIX:_default' \
'--catalog=[Keep the archive'\''s catalog in this PostgreSQL database instead of ARCHIVE/catalog.sqlite (set once, by the first ingest of a new archive, in ARCHIVE/catalog.json; no password in the URL\: set PGPASSWORD). An existing archive'\''s catalog moves with \`catalog rebuild --catalog\`]:postgres://USER@HOST/DB:_default' \
'--catalog-schema=[The PostgreSQL schema of the catalog'\''s tables (with --catalog)]:NAME:_default' \
'--station=[Make a new ARCHIVE a station of the archive whose bags are in --bags-in and whose catalog is --catalog\: another machine'\''s root ingesting into the same bucket and PostgreSQL catalog, with an event log of its own (copied to s3\://BUCKET/PREFIX/stations/NAME/events/). NAME\: 1 to 40 of a-z, 0-9 and -]:NAME:_default' \
'--name=[The bag'\''s name (default\: the first input'\''s name and the date)]:NAME:_default' \
'--encoding=[Decode every input with this encoding (a WHATWG label) instead of detecting it]:LABEL:_default' \
'*--info=[A bag-info.txt element, written in the order given (repeatable)]:LABEL=VALUE:_default' \
'--meta=[Dublin Core fields for inputs that carry none\: JSON or CSV keyed by input file name (schemas/meta.schema.json). The file itself is not ingested]:FILE:_files' \
'--date=[Bagging-Date (YYYY-MM-DD); default\: today (UTC). With a date, the provenance records that date as the ingest time, so the same inputs give a byte-identical bag]:YYYY-MM-DD:_default' \
'--max-input-bytes=[Largest input accepted, in bytes (for a WARC\: largest captured payload; the WARC itself is streamed whatever its size)]:BYTES:_default' \
'--s3-endpoint=[The S3 API endpoint of s3\:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http\:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line]:URL:_default' \
'--s3-region=[The S3 region of s3\:// locations (instead of AWS_REGION)]:NAME:_default' \
'--keep-going[Ingest what can be ingested and list the rejected inputs (exit 1) instead of writing nothing]' \
'--json[Print the summary as JSON on stdout]' \
'-q[Print only errors]' \
'--quiet[Print only errors]' \
'*-v[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'*--verbose[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'--no-progress[Never draw progress bars]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'*::inputs -- Files, directories or `-` (standard input):_files' \
&& ret=0
;;
(bag)
_arguments "${_arguments_options[@]}" : \
'--to=[Write the bag at DEST (which must not exist) and leave DIR untouched]:DEST:_files' \
'*-a+[Checksum algorithm for manifests and tag manifests (repeatable)\: sha512, sha256, sha384, sha224, sha1, md5. Default\: sha512 and sha256]:ALG:_default' \
'*--algorithm=[Checksum algorithm for manifests and tag manifests (repeatable)\: sha512, sha256, sha384, sha224, sha1, md5. Default\: sha512 and sha256]:ALG:_default' \
'*--info=[A bag-info.txt element, written in the order given (repeatable)]:LABEL=VALUE:_default' \
'--date=[Bagging-Date (YYYY-MM-DD); default\: today (UTC)]:YYYY-MM-DD:_default' \
'--s3-endpoint=[The S3 API endpoint of s3\:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http\:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line]:URL:_default' \
'--s3-region=[The S3 region of s3\:// locations (instead of AWS_REGION)]:NAME:_default' \
'--zip[Write a deterministic ZIP (one top-level directory named after the archive) instead of a directory; DIR is left untouched. If DIR is already a bag it is zipped as it is, else it is bagged first. The archive is DEST if --to is given, else DIR.zip beside DIR; it appears under its name only once written and verified]' \
'-q[Print only errors]' \
'--quiet[Print only errors]' \
'*-v[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'*--verbose[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'--no-progress[Never draw progress bars]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
':dir -- The directory to bag:_files' \
&& ret=0
;;
(verify)
_arguments "${_arguments_options[@]}" : \
'--s3-endpoint=[The S3 API endpoint of s3\:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http\:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line]:URL:_default' \
'--s3-region=[The S3 region of s3\:// locations (instead of AWS_REGION)]:NAME:_default' \
'(--completeness-only)--fast[Check structure and Payload-Oxum only (no manifest comparison, no hashing)]' \
'--completeness-only[Check that every listed file exists and every payload file is listed, without hashing]' \
'--json[Print a JSON report (schemas/verify-report.schema.json) instead of text]' \
'-q[Print only errors]' \
'--quiet[Print only errors]' \
'*-v[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'*--verbose[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'--no-progress[Never draw progress bars]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'*::paths -- Bags, directories holding bags, or s3\://BUCKET/KEY.zip and s3\://BUCKET/PREFIX:_files' \
&& ret=0
;;
(extract)
_arguments "${_arguments_options[@]}" : \
'--to=[Where to extract the bag (must not exist, or be an empty directory)]:DIR:_files' \
'*--item=[From a zipped bag\: extract only this payload file (path inside the bag, such as data/a.txt; a path ending in / takes the directory); tag files are always extracted. From an archive\: the id of an item to take out (required). Repeatable]:PATH|ID:_default' \
'--bag=[From an archive\: take the items from this bag (needed when several bags hold an item of that id)]:NAME:_default' \
'--max-total-bytes=[Refuse archives whose entries add up to more than N bytes]:N:_default' \
'--max-ratio=[Refuse entries of 1 MiB or more that expand more than N times]:N:_default' \
'--max-entries=[Refuse archives of more than N entries]:N:_default' \
'--s3-endpoint=[The S3 API endpoint of s3\:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http\:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line]:URL:_default' \
'--s3-region=[The S3 region of s3\:// locations (instead of AWS_REGION)]:NAME:_default' \
'-q[Print only errors]' \
'--quiet[Print only errors]' \
'*-v[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'*--verbose[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'--no-progress[Never draw progress bars]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
':zip -- The zipped bag, or an archive root (then --item names item ids):_files' \
&& ret=0
;;
(audit)
_arguments "${_arguments_options[@]}" : \
'--cycle=[Every bag should be fully checked within this period (s, m, h, d or w suffix); bags not checked within it are overdue]:DURATION:_default' \
'(--max-bytes)--budget=[Start no new bag after this long (s, m, h, d or w suffix)]:DURATION:_default' \
'--max-bytes=[Start no bag that would take the bytes read past this (K, M, G or T suffix, powers of 1024)]:SIZE:_default' \
'--level=[How thoroughly each bag is checked; only fixity counts as a full check]:LEVEL:((fast\:"Structure and Payload-Oxum only"
completeness\:"Every file present and listed, nothing hashed"
fixity\:"Every checksum, and the zip'\''s own SHA-256"))' \
'--metrics=[Write Prometheus metrics for node_exporter'\''s textfile collector (atomically, mode 0644)]:FILE.prom:_files' \
'--repair-from=[Replace missing or damaged bags by their copy in this replica root (a directory or s3\://BUCKET/PREFIX), once that copy verifies where it lies; damaged bags go to ARCHIVE/quarantine/]:DIR|s3://BUCKET/PREFIX:_files' \
'--catalog=[The PostgreSQL database the workers share (postgres\://USER@HOST\:PORT/DB; the password in the URL or in PGPASSWORD)]:postgres://…:_default' \
'--lease=[With --worker\: a bag claimed by a worker that has not renewed its lease for this long (killed, or cut off) is taken by another]:DURATION:_default' \
'--batch=[With --worker\: the most bags claimed at once (claims are sized to about a second of checking)]:N:_default' \
'--s3-endpoint=[The S3 API endpoint of s3\:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http\:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line]:URL:_default' \
'--s3-region=[The S3 region of s3\:// locations (instead of AWS_REGION)]:NAME:_default' \
'--json[Print the report as JSON (schemas/audit-report.schema.json)]' \
'--adopt[Register bags found on disk but not in the catalog]' \
'--copies[Also check every replica copy the catalog records (made by \`replicate\`), where it lies\: size, SHA-256 of the zip and full fixity, least recently verified first, within the same budget. A damaged or missing copy fails the audit (exit 1); \`replicate\` again replaces it]' \
'(--adopt --repair-from --copies --metrics)--worker[Work as one of several audit workers sharing the PostgreSQL database given by --catalog (default\: the database of the archive'\''s catalog, when it is on PostgreSQL)\: claim bags of the open cycle with a lease, check them, record them, and take more until the cycle is complete (or the budget is spent). Run it on any number of machines that see the archive (docs/scale-out.md)]' \
'--remote[With --worker\: this machine is not the archive'\''s. The worker reads the bags (ARCHIVE mounted, or the same paths) and records in PostgreSQL only; workers on the archive'\''s machine open the cycles and collect every worker'\''s checks into the event log and catalog]' \
'-q[Print only errors]' \
'--quiet[Print only errors]' \
'*-v[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'*--verbose[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'--no-progress[Never draw progress bars]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'::archive -- The archive root:_files' \
&& ret=0
;;
(status)
_arguments "${_arguments_options[@]}" : \
'--cycle=[The audit cycle (as for \`audit\`), to count overdue bags]:DURATION:_default' \
'--min-copies=[Name the bags with fewer verified copies than this]:N:_default' \
'--catalog=[Also show the open audit cycle and the workers of the PostgreSQL database \`audit --worker\` shares (default\: the database of the archive'\''s catalog, when it is on PostgreSQL)]:postgres://…:_default' \
'--s3-endpoint=[The S3 API endpoint of s3\:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http\:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line]:URL:_default' \
'--s3-region=[The S3 region of s3\:// locations (instead of AWS_REGION)]:NAME:_default' \
'--json[Print JSON]' \
'-q[Print only errors]' \
'--quiet[Print only errors]' \
'*-v[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'*--verbose[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'--no-progress[Never draw progress bars]' \
'-h[Print help]' \
'--help[Print help]' \
'::archive -- The archive root:_files' \
&& ret=0
;;
(history)
_arguments "${_arguments_options[@]}" : \
'--since=[Only events at or after this date (YYYY-MM-DD) or time (RFC 3339)]:DATE:_default' \
'--format=[Output format]:FORMAT:((text\:"One line an event"
jsonl\:"One JSON object a line, as in ARCHIVE/events/"
premis\:"PREMIS 3.0 XML"))' \
'--s3-endpoint=[The S3 API endpoint of s3\:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http\:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line]:URL:_default' \
'--s3-region=[The S3 region of s3\:// locations (instead of AWS_REGION)]:NAME:_default' \
'-q[Print only errors]' \
'--quiet[Print only errors]' \
'*-v[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'*--verbose[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'--no-progress[Never draw progress bars]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
':archive -- The archive root:_files' \
'::subject -- A bag name or an item id (default\: the whole archive):_default' \
&& ret=0
;;
(find)
_arguments "${_arguments_options[@]}" : \
'--since=[Only items dated on or after this UTC day (YYYY-MM-DD)]:DATE:_default' \
'--until=[Only items dated on or before this UTC day (YYYY-MM-DD), all of it]:DATE:_default' \
'*--source=[Only items from this host (or its subdomains); repeatable]:HOST:_default' \
'*--lang=[Only items in this language (\`fa\` also keeps \`fa-IR\`); repeatable]:CODE:_default' \
'--creator=[Only items whose creator has these words]:NAME:_default' \
'--bag=[Only items of this bag]:NAME:_default' \
'--limit=[At most this many results]:N:_default' \
'--count-by=[Count the matching items by time or group instead of listing them]:GROUP:((day\:"UTC day"
week\:"Week, named by its Monday"
month\:"Month"
year\:"Year"
source\:"Host of the item'\''s URL"
language\:"First language"))' \
'--s3-endpoint=[The S3 API endpoint of s3\:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http\:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line]:URL:_default' \
'--s3-region=[The S3 region of s3\:// locations (instead of AWS_REGION)]:NAME:_default' \
'(--csv)--json[Print JSON]' \
'--csv[Print CSV (RFC 4180, with a header line)]' \
'-q[Print only errors]' \
'--quiet[Print only errors]' \
'*-v[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'*--verbose[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'--no-progress[Never draw progress bars]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
':archive -- The archive root:_files' \
'::query -- The query (default\: every item the filters keep, newest first):_default' \
&& ret=0
;;
(show)
_arguments "${_arguments_options[@]}" : \
'--bag=[The bag holding it (when several bags hold an item of that id)]:NAME:_default' \
'--format=[Output format]:FORMAT:((text\:"Labelled lines, then the text"
json\:"One JSON object"))' \
'--s3-endpoint=[The S3 API endpoint of s3\:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http\:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line]:URL:_default' \
'--s3-region=[The S3 region of s3\:// locations (instead of AWS_REGION)]:NAME:_default' \
'(--format)--original[Write the original bytes to stdout]' \
'-q[Print only errors]' \
'--quiet[Print only errors]' \
'*-v[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'*--verbose[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'--no-progress[Never draw progress bars]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
':archive -- The archive root:_files' \
':item -- The item'\''s id:_default' \
&& ret=0
;;
(export)
_arguments "${_arguments_options[@]}" : \
'--since=[Only items dated on or after this UTC day (YYYY-MM-DD)]:DATE:_default' \
'--until=[Only items dated on or before this UTC day (YYYY-MM-DD), all of it]:DATE:_default' \
'*--source=[Only items from this host (or its subdomains); repeatable]:HOST:_default' \
'*--lang=[Only items in this language (\`fa\` also keeps \`fa-IR\`); repeatable]:CODE:_default' \
'--creator=[Only items whose creator has these words]:NAME:_default' \
'--bag=[Only items of this bag]:NAME:_default' \
'--format=[Output format]:FORMAT:((jsonl\:"One JSON object a line"
csv\:"RFC 4180 CSV with a header line"
parquet\:"Apache Parquet (Snappy-compressed, written in row groups of at most 50,000 items or 32 MiB); dates stay ISO 8601 strings"))' \
'--to=[Where to write\: a file (written beside, then renamed; its manifest goes to FILE.manifest.json) or \`-\` for stdout (no manifest)]:FILE:_files' \
'--s3-endpoint=[The S3 API endpoint of s3\:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http\:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line]:URL:_default' \
'--s3-region=[The S3 region of s3\:// locations (instead of AWS_REGION)]:NAME:_default' \
'--bom[Start a CSV export with a UTF-8 BOM (for spreadsheet programs)]' \
'-q[Print only errors]' \
'--quiet[Print only errors]' \
'*-v[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'*--verbose[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'--no-progress[Never draw progress bars]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
':archive -- The archive root:_files' \
'::query -- The query, as for `find` (default\: every item the filters keep):_default' \
&& ret=0
;;
(replicate)
_arguments "${_arguments_options[@]}" : \
'--to=[The replica'\''s root\: another disk or mount (created if needed), or a prefix in an S3-compatible bucket, s3\://BUCKET/PREFIX (endpoint and credentials from the AWS_* environment variables)]:DIR|s3://BUCKET/PREFIX:_files' \
'--s3-endpoint=[The S3 API endpoint of s3\:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http\:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line]:URL:_default' \
'--s3-region=[The S3 region of s3\:// locations (instead of AWS_REGION)]:NAME:_default' \
'--json[Print JSON]' \
'-q[Print only errors]' \
'--quiet[Print only errors]' \
'*-v[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'*--verbose[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'--no-progress[Never draw progress bars]' \
'-h[Print help]' \
'--help[Print help]' \
'::archive -- The archive root:_files' \
&& ret=0
;;
(catalog)
_arguments "${_arguments_options[@]}" : \
'--s3-endpoint=[The S3 API endpoint of s3\:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http\:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line]:URL:_default' \
'--s3-region=[The S3 region of s3\:// locations (instead of AWS_REGION)]:NAME:_default' \
'-q[Print only errors]' \
'--quiet[Print only errors]' \
'*-v[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'*--verbose[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'--no-progress[Never draw progress bars]' \
'-h[Print help]' \
'--help[Print help]' \
":: :_newsbag__subcmd__catalog_commands" \
"*::: :->catalog" \
&& ret=0

    case $state in
    (catalog)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:newsbag-catalog-command-$line[1]:"
        case $line[1] in
            (rebuild)
_arguments "${_arguments_options[@]}" : \
'--bags-in=[Make a new, empty ARCHIVE the root of the archive whose bags are in s3\://BUCKET/PREFIX (its root lost)\: the event log comes back from the bucket'\''s copy, then the catalog from the log and the bags]:s3://BUCKET/PREFIX:_default' \
'--catalog=[Build the catalog in this PostgreSQL database (no password in the URL\: set PGPASSWORD), or \`sqlite\` for ARCHIVE/catalog.sqlite, and make it the archive'\''s catalog from now on (ARCHIVE/catalog.json). Default\: where the catalog is now]:postgres://USER@HOST/DB|sqlite:_default' \
'--catalog-schema=[The PostgreSQL schema of the catalog'\''s tables (with --catalog)]:NAME:_default' \
'--station=[With --bags-in\: the lost root was this station of the archive (its event log comes back from s3\://BUCKET/PREFIX/stations/NAME/events/)]:NAME:_default' \
'--s3-endpoint=[The S3 API endpoint of s3\:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http\:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line]:URL:_default' \
'--s3-region=[The S3 region of s3\:// locations (instead of AWS_REGION)]:NAME:_default' \
'-q[Print only errors]' \
'--quiet[Print only errors]' \
'*-v[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'*--verbose[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'--no-progress[Never draw progress bars]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'::archive -- The archive root:_files' \
&& ret=0
;;
(collect)
_arguments "${_arguments_options[@]}" : \
'--s3-endpoint=[The S3 API endpoint of s3\:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http\:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line]:URL:_default' \
'--s3-region=[The S3 region of s3\:// locations (instead of AWS_REGION)]:NAME:_default' \
'-q[Print only errors]' \
'--quiet[Print only errors]' \
'*-v[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'*--verbose[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'--no-progress[Never draw progress bars]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
':archive -- The archive root:_files' \
'*::dirs -- Workers'\'' directories (each holding events/), or directories of them:_files' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_newsbag__subcmd__catalog__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:newsbag-catalog-help-command-$line[1]:"
        case $line[1] in
            (rebuild)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(collect)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(serve)
_arguments "${_arguments_options[@]}" : \
'--bind=[The address and port to listen on (port 0\: any free port)]:ADDR:PORT:_default' \
'--base-url=[The data provider'\''s base URL as harvesters reach it (behind a proxy); default http\://ADDR\:PORT/oai of the address bound]:URL:_default' \
'--admin-email=[The adminEmail of Identify]:EMAIL:_default' \
'--s3-endpoint=[The S3 API endpoint of s3\:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http\:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line]:URL:_default' \
'--s3-region=[The S3 region of s3\:// locations (instead of AWS_REGION)]:NAME:_default' \
'-q[Print only errors]' \
'--quiet[Print only errors]' \
'*-v[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'*--verbose[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'--no-progress[Never draw progress bars]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
':archive -- The archive root:_files' \
&& ret=0
;;
(generate)
_arguments "${_arguments_options[@]}" : \
'--s3-endpoint=[The S3 API endpoint of s3\:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http\:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line]:URL:_default' \
'--s3-region=[The S3 region of s3\:// locations (instead of AWS_REGION)]:NAME:_default' \
'-q[Print only errors]' \
'--quiet[Print only errors]' \
'*-v[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'*--verbose[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'--no-progress[Never draw progress bars]' \
'-h[Print help]' \
'--help[Print help]' \
":: :_newsbag__subcmd__generate_commands" \
"*::: :->generate" \
&& ret=0

    case $state in
    (generate)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:newsbag-generate-command-$line[1]:"
        case $line[1] in
            (man)
_arguments "${_arguments_options[@]}" : \
'--s3-endpoint=[The S3 API endpoint of s3\:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http\:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line]:URL:_default' \
'--s3-region=[The S3 region of s3\:// locations (instead of AWS_REGION)]:NAME:_default' \
'-q[Print only errors]' \
'--quiet[Print only errors]' \
'*-v[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'*--verbose[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'--no-progress[Never draw progress bars]' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(completions)
_arguments "${_arguments_options[@]}" : \
'--s3-endpoint=[The S3 API endpoint of s3\:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http\:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line]:URL:_default' \
'--s3-region=[The S3 region of s3\:// locations (instead of AWS_REGION)]:NAME:_default' \
'-q[Print only errors]' \
'--quiet[Print only errors]' \
'*-v[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'*--verbose[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'--no-progress[Never draw progress bars]' \
'-h[Print help]' \
'--help[Print help]' \
':shell -- The shell:(bash elvish fish powershell zsh)' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_newsbag__subcmd__generate__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:newsbag-generate-help-command-$line[1]:"
        case $line[1] in
            (man)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(completions)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(detect)
_arguments "${_arguments_options[@]}" : \
'--encoding=[Use this encoding instead of detecting (a WHATWG label)]:LABEL:_default' \
'--s3-endpoint=[The S3 API endpoint of s3\:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http\:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line]:URL:_default' \
'--s3-region=[The S3 region of s3\:// locations (instead of AWS_REGION)]:NAME:_default' \
'--json[One JSON object per line\: file, encoding, confidence, method, declared, had_errors]' \
'-q[Print only errors]' \
'--quiet[Print only errors]' \
'*-v[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'*--verbose[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'--no-progress[Never draw progress bars]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'*::files -- Files to examine:_files' \
&& ret=0
;;
(normalize)
_arguments "${_arguments_options[@]}" : \
'--encoding=[Use this encoding instead of detecting (a WHATWG label)]:LABEL:_default' \
'--s3-endpoint=[The S3 API endpoint of s3\:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http\:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line]:URL:_default' \
'--s3-region=[The S3 region of s3\:// locations (instead of AWS_REGION)]:NAME:_default' \
'--stdin[Read standard input instead of a file]' \
'--report[Print the encoding decision and every repair, counted by kind, to stderr]' \
'--json[With --report\: print the report as JSON]' \
'-q[Print only errors]' \
'--quiet[Print only errors]' \
'*-v[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'*--verbose[More log output (-v info, -vv debug, -vvv trace); hides progress bars]' \
'--no-progress[Never draw progress bars]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'::file -- The file to normalise:_files' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_newsbag__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:newsbag-help-command-$line[1]:"
        case $line[1] in
            (ingest)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(bag)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(verify)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(extract)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(audit)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(status)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(history)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(find)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(show)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(export)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(replicate)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(catalog)
_arguments "${_arguments_options[@]}" : \
":: :_newsbag__subcmd__help__subcmd__catalog_commands" \
"*::: :->catalog" \
&& ret=0

    case $state in
    (catalog)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:newsbag-help-catalog-command-$line[1]:"
        case $line[1] in
            (rebuild)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(collect)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(serve)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(generate)
_arguments "${_arguments_options[@]}" : \
":: :_newsbag__subcmd__help__subcmd__generate_commands" \
"*::: :->generate" \
&& ret=0

    case $state in
    (generate)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:newsbag-help-generate-command-$line[1]:"
        case $line[1] in
            (man)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(completions)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(detect)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(normalize)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
}

(( $+functions[_newsbag_commands] )) ||
_newsbag_commands() {
    local commands; commands=(
'ingest:Ingest news items into one verified, zipped bag in the archive' \
'bag:Make a bag of a directory, in place or at a new destination' \
'verify:Verify bags\: structure, completeness and fixity' \
'extract:Extract a zipped bag safely, verifying it on the way; or take items out of an archive by id' \
'audit:Audit the archive\: verify the bags least recently checked, within a budget' \
'status:Show the archive at a glance\: bags, items, bytes, copies, audits, overdue bags and open problems' \
'history:Print the events of the archive, a bag or an item, oldest first' \
'find:Find items across the archive\: full-text query, filters, counts' \
'show:Show an item\: its Dublin Core record, provenance, the fixity status of its bag and its text, read straight from the zip' \
'export:Export the items matching a query and filters as JSON Lines, CSV or Parquet' \
'replicate:Copy every bag to a second archive root, verify each copy, and record where it is' \
'catalog:Manage the archive'\''s catalog (ARCHIVE/catalog.sqlite)' \
'serve:Serve the archive read-only over HTTP\: an OAI-PMH 2.0 data provider at /oai, a reading room at /' \
'generate:Generate the man page or shell completions' \
'detect:Detect the encoding of files\: one line per file (encoding, confidence, method, file)' \
'normalize:Write the UTF-8 text derivative of a file to stdout (what ingest stores)' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'newsbag commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__audit_commands] )) ||
_newsbag__subcmd__audit_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag audit commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__bag_commands] )) ||
_newsbag__subcmd__bag_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag bag commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__catalog_commands] )) ||
_newsbag__subcmd__catalog_commands() {
    local commands; commands=(
'rebuild:Make the catalog again from the bags and the event log' \
'collect:Bring remote audit workers'\'' own event logs into the archive' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'newsbag catalog commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__catalog__subcmd__collect_commands] )) ||
_newsbag__subcmd__catalog__subcmd__collect_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag catalog collect commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__catalog__subcmd__help_commands] )) ||
_newsbag__subcmd__catalog__subcmd__help_commands() {
    local commands; commands=(
'rebuild:Make the catalog again from the bags and the event log' \
'collect:Bring remote audit workers'\'' own event logs into the archive' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'newsbag catalog help commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__catalog__subcmd__help__subcmd__collect_commands] )) ||
_newsbag__subcmd__catalog__subcmd__help__subcmd__collect_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag catalog help collect commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__catalog__subcmd__help__subcmd__help_commands] )) ||
_newsbag__subcmd__catalog__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag catalog help help commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__catalog__subcmd__help__subcmd__rebuild_commands] )) ||
_newsbag__subcmd__catalog__subcmd__help__subcmd__rebuild_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag catalog help rebuild commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__catalog__subcmd__rebuild_commands] )) ||
_newsbag__subcmd__catalog__subcmd__rebuild_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag catalog rebuild commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__detect_commands] )) ||
_newsbag__subcmd__detect_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag detect commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__export_commands] )) ||
_newsbag__subcmd__export_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag export commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__extract_commands] )) ||
_newsbag__subcmd__extract_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag extract commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__find_commands] )) ||
_newsbag__subcmd__find_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag find commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__generate_commands] )) ||
_newsbag__subcmd__generate_commands() {
    local commands; commands=(
'man:The roff man page (docs/newsbag.1)' \
'completions:Shell completions (docs/completions/)' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'newsbag generate commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__generate__subcmd__completions_commands] )) ||
_newsbag__subcmd__generate__subcmd__completions_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag generate completions commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__generate__subcmd__help_commands] )) ||
_newsbag__subcmd__generate__subcmd__help_commands() {
    local commands; commands=(
'man:The roff man page (docs/newsbag.1)' \
'completions:Shell completions (docs/completions/)' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'newsbag generate help commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__generate__subcmd__help__subcmd__completions_commands] )) ||
_newsbag__subcmd__generate__subcmd__help__subcmd__completions_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag generate help completions commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__generate__subcmd__help__subcmd__help_commands] )) ||
_newsbag__subcmd__generate__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag generate help help commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__generate__subcmd__help__subcmd__man_commands] )) ||
_newsbag__subcmd__generate__subcmd__help__subcmd__man_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag generate help man commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__generate__subcmd__man_commands] )) ||
_newsbag__subcmd__generate__subcmd__man_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag generate man commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__help_commands] )) ||
_newsbag__subcmd__help_commands() {
    local commands; commands=(
'ingest:Ingest news items into one verified, zipped bag in the archive' \
'bag:Make a bag of a directory, in place or at a new destination' \
'verify:Verify bags\: structure, completeness and fixity' \
'extract:Extract a zipped bag safely, verifying it on the way; or take items out of an archive by id' \
'audit:Audit the archive\: verify the bags least recently checked, within a budget' \
'status:Show the archive at a glance\: bags, items, bytes, copies, audits, overdue bags and open problems' \
'history:Print the events of the archive, a bag or an item, oldest first' \
'find:Find items across the archive\: full-text query, filters, counts' \
'show:Show an item\: its Dublin Core record, provenance, the fixity status of its bag and its text, read straight from the zip' \
'export:Export the items matching a query and filters as JSON Lines, CSV or Parquet' \
'replicate:Copy every bag to a second archive root, verify each copy, and record where it is' \
'catalog:Manage the archive'\''s catalog (ARCHIVE/catalog.sqlite)' \
'serve:Serve the archive read-only over HTTP\: an OAI-PMH 2.0 data provider at /oai, a reading room at /' \
'generate:Generate the man page or shell completions' \
'detect:Detect the encoding of files\: one line per file (encoding, confidence, method, file)' \
'normalize:Write the UTF-8 text derivative of a file to stdout (what ingest stores)' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'newsbag help commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__help__subcmd__audit_commands] )) ||
_newsbag__subcmd__help__subcmd__audit_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag help audit commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__help__subcmd__bag_commands] )) ||
_newsbag__subcmd__help__subcmd__bag_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag help bag commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__help__subcmd__catalog_commands] )) ||
_newsbag__subcmd__help__subcmd__catalog_commands() {
    local commands; commands=(
'rebuild:Make the catalog again from the bags and the event log' \
'collect:Bring remote audit workers'\'' own event logs into the archive' \
    )
    _describe -t commands 'newsbag help catalog commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__help__subcmd__catalog__subcmd__collect_commands] )) ||
_newsbag__subcmd__help__subcmd__catalog__subcmd__collect_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag help catalog collect commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__help__subcmd__catalog__subcmd__rebuild_commands] )) ||
_newsbag__subcmd__help__subcmd__catalog__subcmd__rebuild_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag help catalog rebuild commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__help__subcmd__detect_commands] )) ||
_newsbag__subcmd__help__subcmd__detect_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag help detect commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__help__subcmd__export_commands] )) ||
_newsbag__subcmd__help__subcmd__export_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag help export commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__help__subcmd__extract_commands] )) ||
_newsbag__subcmd__help__subcmd__extract_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag help extract commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__help__subcmd__find_commands] )) ||
_newsbag__subcmd__help__subcmd__find_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag help find commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__help__subcmd__generate_commands] )) ||
_newsbag__subcmd__help__subcmd__generate_commands() {
    local commands; commands=(
'man:The roff man page (docs/newsbag.1)' \
'completions:Shell completions (docs/completions/)' \
    )
    _describe -t commands 'newsbag help generate commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__help__subcmd__generate__subcmd__completions_commands] )) ||
_newsbag__subcmd__help__subcmd__generate__subcmd__completions_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag help generate completions commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__help__subcmd__generate__subcmd__man_commands] )) ||
_newsbag__subcmd__help__subcmd__generate__subcmd__man_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag help generate man commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__help__subcmd__help_commands] )) ||
_newsbag__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag help help commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__help__subcmd__history_commands] )) ||
_newsbag__subcmd__help__subcmd__history_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag help history commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__help__subcmd__ingest_commands] )) ||
_newsbag__subcmd__help__subcmd__ingest_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag help ingest commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__help__subcmd__normalize_commands] )) ||
_newsbag__subcmd__help__subcmd__normalize_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag help normalize commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__help__subcmd__replicate_commands] )) ||
_newsbag__subcmd__help__subcmd__replicate_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag help replicate commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__help__subcmd__serve_commands] )) ||
_newsbag__subcmd__help__subcmd__serve_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag help serve commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__help__subcmd__show_commands] )) ||
_newsbag__subcmd__help__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag help show commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__help__subcmd__status_commands] )) ||
_newsbag__subcmd__help__subcmd__status_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag help status commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__help__subcmd__verify_commands] )) ||
_newsbag__subcmd__help__subcmd__verify_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag help verify commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__history_commands] )) ||
_newsbag__subcmd__history_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag history commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__ingest_commands] )) ||
_newsbag__subcmd__ingest_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag ingest commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__normalize_commands] )) ||
_newsbag__subcmd__normalize_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag normalize commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__replicate_commands] )) ||
_newsbag__subcmd__replicate_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag replicate commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__serve_commands] )) ||
_newsbag__subcmd__serve_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag serve commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__show_commands] )) ||
_newsbag__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag show commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__status_commands] )) ||
_newsbag__subcmd__status_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag status commands' commands "$@"
}
(( $+functions[_newsbag__subcmd__verify_commands] )) ||
_newsbag__subcmd__verify_commands() {
    local commands; commands=()
    _describe -t commands 'newsbag verify commands' commands "$@"
}

if [ "$funcstack[1]" = "_newsbag" ]; then
    _newsbag "$@"
else
    compdef _newsbag newsbag
fi
