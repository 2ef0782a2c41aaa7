//! `newsbag extract BAG.zip --to DIR [--item PATH]...` and
//! `newsbag extract ARCHIVE --item ID... --to DIR`.

use std::io::Write;

use anyhow::Context;
use newsbag::archive::Archive;
use newsbag::archive::search::extract::extract_items;
use newsbag::extract::extract_zip;
use newsbag::report::Report;

use crate::args::{ExtractArgs, GlobalArgs};
use crate::exit::Outcome;
use crate::output::{Progress, sanitize};

pub(crate) fn run(args: &ExtractArgs, global: &GlobalArgs) -> anyhow::Result<Outcome> {
    let progress = Progress::new(global, "extracting");
    if args.zip.is_dir() {
        return from_archive(args, global, &progress);
    }
    if args.bag.is_some() {
        anyhow::bail!(
            "--bag names a bag of an archive, but `{}` is not an archive directory",
            args.zip.display()
        );
    }
    let report = extract_zip(&args.zip, &args.to, &args.options(), &progress)
        .with_context(|| format!("failed to extract `{}`", args.zip.display()))?;
    let mut out = std::io::stdout().lock();
    let valid = report.is_valid();
    if valid {
        writeln!(
            out,
            "extracted {} to {}",
            sanitize(&args.zip.display().to_string()),
            sanitize(&args.to.display().to_string())
        )?;
    } else {
        print_invalid(&mut out, &report, global)?;
    }
    out.flush()?;
    Ok(if valid {
        Outcome::Valid
    } else {
        Outcome::Invalid
    })
}

fn print_invalid(out: &mut dyn Write, report: &Report, global: &GlobalArgs) -> anyhow::Result<()> {
    writeln!(
        out,
        "invalid {} ({} errors): nothing extracted",
        sanitize(&report.bag.display().to_string()),
        report.errors().count()
    )?;
    if !global.quiet {
        for p in &report.problems {
            writeln!(out, "  {}", sanitize(&p.to_string()))?;
        }
    }
    Ok(())
}

/// `extract ARCHIVE --item ID…`: the catalog finds the bags.
fn from_archive(
    args: &ExtractArgs,
    global: &GlobalArgs,
    progress: &Progress,
) -> anyhow::Result<Outcome> {
    if args.items.is_empty() {
        anyhow::bail!(
            "`{}` is an archive: name the items to take out with --item ID",
            args.zip.display()
        );
    }
    let archive = Archive::open_for_reading(&args.zip)?;
    let reports = extract_items(
        &archive,
        &args.items,
        args.bag.as_deref(),
        &args.to,
        &args.options(),
        progress,
    )
    .with_context(|| format!("failed to extract items of `{}`", args.zip.display()))?;
    let mut out = std::io::stdout().lock();
    let valid = reports.iter().all(Report::is_valid);
    for report in &reports {
        if valid {
            writeln!(
                out,
                "extracted items to {}",
                sanitize(&report.bag.display().to_string())
            )?;
        } else if !report.is_valid() {
            print_invalid(&mut out, report, global)?;
        }
    }
    out.flush()?;
    Ok(if valid {
        Outcome::Valid
    } else {
        Outcome::Invalid
    })
}
