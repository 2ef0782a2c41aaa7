//! Persian text: deciding it, and its safe orthographic repairs.
//!
//! # The decision
//!
//! A text is Persian when, in its first 64 KiB ([`decision_window`]):
//!
//! 1. there are at least two Arabic-script letters, and Arabic-script
//!    words are at least as many as words of other scripts, leaving out
//!    the words of URLs, e-mail addresses, paths and domain names (a link
//!    after a short Persian line must not outweigh it; each Han character
//!    or kana counts as a word), and
//! 2. Persian evidence outweighs Arabic (and Urdu) evidence, and there is
//!    some. Persian evidence: the letters پ چ ژ گ (2 points each), keheh ک and
//!    Farsi yeh ی (1 point each; Arabic writes ك and ي), and Persian function
//!    words such as است، این، را، که، می، برای (3 points each). Arabic
//!    evidence: ta marbuta ة (2 points), Arabic function
//!    words such as في، على، إلى، التي، الذي، هذا (3 points each), and the
//!    Urdu letters ٹ ڈ ڑ ں ے ھ (3 points each). Words are compared with yeh
//!    and kaf folded, so Persian typed with Arabic yeh and kaf (as in
//!    windows-1256) is still recognised.
//!
//! Without evidence either way, the text is not Persian and nothing is
//! repaired: Arabic text is never altered.
//!
//! # The repairs
//!
//! Only inside words made of Arabic-script letters, never in a token that
//! looks like a URL or an e-mail address, and never in a word carrying
//! harakat (such words are usually Arabic quotations, e.g. Quranic verses):
//!
//! - U+00AC NOT SIGN between two Arabic-script letters → U+200C ZWNJ (a
//!   keyboard-layout accident seen in real articles: `هم¬چنین`);
//! - Arabic yeh U+064A and alef maksura U+0649 → Farsi yeh U+06CC;
//! - Arabic kaf U+0643 → keheh U+06A9.
//!
//! Digits, Latin text, diacritics, tatweel, spacing and punctuation are never
//! touched. A hyphen standing for a ZWNJ (`فعالیت-ها`) is left alone: it
//! cannot be told safely from a real hyphen.

use super::{RepairKind, Repairs, add_repair};

/// How much of a text the Persian decision looks at (64 KiB).
pub(crate) const WINDOW: usize = 64 * 1024;

/// The start of `text` that [`is_persian`] judges: at most 64 KiB, cut at a
/// character boundary. Streaming and in-memory normalisation decide alike.
pub(crate) fn decision_window(text: &str) -> &str {
    if text.len() <= WINDOW {
        return text;
    }
    let mut end = WINDOW;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or(text)
}

/// Decides whether a whole text is Persian: [`is_persian`] on its
/// [`decision_window`]. The counts are unchanged by NFC (marks and
/// conjoining jamo are not counted as letters), so the decision on the
/// normalised text is the same.
pub(crate) fn decide(text: &str) -> bool {
    is_persian(decision_window(text))
}

/// Arabic-script letters (not marks, digits or punctuation).
pub(crate) fn is_arabic_letter(c: char) -> bool {
    matches!(c,
        '\u{0620}'..='\u{063F}'
        | '\u{0641}'..='\u{064A}'
        | '\u{066E}'..='\u{066F}'
        | '\u{0671}'..='\u{06D3}'
        | '\u{06D5}'
        | '\u{06EE}'..='\u{06EF}'
        | '\u{06FA}'..='\u{06FC}'
        | '\u{06FF}'
        | '\u{0750}'..='\u{077F}'
        | '\u{08A0}'..='\u{08C9}')
}

/// Harakat and other Arabic combining marks (U+064B–U+065F, U+0670,
/// U+06D6–U+06ED).
fn is_haraka(c: char) -> bool {
    matches!(c, '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{06D6}'..='\u{06ED}')
}

/// Characters that may sit inside an Arabic-script word: letters, marks,
/// tatweel, ZWNJ and ZWJ.
fn is_word_char(c: char) -> bool {
    is_arabic_letter(c) || is_haraka(c) || matches!(c, '\u{0640}' | '\u{200C}' | '\u{200D}')
}

/// Folds yeh and kaf variants so that words typed either way compare equal.
fn fold(c: char) -> char {
    match c {
        '\u{06CC}' | '\u{0649}' => '\u{064A}',
        '\u{06A9}' => '\u{0643}',
        c => c,
    }
}

/// Persian function words (folded: Arabic yeh and kaf). None of them is an
/// Arabic word.
/// A short word (at most 16 bytes of UTF-8) packed into an integer, so that
/// looking it up is a few integer comparisons.
const fn key(word: &str) -> u128 {
    let bytes = word.as_bytes();
    let mut k = 0u128;
    let mut i = 0;
    while i < bytes.len() && i < 16 {
        k |= (bytes[i] as u128) << (8 * i);
        i += 1;
    }
    k
}

const PERSIAN_WORDS: &[u128] = &[
    key("است"),
    key("اين"),
    key("را"),
    key("كه"),
    key("مي"),
    key("براي"),
    key("هاي"),
    key("ها"),
    key("شد"),
    key("شده"),
    key("كرد"),
    key("كند"),
    key("بود"),
    key("آن"),
    key("از"),
    key("به"),
    key("با"),
    key("تا"),
    key("نيز"),
    key("اما"),
    key("يك"),
    key("خود"),
    key("وي"),
    key("ايشان"),
    key("چه"),
    key("چون"),
    key("اگر"),
    key("بر"),
    key("نمي"),
    key("شود"),
    key("دارد"),
    key("كرده"),
    key("گفت"),
    key("شما"),
    key("آنها"),
];

/// Arabic function words (folded). None of them is a Persian word.
const ARABIC_WORDS: &[u128] = &[
    key("في"),
    key("على"),
    key("إلى"),
    key("الى"),
    key("التي"),
    key("الذي"),
    key("الذين"),
    key("هذا"),
    key("هذه"),
    key("ذلك"),
    key("تلك"),
    key("كان"),
    key("كانت"),
    key("قال"),
    key("وقال"),
    key("أن"),
    key("إن"),
    key("لم"),
    key("لن"),
    key("قد"),
    key("وقد"),
    key("عن"),
    key("مع"),
    key("حيث"),
    key("أو"),
    key("ثم"),
    key("منذ"),
    key("حتى"),
    key("وفي"),
    key("أيضا"),
    key("يوم"),
    key("اليوم"),
    key("ولا"),
    key("فيه"),
    key("إلا"),
    key("عليه"),
    key("وهو"),
    key("وهي"),
    key("هو"),
    key("هي"),
    key("كما"),
    key("لكن"),
];

/// The function words of both lists, sorted, with 1 for Persian and 2 for
/// Arabic; looked up through [`FUNCTION_WORD_SET`] (sorted only so that a
/// test can check there is no duplicate).
const FUNCTION_WORDS: [(u128, u8); PERSIAN_WORDS.len() + ARABIC_WORDS.len()] = {
    let mut all = [(0u128, 0u8); PERSIAN_WORDS.len() + ARABIC_WORDS.len()];
    let mut i = 0;
    while i < PERSIAN_WORDS.len() {
        all[i] = (PERSIAN_WORDS[i], 1);
        i += 1;
    }
    let mut j = 0;
    while j < ARABIC_WORDS.len() {
        all[i + j] = (ARABIC_WORDS[j], 2);
        j += 1;
    }
    // Insertion sort, at compile time.
    let mut k = 1;
    while k < all.len() {
        let mut m = k;
        while m > 0 && all[m - 1].0 > all[m].0 {
            let t = all[m - 1];
            all[m - 1] = all[m];
            all[m] = t;
            m -= 1;
        }
        k += 1;
    }
    all
};

/// The longest function word, in bytes: longer words are not looked up.
const FUNCTION_WORD_MAX: usize = 10;

/// What [`is_persian`] counts of one character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Counted {
    /// An Arabic-script letter, with its Persian and Arabic evidence and
    /// its folded form as packed UTF-8 (0 if it is not two bytes long).
    Letter {
        persian: u8,
        arabic: u8,
        folded: u16,
    },
    /// A haraka or tatweel: inside a word, not a letter.
    Mark,
    /// Anything else: ends a word. `letter` if it is a letter of another
    /// script, and what it tells of the token around it.
    Other { letter: bool, sign: Sign },
}

/// What a character that is not an Arabic-script letter tells the Persian
/// decision about the whitespace-delimited token it is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sign {
    /// Nothing in particular.
    None,
    /// Whitespace: ends the token.
    Space,
    /// `@` or `/`: the token is a URL, an e-mail address or a path.
    Url,
    /// `.`: a letter right after it makes the token a domain name.
    Dot,
    /// A Han character or kana: a word on its own (these scripts do not
    /// put spaces between words).
    Ideograph,
    /// A combining mark, a Hangul vowel or final jamo, or NUL: neither
    /// ends nor starts anything (NFC may compose the first two with the
    /// letter before, normalisation removes NUL, and the decision on the
    /// normalised text must be the same).
    Joiner,
}

/// Whether a non-ASCII character that is not an Arabic-script letter
/// counts as a letter (of another script) for the Persian decision:
/// alphabetic, not a combining mark or a Hangul vowel or final jamo (which
/// NFC composes into the letter before).
fn is_non_ascii_letter(c: char) -> bool {
    if matches!(c,
        '\u{C0}'..='\u{24F}'
        | '\u{0386}'..='\u{03FF}'
        | '\u{0400}'..='\u{0481}'
        | '\u{048A}'..='\u{04FF}'
        | '\u{05D0}'..='\u{05EA}'
        | '\u{3041}'..='\u{3096}'
        | '\u{30A1}'..='\u{30FA}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{AC00}'..='\u{D7A3}')
    {
        // Common letters, without the table look-up.
        c != '\u{D7}' && c != '\u{F7}' && c != '\u{0387}'
    } else {
        c.is_alphabetic()
            && !unicode_normalization::char::is_combining_mark(c)
            && !matches!(c, '\u{1160}'..='\u{11FF}')
    }
}

/// The [`Sign`] of a character that is not an Arabic-script letter.
#[inline]
fn sign_of(c: char) -> Sign {
    match c {
        '@' | '/' => Sign::Url,
        '.' => Sign::Dot,
        '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}' | '\u{4E00}'..='\u{9FFF}' => {
            Sign::Ideograph
        }
        c if c.is_whitespace() => Sign::Space,
        c if unicode_normalization::char::is_combining_mark(c)
            || matches!(c, '\u{1160}'..='\u{11FF}') =>
        {
            Sign::Joiner
        }
        _ => Sign::None,
    }
}

/// The [`Counted`] class of an ASCII byte.
#[inline(always)]
fn counted_ascii(b: u8) -> Counted {
    Counted::Other {
        letter: b.is_ascii_alphabetic(),
        sign: match b {
            b'@' | b'/' => Sign::Url,
            b'.' => Sign::Dot,
            b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C | 0x1C..=0x1F => Sign::Space,
            0 => Sign::Joiner,
            _ => Sign::None,
        },
    }
}

pub(crate) fn counted(c: char) -> Counted {
    if is_arabic_letter(c) {
        let (persian, arabic) = match c {
            'پ' | 'چ' | 'ژ' | 'گ' => (2, 0),
            'ک' | 'ی' => (1, 0),
            'ة' => (0, 2),
            'ٹ' | 'ڈ' | 'ڑ' | 'ں' | 'ے' | 'ھ' => (0, 3),
            _ => (0, 0),
        };
        let mut buf = [0u8; 4];
        let folded = match fold(c).encode_utf8(&mut buf).as_bytes() {
            &[a, b] => u16::from_le_bytes([a, b]),
            _ => 0,
        };
        return Counted::Letter {
            persian,
            arabic,
            folded,
        };
    }
    if is_haraka(c) || c == '\u{0640}' {
        return Counted::Mark;
    }
    if c.is_ascii() {
        return counted_ascii(u8::try_from(c).unwrap_or(0));
    }
    let letter = is_non_ascii_letter(c);
    Counted::Other {
        letter,
        sign: sign_of(c),
    }
}

/// [`counted`] for U+0600–U+06FF (UTF-8 lead bytes D8–DB), where Persian
/// and Arabic text spends its characters.
static ARABIC_BLOCK: std::sync::LazyLock<[Counted; 256]> = std::sync::LazyLock::new(|| {
    let mut table = [Counted::Mark; 256];
    for (u, slot) in (0x600u32..).zip(table.iter_mut()) {
        *slot = char::from_u32(u).map_or(
            Counted::Other {
                letter: false,
                sign: Sign::None,
            },
            counted,
        );
    }
    table
});

/// The evidence [`is_persian`] gathers, fed one [`Counted`] character at a
/// time: by [`is_persian`] from UTF-8 text, and by the single-byte decoder
/// straight from the input bytes (`super::single_byte`), so both decide
/// alike.
#[derive(Debug, Default)]
pub(crate) struct Evidence {
    arabic_letters: u64,
    /// Arabic-script words (runs of Arabic-script letters and marks).
    arabic_words: u64,
    /// Words of other scripts, outside URLs, e-mail addresses and domain
    /// names.
    other_words: u64,
    /// Words of other scripts in the current token, counted into
    /// `other_words` when the token ends unless `token_url`.
    token_words: u64,
    /// Whether the current token is a URL, an e-mail address, a path or a
    /// domain name (has `@` or `/`, or a letter right after a `.`).
    token_url: bool,
    /// Whether the previous character is a letter of another script.
    in_other_word: bool,
    /// Whether the previous character is a `.`.
    after_dot: bool,
    persian: u64,
    arabic: u64,
    /// The current Arabic-script word, folded and packed (see `key`), while
    /// it is short enough to be a function word (`word_len` past
    /// FUNCTION_WORD_MAX once it is not).
    word: u128,
    word_len: usize,
}

impl Evidence {
    // Called once per character in the two hot loops: a call costs more
    // than the body (measured with callgrind).
    #[inline(always)]
    pub(crate) fn push(&mut self, what: Counted) {
        match what {
            Counted::Letter {
                persian: p,
                arabic: a,
                folded,
            } => {
                self.arabic_words += u64::from(self.word_len == 0);
                self.in_other_word = false;
                self.after_dot = false;
                self.arabic_letters += 1;
                self.persian += u64::from(p);
                self.arabic += u64::from(a);
                if self.word_len <= FUNCTION_WORD_MAX {
                    if folded == 0 {
                        // Three bytes (U+08A0…): no function word has it.
                        self.word_len = usize::MAX;
                    } else {
                        self.word |= u128::from(folded) << (8 * self.word_len);
                        self.word_len += 2;
                    }
                }
            }
            Counted::Mark => {}
            Counted::Other { letter, sign } => {
                self.end_word();
                self.other(letter, sign);
            }
        }
    }

    /// A character of another script (or none): counts the words of other
    /// scripts, leaving out those of URLs, e-mail addresses and domain
    /// names, so that a link after a short Persian line does not outweigh
    /// the line.
    #[inline(always)]
    fn other(&mut self, letter: bool, sign: Sign) {
        if sign == Sign::Joiner {
            return;
        }
        if sign == Sign::Ideograph {
            self.token_words += 1;
            self.in_other_word = false;
        } else if letter {
            if !self.in_other_word {
                self.token_words += 1;
                self.token_url |= self.after_dot;
            }
            self.in_other_word = true;
        } else {
            self.in_other_word = false;
            match sign {
                Sign::Space => self.end_token(),
                Sign::Url => self.token_url = true,
                _ => {}
            }
        }
        self.after_dot = sign == Sign::Dot;
    }

    #[inline]
    fn end_token(&mut self) {
        if !self.token_url {
            self.other_words += self.token_words;
        }
        (self.token_words, self.token_url) = (0, false);
    }

    #[inline]
    fn end_word(&mut self) {
        if (1..=FUNCTION_WORD_MAX).contains(&self.word_len) {
            match function_word(self.word) {
                1 => self.persian += 3,
                2 => self.arabic += 3,
                _ => {}
            }
        }
        (self.word, self.word_len) = (0, 0);
    }

    pub(crate) fn verdict(mut self) -> bool {
        self.end_word();
        self.end_token();
        self.arabic_letters >= 2
            && self.arabic_words >= self.other_words
            && self.persian > self.arabic
    }
}

/// Slots of [`FUNCTION_WORD_SET`] (a power of two, over four times the
/// number of words, so that a word that is not there meets an empty slot at
/// once).
const FUNCTION_WORD_SLOTS: usize = 512;

fn word_slot(word: u128) -> usize {
    let low = u64::try_from(word & u128::from(u64::MAX)).unwrap_or(0);
    let high = u64::try_from(word >> 64).unwrap_or(0);
    let mixed = low ^ high.rotate_left(29);
    // The top 9 bits: a slot of the 512.
    usize::try_from(mixed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 55).unwrap_or(0)
}

/// [`FUNCTION_WORDS`] as an open-addressing hash set: one multiplication
/// and usually one comparison per looked-up word.
static FUNCTION_WORD_SET: std::sync::LazyLock<Vec<(u128, u8)>> = std::sync::LazyLock::new(|| {
    let mut set = vec![(0u128, 0u8); FUNCTION_WORD_SLOTS];
    for &(word, kind) in &FUNCTION_WORDS {
        let mut i = word_slot(word);
        while set.get(i).is_some_and(|&(_, k)| k != 0) {
            i = (i + 1) % FUNCTION_WORD_SLOTS;
        }
        if let Some(slot) = set.get_mut(i) {
            *slot = (word, kind);
        }
    }
    set
});

/// 1 if `word` (folded, packed) is a Persian function word, 2 if an Arabic
/// one, 0 if neither.
#[inline]
fn function_word(word: u128) -> u8 {
    let set = &*FUNCTION_WORD_SET;
    let mut i = word_slot(word);
    loop {
        match set.get(i) {
            Some(&(w, kind)) if kind != 0 => {
                if w == word {
                    return kind;
                }
                i = (i + 1) % FUNCTION_WORD_SLOTS;
            }
            _ => return 0,
        }
    }
}

/// Whether a text is Persian (see the module documentation). The caller
/// passes the text or its start (newsbag uses the first 64 KiB).
pub fn is_persian(text: &str) -> bool {
    let bytes = text.as_bytes();
    if !may_hold_arabic_letters(bytes) {
        // Not one Arabic letter: the verdict needs two.
        return false;
    }
    let block = &*ARABIC_BLOCK;
    let mut evidence = Evidence::default();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let what = if b < 0x80 {
            i += 1;
            counted_ascii(b)
        } else if let (0xD8..=0xDB, Some(&b2)) = (b, bytes.get(i + 1)) {
            i += 2;
            let low = (usize::from(b & 0x03) << 6) | usize::from(b2 & 0x3F);
            block.get(low).copied().unwrap_or(Counted::Mark)
        } else {
            let Some(c) = text.get(i..).and_then(|r| r.chars().next()) else {
                break;
            };
            i += c.len_utf8();
            counted(c)
        };
        evidence.push(what);
    }
    evidence.verdict()
}

/// Whether UTF-8 `bytes` may encode an Arabic letter (see
/// [`is_arabic_letter`]: U+0620–U+08C9): a lead byte of U+0600–U+07FF
/// (0xD8–0xDF) or the first two bytes of U+0800–U+08FF (0xE0 0xA0–0xA3).
/// One pass that the compiler vectorises, so that text in other scripts
/// (Chinese, Japanese, Greek…) costs next to nothing to rule out.
fn may_hold_arabic_letters(bytes: &[u8]) -> bool {
    let mut two_byte_arabic = false;
    let mut e0 = false;
    for chunk in bytes.chunks(4096) {
        two_byte_arabic |= chunk.iter().fold(false, |a, &b| a | (b & 0xF8 == 0xD8));
        e0 |= chunk.iter().fold(false, |a, &b| a | (b == 0xE0));
        if two_byte_arabic {
            return true;
        }
    }
    e0 && bytes.windows(2).any(|w| matches!(w, [0xE0, 0xA0..=0xA3]))
}

#[cfg(test)]
/// The straightforward [`is_persian`] that the fast one must agree with.
pub(crate) fn is_persian_reference(text: &str) -> bool {
    let (mut arabic_letters, mut arabic_words, mut other_words) = (0u64, 0u64, 0u64);
    let (mut persian, mut arabic) = (0u64, 0u64);
    let other_letter = |c: char| -> bool {
        if c.is_ascii() {
            c.is_ascii_alphabetic()
        } else {
            is_non_ascii_letter(c)
        }
    };
    let ideograph = |c: char| matches!(c, '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}' | '\u{4E00}'..='\u{9FFF}');
    let space = |c: char| c.is_whitespace() || matches!(c, '\u{1C}'..='\u{1F}');
    for token in text.split(space) {
        let chars: Vec<char> = token.chars().collect();
        let mut words = 0u64;
        let mut url = token.contains(['@', '/']);
        let arabic_part = |c: char| is_arabic_letter(c) || is_haraka(c) || c == '\u{0640}';
        let joiner = |c: char| {
            unicode_normalization::char::is_combining_mark(c)
                || matches!(c, '\u{1160}'..='\u{11FF}' | '\u{0640}' | '\0')
                || is_haraka(c)
        };
        for (k, &c) in chars.iter().enumerate() {
            // The character before, joiners skipped.
            let before = chars
                .get(..k)
                .unwrap_or_default()
                .iter()
                .rev()
                .find(|&&d| !joiner(d))
                .copied();
            if is_arabic_letter(c) {
                arabic_letters += 1;
                match c {
                    'پ' | 'چ' | 'ژ' | 'گ' => persian += 2,
                    'ک' | 'ی' => persian += 1,
                    'ة' => arabic += 2,
                    'ٹ' | 'ڈ' | 'ڑ' | 'ں' | 'ے' | 'ھ' => arabic += 3,
                    _ => {}
                }
                // The first letter of a run of letters and marks starts a
                // word.
                let run_start = chars
                    .get(..k)
                    .unwrap_or_default()
                    .iter()
                    .rev()
                    .take_while(|&&d| arabic_part(d))
                    .all(|&d| !is_arabic_letter(d));
                if run_start {
                    arabic_words += 1;
                    // The whole run, folded, may be a function word.
                    let run: String = chars
                        .get(k..)
                        .unwrap_or_default()
                        .iter()
                        .take_while(|&&d| arabic_part(d))
                        .filter(|&&d| is_arabic_letter(d))
                        .map(|&d| fold(d))
                        .collect();
                    if run.len() <= FUNCTION_WORD_MAX && run.chars().all(|d| d < '\u{800}') {
                        if PERSIAN_WORDS.contains(&key(&run)) {
                            persian += 3;
                        } else if ARABIC_WORDS.contains(&key(&run)) {
                            arabic += 3;
                        }
                    }
                }
            } else if ideograph(c) {
                words += 1;
            } else if !arabic_part(c)
                && other_letter(c)
                && !before.is_some_and(|p| other_letter(p) && !ideograph(p) && !is_arabic_letter(p))
            {
                words += 1;
                url |= before == Some('.');
            }
        }
        if !url {
            other_words += words;
        }
    }
    arabic_letters >= 2 && arabic_words >= other_words && persian > arabic
}

/// Whether a whitespace-free token must not be repaired: a URL, an e-mail
/// address or a domain name.
fn is_url_or_email(token: &str) -> bool {
    is_url_or_email_bytes(token.as_bytes())
}

/// [`is_url_or_email`] of the bytes of a token in UTF-8 or in any encoding
/// that keeps ASCII as ASCII and writes nothing else with ASCII bytes: every
/// sign it looks for is ASCII.
pub(crate) fn is_url_or_email_bytes(token: &[u8]) -> bool {
    // Every sign below has a `:`, `@` or `.`: one byte search rules most
    // tokens out.
    // (A plain loop: tokens are short, too short for memchr's set-up.)
    token.iter().any(|&b| matches!(b, b':' | b'@' | b'.')) && is_url_or_email_slow(token)
}

fn is_url_or_email_slow(token: &[u8]) -> bool {
    let contains = |needle: &[u8]| token.windows(needle.len()).any(|w| w == needle);
    contains(b"://")
        || token.contains(&b'@')
        || token.starts_with(b"www.")
        || contains(b".com")
        || contains(b".ir/")
}

/// What [`repair_token`] knows of a character (bit flags).
const WORD: u8 = 1;
const HARAKA: u8 = 2;
pub(crate) const LETTER: u8 = 4;
/// Arabic yeh, alef maksura, Arabic kaf: repaired inside a Persian word.
const TARGET: u8 = 8;
const NOT_SIGN: u8 = 16;

pub(crate) fn repair_flags(c: char) -> u8 {
    let mut f = 0;
    if is_word_char(c) {
        f |= WORD;
    }
    if is_haraka(c) {
        f |= HARAKA;
    }
    if is_arabic_letter(c) {
        f |= LETTER;
    }
    if matches!(c, '\u{064A}' | '\u{0649}' | '\u{0643}') {
        f |= TARGET;
    }
    if c == '\u{00AC}' {
        f |= NOT_SIGN;
    }
    f
}

/// [`repair_flags`] of U+0000–U+07FF (one- and two-byte UTF-8).
static REPAIR_FLAGS: std::sync::LazyLock<[u8; 0x800]> = std::sync::LazyLock::new(|| {
    let mut table = [0u8; 0x800];
    for (u, slot) in (0u32..).zip(table.iter_mut()) {
        *slot = char::from_u32(u).map_or(0, repair_flags);
    }
    table
});

/// The UTF-8 length and the [`repair_flags`] of the character starting at
/// byte `i` of `s` (a char boundary); `None` at the end.
#[inline]
fn flags_at(s: &str, table: &[u8; 0x800], i: usize) -> Option<(usize, u8)> {
    let bytes = s.as_bytes();
    let b = *bytes.get(i)?;
    if b < 0x80 {
        // No ASCII character is a word character or a target.
        return Some((1, 0));
    }
    if let (0xC2..=0xDF, Some(&b2)) = (b, bytes.get(i + 1)) {
        let u = (usize::from(b & 0x1F) << 6) | usize::from(b2 & 0x3F);
        return Some((2, table.get(u).copied().unwrap_or(0)));
    }
    let c = s.get(i..)?.chars().next()?;
    Some((c.len_utf8(), repair_flags(c)))
}

/// Applies the Persian repairs to one whitespace-free token, appending the
/// result to `out`. One pass over the token; untouched stretches are copied
/// whole, and only the repaired characters are written one by one.
pub(crate) fn repair_token(token: &str, out: &mut String, repairs: &mut Repairs) {
    let bytes = token.as_bytes();
    // U+064A, U+0649, U+0643 are D9 8A, D9 89, D9 83; U+00AC is C2 AC.
    let needs = bytes
        .windows(2)
        .any(|w| matches!(w, [0xD9, 0x8A | 0x89 | 0x83] | [0xC2, 0xAC]));
    if !needs || is_url_or_email(token) {
        out.push_str(token);
        return;
    }
    let table = &*REPAIR_FLAGS;
    let (mut yeh, mut keheh, mut zwnj) = (0u64, 0u64, 0u64);
    // `token[..copied]` is in `out`.
    let mut copied = 0;
    // The current word: where it starts, whether it has a haraka, whether
    // it has something to repair; whether the previous character is an
    // Arabic-script letter.
    let mut word: Option<usize> = None;
    let (mut haraka, mut change, mut after_letter) = (false, false, false);
    let mut i = 0;
    loop {
        let next = flags_at(token, table, i);
        let (len, f) = next.unwrap_or((0, 0));
        let mut in_word = f & WORD != 0;
        if f & NOT_SIGN != 0 && after_letter {
            // A NOT SIGN between two Arabic-script letters joins the word.
            in_word = flags_at(token, table, i + len).is_some_and(|(_, g)| g & LETTER != 0);
        }
        if in_word {
            if word.is_none() {
                word = Some(i);
            }
            haraka |= f & HARAKA != 0;
            change |= f & (TARGET | NOT_SIGN) != 0;
        } else if let Some(start) = word.take() {
            // The word `token[start..i]` ends: repaired unless it has
            // harakat (probably an Arabic quotation) or nothing to repair.
            if change && !haraka {
                // Inside the word every NOT SIGN joins; the targets' UTF-8
                // (D9 8A, D9 89, D9 83, C2 AC) is found byte by byte: lead
                // bytes are never continuation bytes.
                out.push_str(token.get(copied..start).unwrap_or_default());
                let mut run = start;
                let mut k = start;
                while k + 1 < i {
                    let repaired = match bytes.get(k..k + 2) {
                        Some([0xD9, 0x8A | 0x89]) => {
                            yeh += 1;
                            "\u{06CC}"
                        }
                        Some([0xD9, 0x83]) => {
                            keheh += 1;
                            "\u{06A9}"
                        }
                        Some([0xC2, 0xAC]) => {
                            zwnj += 1;
                            "\u{200C}"
                        }
                        _ => {
                            k += 1;
                            continue;
                        }
                    };
                    out.push_str(token.get(run..k).unwrap_or_default());
                    out.push_str(repaired);
                    k += 2;
                    run = k;
                }
                out.push_str(token.get(run..i).unwrap_or_default());
                copied = i;
            }
            (haraka, change) = (false, false);
        }
        if next.is_none() {
            break;
        }
        after_letter = f & LETTER != 0;
        i += len;
    }
    out.push_str(token.get(copied..).unwrap_or_default());
    add_repair(repairs, RepairKind::PersianYeh, yeh);
    add_repair(repairs, RepairKind::PersianKeheh, keheh);
    add_repair(repairs, RepairKind::ZwnjFromNotSign, zwnj);
}

#[cfg(test)]
/// The straightforward [`repair_token`] that the fast one must agree with.
pub(crate) fn repair_token_reference(token: &str, out: &mut String, repairs: &mut Repairs) {
    let needs = token
        .chars()
        .any(|c| matches!(c, '\u{064A}' | '\u{0649}' | '\u{0643}' | '\u{00AC}'));
    if !needs || is_url_or_email(token) {
        out.push_str(token);
        return;
    }
    // A NOT SIGN between two Arabic-script letters joins the word around it.
    let joins = |i: usize| -> bool {
        token.get(i..).is_some_and(|r| r.starts_with('\u{00AC}'))
            && token
                .get(..i)
                .and_then(|b| b.chars().next_back())
                .is_some_and(is_arabic_letter)
            && token
                .get(i + 2..)
                .and_then(|a| a.chars().next())
                .is_some_and(is_arabic_letter)
    };
    let mut rest_start = 0;
    let mut iter = token.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if !is_word_char(c) {
            continue;
        }
        // A word runs from i to `end`.
        let mut end = i + c.len_utf8();
        while let Some(&(j, d)) = iter.peek() {
            if is_word_char(d) || joins(j) {
                end = j + d.len_utf8();
                iter.next();
            } else {
                break;
            }
        }
        let word = token.get(i..end).unwrap_or_default();
        out.push_str(token.get(rest_start..i).unwrap_or_default());
        rest_start = end;
        if word.chars().any(is_haraka) {
            // Probably an Arabic quotation: left alone.
            out.push_str(word);
            continue;
        }
        for (k, c) in word.char_indices() {
            let repaired = match c {
                '\u{064A}' | '\u{0649}' => {
                    add_repair(repairs, RepairKind::PersianYeh, 1);
                    '\u{06CC}'
                }
                '\u{0643}' => {
                    add_repair(repairs, RepairKind::PersianKeheh, 1);
                    '\u{06A9}'
                }
                '\u{00AC}' if joins(i + k) => {
                    add_repair(repairs, RepairKind::ZwnjFromNotSign, 1);
                    '\u{200C}'
                }
                c => c,
            };
            out.push(repaired);
        }
    }
    out.push_str(token.get(rest_start..).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn function_words_are_short_and_two_byte() {
        for (list, name) in [(PERSIAN_WORDS, "Persian"), (ARABIC_WORDS, "Arabic")] {
            for &k in list {
                let bytes: Vec<u8> = k
                    .to_le_bytes()
                    .into_iter()
                    .take_while(|&b| b != 0)
                    .collect();
                let word = String::from_utf8(bytes).unwrap();
                assert!(word.len() <= FUNCTION_WORD_MAX, "{name} {word}");
                assert!(word.chars().all(|c| is_arabic_letter(c) && c < '\u{800}'));
            }
        }
        assert!(
            FUNCTION_WORDS.windows(2).all(|w| w[0].0 < w[1].0),
            "sorted, no duplicate"
        );
    }

    #[test]
    fn hash_set_finds_exactly_the_function_words() {
        for &(word, kind) in &FUNCTION_WORDS {
            assert_eq!(function_word(word), kind);
        }
        for word in ["كتاب", "ايران", "x", "", "اي", "فيها"] {
            let k = key(word);
            let expected = FUNCTION_WORDS
                .iter()
                .find(|(w, _)| *w == k)
                .map_or(0, |&(_, kind)| kind);
            assert_eq!(function_word(k), expected, "{word}");
        }
    }

    #[test]
    fn fast_decision_and_repairs_equal_reference_on_the_corpus() {
        let root =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/encoding/corpus");
        let mut files = vec![root];
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let text = super::super::to_text(&bytes, None).text;
            assert_eq!(is_persian(&text), is_persian_reference(&text), "{path:?}");
            for line in text.lines() {
                assert_eq!(is_persian(line), is_persian_reference(line), "{line}");
            }
            for token in text.split_whitespace() {
                assert_eq!(repaired(token, true), repaired(token, false), "{token}");
            }
        }
    }

    fn words() -> impl Strategy<Value = String> {
        let all: Vec<String> = PERSIAN_WORDS
            .iter()
            .chain(ARABIC_WORDS)
            .map(|k| {
                let b: Vec<u8> = k
                    .to_le_bytes()
                    .into_iter()
                    .take_while(|&b| b != 0)
                    .collect();
                String::from_utf8(b).unwrap()
            })
            .collect();
        proptest::collection::vec(
            prop_oneof![
                proptest::sample::select(all),
                "[ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیيكىةٹڈڑںےھـ\u{064E}\u{0650}\u{08A0}]{1,7}",
                "[a-zA-Z0-9 .,]{0,4}",
                "\\PC{0,3}",
                Just(" ".to_owned()),
            ],
            0..40,
        )
        .prop_map(|v| v.join(" "))
    }

    fn repaired(token: &str, fast: bool) -> (String, Repairs) {
        let (mut out, mut repairs) = (String::new(), Repairs::new());
        if fast {
            repair_token(token, &mut out, &mut repairs);
        } else {
            repair_token_reference(token, &mut out, &mut repairs);
        }
        (out, repairs)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        #[test]
        fn fast_repair_equals_reference(
            s in "[ابپتکگیيكىـ¬\u{064E}\u{0650}\u{200C}\u{200D}a1.:@/-]{0,16}"
        ) {
            prop_assert_eq!(repaired(&s, true), repaired(&s, false));
        }

        #[test]
        fn fast_repair_equals_reference_on_mixed_tokens(
            parts in proptest::collection::vec(
                prop_oneof![
                    "[ابپتکگیيكىـ¬\u{064E}\u{0650}\u{0670}\u{06D6}\u{200C}\u{200D}\u{08A0}]{0,6}",
                    "\\PC{0,3}",
                    "[a1.:@/-]{0,3}",
                ],
                0..8,
            )
        ) {
            let s: String = parts.concat();
            prop_assert_eq!(repaired(&s, true), repaired(&s, false));
        }

        #[test]
        fn fast_decision_equals_reference(s in words()) {
            prop_assert_eq!(is_persian(&s), is_persian_reference(&s));
        }

        #[test]
        fn fast_decision_equals_reference_on_any_text(s in "\\PC{0,200}") {
            prop_assert_eq!(is_persian(&s), is_persian_reference(&s));
        }
    }

    #[test]
    fn a_latin_letter_right_after_an_arabic_one_starts_a_word() {
        // Found by `fast_decision_equals_reference`: the reference took the
        // Arabic letter before `A` for a letter of another script, so `A`
        // did not start a word there.
        for s in ["ᥰ ݐA 𞠀 است a پ", "اA", "کتابA و B"] {
            assert_eq!(is_persian(s), is_persian_reference(s), "{s:?}");
        }
        assert!(!is_persian("ᥰ ݐA 𞠀 است a پ"));
    }

    #[test]
    fn persian_or_not() {
        let cases: &[(&str, bool, &str)] = &[
            (
                "نشست هم اندیشی ستاد توسعه پایدار شهرداری رشت",
                true,
                "seed title",
            ),
            (
                "انتخابات رياست جمهوري در ايران برگزار شد",
                true,
                "Persian with Arabic yeh",
            ),
            (
                "اين كتاب را خواندم",
                true,
                "Persian in windows-1256 letters",
            ),
            (
                "قال الرئيس في كلمته إن الحكومة ستواصل العمل",
                false,
                "Arabic",
            ),
            ("الحمد لله رب العالمين", false, "Arabic, no evidence"),
            ("وزیراعظم نے کہا ہے کہ حکومت", false, "Urdu"),
            ("Tehran (AP) — Iran said", false, "English"),
            ("", false, "empty"),
            ("کتاب", true, "one Persian word with keheh and yeh"),
            ("كتاب", false, "one Arabic word"),
            (
                "رييس جمهوري گفت اين كار را مي كنيم https://www.example.com/news/2024/world/article-12345.html",
                true,
                "short Persian line with a URL (issue 11)",
            ),
            (
                "براي اطلاعات بيشتر با ما تماس بگيريد: newsroom.editor@example-agency.com",
                true,
                "short Persian line with an e-mail address",
            ),
            (
                "از طريق Instagram و WhatsApp و Telegram پيام داد",
                true,
                "short Persian line with Latin words",
            ),
            (
                "قال الرئيس في كلمته https://www.example.com/news/2024/world/article-12345.html",
                false,
                "Arabic line with a URL",
            ),
            (
                "The minister said on Monday that talks would go on; ايران",
                false,
                "English with one Persian word",
            ),
        ];
        for (text, want, note) in cases {
            assert_eq!(is_persian(text), *want, "{note}");
        }
    }
}
