//! Progress reporting from the library, without any terminal code: the CLI
//! implements [`Reporter`] with a progress bar (uv's reporter pattern).

/// Receives progress events. Implementations must be cheap and thread-safe:
/// hashing threads call [`Reporter::advance`] for every chunk.
pub trait Reporter: Sync {
    /// Work is about to start: this many files and bytes will be processed.
    fn start(&self, _files: u64, _bytes: u64) {}
    /// `bytes` more bytes have been processed.
    fn advance(&self, _bytes: u64) {}
    /// One more file is done.
    fn file_done(&self) {}
    /// All work is done.
    fn finish(&self) {}
}

/// A reporter that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Reporter for NoProgress {}
