"""Opening the in-process local backend: no request budget, its per-file time limit."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from evalspec.api.ratelimit import NoBudget, RateLimiter
from evalspec.backend.connect import file_timeout_from_env, local_pages_from_env, open_backend
from evalspec.errors import LockHeld, UsageError
from evalspec.local.engine.procpool import ProcessPool


def test_the_in_process_backend_has_no_budget_unless_one_is_set(tmp_path: Path) -> None:
    async def limiters() -> list[object]:
        found = []
        for rate in (None, "10/1"):
            async with open_backend("local", rate=rate, state_dir=tmp_path) as backend:
                found.append(backend.client.sender._limiter)
        return found

    unset, given = anyio.run(limiters)
    assert isinstance(unset, NoBudget)
    assert isinstance(given, RateLimiter) and not isinstance(given, NoBudget)
    assert given.capacity == 10


def test_the_file_time_limit_setting_of_the_in_process_backend() -> None:
    assert file_timeout_from_env({}) is None
    assert file_timeout_from_env({"EVALSPEC_FILE_TIMEOUT": "2.5"}) == 2.5
    for bad in ("0", "-1", "soon", "inf", "nan"):
        with pytest.raises(UsageError, match="EVALSPEC_FILE_TIMEOUT"):
            file_timeout_from_env({"EVALSPEC_FILE_TIMEOUT": bad})


def test_the_team_page_limit_setting_of_the_in_process_backend() -> None:
    assert local_pages_from_env({}) is None
    assert local_pages_from_env({"EVALSPEC_LOCAL_PAGES_IN_FLIGHT": " 5000 "}) == 5000
    for bad in ("0", "-1", "many", "2.5"):
        with pytest.raises(UsageError, match="EVALSPEC_LOCAL_PAGES_IN_FLIGHT"):
            local_pages_from_env({"EVALSPEC_LOCAL_PAGES_IN_FLIGHT": bad})


def test_the_local_page_limit_is_refused_for_datalab_before_any_request() -> None:
    async def open_datalab() -> None:
        async with open_backend("datalab", local_pages_in_flight=5):
            raise AssertionError("opened")

    with pytest.raises(UsageError, match="--local-pages-in-flight sets the local service's team page limit"):
        anyio.run(open_datalab)


def test_parser_workers_started_early_stop_when_the_service_cannot_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The workers start before FastAPI loads, so before the data directory is known to be free.
    started: list[ProcessPool] = []
    start = ProcessPool.start

    def recorded(pool: ProcessPool) -> None:
        if pool not in started:  # the service starts the pool it took over again: a no-op
            started.append(pool)
        start(pool)

    monkeypatch.setattr(ProcessPool, "start", recorded)

    async def open_twice() -> None:
        async with open_backend("local", state_dir=tmp_path):
            with pytest.raises(LockHeld):
                async with open_backend("local", state_dir=tmp_path):
                    pass

    anyio.run(open_twice)
    assert len(started) == 2
    for pool in started:
        for lane in pool._lanes:
            assert lane._process is None and not lane._thread.is_alive()
