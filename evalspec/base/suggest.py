"""'Did you mean' hints for misspelt keys and names."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from evalspec.errors import shorten

MAX_COMPARED = 200  # longer words are no misspelling of a name, and difflib would take long

def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A suffix like ` (did you mean 'invoices'?)`, or '' when nothing is close."""
    if len(word) > MAX_COMPARED:
        return ""
    matches = difflib.get_close_matches(word, sorted(set(choices)), n=1, cutoff=0.6)
    return f" (did you mean {matches[0]!r}?)" if matches else ""


def unknown_name(kind: str, name: str, known: Iterable[str]) -> str:
    """The message for a reference to a name that is not defined."""
    known = sorted(set(known))
    hint = did_you_mean(name, known)
    if not hint:
        hint = f" (defined: {', '.join(known)})" if known else f" (no {kind}s are defined)"
    return f"unknown {kind} {shorten(name)}{hint}"


def closest(word: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """Up to `n` of `choices` closest to `word`, best first (none when nothing is close)."""
    return difflib.get_close_matches(word, sorted(set(choices)), n=n, cutoff=0.4)
