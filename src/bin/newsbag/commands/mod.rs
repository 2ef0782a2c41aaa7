//! One function per subcommand, each a few lines calling the library.

mod audit;
mod bag;
mod catalog;
mod detect;
mod export;
mod extract;
mod find;
mod generate;
mod history;
mod ingest;
mod normalize;
mod replicate;
mod s3;
mod serve;
mod show;
mod status;
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
        Command::Audit(a) => audit::run(&a, &args.global),
        Command::Status(s) => status::run(&s, &args.global),
        Command::History(h) => history::run(&h),
        Command::Find(f) => find::run(&f),
        Command::Show(s) => show::run(&s),
        Command::Export(e) => export::run(&e, &args.global),
        Command::Replicate(r) => replicate::run(&r, &args.global),
        Command::Catalog(c) => catalog::run(&c, &args.global),
        Command::Serve(s) => serve::run(&s),
        Command::Generate(g) => generate::run(&g),
        Command::Detect(d) => detect::run(&d),
        Command::Normalize(n) => normalize::run(&n),
    }
}
