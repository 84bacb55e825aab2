"""Baselines: a lockfile path, or the lock at a git ref of a real temporary repository."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from report_fixtures import REPORT_FIXTURES

from evalspec.errors import InputError, LockfileError
from evalspec.report.baseline import head_commit, load_baseline

BASE_LINEAGE = "22222222-2222-4222-8222-222222222222"
CURRENT_LINEAGE = "11111111-1111-4111-8111-111111111111"


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # No user or system git config (signing, hooks), and no repository above tmp_path.
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))


def git(repo: Path, *args: str) -> None:
    identity = ["-c", "user.name=evalspec tests", "-c", "user.email=tests@example.invalid"]
    subprocess.run(["git", *identity, *args], cwd=repo, check=True, capture_output=True)


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Three commits: no lock yet; the baseline lock; the current lock (in a subdirectory)."""
    root = tmp_path / "repo"
    (root / "ci").mkdir(parents=True)
    git(root, "init", "-q")
    (root / "README.md").write_text("evals\n")
    commit_all(root, "start")
    shutil.copy(REPORT_FIXTURES / "baseline.lock", root / "ci" / "evalspec.lock")
    commit_all(root, "first apply")
    shutil.copy(REPORT_FIXTURES / "current.lock", root / "ci" / "evalspec.lock")
    commit_all(root, "second apply")
    return root


def test_a_lockfile_path(tmp_path: Path) -> None:
    lock = load_baseline(str(REPORT_FIXTURES / "baseline.lock"), tmp_path / "evalspec.lock")
    assert lock is not None and lock.lineage == BASE_LINEAGE


def test_a_missing_lockfile_path_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such lockfile"):
        load_baseline(str(tmp_path / "nope.lock"), tmp_path / "evalspec.lock")


def test_git_refs_read_the_committed_lock(repo: Path) -> None:
    lock_path = repo / "ci" / "evalspec.lock"
    previous = load_baseline("git:HEAD~1", lock_path)
    head = load_baseline("git:HEAD", lock_path)
    assert previous is not None and previous.lineage == BASE_LINEAGE and previous.serial == 5
    assert head is not None and head.lineage == CURRENT_LINEAGE and head.serial == 7


def test_a_relative_lock_path_from_a_subdirectory(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo / "ci")
    lock = load_baseline("git:HEAD~1", Path("evalspec.lock"))
    assert lock is not None and lock.lineage == BASE_LINEAGE


def test_no_lock_at_the_ref_is_an_empty_baseline(repo: Path) -> None:
    assert load_baseline("git:HEAD~2", repo / "ci" / "evalspec.lock") is None


def test_an_unknown_ref_is_an_input_error(repo: Path) -> None:
    with pytest.raises(InputError, match="git:no-such-branch names no commit"):
        load_baseline("git:no-such-branch", repo / "ci" / "evalspec.lock")


@pytest.mark.parametrize("ref", ["", "--output=/tmp/x"])
def test_a_ref_that_git_would_read_as_an_option_is_refused(repo: Path, ref: str) -> None:
    with pytest.raises(InputError, match="expected a git ref"):
        load_baseline(f"git:{ref}", repo / "ci" / "evalspec.lock")


def test_outside_a_git_repository_is_an_input_error(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(InputError, match="is not in a git repository"):
        load_baseline("git:HEAD", plain / "evalspec.lock")


def test_a_broken_lock_at_the_ref_names_the_ref(repo: Path) -> None:
    (repo / "ci" / "evalspec.lock").write_text("version: 1\ncells: [oops\n")
    commit_all(repo, "break it")
    with pytest.raises(LockfileError, match=r"git:HEAD:ci/evalspec\.lock"):
        load_baseline("git:HEAD", repo / "ci" / "evalspec.lock")


def test_reports_name_the_commit_the_lock_was_read_at(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    assert head_commit(repo / "evalspec.lock") is None  # not a repository yet
    git(repo, "init", "-q")
    (repo / "evalspec.lock").write_text("x")
    commit_all(repo, "first")
    done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True)
    assert head_commit(repo / "evalspec.lock") == done.stdout.strip()[:12]
