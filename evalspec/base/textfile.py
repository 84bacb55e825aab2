"""Reading a user's text file without surprises: regular files only, bounded, errors located.

A FIFO named like a spec would block `read()` forever, a device would never end, and a file that
is not UTF-8 deserves the line and column of its first bad byte, not a codec's traceback text.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from evalspec.errors import Diagnostic


@dataclass(frozen=True)
class Mark:
    """A 1-based position in a file."""

    line: int
    col: int


class LocatedError(Exception):
    """A file that cannot be used; carries a diagnostic with its location."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(str(diagnostic))
        self.diagnostic = diagnostic


def mark_at(text: str | bytes, offset: int) -> Mark:
    """The line and column of `offset` (characters of text, or bytes) in `text`."""
    before = text[:offset]
    if isinstance(before, bytes):  # what precedes the first bad byte decodes cleanly
        before = before.decode("utf-8", errors="replace")
    return Mark(before.count("\n") + 1, len(before) - before.rfind("\n"))


def located(name: str, text: str | bytes, offset: int, message: str) -> Diagnostic:
    """A diagnostic at `offset` of `text` in the file `name`."""
    mark = mark_at(text, offset)
    return Diagnostic(name, mark.line, mark.col, "", message)


def read_text_file(path: Path, name: str, *, max_bytes: int | None = None) -> str:
    """The UTF-8 text of the regular file `path` (named `name` in messages), or LocatedError."""
    try:
        raw = _read_regular(path, name, max_bytes)
    except OSError as exc:
        raise _unlocated(name, f"cannot read file: {exc.strerror or exc}") from None
    except ValueError:  # a NUL byte in the path itself
        raise _unlocated(name, "the path contains a NUL byte") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LocatedError(located(name, raw, exc.start, "file is not valid UTF-8")) from None


def _read_regular(path: Path, name: str, max_bytes: int | None) -> bytes:
    # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _unlocated(name, "not a regular file")
        if max_bytes is not None and info.st_size > max_bytes:
            raise _unlocated(name, f"file is {info.st_size} bytes, above the limit of {max_bytes}")
        return handle.read()


def _unlocated(name: str, message: str) -> LocatedError:
    return LocatedError(Diagnostic(name, None, None, "", message))
