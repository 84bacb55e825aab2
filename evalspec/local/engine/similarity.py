"""How alike two texts are, word by word, in time near-linear in their length.

Short texts (the usual document and its truth) are compared in order with difflib's
SequenceMatcher: 2 * matched words / all words. Its worst case is quadratic (16k headings took
88 s), so past EXACT_WORDS on either side the measure becomes the word overlap: 2 * the words
both texts share, counted with multiplicity / all words. It is linear, equals the ordered ratio
when the order agrees, and never scores below it. Long texts are counted, never held as word
lists (a 16 MB document would need a few hundred MB of them).
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterator

EXACT_WORDS = 2000  # the ordered diff of 2,000 identical words takes ~1.5 s; 5,000: ~10 s
WORD_RE = re.compile(r"\w+")


def words(text: str) -> Iterator[str]:
    """Words of a (lower-cased) text, markup and punctuation dropped."""
    return (m.group() for m in WORD_RE.finditer(text))


def similarity(output: str, truth: str) -> tuple[float, str]:
    """The ratio (0..1) of two texts and what it measured, ignoring case."""
    output, truth = output.lower(), truth.lower()
    sizes = (_count(output), _count(truth))
    if not sum(sizes):
        return 1.0, "similarity"
    if max(sizes) <= EXACT_WORDS:
        matcher = difflib.SequenceMatcher(None, list(words(output)), list(words(truth)),
                                          autojunk=False)
        return matcher.ratio(), "similarity"
    shared = Counter(words(output)) & Counter(words(truth))
    return 2 * sum(shared.values()) / sum(sizes), f"word overlap (over {EXACT_WORDS} words)"


def _count(text: str) -> int:
    return sum(1 for _ in WORD_RE.finditer(text))
