//! `newsbag normalize [FILE | --stdin] [--encoding LABEL] [--report [--json]]`.

use std::fs::File;
use std::io::{BufWriter, Read};

use anyhow::Context;
use newsbag::encoding::{self, TextReport};

use crate::args::NormalizeArgs;
use crate::exit::Outcome;
use crate::output::sanitize;

pub(crate) fn run(args: &NormalizeArgs) -> anyhow::Result<Outcome> {
    let given = args
        .encoding
        .as_deref()
        .map(encoding::encoding_for_label)
        .transpose()?;
    let (input, name): (Box<dyn Read>, String) = match &args.file {
        Some(path) if !args.stdin => {
            let file =
                File::open(path).with_context(|| format!("cannot read `{}`", path.display()))?;
            (Box::new(file), path.display().to_string())
        }
        _ => (Box::new(std::io::stdin().lock()), "<stdin>".to_owned()),
    };
    let stdout = BufWriter::new(std::io::stdout().lock());
    let report = encoding::normalize_stream(input, stdout, given)
        .with_context(|| format!("cannot normalise `{name}`"))?;
    if args.report {
        print_report(&name, &report, args.json)?;
    }
    Ok(Outcome::Valid)
}

fn print_report(name: &str, r: &TextReport, json: bool) -> anyhow::Result<()> {
    if json {
        let mut value = serde_json::to_value(r)?;
        if let Some(map) = value.as_object_mut() {
            map.insert("file".to_owned(), name.into());
        }
        eprintln!("{value}");
        return Ok(());
    }
    let d = &r.detection;
    let declared = d
        .declared
        .map_or_else(|| "none".to_owned(), encoding::label_of);
    eprintln!("file: {}", sanitize(name));
    eprintln!(
        "encoding: {} (confidence {:.2}, method {}, declared {declared})",
        d.label(),
        d.confidence,
        d.method.as_str()
    );
    eprintln!("persian: {}", if r.persian { "yes" } else { "no" });
    eprintln!("bytes: {} in, {} out", r.bytes_in, r.bytes_out);
    if r.repairs.is_empty() {
        eprintln!("repairs: none");
    } else {
        eprintln!("repairs:");
        for (kind, n) in &r.repairs {
            let kind = serde_json::to_value(kind)?;
            eprintln!("  {}: {n}", kind.as_str().unwrap_or_default());
        }
    }
    Ok(())
}
