"""`evalspec status` without the network: the table, the JSON, and no lock yet."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalspec.commands.status import StatusRequest, render_status, run, status_json
from evalspec.lock.io import write_lock
from evalspec.lock.lockfile import LockCell, Lockfile


def _lock() -> Lockfile:
    return Lockfile.new().with_cells({
        "c/p/r": LockCell(fingerprint="sha256:1", request={"collection_id": 1}, run_id=3, status="completed",
                          total_files=2, completed_files=2, avg_score=0.5, completed_at="t"),
        "c/q/r": LockCell(fingerprint="sha256:2", request={"collection_id": 1}),
    })


def test_table_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lock = _lock()
    table = render_status(lock)
    assert "0.500" in table and "submitting" in table and "2 cells, 1 finished" in table
    shown = status_json(lock)
    assert "request" not in json.dumps(shown) and shown["serial"] == lock.serial
    write_lock(tmp_path / "evalspec.lock", lock)
    assert run(StatusRequest(tmp_path / "evalspec.lock", as_json=True, backend="datalab")) == 0
    assert json.loads(capsys.readouterr().out)["cells"]["c/p/r"]["run_id"] == 3


def test_no_lock_yet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(StatusRequest(tmp_path / "evalspec.lock", backend="datalab")) == 0
    assert "nothing applied yet" in capsys.readouterr().err
