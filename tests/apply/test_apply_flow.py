"""The whole apply flow through the CLI, against `python -m evalspec.local` over loopback.

The flow runs the CLI in-process (its entry point, exit codes and output as a user sees them),
which is what it proves; real `evalspec` processes, killed and racing, are test_apply_crash's.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from apply_helpers import (
    assert_one_collection_per_name,
    assert_one_run_per_cell,
    lock_is_valid,
    lock_of,
    server_runs,
    wait_for,
    write_spec,
)
from local_server import LocalServer, running_server

import evalspec.api.client
from evalspec.api.retry import RetryPolicy

# Distinctive, so that a leak into any file or output is found by a plain substring search.
SECRET_KEY = "sk-evalspec-test-Zq7vX3pL9wR2"
Run = Callable[..., tuple[int, str, str]]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    with running_server(tmp_path_factory.mktemp("flow-server"), api_key=SECRET_KEY,
                        file_delay=0.02) as started:
        yield started


@pytest.fixture
def api(server: LocalServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, headers=server.headers, timeout=30) as client:
        yield client


class Session:
    """A working directory with a spec, running `evalspec` in-process and keeping its output."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.outputs: list[str] = []

    def __call__(self, *args: str, expect: int | None = 0) -> tuple[int, str, str]:
        code, out, err = self.run(*args)
        self.outputs += [out, err]
        if expect is not None:
            assert code == expect, (code, out, err)
        return code, out, err

    def apply(self, *args: str, expect: int | None = 0) -> tuple[int, str, str]:
        return self("apply", "--backend", "datalab", "--poll-interval", "0.05", *args, expect=expect)


def _collection_ids(lock_cells: object) -> set[int]:
    return {cell.request["collection_id"] for cell in lock_cells.values()}  # type: ignore[attr-defined]  # a dict of LockCell


@pytest.fixture
def cli(tmp_path: Path, server: LocalServer, monkeypatch: pytest.MonkeyPatch, state_dir: Path,
        run_evalspec: Run) -> Session:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATALAB_BASE_URL", server.url)
    monkeypatch.setenv("DATALAB_API_KEY", server.api_key)
    return Session(run_evalspec)


def test_whole_flow(tmp_path: Path, cli: Session, api: httpx.Client) -> None:
    specs = write_spec(tmp_path, pipelines=2, collections=2, prefix="flow")
    lock_path = tmp_path / "evalspec.lock"

    # First apply: every cell submitted once and followed to completion; results cached.
    _, out, _ = cli.apply()
    assert "4 submitted" in out
    lock = lock_of(lock_path)
    assert sorted(lock.cells) == ["c0/p0/checks", "c0/p1/checks", "c1/p0/checks", "c1/p1/checks"]
    mine = _collection_ids(lock.cells)
    assert_one_run_per_cell(lock, server_runs(api), mine)
    cached = {p.name for p in (tmp_path / "state" / "results").rglob("*.json")}
    assert len(cached) == 4
    assert_one_collection_per_name(api)

    # Second apply: a no-op, byte for byte, with no new run on the server.
    before = lock_path.read_bytes()
    _, out, err = cli.apply()
    assert "0 submitted" in out and "4 unchanged" in err
    assert lock_path.read_bytes() == before
    assert_one_run_per_cell(lock, server_runs(api), mine)

    # status and status --json show what the lock holds.
    _, out, _ = cli("status")
    assert all(key in out for key in lock.cells) and "4 cells, 4 finished" in out
    _, out, _ = cli("status", "--json")
    shown = json.loads(out)
    assert shown["lineage"] == lock.lineage and set(shown["cells"]) == set(lock.cells)
    assert {c["run_id"] for c in shown["cells"].values()} == {c.run_id for c in lock.cells.values()}

    # A spec edit replaces exactly the cells it touches.
    spec_file = specs / "spec.yaml"
    spec_file.write_text(spec_file.read_text().replace('output_format: "json"', 'output_format: "chunks"'))
    _, out, err = cli.apply()
    assert "2 to replace" in err and "2 submitted" in out
    edited = lock_of(lock_path)
    for key, cell in edited.cells.items():
        same = cell.run_id == lock.cells[key].run_id
        assert same == ("/p0/" in key), key
        assert cell.status == "completed"

    # Removing a pipeline from the matrix removes its cells from the lock (the server keeps runs).
    spec_file.write_text(spec_file.read_text().replace("pipeline: [p0, p1]", "pipeline: [p0]"))
    _, out, _ = cli.apply()
    assert "2 removed" in out
    assert sorted(lock_of(lock_path).cells) == ["c0/p0/checks", "c1/p0/checks"]

    # --no-wait submits and exits; status --refresh follows the runs to the end.
    spec_file.write_text(spec_file.read_text().replace("pipeline: [p0]", "pipeline: [p0, p1]"))
    _, out, _ = cli.apply("--no-wait")
    assert "without waiting" in out
    pending = lock_of(lock_path)
    assert all(pending.cells[k].run_id is not None for k in ("c0/p1/checks", "c1/p1/checks"))

    def refreshed() -> bool:
        cli("status", "--refresh")
        return all(c.is_finished for c in lock_of(lock_path).cells.values())

    wait_for(refreshed, what="status --refresh to see every run finished")
    final = lock_of(lock_path)
    assert all(c.status == "completed" and c.avg_score is not None for c in final.cells.values())
    runs = server_runs(api)
    assert sum(r["collection_id"] in mine for r in runs) == 4 + 2 + 2  # nothing submitted twice
    _, out, _ = cli.apply()
    assert "0 submitted" in out

    # The key is in no file evalspec wrote and in none of its output.
    _assert_key_absent(tmp_path, cli.outputs, SECRET_KEY)


def _assert_key_absent(root: Path, outputs: list[str], key: str) -> None:
    written = [p for p in root.rglob("*") if p.is_file() and not p.is_relative_to(root / "specs")]
    assert any(p.name == "uploads.json" for p in written)
    assert any(p.suffix == ".lock" for p in written)
    for path in written:
        if path.is_relative_to(root / "state" / "local"):
            continue  # the in-process backend's data: not used with --backend datalab
        assert key.encode() not in path.read_bytes(), path
    for text in outputs:
        assert key not in text


def test_remote_failures_exit_3_with_one_line_and_a_valid_lock(
    tmp_path: Path, server: LocalServer, cli: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_spec(tmp_path, pipelines=1, collections=1, prefix="remote-failure")
    lock_path = tmp_path / "evalspec.lock"
    # Every retry is still made, without the backoff's seconds of waiting.
    monkeypatch.setattr(evalspec.api.client, "RetryPolicy", functools.partial(RetryPolicy, base_delay=0))
    wrong_key = {"DATALAB_BASE_URL": server.url, "DATALAB_API_KEY": "sk-not-the-key-Hh4k"}
    down = {"DATALAB_BASE_URL": "http://127.0.0.1:9", "DATALAB_API_KEY": SECRET_KEY}  # nothing listens
    for env in (wrong_key, down):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        _, out, err = cli("apply", "--backend", "datalab", expect=3)
        message = [line for line in err.splitlines() if line.startswith("error")]
        assert len(message) == 1, err
        assert "Traceback" not in err and "sk-not-the-key" not in err + out
        assert SECRET_KEY not in err + out
        # A first apply that records no run leaves no lock (and so `check` says "no lock").
        assert lock_is_valid(lock_path) is None
