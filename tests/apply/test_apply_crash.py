"""Real `evalspec apply` subprocesses killed (-9), interrupted (Ctrl-C) and racing on one lock."""

from __future__ import annotations

import contextlib
import json
import random
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from apply_helpers import (
    assert_one_run_per_cell,
    evalspec_env,
    lock_is_valid,
    lock_of,
    run_cli,
    server_runs,
    start_cli,
    wait_for,
    write_spec,
)
from gated_proxy import gated_proxy
from local_server import LocalServer, running_server

# Real `evalspec apply` processes, killed and racing: seconds each.
pytestmark = pytest.mark.slow

APPLY = ("apply", "--backend", "datalab", "--poll-interval", "0.05")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    # Slow files keep runs in flight long enough to be killed or interrupted mid-way.
    with running_server(tmp_path_factory.mktemp("crash-server"), file_delay=0.15) as started:
        yield started


@pytest.fixture
def api(server: LocalServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, headers=server.headers, timeout=30) as client:
        yield client


def _journal_has(root: Path, op: str) -> bool:
    try:
        return f'"op":"{op}"' in (root / "evalspec.lock.journal").read_text(encoding="utf-8")
    except FileNotFoundError:
        return False


def _mine(prefix: str, api: httpx.Client) -> set[int]:
    """Ids of the collections named for this test (the server is shared by the module)."""
    listed = api.get("/api/v1/collections", params={"limit": 200}).json()["collections"]
    return {c["id"] for c in listed if c["name"].startswith(prefix + "-")}


@pytest.mark.parametrize("seed", range(5))
def test_kill_9_at_random_points_then_resume(tmp_path: Path, server: LocalServer, api: httpx.Client,
                                             seed: int) -> None:
    rng = random.Random(seed)
    prefix = f"kill{seed}"
    write_spec(tmp_path, pipelines=3, collections=2, prefix=prefix)
    env = evalspec_env(tmp_path / "state", server.url, server.api_key)
    lock_path = tmp_path / "evalspec.lock"
    for _ in range(2):
        process = start_cli(tmp_path, env, *APPLY)
        if rng.random() < 0.5:
            # Right after an intent or a run id was journalled: the windows adoption must cover.
            op = rng.choice(["intent", "run"])
            deadline = time.monotonic() + 20
            while process.poll() is None and not _journal_has(tmp_path, op) and time.monotonic() < deadline:
                time.sleep(0.001)
        else:
            with contextlib.suppress(subprocess.TimeoutExpired):  # still running, as wanted
                process.wait(rng.uniform(0.3, 2.0))  # a random moment
        process.kill()
        process.communicate(timeout=10)
        lock_is_valid(lock_path)  # valid YAML and a valid lock after every kill
    done = run_cli(tmp_path, env, *APPLY)
    assert done.returncode == 0, done.stderr
    lock = lock_of(lock_path)
    assert len(lock.cells) == 6
    assert_one_run_per_cell(lock, server_runs(api), _mine(prefix, api))
    names = [c["name"] for c in api.get("/api/v1/collections", params={"limit": 200}).json()["collections"]]
    # One content-addressed collection per spec collection: `kill0-c0@<digest>`, never two.
    mine = sorted(n.partition("@")[0] for n in names if n.startswith(prefix + "-"))
    assert mine == [f"{prefix}-c0", f"{prefix}-c1"]


def test_ctrl_c_saves_the_lock_and_a_later_apply_finishes_without_resubmitting(
    tmp_path: Path, server: LocalServer, api: httpx.Client
) -> None:
    write_spec(tmp_path, pipelines=3, collections=1, prefix="sigint")
    env = evalspec_env(tmp_path / "state", server.url, server.api_key)
    process = start_cli(tmp_path, env, *APPLY)
    wait_for(lambda: _journal_has(tmp_path, "run") or process.poll() is not None, what="a run id")
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=20)
    assert process.returncode == 130, err
    assert "evalspec apply" in err and "Traceback" not in err
    interrupted = lock_of(tmp_path / "evalspec.lock")
    assert any(c.run_id is not None and not c.is_finished for c in interrupted.cells.values()), interrupted
    done = run_cli(tmp_path, env, *APPLY)
    assert done.returncode == 0, done.stderr
    lock = lock_of(tmp_path / "evalspec.lock")
    for key, cell in interrupted.cells.items():
        if cell.run_id is not None:
            assert lock.cells[key].run_id == cell.run_id  # followed, not resubmitted
    assert_one_run_per_cell(lock, server_runs(api), _mine("sigint", api))


def test_a_second_apply_exits_4_and_a_dead_holder_is_taken_over(tmp_path: Path) -> None:
    # Runs of seconds, so that the first apply still holds the lock when the second starts
    # (0.3 s runs raced a Python start-up on a busy machine).
    with running_server(tmp_path / "slow-server", file_delay=1.5) as slow:
        _second_apply_exits_4_then_takes_over(tmp_path, slow)


def _second_apply_exits_4_then_takes_over(tmp_path: Path, server: LocalServer) -> None:
    write_spec(tmp_path, pipelines=2, collections=1, prefix="holder")
    holder_file = tmp_path / "evalspec.lock.pid"
    # Every apply talks to the server through a gate: the first one is parked at its first
    # request, which it sends only once it holds the lock, so it cannot finish before the second
    # one starts, however loaded the machine (and its held requests never reach the server).
    with gated_proxy(server.url) as proxy:
        env = evalspec_env(tmp_path / "state", proxy.url, server.api_key)
        first = start_cli(tmp_path, env, *APPLY)
        try:
            proxy.wait_held()
            assert json.loads(holder_file.read_text())["pid"] == first.pid
            second = run_cli(tmp_path, env, *APPLY)
            assert second.returncode == 4, second.stderr
            assert f"pid {first.pid}" in second.stderr and "started" in second.stderr
        finally:
            first.kill()
            first.communicate(timeout=10)
        assert first.returncode == -signal.SIGKILL  # killed while held, never finished
        proxy.open()
        third = run_cli(tmp_path, env, *APPLY)
    assert third.returncode == 0, third.stderr
    assert f"taking over the lock left by pid {first.pid}" in third.stderr
    assert all(c.status == "completed" for c in lock_of(tmp_path / "evalspec.lock").cells.values())
