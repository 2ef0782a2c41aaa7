//! Printing helpers: logging set-up, terminal sanitising, progress bars.

use std::io::IsTerminal;

/// Installs env_logger: warn by default, info/debug/trace with -v/-vv/-vvv,
/// overridable with `NEWSBAG_LOG` or `RUST_LOG`.
pub(crate) fn init_logging(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        _ => "trace",
    };
    let env = env_logger::Env::new().filter_or(
        "NEWSBAG_LOG",
        std::env::var("RUST_LOG").unwrap_or_else(|_| level.to_owned()),
    );
    let _ = env_logger::Builder::from_env(env)
        .format_timestamp(None)
        .try_init();
}

/// Replaces control characters (which could move the cursor or change colours
/// on a terminal) with their escaped form. Paths inside bags are untrusted.
pub(crate) fn sanitize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() && c != '\n' && c != '\t' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// The one-line message of an error and its causes, `outer: inner: …`,
/// with each cause once: a cause whose text the message already ends with
/// (an error that prints its cause and also returns it as its source, as
/// `std::io::Error` and many libraries do) is not repeated. Control
/// characters are escaped.
pub(crate) fn error_message(err: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if message.is_empty() {
            message = text;
        } else if !text.is_empty() && !message.ends_with(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
    }
    sanitize(&message)
}

/// Whether progress bars may be drawn: stderr is a terminal and the user did
/// not ask for quiet or verbose output.
pub(crate) fn progress_enabled(global: &crate::args::GlobalArgs) -> bool {
    !global.quiet && global.verbose == 0 && !global.no_progress && std::io::stderr().is_terminal()
}

/// Today's date (UTC) as `YYYY-MM-DD`: the one place newsbag reads the clock
/// for a Bagging-Date.
pub(crate) fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}

/// The current time (UTC, RFC 3339), recorded as the ingest time.
pub(crate) fn now_rfc3339() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A progress bar on stderr implementing the library's
/// [`newsbag::progress::Reporter`]; hidden unless stderr is a terminal.
pub(crate) struct Progress {
    bar: Option<indicatif::ProgressBar>,
    label: &'static str,
}

impl Progress {
    pub(crate) fn new(global: &crate::args::GlobalArgs, label: &'static str) -> Self {
        Progress { bar: None, label }.enabled(progress_enabled(global))
    }

    fn enabled(mut self, on: bool) -> Self {
        if on {
            let bar = indicatif::ProgressBar::hidden();
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            self.bar = Some(bar);
        }
        self
    }
}

/// A progress bar on stderr counting items (`export`), drawn only when
/// [`progress_enabled`] says so.
pub(crate) struct ItemProgress {
    bar: Option<indicatif::ProgressBar>,
}

impl ItemProgress {
    /// A bar of `total` items labelled `label`; hidden unless stderr is a
    /// terminal and neither -q, -v nor --no-progress was given.
    pub(crate) fn new(global: &crate::args::GlobalArgs, label: &str, total: u64) -> Self {
        if !progress_enabled(global) {
            return ItemProgress { bar: None };
        }
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(total),
            indicatif::ProgressDrawTarget::stderr(),
        );
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{msg} {bar:30} {pos}/{len} items {per_sec} eta {eta}",
        ) {
            bar.set_style(style);
        }
        bar.set_message(label.to_owned());
        ItemProgress { bar: Some(bar) }
    }

    /// `done` items so far.
    pub(crate) fn set(&self, done: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
        }
    }

    /// Takes the bar off the terminal.
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl newsbag::progress::Reporter for Progress {
    fn start(&self, files: u64, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(bytes);
            bar.set_position(0);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{msg} {bar:30} {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}",
            ) {
                bar.set_style(style);
            }
            bar.set_message(format!("{} {files} files", self.label));
        }
    }

    fn advance(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(bytes);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_escapes_controls() {
        assert_eq!(sanitize("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(sanitize("line\nnext"), "line\nnext");
        assert_eq!(sanitize("data/\r"), "data/\\r");
    }

    #[derive(Debug)]
    struct Echo(std::io::Error);

    impl std::fmt::Display for Echo {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "failed to read `x`: {}", self.0)
        }
    }

    impl std::error::Error for Echo {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn each_cause_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        let err = anyhow::Error::new(Echo(io)).context("cannot ingest `x`");
        assert_eq!(
            error_message(&err),
            "cannot ingest `x`: failed to read `x`: gone"
        );
        let plain = anyhow::anyhow!("inner").context("outer");
        assert_eq!(error_message(&plain), "outer: inner");
        let hostile = anyhow::anyhow!("bad \u{1b}[2J name");
        assert_eq!(error_message(&hostile), "bad \\u{1b}[2J name");
    }
}
