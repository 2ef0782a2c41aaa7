//! `newsbag history ARCHIVE [BAG | ITEM] [--since DATE] [--format text|jsonl|premis]`.

use std::io::Write;

use newsbag::archive::{Archive, Error, premis};

use crate::args::{HistoryArgs, HistoryFormat};
use crate::exit::Outcome;
use crate::output::sanitize;

pub(crate) fn run(args: &HistoryArgs) -> anyhow::Result<Outcome> {
    let archive = Archive::open_for_reading(&args.archive)?;
    let subject = args.subject.as_deref();
    if let Some(s) = subject
        && !archive.catalog().knows(s)?
    {
        return Err(Error::UnknownSubject {
            name: s.to_owned(),
            archive: args.archive.clone(),
        }
        .into());
    }
    let events = archive.catalog().events(subject, args.since.as_deref())?;
    let mut out = std::io::stdout().lock();
    match args.format {
        HistoryFormat::Premis => {
            // An item's history is its bag's events, linked to the item too.
            let item = subject.filter(|s| !events.iter().all(|e| e.bag == *s));
            out.write_all(premis::to_premis(&events, item).as_bytes())?;
        }
        HistoryFormat::Jsonl => {
            for e in &events {
                serde_json::to_writer(&mut out, e)?;
                writeln!(out)?;
            }
        }
        HistoryFormat::Text => {
            for e in &events {
                let item = e
                    .item
                    .as_deref()
                    .map(|i| format!(" item {i}"))
                    .unwrap_or_default();
                let problems = e.detail["problem_count"].as_u64().unwrap_or(0);
                let extra = if problems > 0 {
                    format!(" ({problems} problems)")
                } else {
                    String::new()
                };
                writeln!(
                    out,
                    "{} {} {}{} {}{}",
                    e.time,
                    e.kind.as_str(),
                    sanitize(&e.bag),
                    sanitize(&item),
                    e.outcome.as_str(),
                    extra
                )?;
            }
        }
    }
    out.flush()?;
    Ok(Outcome::Valid)
}
