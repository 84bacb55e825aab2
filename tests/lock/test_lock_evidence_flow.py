"""The committed record on its own: apply on one machine, commit, then a fresh clone with an
empty state directory (a CI runner, a teammate) changes one collection, applies and reports.

Real things throughout: git repositories in temp dirs, two state directories, the local backend
in-process, and the client's run endpoints watched to prove that no run id of the first
machine's state is ever asked of the second's.
"""

from __future__ import annotations

import functools
import json
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from apply_helpers import write_spec

import evalspec.api.client
import evalspec.base.paths
from evalspec.api.retry import RetryPolicy
from evalspec.api.runs import BatchRuns
from evalspec.lock import places
from evalspec.lock.io import read_lock

Run = Callable[..., tuple[int, str, str]]
GATES = (
    "gates:\n"
    "  - {name: every-file-scored, min_completed_ratio: 1.0}\n"
    "  - {name: floor, min_score: 0.2}\n"
    "  - {name: no-regression, max_drop: 0.05}\n"
)

pytestmark = pytest.mark.slow


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout


def init_repo(root: Path) -> None:
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "t@example.com")
    git(root, "config", "user.name", "t")


@pytest.fixture
def machine(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path, Path], None]:
    """Switch to a working tree and a state directory, as a different machine would have."""

    def switch(tree: Path, state: Path) -> None:
        monkeypatch.chdir(tree)
        monkeypatch.setattr(evalspec.base.paths, "default_state_dir", lambda: state)

    return switch


@pytest.fixture
def asked_runs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Every run id the client asks about by id (a run, its results), in order."""
    asked: list[int] = []
    get, results = BatchRuns.get, BatchRuns.results

    async def watched_get(self: BatchRuns, run_id: int) -> Any:
        asked.append(run_id)
        return await get(self, run_id)

    async def watched_results(self: BatchRuns, run_id: int) -> Any:
        asked.append(run_id)
        return await results(self, run_id)

    monkeypatch.setattr(BatchRuns, "get", watched_get)
    monkeypatch.setattr(BatchRuns, "results", watched_results)
    yield asked


def json_of(run_evalspec: Run, *args: str) -> dict[str, Any]:
    code, out, err = run_evalspec(*args)
    assert code in (0, 1), err
    document: dict[str, Any] = json.loads(out)
    return document


def verdicts(check: dict[str, Any]) -> dict[tuple[str, str, str], tuple[bool, str]]:
    return {(g["name"], v["cell"], v["rule"]): (v["passed"], v["reason"])
            for g in check["gates"] for v in g["verdicts"]}


def files_of(report: dict[str, Any], key: str) -> dict[str, tuple[Any, ...]]:
    cell = next(c for c in report["cells"] if c["key"] == key)
    return {f["filename"]: (f["status"], f["score"], f["failing_checks"]) for f in cell["files"]}


def test_a_fresh_clone_keeps_committed_evidence_and_never_reads_another_states_runs(
        tmp_path: Path, run_evalspec: Run, machine: Callable[[Path, Path], None],
        asked_runs: list[int]) -> None:
    first, clone = tmp_path / "first", tmp_path / "clone"
    first.mkdir()
    specs = write_spec(first, pipelines=2, collections=2, prefix="fresh")
    (specs / "spec.yaml").write_text((specs / "spec.yaml").read_text() + GATES)
    init_repo(first)
    machine(first, tmp_path / "state-first")
    assert run_evalspec("apply", "--backend", "local")[0] == 0
    first_check = json_of(run_evalspec, "check", "--json")
    first_report = json_of(run_evalspec, "report", "--format", "json")
    git(first, "add", "-A")
    git(first, "commit", "-q", "-m", "evals")
    committed = read_lock(first / "evalspec.lock")
    assert committed is not None
    first_place = {cell.state for cell in committed.cells.values()}
    assert len(first_place) == 1 and all(c.files for c in committed.cells.values())

    git(tmp_path, "clone", "-q", str(first), str(clone))
    machine(clone, tmp_path / "state-clone")  # empty: what CI and a teammate have
    asked_runs.clear()
    (clone / "specs" / "data" / "c1" / "gamma.md").write_text("# Gamma\n\nNo summary here.\n")
    code, _, err = run_evalspec("apply")  # follows the lock's backend: local
    assert code == 0, err
    assert "Plan: 0 to create, 2 to replace, 2 unchanged" in err
    lock = read_lock(clone / "evalspec.lock")
    assert lock is not None
    kept = sorted(k for k in lock.cells if k.startswith("c0/"))
    for key in kept:  # unchanged: same run, same place, same evidence, nothing re-run
        assert lock.cells[key] == committed.cells[key]
    new_places = {lock.cells[k].state for k in lock.cells if k.startswith("c1/")}
    assert len(new_places) == 1 and new_places != first_place
    new_runs = {lock.cells[k].run_id for k in lock.cells if k.startswith("c1/")}
    assert {lock.cells[k].run_id for k in kept} & new_runs  # the numbers collide: only places tell
    assert all(len(lock.cells[k].files or {}) == 3 for k in lock.cells if k.startswith("c1/"))

    clone_check = json_of(run_evalspec, "check", "--json", "--baseline", "git:HEAD")
    clone_report = json_of(run_evalspec, "report", "--format", "json", "--baseline", "git:HEAD")
    first_verdicts, clone_verdicts = verdicts(first_check), verdicts(clone_check)
    for (gate, key, rule), verdict in first_verdicts.items():
        if key in kept and gate != "no-regression":
            assert clone_verdicts[(gate, key, rule)] == verdict
    for key in kept:
        assert files_of(clone_report, key) == files_of(first_report, key)
        cell = next(c for c in clone_report["cells"] if c["key"] == key)
        assert all(f["baseline_score"] == f["score"] for f in cell["files"])
    changed = next(c for c in clone_report["cells"] if c["key"] == "c1/p0/checks")
    shared = {f["filename"]: f for f in changed["files"]}
    assert shared["alpha.md"]["baseline_score"] is not None and shared["gamma.md"]["baseline_score"] is None
    assert not any(cause["input"].endswith("_id") for cause in changed["changed_inputs"])  # no renumbering

    code, out, _ = run_evalspec("show", kept[0], "alpha.md")
    assert code == 0 and "output: lives in local state" in out
    assert set(asked_runs) <= new_runs  # never a run id of the first machine's state


def test_baseline_per_file_deltas_need_no_backend_at_all(
        tmp_path: Path, run_evalspec: Run, machine: Callable[[Path, Path], None],
        monkeypatch: pytest.MonkeyPatch, asked_runs: list[int]) -> None:
    write_spec(tmp_path, pipelines=1, collections=1, prefix="offline")
    init_repo(tmp_path)
    machine(tmp_path, tmp_path / "state")
    assert run_evalspec("apply", "--backend", "local")[0] == 0
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "evals")
    # Another machine: no state directory, and no service anywhere.
    machine(tmp_path, tmp_path / "no-state")
    monkeypatch.setenv("DATALAB_BASE_URL", "http://127.0.0.1:9")
    asked_runs.clear()
    report = json_of(run_evalspec, "report", "--format", "json", "--baseline", "git:HEAD")
    (cell,) = report["cells"]
    assert cell["files"] and all(f["baseline_score"] == f["score"] is not None for f in cell["files"])
    assert json_of(run_evalspec, "check", "--json", "--baseline", "git:HEAD")["gates"] == []
    assert asked_runs == [] and not (tmp_path / "no-state").exists()


def test_a_failed_first_apply_leaves_no_lock_and_check_says_so(
        tmp_path: Path, run_evalspec: Run, machine: Callable[[Path, Path], None],
        monkeypatch: pytest.MonkeyPatch) -> None:
    write_spec(tmp_path, pipelines=1, prefix="failed")
    machine(tmp_path, tmp_path / "state")
    monkeypatch.setenv("DATALAB_BASE_URL", "http://127.0.0.1:9")  # nothing listens
    monkeypatch.setenv("DATALAB_API_KEY", "sk-test")
    # Every retry is still made, without the backoff's seconds of waiting.
    monkeypatch.setattr(evalspec.api.client, "RetryPolicy", functools.partial(RetryPolicy, base_delay=0))
    assert run_evalspec("apply")[0] == 3
    assert not (tmp_path / "evalspec.lock").exists()
    code, _, err = run_evalspec("check")
    assert code == 2 and "no lockfile" in err


def test_place_of_a_local_state_is_kept_in_its_database(tmp_path: Path) -> None:
    from evalspec.backend.which import planned_target
    from evalspec.local import LocalService

    assert planned_target("local", tmp_path).place is None  # no state yet
    with LocalService(tmp_path / "local", api_key=None) as service:
        assert service.store is not None
        made = service.store.state_id
    with LocalService(tmp_path / "local", api_key=None) as service:
        assert service.store is not None and service.store.state_id == made
    assert planned_target("local", tmp_path).place == places.place("local", made)


def test_replace_evaluates_cells_again_here_and_names_unknown_ones(
        tmp_path: Path, run_evalspec: Run, machine: Callable[[Path, Path], None]) -> None:
    write_spec(tmp_path, pipelines=2, collections=1, prefix="replace")
    machine(tmp_path, tmp_path / "state-first")
    assert run_evalspec("apply", "--backend", "local")[0] == 0
    before = read_lock(tmp_path / "evalspec.lock")
    assert before is not None
    machine(tmp_path, tmp_path / "state-second")  # another machine's state: the runs live elsewhere
    code, _, err = run_evalspec("apply", "--replace", "c0/p0/check")
    assert code == 2 and "--replace c0/p0/check: no such cell" in err and "c0/p0/checks" in err
    code, out, _ = run_evalspec("plan", "--replace", "c0/p0/checks")
    assert code == 0 and "evaluated again on request (--replace)" in out and "1 to replace" in out
    assert run_evalspec("apply", "--replace", "c0/p0/checks")[0] == 0
    after = read_lock(tmp_path / "evalspec.lock")
    assert after is not None
    assert after.cells["c0/p1/checks"] == before.cells["c0/p1/checks"]  # kept as it was
    replaced = after.cells["c0/p0/checks"]
    assert replaced.state != before.cells["c0/p0/checks"].state and replaced.files
    code, _, err = run_evalspec("apply", "--replace", "all")
    assert code == 0 and "2 to replace" in err
