//! Exit codes, designed once (fd's `exit_codes.rs`).

use std::process::ExitCode;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Outcome {
    /// Success; every bag verified is valid (warnings allowed).
    Valid,
    /// Finished, but at least one bag is invalid (or an input was rejected
    /// under `--keep-going`).
    Invalid,
    /// Usage error, I/O failure, unreadable or unsafe input.
    Errored,
}

impl Outcome {
    /// The combined outcome of several: an error beats an invalid bag, which
    /// beats a valid one (as in ripgrep).
    pub(crate) fn merge(outcomes: impl IntoIterator<Item = Outcome>) -> Outcome {
        outcomes.into_iter().max().unwrap_or(Outcome::Valid)
    }
}

impl From<Outcome> for ExitCode {
    fn from(o: Outcome) -> ExitCode {
        match o {
            Outcome::Valid => ExitCode::SUCCESS,
            Outcome::Invalid => ExitCode::from(1),
            Outcome::Errored => ExitCode::from(2),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Outcome::*;
    use super::*;

    #[test]
    fn merge_takes_the_worst() {
        assert_eq!(Outcome::merge([]), Valid);
        assert_eq!(Outcome::merge([Valid, Valid]), Valid);
        assert_eq!(Outcome::merge([Valid, Invalid, Valid]), Invalid);
        assert_eq!(Outcome::merge([Invalid, Errored, Valid]), Errored);
    }
}
