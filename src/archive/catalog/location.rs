//! Where an archive's catalog is: `ARCHIVE/catalog.sqlite`, or the
//! PostgreSQL database named by `ARCHIVE/catalog.json`
//! (`{"postgres": "postgres://user@host/db", "schema": "newsbag_catalog"}`).
//!
//! The file holds no password: a URL without one takes `PGPASSWORD` from
//! the environment (or the server trusts the machine). It is written once,
//! atomically, by `ingest --catalog` on a new archive or by
//! `catalog rebuild --catalog`, which moves an archive's catalog between
//! the two.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::super::{Error, Result};
use super::CATALOG_FILE;

/// The file naming a PostgreSQL catalog in an archive root.
pub const CATALOG_LINK: &str = "catalog.json";

/// Where a catalog is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// An SQLite file.
    Sqlite(PathBuf),
    /// A schema of a PostgreSQL database.
    Postgres {
        /// `postgres://…` or `key=value` pairs, without a password.
        url: String,
        /// The PostgreSQL schema holding the tables.
        schema: String,
    },
}

/// What `catalog.json` holds.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkFile {
    postgres: String,
    #[serde(default = "default_schema")]
    schema: String,
}

fn default_schema() -> String {
    DEFAULT_SCHEMA.to_owned()
}

/// The PostgreSQL schema of a catalog unless told otherwise.
pub const DEFAULT_SCHEMA: &str = "newsbag_catalog";

impl Location {
    /// The catalog of the archive at `root`.
    pub fn of(root: &Path) -> Result<Location> {
        let file = root.join(CATALOG_LINK);
        let text = match fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(Location::Sqlite(root.join(CATALOG_FILE)));
            }
            Err(e) => return Err(Error::io("read", &file, e)),
        };
        let link: LinkFile = serde_json::from_str(&text).map_err(|e| Error::NotAnArchive {
            path: root.to_owned(),
            reason: format!("`{CATALOG_LINK}`: {e}"),
        })?;
        Location::postgres(&link.postgres, &link.schema).map_err(|reason| Error::NotAnArchive {
            path: root.to_owned(),
            reason: format!("`{CATALOG_LINK}`: {reason}"),
        })
    }

    /// A PostgreSQL catalog at `url`, schema `schema`, checked: a URL
    /// holding a password is refused (it would be written in
    /// `catalog.json`), as is a schema name newsbag does not use.
    pub fn postgres(url: &str, schema: &str) -> std::result::Result<Location, String> {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(format!("`{url}` is not a postgres:// URL"));
        }
        let rest = &url[url.find("://").map_or(0, |i| i + 3)..];
        if rest
            .rsplit_once('@')
            .is_some_and(|(auth, _)| auth.contains(':'))
            || url.contains("password=")
        {
            return Err(
                "the URL holds a password: leave it out and set PGPASSWORD (or ~/.pgpass-like \
                 trust on the server) so that it is never written in the archive"
                    .into(),
            );
        }
        if !valid_schema(schema) {
            return Err(format!(
                "`{schema}` is not a schema name newsbag uses (a-z, 0-9 and _, at most 40)"
            ));
        }
        Ok(Location::Postgres {
            url: url.to_owned(),
            schema: schema.to_owned(),
        })
    }

    /// Makes the archive at `root` keep its catalog here, writing (or
    /// removing, for its own SQLite file) `catalog.json` atomically.
    pub fn record(&self, root: &Path) -> Result<()> {
        let file = root.join(CATALOG_LINK);
        match self {
            Location::Sqlite(_) => match fs::remove_file(&file) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
                Err(e) => return Err(Error::io("remove", &file, e)),
            },
            Location::Postgres { url, schema } => {
                let text = serde_json::to_string_pretty(&LinkFile {
                    postgres: url.clone(),
                    schema: schema.clone(),
                })
                .unwrap_or_default();
                fs::create_dir_all(root).map_err(|e| Error::io("create", root, e))?;
                let mut tmp = tempfile::NamedTempFile::new_in(root)
                    .map_err(|e| Error::io("create a file in", root, e))?;
                tmp.write_all(format!("{text}\n").as_bytes())
                    .and_then(|()| tmp.as_file().sync_all())
                    .map_err(|e| Error::io("write", tmp.path(), e))?;
                tmp.persist(&file)
                    .map_err(|e| Error::io("create", &file, e.error))?;
            }
        }
        super::super::events::sync_dir(root);
        Ok(())
    }

    /// Makes a new archive at `root` keep its catalog here (`ingest
    /// --catalog`): asking again for the same place is nothing; an archive
    /// with a catalog elsewhere is refused (its catalog moves with
    /// `catalog rebuild --catalog`).
    pub fn bind(&self, root: &Path) -> Result<()> {
        let current = Location::of(root)?;
        if &current == self {
            return Ok(());
        }
        let refuse = |reason: String| Error::NotAnArchive {
            path: root.to_owned(),
            reason,
        };
        if let Location::Postgres { .. } = current {
            return Err(refuse(format!(
                "its catalog is `{}` (`{CATALOG_LINK}`), not `{}`: move it with `newsbag \
                 catalog rebuild ARCHIVE --catalog …`",
                current.describe(),
                self.describe()
            )));
        }
        if root.join(CATALOG_FILE).exists() || root.join("events").exists() {
            return Err(refuse(format!(
                "it has its catalog in `{CATALOG_FILE}` already: move it to `{}` with `newsbag \
                 catalog rebuild ARCHIVE --catalog {}`",
                self.describe(),
                self.describe()
            )));
        }
        self.record(root)
    }

    /// The PostgreSQL database's URL, for a catalog there.
    #[must_use]
    pub fn postgres_url(&self) -> Option<&str> {
        match self {
            Location::Sqlite(_) => None,
            Location::Postgres { url, .. } => Some(url),
        }
    }

    /// For messages: the file, or the database without its password and
    /// the schema.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Location::Sqlite(p) => p.display().to_string(),
            Location::Postgres { url, schema } => {
                if schema == DEFAULT_SCHEMA {
                    url.clone()
                } else {
                    format!("{url} (schema {schema})")
                }
            }
        }
    }
}

/// Whether `name` may be a catalog's schema name, put in SQL unquoted,
/// with room for the `_rebuild` and `_replaced` suffixes of a rebuild.
pub(crate) fn valid_schema(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 40
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_file_round_trip_and_removal() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        assert_eq!(
            Location::of(root).unwrap(),
            Location::Sqlite(root.join(CATALOG_FILE))
        );
        let pg = Location::postgres("postgres://news@db/archive", "news_a").unwrap();
        pg.record(root).unwrap();
        assert_eq!(Location::of(root).unwrap(), pg);
        Location::Sqlite(root.join(CATALOG_FILE))
            .record(root)
            .unwrap();
        assert!(!root.join(CATALOG_LINK).exists());
    }

    #[test]
    fn bind_records_once_and_refuses_another_place() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("archive");
        let a = Location::postgres("postgres://news@db/a", DEFAULT_SCHEMA).unwrap();
        let b = Location::postgres("postgres://news@db/b", DEFAULT_SCHEMA).unwrap();
        a.bind(&root).unwrap();
        a.bind(&root).unwrap();
        let err = b.bind(&root).unwrap_err().to_string();
        assert!(err.contains("catalog rebuild"), "{err}");
        let sqlite = tmp.path().join("old");
        fs::create_dir_all(sqlite.join("events")).unwrap();
        let err = a.bind(&sqlite).unwrap_err().to_string();
        assert!(err.contains(CATALOG_FILE), "{err}");
        assert!(!sqlite.join(CATALOG_LINK).exists());
    }

    #[test]
    fn passwords_bad_schemas_and_bad_files_are_refused() {
        assert!(Location::postgres("postgres://news:s3cret@db/a", DEFAULT_SCHEMA).is_err());
        assert!(Location::postgres("host=db password=x", DEFAULT_SCHEMA).is_err());
        assert!(Location::postgres("postgres://db/a", "Bad-Name").is_err());
        assert!(Location::postgres("postgres://db/a", "x; DROP TABLE bags").is_err());
        assert!(Location::postgres("sqlite://x", DEFAULT_SCHEMA).is_err());
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join(CATALOG_LINK), "{\"postgres\": 1}").unwrap();
        let err = Location::of(tmp.path()).unwrap_err().to_string();
        assert!(err.contains(CATALOG_LINK), "{err}");
    }
}
