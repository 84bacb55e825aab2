"""Locks merge like code: cell by cell against the common ancestor, through a real `git merge`."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from apply_helpers import write_spec
from test_lock_evidence_flow import git, init_repo

import evalspec.base.paths
from evalspec.errors import LockfileError
from evalspec.lock.io import dump_lock, parse_lock, read_lock
from evalspec.lock.lockfile import LockCell, Lockfile
from evalspec.lock.threeway import MERGE_CONFLICT, merge_three_way

Run = Callable[..., tuple[int, str, str]]


def cell(run_id: int, score: float, fingerprint: str = "f") -> LockCell:
    return LockCell(fingerprint=fingerprint, request={}, run_id=run_id, status="completed",
                    avg_score=score, completed_at="2026-01-01T00:00:00Z", state="local#a")


def test_a_cell_changed_on_one_side_takes_that_side_and_one_changed_on_both_keeps_ours_marked() -> None:
    base = Lockfile.new().with_cells({"a": cell(1, 0.5), "b": cell(2, 0.5), "c": cell(3, 0.5)})
    ours = base.with_cells({"a": cell(4, 0.6, "g"), "b": cell(2, 0.5), "c": cell(6, 0.7, "h")})
    theirs = base.with_cells({"a": cell(1, 0.5), "b": cell(5, 0.9, "k"), "c": cell(7, 0.8, "i"),
                              "d": cell(8, 1.0)})
    merged = merge_three_way(base, ours, theirs)
    cells = merged.lock.cells
    assert cells["a"] == ours.cells["a"]
    assert cells["b"] == theirs.cells["b"] and cells["d"] == theirs.cells["d"]
    assert cells["c"].run_id == 6 and cells["c"].conflict == MERGE_CONFLICT
    assert merged.conflicts == ("c",)
    assert merged.lock.lineage == ours.lineage and merged.lock.serial > max(ours.serial, theirs.serial)
    assert parse_lock(dump_lock(merged.lock), "x") == merged.lock


def test_a_cell_removed_on_one_side_and_unchanged_on_the_other_is_removed() -> None:
    base = Lockfile.new().with_cells({"a": cell(1, 0.5), "b": cell(2, 0.5)})
    ours = base.with_cells({"a": cell(1, 0.5)})
    merged = merge_three_way(base, ours, base.with_cells(dict(base.cells)))
    assert sorted(merged.lock.cells) == ["a"] and merged.conflicts == ()


def test_conflict_markers_name_the_file_line_and_the_ways_out(tmp_path: Path) -> None:
    text = dump_lock(Lockfile.new().with_cells({"a": cell(1, 0.5)})).splitlines(keepends=True)
    text[6:6] = ["<<<<<<< HEAD\n", "    run_id: 2\n", "=======\n", "    run_id: 3\n", ">>>>>>> branch\n"]
    path = tmp_path / "evalspec.lock"
    path.write_text("".join(text))
    with pytest.raises(LockfileError) as raised:
        read_lock(path)
    message = str(raised.value)
    assert f"{path}:7:1" in message and "git conflict markers" in message
    assert "git checkout --ours evalspec.lock && evalspec apply" in message and "merge-driver" in message


def two_branches_that_both_applied(root: Path, run_evalspec: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    """main applied; branch `one` changed collection c0, branch `two` collection c1 and the
    rubric (so cell c0 is changed on both sides)."""
    monkeypatch.chdir(root)
    monkeypatch.setattr(evalspec.base.paths, "default_state_dir", lambda: root / ".evalspec")
    write_spec(root, pipelines=1, collections=2, prefix="merge")
    (root / ".gitignore").write_text(".evalspec/\n*.lock.journal\n*.lock.pid\n")
    init_repo(root)
    assert run_evalspec("apply", "--backend", "local")[0] == 0
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "main")
    for branch, edit in (("one", "c0"), ("two", "c1")):
        git(root, "checkout", "-q", "-b", branch, "main")
        (root / "specs" / "data" / edit / "extra.md").write_text(f"# Extra {branch}\n\nSummary.\n")
        if branch == "two":
            rubric = root / "specs" / "rubrics" / "checks.yaml"
            rubric.write_text(rubric.read_text() + "  - {kind: text_contains, text: extra}\n")
        assert run_evalspec("apply")[0] == 0
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", branch)
    git(root, "checkout", "-q", "one")


@pytest.mark.slow
def test_a_real_git_merge_with_the_driver_keeps_both_sides_and_replans_the_conflict(
        tmp_path: Path, run_evalspec: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    two_branches_that_both_applied(tmp_path, run_evalspec, monkeypatch)
    one = read_lock(tmp_path / "evalspec.lock")
    (tmp_path / ".gitattributes").write_text("evalspec.lock merge=evalspec\n")
    # The README's line names the `evalspec` script; this runs the same module of this checkout.
    driver = f"{sys.executable} -m evalspec lock merge-driver %O %A %B"
    git(tmp_path, "config", "merge.evalspec.driver", driver)
    done = subprocess.run(["git", "merge", "-q", "--no-edit", "two"], cwd=tmp_path, capture_output=True,
                          text=True, env={**_env(), "PYTHONPATH": str(Path(__file__).parents[2])})
    # The specs themselves conflict nowhere (different files), so git merges them and the lock.
    assert done.returncode == 0, done.stdout + done.stderr
    merged = read_lock(tmp_path / "evalspec.lock")
    assert merged is not None and one is not None
    assert merged.cells["c0/p0/checks"].conflict == MERGE_CONFLICT  # both changed it
    two = parse_lock(git(tmp_path, "show", "two:evalspec.lock"), "two")
    assert merged.cells["c1/p0/checks"] == two.cells["c1/p0/checks"]  # changed on `two` only
    code, out, _ = run_evalspec("plan")
    assert code == 0 and "conflicting results from a merge" in out


@pytest.mark.slow
def test_without_the_driver_the_conflicted_lock_says_what_to_do(
        tmp_path: Path, run_evalspec: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    two_branches_that_both_applied(tmp_path, run_evalspec, monkeypatch)
    done = subprocess.run(["git", "merge", "-q", "--no-edit", "two"], cwd=tmp_path, capture_output=True,
                          text=True, env=_env())
    assert done.returncode != 0  # git's line merge conflicts on the lock
    code, _, err = run_evalspec("plan")
    assert code == 2 and "git conflict markers" in err and "evalspec.lock:" in err


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
