"""Which backend a command uses, and where its runs live, known offline.

One rule for every command: the backend named with `--backend`, else the one the lock was
applied with, else Datalab. Nothing here loads the HTTP client: `plan` stays offline.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from evalspec.base import paths
from evalspec.base.endpoint import base_url_from_env
from evalspec.lock import places
from evalspec.lock.lockfile import Lockfile
from evalspec.plan.diff import Target

BACKENDS = ("datalab", "local")


def backend_for_lock(lock: Lockfile | None, named: str | None = None) -> str:
    """The backend a command uses: the one named (`--backend`), else the one the lock was
    applied with, else Datalab. Every command follows this one rule."""
    if named is not None:
        return named
    return "local" if lock is not None and lock.backend == places.LOCAL else "datalab"


def backend_identity(name: str, env: Mapping[str, str] | None = None) -> str:
    """What `open_backend(name).identity` will be, known offline (for `plan`)."""
    if name == "local":
        return places.LOCAL
    return base_url_from_env(os.environ if env is None else env)


def planned_target(name: str, state_dir: Path | None = None) -> Target:
    """The backend `name` as a plan sees it offline: the local state's place is read from the
    state directory; a remote service's is known only once it answers (`Backend.place`)."""
    if name != "local":
        return Target(backend_identity(name))
    from evalspec.local.store.state import state_id_in

    state_id = state_id_in(paths.local_data_dir(state_dir))
    return Target(places.LOCAL, places.place(places.LOCAL, state_id) if state_id else None, True)
