//! `catalog rebuild`: the catalog made again from the bags and the event
//! log, beside the old one, then put in its place.

use std::fs;
use std::path::{Path, PathBuf};

use super::Error;
use super::catalog::{CATALOG_FILE, Catalog, Location};
use super::events::{self, EventType};
use super::{Archive, Result, UNZIPPED_BAG, check_root, lock};
#[cfg(feature = "s3")]
use super::{bags, events::Log, log_copy};

/// What [`rebuild()`] did.
#[derive(Debug, Default, serde::Serialize)]
pub struct Rebuilt {
    /// Bags in the new catalog.
    pub bags: u64,
    /// Items in it.
    pub items: u64,
    /// Events replayed from the log.
    pub events: u64,
    /// Bags on disk the log did not know, adopted.
    pub adopted: Vec<String>,
    /// Bags that could not be adopted, with the reason.
    pub not_adopted: Vec<(String, String)>,
    /// Where the previous catalog was moved, if there was one.
    pub previous: Option<PathBuf>,
    /// Damaged or torn event log lines skipped.
    pub warnings: Vec<String>,
}

/// Makes the catalog of `root` again: a new catalog is built beside the
/// old one by replaying the event log (reading each registered bag's items
/// from the bag) and adopting every zipped bag on disk the log does not
/// know, then put in place of the old one, which is kept as
/// `catalog.sqlite.replaced` (on PostgreSQL: schema `…_replaced`). Holds
/// the archive's lock meanwhile.
pub fn rebuild(root: &Path) -> Result<Rebuilt> {
    rebuild_into(root, None)
}

/// [`rebuild()`] into `to` (`None`: where the catalog is now), which
/// becomes the archive's catalog: this is how an archive's catalog moves
/// from its SQLite file to a PostgreSQL database, and back.
pub fn rebuild_into(root: &Path, to: Option<Location>) -> Result<Rebuilt> {
    check_root(root)?;
    let _lock = lock::ArchiveLock::acquire(root, "catalog rebuild")?;
    let target = match to {
        Some(l) => l,
        None => Location::of(root)?,
    };
    let mut out = Rebuilt::default();
    // Bags in a bucket: log files lost from the root come back from the
    // bucket's copy first, and the logs of the archive's other roots
    // (stations) are brought under `peers/` to be replayed with it.
    #[cfg(feature = "s3")]
    if let Some(loc) = bags::Bags::of(root)?.bucket_prefix() {
        let store = crate::store::shared(&loc.bucket)?;
        let station = bags::station_of(root)?;
        let home = super::stations::log_home(loc, station.as_deref());
        let restored = log_copy::restore(&Log::new(root), &store, &home)?;
        for f in &restored.files {
            out.warnings.push(format!(
                "events/{f} restored from the bucket's copy of the event log"
            ));
        }
        for g in restored.gaps {
            out.warnings
                .push(format!("the bucket's copy of the event log: {g}"));
        }
        out.warnings.extend(super::stations::restore_peers(
            root,
            &store,
            loc,
            station.as_deref(),
        )?);
    }
    match &target {
        Location::Sqlite(_) => {
            let tmp = root.join(format!(
                ".newsbag-tmp-catalog-{}.sqlite",
                std::process::id()
            ));
            for suffix in ["", "-wal", "-shm"] {
                let _ = fs::remove_file(with_suffix(&tmp, suffix));
            }
            drop(fill(root, Catalog::open(&tmp)?, &mut out)?);
            out.previous = move_aside(root)?;
            let live = root.join(CATALOG_FILE);
            fs::rename(&tmp, &live)
                .map_err(|e| Error::io("rename the rebuilt catalog to", &live, e))?;
            // The archive's catalog is its own file again.
            target.record(root)?;
            events::sync_dir(root);
        }
        #[cfg(feature = "postgres")]
        Location::Postgres { url, schema } => {
            let building = format!("{schema}_rebuild");
            let replaced = format!("{schema}_replaced");
            // A rebuild cut short left its tables: start afresh.
            super::catalog::postgres::PgCatalog::drop_schema(url, &building)?;
            let mut archive = fill(
                root,
                Catalog::open_postgres(url, &building, false)?,
                &mut out,
            )?;
            let was_postgres = matches!(Location::of(root)?, Location::Postgres { .. });
            archive.catalog.replace_postgres(schema, &replaced)?;
            drop(archive);
            target.record(root)?;
            if was_postgres {
                out.previous = Some(PathBuf::from(format!(
                    "{} (schema {replaced})",
                    super::pg::redact(url)
                )));
            } else {
                // The SQLite catalog the archive had is kept aside.
                out.previous = move_aside(root)?;
            }
        }
        #[cfg(not(feature = "postgres"))]
        Location::Postgres { url, schema } => {
            drop(Catalog::open_postgres(url, schema, false)?);
        }
    }
    Ok(out)
}

/// Fills `catalog` from the log and the bags of `root`; the archive with
/// it.
fn fill(root: &Path, catalog: Catalog, out: &mut Rebuilt) -> Result<Archive> {
    let mut archive = Archive::caught_up(root, catalog)?;
    out.events = archive.catalog.event_count()?;
    for zip in archive.unknown_bags()? {
        match archive.register(
            &zip,
            EventType::Adopt,
            serde_json::json!({"reason": "found by catalog rebuild"}),
        ) {
            Ok(e) => out.adopted.push(e.bag),
            Err(e) => out
                .not_adopted
                .push((zip.display().to_string(), e.to_string())),
        }
    }
    for dir in archive.bag_directories()? {
        archive.warnings.push(format!(
            "`{}` not catalogued: {UNZIPPED_BAG}",
            archive.relative(&dir)
        ));
    }
    let (bags, items, _) = archive.catalog.totals()?;
    out.bags = bags;
    out.items = items;
    out.warnings.append(&mut archive.warnings);
    Ok(archive)
}

/// Moves `catalog.sqlite` (and its WAL files) to
/// `catalog.sqlite.replaced`; where it went, if there was one.
fn move_aside(root: &Path) -> Result<Option<PathBuf>> {
    let live = root.join(CATALOG_FILE);
    if !live.exists() {
        return Ok(None);
    }
    let previous = root.join(format!("{CATALOG_FILE}.replaced"));
    for suffix in ["", "-wal", "-shm"] {
        let from = with_suffix(&live, suffix);
        let to = with_suffix(&previous, suffix);
        let _ = fs::remove_file(&to);
        if from.exists() {
            fs::rename(&from, &to).map_err(|e| Error::io("move aside", &from, e))?;
        }
    }
    Ok(Some(previous))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}
