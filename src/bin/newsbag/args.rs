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
    /// Detect the encoding of files: one line per file (encoding, confidence, method, file).
    ///
    /// The encoding is the WHATWG name (utf-8, windows-1256, utf-16le, shift_jis, gbk, …); the
    /// method is bom, declared, sniffed, given or default. See docs/encoding.md.
    Detect(DetectArgs),
    /// Write the UTF-8 text derivative of a file to stdout (what ingest stores).
    ///
    /// UTF-8, NFC, LF line endings, no BOM, no NUL; Persian text also gets the safe repairs
    /// described in docs/encoding.md. --report lists the decision and every repair on stderr.
    Normalize(NormalizeArgs),
}

/// Arguments of `newsbag detect`.
#[derive(Debug, ClapArgs)]
pub(crate) struct DetectArgs {
    /// Files to examine.
    #[arg(required = true)]
    pub(crate) files: Vec<PathBuf>,
    /// Use this encoding instead of detecting (a WHATWG label).
    #[arg(long, value_name = "LABEL")]
    pub(crate) encoding: Option<String>,
    /// One JSON object per line: file, encoding, confidence, method, declared, had_errors.
    #[arg(long)]
    pub(crate) json: bool,
}

/// Arguments of `newsbag normalize`.
#[derive(Debug, ClapArgs)]
pub(crate) struct NormalizeArgs {
    /// The file to normalise.
    #[arg(required_unless_present = "stdin", conflicts_with = "stdin")]
    pub(crate) file: Option<PathBuf>,
    /// Read standard input instead of a file.
    #[arg(long)]
    pub(crate) stdin: bool,
    /// Use this encoding instead of detecting (a WHATWG label).
    #[arg(long, value_name = "LABEL")]
    pub(crate) encoding: Option<String>,
    /// Print the encoding decision and every repair, counted by kind, to stderr.
    #[arg(long)]
    pub(crate) report: bool,
    /// With --report: print the report as JSON.
    #[arg(long, requires = "report")]
    pub(crate) json: bool,
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
