//! Command-line arguments (clap derive). Doc comments are the long help.
//! Values are validated here and converted once into library options; no clap
//! type crosses into `newsbag::`.

use std::path::PathBuf;

use clap::{Args as ClapArgs, Parser, Subcommand};

/// Digital preservation of news: BagIt bags with byte-exact originals, UTF-8
/// text, Dublin Core records and checksums.
#[derive(Debug, Parser)]
#[command(name = "newsbag", version, about, max_term_width = 100)]
pub(crate) struct Args {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Flags accepted by every subcommand.
#[derive(Debug, ClapArgs)]
pub(crate) struct GlobalArgs {
    /// Print only errors.
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,
    /// More log output (-v info, -vv debug, -vvv trace); hides progress bars.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
    /// Never draw progress bars.
    #[arg(long, global = true)]
    pub(crate) no_progress: bool,
    /// The S3 API endpoint of s3:// locations (instead of AWS_ENDPOINT_URL;
    /// unset for AWS itself). An http:// endpoint allows plain HTTP.
    /// Credentials come from the environment (AWS_ACCESS_KEY_ID,
    /// AWS_SECRET_ACCESS_KEY), never from the command line.
    #[arg(long, global = true, value_name = "URL")]
    pub(crate) s3_endpoint: Option<String>,
    /// The S3 region of s3:// locations (instead of AWS_REGION).
    #[arg(long, global = true, value_name = "NAME")]
    pub(crate) s3_region: Option<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Ingest news items into one verified, zipped bag in the archive.
    ///
    /// INPUT is a file, a directory (read recursively, in sorted order) or
    /// `-` for standard input. Plain text, HTML, RSS 2.0, Atom and WARC web
    /// archives (plain or gzipped) are told apart by content; the encoding
    /// is detected (see `newsbag detect`). A WARC is streamed record by
    /// record and kept whole: each HTML page or feed it captured becomes an
    /// item (docs/warc.md); a bad record is named with its offset. Each
    /// item gets its original bytes, its UTF-8 text derivative, a Dublin
    /// Core record (oai_dc) and a provenance record; the bag is written to
    /// ARCHIVE/bags/NAME.zip only once complete and verified. Exit status 0,
    /// 1 when some inputs were rejected under --keep-going, 2 on errors
    /// (nothing is written then).
    Ingest(IngestArgs),
    /// Make a bag of a directory, in place or at a new destination.
    ///
    /// In place, the directory's content moves under data/ and the tag files
    /// are written beside it; on any failure the directory is left as it was.
    /// With --to, a new bag is written at DEST and DIR is left untouched
    /// (read-only sources, chain of custody). Symbolic links, FIFOs, devices,
    /// unreadable files and names that collide after Unicode NFC
    /// normalisation are refused, each named.
    Bag(BagArgs),
    /// Verify bags: structure, completeness and fixity.
    ///
    /// PATH is a bag directory, a zipped bag (.zip, verified without
    /// extracting it) or a directory holding bags and zips (an archive root):
    /// every bag under it is verified. PATH may also be
    /// `s3://BUCKET/KEY.zip` or `s3://BUCKET/PREFIX` (every .zip under it):
    /// zipped bags in S3-compatible object storage are verified in place
    /// with ranged reads, never downloaded whole (endpoint, region and
    /// credentials from AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID,
    /// AWS_SECRET_ACCESS_KEY; AWS_ALLOW_HTTP=true for a server without TLS).
    /// Prints one line per bag (`valid PATH`
    /// or `invalid PATH`) followed by its problems, errors first. Exit status
    /// 0 when every bag is valid (warnings allowed), 1 when one is invalid,
    /// 2 on usage or I/O errors.
    Verify(VerifyArgs),
    /// Extract a zipped bag safely, verifying it on the way; or take items
    /// out of an archive by id.
    ///
    /// With an archive root instead of a zip, `--item ID` (repeatable)
    /// names items: the catalog finds the bags holding them, and from
    /// each only the items' folders (original, text, dc.xml, provenance)
    /// and the tag files are extracted, verified against the manifests,
    /// to DEST/BAG/; the same checks and the same all-or-nothing rename
    /// apply to DEST as a whole.
    ///
    /// Refuses, before writing anything, entry names that could escape DEST
    /// (`..`, absolute, drive letters, backslashes, control characters),
    /// symbolic links, more than one top-level directory, names that
    /// collide after Unicode normalisation and case folding, sizes that
    /// disagree with Payload-Oxum and archives beyond the size and ratio
    /// limits (ZIP bombs). DEST must not exist or be an empty directory (as
    /// `mkdir DEST` or `mktemp -d` leave it); anything else is refused.
    /// Extracts into a temporary directory beside DEST, hashing while
    /// writing, and renames it to DEST only if the bag is valid, in one step
    /// that replaces an empty DEST; otherwise nothing is left behind and an
    /// empty DEST stays empty. Exit status 0 when valid, 1 when the bag is
    /// invalid, 2 when the archive is refused or unreadable.
    Extract(ExtractArgs),
    /// Audit the archive: verify the bags least recently checked, within a budget.
    ///
    /// Takes bags in order of oldest last successful full check (never
    /// checked first), verifies each (zips in place, as `verify` does, plus
    /// the zip's size and whole-file SHA-256 against the catalog), records
    /// an event per bag, and stops cleanly when the budget is spent; the
    /// next run goes on from there. Also finds registered bags gone from
    /// disk (missing: an error every run until resolved) and bags on disk
    /// not in the catalog (unknown). Prints one summary. Exit status 0 when
    /// all is well, 1 when a bag is invalid or missing, 2 when the audit
    /// cannot run (another audit holds the archive, a damaged catalog).
    Audit(AuditArgs),
    /// Show the archive at a glance: bags, items, bytes, copies, audits,
    /// overdue bags and open problems.
    Status(StatusArgs),
    /// Print the events of the archive, a bag or an item, oldest first.
    ///
    /// Formats: text (one line an event), jsonl (the event log's own
    /// records) and premis (PREMIS 3.0 XML, event types from the Library of
    /// Congress preservation vocabulary).
    History(HistoryArgs),
    /// Find items across the archive: full-text query, filters, counts.
    ///
    /// The query has words (all must match), "quoted phrases", OR, AND,
    /// NOT (upper case), parentheses and prefix*; Persian and Arabic
    /// spellings are folded (docs/search.md), so a query finds كتاب and
    /// کتاب, می‌شود, میشود and می شود alike. Results are ranked (bm25) with
    /// a snippet of the item's text, matches in […]. --since and --until
    /// name UTC days, both included. --count-by prints
    /// KEY,count,total_count,ratio (a bar chart on a terminal), where
    /// total_count counts the items the filters alone keep.
    Find(FindArgs),
    /// Show an item: its Dublin Core record, provenance, the fixity status
    /// of its bag and its text, read straight from the zip.
    ///
    /// --original writes the original bytes to stdout instead, checked
    /// against the zip entry's CRC and the SHA-256 its provenance records
    /// as they are written (a mismatch is an error after the bytes).
    Show(ShowArgs),
    /// Export the items matching a query and filters as JSON Lines, CSV or Parquet.
    ///
    /// One record per item (id, bag, url, source, title, creator,
    /// subjects, description, date_published, date_collected, language,
    /// encoding, text, sha256 of the original), streamed straight from the
    /// zips in a stable order (bag, then item id). A file export also
    /// writes FILE.manifest.json: the query, filters, archive, newsbag
    /// version, count and SHA-256 of the export. A progress bar counts the
    /// items on stderr when it is a terminal (not with -q or
    /// --no-progress).
    Export(ExportArgs),
    /// Copy every bag to a second archive root, verify each copy, and
    /// record where it is.
    Replicate(ReplicateArgs),
    /// Manage the archive's catalog (ARCHIVE/catalog.sqlite).
    Catalog(CatalogArgs),
    /// Serve the archive read-only over HTTP: an OAI-PMH 2.0 data provider at /oai, a reading room at /.
    ///
    /// Every item is a record in oai_dc (its own dc.xml), with sets
    /// `bag:NAME` and `source:HOST`; resumption tokens survive a restart
    /// and stay valid while bags are added (docs/oai-pmh.md). The reading
    /// room is HTML for researchers, without JavaScript: the search of
    /// `find` with its filters, a chart of matches over time, each item's
    /// record, text, fixity and original (docs/reading-room.md). Opens the
    /// catalog read-only and listens on localhost unless told otherwise;
    /// prints the addresses it serves on, and runs until interrupted.
    Serve(ServeArgs),
    /// Generate the man page or shell completions.
    Generate(GenerateArgs),
    /// Detect the encoding of files: one line per file (encoding, confidence, method, file).
    ///
    /// The encoding is the WHATWG name (utf-8, windows-1256, utf-16le, shift_jis, gbk, …); the
    /// method is bom, declared, sniffed, given or default. See docs/encoding.md.
    Detect(DetectArgs),
    /// Write the UTF-8 text derivative of a file to stdout (what ingest stores).
    ///
    /// UTF-8, NFC, LF line endings, no BOM, no NUL; Persian text also gets the safe repairs
    /// described in docs/encoding.md. --report lists the decision and every repair on stderr.
    Normalize(NormalizeArgs),
}

/// Arguments of `newsbag ingest`.
#[derive(Debug, ClapArgs)]
pub(crate) struct IngestArgs {
    /// Files, directories or `-` (standard input).
    #[arg(required = true)]
    pub(crate) inputs: Vec<PathBuf>,
    /// The archive root; the bag goes to ARCHIVE/bags/NAME.zip.
    #[arg(long, value_name = "DIR", default_value = "archive")]
    pub(crate) archive: PathBuf,
    /// Keep the archive's bags in a bucket, at s3://BUCKET/PREFIX/bags/NAME.zip
    /// (set once, by the first ingest of a new archive, in ARCHIVE/store.json;
    /// the catalog and the event log stay in ARCHIVE). Each bag is built and
    /// verified locally, uploaded, read back and only then registered.
    #[arg(long, value_name = "s3://BUCKET/PREFIX")]
    pub(crate) bags_in: Option<String>,
    /// Keep the archive's catalog in this PostgreSQL database instead of
    /// ARCHIVE/catalog.sqlite (set once, by the first ingest of a new
    /// archive, in ARCHIVE/catalog.json; no password in the URL: set
    /// PGPASSWORD). An existing archive's catalog moves with `catalog
    /// rebuild --catalog`.
    #[arg(long, value_name = "postgres://USER@HOST/DB")]
    pub(crate) catalog: Option<String>,
    /// The PostgreSQL schema of the catalog's tables (with --catalog).
    #[arg(
        long,
        value_name = "NAME",
        default_value = "newsbag_catalog",
        requires = "catalog"
    )]
    pub(crate) catalog_schema: String,
    /// Make a new ARCHIVE a station of the archive whose bags are in
    /// --bags-in and whose catalog is --catalog: another machine's root
    /// ingesting into the same bucket and PostgreSQL catalog, with an event
    /// log of its own (copied to s3://BUCKET/PREFIX/stations/NAME/events/).
    /// NAME: 1 to 40 of a-z, 0-9 and -.
    #[arg(long, value_name = "NAME", requires_all = ["bags_in", "catalog"])]
    pub(crate) station: Option<String>,
    /// The bag's name (default: the first input's name and the date).
    #[arg(long)]
    pub(crate) name: Option<String>,
    /// Decode every input with this encoding (a WHATWG label) instead of
    /// detecting it.
    #[arg(long, value_name = "LABEL")]
    pub(crate) encoding: Option<String>,
    /// A bag-info.txt element, written in the order given (repeatable).
    #[arg(long, value_name = "LABEL=VALUE", value_parser = parse_info)]
    pub(crate) info: Vec<(String, String)>,
    /// Dublin Core fields for inputs that carry none: JSON or CSV keyed by
    /// input file name (schemas/meta.schema.json). The file itself is not
    /// ingested.
    #[arg(long, value_name = "FILE")]
    pub(crate) meta: Option<PathBuf>,
    /// Ingest what can be ingested and list the rejected inputs (exit 1)
    /// instead of writing nothing.
    #[arg(long)]
    pub(crate) keep_going: bool,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    pub(crate) json: bool,
    /// Bagging-Date (YYYY-MM-DD); default: today (UTC). With a date, the
    /// provenance records that date as the ingest time, so the same inputs
    /// give a byte-identical bag.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub(crate) date: Option<String>,
    /// Largest input accepted, in bytes (for a WARC: largest captured
    /// payload; the WARC itself is streamed whatever its size).
    #[arg(long, value_name = "BYTES", default_value_t = newsbag::ingest::DEFAULT_MAX_INPUT_BYTES)]
    pub(crate) max_input_bytes: u64,
}

/// Arguments of `newsbag detect`.
#[derive(Debug, ClapArgs)]
pub(crate) struct DetectArgs {
    /// Files to examine.
    #[arg(required = true)]
    pub(crate) files: Vec<PathBuf>,
    /// Use this encoding instead of detecting (a WHATWG label).
    #[arg(long, value_name = "LABEL")]
    pub(crate) encoding: Option<String>,
    /// One JSON object per line: file, encoding, confidence, method, declared, had_errors.
    #[arg(long)]
    pub(crate) json: bool,
}

/// Arguments of `newsbag normalize`.
#[derive(Debug, ClapArgs)]
pub(crate) struct NormalizeArgs {
    /// The file to normalise.
    #[arg(required_unless_present = "stdin", conflicts_with = "stdin")]
    pub(crate) file: Option<PathBuf>,
    /// Read standard input instead of a file.
    #[arg(long)]
    pub(crate) stdin: bool,
    /// Use this encoding instead of detecting (a WHATWG label).
    #[arg(long, value_name = "LABEL")]
    pub(crate) encoding: Option<String>,
    /// Print the encoding decision and every repair, counted by kind, to stderr.
    #[arg(long)]
    pub(crate) report: bool,
    /// With --report: print the report as JSON.
    #[arg(long, requires = "report")]
    pub(crate) json: bool,
}

/// Arguments of `newsbag extract`.
#[derive(Debug, ClapArgs)]
pub(crate) struct ExtractArgs {
    /// The zipped bag, or an archive root (then --item names item ids).
    #[arg(value_name = "BAG.zip|ARCHIVE")]
    pub(crate) zip: PathBuf,
    /// Where to extract the bag (must not exist, or be an empty directory).
    #[arg(long, value_name = "DIR", required = true)]
    pub(crate) to: PathBuf,
    /// From a zipped bag: extract only this payload file (path inside the
    /// bag, such as data/a.txt; a path ending in / takes the directory);
    /// tag files are always extracted. From an archive: the id of an item
    /// to take out (required). Repeatable.
    #[arg(long = "item", value_name = "PATH|ID")]
    pub(crate) items: Vec<String>,
    /// From an archive: take the items from this bag (needed when several
    /// bags hold an item of that id).
    #[arg(long, value_name = "NAME")]
    pub(crate) bag: Option<String>,
    /// Refuse archives whose entries add up to more than N bytes.
    #[arg(long, value_name = "N", default_value_t = newsbag::extract::DEFAULT_MAX_TOTAL_BYTES)]
    pub(crate) max_total_bytes: u64,
    /// Refuse entries of 1 MiB or more that expand more than N times.
    #[arg(long, value_name = "N", default_value_t = newsbag::extract::DEFAULT_MAX_RATIO)]
    pub(crate) max_ratio: u64,
    /// Refuse archives of more than N entries.
    #[arg(long, value_name = "N", default_value_t = newsbag::extract::DEFAULT_MAX_ENTRIES)]
    pub(crate) max_entries: u64,
}

impl ExtractArgs {
    /// The library options these flags ask for.
    pub(crate) fn options(&self) -> newsbag::extract::ExtractOptions {
        newsbag::extract::ExtractOptions {
            items: self.items.clone(),
            max_total_bytes: self.max_total_bytes,
            max_ratio: self.max_ratio,
            max_entries: self.max_entries,
        }
    }
}

/// Arguments of `newsbag bag`.
#[derive(Debug, ClapArgs)]
pub(crate) struct BagArgs {
    /// The directory to bag.
    pub(crate) dir: PathBuf,
    /// Write the bag at DEST (which must not exist) and leave DIR untouched.
    #[arg(long, value_name = "DEST")]
    pub(crate) to: Option<PathBuf>,
    /// Checksum algorithm for manifests and tag manifests (repeatable):
    /// sha512, sha256, sha384, sha224, sha1, md5. Default: sha512 and sha256.
    #[arg(long = "algorithm", short = 'a', value_name = "ALG", value_parser = parse_algorithm)]
    pub(crate) algorithms: Vec<newsbag::checksum::Algorithm>,
    /// A bag-info.txt element, written in the order given (repeatable).
    #[arg(long, value_name = "LABEL=VALUE", value_parser = parse_info)]
    pub(crate) info: Vec<(String, String)>,
    /// Bagging-Date (YYYY-MM-DD); default: today (UTC).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub(crate) date: Option<String>,
    /// Write a deterministic ZIP (one top-level directory named after the
    /// archive) instead of a directory; DIR is left untouched. If DIR is
    /// already a bag it is zipped as it is, else it is bagged first. The
    /// archive is DEST if --to is given, else DIR.zip beside DIR; it appears
    /// under its name only once written and verified.
    #[arg(long)]
    pub(crate) zip: bool,
}

/// Arguments of `newsbag verify`.
#[derive(Debug, ClapArgs)]
pub(crate) struct VerifyArgs {
    /// Bags, directories holding bags, or s3://BUCKET/KEY.zip and
    /// s3://BUCKET/PREFIX.
    #[arg(required = true)]
    pub(crate) paths: Vec<PathBuf>,
    /// Check structure and Payload-Oxum only (no manifest comparison, no
    /// hashing).
    #[arg(long, conflicts_with = "completeness_only")]
    pub(crate) fast: bool,
    /// Check that every listed file exists and every payload file is listed,
    /// without hashing.
    #[arg(long)]
    pub(crate) completeness_only: bool,
    /// Print a JSON report (schemas/verify-report.schema.json) instead of
    /// text.
    #[arg(long)]
    pub(crate) json: bool,
}

impl VerifyArgs {
    /// The verification level the flags ask for.
    pub(crate) fn level(&self) -> newsbag::Level {
        if self.fast {
            newsbag::Level::Fast
        } else if self.completeness_only {
            newsbag::Level::Completeness
        } else {
            newsbag::Level::Fixity
        }
    }
}

fn parse_algorithm(s: &str) -> Result<newsbag::checksum::Algorithm, String> {
    s.parse().map_err(|e: newsbag::Error| e.to_string())
}

fn parse_info(s: &str) -> Result<(String, String), String> {
    let (label, value) = s
        .split_once('=')
        .ok_or_else(|| format!("expected LABEL=VALUE, got `{s}`"))?;
    Ok((label.to_owned(), value.to_owned()))
}

fn parse_date(s: &str) -> Result<String, String> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(|d| d.format("%Y-%m-%d").to_string())
        .map_err(|_| format!("`{s}` is not a date in the form YYYY-MM-DD"))
}

/// Arguments of `newsbag audit`.
#[derive(Debug, ClapArgs)]
pub(crate) struct AuditArgs {
    /// The archive root.
    #[arg(default_value = "archive")]
    pub(crate) archive: PathBuf,
    /// Every bag should be fully checked within this period (s, m, h, d or
    /// w suffix); bags not checked within it are overdue.
    #[arg(long, value_name = "DURATION", default_value = "90d", value_parser = parse_duration)]
    pub(crate) cycle: std::time::Duration,
    /// Start no new bag after this long (s, m, h, d or w suffix).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, conflicts_with = "max_bytes")]
    pub(crate) budget: Option<std::time::Duration>,
    /// Start no bag that would take the bytes read past this (K, M, G or T
    /// suffix, powers of 1024).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub(crate) max_bytes: Option<u64>,
    /// How thoroughly each bag is checked; only fixity counts as a full check.
    #[arg(long, value_enum, default_value_t = AuditLevel::Fixity)]
    pub(crate) level: AuditLevel,
    /// Print the report as JSON (schemas/audit-report.schema.json).
    #[arg(long)]
    pub(crate) json: bool,
    /// Write Prometheus metrics for node_exporter's textfile collector
    /// (atomically, mode 0644).
    #[arg(long, value_name = "FILE.prom")]
    pub(crate) metrics: Option<PathBuf>,
    /// Register bags found on disk but not in the catalog.
    #[arg(long)]
    pub(crate) adopt: bool,
    /// Replace missing or damaged bags by their copy in this replica root
    /// (a directory or s3://BUCKET/PREFIX), once that copy verifies where it
    /// lies; damaged bags go to ARCHIVE/quarantine/.
    #[arg(long, value_name = "DIR|s3://BUCKET/PREFIX")]
    pub(crate) repair_from: Option<PathBuf>,
    /// Also check every replica copy the catalog records (made by
    /// `replicate`), where it lies: size, SHA-256 of the zip and full
    /// fixity, least recently verified first, within the same budget. A
    /// damaged or missing copy fails the audit (exit 1); `replicate` again
    /// replaces it.
    #[arg(long)]
    pub(crate) copies: bool,
    /// Work as one of several audit workers sharing the PostgreSQL database
    /// given by --catalog (default: the database of the archive's catalog,
    /// when it is on PostgreSQL): claim bags of the open cycle with a
    /// lease, check them, record them, and take more until the cycle is
    /// complete (or the budget is spent). Run it on any number of machines
    /// that see the archive (docs/scale-out.md).
    #[arg(long, conflicts_with_all = ["adopt", "repair_from", "copies", "metrics"])]
    pub(crate) worker: bool,
    /// The PostgreSQL database the workers share
    /// (postgres://USER@HOST:PORT/DB; the password in the URL or in
    /// PGPASSWORD).
    #[arg(long, value_name = "postgres://…", requires = "worker")]
    pub(crate) catalog: Option<String>,
    /// With --worker: a bag claimed by a worker that has not renewed its
    /// lease for this long (killed, or cut off) is taken by another.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration, requires = "worker")]
    pub(crate) lease: std::time::Duration,
    /// With --worker: this machine is not the archive's. The worker reads
    /// the bags (ARCHIVE mounted, or the same paths) and records in
    /// PostgreSQL only; workers on the archive's machine open the cycles
    /// and collect every worker's checks into the event log and catalog.
    #[arg(long, requires = "worker")]
    pub(crate) remote: bool,
    /// With --worker: the most bags claimed at once (claims are sized to
    /// about a second of checking).
    #[arg(long, value_name = "N", default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=10_000), requires = "worker")]
    pub(crate) batch: u64,
}

/// Verification levels of `newsbag audit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum AuditLevel {
    /// Structure and Payload-Oxum only.
    Fast,
    /// Every file present and listed, nothing hashed.
    Completeness,
    /// Every checksum, and the zip's own SHA-256.
    Fixity,
}

impl AuditLevel {
    /// The library's level.
    pub(crate) fn level(self) -> newsbag::Level {
        match self {
            AuditLevel::Fast => newsbag::Level::Fast,
            AuditLevel::Completeness => newsbag::Level::Completeness,
            AuditLevel::Fixity => newsbag::Level::Fixity,
        }
    }
}

/// Arguments of `newsbag status`.
#[derive(Debug, ClapArgs)]
pub(crate) struct StatusArgs {
    /// The archive root.
    #[arg(default_value = "archive")]
    pub(crate) archive: PathBuf,
    /// The audit cycle (as for `audit`), to count overdue bags.
    #[arg(long, value_name = "DURATION", default_value = "90d", value_parser = parse_duration)]
    pub(crate) cycle: std::time::Duration,
    /// Name the bags with fewer verified copies than this.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub(crate) min_copies: u64,
    /// Also show the open audit cycle and the workers of the PostgreSQL
    /// database `audit --worker` shares (default: the database of the
    /// archive's catalog, when it is on PostgreSQL).
    #[arg(long, value_name = "postgres://…")]
    pub(crate) catalog: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

/// Arguments of `newsbag serve`.
#[derive(Debug, ClapArgs)]
pub(crate) struct ServeArgs {
    /// The archive root.
    pub(crate) archive: PathBuf,
    /// The address and port to listen on (port 0: any free port).
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    pub(crate) bind: std::net::SocketAddr,
    /// The data provider's base URL as harvesters reach it (behind a proxy);
    /// default http://ADDR:PORT/oai of the address bound.
    #[arg(long, value_name = "URL")]
    pub(crate) base_url: Option<String>,
    /// The adminEmail of Identify.
    #[arg(
        long,
        value_name = "EMAIL",
        default_value = "archivist@localhost.invalid"
    )]
    pub(crate) admin_email: String,
}

/// Arguments of `newsbag history`.
#[derive(Debug, ClapArgs)]
pub(crate) struct HistoryArgs {
    /// The archive root.
    pub(crate) archive: PathBuf,
    /// A bag name or an item id (default: the whole archive).
    pub(crate) subject: Option<String>,
    /// Only events at or after this date (YYYY-MM-DD) or time (RFC 3339).
    #[arg(long, value_name = "DATE", value_parser = parse_since)]
    pub(crate) since: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = HistoryFormat::Text)]
    pub(crate) format: HistoryFormat,
}

/// Output formats of `newsbag history`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum HistoryFormat {
    /// One line an event.
    Text,
    /// One JSON object a line, as in ARCHIVE/events/.
    Jsonl,
    /// PREMIS 3.0 XML.
    Premis,
}

/// Arguments of `newsbag find`.
#[derive(Debug, ClapArgs)]
pub(crate) struct FindArgs {
    /// The archive root.
    pub(crate) archive: PathBuf,
    /// The query (default: every item the filters keep, newest first).
    pub(crate) query: Option<String>,
    #[command(flatten)]
    pub(crate) filters: FilterArgs,
    /// At most this many results.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub(crate) limit: usize,
    /// Count the matching items by time or group instead of listing them.
    #[arg(long, value_enum, value_name = "GROUP")]
    pub(crate) count_by: Option<CountByArg>,
    /// Print JSON.
    #[arg(long, conflicts_with = "csv")]
    pub(crate) json: bool,
    /// Print CSV (RFC 4180, with a header line).
    #[arg(long)]
    pub(crate) csv: bool,
}

/// The filters of `newsbag find` and `newsbag export`.
#[derive(Debug, ClapArgs)]
pub(crate) struct FilterArgs {
    /// Only items dated on or after this UTC day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = parse_day)]
    pub(crate) since: Option<chrono::NaiveDate>,
    /// Only items dated on or before this UTC day (YYYY-MM-DD), all of it.
    #[arg(long, value_name = "DATE", value_parser = parse_day)]
    pub(crate) until: Option<chrono::NaiveDate>,
    /// Only items from this host (or its subdomains); repeatable.
    #[arg(long = "source", value_name = "HOST")]
    pub(crate) sources: Vec<String>,
    /// Only items in this language (`fa` also keeps `fa-IR`); repeatable.
    #[arg(long = "lang", value_name = "CODE")]
    pub(crate) languages: Vec<String>,
    /// Only items whose creator has these words.
    #[arg(long, value_name = "NAME")]
    pub(crate) creator: Option<String>,
    /// Only items of this bag.
    #[arg(long, value_name = "NAME")]
    pub(crate) bag: Option<String>,
}

/// Arguments of `newsbag export`.
#[derive(Debug, ClapArgs)]
pub(crate) struct ExportArgs {
    /// The archive root.
    pub(crate) archive: PathBuf,
    /// The query, as for `find` (default: every item the filters keep).
    pub(crate) query: Option<String>,
    #[command(flatten)]
    pub(crate) filters: FilterArgs,
    /// Output format.
    #[arg(long, value_enum)]
    pub(crate) format: ExportFormat,
    /// Where to write: a file (written beside, then renamed; its manifest
    /// goes to FILE.manifest.json) or `-` for stdout (no manifest).
    #[arg(long, value_name = "FILE")]
    pub(crate) to: PathBuf,
    /// Start a CSV export with a UTF-8 BOM (for spreadsheet programs).
    #[arg(long)]
    pub(crate) bom: bool,
}

/// Formats of `newsbag export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ExportFormat {
    /// One JSON object a line.
    Jsonl,
    /// RFC 4180 CSV with a header line.
    Csv,
    /// Apache Parquet (Snappy-compressed, written in row groups of at most
    /// 50,000 items or 32 MiB); dates stay ISO 8601 strings.
    Parquet,
}

/// Arguments of `newsbag show`.
#[derive(Debug, ClapArgs)]
pub(crate) struct ShowArgs {
    /// The archive root.
    pub(crate) archive: PathBuf,
    /// The item's id.
    pub(crate) item: String,
    /// The bag holding it (when several bags hold an item of that id).
    #[arg(long, value_name = "NAME")]
    pub(crate) bag: Option<String>,
    /// Write the original bytes to stdout.
    #[arg(long, conflicts_with = "format")]
    pub(crate) original: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
    pub(crate) format: ShowFormat,
}

/// Output formats of `newsbag show`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ShowFormat {
    /// Labelled lines, then the text.
    Text,
    /// One JSON object.
    Json,
}

/// Groups of `newsbag find --count-by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum CountByArg {
    /// UTC day.
    Day,
    /// Week, named by its Monday.
    Week,
    /// Month.
    Month,
    /// Year.
    Year,
    /// Host of the item's URL.
    Source,
    /// First language.
    Language,
}

fn parse_day(s: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("`{s}` is not a date in the form YYYY-MM-DD"))
}

/// Arguments of `newsbag replicate`.
#[derive(Debug, ClapArgs)]
pub(crate) struct ReplicateArgs {
    /// The archive root.
    #[arg(default_value = "archive")]
    pub(crate) archive: PathBuf,
    /// The replica's root: another disk or mount (created if needed), or a
    /// prefix in an S3-compatible bucket, s3://BUCKET/PREFIX (endpoint and
    /// credentials from the AWS_* environment variables).
    #[arg(long, value_name = "DIR|s3://BUCKET/PREFIX", required = true)]
    pub(crate) to: PathBuf,
    /// Print JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

/// Arguments of `newsbag catalog`.
#[derive(Debug, ClapArgs)]
pub(crate) struct CatalogArgs {
    #[command(subcommand)]
    pub(crate) what: CatalogCommand,
}

/// What `newsbag catalog` does.
#[derive(Debug, Subcommand)]
pub(crate) enum CatalogCommand {
    /// Make the catalog again from the bags and the event log.
    ///
    /// Replays ARCHIVE/events/ (reading each bag's items from the bag, in
    /// place), adopts every zipped bag the log does not know (an archive
    /// made before the catalog existed), and puts the new catalog in place
    /// of the old one, kept as catalog.sqlite.replaced (on PostgreSQL: the
    /// schema NAME_replaced).
    Rebuild {
        /// The archive root.
        #[arg(default_value = "archive")]
        archive: PathBuf,
        /// Make a new, empty ARCHIVE the root of the archive whose bags are
        /// in s3://BUCKET/PREFIX (its root lost): the event log comes back
        /// from the bucket's copy, then the catalog from the log and the bags.
        #[arg(long, value_name = "s3://BUCKET/PREFIX")]
        bags_in: Option<String>,
        /// Build the catalog in this PostgreSQL database (no password in the
        /// URL: set PGPASSWORD), or `sqlite` for ARCHIVE/catalog.sqlite, and
        /// make it the archive's catalog from now on (ARCHIVE/catalog.json).
        /// Default: where the catalog is now.
        #[arg(long, value_name = "postgres://USER@HOST/DB|sqlite")]
        catalog: Option<String>,
        /// The PostgreSQL schema of the catalog's tables (with --catalog).
        #[arg(
            long,
            value_name = "NAME",
            default_value = "newsbag_catalog",
            requires = "catalog"
        )]
        catalog_schema: String,
        /// With --bags-in: the lost root was this station of the archive
        /// (its event log comes back from
        /// s3://BUCKET/PREFIX/stations/NAME/events/).
        #[arg(long, value_name = "NAME", requires = "bags_in")]
        station: Option<String>,
    },
    /// Bring remote audit workers' own event logs into the archive.
    ///
    /// Each remote worker (`audit --worker --remote`) keeps a copy of every
    /// check it records in PostgreSQL under its machine's state directory
    /// ($NEWSBAG_HOME/workers/HOST-PID-START/events/, else
    /// ~/.local/state/newsbag/workers/…). Should the database be lost before
    /// a worker on the archive's machine collected them, copy those
    /// directories over and run this: every event the catalog does not
    /// have, about a bag it knows, is recorded. Exit status 0, 2 on errors.
    #[cfg(feature = "postgres")]
    Collect {
        /// The archive root.
        archive: PathBuf,
        /// Workers' directories (each holding events/), or directories of
        /// them.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
    },
}

/// A duration: a number with an s, m, h, d or w suffix.
fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let bad = || format!("`{s}` is not a duration (a number and s, m, h, d or w: 90d, 2h)");
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?);
    let n: u64 = n.parse().map_err(|_| bad())?;
    let secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return Err(bad()),
    };
    n.checked_mul(secs)
        .map(std::time::Duration::from_secs)
        .ok_or_else(bad)
}

/// A size: a number with an optional K, M, G or T suffix (powers of 1024).
fn parse_size(s: &str) -> Result<u64, String> {
    let bad = || format!("`{s}` is not a size (a number, optionally with K, M, G or T: 500G)");
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: u64 = n.parse().map_err(|_| bad())?;
    let mult: u64 = match unit.trim_end_matches(['B', 'b', 'i']) {
        "" => 1,
        "K" | "k" => 1 << 10,
        "M" | "m" => 1 << 20,
        "G" | "g" => 1 << 30,
        "T" | "t" => 1 << 40,
        _ => return Err(bad()),
    };
    n.checked_mul(mult).ok_or_else(bad)
}

/// `--since`: a date or an RFC 3339 time, as UTC in the events' own form
/// (they compare as text).
fn parse_since(s: &str) -> Result<String, String> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(t
            .with_timezone(&chrono::Utc)
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string());
    }
    parse_date(s).map_err(|_| format!("`{s}` is not a date (YYYY-MM-DD) or an RFC 3339 time"))
}

/// Arguments of `newsbag generate`.
#[derive(Debug, ClapArgs)]
pub(crate) struct GenerateArgs {
    #[command(subcommand)]
    pub(crate) what: Generate,
}

/// What `newsbag generate` writes to stdout.
#[derive(Debug, Subcommand)]
pub(crate) enum Generate {
    /// The roff man page (docs/newsbag.1).
    Man,
    /// Shell completions (docs/completions/).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Args::command().debug_assert();
    }

    fn parse(args: &[&str]) -> Result<Args, clap::Error> {
        Args::try_parse_from(std::iter::once("newsbag").chain(args.iter().copied()))
    }

    #[test]
    fn bag_flags_every_spelling() {
        let a = parse(&[
            "bag",
            "d",
            "--to",
            "x",
            "-a",
            "sha256",
            "--algorithm=MD5",
            "--info",
            "A=b=c",
            "--date",
            "2026-01-02",
        ])
        .unwrap();
        let Command::Bag(b) = a.command else { panic!() };
        assert_eq!(b.to.as_deref(), Some(std::path::Path::new("x")));
        assert_eq!(b.algorithms.len(), 2);
        assert_eq!(b.info, [("A".to_owned(), "b=c".to_owned())]);
        assert_eq!(b.date.as_deref(), Some("2026-01-02"));
        assert!(parse(&["bag", "d", "--algorithm", "blake3"]).is_err());
        assert!(parse(&["bag", "d", "--info", "novalue"]).is_err());
        assert!(parse(&["bag", "d", "--date", "02/01/2026"]).is_err());
    }

    #[test]
    fn zip_and_extract_flags() {
        let Command::Bag(b) = parse(&["bag", "d", "--zip"]).unwrap().command else {
            panic!()
        };
        assert!(b.zip);
        let a = parse(&[
            "extract",
            "b.zip",
            "--to",
            "out",
            "--item",
            "data/a",
            "--item",
            "x",
            "--max-ratio",
            "10",
        ])
        .unwrap();
        let Command::Extract(e) = a.command else {
            panic!()
        };
        let o = e.options();
        assert_eq!(o.items, ["data/a", "x"]);
        assert_eq!(o.max_ratio, 10);
        assert_eq!(o.max_total_bytes, newsbag::extract::DEFAULT_MAX_TOTAL_BYTES);
        assert_eq!(o.max_entries, newsbag::extract::DEFAULT_MAX_ENTRIES);
        assert!(parse(&["extract", "b.zip"]).is_err());
        assert!(parse(&["extract", "b.zip", "--to", "o", "--max-ratio", "x"]).is_err());
    }

    #[test]
    fn durations_and_sizes() {
        assert_eq!(parse_duration("90d").unwrap().as_secs(), 90 * 86_400);
        assert_eq!(parse_duration("2h").unwrap().as_secs(), 7_200);
        assert_eq!(parse_duration("3s").unwrap().as_secs(), 3);
        assert!(parse_duration("90").is_err());
        assert!(parse_duration("d").is_err());
        assert!(parse_duration("1y").is_err());
        assert_eq!(parse_size("500G").unwrap(), 500 << 30);
        assert_eq!(parse_size("10MiB").unwrap(), 10 << 20);
        assert_eq!(parse_size("123").unwrap(), 123);
        assert!(parse_size("1X").is_err());
        assert!(parse(&["audit", "a", "--budget", "1h", "--max-bytes", "1G"]).is_err());
        assert!(parse(&["history", "a", "--since", "yesterday"]).is_err());
        assert!(parse(&["history", "a", "--since", "2026-01-02"]).is_ok());
        assert_eq!(
            parse_since("2026-01-02T03:30:00+03:30").unwrap(),
            "2026-01-02T00:00:00Z"
        );
    }

    #[test]
    fn verify_levels() {
        let level = |args: &[&str]| match parse(args).unwrap().command {
            Command::Verify(v) => v.level(),
            _ => panic!(),
        };
        assert_eq!(level(&["verify", "b"]), newsbag::Level::Fixity);
        assert_eq!(level(&["verify", "b", "--fast"]), newsbag::Level::Fast);
        assert_eq!(
            level(&["verify", "--completeness-only", "b"]),
            newsbag::Level::Completeness
        );
        assert!(parse(&["verify", "b", "--fast", "--completeness-only"]).is_err());
        assert!(parse(&["verify"]).is_err());
    }
}
