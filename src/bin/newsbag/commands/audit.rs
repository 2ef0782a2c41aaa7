//! `newsbag audit ARCHIVE [--cycle 90d] [--budget 2h | --max-bytes 500G] …`.

use std::io::Write;

use newsbag::archive::audit::{AuditOptions, AuditReport, audit};

use crate::args::{AuditArgs, GlobalArgs};
use crate::exit::Outcome;
use crate::output::sanitize;

pub(crate) fn run(args: &AuditArgs, global: &GlobalArgs) -> anyhow::Result<Outcome> {
    if args.worker {
        return run_worker(args, global);
    }
    let options = AuditOptions {
        cycle: args.cycle,
        budget: args.budget,
        max_bytes: args.max_bytes,
        level: args.level.level(),
        adopt: args.adopt,
        repair_from: args.repair_from.clone(),
        metrics: args.metrics.clone(),
        copies: args.copies,
    };
    let report = audit(&args.archive, &options)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        print_summary(&mut out, &report, global.quiet)?;
    }
    for w in &report.warnings {
        eprintln!("newsbag: warning: {}", sanitize(w));
    }
    out.flush()?;
    Ok(if report.has_failures() {
        Outcome::Invalid
    } else {
        Outcome::Valid
    })
}

fn print_summary(out: &mut impl Write, r: &AuditReport, quiet: bool) -> std::io::Result<()> {
    let s = &r.summary;
    writeln!(
        out,
        "audited `{}`: {} of {} bags checked ({} bytes) in {:.1} s: {} valid, {} invalid, \
         {} missing, {} unknown, {} repaired, {} adopted; {} overdue",
        sanitize(&r.archive.display().to_string()),
        s.checked,
        s.bags,
        s.bytes,
        s.duration_seconds,
        s.valid,
        s.invalid,
        s.missing,
        s.unknown,
        s.repaired,
        s.adopted,
        s.overdue
    )?;
    if quiet {
        return Ok(());
    }
    for b in r.bags.iter().filter(|b| b.outcome != "valid") {
        writeln!(out, "  {} {}", b.outcome, sanitize(&b.path))?;
        for p in &b.problems {
            writeln!(out, "    {}", sanitize(p))?;
        }
    }
    for c in r.copies.iter().filter(|c| c.outcome != "valid") {
        writeln!(out, "  invalid copy {}", sanitize(&c.copy))?;
        if let Some(p) = &c.problem {
            writeln!(out, "    {}", sanitize(p))?;
        }
    }
    for u in &r.unknown {
        writeln!(
            out,
            "  unknown {} (not in the catalog; `--adopt` registers it)",
            sanitize(u)
        )?;
    }
    if s.copies_checked + s.copies_remaining > 0 {
        writeln!(
            out,
            "  replica copies: {} checked ({} valid, {} invalid), {} left for the next run",
            s.copies_checked, s.copies_valid, s.copies_invalid, s.copies_remaining
        )?;
    }
    if let Some(by) = &r.stopped_by {
        writeln!(
            out,
            "  stopped by the {by} budget: {} bags left for the next run",
            s.remaining
        )?;
    }
    match &r.cycle_complete_eta {
        Some(eta) if s.overdue > 0 => writeln!(
            out,
            "  {} bags ({} bytes) not fully checked within {} days; at the rate of the last 7 days, done by {eta}",
            s.overdue, s.overdue_bytes, r.cycle_days
        )?,
        None if s.overdue > 0 => writeln!(
            out,
            "  {} bags ({} bytes) not fully checked within {} days; no full check in the last 7 days to estimate when",
            s.overdue, s.overdue_bytes, r.cycle_days
        )?,
        _ => {}
    }
    Ok(())
}

#[cfg(not(feature = "postgres"))]
fn run_worker(_: &AuditArgs, _: &GlobalArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!(
        "this newsbag was built without the `postgres` feature: `audit --worker` needs it"
    )
}

/// `audit --worker --catalog postgres://…`: one of several workers.
#[cfg(feature = "postgres")]
fn run_worker(args: &AuditArgs, global: &GlobalArgs) -> anyhow::Result<Outcome> {
    use newsbag::archive::workers::{WorkerOptions, work};
    let url = match &args.catalog {
        Some(url) => url.clone(),
        None => newsbag::archive::catalog::Location::of(&args.archive)
            .ok()
            .and_then(|l| l.postgres_url().map(str::to_owned))
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "`audit --worker` needs the PostgreSQL database the workers share: \
                     --catalog postgres://USER@HOST/DB (or an archive whose catalog is there)"
                )
            })?,
    };
    let mut options = WorkerOptions::new(url);
    options.cycle = args.cycle;
    options.level = args.level.level();
    options.lease = args.lease;
    options.batch = usize::try_from(args.batch).unwrap_or(usize::MAX);
    options.budget = args.budget;
    options.max_bytes = args.max_bytes;
    options.remote = args.remote;
    if args.remote {
        // Its own copy of every check it records, under this machine's
        // state directory (`catalog collect` brings them in).
        options.own_log = newsbag::archive::bags::state_dir()
            .ok()
            .map(|d| d.join("workers"));
    }
    let report = work(&args.archive, &options)?;
    for w in &report.warnings {
        eprintln!("newsbag: warning: {}", sanitize(w));
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "worker {}{} on `{}`: {} bags checked ({} bytes): {} valid, {} invalid, {} missing; \
             {} dropped (lease lost); {} events collected into the archive",
            sanitize(&report.worker),
            if report.remote { " (remote)" } else { "" },
            sanitize(&report.archive.display().to_string()),
            report.checked,
            report.bytes,
            report.valid,
            report.invalid,
            report.missing,
            report.dropped,
            report.collected
        )?;
        match (&report.progress, report.cycle) {
            (Some(p), _) => writeln!(
                out,
                "  cycle {} ({}, opened {}): {} of {} bags done, {} leased, {} due; {} invalid, \
                 {} missing{}",
                p.id,
                p.level,
                p.started,
                p.done,
                p.bags,
                p.leased,
                p.due,
                p.invalid,
                p.missing,
                match &p.finished {
                    Some(t) => format!("; complete at {t}"),
                    None => String::new(),
                }
            )?,
            (None, _) if report.remote => writeln!(
                out,
                "  no open cycle: a worker on the archive's machine opens one when bags are due"
            )?,
            (None, _) => writeln!(
                out,
                "  no bag is due: every bag was fully checked within {:.0} days",
                args.cycle.as_secs_f64() / 86_400.0
            )?,
        }
        if let Some(by) = &report.stopped_by {
            writeln!(out, "  stopped by the {by} budget")?;
        }
        if !global.quiet {
            for b in &report.problems {
                writeln!(out, "  {} {}", b.outcome, sanitize(&b.path))?;
                for p in &b.problems {
                    writeln!(out, "    {}", sanitize(p))?;
                }
            }
        }
    }
    out.flush()?;
    Ok(if report.has_failures() {
        Outcome::Invalid
    } else {
        Outcome::Valid
    })
}
