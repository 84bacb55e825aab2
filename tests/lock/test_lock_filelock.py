"""LockfileGuard: one holder at a time, named in the refusal; a dead holder is taken over."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalspec.base.filelock import LockfileGuard, holder_path, takeover_warning
from evalspec.commands.guard import holding
from evalspec.errors import LockHeld


def test_a_second_guard_is_refused_naming_the_holder(tmp_path: Path) -> None:
    lock = tmp_path / "evalspec.lock"
    with LockfileGuard(lock):
        holder = json.loads(holder_path(lock).read_text())
        with pytest.raises(LockHeld) as refused:
            LockfileGuard(lock).__enter__()
        assert f"pid {holder['pid']}" in str(refused.value) and holder["started_at"] in str(refused.value)
        assert refused.value.exit_code == 4
    assert holder_path(lock).read_text() == ""  # a clean exit leaves no holder
    with LockfileGuard(lock):
        pass


def test_a_dead_holder_is_taken_over_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lock = tmp_path / "evalspec.lock"
    holder_path(lock).write_text(json.dumps({"pid": 999999, "started_at": "2026-01-01T00:00:00+00:00"}))
    with LockfileGuard(lock) as guard:
        assert guard.taken_over is not None and guard.taken_over["pid"] == 999999
        assert capsys.readouterr().err == ""  # the base layer says nothing; the command does
        assert "taking over the lock left by pid 999999" in (takeover_warning(guard) or "")
    holder_path(lock).write_text(json.dumps({"pid": 999999, "started_at": "2026-01-01T00:00:00+00:00"}))
    with holding(lock):
        assert "taking over the lock left by pid 999999" in capsys.readouterr().err
