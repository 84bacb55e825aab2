"""One writer per lockfile: an advisory lock (flock) on a file beside it.

The kernel drops a flock when its process dies, even by kill -9, so a crashed apply never
leaves the lock held; the holder's pid and start time are written into the file so that a
second evalspec can say who holds it, and so that taking over after a crash is reported.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from pathlib import Path
from types import TracebackType
from typing import Any

from evalspec.base.clock import utc_now
from evalspec.errors import LockHeld


def takeover_warning(guard: LockfileGuard) -> str | None:
    """The warning to show when `guard` took over the lock of a process that died holding it."""
    previous = guard.taken_over
    if previous is None:
        return None
    return (f"warning: taking over the lock left by pid {previous['pid']} "
            f"(started {previous.get('started_at', '?')}), which is no longer running")


def holder_path(lock_path: Path) -> Path:
    """The file whose flock guards `lock_path`."""
    return lock_path.with_name(lock_path.name + ".pid")


class LockfileGuard:
    """`with LockfileGuard(path):` holds the lockfile or raises LockHeld (exit 4).

    `what` and `advice` word the refusal for other things guarded the same way (the local
    backend's data directory).
    """

    def __init__(self, lock_path: Path, what: str = "the lockfile",
                 advice: str = "wait for it to finish") -> None:
        self.path = holder_path(lock_path)
        self.what, self.advice = what, advice
        self._fd: int | None = None
        self.taken_over: dict[str, Any] | None = None
        """The holder left by a process that died holding the lock, when this guard took it over."""

    def __enter__(self) -> LockfileGuard:
        return self.acquire()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()

    def acquire(self) -> LockfileGuard:
        """Take the lock, or raise LockHeld naming the holder."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise LockHeld(_held_message(self.path, self.what, self.advice)) from None
        previous = _read_holder(fd)
        if previous.get("pid") and previous.get("pid") != os.getpid():
            self.taken_over = previous
        _write_holder(fd)
        self._fd = fd
        return self

    def release(self) -> None:
        """Let go of the lock (a no-op when not held)."""
        if self._fd is None:
            return
        os.ftruncate(self._fd, 0)  # a clean exit leaves no holder to report
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None


def _held_message(path: Path, what: str, advice: str) -> str:
    try:
        holder = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        holder = {}
    who = f"pid {holder.get('pid', '?')} on {holder.get('host', '?')}"
    started = holder.get("started_at", "?")
    return f"{what} is held by another evalspec ({who}, started {started}); {advice}"


def _read_holder(fd: int) -> dict[str, Any]:
    os.lseek(fd, 0, os.SEEK_SET)
    raw = os.read(fd, 4096)
    try:
        value = json.loads(raw.decode("utf-8") or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _write_holder(fd: int) -> None:
    info = {
        "pid": os.getpid(), "host": socket.gethostname(),
        "started_at": utc_now(),
    }
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(info).encode("utf-8"), 0)
    os.fsync(fd)
