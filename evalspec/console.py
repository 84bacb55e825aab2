"""Plain output helpers for commands (click stays in cli.py)."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable


def out(text: str = "", *, flush: bool = False) -> None:
    """A line of a command's result, on stdout (flushed when a reader waits for it)."""
    sys.stdout.write(text + "\n")
    if flush:
        sys.stdout.flush()


def err(text: str = "") -> None:
    """A line of progress or diagnostics, on stderr."""
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def is_interactive() -> bool:
    """Whether stderr is a terminal a person watches (not CI, not a pipe)."""
    return sys.stderr.isatty() and not os.environ.get("CI")


# ANSI colours for verdicts and plan actions; only on a terminal, never under NO_COLOR or CI.
_GREEN, _YELLOW, _RED = "32", "33", "31"
_VERDICT = re.compile(r"\b(PASS|FAIL)\b")
_PLAN_ROW = re.compile(r"^(  )([+~\->])( )")
_PLAN_COLOURS = {"+": _GREEN, "~": _YELLOW, "-": _RED, ">": _YELLOW}


def use_colour() -> bool:
    """Colour on stdout: only for a person at a terminal (https://no-color.org, and not in CI)."""
    if os.environ.get("NO_COLOR") or os.environ.get("CI") or os.environ.get("TERM") == "dumb":
        return False
    return sys.stdout.isatty()


def _paint(text: str, colour: str) -> str:
    return f"\x1b[{colour}m{text}\x1b[0m"


def paint_verdicts(lines: Iterable[str]) -> list[str]:
    """PASS in green and FAIL in red, when colour is on."""
    if not use_colour():
        return list(lines)
    return [_VERDICT.sub(lambda m: _paint(m.group(1), _GREEN if m.group(1) == "PASS" else _RED), line)
            for line in lines]


def paint_plan(text: str) -> str:
    """A plan's action symbols (+ ~ - >) coloured, when colour is on."""
    if not use_colour():
        return text
    return "\n".join(
        _PLAN_ROW.sub(lambda m: m.group(1) + _paint(m.group(2), _PLAN_COLOURS[m.group(2)]) + m.group(3), line)
        for line in text.split("\n")
    )
