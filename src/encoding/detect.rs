//! Encoding detection: BOM, declaration, UTF-8, UTF-16 without BOM,
//! statistics, fallback — in that order.

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{
    BIG5, EUC_JP, EUC_KR, Encoding, ISO_2022_JP, ISO_8859_6, SHIFT_JIS, UTF_8, UTF_16BE, UTF_16LE,
    WINDOWS_1252, WINDOWS_1256,
};

use unicode_normalization::char::is_public_assigned;

use super::score::{Plausibility, plausibility};
use super::{DetectedBy, Detection};

/// How many bytes of an input detection examines at most (1 MiB). A longer
/// input is judged by this prefix, so a 1 GB single line costs no more than
/// a 1 MiB one.
pub const DETECT_LIMIT: usize = 1 << 20;

/// How many bytes the in-band declaration is looked for in.
const DECLARATION_LIMIT: usize = 4096;

/// How many bytes of non-ASCII words the plausibility check decodes per
/// candidate encoding.
const SAMPLE_LIMIT: usize = 1024;

/// How many bytes of the non-ASCII sample chardetng is fed (its cost grows
/// with the input, and 1 KiB of non-ASCII words is plenty for it).
const CHARDETNG_SAMPLE_LIMIT: usize = 256;

/// How many bytes chardetng is fed when there is no non-ASCII word.
const CHARDETNG_LIMIT: usize = 64 * 1024;

/// A candidate must be this much more plausible (share of good words) to
/// overrule chardetng's own guess or a declaration.
const MARGIN: f32 = 0.1;

/// Top-level domains whose chardetng guesses are proposed as candidates: one
/// per family of legacy encodings (chardetng biases its guess toward the
/// encodings native to a domain).
const TLD_HINTS: &[&[u8]] = &[
    b"ir", b"ru", b"jp", b"cn", b"tw", b"kr", b"gr", b"il", b"tr", b"cz", b"pl", b"lt", b"de",
    b"th",
];

pub(super) fn detect_prefix(
    bytes: &[u8],
    complete: bool,
    given: Option<&'static Encoding>,
) -> Detection {
    let mut d = detect_without_error_check(bytes, complete, given);
    let examined = bytes.get(..DETECT_LIMIT).unwrap_or(bytes);
    d.had_errors = has_errors(examined, &d, complete && examined.len() == bytes.len());
    d
}

/// Detection, leaving `had_errors` false: for callers that decode the whole
/// input anyway and learn it then.
pub(super) fn detect_without_error_check(
    bytes: &[u8],
    complete: bool,
    given: Option<&'static Encoding>,
) -> Detection {
    detect_without_error_check_hinted(bytes, complete, given, false)
}

/// [`detect_without_error_check`] for a caller who knows that all of
/// `bytes` is valid UTF-8 (`valid_utf8`; `false` if it does not know),
/// sparing a second validation.
pub(super) fn detect_without_error_check_hinted(
    bytes: &[u8],
    complete: bool,
    given: Option<&'static Encoding>,
    valid_utf8: bool,
) -> Detection {
    let (bytes, complete) = match bytes.get(..DETECT_LIMIT) {
        Some(b) if b.len() < bytes.len() => (b, false),
        _ => (bytes, complete),
    };
    let declared = sniff_declaration(bytes);
    let mut d = detect_inner(bytes, complete, given, declared, valid_utf8);
    d.declared = declared;
    d
}

fn detection(encoding: &'static Encoding, confidence: f32, method: DetectedBy) -> Detection {
    Detection {
        encoding,
        confidence,
        method,
        declared: None,
        bom_len: 0,
        had_errors: false,
        runner_up: None,
    }
}

fn detect_inner(
    bytes: &[u8],
    complete: bool,
    given: Option<&'static Encoding>,
    declared: Option<&'static Encoding>,
    valid_utf8: bool,
) -> Detection {
    // 0. An explicit encoding overrides all.
    if let Some(enc) = given {
        return detection(enc, 1.0, DetectedBy::Given);
    }
    // 1. Byte-order mark.
    if let Some((enc, len)) = Encoding::for_bom(bytes) {
        let mut d = detection(enc, 1.0, DetectedBy::Bom);
        d.bom_len = len;
        return d;
    }
    // A prefix of valid UTF-8 is valid but for a character cut at its end,
    // which `utf8_valid` accepts.
    let utf8 = valid_utf8 || utf8_valid(bytes, complete);
    let non_ascii = bytes.iter().any(|&b| b >= 0x80);
    // 2. In-band declaration, if the bytes agree with it.
    if let Some(enc) = declared
        && let Some(d) = check_declared(bytes, complete, enc, utf8, non_ascii)
    {
        return d;
    }
    // 3. Valid UTF-8 (pure ASCII included: every ASCII-compatible encoding
    // decodes it alike). Text with NUL bytes is tried as UTF-16 first: UTF-16
    // of Latin or Arabic text is often also "valid UTF-8" full of NULs.
    // ISO-2022-JP is 7-bit, hence "valid UTF-8": its escape sequences tell.
    if !non_ascii && looks_iso_2022_jp(bytes) {
        return detection(ISO_2022_JP, 0.95, DetectedBy::Sniffed);
    }
    let has_nul = bytes.contains(&0);
    if utf8 && !has_nul {
        let confidence = if non_ascii { 1.0 } else { 0.9 };
        return detection(UTF_8, confidence, DetectedBy::Sniffed);
    }
    // 4. UTF-16 without a BOM.
    if let Some(d) = sniff_utf16(bytes) {
        return d;
    }
    if utf8 {
        return detection(UTF_8, 0.8, DetectedBy::Sniffed);
    }
    // 5. Statistics; 6. fallback.
    sniff_statistical(bytes, complete)
}

/// Whether 7-bit bytes switch to JIS X 0208 with ISO-2022-JP escapes and
/// decode as ISO-2022-JP without error.
fn looks_iso_2022_jp(bytes: &[u8]) -> bool {
    (find(bytes, b"\x1b$B").is_some() || find(bytes, b"\x1b$@").is_some())
        && !ISO_2022_JP.decode_without_bom_handling(bytes).1
}

/// Whether the bytes are valid UTF-8; a character cut at the very end counts
/// as valid (a truncated file, or a prefix of a longer one).
fn utf8_valid(bytes: &[u8], _complete: bool) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

pub(super) fn has_errors(bytes: &[u8], d: &Detection, complete: bool) -> bool {
    let body = bytes.get(d.bom_len..).unwrap_or_default();
    if d.encoding == UTF_8 && d.bom_len == 0 && d.method == DetectedBy::Sniffed {
        // Chosen because the bytes are valid UTF-8 (perhaps cut at the end).
        return complete && std::str::from_utf8(body).is_err();
    }
    if d.encoding == UTF_8 {
        return match std::str::from_utf8(body) {
            Ok(_) => false,
            Err(e) => e.error_len().is_some() || complete,
        };
    }
    if let Some(table) = super::single_byte::table(d.encoding) {
        return table.has_undefined(body);
    }
    let mut decoder = d.encoding.new_decoder_without_bom_handling();
    let mut out = String::new();
    super::decode_chunk(&mut decoder, body, complete, &mut out) > 0
}

fn check_declared(
    bytes: &[u8],
    complete: bool,
    enc: &'static Encoding,
    utf8: bool,
    non_ascii: bool,
) -> Option<Detection> {
    if enc == UTF_16LE || enc == UTF_16BE {
        // A UTF-16 declaration inside ASCII-compatible markup cannot be true
        // (WHATWG treats it as UTF-8); let the bytes speak.
        return None;
    }
    if enc == UTF_8 {
        return utf8.then(|| detection(UTF_8, 1.0, DetectedBy::Declared));
    }
    if !non_ascii {
        return Some(detection(enc, 0.9, DetectedBy::Declared));
    }
    if !enc.is_ascii_compatible() {
        // ISO-2022-JP and the like: believe it if it decodes cleanly.
        let (_, errors) = enc.decode_without_bom_handling(bytes);
        return (!errors).then(|| detection(enc, 0.9, DetectedBy::Declared));
    }
    let sample = non_ascii_sample(bytes);
    if errors_in(&sample, enc) {
        // Malformed sequences: the declaration is wrong.
        return None;
    }
    let declared_score = score_candidate(&sample, enc, complete);
    // windows-1252 (`iso-8859-1`, `latin1`, `us-ascii`) is what servers and
    // CMSs declare by default, right or not: such a declaration yields to a
    // different reading that is at least as plausible. Any other
    // declaration yields only to a clearly more plausible one.
    let margin = if enc == WINDOWS_1252 { 0.0 } else { MARGIN };
    let mut best = best_other(bytes, &sample, complete, utf8);
    if let Some((other, score)) = best.take()
        && other != enc
        && score.bad_ratio() + margin <= declared_score.bad_ratio()
        && decode_sample(&sample, other) != decode_sample(&sample, enc)
    {
        return None;
    }
    let confidence = (1.0 - declared_score.bad_ratio()).clamp(0.5, 1.0);
    Some(detection(enc, confidence, DetectedBy::Declared))
}

/// The most plausible encoding other than a declared one: UTF-8 when the
/// bytes are valid UTF-8, otherwise the statistical choice.
fn best_other(
    bytes: &[u8],
    sample: &[u8],
    complete: bool,
    utf8: bool,
) -> Option<(&'static Encoding, Plausibility)> {
    if utf8 {
        return Some((UTF_8, score_candidate(sample, UTF_8, complete)));
    }
    let (enc, score, _) = choose_statistical(bytes, sample, complete);
    Some((enc, score))
}

fn errors_in(sample: &[u8], enc: &'static Encoding) -> bool {
    enc.decode_without_bom_handling(sample).1
}

/// UTF-16 without a BOM: text in any script has spaces, digits, line breaks
/// or Latin punctuation, which in UTF-16 are code units with a zero high
/// byte — zero bytes all on one parity. Legacy encodings never contain zero
/// bytes in text. The byte order that decodes to plausible letters wins.
fn sniff_utf16(bytes: &[u8]) -> Option<Detection> {
    if bytes.len() < 4 {
        return None;
    }
    let (mut even, mut odd) = (0usize, 0usize);
    for pair in bytes.chunks_exact(2) {
        if let [a, b] = pair {
            even += usize::from(*a == 0);
            odd += usize::from(*b == 0);
        }
    }
    let (hi, lo) = (even.max(odd), even.min(odd));
    // Zero bytes mostly on one side. CJK characters such as U+4E00 or
    // U+C900 have a zero low byte, so the other side may have some too; the
    // decoding below must then convince.
    if hi == 0 || hi <= lo {
        return None;
    }
    // ASCII characters put their zero byte second in little-endian.
    let order = if odd > even { [UTF_16LE] } else { [UTF_16BE] };
    for enc in order {
        let (text, _) = enc.decode_without_bom_handling(bytes);
        // Unpaired surrogates or a cut final unit become U+FFFD: tolerate one
        // at the very end only.
        let trimmed = text.strip_suffix('\u{FFFD}').unwrap_or(&text);
        if trimmed.contains('\u{FFFD}') || trimmed.trim().is_empty() {
            continue;
        }
        // Every character assigned (this pass stops at the first that is
        // not), plausible words, and 90 % of the characters texty.
        let Some((total, texty)) = assigned_and_texty(trimmed) else {
            continue;
        };
        let mut p = plausibility(trimmed);
        if p.bad_chars == 0 && p.bad_ratio() > 0.25 {
            // Japanese and Chinese write Latin words against kana and
            // ideographs (`Unicodeおよび`), which the score takes for two
            // scripts in one word. In UTF-16 an ASCII letter can only come
            // from a zero byte where the byte order puts it, so such a
            // mixture is no sign of a wrong reading: the text is judged
            // with its ASCII letters taken as word breaks.
            let without_ascii_letters: String = trimmed
                .chars()
                .map(|c| if c.is_ascii_alphabetic() { ' ' } else { c })
                .collect();
            p = plausibility(&without_ascii_letters);
        }
        if p.bad_chars > 0 || p.bad_ratio() > 0.25 {
            continue;
        }
        if texty * 10 < total * 9 {
            continue;
        }
        let confidence = (0.95 - p.bad_ratio()).max(0.5);
        return Some(detection(enc, confidence, DetectedBy::Sniffed));
    }
    None
}

/// Characters that make text look like text (for [`sniff_utf16`]):
/// letters, digits, whitespace, punctuation.
fn is_texty(c: char) -> bool {
    c.is_alphanumeric()
        || c.is_whitespace()
        || c.is_ascii_punctuation()
        || matches!(c,
            '\u{A1}'..='\u{BF}'
            | '\u{0600}'..='\u{06FF}'
            | '\u{2010}'..='\u{206F}'
            | '\u{3000}'..='\u{303F}'
            | '\u{FF00}'..='\u{FF65}')
}

/// Bit flags of [`UTF16_TRAITS`].
const ASSIGNED: u8 = 1;
const TEXTY: u8 = 2;

fn utf16_traits(c: char) -> u8 {
    (if is_public_assigned(c) { ASSIGNED } else { 0 }) | (if is_texty(c) { TEXTY } else { 0 })
}

/// [`utf16_traits`] of U+0000–U+07FF, sparing the Unicode table searches
/// for most alphabetic text.
static UTF16_TRAITS: std::sync::LazyLock<[u8; 0x800]> = std::sync::LazyLock::new(|| {
    let mut table = [0u8; 0x800];
    for (u, slot) in (0u32..).zip(table.iter_mut()) {
        *slot = char::from_u32(u).map_or(0, utf16_traits);
    }
    table
});

/// `None` if a character of `text` is unassigned (stopping there);
/// otherwise how many characters it has, and how many are texty.
fn assigned_and_texty(text: &str) -> Option<(usize, usize)> {
    let table = &*UTF16_TRAITS;
    let (mut total, mut texty) = (0usize, 0usize);
    for c in text.chars() {
        let t = match table.get(c as usize) {
            Some(&t) => t,
            None => utf16_traits(c),
        };
        if t & ASSIGNED == 0 {
            return None;
        }
        total += 1;
        texty += usize::from(t & TEXTY != 0);
    }
    Some((total, texty))
}

/// UTF-16 without a BOM and without the zero bytes of ASCII characters: CJK
/// text with no ASCII character at all (a title, a snippet with full-width punctuation). Used
/// only when statistics found no plausible legacy decoding; accepted when
/// one byte order decodes to assigned characters, at least 90% of them
/// common CJK (ideographs, kana, Hangul syllables, CJK punctuation).
fn sniff_utf16_cjk(bytes: &[u8]) -> Option<Detection> {
    if bytes.len() < 4 {
        return None;
    }
    let mut best: Option<(&'static Encoding, usize)> = None;
    for enc in [UTF_16LE, UTF_16BE] {
        let (text, _) = enc.decode_without_bom_handling(bytes);
        let trimmed = text.strip_suffix('\u{FFFD}').unwrap_or(&text);
        if trimmed.contains('\u{FFFD}') || !trimmed.chars().all(is_public_assigned) {
            continue;
        }
        let p = plausibility(trimmed);
        if p.bad_chars > 0 || p.bad > 0 {
            continue;
        }
        let total = trimmed.chars().count();
        let common = trimmed.chars().filter(|&c| is_common_cjk(c)).count();
        if total > 0 && common * 10 >= total * 9 && best.is_none_or(|(_, c)| common > c) {
            best = Some((enc, common));
        }
    }
    let (enc, _) = best?;
    Some(detection(enc, 0.6, DetectedBy::Sniffed))
}

fn is_common_cjk(c: char) -> bool {
    matches!(c,
        '\u{3000}'..='\u{30FF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{AC00}'..='\u{D7A3}'
        | '\u{FF01}'..='\u{FF5E}'
        | '\n' | '\r')
}

/// Step 5: chardetng proposes (its own guess, and its guesses as if the page
/// came from a domain of each family of legacy encodings, plus
/// windows-1256 and UTF-8); the plausibility of each decoding disposes.
/// chardetng's own guess wins unless another is clearly more plausible. If
/// nothing decodes plausibly, windows-1252 is the flagged fallback.
fn sniff_statistical(bytes: &[u8], complete: bool) -> Detection {
    let sample = non_ascii_sample(bytes);
    let (enc, score, runner_up) = choose_statistical(bytes, &sample, complete);
    if score.bad > 0
        && let Some(d) = sniff_utf16_cjk(bytes)
    {
        return d;
    }
    if score.words > 0 && score.bad_ratio() > 0.5 {
        return detection(WINDOWS_1252, 0.1, DetectedBy::Default);
    }
    // Few words: less certainty.
    let words = score.words as f32;
    let size = (words / 8.0).min(1.0);
    let mut confidence = (1.0 - score.bad_ratio()) * (0.6 + 0.35 * size);
    let mut d = detection(enc, confidence, DetectedBy::Sniffed);
    if let Some((other, margin)) = runner_up {
        // Another reading is nearly as likely: say so, and how unsure.
        confidence = confidence.min(0.5 + 0.4 * margin / UNSURE);
        d.confidence = confidence;
        d.runner_up = Some(other);
    }
    d
}

/// A statistical choice: the encoding, its reading's plausibility, and the
/// runner-up if another reading is nearly as likely (with the margin, in
/// nats per letter pair).
type Statistical = (
    &'static Encoding,
    Plausibility,
    Option<(&'static Encoding, f32)>,
);

fn choose_statistical(bytes: &[u8], sample: &[u8], complete: bool) -> Statistical {
    // Both steps need the windows-1256 reading's score: it is made once.
    let windows_1256 = score_candidate(sample, WINDOWS_1256, complete);
    if let Some((enc, score)) = clearly_windows_1256(sample, windows_1256) {
        return (enc, score, None);
    }
    let best = choose_statistical_full(bytes, sample, complete, windows_1256);
    refine_by_language(sample, complete, best)
}

/// How well the best reading must fit its language (mean cost per letter
/// pair, in nats) to overrule chardetng: a reading that fits no language
/// this well is no better evidence than chardetng's own.
const FIT_LIMIT: f32 = 7.0;

/// Readings whose costs differ by less than this (nats per pair) are tied:
/// chardetng's choice stands.
const TIE: f32 = 0.01;

/// A different reading within this many nats per pair of the chosen one is
/// reported as the runner-up.
const UNSURE: f32 = 0.5;
/// [`UNSURE`] in the language models' unit, eighths of a nat.
const UNSURE_EIGHTHS: u32 = 4;

/// Whether `a` and `b` decode `sample` to the same text (from the byte
/// tables when both are single-byte encodings).
fn reads_alike(sample: &[u8], a: &'static Encoding, b: &'static Encoding) -> bool {
    match (super::single_byte::table(a), super::single_byte::table(b)) {
        (Some(x), Some(y)) => x.reads_alike(y, sample),
        _ => decode_sample(sample, a) == decode_sample(sample, b),
    }
}

/// Step 5, last: among the single-byte encodings of one script, the
/// character-pair language models (see `super::language`) choose. chardetng's
/// single-byte choice yields to a reading that fits a language clearly
/// better (ISO-8859-2, -4, -10, -13, -16 against windows-1250/1252;
/// x-mac-cyrillic against windows-1251), as long as that reading is about
/// as plausible. Arabic-script choices and multi-byte encodings are left
/// as they are.
fn refine_by_language(
    sample: &[u8],
    complete: bool,
    best: (&'static Encoding, Plausibility),
) -> Statistical {
    if sample.is_empty()
        || best.0 == WINDOWS_1256
        || best.0 == ISO_8859_6
        || super::single_byte::table(best.0).is_none()
    {
        return (best.0, best.1, None);
    }
    // Readings more than UNSURE worse than the best matter neither as the
    // choice nor as the runner-up.
    let fits = super::language::rank(sample, best.0, UNSURE_EIGHTHS);
    let Some(&top) = fits.first() else {
        return (best.0, best.1, None);
    };
    let cost_of = |e: &'static Encoding| fits.iter().find(|f| f.encoding == e).map(|f| f.cost);
    let mut chosen = best;
    if top.encoding != best.0
        && top.cost <= FIT_LIMIT
        && cost_of(best.0).is_none_or(|c| c > top.cost + TIE)
    {
        let score = score_candidate(sample, top.encoding, complete);
        if score.bad_ratio() <= best.1.bad_ratio() + MARGIN
            && !reads_alike(sample, top.encoding, best.0)
        {
            chosen = (top.encoding, score);
        }
    }
    let runner_up = cost_of(chosen.0).and_then(|cost| {
        fits.iter()
            .filter(|f| f.encoding != chosen.0 && f.cost < cost + UNSURE)
            .find(|f| !reads_alike(sample, f.encoding, chosen.0))
            .map(|f| (f.encoding, (f.cost - cost).max(0.0)))
    });
    (chosen.0, chosen.1, runner_up)
}

/// The outcome of [`choose_statistical_full`] when it is windows-1256
/// whatever chardetng would guess, found without running chardetng (the
/// costliest part of detection): windows-1256 reads the sample as
/// Arabic-script text (`arabic_likelihood` is `Some`) and no other encoding
/// can (`p` is the windows-1256 reading's score). chardetng's guesses then only matter through their own Arabic
/// likelihood (which is `None` for an encoding that yields no Arabic
/// letter) or through decoding the sample exactly as windows-1256 does
/// (which would give them the same likelihood). Of the WHATWG encodings
/// only ISO-8859-6, UTF-8 (and UTF-16, never a candidate here) and
/// GBK/gb18030 (through four-byte sequences, byte 2 and 4 being ASCII
/// digits) can yield Arabic letters; a test checks this for every
/// encoding. So: ISO-8859-6 and UTF-8 must have no likelihood, and the
/// sample no possible four-byte gb18030 sequence.
fn clearly_windows_1256(
    sample: &[u8],
    p: Plausibility,
) -> Option<(&'static Encoding, Plausibility)> {
    if sample.is_empty() || !may_be_arabic(&p) {
        return None;
    }
    let text = decode_sample(sample, WINDOWS_1256);
    arabic_likelihood(&text, &p)?;
    let gb18030_four_byte = sample
        .windows(2)
        .any(|w| matches!(w, [0x81..=0xFE, b'0'..=b'9']));
    if gb18030_four_byte {
        return None;
    }
    for other in [ISO_8859_6, UTF_8] {
        if surely_implausible(sample, other) {
            continue;
        }
        let other_text = decode_sample(sample, other);
        if other_text.chars().any(super::persian::is_arabic_letter)
            && arabic_likelihood(&other_text, &score_text(&other_text)).is_some()
        {
            return None;
        }
    }
    Some((WINDOWS_1256, p))
}

/// Whether decoding `sample` with `enc` (ISO-8859-6 or UTF-8) surely gives
/// more than 5 % implausible words, so no Arabic likelihood, without
/// decoding and scoring it. Each sample word (the sample joins them with
/// spaces) that decodes to a bad character (malformed, a control) holds
/// at least one implausible word of its own; and there are at most as
/// many scored words as bytes that decode to non-ASCII characters or
/// controls. The last word is not counted (a character cut at the end of
/// the sample is left out).
fn surely_implausible(sample: &[u8], enc: &'static Encoding) -> bool {
    // ASCII controls that `score` finds bad and that do not end words.
    let bad_byte = |b: u8| matches!(b, 0x01..=0x08 | 0x0B | 0x0E..=0x1F | 0x7F);
    let bad_word = |word: &[u8]| -> bool {
        if enc == UTF_8 {
            std::str::from_utf8(word).is_err() || word.iter().any(|&b| bad_byte(b))
        } else {
            word.iter()
                .any(|&b| ISO_8859_6_BAD.get(usize::from(b)).is_some_and(|&x| x))
        }
    };
    let at_most_words = sample.iter().filter(|&&b| b >= 0x80 || bad_byte(b)).count();
    // Bad words only add up: stop as soon as there are enough of them.
    let mut words = sample.split(|&b| b == b' ').peekable();
    let mut bad = 0usize;
    while let Some(word) = words.next() {
        if words.peek().is_none() {
            break;
        }
        if bad_word(word) {
            bad += 1;
            if bad * 20 > at_most_words {
                return true;
            }
        }
    }
    false
}

/// The bytes ISO-8859-6 decodes to a character that spoils its word
/// (malformed, a C0 or C1 control other than NUL), as `score` classes them.
static ISO_8859_6_BAD: std::sync::LazyLock<[bool; 256]> = std::sync::LazyLock::new(|| {
    let mut table = [false; 256];
    for (b, slot) in (0..=255u8).zip(table.iter_mut()) {
        let byte = [b];
        let (text, errors) = ISO_8859_6.decode_without_bom_handling(&byte);
        *slot = errors || text.chars().any(super::score::spoils_word);
    }
    table
});

/// Step 5 in full: chardetng's candidates, scored.
fn choose_statistical_full(
    bytes: &[u8],
    sample: &[u8],
    complete: bool,
    windows_1256: Plausibility,
) -> (&'static Encoding, Plausibility) {
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Allow);
    // chardetng reads the non-ASCII words (what its statistics are about),
    // or the start of the input if there is no such word. Never `last`: a
    // character cut at the end must not rule an encoding out.
    let _ = complete;
    let fed = if sample.is_empty() {
        bytes.get(..CHARDETNG_LIMIT).unwrap_or(bytes)
    } else {
        sample.get(..CHARDETNG_SAMPLE_LIMIT).unwrap_or(sample)
    };
    detector.feed(fed, false);
    let first = detector.guess(None, Utf8Detection::Deny);
    let mut candidates: Vec<&'static Encoding> = vec![first];
    for tld in TLD_HINTS {
        let e = detector.guess(Some(tld), Utf8Detection::Deny);
        if !candidates.contains(&e) {
            candidates.push(e);
        }
    }
    for e in [WINDOWS_1256, UTF_8] {
        if !candidates.contains(&e) {
            candidates.push(e);
        }
    }
    // Each candidate is scored once (single-byte ones straight from the
    // bytes) and decoded only when its text is needed.
    let mut texts: Vec<(&'static Encoding, String)> = Vec::new();
    let score = |e: &'static Encoding| {
        if e == WINDOWS_1256 {
            windows_1256
        } else {
            score_candidate(sample, e, complete)
        }
    };
    let mut best = (first, score(first));
    // Only a clearly more plausible candidate can overrule the first guess
    // (one that decodes the sample as the first guess does scores alike,
    // so it never does).
    if best.1.bad_ratio() >= MARGIN {
        for &e in candidates.iter().skip(1) {
            let s = score(e);
            if s.bad_ratio() + MARGIN <= best.1.bad_ratio() {
                best = (e, s);
            }
        }
    }
    // What chardetng lacks for Arabic script: a decoding into clean
    // Arabic-script words whose letters are distributed as in Arabic and
    // Persian text is the right one. Other scripts' legacy bytes read as
    // windows-1256 or ISO-8859-6 mix Arabic letters with Latin letters or
    // symbols inside words, or give an implausible letter distribution.
    let first_is_arabic = [WINDOWS_1256, ISO_8859_6].contains(&first);
    if first_is_arabic
        && best.0 == first
        && arabic_likelihood(decoded_once(&mut texts, sample, first), &best.1).is_some()
    {
        return best;
    }
    // An ISO-8859-6 reading that surely has too many implausible words has
    // no likelihood (see `surely_implausible`), nor has any reading whose
    // score rules it out.
    let mut arabic: Option<(&'static Encoding, Plausibility, f32)> = None;
    for e in [WINDOWS_1256, ISO_8859_6, best.0] {
        if (e == ISO_8859_6 && surely_implausible(sample, e)) || yields_no_arabic_letter(e) {
            continue;
        }
        let p = if e == best.0 { best.1 } else { score(e) };
        if !may_be_arabic(&p) {
            continue;
        }
        let text = decoded_once(&mut texts, sample, e);
        if let Some(likelihood) = arabic_likelihood(text, &p)
            && arabic.as_ref().is_none_or(|(_, _, l)| likelihood > *l)
        {
            arabic = Some((e, p, likelihood));
        }
    }
    if let Some((e, p, _)) = arabic {
        let chosen = decoded_once(&mut texts, sample, e).to_owned();
        if chosen != decoded_once(&mut texts, sample, best.0) {
            best = (e, p);
        }
    }
    best
}

/// The multi-byte encodings in which no byte sequence decodes to an
/// Arabic-script letter (a test decodes every one- and two-byte sequence,
/// and the three-byte ones of EUC-JP, to check it).
fn multi_byte_without_arabic_letters() -> [&'static Encoding; 5] {
    [SHIFT_JIS, EUC_JP, EUC_KR, BIG5, ISO_2022_JP]
}

/// Whether no reading in `e` holds an Arabic-script letter, so none has an
/// Arabic likelihood: a single-byte encoding's table knows, for the
/// multi-byte ones see [`multi_byte_without_arabic_letters`].
fn yields_no_arabic_letter(e: &'static Encoding) -> bool {
    match super::single_byte::table(e) {
        Some(table) => !table.has_arabic_letters(),
        None => multi_byte_without_arabic_letters().contains(&e),
    }
}

/// The decoding of `sample` with `e`, from `texts` or decoded and kept
/// there.
fn decoded_once<'t>(
    texts: &'t mut Vec<(&'static Encoding, String)>,
    sample: &[u8],
    e: &'static Encoding,
) -> &'t str {
    let at = match texts.iter().position(|(t, _)| *t == e) {
        Some(at) => at,
        None => {
            texts.push((e, decode_sample(sample, e)));
            texts.len() - 1
        }
    };
    texts.get(at).map_or("", |(_, text)| text.as_str())
}

/// Approximate frequencies (per mille) of Arabic-script letters in Arabic
/// and Persian news text, yeh and kaf variants together.
fn arabic_letter_frequency(c: char) -> f32 {
    match c {
        'ا' => 120.0,
        'ل' | 'ی' | 'ي' => 75.0,
        'ن' | 'م' | 'و' | 'ر' => 55.0,
        'ت' | 'ه' => 48.0,
        'د' | 'ب' => 40.0,
        'س' => 28.0,
        'ع' | 'ک' | 'ك' => 25.0,
        'ف' | 'ق' | 'ح' | 'ة' | 'أ' => 20.0,
        'ش' | 'ج' => 15.0,
        'ز' | 'خ' | 'ص' | 'ط' | 'إ' | 'پ' | 'گ' => 9.0,
        'آ' | 'ض' | 'ذ' | 'ث' | 'ى' | 'چ' | 'ئ' => 5.0,
        'غ' | 'ظ' | 'ء' | 'ؤ' => 3.0,
        'ژ' => 1.0,
        _ => 0.1,
    }
}

/// If `text` is clean Arabic-script text (no implausible word, at least 80%
/// of its non-ASCII words in Arabic script), the mean log-frequency of its
/// Arabic-script letters; `None` otherwise or if too implausible.
fn arabic_likelihood(text: &str, p: &Plausibility) -> Option<f32> {
    if !may_be_arabic(p) {
        return None;
    }
    // One pass over the characters: a word (text between whitespace and
    // ASCII punctuation) counts if it holds an Arabic-script letter (such a
    // word is never ASCII); each letter adds its log-frequency, in text
    // order, from a table.
    let table = &*ARABIC_LOG_FREQUENCY;
    let mut arabic_words = 0u32;
    let mut letters = 0u32;
    let mut sum = 0f32;
    let mut word_has_letter = false;
    for c in text.chars() {
        let u = u32::from(c);
        if let Some(&log) = u
            .checked_sub(ARABIC_TABLE_START)
            .and_then(|i| table.get(i as usize))
        {
            if let Some(log) = log {
                letters += 1;
                sum += log;
                word_has_letter = true;
            }
            // The rest of U+0600–U+08FF: neither letters nor word ends.
            continue;
        }
        if c.is_whitespace() || c.is_ascii_punctuation() {
            arabic_words += u32::from(word_has_letter);
            word_has_letter = false;
        }
    }
    arabic_words += u32::from(word_has_letter);
    if arabic_words == 0 || arabic_words * 10 < p.words * 8 {
        return None;
    }
    let mean = sum / letters.max(1) as f32;
    // Real text averages about ln(45) ≈ 3.8; random letters well below 3.
    (mean >= ARABIC_LIKELIHOOD_FLOOR).then_some(mean)
}

/// The first character of [`ARABIC_LOG_FREQUENCY`].
const ARABIC_TABLE_START: u32 = 0x600;

/// For U+0600–U+08FF: the log-frequency of each Arabic-script letter, `None`
/// for the other characters (none of them is whitespace or ASCII
/// punctuation).
static ARABIC_LOG_FREQUENCY: std::sync::LazyLock<[Option<f32>; 0x300]> =
    std::sync::LazyLock::new(|| {
        let mut table = [None; 0x300];
        for (u, slot) in (ARABIC_TABLE_START..).zip(table.iter_mut()) {
            *slot = char::from_u32(u)
                .filter(|&c| super::persian::is_arabic_letter(c))
                .map(|c| arabic_letter_frequency(c).ln());
        }
        table
    });

#[cfg(test)]
/// The straightforward [`arabic_likelihood`] that the table-driven one must
/// agree with.
fn arabic_likelihood_reference(text: &str, p: &Plausibility) -> Option<f32> {
    if p.words == 0 || p.bad * 20 > p.words {
        return None;
    }
    let mut arabic_words = 0u32;
    let mut letters = 0u32;
    let mut sum = 0f32;
    for word in text.split(|c: char| c.is_whitespace() || c.is_ascii_punctuation()) {
        if word.is_ascii() {
            continue;
        }
        if word.chars().any(super::persian::is_arabic_letter) {
            arabic_words += 1;
        }
        for c in word
            .chars()
            .filter(|&c| super::persian::is_arabic_letter(c))
        {
            letters += 1;
            sum += arabic_letter_frequency(c).ln();
        }
    }
    if arabic_words == 0 || arabic_words * 10 < p.words * 8 {
        return None;
    }
    let mean = sum / letters.max(1) as f32;
    (mean >= ARABIC_LIKELIHOOD_FLOOR).then_some(mean)
}

/// The least mean log-frequency (per mille) accepted as Arabic-script text.
const ARABIC_LIKELIHOOD_FLOOR: f32 = 3.0;

/// The words of the input that contain non-ASCII bytes, joined by spaces, up
/// to [`SAMPLE_LIMIT`] bytes. Splitting at ASCII whitespace is safe in every
/// ASCII-compatible encoding (no multi-byte encoding uses bytes below 0x40
/// as trail bytes). Mostly-ASCII HTML with a few Persian words is judged by
/// those words alone.
fn non_ascii_sample(bytes: &[u8]) -> Vec<u8> {
    let mut sample = Vec::new();
    // Whether the last word taken ends the input.
    let mut at_end = false;
    let mut words = bytes.split(u8::is_ascii_whitespace).peekable();
    while let Some(word) = words.next() {
        if word.iter().any(|&b| b >= 0x80 || (b < 0x20 && b != b'\t')) {
            if sample.len() + word.len() > SAMPLE_LIMIT {
                break;
            }
            if !sample.is_empty() {
                sample.push(b' ');
            }
            sample.extend_from_slice(word);
            at_end = words.peek().is_none();
        }
    }
    if !sample.is_empty() && !at_end {
        // The last word is followed by whitespace in the input, so a
        // multi-byte character cut at its end is malformed, not truncated:
        // the space keeps it so.
        sample.push(b' ');
    }
    sample
}

/// Decodes a sample; a character cut at its end is left out (truncated
/// inputs are judged by what they hold).
fn decode_sample(sample: &[u8], enc: &'static Encoding) -> String {
    let mut out = String::new();
    super::decode_all(enc, sample, false, &mut out);
    out
}

fn score_text(text: &str) -> Plausibility {
    plausibility(text)
}

/// The plausibility of `sample` decoded with `enc`: straight from the
/// bytes for a single-byte encoding, else decoded and scored.
fn score_candidate(sample: &[u8], enc: &'static Encoding, _complete: bool) -> Plausibility {
    match super::single_byte::table(enc) {
        Some(table) => table.plausibility(sample),
        None => score_text(&decode_sample(sample, enc)),
    }
}

/// Whether a reading scored `p` may have an Arabic likelihood (see
/// [`arabic_likelihood`], which returns `None` at once otherwise).
fn may_be_arabic(p: &Plausibility) -> bool {
    p.words > 0 && p.bad * 20 <= p.words
}

/// Finds an in-band declaration in the first 4 KiB: an XML declaration
/// (`<?xml … encoding="…"?>`) at the start, or an HTML `<meta charset=…>` /
/// `<meta http-equiv="Content-Type" content="…; charset=…">`. Returns the
/// encoding the label names (WHATWG labels: `iso-8859-1` means
/// windows-1252), or `None`.
pub fn sniff_declaration(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = bytes.get(..DECLARATION_LIMIT).unwrap_or(bytes);
    // Both kinds of declaration start with `<`: most plain text is ruled
    // out by one search.
    memchr::memchr(b'<', head)?;
    let lower = head.to_ascii_lowercase();
    let start = lower
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    let rest = lower.get(start..).unwrap_or_default();
    if rest.starts_with(b"<?xml") {
        let end = find(rest, b"?>").unwrap_or(rest.len());
        let decl = rest.get(..end).unwrap_or_default();
        if let Some(label) = attribute_value(decl, b"encoding") {
            return Encoding::for_label(label);
        }
    }
    let mut from = 0;
    while let Some(pos) = find(lower.get(from..).unwrap_or_default(), b"<meta") {
        let tag_start = from + pos;
        let tag_end = lower
            .get(tag_start..)
            .and_then(|t| t.iter().position(|&b| b == b'>'))
            .map_or(lower.len(), |e| tag_start + e);
        let tag = lower.get(tag_start..tag_end).unwrap_or_default();
        if let Some(label) = attribute_value(tag, b"charset")
            && let Some(enc) = Encoding::for_label(label)
        {
            return Some(enc);
        }
        from = tag_end;
    }
    None
}

/// The value after `name` (and optional spaces, `=`, spaces and a quote) in
/// a lower-cased tag, as a label.
fn attribute_value<'a>(tag: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let mut from = 0;
    while let Some(pos) = find(tag.get(from..)?, name) {
        let mut i = from + pos + name.len();
        from = i;
        while tag.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        if tag.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while tag
            .get(i)
            .is_some_and(|b| b.is_ascii_whitespace() || *b == b'"' || *b == b'\'')
        {
            i += 1;
        }
        let len = tag
            .get(i..)?
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || b"-_.:".contains(b)))
            .unwrap_or(tag.len() - i);
        if len > 0 {
            return tag.get(i..i + len);
        }
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(s: &str, e: &'static Encoding) -> Vec<u8> {
        // encoding_rs encodes UTF-16 as UTF-8 (WHATWG), so do UTF-16 here.
        if e == UTF_16LE {
            return s.encode_utf16().flat_map(u16::to_le_bytes).collect();
        }
        if e == UTF_16BE {
            return s.encode_utf16().flat_map(u16::to_be_bytes).collect();
        }
        e.encode(s).0.into_owned()
    }

    #[test]
    fn declarations_are_found() {
        let cases: &[(&[u8], Option<&str>)] = &[
            (
                b"<?xml version=\"1.0\" encoding=\"windows-1256\"?><a/>",
                Some("windows-1256"),
            ),
            (
                b"  <?xml version='1.0' encoding='ISO-8859-1'?>",
                Some("windows-1252"),
            ),
            (b"<html><head><meta charset=\"utf-8\">", Some("UTF-8")),
            (
                b"<META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=Shift_JIS\">",
                Some("Shift_JIS"),
            ),
            (
                b"<meta name=\"x\" content=\"y\"><meta charset=koi8-r>",
                Some("KOI8-R"),
            ),
            (b"<meta charset=\"klingon\">", None),
            (b"plain text, charset=gbk", None),
            (b"", None),
        ];
        for (bytes, want) in cases {
            let got = sniff_declaration(bytes).map(Encoding::name);
            assert_eq!(got, *want, "{}", String::from_utf8_lossy(bytes));
        }
    }

    #[test]
    fn detection_table() {
        let persian = "نشست هم اندیشی ستاد توسعه پایدار شهرداری رشت";
        let cases: Vec<(Vec<u8>, &str, DetectedBy, &str)> = vec![
            (Vec::new(), "UTF-8", DetectedBy::Sniffed, "empty"),
            (
                b"\xEF\xBB\xBFabc".to_vec(),
                "UTF-8",
                DetectedBy::Bom,
                "UTF-8 BOM",
            ),
            (
                b"\xFF\xFEa\x00".to_vec(),
                "UTF-16LE",
                DetectedBy::Bom,
                "UTF-16LE BOM",
            ),
            (
                persian.as_bytes().to_vec(),
                "UTF-8",
                DetectedBy::Sniffed,
                "UTF-8",
            ),
            (
                persian.as_bytes()[..persian.len() - 1].to_vec(),
                "UTF-8",
                DetectedBy::Sniffed,
                "UTF-8 cut in its last character",
            ),
            (
                enc(persian, WINDOWS_1256),
                "windows-1256",
                DetectedBy::Sniffed,
                "Persian title",
            ),
            (
                enc(persian, UTF_16LE),
                "UTF-16LE",
                DetectedBy::Sniffed,
                "UTF-16LE without BOM",
            ),
            (
                enc(persian, UTF_16BE),
                "UTF-16BE",
                DetectedBy::Sniffed,
                "UTF-16BE without BOM",
            ),
            (
                [
                    b"<meta charset=\"iso-8859-1\">".as_slice(),
                    &enc(persian, WINDOWS_1256),
                ]
                .concat(),
                "windows-1256",
                DetectedBy::Sniffed,
                "declared latin1 holding Persian",
            ),
            (
                [
                    b"<meta charset=\"windows-1256\">".as_slice(),
                    &enc(persian, WINDOWS_1256),
                ]
                .concat(),
                "windows-1256",
                DetectedBy::Declared,
                "right declaration",
            ),
            (
                [
                    b"<meta charset=\"utf-8\">".as_slice(),
                    &enc(persian, WINDOWS_1256),
                ]
                .concat(),
                "windows-1256",
                DetectedBy::Sniffed,
                "declared UTF-8 holding windows-1256",
            ),
        ];
        for (bytes, want, method, note) in cases {
            let d = detect_prefix(&bytes, true, None);
            assert_eq!((d.encoding.name(), d.method), (want, method), "{note}");
        }
    }

    /// Every WHATWG encoding that chardetng may propose, other than those
    /// `clearly_windows_1256` checks, decodes no byte sequence to an
    /// Arabic-script letter: all single bytes, all byte pairs (and, for
    /// EUC-JP, its three-byte JIS X 0212 sequences).
    #[test]
    fn only_known_encodings_yield_arabic_letters() {
        let others = [
            "windows-874",
            "windows-1250",
            "windows-1251",
            "windows-1252",
            "windows-1253",
            "windows-1254",
            "windows-1255",
            "windows-1257",
            "windows-1258",
            "iso-8859-2",
            "iso-8859-3",
            "iso-8859-4",
            "iso-8859-5",
            "iso-8859-7",
            "iso-8859-8",
            "iso-8859-8-i",
            "iso-8859-10",
            "iso-8859-13",
            "iso-8859-14",
            "iso-8859-15",
            "iso-8859-16",
            "koi8-r",
            "koi8-u",
            "ibm866",
            "macintosh",
            "x-mac-cyrillic",
            "shift_jis",
            "euc-jp",
            "euc-kr",
            "big5",
            "iso-2022-jp",
            "x-user-defined",
        ]
        .map(|label| Encoding::for_label(label.as_bytes()).unwrap());
        // Detection skips exactly these (and not windows-1256, ISO-8859-6,
        // UTF-8 or GBK) when it looks for an Arabic likelihood.
        for enc in others {
            assert!(yields_no_arabic_letter(enc), "{}", enc.name());
        }
        for enc in [
            WINDOWS_1256,
            ISO_8859_6,
            UTF_8,
            encoding_rs::GBK,
            encoding_rs::GB18030,
        ] {
            assert!(!yields_no_arabic_letter(enc), "{}", enc.name());
        }
        let arabic = |enc: &'static Encoding, bytes: &[u8]| {
            enc.decode_without_bom_handling(bytes)
                .0
                .chars()
                .any(crate::encoding::persian::is_arabic_letter)
        };
        for enc in others {
            let mut all = Vec::with_capacity(3 * 65536);
            for a in 0..=255u8 {
                for b in 0..=255u8 {
                    all.extend_from_slice(&[a, b, b' ']);
                }
            }
            assert!(!arabic(enc, &all), "{}", enc.name());
        }
        let mut jis0212 = Vec::new();
        for b in 0xA1..=0xFEu8 {
            for c in 0xA1..=0xFEu8 {
                jis0212.extend_from_slice(&[0x8F, b, c]);
            }
        }
        assert!(!arabic(encoding_rs::EUC_JP, &jis0212));
        // GBK yields Arabic letters only through four-byte sequences.
        let mut gbk = Vec::new();
        for a in 0x81..=0xFEu8 {
            for b in 0x40..=0xFEu8 {
                gbk.extend_from_slice(&[a, b, b' ']);
            }
        }
        assert!(!arabic(encoding_rs::GBK, &gbk));
        // chardetng proposes nothing outside the list.
        let mut proposed = std::collections::BTreeSet::new();
        for tld in TLD_HINTS
            .iter()
            .map(|t| Some(*t))
            .chain([None, Some(b"eg".as_slice())])
        {
            for sample in [
                &b"\xc7\xe1\xd3\xe1\xc7\xe3"[..],
                b"\xcf\xf0\xe8\xe2\xe5\xf2",
                b"\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd",
                b"\xc4\xe3\xba\xc3",
            ] {
                let mut d = EncodingDetector::new(Iso2022JpDetection::Allow);
                d.feed(sample, true);
                proposed.insert(d.guess(tld, Utf8Detection::Deny).name());
            }
        }
        for name in proposed {
            let known = others.iter().any(|e| e.name() == name)
                || ["windows-1256", "ISO-8859-6", "UTF-8", "GBK", "gb18030"].contains(&name);
            assert!(known, "{name}");
        }
    }

    /// The shortcut decides as the full statistical step does, on every
    /// file of the corpus (and on each of its lines).
    #[test]
    fn shortcut_equals_full_statistics_on_the_corpus() {
        let root =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/encoding/corpus");
        let mut files = vec![root];
        let mut taken = 0;
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let mut inputs = vec![bytes.clone()];
            inputs.extend(bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec));
            for input in inputs {
                let sample = non_ascii_sample(&input);
                let p = score_candidate(&sample, WINDOWS_1256, true);
                if let Some(short) = clearly_windows_1256(&sample, p) {
                    taken += 1;
                    let full = choose_statistical_full(&input, &sample, true, p);
                    assert_eq!(short.0, full.0, "{path:?}");
                    assert_eq!(short.1, full.1, "{path:?}");
                }
            }
        }
        assert!(taken > 100, "shortcut taken {taken} times");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

        #[test]
        fn shortcut_equals_full_statistics(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![
                    0xC1..=0xFFu8,
                    0x80..=0xBFu8,
                    0xD8..=0xDDu8,
                    proptest::sample::select(b" .,0123456789ab\x01\x00".to_vec()),
                ],
                0..300,
            )
        ) {
            let sample = non_ascii_sample(&bytes);
            let p = score_candidate(&sample, WINDOWS_1256, true);
            if let Some(short) = clearly_windows_1256(&sample, p) {
                let full = choose_statistical_full(&bytes, &sample, true, p);
                proptest::prop_assert_eq!(short.0, full.0);
                proptest::prop_assert_eq!(short.1, full.1);
            }
        }
    }

    #[test]
    fn utf16_table_equals_unicode_properties() {
        for c in (0u32..0x800).filter_map(char::from_u32) {
            assert_eq!(
                UTF16_TRAITS[c as usize],
                utf16_traits(c),
                "U+{:04X}",
                u32::from(c)
            );
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

        #[test]
        fn assigned_and_texty_equals_reference(s in "\\PC{0,100}|[\u{0}-\u{7FF}\u{0378}\u{FFFF}]{0,100}") {
            let reference = s
                .chars()
                .all(is_public_assigned)
                .then(|| (s.chars().count(), s.chars().filter(|&c| is_texty(c)).count()));
            proptest::prop_assert_eq!(assigned_and_texty(&s), reference);
        }
    }

    #[test]
    fn no_whitespace_or_ascii_punctuation_in_the_arabic_table() {
        for u in ARABIC_TABLE_START..ARABIC_TABLE_START + 0x300 {
            let c = char::from_u32(u).unwrap();
            assert!(!c.is_whitespace() && !c.is_ascii_punctuation());
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]

        #[test]
        fn arabic_likelihood_equals_reference(
            s in "[ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیيكىةأإآءؤئ\u{064E}\u{0640}\u{06F0}\u{0750}\u{08A0}\u{0870}a-z0-9 .,;\u{00A0}\u{2003}\u{200C}é]{0,120}"
        ) {
            let p = score_text(&s);
            proptest::prop_assert_eq!(arabic_likelihood(&s, &p), arabic_likelihood_reference(&s, &p));
        }

        #[test]
        fn arabic_likelihood_equals_reference_on_any_text(s in "\\PC{0,120}") {
            let p = score_text(&s);
            proptest::prop_assert_eq!(arabic_likelihood(&s, &p), arabic_likelihood_reference(&s, &p));
        }
    }

    #[test]
    fn given_overrides_all() {
        let d = detect_prefix(b"\xEF\xBB\xBFabc", true, Some(WINDOWS_1256));
        assert_eq!(d.encoding, WINDOWS_1256);
        assert_eq!(d.method, DetectedBy::Given);
        assert_eq!(d.bom_len, 0);
    }

    #[test]
    fn junk_falls_back_to_windows_1252() {
        // Deterministic pseudo-random bytes.
        let mut x: u32 = 12345;
        let junk: Vec<u8> = (0..4096)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                x.to_be_bytes()[1]
            })
            .collect();
        let d = detect_prefix(&junk, true, None);
        assert_eq!(d.method, DetectedBy::Default);
        assert_eq!(d.encoding, WINDOWS_1252);
    }
}
