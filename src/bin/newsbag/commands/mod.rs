//! One function per subcommand, each a few lines calling the library.

mod detect;
mod generate;
mod normalize;

use crate::args::{Args, Command};
use crate::exit::Outcome;

/// Runs the parsed command line.
pub(crate) fn run(args: Args) -> anyhow::Result<Outcome> {
    match args.command {
        Command::Generate(g) => generate::run(&g),
        Command::Detect(d) => detect::run(&d),
        Command::Normalize(n) => normalize::run(&n),
    }
}
