"""Where a cell's run lives, and whether a backend may read it.

A run id means something only in the state that made it: run 3 of one local state is another
run, or none, in a fresh one (a CI runner, a teammate's clone). So each cell records its run's
*place*: the backend's identity (`local`, or the service's URL), then, for a service that has
one, `#` and its state's identity (`local#3f2a9c1d0b4e5f60`). Datalab has no state identity
to read, so its places are its URL alone.

Cells written before places existed have none; their place is the lock's backend, with an
unknown state. A remote service's URL was identity enough before and still is; a local state
is not, so such a local run is read from nowhere but this machine's results cache.
"""

from __future__ import annotations

from evalspec.lock.lockfile import LockCell, Lockfile

LOCAL = "local"
STATE_SEPARATOR = "#"


def place(backend: str, state_id: str | None) -> str:
    """The place of runs made on `backend` in the state `state_id` (None: the backend tells none)."""
    return backend if state_id is None else f"{backend}{STATE_SEPARATOR}{state_id}"


def backend_of(run_place: str) -> str:
    """The backend part of a place: `local`, or the service's URL."""
    return run_place.split(STATE_SEPARATOR, 1)[0]


def cell_backend(cell: LockCell, lock: Lockfile) -> str | None:
    """The backend of the cell's run: its place's, else (an older lock) the lock's."""
    return backend_of(cell.state) if cell.state is not None else lock.backend


def readable_at(cell: LockCell, lock: Lockfile, here: str) -> bool:
    """Whether the run id of `cell` may be read from the backend state at place `here`."""
    if cell.run_id is None:
        return False
    if cell.state is not None:
        return cell.state == here
    # An older lock: the URL of a remote service names it; a local state it cannot name.
    return lock.backend is not None and lock.backend != LOCAL and lock.backend == backend_of(here)


def short(run_place: str) -> str:
    """A place as messages show it: the state's identity cut to 8 hex digits."""
    backend, _, state_id = run_place.partition(STATE_SEPARATOR)
    return f"{backend} state {state_id[:8]}" if state_id else backend
