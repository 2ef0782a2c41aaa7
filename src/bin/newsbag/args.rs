//! Command-line arguments (clap derive). Doc comments are the long help.
//! Values are validated here and converted once into library options; no clap
//! type crosses into `newsbag::`.

use std::path::PathBuf;

use clap::{Args as ClapArgs, Parser, Subcommand};

/// Digital preservation of news: BagIt bags with byte-exact originals, UTF-8
/// text, Dublin Core records and checksums.
#[derive(Debug, Parser)]
#[command(name = "newsbag", version, about, max_term_width = 100)]
pub(crate) struct Args {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Flags accepted by every subcommand.
#[derive(Debug, ClapArgs)]
pub(crate) struct GlobalArgs {
    /// Print only errors.
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,
    /// More log output (-v info, -vv debug, -vvv trace); hides progress bars.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
    /// Never draw progress bars.
    #[arg(long, global = true)]
    pub(crate) no_progress: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Generate the man page or shell completions.
    Generate(GenerateArgs),
}

/// Arguments of `newsbag generate`.
#[derive(Debug, ClapArgs)]
pub(crate) struct GenerateArgs {
    #[command(subcommand)]
    pub(crate) what: Generate,
}

/// What `newsbag generate` writes to stdout.
#[derive(Debug, Subcommand)]
pub(crate) enum Generate {
    /// The roff man page (docs/newsbag.1).
    Man,
    /// Shell completions (docs/completions/).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[allow(dead_code, reason = "used by subcommands that take paths")]
pub(crate) type Paths = Vec<PathBuf>;

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Args::command().debug_assert();
    }
}
