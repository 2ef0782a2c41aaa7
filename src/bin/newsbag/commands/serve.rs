//! `newsbag serve ARCHIVE [--bind ADDR:PORT] [--base-url URL] [--admin-email EMAIL]`.

use std::io::Write;

use newsbag::serve::http::{Options, serve};

use crate::args::ServeArgs;
use crate::exit::Outcome;

/// Records per list response, for tests that need several pages of a
/// small archive; not a documented setting.
const PAGE_SIZE_VAR: &str = "NEWSBAG_OAI_PAGE_SIZE";

pub(crate) fn run(args: &ServeArgs) -> anyhow::Result<Outcome> {
    let mut options = Options::new(args.archive.clone(), args.bind);
    options.base_url.clone_from(&args.base_url);
    options.admin_email.clone_from(&args.admin_email);
    if let Some(n) = std::env::var(PAGE_SIZE_VAR)
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
    {
        options.page_size = n;
    }
    let base_url = args.base_url.clone();
    serve(options, |addr| {
        // The address on stdout, as a line of its own, so that a caller
        // that asked for port 0 learns the port.
        let url = base_url.unwrap_or_else(|| format!("http://{addr}/oai"));
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "serving OAI-PMH at {url}");
        let _ = writeln!(out, "reading room at http://{addr}/");
        let _ = out.flush();
    })?;
    Ok(Outcome::Valid)
}
