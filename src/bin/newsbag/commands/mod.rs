//! One function per subcommand, each a few lines calling the library.

mod audit;
mod bag;
mod catalog;
mod detect;
mod export;
mod extract;
mod find;
mod generate;
mod history;
mod ingest;
mod normalize;
mod replicate;
mod s3;
mod serve;
mod show;
mod status;
mod verify;

use crate::args::{Args, Command};
use crate::exit::Outcome;

/// An archive named `s3://BUCKET/PREFIX` on the command line: its local
/// reading copy, made or brought up to date from the bucket.
#[cfg_attr(not(feature = "s3"), allow(clippy::ptr_arg))]
fn local_root(path: &mut std::path::PathBuf) -> anyhow::Result<()> {
    let text = path.to_string_lossy().into_owned();
    if !s3::is_s3_url(&text) {
        return Ok(());
    }
    #[cfg(feature = "s3")]
    {
        *path = newsbag::archive::bags::Bags::reading_copy(&text)?;
        Ok(())
    }
    #[cfg(not(feature = "s3"))]
    anyhow::bail!("`{text}`: this newsbag was built without S3 support (feature `s3`)")
}

/// Runs the parsed command line.
pub(crate) fn run(mut args: Args) -> anyhow::Result<Outcome> {
    #[cfg(feature = "s3")]
    {
        let mut settings = Vec::new();
        if let Some(e) = &args.global.s3_endpoint {
            settings.push(("AWS_ENDPOINT_URL", e.as_str()));
        }
        if let Some(r) = &args.global.s3_region {
            settings.push(("AWS_REGION", r.as_str()));
        }
        newsbag::store::configure(&settings);
    }
    match &mut args.command {
        Command::Ingest(c) if s3::is_s3_url(&c.archive.to_string_lossy()) => anyhow::bail!(
            "`{}`: an archive's root is a local directory; its bags go to a bucket with \
             `--archive DIR --bags-in s3://BUCKET/PREFIX`",
            c.archive.display()
        ),
        Command::Audit(c) => local_root(&mut c.archive)?,
        Command::Status(c) => local_root(&mut c.archive)?,
        Command::History(c) => local_root(&mut c.archive)?,
        Command::Find(c) => local_root(&mut c.archive)?,
        Command::Show(c) => local_root(&mut c.archive)?,
        Command::Export(c) => local_root(&mut c.archive)?,
        Command::Replicate(c) => local_root(&mut c.archive)?,
        Command::Serve(c) => local_root(&mut c.archive)?,
        // An archive, not a zip in a bucket.
        Command::Extract(c)
            if !c
                .zip
                .to_string_lossy()
                .to_ascii_lowercase()
                .ends_with(".zip") =>
        {
            local_root(&mut c.zip)?;
        }
        _ => {}
    }
    match args.command {
        Command::Ingest(i) => ingest::run(&i, &args.global),
        Command::Bag(b) => bag::run(b, &args.global),
        Command::Verify(v) => verify::run(&v, &args.global),
        Command::Extract(e) => extract::run(&e, &args.global),
        Command::Audit(a) => audit::run(&a, &args.global),
        Command::Status(s) => status::run(&s, &args.global),
        Command::History(h) => history::run(&h),
        Command::Find(f) => find::run(&f),
        Command::Show(s) => show::run(&s),
        Command::Export(e) => export::run(&e, &args.global),
        Command::Replicate(r) => replicate::run(&r, &args.global),
        Command::Catalog(c) => catalog::run(&c, &args.global),
        Command::Serve(s) => serve::run(&s),
        Command::Generate(g) => generate::run(&g),
        Command::Detect(d) => detect::run(&d),
        Command::Normalize(n) => normalize::run(&n),
    }
}
