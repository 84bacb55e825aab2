"""Where evalspec keeps its state: the one filesystem-root seam.

Everything evalspec writes besides the lockfile lives under the state directory (`.evalspec/`
in the working directory unless `EVALSPEC_STATE_DIR` says otherwise): the local backend's data,
cached per-file results, the upload ledger. Crash tracebacks go to a temp file instead, since the
state directory may be what failed. Tests replace `default_state_dir` with a tripwire so that
nothing writes to the user's tree by accident.
"""

from __future__ import annotations

import os
from pathlib import Path

STATE_DIR_ENV = "EVALSPEC_STATE_DIR"


def default_state_dir() -> Path:
    """The state directory for this working directory."""
    return Path(os.environ.get(STATE_DIR_ENV) or ".evalspec")


def local_data_dir(state_dir: Path | None = None) -> Path:
    """Where the in-process local backend keeps its sqlite database and stored files."""
    return (state_dir or default_state_dir()) / "local"


def results_dir(state_dir: Path | None = None) -> Path:
    """Where finished runs' per-file results are cached, one JSON file per run id."""
    return (state_dir or default_state_dir()) / "results"


def state_file(name: str, state_dir: Path | None = None) -> Path:
    """A file directly in the state directory."""
    return (state_dir or default_state_dir()) / name
