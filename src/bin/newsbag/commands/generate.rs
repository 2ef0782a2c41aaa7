//! `newsbag generate man | completions SHELL`.

use std::io::Write;

use clap::CommandFactory;

use crate::args::{Args, Generate, GenerateArgs};
use crate::exit::Outcome;

/// Exit status and files, appended to the generated man page.
const MAN_EXTRA: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
Success; for \fBverify\fR and \fBextract\fR, every bag is valid (warnings allowed).
.TP
\fB1\fR
Finished, but at least one bag is invalid.
.TP
\fB2\fR
Usage error, I/O failure, unreadable or unsafe input.
.SH FILES
A bag made by newsbag holds \fIbagit.txt\fR, \fIbag-info.txt\fR,
\fImanifest-sha512.txt\fR, \fImanifest-sha256.txt\fR, the matching tag
manifests and the payload under \fIdata/\fR; see docs/bag-format.md.
"#;

pub(crate) fn run(args: &GenerateArgs) -> anyhow::Result<Outcome> {
    let mut out = std::io::stdout().lock();
    match &args.what {
        Generate::Man => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(Args::command()).render(&mut buf)?;
            buf.extend_from_slice(MAN_EXTRA.as_bytes());
            out.write_all(&buf)?;
        }
        Generate::Completions { shell } => {
            clap_complete::generate(*shell, &mut Args::command(), "newsbag", &mut out);
        }
    }
    out.flush()?;
    Ok(Outcome::Valid)
}
