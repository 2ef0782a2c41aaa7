# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_newsbag_global_optspecs
    string join \n q/quiet v/verbose no-progress h/help V/version
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

complete -c newsbag -n "__fish_newsbag_needs_command" -s q -l quiet -d 'Print only errors'
complete -c newsbag -n "__fish_newsbag_needs_command" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); hides progress bars'
complete -c newsbag -n "__fish_newsbag_needs_command" -l no-progress -d 'Never draw progress bars'
complete -c newsbag -n "__fish_newsbag_needs_command" -s h -l help -d 'Print help'
complete -c newsbag -n "__fish_newsbag_needs_command" -s V -l version -d 'Print version'
complete -c newsbag -n "__fish_newsbag_needs_command" -f -a "ingest" -d 'Ingest news items into one verified, zipped bag in the archive'
complete -c newsbag -n "__fish_newsbag_needs_command" -f -a "bag" -d 'Make a bag of a directory, in place or at a new destination'
complete -c newsbag -n "__fish_newsbag_needs_command" -f -a "verify" -d 'Verify bags: structure, completeness and fixity'
complete -c newsbag -n "__fish_newsbag_needs_command" -f -a "extract" -d 'Extract a zipped bag safely, verifying it on the way'
complete -c newsbag -n "__fish_newsbag_needs_command" -f -a "generate" -d 'Generate the man page or shell completions'
complete -c newsbag -n "__fish_newsbag_needs_command" -f -a "detect" -d 'Detect the encoding of files: one line per file (encoding, confidence, method, file)'
complete -c newsbag -n "__fish_newsbag_needs_command" -f -a "normalize" -d 'Write the UTF-8 text derivative of a file to stdout (what ingest stores)'
complete -c newsbag -n "__fish_newsbag_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c newsbag -n "__fish_newsbag_using_subcommand ingest" -l archive -d 'The archive root; the bag goes to ARCHIVE/bags/NAME.zip' -r -F
complete -c newsbag -n "__fish_newsbag_using_subcommand ingest" -l name -d 'The bag\'s name (default: the first input\'s name and the date)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand ingest" -l encoding -d 'Decode every input with this encoding (a WHATWG label) instead of detecting it' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand ingest" -l info -d 'A bag-info.txt element, written in the order given (repeatable)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand ingest" -l meta -d 'Dublin Core fields for inputs that carry none: JSON or CSV keyed by input file name (schemas/meta.schema.json). The file itself is not ingested' -r -F
complete -c newsbag -n "__fish_newsbag_using_subcommand ingest" -l date -d 'Bagging-Date (YYYY-MM-DD); default: today (UTC). With a date, the provenance records that date as the ingest time, so the same inputs give a byte-identical bag' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand ingest" -l max-input-bytes -d 'Largest input accepted, in bytes (for a WARC: largest captured payload; the WARC itself is streamed whatever its size)' -r
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
complete -c newsbag -n "__fish_newsbag_using_subcommand bag" -l zip -d 'Write a deterministic ZIP (one top-level directory named after the archive) instead of a directory; DIR is left untouched. If DIR is already a bag it is zipped as it is, else it is bagged first. The archive is DEST if --to is given, else DIR.zip beside DIR; it appears under its name only once written and verified'
complete -c newsbag -n "__fish_newsbag_using_subcommand bag" -s q -l quiet -d 'Print only errors'
complete -c newsbag -n "__fish_newsbag_using_subcommand bag" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); hides progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand bag" -l no-progress -d 'Never draw progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand bag" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newsbag -n "__fish_newsbag_using_subcommand verify" -l fast -d 'Check structure and Payload-Oxum only (no manifest comparison, no hashing)'
complete -c newsbag -n "__fish_newsbag_using_subcommand verify" -l completeness-only -d 'Check that every listed file exists and every payload file is listed, without hashing'
complete -c newsbag -n "__fish_newsbag_using_subcommand verify" -l json -d 'Print a JSON report (schemas/verify-report.schema.json) instead of text'
complete -c newsbag -n "__fish_newsbag_using_subcommand verify" -s q -l quiet -d 'Print only errors'
complete -c newsbag -n "__fish_newsbag_using_subcommand verify" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); hides progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand verify" -l no-progress -d 'Never draw progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newsbag -n "__fish_newsbag_using_subcommand extract" -l to -d 'Where to extract the bag (must not exist, or be an empty directory)' -r -F
complete -c newsbag -n "__fish_newsbag_using_subcommand extract" -l item -d 'Extract only this payload file (path inside the bag, such as data/a.txt; repeatable); tag files are always extracted' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand extract" -l max-total-bytes -d 'Refuse archives whose entries add up to more than N bytes' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand extract" -l max-ratio -d 'Refuse entries of 1 MiB or more that expand more than N times' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand extract" -l max-entries -d 'Refuse archives of more than N entries' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand extract" -s q -l quiet -d 'Print only errors'
complete -c newsbag -n "__fish_newsbag_using_subcommand extract" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); hides progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand extract" -l no-progress -d 'Never draw progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand extract" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and not __fish_seen_subcommand_from man completions help" -s q -l quiet -d 'Print only errors'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and not __fish_seen_subcommand_from man completions help" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); hides progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and not __fish_seen_subcommand_from man completions help" -l no-progress -d 'Never draw progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and not __fish_seen_subcommand_from man completions help" -s h -l help -d 'Print help'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and not __fish_seen_subcommand_from man completions help" -f -a "man" -d 'The roff man page (docs/newsbag.1)'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and not __fish_seen_subcommand_from man completions help" -f -a "completions" -d 'Shell completions (docs/completions/)'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and not __fish_seen_subcommand_from man completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and __fish_seen_subcommand_from man" -s q -l quiet -d 'Print only errors'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and __fish_seen_subcommand_from man" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); hides progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and __fish_seen_subcommand_from man" -l no-progress -d 'Never draw progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and __fish_seen_subcommand_from man" -s h -l help -d 'Print help'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and __fish_seen_subcommand_from completions" -s q -l quiet -d 'Print only errors'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and __fish_seen_subcommand_from completions" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); hides progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and __fish_seen_subcommand_from completions" -l no-progress -d 'Never draw progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and __fish_seen_subcommand_from completions" -s h -l help -d 'Print help'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and __fish_seen_subcommand_from help" -f -a "man" -d 'The roff man page (docs/newsbag.1)'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and __fish_seen_subcommand_from help" -f -a "completions" -d 'Shell completions (docs/completions/)'
complete -c newsbag -n "__fish_newsbag_using_subcommand generate; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c newsbag -n "__fish_newsbag_using_subcommand detect" -l encoding -d 'Use this encoding instead of detecting (a WHATWG label)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand detect" -l json -d 'One JSON object per line: file, encoding, confidence, method, declared, had_errors'
complete -c newsbag -n "__fish_newsbag_using_subcommand detect" -s q -l quiet -d 'Print only errors'
complete -c newsbag -n "__fish_newsbag_using_subcommand detect" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); hides progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand detect" -l no-progress -d 'Never draw progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand detect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newsbag -n "__fish_newsbag_using_subcommand normalize" -l encoding -d 'Use this encoding instead of detecting (a WHATWG label)' -r
complete -c newsbag -n "__fish_newsbag_using_subcommand normalize" -l stdin -d 'Read standard input instead of a file'
complete -c newsbag -n "__fish_newsbag_using_subcommand normalize" -l report -d 'Print the encoding decision and every repair, counted by kind, to stderr'
complete -c newsbag -n "__fish_newsbag_using_subcommand normalize" -l json -d 'With --report: print the report as JSON'
complete -c newsbag -n "__fish_newsbag_using_subcommand normalize" -s q -l quiet -d 'Print only errors'
complete -c newsbag -n "__fish_newsbag_using_subcommand normalize" -s v -l verbose -d 'More log output (-v info, -vv debug, -vvv trace); hides progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand normalize" -l no-progress -d 'Never draw progress bars'
complete -c newsbag -n "__fish_newsbag_using_subcommand normalize" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newsbag -n "__fish_newsbag_using_subcommand help; and not __fish_seen_subcommand_from ingest bag verify extract generate detect normalize help" -f -a "ingest" -d 'Ingest news items into one verified, zipped bag in the archive'
complete -c newsbag -n "__fish_newsbag_using_subcommand help; and not __fish_seen_subcommand_from ingest bag verify extract generate detect normalize help" -f -a "bag" -d 'Make a bag of a directory, in place or at a new destination'
complete -c newsbag -n "__fish_newsbag_using_subcommand help; and not __fish_seen_subcommand_from ingest bag verify extract generate detect normalize help" -f -a "verify" -d 'Verify bags: structure, completeness and fixity'
complete -c newsbag -n "__fish_newsbag_using_subcommand help; and not __fish_seen_subcommand_from ingest bag verify extract generate detect normalize help" -f -a "extract" -d 'Extract a zipped bag safely, verifying it on the way'
complete -c newsbag -n "__fish_newsbag_using_subcommand help; and not __fish_seen_subcommand_from ingest bag verify extract generate detect normalize help" -f -a "generate" -d 'Generate the man page or shell completions'
complete -c newsbag -n "__fish_newsbag_using_subcommand help; and not __fish_seen_subcommand_from ingest bag verify extract generate detect normalize help" -f -a "detect" -d 'Detect the encoding of files: one line per file (encoding, confidence, method, file)'
complete -c newsbag -n "__fish_newsbag_using_subcommand help; and not __fish_seen_subcommand_from ingest bag verify extract generate detect normalize help" -f -a "normalize" -d 'Write the UTF-8 text derivative of a file to stdout (what ingest stores)'
complete -c newsbag -n "__fish_newsbag_using_subcommand help; and not __fish_seen_subcommand_from ingest bag verify extract generate detect normalize help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c newsbag -n "__fish_newsbag_using_subcommand help; and __fish_seen_subcommand_from generate" -f -a "man" -d 'The roff man page (docs/newsbag.1)'
complete -c newsbag -n "__fish_newsbag_using_subcommand help; and __fish_seen_subcommand_from generate" -f -a "completions" -d 'Shell completions (docs/completions/)'
