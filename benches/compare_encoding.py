#!/usr/bin/env python3
"""Compare newsbag's encoding detection with chardet, charset-normalizer and
chardetng alone on the labelled corpus in tests/fixtures/encoding/.

How to run (from the repository root)::

    cargo build --release --bin newsbag --example chardetng_only
    python3 benches/compare_encoding.py            # creates .venv-compare/ if needed

When ``chardet>=7`` and ``charset-normalizer`` are not importable, the
script creates a virtual environment in ``target/compare-venv`` (inside the
ignored ``target/``), ``pip install``s them into it and re-runs itself
there. Pass ``--venv DIR`` to use another place, ``--markdown`` to print a
Markdown table (as in docs/encoding.md); set ``COMPARE_ALL_GROUPS=1`` for
one row per corpus group. The exit status is 1 if newsbag is below 100 % on
any Persian or Arabic group.

Scoring: a file counts as right when decoding it with the encoding a tool
names gives exactly the truth text of ``labels.json`` (a leading U+FEFF is
dropped for every tool alike; labels are decoded with Python's codecs, with
WHATWG names mapped to the matching codec, malformed bytes replaced). Two
encodings that decode a file to the same text are both right, so pure ASCII
counts for everyone.

- newsbag: ``target/release/newsbag detect --json`` (BOM, declaration,
  UTF-8, UTF-16, chardetng + plausibility, fallback);
- chardetng: ``target/release/examples/chardetng_only`` (chardetng's guess
  with UTF-8 allowed, nothing else);
- chardet: ``chardet.detect(bytes)["encoding"]``;
- charset-normalizer: ``charset_normalizer.from_bytes(bytes).best().encoding``.
"""

import argparse
import codecs
import json
import os
import subprocess
import sys
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "encoding")

# WHATWG names (encoding_rs, lower case) -> Python codecs.
WHATWG = {
    "utf-8": "utf-8",
    "utf-16le": "utf-16-le",
    "utf-16be": "utf-16-be",
    "shift_jis": "cp932",
    "euc-jp": "euc_jp",
    "iso-2022-jp": "iso2022_jp",
    "gbk": "gb18030",
    "gb18030": "gb18030",
    "big5": "big5hkscs",
    "euc-kr": "cp949",
    "ibm866": "cp866",
    "koi8-r": "koi8_r",
    "koi8-u": "koi8_u",
    "x-mac-cyrillic": "mac_cyrillic",
    "iso-8859-8-i": "iso8859_8",
    "windows-874": "cp874",
}


def ensure_venv(venv):
    try:
        import chardet  # noqa: F401
        import charset_normalizer  # noqa: F401

        if int(chardet.__version__.split(".")[0]) >= 7:
            return
    except ImportError:
        pass
    if os.environ.get("NEWSBAG_COMPARE_IN_VENV"):
        sys.exit("chardet>=7 and charset-normalizer could not be imported in the venv")
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        subprocess.check_call([sys.executable, "-m", "venv", venv])
    subprocess.check_call([python, "-m", "pip", "install", "-q", "chardet>=7", "charset-normalizer"])
    env = dict(os.environ, NEWSBAG_COMPARE_IN_VENV="1")
    os.execve(python, [python] + sys.argv, env)


def decode(data, label):
    if not label:
        return None
    name = WHATWG.get(label.lower(), label)
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    try:
        text = data.decode(info.name, "replace")
    except Exception:  # noqa: BLE001 - some codecs raise on odd input
        return None
    return text[1:] if text.startswith("\ufeff") else text


def run_binary(cmd, files, json_output):
    out = {}
    chunk = 200
    for i in range(0, len(files), chunk):
        part = files[i : i + chunk]
        res = subprocess.run(cmd + part, capture_output=True, text=True, check=False)
        for line in res.stdout.splitlines():
            if json_output:
                rec = json.loads(line)
                out[rec["file"]] = rec["encoding"]
            else:
                label, path = line.split("\t", 1)
                out[path] = label
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--venv", default=os.path.join(ROOT, "target", "compare-venv"))
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    ensure_venv(args.venv)
    import chardet
    import charset_normalizer

    labels = json.load(open(os.path.join(FIXTURES, "labels.json"), encoding="utf-8"))
    files = [os.path.join(FIXTURES, r["file"]) for r in labels]
    newsbag = run_binary([os.path.join(ROOT, "target", "release", "newsbag"), "detect", "--json"], files, True)
    chardetng = run_binary([os.path.join(ROOT, "target", "release", "examples", "chardetng_only")], files, False)

    tools = ["newsbag", "chardet", "charset-normalizer", "chardetng"]
    score = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for rec, path in zip(labels, files):
        data = open(path, "rb").read()
        guesses = {
            "newsbag": newsbag.get(path),
            "chardetng": chardetng.get(path),
            "chardet": chardet.detect(data).get("encoding"),
        }
        best = charset_normalizer.from_bytes(data).best()
        guesses["charset-normalizer"] = best.encoding if best else None
        for tool in tools:
            ok = decode(data, guesses[tool]) == rec["truth"]
            for key in (rec["group"], "family:" + family(rec["group"]), "ALL"):
                score[key][tool][0] += ok
                score[key][tool][1] += 1

    keys = sorted(k for k in score if k.startswith("family:")) + ["ALL"]
    if os.environ.get("COMPARE_ALL_GROUPS"):
        keys = sorted(k for k in score if not k.startswith("family:") and k != "ALL") + keys
    versions = f"chardet {chardet.__version__}, charset-normalizer {charset_normalizer.__version__}"
    if args.markdown:
        print("| group | files | " + " | ".join(tools) + " |")
        print("|---|---:|" + "---:|" * len(tools))
        for k in keys:
            n = score[k]["newsbag"][1]
            cells = [f"{100 * score[k][t][0] / n:.1f}%" for t in tools]
            print(f"| {k.replace('family:', '')} | {n} | " + " | ".join(cells) + " |")
        print(f"\n({versions})")
    else:
        print(f"{'group':32} {'files':>5} " + " ".join(f"{t:>18}" for t in tools))
        for k in keys:
            n = score[k]["newsbag"][1]
            cells = [f"{score[k][t][0]:>4}/{n:<4} {100 * score[k][t][0] / n:5.1f}%" for t in tools]
            print(f"{k.replace('family:', ''):32} {n:>5} " + " ".join(f"{c:>18}" for c in cells))
        print(versions)
    # Persian and Arabic groups must be perfect for newsbag.
    bad = [k for k in score if k.startswith(("fa/", "ar/")) and score[k]["newsbag"][0] != score[k]["newsbag"][1]]
    if bad:
        print("newsbag is below 100% on: " + ", ".join(sorted(bad)), file=sys.stderr)
        return 1
    return 0


def family(group):
    """Rows of the summary table: the language (fa, ar, ru, …), or the kind
    of file (html/xml with declarations, truncated)."""
    lang, variant = group.split("/", 1)
    if lang == "truncated":
        return "truncated"
    if lang in ("fa", "ar"):
        return f"{lang}/" + ("markup" if variant.startswith(("html", "xml")) else
                            "utf-16" if variant.startswith("utf-16") else
                            "utf-8" if variant.startswith("utf-8") else "legacy")
    if variant.startswith(("html", "xml")):
        return "markup (other languages)"
    if variant.startswith("utf-16"):
        return "utf-16 (other languages)"
    if variant.startswith("utf-8"):
        return "utf-8 (other languages)"
    return f"{lang} legacy"


if __name__ == "__main__":
    sys.exit(main())
