#!/usr/bin/env python3
"""Builds newsbag's character-bigram language models for encoding detection
(src/encoding/models/bigrams.bin) from the word frequency lists of the PyPI
package ``wordfreq`` (3.1.1).

Run from the repository root (it makes a virtual environment in
``target/enc-venv`` with wordfreq if ``wordfreq`` cannot be imported)::

    python3 scripts/build_encoding_models.py

The output is deterministic for a given wordfreq version.

Where the text comes from: wordfreq's "small" word lists (the words of a
language with their frequencies, gathered by wordfreq from Wikipedia,
subtitles, news, books, web text and social media). wordfreq's code is
Apache-2.0; its data is redistributable under CC-BY-SA 4.0
(https://creativecommons.org/licenses/by-sa/4.0/), with the attributions
listed in wordfreq's README. The model file is a derived work of that data
(letter-pair frequencies, not text) and is distributed under CC-BY-SA 4.0
with the same attribution: "Letter-pair frequencies derived from wordfreq
3.1.1 by Robyn Speer (https://github.com/rspeer/wordfreq), CC-BY-SA 4.0."
No file of the encoding-dev corpus, nor of any detector's test data, is
read.

What the model holds, per language: the probability of each pair of
adjacent characters (lower case; a space stands for a word's start and end)
among the pairs that hold at least one non-ASCII letter, weighted by word
frequency, for the pairs that make up 99.9 % of that mass (at most
MAX_PAIRS); and the probability of each non-ASCII letter among the non-ASCII
letters (those above 1 in 100,000), for pairs the list does not hold. Encoding detection compares the readings of the same bytes in
candidate encodings by how likely their non-ASCII letter pairs are in the
language that fits each reading best.

Format (all integers little-endian):
    b"NBLM1", u8 number of languages, then per language:
    u8 length of the language code, the code (ASCII),
    u16 number of pairs, then per pair: u16 first char, u16 second char
    (UTF-16 code units, BMP only; 0x20 for a word boundary),
    u8 cost = round(-ln(p) * 8), at most 255;
    u16 number of letters, then per letter: u16 char, u8 cost (as above).
"""

import math
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benches"))
from in_venv import reexec_in_venv  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "src", "encoding", "models", "bigrams.bin")
VENV = os.path.join(ROOT, "target", "enc-venv")

# Languages written in the scripts of the legacy single-byte encodings
# (Latin, Cyrillic, Greek, Hebrew) that wordfreq has lists for. Arabic and
# Persian are left to newsbag's own Arabic-script rules; CJK to chardetng.
LANGUAGES = [
    "bg", "ca", "cs", "da", "de", "el", "en", "es", "fi", "fr", "he", "hu",
    "id", "is", "it", "lt", "lv", "mk", "ms", "nb", "nl", "pl", "pt", "ro",
    "ru", "sh", "sk", "sl", "sv", "tr", "uk", "vi",
]
# Words per language (the most frequent ones) and pairs kept.
WORDS = 30000
MAX_PAIRS = 1200
MASS = 0.999
LETTER_FLOOR = 1e-5


def ensure_wordfreq():
    try:
        import wordfreq  # noqa: F401

        return
    except ImportError:
        pass
    reexec_in_venv(VENV, ["wordfreq==3.1.1"])


def is_letter(c):
    return c.isalpha()


def pairs_of(lang):
    import wordfreq

    freqs = wordfreq.get_frequency_dict(lang, "small")
    words = sorted(freqs.items(), key=lambda kv: (-kv[1], kv[0]))[:WORDS]
    counts = {}
    letters = {}
    for word, f in words:
        word = word.lower()
        if not all(is_letter(c) for c in word):
            continue
        if all(c.isascii() for c in word):
            continue
        for c in word:
            if not c.isascii() and ord(c) <= 0xFFFF:
                letters[c] = letters.get(c, 0.0) + f
        padded = " " + word + " "
        for a, b in zip(padded, padded[1:]):
            if a.isascii() and b.isascii():
                continue
            if ord(a) > 0xFFFF or ord(b) > 0xFFFF:
                continue
            counts[(a, b)] = counts.get((a, b), 0.0) + f
    total = sum(counts.values())
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    kept, mass = [], 0.0
    for pair, c in ranked:
        if mass >= MASS * total or len(kept) >= MAX_PAIRS:
            break
        kept.append((pair, c / total))
        mass += c
    total_letters = sum(letters.values())
    singles = sorted(
        (c, f / total_letters) for c, f in letters.items() if f / total_letters >= LETTER_FLOOR
    )
    return kept, singles


def main():
    ensure_wordfreq()
    out = bytearray(b"NBLM1")
    out.append(len(LANGUAGES))
    for lang in LANGUAGES:
        pairs, singles = pairs_of(lang)
        out.append(len(lang))
        out += lang.encode("ascii")
        out += struct.pack("<H", len(pairs))
        for (a, b), p in sorted(pairs):
            cost = min(255, round(-math.log(p) * 8))
            out += struct.pack("<HHB", ord(a), ord(b), cost)
        out += struct.pack("<H", len(singles))
        for c, p in singles:
            out += struct.pack("<HB", ord(c), min(255, round(-math.log(p) * 8)))
        print(f"{lang}: {len(pairs)} pairs, {len(singles)} letters", file=sys.stderr)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT + ".tmp", "wb") as f:
        f.write(out)
    os.replace(OUT + ".tmp", OUT)
    print(f"{OUT}: {len(out)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
