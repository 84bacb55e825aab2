"""apply's options end to end with the local backend: saved plans, shards and merge, --retry-failed."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from apply_helpers import lock_of, write_spec

from evalspec.commands.apply import ApplyRequest, run
from evalspec.errors import RunsFailed
from evalspec.local import worker

LOCAL = ("--backend", "local", "--poll-interval", "0.05")
Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, state_dir: Path, run_evalspec: Run) -> Run:
    """`evalspec ARGS...` in-process (the console script's entry, exit codes and all) in `tmp_path`."""
    monkeypatch.chdir(tmp_path)
    return run_evalspec


def test_a_saved_plan_applies_once_then_is_refused(tmp_path: Path, cli: Run) -> None:
    write_spec(tmp_path, pipelines=2)
    assert cli("plan", "--out", "plan.json")[0] == 0
    code, _, err = cli("apply", "--plan", "plan.json", *LOCAL)
    assert code == 0, err
    assert len(lock_of(tmp_path / "evalspec.lock").cells) == 2
    code, _, err = cli("apply", "--plan", "plan.json", *LOCAL)
    assert code == 2, err
    assert "run `evalspec plan --out` again" in err and "Traceback" not in err


def test_shards_merged_give_the_cells_of_a_full_apply(tmp_path: Path, cli: Run) -> None:
    write_spec(tmp_path, pipelines=3, collections=2)
    assert cli("lock", "init", "--lock", "base.lock")[0] == 0
    for shard in ("1/2", "2/2"):
        name = f"shard{shard[0]}.lock"
        shutil.copy(tmp_path / "base.lock", tmp_path / name)
        code, _, err = cli("apply", "--lock", name, "--shard", shard, *LOCAL)
        assert code == 0, err
    one, two = lock_of(tmp_path / "shard1.lock"), lock_of(tmp_path / "shard2.lock")
    assert one.cells and two.cells and not set(one.cells) & set(two.cells)
    code, _, err = cli("lock", "merge", "shard1.lock", "shard2.lock", "-o", "merged.lock")
    assert code == 0, err
    code, _, err = cli("apply", "--lock", "full.lock", *LOCAL)
    assert code == 0, err
    merged_lock, full_lock = lock_of(tmp_path / "merged.lock"), lock_of(tmp_path / "full.lock")
    assert {k: c.fingerprint for k, c in merged_lock.cells.items()} == {
        k: c.fingerprint for k, c in full_lock.cells.items()}
    assert len(full_lock.cells) == 6
    assert all(c.status == "completed" for c in merged_lock.cells.values())
    code, out, err = cli("apply", "--lock", "merged.lock", *LOCAL)
    assert code == 0 and "0 submitted" in out, err
    # Shard locks of different lineages are refused.
    code, _, err = cli("lock", "merge", "shard1.lock", "full.lock", "-o", "x.lock")
    assert code == 2 and "lineage" in err


def test_a_failed_run_exits_3_and_retry_failed_resubmits_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The local worker marks a run failed when processing it raises; make json runs raise."""
    write_spec(tmp_path, pipelines=2)  # p0: markdown, p1: json
    original = worker._pipeline_request

    def failing(body: dict[str, Any]) -> Any:
        if body.get("output_format") == "json":
            raise RuntimeError("engine cannot process this run")
        return original(body)

    monkeypatch.setattr(worker, "_pipeline_request", failing)
    monkeypatch.chdir(tmp_path)
    request = ApplyRequest(paths=[tmp_path / "specs"], lock_path=tmp_path / "evalspec.lock",
                           backend="local", poll_interval=0.05, state_dir=tmp_path / "state")
    with pytest.raises(RunsFailed) as failed:
        run(request)
    assert "c0/p1/checks" in str(failed.value) and "--retry-failed" in str(failed.value)
    lock = lock_of(tmp_path / "evalspec.lock")
    assert lock.cells["c0/p1/checks"].status == "failed"
    assert lock.cells["c0/p0/checks"].status == "completed"
    # Without --retry-failed a failed run stays as it is.
    assert run(request) == 0
    assert lock_of(tmp_path / "evalspec.lock").cells["c0/p1/checks"] == lock.cells["c0/p1/checks"]
    monkeypatch.setattr(worker, "_pipeline_request", original)
    assert run(ApplyRequest(**{**request.__dict__, "retry_failed": True})) == 0
    retried = lock_of(tmp_path / "evalspec.lock")
    assert retried.cells["c0/p1/checks"].status == "completed"
    assert retried.cells["c0/p1/checks"].run_id != lock.cells["c0/p1/checks"].run_id
    assert retried.cells["c0/p0/checks"].run_id == lock.cells["c0/p0/checks"].run_id


def test_naming_another_backend_replaces_every_cell_and_never_polls_there(
    tmp_path: Path, cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run ids of the local backend mean other runs (or none) on Datalab: every cell is planned
    as a replacement there, never a poll; a failed apply leaves the lock as it was."""
    write_spec(tmp_path, pipelines=1, prefix="backend-switch")
    monkeypatch.setenv("DATALAB_BASE_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("DATALAB_API_KEY", "sk-some-key")
    code, _, err = cli("apply", "--backend", "local", "--poll-interval", "0.05")
    assert code == 0, err
    before = (tmp_path / "evalspec.lock").read_text()
    assert "backend: local" in before
    code, out, err = cli("plan", "--backend", "datalab")
    assert code == 0, err
    assert "backend local -> http://127.0.0.1:9" in out and "1 to replace" in out
    code, _, err = cli("apply", "--backend", "datalab")
    assert code == 3, err  # nothing listens there
    assert "1 to replace" in err and "cannot reach 127.0.0.1:9" in err
    assert (tmp_path / "evalspec.lock").read_text() == before
    code, _, err = cli("status", "--refresh")  # follows the lock's own backend
    assert code == 0, err
