#!/usr/bin/env python3
"""Quick LIX and word-count check for steg Markdown files (a writing aid; steg has its own check).

LIX = words / sentences + 100 * long_words / words, long = more than 6 letters.
A sentence ends at . ! ? or : followed by a space/end; every heading and list item also ends one.
Usage: python3 tools/lix.py FILE.md [...]
"""
import re
import sys


def body_of(text):
    if text.startswith("---"):
        end = text.find("\n---", 3)
        if end != -1:
            return text[end + 4:]
    return text


def lix(body):
    words = re.findall(r"[A-Za-zÅÄÖåäöÉéÜü0-9]+(?:[-'][A-Za-zÅÄÖåäöÉéÜü0-9]+)*", body)
    sentences = 0
    for line in body.splitlines():
        s = line.strip()
        if not s:
            continue
        ends = len(re.findall(r"[.!?:](\s|$)", s))
        if re.match(r"^(#+|[-*+]|\d+[.)])\s", s) and not re.search(r"[.!?:]$", s):
            ends += 1
        sentences += ends
    sentences = max(sentences, 1)
    n = len(words)
    if n == 0:
        return 0, 0.0
    long_words = sum(1 for w in words if len(re.sub(r"[^A-Za-zÅÄÖåäöÉéÜü]", "", w)) > 6)
    return n, n / sentences + 100 * long_words / n


if __name__ == "__main__":
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            n, score = lix(body_of(f.read()))
        print(f"{path}: {n} words, LIX {score:.1f}")
