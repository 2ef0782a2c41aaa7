//! Keeping the best matches of a ranked search, and every match tied with
//! the last of them, in one pass over the matches as FTS5 gives them
//! (rowid order, each with its bm25 score), in memory bounded by what is
//! kept. Lower scores are better (bm25 as SQLite gives it).
//!
//! News ranks with many ties (items of one feed often have texts of the
//! same length), so "the best 20" is "the best 20 and everything scoring
//! as well as the 20th": the page is then sorted by score and, within a
//! score, by date, bag and id, exactly as the whole query would sort it.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A match: its score and rowid.
#[derive(Debug, Clone, Copy)]
struct Scored(f64, i64);

impl PartialEq for Scored {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Scored {}

impl PartialOrd for Scored {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Scored {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0).then(self.1.cmp(&other.1))
    }
}

/// The best `wanted` matches seen so far and those tied with the worst of
/// them.
#[derive(Debug)]
pub(crate) struct Best {
    wanted: usize,
    /// The best `wanted`, worst on top.
    heap: BinaryHeap<Scored>,
    /// Matches scoring exactly as the top of the heap, beyond `wanted`.
    ties: Vec<Scored>,
    max_ties: usize,
}

impl Best {
    /// Keeps the best `wanted` (at least one) and at most `max_ties` more
    /// tied with the last of them.
    pub(crate) fn new(wanted: usize, max_ties: usize) -> Self {
        Best {
            wanted: wanted.max(1),
            heap: BinaryHeap::new(),
            ties: Vec::new(),
            max_ties,
        }
    }

    /// Takes in one match; `false` once the ties kept would pass
    /// `max_ties` (what is kept is then incomplete).
    pub(crate) fn push(&mut self, score: f64, rowid: i64) -> bool {
        let m = Scored(score, rowid);
        let Some(&top) = self.heap.peek() else {
            self.heap.push(m);
            return true;
        };
        if self.heap.len() < self.wanted {
            self.heap.push(m);
            return true;
        }
        match score.total_cmp(&top.0) {
            Ordering::Less => {
                let out = self.heap.pop().unwrap_or(top);
                self.heap.push(m);
                let new_top = self.heap.peek().map_or(f64::NAN, |t| t.0);
                if out.0.total_cmp(&new_top) == Ordering::Equal {
                    self.ties.push(out);
                } else {
                    // The top improved: what was tied with it no longer
                    // ties with the last kept.
                    self.ties.clear();
                }
            }
            Ordering::Equal => self.ties.push(m),
            Ordering::Greater => {}
        }
        self.ties.len() <= self.max_ties
    }

    /// The matches kept, best first (rowid order within a score), as
    /// `(rowid, score)`.
    pub(crate) fn into_sorted(self) -> Vec<(i64, f64)> {
        let mut all: Vec<Scored> = self.heap.into_vec();
        all.extend(self.ties);
        all.sort();
        all.into_iter().map(|Scored(s, r)| (r, s)).collect()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The reference: sort everything, keep the first `wanted` and every
    /// match scoring as well as the last of them.
    fn reference(matches: &[(f64, i64)], wanted: usize) -> Vec<(i64, f64)> {
        let mut all: Vec<Scored> = matches.iter().map(|&(s, r)| Scored(s, r)).collect();
        all.sort();
        let Some(cut) = all.get(wanted.max(1) - 1).or(all.last()).map(|m| m.0) else {
            return Vec::new();
        };
        all.into_iter()
            .filter(|m| m.0 <= cut)
            .map(|Scored(s, r)| (r, s))
            .collect()
    }

    #[test]
    fn ties_of_the_last_are_kept_and_dropped_when_it_improves() {
        let mut best = Best::new(2, 100);
        for (s, r) in [(-1.0, 1), (-1.0, 2), (-1.0, 3), (-1.0, 4)] {
            assert!(best.push(s, r));
        }
        assert_eq!(best.into_sorted().len(), 4);
        let mut best = Best::new(2, 100);
        for (s, r) in [
            (-1.0, 1),
            (-1.0, 2),
            (-1.0, 3),
            (-2.0, 4),
            (-3.0, 5),
            (-1.0, 6),
        ] {
            best.push(s, r);
        }
        assert_eq!(best.into_sorted(), [(5, -3.0), (4, -2.0)]);
        let mut best = Best::new(1, 1);
        assert!(best.push(-1.0, 1));
        assert!(best.push(-1.0, 2));
        assert!(!best.push(-1.0, 3), "a second tie passes max_ties = 1");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Few distinct scores, so that ties are the rule.
        #[test]
        fn keeps_what_sorting_everything_keeps(
            scores in proptest::collection::vec(-6i8..0, 0..200),
            wanted in 1usize..40,
        ) {
            let matches: Vec<(f64, i64)> = scores
                .iter()
                .enumerate()
                .map(|(i, &s)| (f64::from(s) / 2.0, i64::try_from(i).unwrap()))
                .collect();
            let mut best = Best::new(wanted, usize::MAX);
            for &(s, r) in &matches {
                prop_assert!(best.push(s, r));
            }
            prop_assert_eq!(best.into_sorted(), reference(&matches, wanted));
        }
    }
}
