//! Verifying a bag a part at a time: which part a file or manifest entry
//! belongs to, and what is known of the whole bag while its parts are
//! verified (progress totals, the payload directory, the limit on
//! problems).

use crate::source::part_key;

/// One of `k` parts of a bag's files: those whose [`part_key`] (with
/// `seed`) is `p` modulo `k`. With `k == 1`, the whole bag.
#[derive(Debug, Clone, Copy)]
pub(super) struct Part {
    pub(super) p: usize,
    pub(super) k: usize,
    pub(super) seed: u64,
}

impl Part {
    /// Whether the file or entry at `path` belongs to this part.
    pub(super) fn owns(self, path: &str) -> bool {
        self.k == 1 || self.owns_key(part_key(path, self.seed))
    }

    pub(super) fn owns_key(self, key: u64) -> bool {
        self.k == 1 || key % self.k as u64 == self.p as u64
    }

    /// The part the file or entry at `path` belongs to.
    pub(super) fn owner(self, path: &str) -> usize {
        if self.k == 1 {
            return 0;
        }
        // Less than `k`, a `usize`.
        usize::try_from(part_key(path, self.seed) % self.k as u64).unwrap_or(0)
    }

    /// Whether this part reports what belongs to no file (it comes first).
    pub(super) fn is_first(self) -> bool {
        self.p == 0
    }
}

/// What is known of the whole bag before its parts are verified.
pub(super) struct Whole {
    /// Files and bytes announced to the reporter when there are several
    /// parts (the report's totals are counted from the parts).
    pub(super) progress: (u64, u64),
    /// Whether a `data/` directory exists: set before the parts are
    /// verified, or by them.
    pub(super) has_payload_dir: std::cell::Cell<bool>,
    /// The seed of [`part_key`].
    pub(super) seed: u64,
    /// Verification stops (and [`Whole::overflowed`] is set) once more
    /// problems than this have been found: an archive's findings are
    /// bounded ([`MAX_ZIP_PROBLEMS`]), a directory's are not.
    pub(super) max_problems: usize,
    /// Problems the caller holds apart (the listing of a ZIP part, CRC
    /// findings), counted against `max_problems`.
    pub(super) found_elsewhere: std::cell::Cell<usize>,
    pub(super) overflowed: std::cell::Cell<bool>,
}

impl Whole {
    pub(super) fn new(has_payload_dir: bool) -> Self {
        Whole {
            progress: (0, 0),
            has_payload_dir: std::cell::Cell::new(has_payload_dir),
            seed: 0,
            max_problems: usize::MAX,
            found_elsewhere: std::cell::Cell::new(0),
            overflowed: std::cell::Cell::new(false),
        }
    }

    /// Whether `problems` and those held elsewhere pass the limit (and if
    /// so, it is noted).
    pub(super) fn over(&self, problems: usize) -> bool {
        let over = problems.saturating_add(self.found_elsewhere.get()) > self.max_problems;
        if over {
            self.overflowed.set(true);
        }
        over
    }
}
