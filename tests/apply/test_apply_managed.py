"""Managed objects are immutable and content-addressed: two branches share one `evalspec server`.

Each branch is its own directory with its own state dir (a fresh CI runner each), applying a
different definition of the same managed rubric and collection. Afterwards every lock's ids hold
that branch's content, re-applying either creates and submits nothing, and files both branches
share were uploaded once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from apply_helpers import evalspec_env, list_all, lock_of, run_cli, server_runs, write_spec
from local_server import LocalServer

pytestmark = pytest.mark.slow

APPLY = ("apply", "--backend", "datalab", "--poll-interval", "0.05")


def _branch(root: Path, prefix: str, beta: str | None = None, extra_check: str | None = None) -> Path:
    write_spec(root, pipelines=1, collections=1, prefix=prefix)
    if beta is not None:
        (root / "specs" / "data" / "c0" / "beta.txt").write_text(beta, encoding="utf-8")
    if extra_check is not None:
        with (root / "specs" / "rubrics" / "checks.yaml").open("a", encoding="utf-8") as rubric:
            rubric.write(f"  - {{kind: text_contains, text: {extra_check}}}\n")
    return root


def _apply(root: Path, server: LocalServer) -> str:
    done = run_cli(root, evalspec_env(root / "state", server.url, server.api_key), *APPLY)
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def _collection_files(api: httpx.Client, collection_id: int) -> dict[str, int]:
    files = api.get(f"/api/v1/collections/{collection_id}/files", params={"limit": 200}).json()["files"]
    return {f["original_filename"]: f["uploaded_file_id"] for f in files}


def _file_bytes(api: httpx.Client, collection_id: int) -> dict[str, int]:
    files = api.get(f"/api/v1/collections/{collection_id}/files", params={"limit": 200}).json()["files"]
    return {f["original_filename"]: f["file_size"] for f in files}


def _counts(api: httpx.Client) -> tuple[int, int, int]:
    collections = list_all(api, "/api/v1/collections", "collections", include_archived=True)
    rubrics = list_all(api, "/api/v1/eval_rubrics", "rubrics", include_archived=True)
    return len(collections), len(rubrics), len(server_runs(api))


def _ids(root: Path) -> dict[str, Any]:
    cell = lock_of(root / "evalspec.lock").cells["c0/p0/checks"]
    return {"collection": cell.request["collection_id"], "rubric": cell.request["eval_rubric_id"]}


def test_two_branches_keep_their_own_content(
    tmp_path: Path, local_server: LocalServer, local_client: httpx.Client
) -> None:
    server, api = local_server, local_client
    main = _branch(tmp_path / "main", "shared")
    beta = "Beta notes, rewritten on the branch. Summary first, then Next Steps.\n"
    branch = _branch(tmp_path / "branch", "shared", beta=beta, extra_check="rewritten")
    out_main = _apply(main, server)
    out_branch = _apply(branch, server)
    assert "Updated" not in out_main + out_branch

    main_ids, branch_ids = _ids(main), _ids(branch)
    assert main_ids["collection"] != branch_ids["collection"]
    assert main_ids["rubric"] != branch_ids["rubric"]
    # Each lock's rubric still holds the definition that branch scored with.
    for root, ids in ((main, main_ids), (branch, branch_ids)):
        wanted = yaml.safe_load((root / "specs" / "rubrics" / "checks.yaml").read_text())
        held = api.get(f"/api/v1/eval_rubrics/{ids['rubric']}").json()
        assert held["eval_definition"] == wanted and held["version"] == 1
        assert held["name"].startswith("shared-checks@")
        sizes = _file_bytes(api, ids["collection"])
        for name in ("alpha.md", "beta.txt"):
            assert sizes[name] == (root / "specs" / "data" / "c0" / name).stat().st_size
    # The unchanged document was uploaded once and linked into both collections.
    main_files, branch_files = _collection_files(api, main_ids["collection"]), _collection_files(
        api, branch_ids["collection"])
    assert main_files["alpha.md"] == branch_files["alpha.md"]
    assert main_files["beta.txt"] != branch_files["beta.txt"]

    # Re-applying either branch creates nothing and submits nothing.
    before = _counts(api)
    for root in (main, branch):
        lock_before = (root / "evalspec.lock").read_bytes()
        output = _apply(root, server)
        assert "0 submitted" in output and "Created" not in output
        assert (root / "evalspec.lock").read_bytes() == lock_before
    assert _counts(api) == before


def test_a_rubric_edited_in_place_is_refused(
    tmp_path: Path, local_server: LocalServer, local_client: httpx.Client
) -> None:
    server, api = local_server, local_client
    root = _branch(tmp_path, "edited")
    _apply(root, server)
    rubric_id = _ids(root)["rubric"]
    edited = {"evaluations": [{"kind": "text_absent", "text": "x"}]}
    api.put(f"/api/v1/eval_rubrics/{rubric_id}", json={"eval_definition": edited}).raise_for_status()
    (root / "evalspec.lock").unlink()
    done = run_cli(root, evalspec_env(root / "state", server.url, server.api_key), *APPLY)
    assert done.returncode == 2, done.stderr
    assert "edited outside evalspec" in done.stderr and "Traceback" not in done.stderr
