//! `s3://BUCKET/PREFIX` on the command line: zipped bags in a bucket,
//! verified in place (feature "s3").

use std::path::PathBuf;

use newsbag::{Level, Report, Result};

use crate::args::GlobalArgs;

/// Whether a command-line path names a location in S3.
pub(crate) fn is_s3_url(path: &str) -> bool {
    path.get(..5)
        .is_some_and(|s| s.eq_ignore_ascii_case("s3://"))
}

/// Verifies the zipped bag `s3://BUCKET/KEY.zip`, or every zipped bag under
/// `s3://BUCKET/PREFIX`, handing each result to `record` as `verify` does
/// for local bags.
#[cfg(feature = "s3")]
pub(crate) fn verify(
    url: &str,
    level: Level,
    global: &GlobalArgs,
    record: &mut impl FnMut(PathBuf, Result<Report>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    use newsbag::store::{S3Location, Store};
    let found = S3Location::parse(url).and_then(|loc| {
        let store = Store::connect(&loc.bucket)?;
        let keys = if loc.is_zip() {
            vec![loc.key.clone()]
        } else {
            store.list_zips(&loc.key)?
        };
        if keys.is_empty() {
            return Err(newsbag::Error::NotABag {
                path: loc.to_path(),
                reason: "no zipped bag (no key ending in .zip) under this prefix".into(),
            });
        }
        Ok((loc, store, keys))
    });
    let (loc, store, keys) = match found {
        Ok(found) => found,
        Err(e) => return record(PathBuf::from(url), Err(e)),
    };
    for key in keys {
        let bag = loc.with_key(&key).to_path();
        let progress = crate::output::Progress::new(global, "verifying");
        let before = (store.stats().bytes_read(), store.stats().requests());
        let result = store.open(&key).and_then(|reader| {
            let size = reader.len();
            let report = newsbag::verify::verify_zip_reader(reader, &bag, level, &progress);
            log::info!(
                "{}: read {} of {size} bytes in {} requests (at most {} bytes buffered)",
                bag.display(),
                store.stats().bytes_read() - before.0,
                store.stats().requests() - before.1,
                store.stats().peak_buffered(),
            );
            report
        });
        record(bag, result)?;
    }
    Ok(())
}

/// Without the "s3" feature, an `s3://` location is an error naming it.
#[cfg(not(feature = "s3"))]
pub(crate) fn verify(
    url: &str,
    _level: Level,
    _global: &GlobalArgs,
    record: &mut impl FnMut(PathBuf, Result<Report>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    record(
        PathBuf::from(url),
        Err(newsbag::Error::InvalidS3Url {
            url: url.to_owned(),
            reason: "this newsbag was built without the `s3` feature".into(),
        }),
    )
}
