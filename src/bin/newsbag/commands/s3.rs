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
    use newsbag::store::{Listed, S3Location, Store};
    let found = S3Location::parse(url).and_then(|loc| {
        let store = Store::connect(&loc.bucket)?;
        // One zip is opened with a request of its own (its size and
        // entity tag); a prefix's zips are opened as the listing found them.
        let listed = if loc.is_zip() {
            None
        } else {
            Some(store.list_zip_objects(&loc.key)?)
        };
        if listed.as_ref().is_some_and(Vec::is_empty) {
            return Err(newsbag::Error::NotABag {
                path: loc.to_path(),
                reason: "no zipped bag (no key ending in .zip) under this prefix".into(),
            });
        }
        Ok((loc, store, listed))
    });
    let (loc, store, listed) = match found {
        Ok(found) => found,
        Err(e) => return record(PathBuf::from(url), Err(e)),
    };
    let Some(listed) = listed else {
        let bag = loc.to_path();
        let result = store.open(&loc.key);
        return record(
            bag.clone(),
            result.and_then(|r| verify_one(&store, r, &bag, level, global)),
        );
    };
    // The next few small bags are fetched (whole) while one is verified:
    // the store's latency is paid once for several bags.
    let mut ahead: std::collections::VecDeque<(&Listed, newsbag::store::ObjectReader)> =
        std::collections::VecDeque::new();
    let mut next = listed.iter();
    loop {
        while ahead.len() < PREFETCH_BAGS {
            let Some(l) = next.next() else { break };
            let reader = store.open_listed(l);
            reader.prefetch();
            ahead.push_back((l, reader));
        }
        let Some((l, reader)) = ahead.pop_front() else {
            break;
        };
        let bag = loc.with_key(&l.key).to_path();
        let result = verify_one(&store, reader, &bag, level, global);
        record(bag, result)?;
    }
    Ok(())
}

/// Small bags of a prefix fetched ahead of the one being verified.
#[cfg(feature = "s3")]
const PREFETCH_BAGS: usize = 8;

/// Verifies one zipped bag read from `store`.
#[cfg(feature = "s3")]
fn verify_one(
    store: &newsbag::store::Store,
    reader: newsbag::store::ObjectReader,
    bag: &std::path::Path,
    level: Level,
    global: &GlobalArgs,
) -> Result<Report> {
    let progress = crate::output::Progress::new(global, "verifying");
    // This object's own counts: the store's also hold the bags fetched
    // ahead meanwhile.
    let probe = reader.clone();
    let size = reader.len();
    let report = newsbag::verify::verify_zip_reader(reader, bag, level, &progress);
    log::info!(
        "{}: read {} of {size} bytes in {} requests (at most {} bytes buffered)",
        bag.display(),
        probe.bytes_read(),
        probe.requests(),
        store.stats().peak_buffered(),
    );
    report
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
