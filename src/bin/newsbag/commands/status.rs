//! `newsbag status ARCHIVE [--cycle 90d] [--min-copies N] [--json]`.

use std::io::Write;

use newsbag::archive::status::status;

use crate::args::{GlobalArgs, StatusArgs};
use crate::exit::Outcome;
use crate::output::sanitize;

pub(crate) fn run(args: &StatusArgs, global: &GlobalArgs) -> anyhow::Result<Outcome> {
    let s = status(&args.archive, args.cycle, args.min_copies)?;
    let mut out = std::io::stdout().lock();
    for w in &s.warnings {
        eprintln!("newsbag: warning: {}", sanitize(w));
    }
    if args.json {
        serde_json::to_writer_pretty(&mut out, &s)?;
        writeln!(out)?;
        return Ok(Outcome::Valid);
    }
    let copies: Vec<String> = s
        .copies
        .iter()
        .map(|(n, bags)| format!("{bags} with {n}"))
        .collect();
    let never = || "never".to_owned();
    writeln!(
        out,
        "archive  {}",
        sanitize(&s.archive.display().to_string())
    )?;
    writeln!(
        out,
        "bags     {} ({} items, {} bytes)",
        s.bags, s.items, s.bytes
    )?;
    writeln!(out, "copies   {}", copies.join(", "))?;
    if !s.under_copied.is_empty() {
        writeln!(
            out,
            "         {} bags with fewer than {} verified copies",
            s.under_copied.len(),
            s.min_copies
        )?;
    }
    writeln!(
        out,
        "audits   last {}, last without problems {}, next due {}",
        s.last_audit.clone().unwrap_or_else(never),
        s.last_audit_success.clone().unwrap_or_else(never),
        s.next_due.clone().unwrap_or_else(never)
    )?;
    writeln!(
        out,
        "overdue  {} bags not fully checked within {} days",
        s.overdue, s.cycle_days
    )?;
    writeln!(out, "problems {}", s.problems.len())?;
    if !global.quiet {
        for p in &s.problems {
            writeln!(
                out,
                "  {} {} (since {})",
                p.problem,
                sanitize(&p.bag),
                p.since.as_deref().unwrap_or("?")
            )?;
        }
        for u in &s.unknown {
            writeln!(out, "  unknown {} (not in the catalog)", sanitize(u))?;
        }
        for a in &s.adopted {
            writeln!(
                out,
                "  adopted {} (left by an interrupted ingest)",
                sanitize(a)
            )?;
        }
    }
    Ok(Outcome::Valid)
}
