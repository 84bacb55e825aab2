"""Holding the lockfile for a command, and saying so when a dead holder's lock is taken over."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from evalspec.base.filelock import LockfileGuard, takeover_warning
from evalspec.console import err


@contextmanager
def holding(lock_path: Path) -> Iterator[None]:
    """Hold `lock_path` for the block (LockHeld, exit 4, when another evalspec does)."""
    with LockfileGuard(lock_path) as guard:
        warning = takeover_warning(guard)
        if warning is not None:
            err(warning)
        yield
