//! One function per subcommand, each a few lines calling the library.

mod bag;
mod detect;
mod extract;
mod generate;
mod ingest;
mod normalize;
mod verify;

use crate::args::{Args, Command};
use crate::exit::Outcome;

/// Runs the parsed command line.
pub(crate) fn run(args: Args) -> anyhow::Result<Outcome> {
    match args.command {
        Command::Ingest(i) => ingest::run(&i, &args.global),
        Command::Bag(b) => bag::run(b, &args.global),
        Command::Verify(v) => verify::run(&v, &args.global),
        Command::Extract(e) => extract::run(&e, &args.global),
        Command::Generate(g) => generate::run(&g),
        Command::Detect(d) => detect::run(&d),
        Command::Normalize(n) => normalize::run(&n),
    }
}
