#!/usr/bin/env python3
"""Compare the detection of two newsbag binaries on many slices of the
labelled corpus, for changes to the detector that should not change its
decisions (or should only improve them).

How to run (from the repository root)::

    git worktree add /tmp/nb-before <commit> && \
        cargo build --release --bin newsbag --manifest-path /tmp/nb-before/Cargo.toml
    cargo build --release --bin newsbag
    python3 benches/detection_diff.py /tmp/nb-before/target/release/newsbag \
        target/release/newsbag [--workdir DIR]

The slices: for every language of tests/fixtures/encoding/corpus, each of
its UTF-8 texts (titles, snippet, article) is cut into pieces of 24 to
8,192 characters starting at several offsets (at word boundaries), and each
piece is encoded in every legacy encoding the corpus uses for that language
(pieces an encoding cannot represent are skipped). Each file counts as right
for a binary when decoding it with the encoding the binary names gives the
piece back exactly (so two encodings that decode it alike are both right).

Prints the number of slices, how many each binary gets right, and every
slice on which the two differ in rightness. The exit status is 1 if the
second binary gets any slice wrong that the first got right.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_encoding import FIXTURES, decode, run_binary  # noqa: E402

LENGTHS = [24, 48, 96, 192, 384, 768, 1536, 3072, 8192]
OFFSETS = [0, 0.13, 0.37, 0.61]


def legacy_encodings():
    """Language -> the legacy (not UTF) encodings the corpus labels use."""
    with open(os.path.join(FIXTURES, "labels.json"), encoding="utf-8") as f:
        labels = json.load(f)
    out = {}
    for label in labels:
        lang = label["group"].split("/")[0]
        enc = label["encoding"]
        if lang == "truncated" or enc.startswith("utf-") or enc == "iso-2022-jp":
            continue
        out.setdefault(lang, set()).add(enc)
    return {lang: sorted(encs) for lang, encs in out.items()}


def slices(text):
    seen = set()
    for length in LENGTHS:
        for frac in OFFSETS:
            start = int(len(text) * frac)
            # Start at a word boundary where there is one.
            space = text.find(" ", start)
            if 0 < space < start + 40:
                start = space + 1
            piece = text[start : start + length].strip()
            if piece and piece not in seen:
                seen.add(piece)
                yield piece


def encode(piece, label):
    from compare_encoding import WHATWG

    name = WHATWG.get(label, label)
    try:
        data = piece.encode(name)
    except (UnicodeEncodeError, LookupError):
        return None
    # Pieces that are pure ASCII tell nothing about detection.
    if all(b < 0x80 for b in data):
        return None
    # The encoding must give the piece back (Python's codecs and WHATWG's
    # differ on a few code points).
    return data if decode(data, label) == piece else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--workdir")
    args = parser.parse_args()
    work = args.workdir or tempfile.mkdtemp(prefix="newsbag-detection-diff.")
    truth = {}
    for lang, encodings in sorted(legacy_encodings().items()):
        folder = os.path.join(FIXTURES, "corpus", lang, "utf-8")
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                text = f.read()
            for i, piece in enumerate(slices(text)):
                for enc in encodings:
                    data = encode(piece, enc)
                    if data is None:
                        continue
                    path = os.path.join(work, f"{lang}-{enc}-{name}-{i}.txt")
                    with open(path, "wb") as out:
                        out.write(data)
                    truth[path] = (piece, enc)
    files = sorted(truth)
    results = {}
    for which, binary in (("before", args.before), ("after", args.after)):
        results[which] = run_binary([binary, "detect", "--json"], files, True)
    right = {"before": 0, "after": 0}
    worse, better = [], []
    for path in files:
        piece, enc = truth[path]
        with open(path, "rb") as f:
            data = f.read()
        ok = {}
        for which in ("before", "after"):
            ok[which] = decode(data, results[which].get(path)) == piece
            right[which] += ok[which]
        if ok["before"] and not ok["after"]:
            worse.append((path, enc, results["before"].get(path), results["after"].get(path)))
        elif ok["after"] and not ok["before"]:
            better.append((path, enc, results["before"].get(path), results["after"].get(path)))
    print(f"slices: {len(files)} (in {work})")
    print(f"right before: {right['before']}, after: {right['after']}")
    for title, rows in (("worse", worse), ("better", better)):
        print(f"{title}: {len(rows)}")
        for path, enc, b, a in rows:
            print(f"  {os.path.basename(path)}: true {enc}, before {b}, after {a}")
    sys.exit(1 if worse else 0)


if __name__ == "__main__":
    main()
