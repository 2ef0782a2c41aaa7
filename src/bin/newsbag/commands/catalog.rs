//! `newsbag catalog rebuild ARCHIVE`, `newsbag catalog collect ARCHIVE DIR...`.

use newsbag::archive::catalog::{CATALOG_FILE, Location};
use newsbag::archive::rebuild_into;

use crate::args::{CatalogArgs, CatalogCommand, GlobalArgs};
use crate::exit::Outcome;
use crate::output::sanitize;

pub(crate) fn run(args: &CatalogArgs, global: &GlobalArgs) -> anyhow::Result<Outcome> {
    match &args.what {
        CatalogCommand::Rebuild {
            archive,
            bags_in,
            catalog,
            catalog_schema,
            station,
        } => {
            if let Some(url) = bags_in {
                if let Some(name) = station
                    && !newsbag::archive::stations::valid_name(name)
                {
                    anyhow::bail!("--station: `{name}` is not a station name (a-z, 0-9, -)");
                }
                newsbag::archive::bags::Bags::bind_station(archive, url, station.as_deref())?;
            }
            let to = match catalog.as_deref() {
                None => None,
                Some("sqlite") => Some(Location::Sqlite(archive.join(CATALOG_FILE))),
                Some(url) => Some(
                    Location::postgres(url, catalog_schema)
                        .map_err(|reason| anyhow::anyhow!("--catalog: {reason}"))?,
                ),
            };
            let r = rebuild_into(archive, to)?;
            for w in &r.warnings {
                eprintln!("newsbag: warning: {}", sanitize(w));
            }
            for (zip, why) in &r.not_adopted {
                eprintln!(
                    "newsbag: not adopted `{}`: {}",
                    sanitize(zip),
                    sanitize(why)
                );
            }
            if !global.quiet {
                eprintln!(
                    "rebuilt the catalog of `{}`: {} bags, {} items, {} events replayed, {} bags adopted",
                    sanitize(&archive.display().to_string()),
                    r.bags,
                    r.items,
                    r.events,
                    r.adopted.len()
                );
                if let Some(p) = &r.previous {
                    eprintln!("  the previous catalog is kept as `{}`", p.display());
                }
            }
            Ok(if r.not_adopted.is_empty() {
                Outcome::Valid
            } else {
                Outcome::Invalid
            })
        }
        #[cfg(feature = "postgres")]
        CatalogCommand::Collect { archive, dirs } => {
            let r = newsbag::archive::workers::collect_logs(archive, dirs)?;
            for w in &r.warnings {
                eprintln!("newsbag: warning: {}", sanitize(w));
            }
            if !global.quiet {
                eprintln!(
                    "collected into `{}`: {} events read, {} recorded, {} the catalog had, {} \
                     about bags it does not know",
                    sanitize(&archive.display().to_string()),
                    r.read,
                    r.recorded,
                    r.read - r.recorded - r.unknown_bags,
                    r.unknown_bags
                );
            }
            Ok(Outcome::Valid)
        }
    }
}
