//! Connecting to PostgreSQL (the catalog on PostgreSQL, the audit
//! workers' shared leases) and saying clearly what went wrong, never with
//! the password.

use postgres::{Client, NoTls};

use super::Error;

/// The keys of the advisory locks newsbag takes, all here so that no two
/// uses share one (`nbsg` in the high half): the audit workers' schema
/// and cycles, their collection of checks into the archive, the catalog's
/// writers, the catalog's migrations, the bag names being ingested.
pub(crate) mod keys {
    /// Migrating the workers' schema and opening a cycle.
    pub(crate) const WORKERS: i64 = 0x6e62_7367_0000_0001;
    /// Collecting the workers' checks into the archive.
    pub(crate) const COLLECT: i64 = 0x6e62_7367_0000_0002;
    /// A writer of the catalog on PostgreSQL (the collector takes it
    /// while holding [`COLLECT`]: they must differ).
    pub(crate) const CATALOG_WRITE: i64 = 0x6e62_7367_0000_0003;
    /// Migrating the catalog on PostgreSQL.
    pub(crate) const CATALOG_MIGRATE: i64 = 0x6e62_7367_0000_0004;
    /// The bag names being ingested: the first key of PostgreSQL's
    /// two-key advisory locks (`nbsg`; the second is a hash of the name),
    /// a space apart from the one-key locks above.
    pub(crate) const BAG_NAMES: i32 = 0x6e62_7367;
}

/// `postgres://user:secret@host/db` without its password, for messages.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        // key=value form: drop a password=… pair.
        return url
            .split_whitespace()
            .map(|kv| {
                if kv.starts_with("password=") {
                    "password=…"
                } else {
                    kv
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
    };
    let (auth, host) = match rest.rsplit_once('@') {
        Some((auth, host)) => (Some(auth), host),
        None => (None, rest),
    };
    match auth.map(|a| a.split_once(':').map_or(a, |(user, _)| user)) {
        Some(user) if auth.is_some_and(|a| a.contains(':')) => {
            format!("{scheme}://{user}:…@{host}")
        }
        Some(user) => format!("{scheme}://{user}@{host}"),
        None => format!("{scheme}://{host}"),
    }
}

/// An error of the database at `url` (its password left out).
pub(crate) fn coordination(url: &str, reason: String) -> Error {
    Error::Coordination {
        catalog: redact(url),
        reason,
    }
}

/// A clear error for the database at `url`: the server's message and
/// SQLSTATE, or the client's chain of causes.
pub(crate) fn db_error(url: &str, e: &postgres::Error) -> Error {
    let reason = match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => {
            let mut s = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(inner) = source {
                s = format!("{s}: {inner}");
                source = inner.source();
            }
            s
        }
    };
    coordination(url, reason)
}

/// Connects to `url` (a `postgres://` URL or `key=value` pairs). A URL
/// without a password takes `PGPASSWORD` from the environment, as `psql`
/// does, so that the password need not be written in a command line or
/// in the archive's `catalog.json`.
pub(crate) fn connect(url: &str) -> super::Result<Client> {
    let mut config: postgres::Config = url.parse().map_err(|e| db_error(url, &e))?;
    if config.get_password().is_none()
        && let Some(password) = std::env::var_os("PGPASSWORD")
    {
        config.password(password.as_encoded_bytes());
    }
    if config.get_application_name().is_none() {
        config.application_name("newsbag");
    }
    config.connect(NoTls).map_err(|e| db_error(url, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_kept_out_of_messages() {
        assert_eq!(
            redact("postgres://news:s3cret@db.example.org:5432/archive"),
            "postgres://news:…@db.example.org:5432/archive"
        );
        assert_eq!(
            redact("postgres://news@db/archive"),
            "postgres://news@db/archive"
        );
        assert_eq!(redact("postgresql://db/archive"), "postgresql://db/archive");
        assert_eq!(
            redact("host=db user=news password=s3cret dbname=a"),
            "host=db user=news password=… dbname=a"
        );
        // A password holding `@`: everything before the last `@` is the
        // user and password.
        assert_eq!(
            redact("postgres://news:p@ss@db/a"),
            "postgres://news:…@db/a"
        );
    }

    #[test]
    fn a_bad_url_is_a_clear_error_without_its_password() {
        let Err(err) = connect("postgres://news:s3cret@db:notaport/a") else {
            panic!("a port that is not a number was taken");
        };
        let text = err.to_string();
        assert!(text.contains("PostgreSQL catalog"), "{text}");
        assert!(!text.contains("s3cret"), "{text}");
    }
}
