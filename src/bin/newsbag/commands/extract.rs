//! `newsbag extract BAG.zip --to DIR [--item PATH]...`.

use std::io::Write;

use anyhow::Context;
use newsbag::extract::extract_zip;

use crate::args::{ExtractArgs, GlobalArgs};
use crate::exit::Outcome;
use crate::output::{Progress, sanitize};

pub(crate) fn run(args: &ExtractArgs, global: &GlobalArgs) -> anyhow::Result<Outcome> {
    let progress = Progress::new(global, "extracting");
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
        writeln!(
            out,
            "invalid {} ({} errors): nothing extracted",
            sanitize(&args.zip.display().to_string()),
            report.errors().count()
        )?;
    }
    if !global.quiet {
        for p in &report.problems {
            writeln!(out, "  {}", sanitize(&p.to_string()))?;
        }
    }
    out.flush()?;
    Ok(if valid {
        Outcome::Valid
    } else {
        Outcome::Invalid
    })
}
