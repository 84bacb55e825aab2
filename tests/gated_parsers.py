"""The local service's parser pool with a gate the test opens: hold a run mid-flight, never by timing.

    parsers = GatedParsers()                          # the gate starts closed
    with LocalService(data, api_key=K, parsers=parsers) as service, serving(service.app) as url:
        ...                                           # start a run (or an apply against `url`)
        parsers.wait_held()                           # a file of it waits at the gate
        ...                                           # the run is provably unfinished
        parsers.open()                                # parked files are parsed; later ones pass

It is the real pool (`LocalRuntime(parsers=...)` is the service's seam for it): files are parsed
and scored as ever, only not before the gate opens. A run whose files all wait at the gate stays
`running` with their pages in flight, however long the test takes and however loaded the machine.
A stopped pool answers parked files None, as it does files in flight (their runs resume later).
"""

from __future__ import annotations

import threading

from evalspec.local.engine.filetask import FileTask
from evalspec.local.engine.procpool import Done, FileLimits, ProcessPool

HELD_DEADLINE = 30.0


class GatedParsers(ProcessPool):
    """A `ProcessPool` that parks every file submitted while its gate is closed."""

    def __init__(self, limits: FileLimits | None = None, size: int = 1) -> None:
        super().__init__(limits or FileLimits(), size)
        self.held = threading.Event()  # set once a file waits at the gate
        self.parked: list[FileTask] = []  # every file that waited, in order
        self._waiting: list[tuple[FileTask, Done]] = []
        self._opened = False
        self._lock = threading.Lock()

    def submit(self, task: FileTask, done: Done) -> None:
        with self._lock:
            if not self._opened:
                self.parked.append(task)
                self._waiting.append((task, done))
                self.held.set()
                return
        super().submit(task, done)

    def wait_held(self, deadline: float = HELD_DEADLINE) -> None:
        """Block until a file waits at the closed gate (fails the test at the deadline)."""
        if not self.held.wait(deadline):
            raise AssertionError(f"no file reached the parser gate within {deadline}s")

    def open(self) -> None:
        """Parse the parked files, and every later one at once."""
        with self._lock:
            self._opened = True
            waiting, self._waiting = self._waiting, []
        for task, done in waiting:
            super().submit(task, done)

    def stop(self) -> None:
        with self._lock:
            waiting, self._waiting = self._waiting, []
        for _, done in waiting:
            done(None)  # as the pool answers a file in flight when it stops
        super().stop()
