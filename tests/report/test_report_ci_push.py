"""The action's lock push (action-scripts/push-lock.sh) and adoption (adopt-lock.sh), for real:
git clones of a bare remote in a temp dir, another clone pushing while the run applies, locks
written by `evalspec apply --backend local`, and an HTTP remote that records what git sends."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from apply_helpers import REPO_ROOT, evalspec_env, run_cli, write_spec

from evalspec.lock.io import parse_lock, read_lock

SCRIPTS = REPO_ROOT / "action-scripts"
EVALSPEC = f"{sys.executable} -m evalspec"


def _git(cwd: Path, *args: str) -> str:
    author = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    return subprocess.run(["git", *author, *args], cwd=cwd, env=_clean_env(), check=True,
                          capture_output=True, text=True).stdout


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}


def _script(name: str, cwd: Path, env: dict[str, str], *args: str,
            ) -> tuple[subprocess.CompletedProcess[str], str]:
    output = cwd.parent / f"{cwd.name}-output"
    output.write_text("")
    full = {**_clean_env(), "PYTHONPATH": str(REPO_ROOT), "GITHUB_OUTPUT": str(output),
            "EVALSPEC_CMD": EVALSPEC, "EVALSPEC_LOCK": "evalspec.lock", **env}
    done = subprocess.run(["bash", str(SCRIPTS / name), *args], cwd=cwd, env=full,
                          capture_output=True, text=True)
    return done, output.read_text()


def _apply(root: Path, state: Path, *select: str) -> None:
    done = run_cli(root, evalspec_env(state), "apply", "--backend", "local", *select)
    assert done.returncode == 0, done.stderr


def _add_document(root: Path, collection: str, name: str) -> None:
    (root / "specs" / "data" / collection / name).write_text(f"# {name}\n\nSummary. Next Steps.\n")


@pytest.fixture
def branch(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A bare remote whose branch `feature` holds a spec of two collections and its applied lock;
    and the shared local state that applied it (so every clone's runs stay valid)."""
    remote, seed, state = tmp_path / "remote.git", tmp_path / "seed", tmp_path / "state"
    _git(tmp_path, "init", "-q", "--bare", str(remote))
    _git(tmp_path, "clone", "-q", str(remote), str(seed))
    _git(seed, "checkout", "-q", "-b", "feature")
    write_spec(seed, pipelines=1, collections=2, prefix="push")
    (seed / ".gitignore").write_text(".evalspec/\n*.lock.journal\n*.lock.pid\n")
    _apply(seed, state)
    _git(seed, "add", "-A")
    _git(seed, "commit", "-q", "-m", "start")
    _git(seed, "push", "-q", "origin", "feature")
    yield remote, state


def _clone(remote: Path, where: Path) -> Path:
    _git(where.parent, "clone", "-q", "--branch", "feature", str(remote), str(where))
    return where


def _pushed_lock(remote: Path) -> str:
    return _git(remote, "show", "feature:evalspec.lock")


@pytest.mark.slow
def test_a_concurrent_push_is_rebased_onto_and_the_locks_merge_cell_by_cell(
        tmp_path: Path, branch: tuple[Path, Path]) -> None:
    remote, state = branch
    runner, other = _clone(remote, tmp_path / "runner"), _clone(remote, tmp_path / "other")
    _add_document(runner, "c0", "gamma.md")  # the run's pull request changed c0 ...
    _git(runner, "add", "-A")
    _git(runner, "commit", "-q", "-m", "add gamma to c0")
    _git(runner, "push", "-q", "origin", "feature")
    _git(other, "pull", "-q")
    _apply(runner, state)  # ... the workflow applies it, and meanwhile someone else
    _add_document(other, "c1", "delta.md")  # changes c1, applies that cell, and pushes spec and lock
    _apply(other, state, "--select", "collection=c1")
    _git(other, "add", "-A")
    _git(other, "commit", "-q", "-m", "add delta to c1")
    _git(other, "push", "-q", "origin", "feature")

    done, output = _script("push-lock.sh", runner, {"EVALSPEC_BRANCH": "feature"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "committed=true" in output and "pushed=true" in output
    assert "rebasing the lock commit" in done.stdout and "attempt 2" in done.stdout
    log = _git(remote, "log", "--format=%s", "feature").splitlines()
    assert log == ["evalspec: update evalspec.lock", "add delta to c1", "add gamma to c0", "start"]
    merged = parse_lock(_pushed_lock(remote), "pushed")
    runner_lock, other_lock = read_lock(runner / "evalspec.lock"), read_lock(other / "evalspec.lock")
    assert runner_lock is not None and other_lock is not None
    # Each side's cell came through with its run (git's line merge would have conflicted on the serial).
    assert merged.cells["c0/p0/checks"].run_id == runner_lock.cells["c0/p0/checks"].run_id
    assert merged.cells["c1/p0/checks"] == other_lock.cells["c1/p0/checks"]
    assert not any(cell.conflict for cell in merged.cells.values())
    assert "<<<<<<<" not in _pushed_lock(remote)


@pytest.mark.slow
def test_nothing_changed_commits_nothing(tmp_path: Path, branch: tuple[Path, Path]) -> None:
    remote, _ = branch
    runner = _clone(remote, tmp_path / "runner")
    done, output = _script("push-lock.sh", runner, {"EVALSPEC_BRANCH": "feature"})
    assert done.returncode == 0 and "committed=false" in output and "pushed=false" in output
    assert _git(remote, "log", "--format=%s", "feature").splitlines() == ["start"]


@pytest.mark.slow
def test_a_refused_push_keeps_the_lock_and_the_next_run_adopts_it_without_paying_again(
        tmp_path: Path, branch: tuple[Path, Path]) -> None:
    remote, state = branch
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'protected branch' >&2\nexit 1\n")
    hook.chmod(0o755)
    runner = _clone(remote, tmp_path / "runner")
    _add_document(runner, "c0", "gamma.md")
    _git(runner, "add", "-A")
    _git(runner, "commit", "-q", "-m", "add gamma to c0")
    hook.chmod(0o644)  # the spec change itself gets in; only the lock's push is refused
    _git(runner, "push", "-q", "origin", "feature")
    hook.chmod(0o755)
    _apply(runner, state)
    applied = (runner / "evalspec.lock").read_text()
    keep = tmp_path / "kept"

    env = {"EVALSPEC_BRANCH": "feature", "EVALSPEC_KEEP_DIR": str(keep), "EVALSPEC_ATTEMPTS": "2"}
    done, output = _script("push-lock.sh", runner, env)
    assert done.returncode == 1
    assert "pushed=false" in output and f"kept={keep}" in output
    assert "kept as an artifact, which the next run adopts" in done.stdout
    assert (keep / "evalspec.lock").read_text() == applied
    assert (keep / "base.lock").read_text() == _pushed_lock(remote)  # what that run started from

    nxt = _clone(remote, tmp_path / "next")  # the next run: the branch's lock knows nothing of those runs
    assert run_cli(nxt, evalspec_env(state), "plan", "--detailed-exitcode").returncode == 5
    done, output = _script("adopt-lock.sh", nxt, {}, str(keep))
    assert done.returncode == 0, done.stderr
    assert "adopted=true" in output
    adopted = read_lock(nxt / "evalspec.lock")
    assert adopted is not None and adopted.cells == parse_lock(applied, "applied").cells  # a serial past both
    planned = run_cli(nxt, evalspec_env(state), "plan", "--detailed-exitcode")
    assert planned.returncode == 0, planned.stdout  # every cell kept: nothing is submitted twice


def test_adopting_with_nothing_kept_changes_nothing(tmp_path: Path) -> None:
    (tmp_path / "work").mkdir()
    done, output = _script("adopt-lock.sh", tmp_path / "work", {}, str(tmp_path / "absent"))
    assert done.returncode == 0 and "adopted=false" in output
    assert not (tmp_path / "work" / "evalspec.lock").exists()


class _Recorder(BaseHTTPRequestHandler):
    """A git HTTP remote that refuses everything and records the Authorization headers sent."""

    seen: ClassVar[list[list[str]]] = []

    def do_GET(self) -> None:
        self.seen.append(self.headers.get_all("Authorization") or [])
        self.send_response(403)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_git_pushes_with_the_token_given_not_the_credentials_checkout_saved(tmp_path: Path) -> None:
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        work = tmp_path / "work"
        _git(tmp_path, "init", "-q", str(work))
        (work / "evalspec.lock").write_text("serial: 1\n")
        _git(work, "remote", "add", "origin", f"{url}/repo.git")
        # What actions/checkout leaves in .git/config: the job's GITHUB_TOKEN as a header.
        _git(work, "config", f"http.{url}/.extraheader", "AUTHORIZATION: basic Z2l0aHViLXRva2Vu")
        env = {"EVALSPEC_BRANCH": "feature", "EVALSPEC_TOKEN": "pat-123", "EVALSPEC_SERVER": url,
               "EVALSPEC_ATTEMPTS": "1"}
        done, output = _script("push-lock.sh", work, env)
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 1 and "pushed=false" in output
    expected = "basic " + base64.b64encode(b"x-access-token:pat-123").decode()
    assert _Recorder.seen and all(headers == [expected] for headers in _Recorder.seen)
    assert "pat-123" not in done.stdout + done.stderr
