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
            render_commands(&mut buf)?;
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

/// One section per command (`NEWSBAG EXTRACT`…) with its synopsis, its
/// whole help (what `newsbag help COMMAND` says) and its options, so that
/// the one man page documents every command (the page's list of commands
/// names them `newsbag-NAME(1)`). clap_mangen renders each part under a
/// `.SH` heading of its own; the headings are folded into the command's
/// section.
fn render_commands(buf: &mut Vec<u8>) -> std::io::Result<()> {
    let mut root = Args::command();
    root.build(); // gives each command its `newsbag NAME` for the synopsis
    for cmd in root.get_subcommands().filter(|c| c.get_name() != "help") {
        let man = clap_mangen::Man::new(cmd.clone());
        let mut part = Vec::new();
        writeln!(buf, ".SH \"NEWSBAG {}\"", cmd.get_name().to_uppercase())?;
        man.render_synopsis_section(&mut part)?;
        man.render_description_section(&mut part)?;
        if cmd.get_arguments().any(|a| !a.is_hide_set()) {
            man.render_options_section(&mut part)?;
        }
        for line in String::from_utf8_lossy(&part).lines() {
            match line {
                // The string definition each render starts with; the page's
                // own is enough.
                l if l.starts_with(".ie \\n(.g .ds Aq") || l.starts_with(".el .ds Aq") => {}
                ".SH SYNOPSIS" | ".SH DESCRIPTION" => writeln!(buf, ".PP")?,
                ".SH OPTIONS" => writeln!(buf, ".SS Options")?,
                _ => writeln!(buf, "{line}")?,
            }
        }
    }
    Ok(())
}
