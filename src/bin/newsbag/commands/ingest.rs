//! `newsbag ingest INPUT... [--archive DIR] [--name NAME] …`: the bag is
//! registered in the archive's catalog once in place.

use std::io::{Read, Write};

use anyhow::Context;
use newsbag::archive::ingest_and_register;
use newsbag::ingest::{IngestOptions, Input, parse_meta};

use crate::args::{GlobalArgs, IngestArgs};
use crate::exit::Outcome;
use crate::output::{Progress, sanitize};

pub(crate) fn run(args: &IngestArgs, global: &GlobalArgs) -> anyhow::Result<Outcome> {
    let (date, time) = match &args.date {
        Some(d) => (d.clone(), format!("{d}T00:00:00Z")),
        None => (crate::output::today(), crate::output::now_rfc3339()),
    };
    if let Some(url) = &args.bags_in {
        bind_bucket(&args.archive, url, args.station.as_deref())?;
    }
    if let Some(url) = &args.catalog {
        newsbag::archive::catalog::Location::postgres(url, &args.catalog_schema)
            .map_err(|reason| anyhow::anyhow!("--catalog: {reason}"))?
            .bind(&args.archive)?;
    }
    let mut options = IngestOptions::new(&args.archive, &date, &time);
    options.name = args.name.clone();
    options.info = args.info.clone();
    options.keep_going = args.keep_going;
    options.max_input_bytes = args.max_input_bytes;
    if let Some(label) = &args.encoding {
        options.encoding = Some(newsbag::encoding::encoding_for_label(label)?);
    }
    if let Some(meta) = &args.meta {
        let bytes =
            std::fs::read(meta).with_context(|| format!("failed to read `{}`", meta.display()))?;
        options.meta = parse_meta(&bytes, &meta.display().to_string())?;
        options.exclude.push(meta.clone());
    }
    let mut inputs = Vec::new();
    for p in &args.inputs {
        if p.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::stdin()
                .lock()
                .take(args.max_input_bytes + 1)
                .read_to_end(&mut bytes)
                .context("failed to read standard input")?;
            inputs.push(Input::Bytes {
                name: "-".into(),
                bytes,
            });
        } else {
            inputs.push(Input::Path(p.clone()));
        }
    }
    let progress = Progress::new(global, "ingesting");
    let ingested = ingest_and_register(&inputs, &options, &progress)?;
    for e in &ingested.adopted {
        eprintln!(
            "newsbag: adopted `{}`, left by an interrupted ingest",
            sanitize(&e.bag)
        );
    }
    for w in &ingested.warnings {
        eprintln!("newsbag: warning: {}", sanitize(w));
    }
    let summary = ingested.summary;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &summary)?;
        writeln!(out)?;
    } else {
        writeln!(out, "{}", sanitize(&summary.bag.display().to_string()))?;
        if !global.quiet {
            let encodings: Vec<String> = summary
                .encodings
                .iter()
                .map(|(e, n)| format!("{e} ×{n}"))
                .collect();
            let repairs: Vec<String> = summary
                .repairs
                .iter()
                .map(|(k, n)| format!("{k} ×{n}"))
                .collect();
            eprintln!(
                "ingested {} items from {} inputs ({} bytes) into `{}`",
                summary.items,
                summary.inputs,
                summary.bytes,
                summary.bag.display()
            );
            eprintln!("  encodings: {}", encodings.join(", "));
            if !repairs.is_empty() {
                eprintln!("  repairs: {}", repairs.join(", "));
            }
            for d in &summary.duplicates {
                eprintln!("  duplicate: {}", sanitize(d));
            }
            for w in &summary.warnings {
                eprintln!("  warning: {}", sanitize(w));
            }
        }
        for r in &summary.rejected {
            eprintln!(
                "newsbag: rejected `{}`: {}",
                sanitize(&r.input),
                sanitize(&r.reason)
            );
        }
    }
    Ok(if summary.rejected.is_empty() {
        Outcome::Valid
    } else {
        Outcome::Invalid
    })
}

/// Makes the archive at `root` keep its bags in the bucket at `url`, as
/// the archive's own root or as its station `station`; a new root is
/// checked against the bucket first (no second root of one archive, no
/// station without an archive).
#[cfg(feature = "s3")]
fn bind_bucket(root: &std::path::Path, url: &str, station: Option<&str>) -> anyhow::Result<()> {
    newsbag::archive::stations::join(root, url, station)?;
    Ok(())
}

#[cfg(not(feature = "s3"))]
fn bind_bucket(root: &std::path::Path, url: &str, station: Option<&str>) -> anyhow::Result<()> {
    newsbag::archive::bags::Bags::bind_station(root, url, station)?;
    Ok(())
}
