//! `newsbag show ARCHIVE ITEM [--bag NAME] [--original | --format text|json]`.

use std::io::Write;

use newsbag::archive::Archive;
use newsbag::archive::search::show;

use crate::args::{ShowArgs, ShowFormat};
use crate::exit::Outcome;
use crate::output::sanitize;

pub(crate) fn run(args: &ShowArgs) -> anyhow::Result<Outcome> {
    let archive = Archive::open_for_reading(&args.archive)?;
    let mut out = std::io::stdout().lock();
    if args.original {
        show::original(&archive, &args.item, args.bag.as_deref(), &mut out)?;
        out.flush()?;
        return Ok(Outcome::Valid);
    }
    let item = show::show(&archive, &args.item, args.bag.as_deref())?;
    match args.format {
        ShowFormat::Json => {
            let dc: serde_json::Map<String, serde_json::Value> = item
                .dc
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::json!(v)))
                .collect();
            let json = serde_json::json!({
                "id": item.id,
                "bag": item.bag,
                "dc": dc,
                "sha256": item.sha256,
                "media_type": item.media_type,
                "encoding": item.encoding,
                "fixity": item.fixity,
                "provenance": item.provenance,
                "text": item.text,
            });
            serde_json::to_writer_pretty(&mut out, &json)?;
            writeln!(out)?;
        }
        ShowFormat::Text => {
            writeln!(out, "item          {}", sanitize(&item.id))?;
            writeln!(
                out,
                "bag           {} ({})",
                sanitize(&item.bag),
                sanitize(&item.fixity.path)
            )?;
            let f = &item.fixity;
            writeln!(
                out,
                "fixity        {}; last check {} ({}, {}); last full check {}",
                f.state,
                f.last_check.as_deref().unwrap_or("never"),
                f.last_check_level.as_deref().unwrap_or("-"),
                f.last_outcome.as_deref().unwrap_or("-"),
                f.last_full_check.as_deref().unwrap_or("never")
            )?;
            for (k, values) in &item.dc {
                for v in values {
                    writeln!(
                        out,
                        "{:<14}{}",
                        format!("dc:{k}"),
                        sanitize(&v.replace('\n', " "))
                    )?;
                }
            }
            writeln!(
                out,
                "sha256        {}",
                item.sha256.as_deref().unwrap_or("-")
            )?;
            writeln!(
                out,
                "media type    {}",
                item.media_type.as_deref().unwrap_or("-")
            )?;
            writeln!(
                out,
                "encoding      {}",
                item.encoding.as_deref().unwrap_or("-")
            )?;
            writeln!(out, "provenance")?;
            writeln!(out, "{}", serde_json::to_string_pretty(&item.provenance)?)?;
            if let Some(text) = &item.text {
                writeln!(out, "text")?;
                write!(out, "{}", sanitize(text))?;
                if !text.ends_with('\n') {
                    writeln!(out)?;
                }
            }
        }
    }
    out.flush()?;
    Ok(Outcome::Valid)
}
