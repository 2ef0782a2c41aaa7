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
    let url = args.catalog.clone().or_else(|| {
        newsbag::archive::catalog::Location::of(&args.archive)
            .ok()
            .and_then(|l| l.postgres_url().map(str::to_owned))
    });
    let work = match &url {
        Some(url) => Some(work(url)?),
        None => None,
    };
    if args.json {
        #[derive(serde::Serialize)]
        struct WithWork<'a, W> {
            #[serde(flatten)]
            status: &'a newsbag::archive::status::Status,
            #[serde(skip_serializing_if = "Option::is_none")]
            work: Option<W>,
        }
        serde_json::to_writer_pretty(
            &mut out,
            &WithWork {
                status: &s,
                work: work.as_ref(),
            },
        )?;
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
        "archive  {}{}",
        sanitize(&s.archive.display().to_string()),
        if s.reading_copy {
            " (a reading copy: records nothing)"
        } else {
            ""
        }
    )?;
    if let Some(url) = &s.bags_in {
        writeln!(out, "bags in  {}", sanitize(url))?;
    }
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
    if let Some(w) = &work {
        print_work(&mut out, w)?;
    }
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

#[cfg(feature = "postgres")]
type Work = newsbag::archive::workers::Progress;

#[cfg(not(feature = "postgres"))]
type Work = ();

#[cfg(feature = "postgres")]
fn work(url: &str) -> anyhow::Result<Work> {
    Ok(newsbag::archive::workers::progress(url)?)
}

#[cfg(not(feature = "postgres"))]
fn work(_: &str) -> anyhow::Result<Work> {
    anyhow::bail!("this newsbag was built without the `postgres` feature: `--catalog` needs it")
}

/// The open cycle and the workers, as text.
#[cfg(feature = "postgres")]
fn print_work(out: &mut impl Write, w: &Work) -> std::io::Result<()> {
    match &w.cycle {
        Some(c) => writeln!(
            out,
            "cycle    {} ({}, opened {}{}): {} of {} bags done ({} of {} bytes), {} leased, {} due; \
             {} invalid, {} missing",
            c.id,
            c.level,
            c.started,
            match &c.finished {
                Some(t) => format!(", complete at {t}"),
                None => String::new(),
            },
            c.done,
            c.bags,
            c.bytes_done,
            c.bytes,
            c.leased,
            c.due,
            c.invalid,
            c.missing
        )?,
        None => writeln!(out, "cycle    none opened yet")?,
    }
    writeln!(out, "workers  {}", w.workers.len())?;
    for k in &w.workers {
        writeln!(
            out,
            "  {} {} (pid {} on {}): {} bags, {} bytes; started {}, last heartbeat {}",
            k.state,
            sanitize(&k.id),
            k.pid,
            sanitize(&k.host),
            k.checked,
            k.bytes,
            k.started,
            k.heartbeat
        )?;
    }
    Ok(())
}

#[cfg(not(feature = "postgres"))]
fn print_work(_: &mut impl Write, _: &Work) -> std::io::Result<()> {
    Ok(())
}
