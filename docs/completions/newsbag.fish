# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_newsbag_global_optspecs
    string join \n q/quiet v/verbose no-progress s3-endpoint= s3-region= h/help V/version
end

function __fish_newsbag_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_newsbag_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_newsbag_using_subcommand
    set -l cmd (__fish_newsbag_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c newsbag -n "__fish_newsbag_needs_command" -l s3-endpoint -d 'The S3 API endpoint of s3:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line' -r
complete -c newsbag -n "__fish_newsbag_needs_command" -l s3-region -d 'The S3 region of s3:// locations (instead of AWS_REGION)' -r
complete -c newsbag -n "__fish_newsbag_needs_command" -s q -l quiet -d 'Print only errors'
complete -c newsbag -n "__fish_newsbag_needs_command" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); hides progress bars'
complete -c newsbag -n "__fish_newsbag_needs_command" -l no-progress -d 'Never draw progress bars'
complete -c newsbag -n "__fish_newsbag_needs_command" -s h -l help -d 'Print help'
complete -c newsbag -n "__fish_newsbag_needs_command" -s V -l version -d 'Print version'
complete -c newsbag -n "__fish_newsbag_needs_command" -f -a "ingest" -d 'Ingest news items into one verified, zipped bag in the archive'
complete -c newsbag -n "__fish_newsbag_needs_command" -f -a "bag" -d 'Make a bag of a directory, in place or at a new destination'
complete -c newsbag -n "__fish_newsbag_needs_command" -f -a "verify" -d 'Verify bags: structure, completeness and fixity'
complete -c newsbag -n "__fish_newsbag_needs_command" -f -a "extract" -d 'Extract a zipped bag safely, verifying it on the way; or take items out of an archive by id'
complete -c newsbag -n "__fish_newsbag_needs_command" -f -a "audit" -d 'Audit the archive: verify the bags least recently checked, within a budget'
complete -c newsbag -n "__fish_newsbag_needs_command" -f -a "status" -d 'Show the archive at a glance: bags, items, bytes, copies, audits, overdue bags and open problems'
complete -c newsbag -n "__fish_newsbag_needs_command" -f -a "history" -d 'Print the events of the archive, a bag or an item, oldest first'
complete -c newsbag -n "__fish_newsbag_needs_command" -f -a "find" -d 'Find items across the archive: full-text query, filters, counts'
complete -c newsbag -n "__fish_newsbag_needs_command" -f -a "show" -d 'Show an item: its Dublin Core record, provenance, the fixity status of its bag and its text, read straight from the zip'
complete -c newsbag -n "__fish_newsbag_needs_command" -f -a "export" -d 'Export the items matching a query and filters as JSON Lines, CSV or Parquet'
complete -c newsbag -n "__fish_newsbag_needs_command" -f -a "replicate" -d 'Copy every bag to a second archive root, verify each copy, and record where it is'
complete -c newsbag -n "__fish_newsbag_needs_command" -f -a "catalog" -d 'Manage the archive\'s catalog (ARCHIVE/catalog.sqlite)'
complete -c newsbag -n "__fish_newsbag_needs_command" -f -a "serve" -d 'Serve the archive read-only over HTTP: an OAI-PMH 2.0 data provider at /oai, a reading room at /'
complete -c newsbag -n "__fish_newsbag_needs_command" -f -a "generate" -d 'Generate the man page or shell completions'
complete -c newsbag -n "__fish_newsbag_needs_command" -f -a "detect" -d 'Detect the encoding of files: one line per file (encoding, confidence, method, file)'
complete -c newsbag -n "__fish_newsbag_needs_command" -f -a "normalize" -d 'Write the UTF-8 text derivative of a file to stdout (what ingest stores)'
complete -c newsbag -n "__fish_newsbag_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c newsbag -n "__fish_newsbag_using_subcommand ingest" -l archive -d 'The archive root; the bag goes to ARCHIVE/bags/NAME.zip' -r -F
complete -c newsbag -n "__fish_newsbag_using_subcommand ingest" -l bags-in -d 'Keep the archive\'s bags in a bucket, at s3://BUCKET/PREFIX/bags/NAME.zip (set once, by the first ingest of a new archive, in ARCHIVE/store.json; the catalog and the event log stay in ARCHIVE). Each bag is built and verified locally, uploaded, read back and only then registered' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand ingest" -l catalog -d 'Keep the archive\'s catalog in this PostgreSQL database instead of ARCHIVE/catalog.sqlite (set once, by the first ingest of a new archive, in ARCHIVE/catalog.json; no password in the URL: set PGPASSWORD). An existing archive\'s catalog moves with `catalog rebuild --catalog`' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand ingest" -l catalog-schema -d 'The PostgreSQL schema of the catalog\'s tables (with --catalog)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand ingest" -l station -d 'Make a new ARCHIVE a station of the archive whose bags are in --bags-in and whose catalog is --catalog: another machine\'s root ingesting into the same bucket and PostgreSQL catalog, with an event log of its own (copied to s3://BUCKET/PREFIX/stations/NAME/events/). NAME: 1 to 40 of a-z, 0-9 and -' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand ingest" -l name -d 'The bag\'s name (default: the first input\'s name and the date)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand ingest" -l encoding -d 'Decode every input with this encoding (a WHATWG label) instead of detecting it' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand ingest" -l info -d 'A bag-info.txt element, written in the order given (repeatable)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand ingest" -l meta -d 'Dublin Core fields for inputs that carry none: JSON or CSV keyed by input file name (schemas/meta.schema.json). The file itself is not ingested' -r -F
complete -c newsbag -n "__fish_newsbag_using_subcommand ingest" -l date -d 'Bagging-Date (YYYY-MM-DD); default: today (UTC). With a date, the provenance records that date as the ingest time, so the same inputs give a byte-identical bag' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand ingest" -l max-input-bytes -d 'Largest input accepted, in bytes (for a WARC: largest captured payload; the WARC itself is streamed whatever its size)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand ingest" -l s3-endpoint -d 'The S3 API endpoint of s3:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand ingest" -l s3-region -d 'The S3 region of s3:// locations (instead of AWS_REGION)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand ingest" -l keep-going -d 'Ingest what can be ingested and list the rejected inputs (exit 1) instead of writing nothing'
complete -c newsbag -n "__fish_newsbag_using_subcommand ingest" -l json -d 'Print the summary as JSON on stdout'
complete -c newsbag -n "__fish_newsbag_using_subcommand ingest" -s q -l quiet -d 'Print only errors'
complete -c newsbag -n "__fish_newsbag_using_subcommand ingest" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); hides progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand ingest" -l no-progress -d 'Never draw progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand ingest" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newsbag -n "__fish_newsbag_using_subcommand bag" -l to -d 'Write the bag at DEST (which must not exist) and leave DIR untouched' -r -F
complete -c newsbag -n "__fish_newsbag_using_subcommand bag" -s a -l algorithm -d 'Checksum algorithm for manifests and tag manifests (repeatable): sha512, sha256, sha384, sha224, sha1, md5. Default: sha512 and sha256' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand bag" -l info -d 'A bag-info.txt element, written in the order given (repeatable)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand bag" -l date -d 'Bagging-Date (YYYY-MM-DD); default: today (UTC)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand bag" -l s3-endpoint -d 'The S3 API endpoint of s3:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand bag" -l s3-region -d 'The S3 region of s3:// locations (instead of AWS_REGION)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand bag" -l zip -d 'Write a deterministic ZIP (one top-level directory named after the archive) instead of a directory; DIR is left untouched. If DIR is already a bag it is zipped as it is, else it is bagged first. The archive is DEST if --to is given, else DIR.zip beside DIR; it appears under its name only once written and verified'
complete -c newsbag -n "__fish_newsbag_using_subcommand bag" -s q -l quiet -d 'Print only errors'
complete -c newsbag -n "__fish_newsbag_using_subcommand bag" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); hides progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand bag" -l no-progress -d 'Never draw progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand bag" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newsbag -n "__fish_newsbag_using_subcommand verify" -l s3-endpoint -d 'The S3 API endpoint of s3:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand verify" -l s3-region -d 'The S3 region of s3:// locations (instead of AWS_REGION)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand verify" -l fast -d 'Check structure and Payload-Oxum only (no manifest comparison, no hashing)'
complete -c newsbag -n "__fish_newsbag_using_subcommand verify" -l completeness-only -d 'Check that every listed file exists and every payload file is listed, without hashing'
complete -c newsbag -n "__fish_newsbag_using_subcommand verify" -l json -d 'Print a JSON report (schemas/verify-report.schema.json) instead of text'
complete -c newsbag -n "__fish_newsbag_using_subcommand verify" -s q -l quiet -d 'Print only errors'
complete -c newsbag -n "__fish_newsbag_using_subcommand verify" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); hides progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand verify" -l no-progress -d 'Never draw progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newsbag -n "__fish_newsbag_using_subcommand extract" -l to -d 'Where to extract the bag (must not exist, or be an empty directory)' -r -F
complete -c newsbag -n "__fish_newsbag_using_subcommand extract" -l item -d 'From a zipped bag: extract only this payload file (path inside the bag, such as data/a.txt; a path ending in / takes the directory); tag files are always extracted. From an archive: the id of an item to take out (required). Repeatable' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand extract" -l bag -d 'From an archive: take the items from this bag (needed when several bags hold an item of that id)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand extract" -l max-total-bytes -d 'Refuse archives whose entries add up to more than N bytes' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand extract" -l max-ratio -d 'Refuse entries of 1 MiB or more that expand more than N times' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand extract" -l max-entries -d 'Refuse archives of more than N entries' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand extract" -l s3-endpoint -d 'The S3 API endpoint of s3:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand extract" -l s3-region -d 'The S3 region of s3:// locations (instead of AWS_REGION)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand extract" -s q -l quiet -d 'Print only errors'
complete -c newsbag -n "__fish_newsbag_using_subcommand extract" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); hides progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand extract" -l no-progress -d 'Never draw progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand extract" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newsbag -n "__fish_newsbag_using_subcommand audit" -l cycle -d 'Every bag should be fully checked within this period (s, m, h, d or w suffix); bags not checked within it are overdue' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand audit" -l budget -d 'Start no new bag after this long (s, m, h, d or w suffix)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand audit" -l max-bytes -d 'Start no bag that would take the bytes read past this (K, M, G or T suffix, powers of 1024)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand audit" -l level -d 'How thoroughly each bag is checked; only fixity counts as a full check' -r -f -a "fast\t'Structure and Payload-Oxum only'
completeness\t'Every file present and listed, nothing hashed'
fixity\t'Every checksum, and the zip\'s own SHA-256'"
complete -c newsbag -n "__fish_newsbag_using_subcommand audit" -l metrics -d 'Write Prometheus metrics for node_exporter\'s textfile collector (atomically, mode 0644)' -r -F
complete -c newsbag -n "__fish_newsbag_using_subcommand audit" -l repair-from -d 'Replace missing or damaged bags by their copy in this replica root (a directory or s3://BUCKET/PREFIX), once that copy verifies where it lies; damaged bags go to ARCHIVE/quarantine/' -r -F
complete -c newsbag -n "__fish_newsbag_using_subcommand audit" -l catalog -d 'The PostgreSQL database the workers share (postgres://USER@HOST:PORT/DB; the password in the URL or in PGPASSWORD)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand audit" -l lease -d 'With --worker: a bag claimed by a worker that has not renewed its lease for this long (killed, or cut off) is taken by another' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand audit" -l batch -d 'With --worker: the most bags claimed at once (claims are sized to about a second of checking)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand audit" -l s3-endpoint -d 'The S3 API endpoint of s3:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand audit" -l s3-region -d 'The S3 region of s3:// locations (instead of AWS_REGION)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand audit" -l json -d 'Print the report as JSON (schemas/audit-report.schema.json)'
complete -c newsbag -n "__fish_newsbag_using_subcommand audit" -l adopt -d 'Register bags found on disk but not in the catalog'
complete -c newsbag -n "__fish_newsbag_using_subcommand audit" -l copies -d 'Also check every replica copy the catalog records (made by `replicate`), where it lies: size, SHA-256 of the zip and full fixity, least recently verified first, within the same budget. A damaged or missing copy fails the audit (exit 1); `replicate` again replaces it'
complete -c newsbag -n "__fish_newsbag_using_subcommand audit" -l worker -d 'Work as one of several audit workers sharing the PostgreSQL database given by --catalog (default: the database of the archive\'s catalog, when it is on PostgreSQL): claim bags of the open cycle with a lease, check them, record them, and take more until the cycle is complete (or the budget is spent). Run it on any number of machines that see the archive (docs/scale-out.md)'
complete -c newsbag -n "__fish_newsbag_using_subcommand audit" -l remote -d 'With --worker: this machine is not the archive\'s. The worker reads the bags (ARCHIVE mounted, or the same paths) and records in PostgreSQL only; workers on the archive\'s machine open the cycles and collect every worker\'s checks into the event log and catalog'
complete -c newsbag -n "__fish_newsbag_using_subcommand audit" -s q -l quiet -d 'Print only errors'
complete -c newsbag -n "__fish_newsbag_using_subcommand audit" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); hides progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand audit" -l no-progress -d 'Never draw progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand audit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newsbag -n "__fish_newsbag_using_subcommand status" -l cycle -d 'The audit cycle (as for `audit`), to count overdue bags' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand status" -l min-copies -d 'Name the bags with fewer verified copies than this' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand status" -l catalog -d 'Also show the open audit cycle and the workers of the PostgreSQL database `audit --worker` shares (default: the database of the archive\'s catalog, when it is on PostgreSQL)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand status" -l s3-endpoint -d 'The S3 API endpoint of s3:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand status" -l s3-region -d 'The S3 region of s3:// locations (instead of AWS_REGION)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand status" -l json -d 'Print JSON'
complete -c newsbag -n "__fish_newsbag_using_subcommand status" -s q -l quiet -d 'Print only errors'
complete -c newsbag -n "__fish_newsbag_using_subcommand status" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); hides progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand status" -l no-progress -d 'Never draw progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand status" -s h -l help -d 'Print help'
complete -c newsbag -n "__fish_newsbag_using_subcommand history" -l since -d 'Only events at or after this date (YYYY-MM-DD) or time (RFC 3339)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand history" -l format -d 'Output format' -r -f -a "text\t'One line an event'
jsonl\t'One JSON object a line, as in ARCHIVE/events/'
premis\t'PREMIS 3.0 XML'"
complete -c newsbag -n "__fish_newsbag_using_subcommand history" -l s3-endpoint -d 'The S3 API endpoint of s3:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand history" -l s3-region -d 'The S3 region of s3:// locations (instead of AWS_REGION)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand history" -s q -l quiet -d 'Print only errors'
complete -c newsbag -n "__fish_newsbag_using_subcommand history" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); hides progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand history" -l no-progress -d 'Never draw progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand history" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newsbag -n "__fish_newsbag_using_subcommand find" -l since -d 'Only items dated on or after this UTC day (YYYY-MM-DD)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand find" -l until -d 'Only items dated on or before this UTC day (YYYY-MM-DD), all of it' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand find" -l source -d 'Only items from this host (or its subdomains); repeatable' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand find" -l lang -d 'Only items in this language (`fa` also keeps `fa-IR`); repeatable' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand find" -l creator -d 'Only items whose creator has these words' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand find" -l bag -d 'Only items of this bag' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand find" -l limit -d 'At most this many results' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand find" -l count-by -d 'Count the matching items by time or group instead of listing them' -r -f -a "day\t'UTC day'
week\t'Week, named by its Monday'
month\t'Month'
year\t'Year'
source\t'Host of the item\'s URL'
language\t'First language'"
complete -c newsbag -n "__fish_newsbag_using_subcommand find" -l s3-endpoint -d 'The S3 API endpoint of s3:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand find" -l s3-region -d 'The S3 region of s3:// locations (instead of AWS_REGION)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand find" -l json -d 'Print JSON'
complete -c newsbag -n "__fish_newsbag_using_subcommand find" -l csv -d 'Print CSV (RFC 4180, with a header line)'
complete -c newsbag -n "__fish_newsbag_using_subcommand find" -s q -l quiet -d 'Print only errors'
complete -c newsbag -n "__fish_newsbag_using_subcommand find" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); hides progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand find" -l no-progress -d 'Never draw progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand find" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newsbag -n "__fish_newsbag_using_subcommand show" -l bag -d 'The bag holding it (when several bags hold an item of that id)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand show" -l format -d 'Output format' -r -f -a "text\t'Labelled lines, then the text'
json\t'One JSON object'"
complete -c newsbag -n "__fish_newsbag_using_subcommand show" -l s3-endpoint -d 'The S3 API endpoint of s3:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand show" -l s3-region -d 'The S3 region of s3:// locations (instead of AWS_REGION)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand show" -l original -d 'Write the original bytes to stdout'
complete -c newsbag -n "__fish_newsbag_using_subcommand show" -s q -l quiet -d 'Print only errors'
complete -c newsbag -n "__fish_newsbag_using_subcommand show" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); hides progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand show" -l no-progress -d 'Never draw progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newsbag -n "__fish_newsbag_using_subcommand export" -l since -d 'Only items dated on or after this UTC day (YYYY-MM-DD)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand export" -l until -d 'Only items dated on or before this UTC day (YYYY-MM-DD), all of it' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand export" -l source -d 'Only items from this host (or its subdomains); repeatable' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand export" -l lang -d 'Only items in this language (`fa` also keeps `fa-IR`); repeatable' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand export" -l creator -d 'Only items whose creator has these words' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand export" -l bag -d 'Only items of this bag' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand export" -l format -d 'Output format' -r -f -a "jsonl\t'One JSON object a line'
csv\t'RFC 4180 CSV with a header line'
parquet\t'Apache Parquet (Snappy-compressed, written in row groups of at most 50,000 items or 32 MiB); dates stay ISO 8601 strings'"
complete -c newsbag -n "__fish_newsbag_using_subcommand export" -l to -d 'Where to write: a file (written beside, then renamed; its manifest goes to FILE.manifest.json) or `-` for stdout (no manifest)' -r -F
complete -c newsbag -n "__fish_newsbag_using_subcommand export" -l s3-endpoint -d 'The S3 API endpoint of s3:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand export" -l s3-region -d 'The S3 region of s3:// locations (instead of AWS_REGION)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand export" -l bom -d 'Start a CSV export with a UTF-8 BOM (for spreadsheet programs)'
complete -c newsbag -n "__fish_newsbag_using_subcommand export" -s q -l quiet -d 'Print only errors'
complete -c newsbag -n "__fish_newsbag_using_subcommand export" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); hides progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand export" -l no-progress -d 'Never draw progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newsbag -n "__fish_newsbag_using_subcommand replicate" -l to -d 'The replica\'s root: another disk or mount (created if needed), or a prefix in an S3-compatible bucket, s3://BUCKET/PREFIX (endpoint and credentials from the AWS_* environment variables)' -r -F
complete -c newsbag -n "__fish_newsbag_using_subcommand replicate" -l s3-endpoint -d 'The S3 API endpoint of s3:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand replicate" -l s3-region -d 'The S3 region of s3:// locations (instead of AWS_REGION)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand replicate" -l json -d 'Print JSON'
complete -c newsbag -n "__fish_newsbag_using_subcommand replicate" -s q -l quiet -d 'Print only errors'
complete -c newsbag -n "__fish_newsbag_using_subcommand replicate" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); hides progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand replicate" -l no-progress -d 'Never draw progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand replicate" -s h -l help -d 'Print help'
complete -c newsbag -n "__fish_newsbag_using_subcommand catalog; and not __fish_seen_subcommand_from rebuild collect help" -l s3-endpoint -d 'The S3 API endpoint of s3:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand catalog; and not __fish_seen_subcommand_from rebuild collect help" -l s3-region -d 'The S3 region of s3:// locations (instead of AWS_REGION)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand catalog; and not __fish_seen_subcommand_from rebuild collect help" -s q -l quiet -d 'Print only errors'
complete -c newsbag -n "__fish_newsbag_using_subcommand catalog; and not __fish_seen_subcommand_from rebuild collect help" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); hides progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand catalog; and not __fish_seen_subcommand_from rebuild collect help" -l no-progress -d 'Never draw progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand catalog; and not __fish_seen_subcommand_from rebuild collect help" -s h -l help -d 'Print help'
complete -c newsbag -n "__fish_newsbag_using_subcommand catalog; and not __fish_seen_subcommand_from rebuild collect help" -f -a "rebuild" -d 'Make the catalog again from the bags and the event log'
complete -c newsbag -n "__fish_newsbag_using_subcommand catalog; and not __fish_seen_subcommand_from rebuild collect help" -f -a "collect" -d 'Bring remote audit workers\' own event logs into the archive'
complete -c newsbag -n "__fish_newsbag_using_subcommand catalog; and not __fish_seen_subcommand_from rebuild collect help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c newsbag -n "__fish_newsbag_using_subcommand catalog; and __fish_seen_subcommand_from rebuild" -l bags-in -d 'Make a new, empty ARCHIVE the root of the archive whose bags are in s3://BUCKET/PREFIX (its root lost): the event log comes back from the bucket\'s copy, then the catalog from the log and the bags' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand catalog; and __fish_seen_subcommand_from rebuild" -l catalog -d 'Build the catalog in this PostgreSQL database (no password in the URL: set PGPASSWORD), or `sqlite` for ARCHIVE/catalog.sqlite, and make it the archive\'s catalog from now on (ARCHIVE/catalog.json). Default: where the catalog is now' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand catalog; and __fish_seen_subcommand_from rebuild" -l catalog-schema -d 'The PostgreSQL schema of the catalog\'s tables (with --catalog)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand catalog; and __fish_seen_subcommand_from rebuild" -l station -d 'With --bags-in: the lost root was this station of the archive (its event log comes back from s3://BUCKET/PREFIX/stations/NAME/events/)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand catalog; and __fish_seen_subcommand_from rebuild" -l s3-endpoint -d 'The S3 API endpoint of s3:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand catalog; and __fish_seen_subcommand_from rebuild" -l s3-region -d 'The S3 region of s3:// locations (instead of AWS_REGION)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand catalog; and __fish_seen_subcommand_from rebuild" -s q -l quiet -d 'Print only errors'
complete -c newsbag -n "__fish_newsbag_using_subcommand catalog; and __fish_seen_subcommand_from rebuild" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); hides progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand catalog; and __fish_seen_subcommand_from rebuild" -l no-progress -d 'Never draw progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand catalog; and __fish_seen_subcommand_from rebuild" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newsbag -n "__fish_newsbag_using_subcommand catalog; and __fish_seen_subcommand_from collect" -l s3-endpoint -d 'The S3 API endpoint of s3:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand catalog; and __fish_seen_subcommand_from collect" -l s3-region -d 'The S3 region of s3:// locations (instead of AWS_REGION)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand catalog; and __fish_seen_subcommand_from collect" -s q -l quiet -d 'Print only errors'
complete -c newsbag -n "__fish_newsbag_using_subcommand catalog; and __fish_seen_subcommand_from collect" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); hides progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand catalog; and __fish_seen_subcommand_from collect" -l no-progress -d 'Never draw progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand catalog; and __fish_seen_subcommand_from collect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newsbag -n "__fish_newsbag_using_subcommand catalog; and __fish_seen_subcommand_from help" -f -a "rebuild" -d 'Make the catalog again from the bags and the event log'
complete -c newsbag -n "__fish_newsbag_using_subcommand catalog; and __fish_seen_subcommand_from help" -f -a "collect" -d 'Bring remote audit workers\' own event logs into the archive'
complete -c newsbag -n "__fish_newsbag_using_subcommand catalog; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c newsbag -n "__fish_newsbag_using_subcommand serve" -l bind -d 'The address and port to listen on (port 0: any free port)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand serve" -l base-url -d 'The data provider\'s base URL as harvesters reach it (behind a proxy); default http://ADDR:PORT/oai of the address bound' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand serve" -l admin-email -d 'The adminEmail of Identify' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand serve" -l s3-endpoint -d 'The S3 API endpoint of s3:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand serve" -l s3-region -d 'The S3 region of s3:// locations (instead of AWS_REGION)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand serve" -s q -l quiet -d 'Print only errors'
complete -c newsbag -n "__fish_newsbag_using_subcommand serve" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); hides progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand serve" -l no-progress -d 'Never draw progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and not __fish_seen_subcommand_from man completions help" -l s3-endpoint -d 'The S3 API endpoint of s3:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and not __fish_seen_subcommand_from man completions help" -l s3-region -d 'The S3 region of s3:// locations (instead of AWS_REGION)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and not __fish_seen_subcommand_from man completions help" -s q -l quiet -d 'Print only errors'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and not __fish_seen_subcommand_from man completions help" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); hides progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and not __fish_seen_subcommand_from man completions help" -l no-progress -d 'Never draw progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and not __fish_seen_subcommand_from man completions help" -s h -l help -d 'Print help'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and not __fish_seen_subcommand_from man completions help" -f -a "man" -d 'The roff man page (docs/newsbag.1)'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and not __fish_seen_subcommand_from man completions help" -f -a "completions" -d 'Shell completions (docs/completions/)'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and not __fish_seen_subcommand_from man completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and __fish_seen_subcommand_from man" -l s3-endpoint -d 'The S3 API endpoint of s3:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and __fish_seen_subcommand_from man" -l s3-region -d 'The S3 region of s3:// locations (instead of AWS_REGION)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and __fish_seen_subcommand_from man" -s q -l quiet -d 'Print only errors'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and __fish_seen_subcommand_from man" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); hides progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and __fish_seen_subcommand_from man" -l no-progress -d 'Never draw progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and __fish_seen_subcommand_from man" -s h -l help -d 'Print help'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and __fish_seen_subcommand_from completions" -l s3-endpoint -d 'The S3 API endpoint of s3:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and __fish_seen_subcommand_from completions" -l s3-region -d 'The S3 region of s3:// locations (instead of AWS_REGION)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and __fish_seen_subcommand_from completions" -s q -l quiet -d 'Print only errors'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and __fish_seen_subcommand_from completions" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); hides progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and __fish_seen_subcommand_from completions" -l no-progress -d 'Never draw progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and __fish_seen_subcommand_from completions" -s h -l help -d 'Print help'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and __fish_seen_subcommand_from help" -f -a "man" -d 'The roff man page (docs/newsbag.1)'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and __fish_seen_subcommand_from help" -f -a "completions" -d 'Shell completions (docs/completions/)'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c newsbag -n "__fish_newsbag_using_subcommand detect" -l encoding -d 'Use this encoding instead of detecting (a WHATWG label)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand detect" -l s3-endpoint -d 'The S3 API endpoint of s3:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand detect" -l s3-region -d 'The S3 region of s3:// locations (instead of AWS_REGION)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand detect" -l json -d 'One JSON object per line: file, encoding, confidence, method, declared, had_errors'
complete -c newsbag -n "__fish_newsbag_using_subcommand detect" -s q -l quiet -d 'Print only errors'
complete -c newsbag -n "__fish_newsbag_using_subcommand detect" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); hides progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand detect" -l no-progress -d 'Never draw progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand detect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newsbag -n "__fish_newsbag_using_subcommand normalize" -l encoding -d 'Use this encoding instead of detecting (a WHATWG label)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand normalize" -l s3-endpoint -d 'The S3 API endpoint of s3:// locations (instead of AWS_ENDPOINT_URL; unset for AWS itself). An http:// endpoint allows plain HTTP. Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the command line' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand normalize" -l s3-region -d 'The S3 region of s3:// locations (instead of AWS_REGION)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand normalize" -l stdin -d 'Read standard input instead of a file'
complete -c newsbag -n "__fish_newsbag_using_subcommand normalize" -l report -d 'Print the encoding decision and every repair, counted by kind, to stderr'
complete -c newsbag -n "__fish_newsbag_using_subcommand normalize" -l json -d 'With --report: print the report as JSON'
complete -c newsbag -n "__fish_newsbag_using_subcommand normalize" -s q -l quiet -d 'Print only errors'
complete -c newsbag -n "__fish_newsbag_using_subcommand normalize" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); hides progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand normalize" -l no-progress -d 'Never draw progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand normalize" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newsbag -n "__fish_newsbag_using_subcommand help; and not __fish_seen_subcommand_from ingest bag verify extract audit status history find show export replicate catalog serve generate detect normalize help" -f -a "ingest" -d 'Ingest news items into one verified, zipped bag in the archive'
complete -c newsbag -n "__fish_newsbag_using_subcommand help; and not __fish_seen_subcommand_from ingest bag verify extract audit status history find show export replicate catalog serve generate detect normalize help" -f -a "bag" -d 'Make a bag of a directory, in place or at a new destination'
complete -c newsbag -n "__fish_newsbag_using_subcommand help; and not __fish_seen_subcommand_from ingest bag verify extract audit status history find show export replicate catalog serve generate detect normalize help" -f -a "verify" -d 'Verify bags: structure, completeness and fixity'
complete -c newsbag -n "__fish_newsbag_using_subcommand help; and not __fish_seen_subcommand_from ingest bag verify extract audit status history find show export replicate catalog serve generate detect normalize help" -f -a "extract" -d 'Extract a zipped bag safely, verifying it on the way; or take items out of an archive by id'
complete -c newsbag -n "__fish_newsbag_using_subcommand help; and not __fish_seen_subcommand_from ingest bag verify extract audit status history find show export replicate catalog serve generate detect normalize help" -f -a "audit" -d 'Audit the archive: verify the bags least recently checked, within a budget'
complete -c newsbag -n "__fish_newsbag_using_subcommand help; and not __fish_seen_subcommand_from ingest bag verify extract audit status history find show export replicate catalog serve generate detect normalize help" -f -a "status" -d 'Show the archive at a glance: bags, items, bytes, copies, audits, overdue bags and open problems'
complete -c newsbag -n "__fish_newsbag_using_subcommand help; and not __fish_seen_subcommand_from ingest bag verify extract audit status history find show export replicate catalog serve generate detect normalize help" -f -a "history" -d 'Print the events of the archive, a bag or an item, oldest first'
complete -c newsbag -n "__fish_newsbag_using_subcommand help; and not __fish_seen_subcommand_from ingest bag verify extract audit status history find show export replicate catalog serve generate detect normalize help" -f -a "find" -d 'Find items across the archive: full-text query, filters, counts'
complete -c newsbag -n "__fish_newsbag_using_subcommand help; and not __fish_seen_subcommand_from ingest bag verify extract audit status history find show export replicate catalog serve generate detect normalize help" -f -a "show" -d 'Show an item: its Dublin Core record, provenance, the fixity status of its bag and its text, read straight from the zip'
complete -c newsbag -n "__fish_newsbag_using_subcommand help; and not __fish_seen_subcommand_from ingest bag verify extract audit status history find show export replicate catalog serve generate detect normalize help" -f -a "export" -d 'Export the items matching a query and filters as JSON Lines, CSV or Parquet'
complete -c newsbag -n "__fish_newsbag_using_subcommand help; and not __fish_seen_subcommand_from ingest bag verify extract audit status history find show export replicate catalog serve generate detect normalize help" -f -a "replicate" -d 'Copy every bag to a second archive root, verify each copy, and record where it is'
complete -c newsbag -n "__fish_newsbag_using_subcommand help; and not __fish_seen_subcommand_from ingest bag verify extract audit status history find show export replicate catalog serve generate detect normalize help" -f -a "catalog" -d 'Manage the archive\'s catalog (ARCHIVE/catalog.sqlite)'
complete -c newsbag -n "__fish_newsbag_using_subcommand help; and not __fish_seen_subcommand_from ingest bag verify extract audit status history find show export replicate catalog serve generate detect normalize help" -f -a "serve" -d 'Serve the archive read-only over HTTP: an OAI-PMH 2.0 data provider at /oai, a reading room at /'
complete -c newsbag -n "__fish_newsbag_using_subcommand help; and not __fish_seen_subcommand_from ingest bag verify extract audit status history find show export replicate catalog serve generate detect normalize help" -f -a "generate" -d 'Generate the man page or shell completions'
complete -c newsbag -n "__fish_newsbag_using_subcommand help; and not __fish_seen_subcommand_from ingest bag verify extract audit status history find show export replicate catalog serve generate detect normalize help" -f -a "detect" -d 'Detect the encoding of files: one line per file (encoding, confidence, method, file)'
complete -c newsbag -n "__fish_newsbag_using_subcommand help; and not __fish_seen_subcommand_from ingest bag verify extract audit status history find show export replicate catalog serve generate detect normalize help" -f -a "normalize" -d 'Write the UTF-8 text derivative of a file to stdout (what ingest stores)'
complete -c newsbag -n "__fish_newsbag_using_subcommand help; and not __fish_seen_subcommand_from ingest bag verify extract audit status history find show export replicate catalog serve generate detect normalize help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c newsbag -n "__fish_newsbag_using_subcommand help; and __fish_seen_subcommand_from catalog" -f -a "rebuild" -d 'Make the catalog again from the bags and the event log'
complete -c newsbag -n "__fish_newsbag_using_subcommand help; and __fish_seen_subcommand_from catalog" -f -a "collect" -d 'Bring remote audit workers\' own event logs into the archive'
complete -c newsbag -n "__fish_newsbag_using_subcommand help; and __fish_seen_subcommand_from generate" -f -a "man" -d 'The roff man page (docs/newsbag.1)'
complete -c newsbag -n "__fish_newsbag_using_subcommand help; and __fish_seen_subcommand_from generate" -f -a "completions" -d 'Shell completions (docs/completions/)'
