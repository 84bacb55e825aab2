"""apply's options end to end with the local backend: saved plans, shards and merge, --retry-failed."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from apply_helpers import evalspec_env, lock_of, run_cli, write_spec

from evalspec.commands.apply import ApplyRequest, run
from evalspec.errors import RunsFailed
from evalspec.local import worker

LOCAL = ("--backend", "local", "--poll-interval", "0.05")


def test_a_saved_plan_applies_once_then_is_refused(tmp_path: Path) -> None:
    write_spec(tmp_path, pipelines=2)
    env = evalspec_env(tmp_path / "state")
    assert run_cli(tmp_path, env, "plan", "--out", "plan.json").returncode == 0
    done = run_cli(tmp_path, env, "apply", "--plan", "plan.json", *LOCAL)
    assert done.returncode == 0, done.stderr
    assert len(lock_of(tmp_path / "evalspec.lock").cells) == 2
    stale = run_cli(tmp_path, env, "apply", "--plan", "plan.json", *LOCAL)
    assert stale.returncode == 2, stale.stderr
    assert "Traceback" not in stale.stderr


def test_shards_merged_give_the_cells_of_a_full_apply(tmp_path: Path) -> None:
    write_spec(tmp_path, pipelines=3, collections=2)
    env = evalspec_env(tmp_path / "state")
    assert run_cli(tmp_path, env, "lock", "init", "--lock", "base.lock").returncode == 0
    for shard in ("1/2", "2/2"):
        name = f"shard{shard[0]}.lock"
        shutil.copy(tmp_path / "base.lock", tmp_path / name)
        done = run_cli(tmp_path, env, "apply", "--lock", name, "--shard", shard, *LOCAL)
        assert done.returncode == 0, done.stderr
    one, two = lock_of(tmp_path / "shard1.lock"), lock_of(tmp_path / "shard2.lock")
    assert one.cells and two.cells and not set(one.cells) & set(two.cells)
    merged = run_cli(tmp_path, env, "lock", "merge", "shard1.lock", "shard2.lock", "-o", "merged.lock")
    assert merged.returncode == 0, merged.stderr
    full = run_cli(tmp_path, env, "apply", "--lock", "full.lock", *LOCAL)
    assert full.returncode == 0, full.stderr
    merged_lock, full_lock = lock_of(tmp_path / "merged.lock"), lock_of(tmp_path / "full.lock")
    assert {k: c.fingerprint for k, c in merged_lock.cells.items()} == {
        k: c.fingerprint for k, c in full_lock.cells.items()}
    assert all(c.status == "completed" for c in merged_lock.cells.values())
    again = run_cli(tmp_path, env, "apply", "--lock", "merged.lock", *LOCAL)
    assert again.returncode == 0 and "0 submitted" in again.stdout, again.stderr
    # Shard locks of different lineages are refused.
    conflict = run_cli(tmp_path, env, "lock", "merge", "shard1.lock", "full.lock", "-o", "x.lock")
    assert conflict.returncode == 2 and "lineage" in conflict.stderr


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


def test_a_lock_of_one_backend_is_refused_on_another(tmp_path: Path) -> None:
    """Run ids of the local backend mean other runs (or none) on Datalab: exit 2, never a poll."""
    write_spec(tmp_path, pipelines=1, prefix="backend-switch")
    env = evalspec_env(tmp_path / "state", "http://127.0.0.1:9", "sk-some-key")
    first = run_cli(tmp_path, env, "apply", "--backend", "local", "--poll-interval", "0.05")
    assert first.returncode == 0, first.stderr
    before = (tmp_path / "evalspec.lock").read_text()
    assert "backend: local" in before
    switched = run_cli(tmp_path, env, "apply", "--backend", "datalab")
    assert switched.returncode == 2, switched.stderr
    assert "holds runs of backend 'local'" in switched.stderr and "--backend local" in switched.stderr
    assert (tmp_path / "evalspec.lock").read_text() == before
    status = run_cli(tmp_path, env, "status", "--refresh")  # follows the lock's own backend
    assert status.returncode == 0, status.stderr
