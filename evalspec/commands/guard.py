"""Holding the lockfile for a command, and saying so when a dead holder's lock is taken over;
refusing specs that would collect the lock into a managed collection."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from evalspec.base.filelock import LockfileGuard, holder_path, takeover_warning
from evalspec.console import err
from evalspec.errors import SpecError
from evalspec.lock.journal import journal_path
from evalspec.spec.files import collections_holding
from evalspec.spec.spec import Spec


def refuse_collected_lock(spec: Spec, lock_path: Path) -> None:
    """SpecError when a managed collection's files include the lock or its companions (a lock
    under another name than `*.lock` escapes the spec stage's own check)."""
    problems = collections_holding(spec, [lock_path, journal_path(lock_path), holder_path(lock_path)])
    if problems:
        raise SpecError(problems)


@contextmanager
def holding(lock_path: Path) -> Iterator[None]:
    """Hold `lock_path` for the block (LockHeld, exit 4, when another evalspec does)."""
    with LockfileGuard(lock_path) as guard:
        warning = takeover_warning(guard)
        if warning is not None:
            err(warning)
        yield
