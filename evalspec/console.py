"""Plain output helpers for commands (click stays in cli.py)."""

from __future__ import annotations

import os
import sys


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
