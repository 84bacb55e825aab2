"""truth_similarity's measure: ordered for short texts, linear word overlap for long ones."""

from __future__ import annotations

from evalspec.local.engine.similarity import EXACT_WORDS, similarity


def test_short_texts_are_compared_in_order() -> None:
    assert similarity("a b c d", "a b c d") == (1.0, "similarity")
    assert similarity("Summary: the lease ends", "summary the lease ENDS")[0] == 1.0
    assert similarity("a b c d", "d c b a")[0] == 0.25  # one word in order out of four
    assert similarity("", "") == (1.0, "similarity")
    assert similarity("a b", "")[0] == 0.0


def test_long_texts_are_compared_by_word_overlap() -> None:
    words = [f"w{i}" for i in range(EXACT_WORDS + 1)]
    forward, backward = " ".join(words), " ".join(reversed(words))
    score, what = similarity(forward, backward)
    assert (score, what) == (1.0, f"word overlap (over {EXACT_WORDS} words)")
    half = " ".join(words[: len(words) // 2])
    assert abs(similarity(forward, half)[0] - 2 * (len(words) // 2) / (len(words) * 1.5)) < 0.01


def test_many_repeated_headings_are_scored_without_quadratic_work() -> None:
    # 16k headings of the same words took 88 s with an unbounded ordered diff.
    text = "".join(f"# Heading {i}\n" for i in range(16_000))
    assert similarity(text, text) == (1.0, f"word overlap (over {EXACT_WORDS} words)")
