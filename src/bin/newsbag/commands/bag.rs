//! `newsbag bag DIR [--to DEST]`.

use anyhow::Context;
use newsbag::bag::{BagOptions, bag_in_place, bag_to};
use newsbag::serialize::{bag_to_zip, write_zip};
use newsbag::verify::check_written;

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
    if args.zip {
        let out = args.to.clone().unwrap_or_else(|| {
            let mut name = args.dir.file_name().unwrap_or_default().to_owned();
            name.push(".zip");
            args.dir.with_file_name(name)
        });
        let summary = if newsbag::verify::is_bag_dir(&args.dir) {
            write_zip(&args.dir, &out, &progress, &check_written)
        } else {
            bag_to_zip(&args.dir, &out, &options, &progress, &check_written)
        }
        .with_context(|| format!("failed to zip `{}`", args.dir.display()))?;
        if !global.quiet {
            eprintln!(
                "wrote `{}` ({} entries, {} bytes)",
                summary.path.display(),
                summary.entries,
                summary.bytes
            );
        }
        return Ok(Outcome::Valid);
    }
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
