"""Small wording helpers every stage's messages share."""

from __future__ import annotations


def plural(count: int, noun: str) -> str:
    """`1 check`, `2 checks`, `0 checks` (the noun's last word takes the s)."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
