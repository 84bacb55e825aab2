"""`LocalRuntime`: the store and the worker pool, with an explicit start and close.

It knows nothing of HTTP: `http/app.py` builds the app over it (`LocalService` is the two
together), so the face depends on the rooms behind it and never the other way round.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from evalspec.base.filelock import LockfileGuard
from evalspec.local.engine.noise import ScoreNoise
from evalspec.local.engine.procpool import FileLimits, ProcessPool
from evalspec.local.store.files import UploadRules
from evalspec.local.store.state import Store
from evalspec.local.worker import WorkerPool

_Self = TypeVar("_Self", bound="LocalRuntime")


class LocalRuntime:
    """Owns the state under `data_dir` and the workers; what the HTTP face serves."""

    def __init__(self, data_dir: Path, api_key: str | None, *,
                 rate_limit: tuple[int, float] | None = None, file_delay: float = 0.0,
                 workers: int = 4,
                 uploads: UploadRules | None = None, limits: FileLimits | None = None,
                 durable: bool = True, parsers: ProcessPool | None = None,
                 score_noise: ScoreNoise | None = None, pages_in_flight: int | None = None) -> None:
        self.pages_in_flight = pages_in_flight  # the team's page limit (None: none), see store/pages.py
        self.data_dir, self.api_key, self.rate_limit = data_dir, api_key, rate_limit
        self.score_noise = score_noise  # a noisy judge for rehearsals (--score-noise)
        self.uploads = uploads  # upload URL lifetime, size limit and clock; Datalab's by default
        self.file_delay, self.workers = file_delay, workers
        self.limits, self.durable = limits or FileLimits(), durable
        # A parser pool started earlier (the local backend starts it before FastAPI loads): the
        # first start takes it over; the caller still stops it should the service never start.
        self._parsers = parsers
        self.store: Store | None = None
        self._pool: WorkerPool | None = None
        self._guard: LockfileGuard | None = None
        self._lock = threading.Lock()
        self._finish_listeners: list[Callable[[int], None]] = []

    def start(self: _Self) -> _Self:
        """Open the store and start the workers, resuming unfinished runs (idempotent)."""
        with self._lock:
            if self.store is None:
                self._guard = _data_dir_guard(self.data_dir).acquire()
                try:
                    self.store = Store(self.data_dir, self.uploads, self.durable)
                except BaseException:
                    self._guard.release()
                    raise
                parsers, self._parsers = self._parsers, None
                self._pool = WorkerPool(self.store, self.workers, self.file_delay, self.limits,
                                        on_finished=self._run_finished, parsers=parsers,
                                        noise=self.score_noise)
                self._pool.start()
        return self

    def close(self) -> None:
        """Stop the workers at once (files in flight resume on the next start); close the database."""
        with self._lock:
            if self._pool is not None:
                self._pool.stop()
            if self.store is not None:
                self.store.close()
            if self._guard is not None:
                self._guard.release()
            self.store, self._pool, self._guard = None, None, None

    def submit(self, run_id: int) -> None:
        if self._pool is not None:
            self._pool.submit(run_id)

    def on_run_finished(self, listener: Callable[[int], None]) -> None:
        """Call `listener(run_id)` (from a worker thread) each time a run's end is committed:
        a client in this process can then look at once instead of waiting for its next poll."""
        self._finish_listeners.append(listener)

    def _run_finished(self, run_id: int) -> None:
        for listener in list(self._finish_listeners):
            listener(run_id)

    def __enter__(self: _Self) -> _Self:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _data_dir_guard(data_dir: Path) -> LockfileGuard:
    # Two services on one data directory would both resume (and so run twice) the same runs.
    data_dir.mkdir(parents=True, exist_ok=True)
    return LockfileGuard(
        data_dir / "service", what=f"the local backend's data in {data_dir}",
        advice="stop that evalspec first, or reach its server over HTTP "
        "(--backend datalab with DATALAB_BASE_URL=http://127.0.0.1:PORT)",
    )

