//! `newsbag find ARCHIVE [QUERY] [filters] [--count-by GROUP] [--json | --csv]`.

use std::io::{IsTerminal, Write};

use newsbag::archive::Archive;
use newsbag::archive::search::find::{self, CountBy, Filters};

use crate::args::{CountByArg, FilterArgs, FindArgs};
use crate::exit::Outcome;
use crate::output::sanitize;

pub(crate) fn run(args: &FindArgs) -> anyhow::Result<Outcome> {
    let archive = Archive::open_for_reading(&args.archive)?;
    let query = find::prepare(&archive, args.query.as_deref())?;
    let filters = filters(&args.filters);
    let mut out = std::io::stdout().lock();
    if let Some(by) = args.count_by {
        let by = match by {
            CountByArg::Day => CountBy::Day,
            CountByArg::Week => CountBy::Week,
            CountByArg::Month => CountBy::Month,
            CountByArg::Year => CountBy::Year,
            CountByArg::Source => CountBy::Source,
            CountByArg::Language => CountBy::Language,
        };
        let counts = find::count_by(&archive, query.as_ref(), &filters, by)?;
        let key = match by {
            CountBy::Source => "source",
            CountBy::Language => "language",
            _ => "date",
        };
        if args.json {
            serde_json::to_writer_pretty(&mut out, &counts)?;
            writeln!(out)?;
        } else if args.csv || !std::io::stdout().is_terminal() {
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record([key, "count", "total_count", "ratio"])?;
            for c in &counts {
                w.write_record([
                    c.key.clone(),
                    c.count.to_string(),
                    c.total_count.to_string(),
                    format!("{:.4}", c.ratio),
                ])?;
            }
            w.flush()?;
        } else {
            let max = counts.iter().map(|c| c.count).max().unwrap_or(0).max(1);
            let width = counts
                .iter()
                .map(|c| c.key.chars().count())
                .max()
                .unwrap_or(0);
            for c in &counts {
                let bar = usize::try_from(c.count * 40 / max).unwrap_or(40);
                writeln!(
                    out,
                    "{:<width$}  {:>7} / {:<7} {:>6.1}%  {}",
                    sanitize(&c.key),
                    c.count,
                    c.total_count,
                    c.ratio * 100.0,
                    "█".repeat(bar)
                )?;
            }
        }
        out.flush()?;
        return Ok(Outcome::Valid);
    }
    let hits = find::find(&archive, query.as_ref(), &filters, args.limit)?;
    if args.json {
        serde_json::to_writer_pretty(&mut out, &hits)?;
        writeln!(out)?;
    } else if args.csv {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record([
            "id", "bag", "date", "source", "url", "language", "title", "score", "snippet",
        ])?;
        for h in &hits {
            w.write_record([
                h.id.as_str(),
                &h.bag,
                h.date.as_deref().unwrap_or_default(),
                h.source.as_deref().unwrap_or_default(),
                h.url.as_deref().unwrap_or_default(),
                &h.language.join(" "),
                &h.title,
                &format!("{:.4}", h.score),
                &h.snippet,
            ])?;
        }
        w.flush()?;
    } else {
        for h in &hits {
            writeln!(
                out,
                "{}  {}  {}  {}",
                sanitize(&h.id),
                h.date.as_deref().unwrap_or("(no date)"),
                sanitize(h.source.as_deref().unwrap_or("(no source)")),
                sanitize(&h.bag)
            )?;
            writeln!(out, "    {}", sanitize(&h.title))?;
            if !h.snippet.is_empty() {
                writeln!(out, "    {}", sanitize(&h.snippet.replace('\n', " ")))?;
            }
        }
        if hits.is_empty() {
            eprintln!("no item found");
        }
    }
    out.flush()?;
    Ok(Outcome::Valid)
}

/// The library's filters from the command line's.
pub(crate) fn filters(args: &FilterArgs) -> Filters {
    Filters {
        since: args.since,
        until: args.until,
        sources: args.sources.clone(),
        languages: args.languages.clone(),
        creator: args.creator.clone(),
        bag: args.bag.clone(),
    }
}
