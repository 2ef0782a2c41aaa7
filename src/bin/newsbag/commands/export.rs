//! `newsbag export ARCHIVE [QUERY] [filters] --format jsonl|csv|parquet --to FILE|-`.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use newsbag::archive::Archive;
use newsbag::archive::search::export::{self, Format};
use newsbag::archive::search::find;

use crate::args::{ExportArgs, ExportFormat, GlobalArgs};
use crate::exit::Outcome;
use crate::output::{ItemProgress, progress_enabled};

pub(crate) fn run(args: &ExportArgs, global: &GlobalArgs) -> anyhow::Result<Outcome> {
    let archive = Archive::open_for_reading(&args.archive)?;
    let query = find::prepare(&archive, args.query.as_deref())?;
    let filters = super::find::filters(&args.filters);
    let format = match args.format {
        ExportFormat::Jsonl => Format::Jsonl,
        ExportFormat::Csv => Format::Csv { bom: args.bom },
        ExportFormat::Parquet => Format::Parquet,
    };
    // Counting costs one query: only done when a bar will be drawn.
    let bar = if progress_enabled(global) {
        let total = export::count(&archive, query.as_ref(), &filters)?;
        ItemProgress::new(global, "exporting", total)
    } else {
        ItemProgress::new(global, "exporting", 0)
    };
    let mut progress = |done: u64| bar.set(done);
    if args.to == Path::new("-") {
        let mut out = std::io::BufWriter::new(std::io::stdout());
        let done = export::export(
            &archive,
            query.as_ref(),
            &filters,
            format,
            &mut out,
            &mut progress,
        )?;
        out.flush()?;
        bar.finish();
        if !global.quiet {
            eprintln!("exported {} items (SHA-256 {})", done.items, done.sha256);
        }
        return Ok(Outcome::Valid);
    }
    let to = &args.to;
    let dir = match to.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write beside `{}`", to.display()))?;
    let done = {
        let mut w = std::io::BufWriter::new(tmp.as_file_mut());
        let done = export::export(
            &archive,
            query.as_ref(),
            &filters,
            format,
            &mut w,
            &mut progress,
        )?;
        w.flush()
            .with_context(|| format!("cannot write `{}`", to.display()))?;
        done
    };
    bar.finish();
    tmp.as_file()
        .sync_all()
        .with_context(|| format!("cannot write `{}`", to.display()))?;
    tmp.persist(to)
        .with_context(|| format!("cannot rename the export to `{}`", to.display()))?;
    let f = &args.filters;
    let manifest = serde_json::json!({
        "newsbag": env!("CARGO_PKG_VERSION"),
        "archive": std::fs::canonicalize(&args.archive).unwrap_or_else(|_| args.archive.clone()),
        "query": args.query,
        "filters": {
            "since": f.since.map(|d| d.to_string()),
            "until": f.until.map(|d| d.to_string()),
            "source": f.sources,
            "lang": f.languages,
            "creator": f.creator,
            "bag": f.bag,
        },
        "format": match args.format {
            ExportFormat::Jsonl => "jsonl",
            ExportFormat::Csv => "csv",
            ExportFormat::Parquet => "parquet",
        },
        "file": to.file_name().map(|n| n.to_string_lossy().into_owned()),
        "items": done.items,
        "bytes": done.bytes,
        "sha256": done.sha256,
        "created": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    });
    let mut name = to.as_os_str().to_owned();
    name.push(".manifest.json");
    let manifest_path = std::path::PathBuf::from(name);
    let mut mtmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write beside `{}`", to.display()))?;
    serde_json::to_writer_pretty(mtmp.as_file_mut(), &manifest)?;
    writeln!(mtmp.as_file_mut())?;
    mtmp.as_file().sync_all()?;
    mtmp.persist(&manifest_path)
        .with_context(|| format!("cannot write `{}`", manifest_path.display()))?;
    if global.quiet {
        return Ok(Outcome::Valid);
    }
    eprintln!(
        "exported {} items to `{}` (SHA-256 {}); manifest `{}`",
        done.items,
        to.display(),
        done.sha256,
        manifest_path.display()
    );
    Ok(Outcome::Valid)
}
