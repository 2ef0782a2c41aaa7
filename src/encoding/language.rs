//! Which single-byte encoding reads a sample as a language: character-pair
//! language models.
//!
//! chardetng (Firefox's detector) tells scripts apart well, but not the
//! encodings of one script from each other: Central European text in
//! ISO-8859-2, -4, -10, -13 or -16 against windows-1250/1252, Cyrillic in
//! x-mac-cyrillic against windows-1251. These differ in a few letters, and
//! what tells them apart is whether those letters sit where the language
//! puts them (chardet and uchardet learn the same from text, per language
//! and encoding).
//!
//! The model (`models/bigrams.bin`, built by
//! `scripts/build_encoding_models.py` from the word frequency lists of the
//! PyPI package wordfreq, CC-BY-SA 4.0) holds, per language, how likely
//! each pair of adjacent characters (lower case, a space for a word's start
//! or end) is among the pairs that hold a non-ASCII letter, and how likely
//! each non-ASCII letter is. A reading of the sample costs, per pair that
//! holds a non-ASCII byte, `-ln p` of the pair in the language that fits
//! the reading best; the cheapest reading is the likeliest.
//!
//! Cost: each candidate encoding's readings of the 155 × 155 possible byte
//! classes pairs (128 non-ASCII bytes, 26 ASCII letters, one for all other
//! ASCII bytes) are tabulated once per language the first time they are
//! needed; scoring a sample then costs one table look-up per distinct byte
//! pair, encoding and language.

use std::collections::HashMap;
use std::sync::{LazyLock, OnceLock};

use encoding_rs::{
    Encoding, IBM866, ISO_8859_2, ISO_8859_3, ISO_8859_4, ISO_8859_5, ISO_8859_7, ISO_8859_8,
    ISO_8859_10, ISO_8859_13, ISO_8859_15, ISO_8859_16, KOI8_R, KOI8_U, MACINTOSH, WINDOWS_1250,
    WINDOWS_1251, WINDOWS_1252, WINDOWS_1253, WINDOWS_1254, WINDOWS_1255, WINDOWS_1257,
    WINDOWS_1258, X_MAC_CYRILLIC,
};

/// The model file (see the module documentation for its source and
/// licence, `scripts/build_encoding_models.py` for its format).
static MODEL_BYTES: &[u8] = include_bytes!("models/bigrams.bin");

/// The encodings the models choose among, most used first: a tie (two
/// readings equally likely) goes to the earlier one.
pub(crate) const CANDIDATES: [&Encoding; 23] = [
    WINDOWS_1252,
    WINDOWS_1250,
    WINDOWS_1251,
    WINDOWS_1253,
    WINDOWS_1254,
    WINDOWS_1255,
    WINDOWS_1257,
    WINDOWS_1258,
    KOI8_R,
    ISO_8859_2,
    ISO_8859_5,
    ISO_8859_7,
    ISO_8859_8,
    ISO_8859_15,
    ISO_8859_13,
    ISO_8859_4,
    ISO_8859_10,
    ISO_8859_16,
    ISO_8859_3,
    KOI8_U,
    IBM866,
    X_MAC_CYRILLIC,
    MACINTOSH,
];

/// Costs are `-ln p` in eighths (as the model file stores them).
const SCALE: f32 = 8.0;
/// A pair of letters the language never has (about p = 1e-6).
const UNSEEN: u32 = 112;
/// An unlisted pair costs the rarer letter's cost plus this (about ×1/150).
const BACKOFF: u32 = 40;
/// A control character or an undefined byte (the candidate is not scored
/// at all then; kept for completeness).
const CONTROL: u32 = 224;
/// A non-letter (punctuation, symbol) next to a letter or another
/// non-letter, as `„` or `…` read inside a word (p ≈ 1e-4).
const SYMBOL_IN_WORD: u32 = 72;
/// A non-letter next to a word boundary (p ≈ 1e-2): quotes, dashes,
/// no-break spaces are common there.
const SYMBOL_AT_BOUNDARY: u32 = 37;

/// Byte classes: 0–127 the non-ASCII bytes, 128–153 ASCII letters (case
/// folded), 154 every other ASCII byte (a word boundary).
const CLASSES: usize = 155;
const BOUNDARY: usize = 154;

/// The class of a byte.
#[inline]
fn class(b: u8) -> usize {
    if b >= 0x80 {
        usize::from(b - 0x80)
    } else if b.is_ascii_alphabetic() {
        128 + usize::from(b.to_ascii_lowercase() - b'a')
    } else {
        BOUNDARY
    }
}

struct Language {
    /// Pair costs.
    pairs: HashMap<(char, char), u8>,
    /// Non-ASCII letter costs.
    letters: HashMap<char, u8>,
}

/// The parsed model; empty if the file were malformed (detection then
/// simply goes without it, and a test checks that it parses).
static LANGUAGES: LazyLock<Vec<Language>> =
    LazyLock::new(|| parse(MODEL_BYTES).unwrap_or_default());

fn parse(bytes: &[u8]) -> Option<Vec<Language>> {
    let mut at = bytes.strip_prefix(b"NBLM1")?;
    let mut take = |n: usize| -> Option<&[u8]> {
        let (head, rest) = at.split_at_checked(n)?;
        at = rest;
        Some(head)
    };
    let count = *take(1)?.first()?;
    let mut languages = Vec::new();
    for _ in 0..count {
        let len = usize::from(*take(1)?.first()?);
        take(len)?;
        let u16_at = |b: &[u8], i: usize| -> Option<u16> {
            Some(u16::from_le_bytes([*b.get(i)?, *b.get(i + 1)?]))
        };
        let n = usize::from(u16_at(take(2)?, 0)?);
        let mut pairs = HashMap::with_capacity(n);
        for _ in 0..n {
            let e = take(5)?;
            let a = char::from_u32(u32::from(u16_at(e, 0)?))?;
            let b = char::from_u32(u32::from(u16_at(e, 2)?))?;
            pairs.insert((a, b), *e.get(4)?);
        }
        let n = usize::from(u16_at(take(2)?, 0)?);
        let mut letters = HashMap::with_capacity(n);
        for _ in 0..n {
            let e = take(3)?;
            letters.insert(char::from_u32(u32::from(u16_at(e, 0)?))?, *e.get(2)?);
        }
        languages.push(Language { pairs, letters });
    }
    at.is_empty().then_some(languages)
}

/// What a byte class reads as in one encoding.
#[derive(Clone, Copy, PartialEq)]
enum Read {
    Boundary,
    /// A letter, in lower case.
    Letter(char),
    Symbol,
    /// A control character or an undefined byte.
    Control,
}

/// The reading of every byte class in each candidate encoding.
static READINGS: LazyLock<Vec<[Read; CLASSES]>> = LazyLock::new(|| {
    CANDIDATES
        .iter()
        .map(|&enc| {
            let mut reads = [Read::Boundary; CLASSES];
            for b in 0x80..=0xFFu8 {
                let byte = [b];
                let (text, errors) = enc.decode_without_bom_handling(&byte);
                let mut chars = text.chars();
                let read = match (errors, chars.next(), chars.next()) {
                    (false, Some(c), None) if c.is_alphabetic() => {
                        let mut lower = c.to_lowercase();
                        match (lower.next(), lower.next()) {
                            (Some(l), None) => Read::Letter(l),
                            _ => Read::Letter(c),
                        }
                    }
                    (false, Some(c), None) if !c.is_control() => Read::Symbol,
                    _ => Read::Control,
                };
                if let Some(slot) = reads.get_mut(usize::from(b - 0x80)) {
                    *slot = read;
                }
            }
            for b in b'a'..=b'z' {
                if let Some(slot) = reads.get_mut(class(b)) {
                    *slot = Read::Letter(char::from(b));
                }
            }
            reads
        })
        .collect()
});

/// Whether a language's letters are (almost all) written in an encoding:
/// 95 % of its non-ASCII letters by frequency. Other pairs are not scored
/// (the encoding cannot hold text in that language).
fn covers(reads: &[Read; CLASSES], language: &Language) -> bool {
    let (mut all, mut held) = (0f64, 0f64);
    for (&c, &cost) in &language.letters {
        let p = (-f64::from(cost) / f64::from(SCALE)).exp();
        all += p;
        if reads.contains(&Read::Letter(c)) {
            held += p;
        }
    }
    all > 0.0 && held >= 0.95 * all
}

/// The cost of a pair of readings in a language.
fn pair_cost(a: Read, b: Read, language: &Language) -> u32 {
    match (a, b) {
        (Read::Control, _) | (_, Read::Control) => CONTROL,
        (Read::Symbol, Read::Letter(_) | Read::Symbol) | (Read::Letter(_), Read::Symbol) => {
            SYMBOL_IN_WORD
        }
        (Read::Symbol | Read::Boundary, Read::Symbol | Read::Boundary) => SYMBOL_AT_BOUNDARY,
        (Read::Letter(x), Read::Boundary) => letter_pair(x, ' ', language),
        (Read::Boundary, Read::Letter(y)) => letter_pair(' ', y, language),
        (Read::Letter(x), Read::Letter(y)) => letter_pair(x, y, language),
    }
}

fn letter_pair(x: char, y: char, language: &Language) -> u32 {
    if let Some(&cost) = language.pairs.get(&(x, y)) {
        return u32::from(cost);
    }
    let single = |c: char| -> u32 {
        if c.is_ascii() {
            0
        } else {
            language.letters.get(&c).map_or(UNSEEN, |&k| u32::from(k))
        }
    };
    (BACKOFF + single(x).max(single(y))).min(UNSEEN)
}

/// The pair-cost table of candidate `e` (index into [`CANDIDATES`]) in
/// language `l`, `None` if the encoding does not cover the language; made
/// on first use.
fn table(e: usize, l: usize) -> Option<&'static [u8]> {
    static TABLES: LazyLock<Vec<OnceLock<Option<Box<[u8]>>>>> = LazyLock::new(|| {
        (0..CANDIDATES.len() * LANGUAGES.len())
            .map(|_| OnceLock::new())
            .collect()
    });
    let slot = TABLES.get(e * LANGUAGES.len() + l)?;
    slot.get_or_init(|| {
        let reads = READINGS.get(e)?;
        let language = LANGUAGES.get(l)?;
        if !covers(reads, language) {
            return None;
        }
        let mut costs = vec![0u8; CLASSES * CLASSES];
        for (i, &a) in reads.iter().enumerate() {
            for (j, &b) in reads.iter().enumerate() {
                if i >= 128 && j >= 128 {
                    // Two ASCII bytes: never scored.
                    continue;
                }
                let cost = pair_cost(a, b, language).min(255);
                if let Some(slot) = costs.get_mut(i * CLASSES + j) {
                    *slot = u8::try_from(cost).unwrap_or(u8::MAX);
                }
            }
        }
        Some(costs.into_boxed_slice())
    })
    .as_deref()
}

/// How well one candidate reads a sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Fit {
    pub(crate) encoding: &'static Encoding,
    /// Mean cost per scored pair in nats (`-ln p`): lower is likelier.
    pub(crate) cost: f32,
}

/// The candidates that read `sample` without a control character or an
/// undefined byte, each with its cost in the language that fits it best,
/// cheapest first (ties in [`CANDIDATES`] order). Empty if the sample has
/// no non-ASCII byte or no candidate covers a language.
pub(crate) fn rank(sample: &[u8]) -> Vec<Fit> {
    if !sample.iter().any(|&b| b >= 0x80) || LANGUAGES.is_empty() {
        return Vec::new();
    }
    // The distinct pairs holding a non-ASCII byte, with their counts (the
    // sample's ends are word boundaries).
    let mut codes: Vec<u16> = Vec::with_capacity(sample.len() + 1);
    let mut present = [false; 128];
    let mut prev = BOUNDARY;
    for &b in sample.iter().chain(std::iter::once(&b' ')) {
        let c = class(b);
        if let Some(p) = present.get_mut(c) {
            *p = true;
        }
        if c < 128 || prev < 128 {
            codes.push(u16::try_from(prev * CLASSES + c).unwrap_or(0));
        }
        prev = c;
    }
    codes.sort_unstable();
    let mut pairs: Vec<(usize, u32)> = Vec::new();
    for code in codes {
        match pairs.last_mut() {
            Some((last, n)) if *last == usize::from(code) => *n += 1,
            _ => pairs.push((usize::from(code), 1)),
        }
    }
    let total: u32 = pairs.iter().map(|&(_, n)| n).sum();
    let mut fits = Vec::new();
    for (e, &encoding) in CANDIDATES.iter().enumerate() {
        let Some(reads) = READINGS.get(e) else {
            continue;
        };
        let clean = present
            .iter()
            .zip(reads.iter())
            .all(|(&p, &r)| !p || r != Read::Control);
        if !clean {
            continue;
        }
        let mut best: Option<u32> = None;
        for l in 0..LANGUAGES.len() {
            let Some(costs) = table(e, l) else {
                continue;
            };
            let mut sum = 0u32;
            for &(code, n) in &pairs {
                sum += n * u32::from(costs.get(code).copied().unwrap_or(u8::MAX));
                if best.is_some_and(|b| sum >= b) {
                    break;
                }
            }
            if best.is_none_or(|b| sum < b) {
                best = Some(sum);
            }
        }
        if let Some(sum) = best {
            let cost = sum as f32 / (total.max(1) as f32 * SCALE);
            fits.push(Fit { encoding, cost });
        }
    }
    // Stable: equal costs keep the CANDIDATES order.
    fits.sort_by(|a, b| a.cost.total_cmp(&b.cost));
    fits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_parses_and_every_candidate_covers_a_language() {
        let languages = parse(MODEL_BYTES).expect("the model parses");
        assert!(languages.len() >= 20);
        for (e, enc) in CANDIDATES.iter().enumerate() {
            let covered = (0..languages.len())
                .filter(|&l| table(e, l).is_some())
                .count();
            assert!(covered > 0, "{}", enc.name());
        }
    }

    /// Whether the best-ranked reading of `text` written in `enc` gives
    /// the text back.
    fn reads_back(text: &str, enc: &'static Encoding) -> bool {
        let (bytes, _, unmappable) = enc.encode(text);
        assert!(!unmappable, "{}", enc.name());
        let fits = rank(&bytes);
        let best = fits.first().expect("a fit").encoding;
        best.decode_without_bom_handling(&bytes).0 == text
    }

    #[test]
    fn tells_encodings_of_one_script_apart() {
        // Sentences written for this test.
        let hungarian = "A különböző műsorok időpontjai hétfőtől szerdáig változnak, \
                         a hűvös időjárás miatt több előadás elmarad.";
        let lithuanian = "Vyriausybė šiandien pritarė įstatymo pataisoms, \
                          kurios įsigalios kitų metų pradžioje.";
        let russian = "Правительство России объявило о новых мерах поддержки. \
                       Министр заявил, что Решение будет принято в Мае.";
        let polish = "Zażółć gęślą jaźń: rząd przyjął projekt ustawy o ochronie środowiska.";
        for (text, encodings) in [
            (hungarian, &[ISO_8859_2, WINDOWS_1250, ISO_8859_16][..]),
            (lithuanian, &[ISO_8859_13, ISO_8859_4, WINDOWS_1257][..]),
            (
                russian,
                &[X_MAC_CYRILLIC, WINDOWS_1251, KOI8_R, IBM866, ISO_8859_5][..],
            ),
            (polish, &[ISO_8859_2, WINDOWS_1250, ISO_8859_16][..]),
        ] {
            for &enc in encodings {
                assert!(reads_back(text, enc), "{} {text}", enc.name());
            }
        }
    }

    #[test]
    fn ascii_has_no_fit() {
        assert!(rank(b"plain ASCII text").is_empty());
    }
}
