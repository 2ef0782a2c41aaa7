//! `newsbag verify PATH... [--fast | --completeness-only] [--json]`.

use std::io::Write;
use std::path::PathBuf;

use newsbag::ProblemKind;
use newsbag::verify::{find_bags, verify_bag};

use crate::args::{GlobalArgs, VerifyArgs};
use crate::exit::Outcome;
use crate::output::{Progress, sanitize};

pub(crate) fn run(args: &VerifyArgs, global: &GlobalArgs) -> anyhow::Result<Outcome> {
    let level = args.level();
    let mut outcomes = Vec::new();
    let mut reports = Vec::new();
    let mut errors = Vec::new();
    let mut out = std::io::stdout().lock();
    let mut record =
        |bag: PathBuf, result: newsbag::Result<newsbag::Report>| -> std::io::Result<()> {
            match result {
                Ok(report) => {
                    let io_error = report
                        .problems
                        .iter()
                        .any(|p| matches!(p.kind, ProblemKind::UnreadableFile { .. }));
                    outcomes.push(if io_error {
                        Outcome::Errored
                    } else if report.is_valid() {
                        Outcome::Valid
                    } else {
                        Outcome::Invalid
                    });
                    if !args.json {
                        print_report(&mut out, &report, global)?;
                    }
                    reports.push(report);
                }
                Err(e) => {
                    eprintln!("newsbag: {}", sanitize(&e.to_string()));
                    errors.push((bag, e.to_string()));
                    outcomes.push(Outcome::Errored);
                }
            }
            Ok(())
        };
    for path in &args.paths {
        if let Some(url) = path.to_str().filter(|p| super::s3::is_s3_url(p)) {
            super::s3::verify(url, level, global, &mut record)?;
            continue;
        }
        let bags = match find_bags(path) {
            Ok(b) => b,
            Err(e) => {
                record(path.clone(), Err(e))?;
                continue;
            }
        };
        for bag in bags {
            let progress = Progress::new(global, "verifying");
            let result = verify_bag(&bag, level, &progress);
            record(bag, result)?;
        }
    }
    let valid = reports.iter().filter(|r| r.is_valid()).count();
    if args.json {
        let doc = serde_json::json!({
            "newsbag": env!("CARGO_PKG_VERSION"),
            "level": level,
            "summary": {
                "bags": reports.len(),
                "valid": valid,
                "invalid": reports.len() - valid,
                "errors": errors.len(),
            },
            "reports": reports,
            "errors": errors
                .iter()
                .map(|(p, e): &(PathBuf, String)| serde_json::json!({"path": p, "error": e}))
                .collect::<Vec<_>>(),
        });
        serde_json::to_writer_pretty(&mut out, &doc)?;
        writeln!(out)?;
    } else if reports.len() + errors.len() > 1 && !global.quiet {
        writeln!(
            out,
            "{} bags: {valid} valid, {} invalid, {} errors",
            reports.len() + errors.len(),
            reports.len() - valid,
            errors.len()
        )?;
    }
    out.flush()?;
    Ok(Outcome::merge(outcomes))
}

fn print_report(
    out: &mut impl Write,
    report: &newsbag::Report,
    global: &GlobalArgs,
) -> std::io::Result<()> {
    let verdict = if report.is_valid() {
        "valid"
    } else {
        "invalid"
    };
    let path = sanitize(&report.bag.display().to_string());
    let errors = report.errors().count();
    let warnings = report.warnings().count();
    if errors + warnings == 0 {
        writeln!(out, "{verdict} {path}")?;
    } else {
        writeln!(
            out,
            "{verdict} {path} ({errors} errors, {warnings} warnings)"
        )?;
    }
    if !global.quiet {
        for p in &report.problems {
            writeln!(out, "  {}", sanitize(&p.to_string()))?;
        }
    }
    Ok(())
}
