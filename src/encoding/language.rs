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
//! Cost: each language's model is a dense table of pair costs over its
//! alphabet; each candidate encoding maps its byte classes (128 non-ASCII
//! bytes, 26 ASCII letters, one for all other ASCII bytes) to a language's
//! alphabet once, the first time it is needed. Scoring a sample then costs
//! a few array look-ups per distinct byte pair, encoding and language, for
//! the languages whose letters the reading mostly holds, and stops as soon
//! as a reading is clearly worse than the best so far.

use std::collections::BTreeMap;
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
    MACINTOSH,
    X_MAC_CYRILLIC,
];

/// Costs are `-ln p` in eighths (as the model file stores them).
const SCALE: f32 = 8.0;
/// A pair of letters the language never has (about p = 1e-6).
const UNSEEN: u8 = 112;
/// An unlisted pair costs the rarer letter's cost plus this (about ×1/150).
const BACKOFF: u8 = 40;
/// A control character or an undefined byte (such candidates are not
/// scored at all; kept for completeness).
const CONTROL_COST: u8 = 224;
/// A non-letter (punctuation, symbol) next to a letter or another
/// non-letter, as `„` or `…` read inside a word (p ≈ 1e-4).
const SYMBOL_IN_WORD: u8 = 72;
/// A non-letter next to a word boundary (p ≈ 1e-2): quotes, dashes,
/// no-break spaces are common there.
const SYMBOL_AT_BOUNDARY: u8 = 37;

/// How many bytes of the sample are scored (the pairs of 512 bytes of
/// non-ASCII words tell the encodings of a script apart as well as those of
/// the whole sample do).
const SAMPLE_LIMIT: usize = 512;

/// Slots of the table that counts a sample's distinct pairs: more than
/// the pairs a sample can have (at most SAMPLE_LIMIT + 1).
const SLOTS: usize = 1024;

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

/// A language's alphabet indices: these five, then `a`–`z`, then its
/// non-ASCII letters.
const SPACE: u8 = 0;
const SYMBOL: u8 = 1;
const CONTROL: u8 = 2;
/// A letter the language does not have.
const STRANGER: u8 = 3;
/// The typographic apostrophe `’`, at home after a letter (`it’s`,
/// `l’état`, `Blanchard’s`), not at the start of a word.
const APOSTROPHE: u8 = 4;
const FIRST_LETTER: u8 = 5;

/// The script of a letter, as far as choosing languages to score goes.
fn script(c: char) -> u8 {
    match u32::from(c) {
        0x370..=0x3FF => 1,
        0x400..=0x52F => 2,
        0x590..=0x5FF => 3,
        0..=0x24F | 0x1E00..=0x1EFF => 0,
        _ => 4,
    }
}

struct Language {
    /// The script of most of its non-ASCII letters.
    script: u8,
    /// The index of each non-ASCII letter in the alphabet.
    index: BTreeMap<char, u8>,
    /// The frequency of each alphabet index among the non-ASCII letters
    /// (0 for the others).
    weight: Vec<f32>,
    /// The number of indices.
    size: usize,
    /// The cost of every pair of indices, `size × size`.
    costs: Vec<u8>,
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
    let u16_at = |b: &[u8], i: usize| -> Option<u16> {
        Some(u16::from_le_bytes([*b.get(i)?, *b.get(i + 1)?]))
    };
    let count = *take(1)?.first()?;
    let mut languages = Vec::new();
    for _ in 0..count {
        let len = usize::from(*take(1)?.first()?);
        take(len)?;
        let n = usize::from(u16_at(take(2)?, 0)?);
        let mut pairs = Vec::with_capacity(n);
        for _ in 0..n {
            let e = take(5)?;
            let a = char::from_u32(u32::from(u16_at(e, 0)?))?;
            let b = char::from_u32(u32::from(u16_at(e, 2)?))?;
            pairs.push((a, b, *e.get(4)?));
        }
        let n = usize::from(u16_at(take(2)?, 0)?);
        let mut letters = Vec::with_capacity(n);
        for _ in 0..n {
            let e = take(3)?;
            letters.push((char::from_u32(u32::from(u16_at(e, 0)?))?, *e.get(2)?));
        }
        languages.push(Language::new(&pairs, &letters)?);
    }
    at.is_empty().then_some(languages)
}

impl Language {
    fn new(pairs: &[(char, char, u8)], letters: &[(char, u8)]) -> Option<Language> {
        let mut index = BTreeMap::new();
        // The letter cost of each index: 0 for a–z and the boundary.
        let mut single = vec![0u8, 0, 0, UNSEEN, 0];
        single.extend([0u8; 26]);
        let mut weight = vec![0f32; single.len()];
        let pair_letters = pairs
            .iter()
            .flat_map(|&(a, b, _)| [(a, UNSEEN), (b, UNSEEN)]);
        for (c, cost) in letters.iter().copied().chain(pair_letters) {
            if c.is_ascii() || index.contains_key(&c) {
                continue;
            }
            index.insert(c, u8::try_from(single.len()).ok()?);
            single.push(cost);
            weight.push((-f32::from(cost) / SCALE).exp());
        }
        let size = single.len();
        let mut scripts = [0f32; 5];
        for (&c, &i) in &index {
            if let Some(n) = scripts.get_mut(usize::from(script(c))) {
                *n += weight.get(usize::from(i)).copied().unwrap_or(0.0);
            }
        }
        let script = (0..5u8)
            .max_by(|&a, &b| {
                let n = |k: u8| scripts.get(usize::from(k)).copied().unwrap_or(0.0);
                n(a).total_cmp(&n(b))
            })
            .unwrap_or(0);
        let mut costs = vec![0u8; size * size];
        for i in 0..size {
            for j in 0..size {
                let (a, b) = (u8::try_from(i).ok()?, u8::try_from(j).ok()?);
                let letter = |k: u8| k == STRANGER || k >= FIRST_LETTER;
                let cost = if a == CONTROL || b == CONTROL {
                    CONTROL_COST
                } else if a == APOSTROPHE || b == APOSTROPHE {
                    // After a letter, before a letter, before a word's end;
                    // never at a word's start or beside a symbol.
                    if (a == APOSTROPHE && (letter(b) || b == SPACE))
                        || (b == APOSTROPHE && letter(a))
                    {
                        SYMBOL_AT_BOUNDARY
                    } else {
                        SYMBOL_IN_WORD
                    }
                } else if a == SYMBOL || b == SYMBOL {
                    if a == SPACE || b == SPACE {
                        SYMBOL_AT_BOUNDARY
                    } else {
                        SYMBOL_IN_WORD
                    }
                } else {
                    let rarer = single.get(i)?.max(single.get(j)?);
                    BACKOFF.saturating_add(*rarer).min(UNSEEN)
                };
                *costs.get_mut(i * size + j)? = cost;
            }
        }
        let idx = |c: char| -> Option<usize> {
            match c {
                ' ' => Some(usize::from(SPACE)),
                'a'..='z' => Some(usize::from(FIRST_LETTER) + (c as usize - 'a' as usize)),
                _ => index.get(&c).map(|&i| usize::from(i)),
            }
        };
        for &(a, b, cost) in pairs {
            if let (Some(i), Some(j)) = (idx(a), idx(b)) {
                *costs.get_mut(i * size + j)? = cost;
            }
        }
        Some(Language {
            script,
            index,
            weight,
            size,
            costs,
        })
    }
}

/// What a byte class reads as in one encoding.
#[derive(Clone, Copy, PartialEq)]
enum Read {
    Boundary,
    /// A letter, in lower case.
    Letter(char),
    Symbol,
    /// `’` (U+2019) or `ʼ` (U+02BC).
    Apostrophe,
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
                    (false, Some('\u{2019}' | '\u{02BC}'), None) => Read::Apostrophe,
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

/// The alphabet index of each byte class of candidate `e` (index into
/// [`CANDIDATES`]) in language `l`, or `None` if the encoding does not
/// hold 95 % of the language's non-ASCII letters (by frequency): text in
/// that language cannot be written in it. Made on first use.
fn class_map(e: usize, l: usize) -> Option<&'static [u8; CLASSES]> {
    static MAPS: LazyLock<Vec<OnceLock<Option<[u8; CLASSES]>>>> = LazyLock::new(|| {
        (0..CANDIDATES.len() * LANGUAGES.len())
            .map(|_| OnceLock::new())
            .collect()
    });
    let slot = MAPS.get(e * LANGUAGES.len() + l)?;
    slot.get_or_init(|| {
        let reads = READINGS.get(e)?;
        let language = LANGUAGES.get(l)?;
        let mut map = [SPACE; CLASSES];
        let mut held = vec![false; language.size];
        for (slot, &read) in map.iter_mut().zip(reads.iter()) {
            *slot = match read {
                Read::Boundary => SPACE,
                Read::Symbol => SYMBOL,
                Read::Apostrophe => APOSTROPHE,
                Read::Control => CONTROL,
                Read::Letter(c) if c.is_ascii_lowercase() => FIRST_LETTER + (c as u8 - b'a'),
                Read::Letter(c) => language.index.get(&c).copied().unwrap_or(STRANGER),
            };
            if let Some(h) = held.get_mut(usize::from(*slot)) {
                *h = true;
            }
        }
        let all: f32 = language.weight.iter().sum();
        let covered: f32 = language
            .weight
            .iter()
            .zip(&held)
            .filter(|(_, h)| **h)
            .map(|(w, _)| w)
            .sum();
        (all > 0.0 && covered >= 0.95 * all).then_some(map)
    })
    .as_ref()
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
/// cheapest first (ties in [`CANDIDATES`] order). Readings costing more
/// than `spread` eighths of a nat per pair above the cheapest are left out (they are
/// not scored to the end). `first` (chardetng's guess) is scored first,
/// which makes that cut-off bite early. Empty if the sample has no
/// non-ASCII byte.
pub(crate) fn rank(sample: &[u8], first: &'static Encoding, spread: u32) -> Vec<Fit> {
    if !sample.iter().any(|&b| b >= 0x80) || LANGUAGES.is_empty() {
        return Vec::new();
    }
    // The distinct pairs holding a non-ASCII byte, with their counts (the
    // sample's ends are word boundaries); the distinct non-ASCII bytes,
    // with theirs.
    // (An open-addressing table of pair codes: far fewer slots to clear
    // than there are possible pairs.)
    let sample = sample.get(..SAMPLE_LIMIT).unwrap_or(sample);
    let mut slots = [(u16::MAX, 0u16); SLOTS];
    let mut codes: Vec<usize> = Vec::with_capacity(sample.len() + 1);
    let mut occurs = [0u32; 128];
    let mut prev = BOUNDARY;
    for &b in sample.iter().chain(std::iter::once(&b' ')) {
        let c = class(b);
        if let Some(n) = occurs.get_mut(c) {
            *n += 1;
        }
        if c < 128 || prev < 128 {
            let code = u16::try_from(prev * CLASSES + c).unwrap_or(0);
            let mut at = usize::from(code.wrapping_mul(0x9E37)) % SLOTS;
            loop {
                match slots.get_mut(at) {
                    Some((k, n)) if *k == code => {
                        *n = n.saturating_add(1);
                        break;
                    }
                    Some((k, n)) if *k == u16::MAX => {
                        (*k, *n) = (code, 1);
                        codes.push(at);
                        break;
                    }
                    Some(_) => at = (at + 1) % SLOTS,
                    None => break,
                }
            }
        }
        prev = c;
    }
    let pairs: Vec<(usize, usize, u32)> = codes
        .iter()
        .filter_map(|&at| slots.get(at))
        .map(|&(code, n)| {
            let code = usize::from(code);
            (code / CLASSES, code % CLASSES, u32::from(n))
        })
        .collect();
    let bytes: Vec<(usize, u32)> = (0..128)
        .filter_map(|c| occurs.get(c).filter(|&&n| n > 0).map(|&n| (c, n)))
        .collect();
    let total: u32 = pairs.iter().map(|&(_, _, n)| n).sum();
    let slack = spread.saturating_mul(total);
    let order = CANDIDATES
        .iter()
        .position(|&c| c == first)
        .into_iter()
        .chain((0..CANDIDATES.len()).filter(|&e| CANDIDATES.get(e) != Some(&first)));
    let mut cheapest: Option<u32> = None;
    let mut fits: Vec<(usize, u32)> = Vec::new();
    for e in order {
        let Some(reads) = READINGS.get(e) else {
            continue;
        };
        // No control character or undefined byte; the script most of the
        // letters read are in.
        let mut scripts = [0u32; 5];
        let mut clean = true;
        for &(c, n) in &bytes {
            match reads.get(c) {
                Some(Read::Letter(l)) => {
                    if let Some(k) = scripts.get_mut(usize::from(script(*l))) {
                        *k += n;
                    }
                }
                Some(Read::Control) | None => clean = false,
                _ => {}
            }
        }
        if !clean {
            continue;
        }
        let letters: u32 = scripts.iter().sum();
        let main = (0..5u8)
            .max_by_key(|&k| scripts.get(usize::from(k)).copied().unwrap_or(0))
            .unwrap_or(0);
        let mut best: Option<u32> = None;
        for (l, language) in LANGUAGES.iter().enumerate() {
            if letters > 0 && language.script != main {
                continue;
            }
            let Some(map) = class_map(e, l) else {
                continue;
            };
            // A reading whose letters are mostly foreign to the language
            // is not read as that language.
            let known: u32 = bytes
                .iter()
                .filter(|&&(c, _)| map.get(c).is_some_and(|&i| i >= FIRST_LETTER))
                .map(|&(_, n)| n)
                .sum();
            if known * 2 < letters {
                continue;
            }
            let bound = match (best, cheapest) {
                (Some(b), Some(c)) => b.min(c + slack),
                (Some(b), None) => b,
                (None, Some(c)) => c + slack,
                (None, None) => u32::MAX,
            };
            let mut sum = 0u32;
            for &(a, b, n) in &pairs {
                let (i, j) = (
                    usize::from(map.get(a).copied().unwrap_or(CONTROL)),
                    usize::from(map.get(b).copied().unwrap_or(CONTROL)),
                );
                let cost = language.costs.get(i * language.size + j).copied();
                sum += n * u32::from(cost.unwrap_or(CONTROL_COST));
                if sum > bound {
                    break;
                }
            }
            if sum <= bound {
                best = Some(sum);
            }
        }
        if let Some(sum) = best {
            cheapest = Some(cheapest.map_or(sum, |c| c.min(sum)));
            fits.push((e, sum));
        }
    }
    let limit = cheapest.map_or(0, |c| c + slack);
    fits.retain(|&(_, sum)| sum <= limit);
    // Cheapest first; ties in CANDIDATES order.
    fits.sort_by_key(|&(e, sum)| (sum, e));
    fits.iter()
        .filter_map(|&(e, sum)| {
            Some(Fit {
                encoding: CANDIDATES.get(e)?,
                cost: sum as f32 / (total.max(1) as f32 * SCALE),
            })
        })
        .collect()
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
                .filter(|&l| class_map(e, l).is_some())
                .count();
            assert!(covered > 0, "{}", enc.name());
        }
    }

    /// Whether the best-ranked reading of `text` written in `enc` gives
    /// the text back.
    fn reads_back(text: &str, enc: &'static Encoding) -> bool {
        let (bytes, _, unmappable) = enc.encode(text);
        assert!(!unmappable, "{}", enc.name());
        let fits = rank(&bytes, WINDOWS_1252, 8);
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
        assert!(rank(b"plain ASCII text", WINDOWS_1252, 8).is_empty());
    }
}
