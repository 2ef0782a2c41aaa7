//! `newsbag replicate ARCHIVE --to DIR [--json]`.

use std::io::Write;

use newsbag::archive::replica::replicate;

use crate::args::{GlobalArgs, ReplicateArgs};
use crate::exit::Outcome;
use crate::output::sanitize;

pub(crate) fn run(args: &ReplicateArgs, global: &GlobalArgs) -> anyhow::Result<Outcome> {
    let r = replicate(&args.archive, &args.to)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &r)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "replicated to `{}`: {} copied, {} already there and verified, {} failed",
            sanitize(&r.location.display().to_string()),
            r.copied,
            r.verified,
            r.failed
        )?;
        if !global.quiet {
            for b in r.bags.iter().filter(|b| b.outcome == "failed") {
                writeln!(
                    out,
                    "  failed {}: {}",
                    sanitize(&b.name),
                    sanitize(b.reason.as_deref().unwrap_or(""))
                )?;
            }
        }
    }
    Ok(if r.failed > 0 {
        Outcome::Invalid
    } else {
        Outcome::Valid
    })
}
