"""`evalspec gc` against an `evalspec server`: what no kept lock references, archived only with --apply."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest
from apply_helpers import evalspec_env, list_all, lock_of, run_cli, write_spec
from local_server import make_collection, running_server

pytestmark = pytest.mark.slow

APPLY = ("apply", "--backend", "datalab", "--poll-interval", "0.05")


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def _ids(root: Path) -> set[tuple[str, int]]:
    cell = lock_of(root / "evalspec.lock").cells["c0/p0/checks"]
    return {("collection", cell.request["collection_id"]), ("rubric", cell.request["eval_rubric_id"])}


def _archived(api: httpx.Client) -> set[tuple[str, int]]:
    collections = list_all(api, "/api/v1/collections", "collections", include_archived=True)
    rubrics = list_all(api, "/api/v1/eval_rubrics", "rubrics", include_archived=True)
    return ({("collection", c["id"]) for c in collections if c["archived"]}
            | {("rubric", r["id"]) for r in rubrics if r["archived"]})


def test_gc_dry_run_then_apply(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write_spec(root, pipelines=1, collections=1, prefix="gc")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "--allow-empty",
         "-m", "0")
    with running_server(tmp_path / "server") as server:
        env = evalspec_env(root / "state", server.url, server.api_key)
        with httpx.Client(base_url=server.url, headers=server.headers, timeout=30) as api:
            unmanaged = make_collection(api, "plain-name", {"x.md": b"# x\n"})
            assert run_cli(root, env, *APPLY).returncode == 0
            _git(root, "add", "evalspec.lock")
            _git(root, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "-m", "v1")
            old = _ids(root)
            (root / "specs" / "rubrics" / "checks.yaml").write_text(
                "evaluations:\n  - {kind: text_contains, text: alpha}\n", encoding="utf-8")
            (root / "specs" / "data" / "c0" / "alpha.md").write_text("# Alpha v2\n", encoding="utf-8")
            assert run_cli(root, env, *APPLY).returncode == 0
            new = _ids(root)
            assert not old & new

            kept = run_cli(root, env, "gc", "--keep", "git:HEAD")
            assert kept.returncode == 0, kept.stderr
            assert "Would archive 0 managed object(s)" in kept.stdout

            dry = run_cli(root, env, "gc")
            assert dry.returncode == 0, dry.stderr
            assert "Would archive 2 managed object(s)" in dry.stdout and "--apply" in dry.stdout
            assert _archived(api) == set()

            done = run_cli(root, env, "gc", "--apply")
            assert done.returncode == 0, done.stderr
            assert "Archived 2 managed object(s)" in done.stdout
            assert _archived(api) == old
            assert not api.get(f"/api/v1/collections/{unmanaged}").json()["archived"]

            again = run_cli(root, env, *APPLY)
            assert again.returncode == 0 and "0 submitted" in again.stdout


def test_gc_without_any_lock_refuses(tmp_path: Path) -> None:
    done = run_cli(tmp_path, evalspec_env(tmp_path / "state"), "gc", "--backend", "local")
    assert done.returncode == 2
    assert "no lock to keep" in done.stderr
