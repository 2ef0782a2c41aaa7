//! `newsbag detect FILE... [--json]`.

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;

use anyhow::Context;
use newsbag::encoding::{self, DETECT_LIMIT, Detection};

use crate::args::DetectArgs;
use crate::exit::Outcome;
use crate::output::{error_message, sanitize};

pub(crate) fn run(args: &DetectArgs) -> anyhow::Result<Outcome> {
    let given = args
        .encoding
        .as_deref()
        .map(encoding::encoding_for_label)
        .transpose()?;
    let mut out = std::io::stdout().lock();
    let mut outcome = Outcome::Valid;
    for path in &args.files {
        match detect_file(path, given) {
            Ok(d) => {
                let file = path.display().to_string();
                if args.json {
                    let line = serde_json::json!({
                        "file": file,
                        "encoding": d.label(),
                        "confidence": d.confidence,
                        "method": d.method,
                        "declared": d.declared.map(encoding::label_of),
                        "had_errors": d.had_errors,
                        "runner_up": d.runner_up.map(encoding::label_of),
                    });
                    writeln!(out, "{line}")?;
                } else {
                    let (label, conf, method) = (d.label(), d.confidence, d.method.as_str());
                    writeln!(out, "{label}\t{conf:.2}\t{method}\t{}", sanitize(&file))?;
                }
            }
            Err(err) => {
                out.flush()?;
                eprintln!("newsbag: {}", error_message(&err));
                outcome = Outcome::merge([outcome, Outcome::Errored]);
            }
        }
    }
    out.flush()?;
    Ok(outcome)
}

/// Reads at most the prefix detection looks at, so huge files cost little.
fn detect_file(
    path: &Path,
    given: Option<&'static encoding::Encoding>,
) -> anyhow::Result<Detection> {
    let file = File::open(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    let mut prefix = Vec::new();
    file.take(DETECT_LIMIT as u64 + 1)
        .read_to_end(&mut prefix)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    let complete = prefix.len() <= DETECT_LIMIT;
    Ok(encoding::detect_prefix(&prefix, complete, given))
}
