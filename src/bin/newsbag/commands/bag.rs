//! `newsbag bag DIR [--to DEST]`.

use anyhow::Context;
use newsbag::bag::{BagOptions, bag_in_place, bag_to};

use crate::args::{BagArgs, GlobalArgs};
use crate::exit::Outcome;
use crate::output::Progress;

pub(crate) fn run(args: BagArgs, global: &GlobalArgs) -> anyhow::Result<Outcome> {
    let date = args.date.unwrap_or_else(crate::output::today);
    let mut options = BagOptions::new(date).algorithms(&args.algorithms);
    for (label, value) in args.info {
        options = options.info(label, value);
    }
    let progress = Progress::new(global, "bagging");
    let summary = match &args.to {
        Some(dest) => bag_to(&args.dir, dest, &options, &progress),
        None => bag_in_place(&args.dir, &options, &progress),
    }
    .with_context(|| format!("failed to bag `{}`", args.dir.display()))?;
    if !global.quiet {
        eprintln!(
            "bagged {} files, {} bytes into `{}`",
            summary.oxum.streams,
            summary.oxum.octets,
            summary.path.display()
        );
    }
    Ok(Outcome::Valid)
}
