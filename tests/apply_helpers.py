"""Shared helpers for the apply, lock and status tests: small specs, CLI subprocesses, server queries."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx

from evalspec.lock.io import parse_lock, read_lock
from evalspec.lock.lockfile import Lockfile

REPO_ROOT = Path(__file__).parent.parent
DEADLINE = 30.0

DOCS = {
    "alpha.md": "# Alpha\n\nSummary of the alpha project.\n\nNext Steps: ship it.\n",
    "beta.txt": "Beta notes. Summary first, then Next Steps.\n",
}
RUBRIC = (
    "evaluations:\n"
    "  - {kind: text_contains, text: summary}\n"
    "  - {kind: text_absent, text: TODO}\n"
    "  - {kind: order, before: Summary, after: Next Steps}\n"
)
FORMATS = ["markdown", "json", "html", "chunks", "markdown,json", "markdown,html"]


def write_spec(root: Path, pipelines: int = 2, collections: int = 1, *, prefix: str = "t") -> Path:
    """A spec dir under `root`: `collections` managed collections x `pipelines` convert pipelines x 1 rubric.

    Server-side names carry `prefix` so that several specs can share one server.
    """
    specs = root / "specs"
    (specs / "rubrics").mkdir(parents=True, exist_ok=True)
    for c in range(collections):
        folder = specs / "data" / f"c{c}"
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in DOCS.items():
            (folder / name).write_text(text + f"Collection {c}.\n", encoding="utf-8")
    (specs / "rubrics" / "checks.yaml").write_text(RUBRIC, encoding="utf-8")
    lines = ["version: 1", "collections:"]
    lines += [f"  c{c}: {{name: {prefix}-c{c}, files: [data/c{c}/*]}}" for c in range(collections)]
    lines += ["rubrics:", f"  checks: {{name: {prefix}-checks, definition: rubrics/checks.yaml}}",
              "pipelines:"]
    lines += [f"  p{p}: {{type: convert, output_format: \"{FORMATS[p % len(FORMATS)]}\"}}"
              for p in range(pipelines)]
    lines += ["matrix:", f"  collection: [{', '.join(f'c{c}' for c in range(collections))}]",
              f"  pipeline: [{', '.join(f'p{p}' for p in range(pipelines))}]",
              "  rubric: [checks]", "settings:", "  max_cells: 1000"]
    (specs / "spec.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return specs


def evalspec_env(state_dir: Path, url: str | None = None, key: str | None = None) -> dict[str, str]:
    """The environment of an `evalspec` subprocess: its own state dir, the server's URL and key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATALAB_", "EVALSPEC_"))}
    env.update({"EVALSPEC_STATE_DIR": str(state_dir), "PYTHONPATH": str(REPO_ROOT),
                "PYTHONUNBUFFERED": "1", "CI": "1"})
    if url is not None:
        env["DATALAB_BASE_URL"] = url
    if key is not None:
        env["DATALAB_API_KEY"] = key
    return env


def evalspec_cmd(*args: str) -> list[str]:
    """The command line of `evalspec ARGS...` run from this interpreter."""
    return [sys.executable, "-m", "evalspec", *args]


def run_cli(
    cwd: Path, env: Mapping[str, str], *args: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run `evalspec ARGS...` to the end in a subprocess."""
    return subprocess.run(evalspec_cmd(*args), cwd=cwd, env=dict(env), capture_output=True,
                          text=True, timeout=timeout, check=False)


def start_cli(cwd: Path, env: Mapping[str, str], *args: str) -> subprocess.Popen[str]:
    """Start `evalspec ARGS...` in a subprocess (stdout and stderr piped)."""
    return subprocess.Popen(evalspec_cmd(*args), cwd=cwd, env=dict(env), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wait_for(condition: Callable[[], bool], deadline: float = DEADLINE, what: str = "condition") -> None:
    """Poll `condition` until it holds, or fail at the deadline."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.005)
    raise AssertionError(f"timed out waiting for {what}")


def lock_of(path: Path) -> Lockfile:
    """The lock at `path`, parsed strictly (fails the test if it is not a valid lock)."""
    lock = read_lock(path)
    assert lock is not None, f"no lock at {path}"
    return lock


def lock_is_valid(path: Path) -> Lockfile | None:
    """Parse the lock's current bytes (None when there is no lock yet)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return parse_lock(text, str(path))


def list_all(client: httpx.Client, path: str, key: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of an offset-paged list endpoint."""
    items: list[dict[str, Any]] = []
    while True:
        answer = client.get(path, params={**params, "limit": 200, "offset": len(items)})
        answer.raise_for_status()
        page = answer.json()[key]
        items += page
        if len(page) < 200:
            return items


def server_runs(client: httpx.Client) -> list[dict[str, Any]]:
    """Every batch run the server holds."""
    return list_all(client, "/api/v1/eval_batch_runs", "batch_runs")


def server_collections(client: httpx.Client) -> list[dict[str, Any]]:
    """Every (unarchived) collection the server holds."""
    return list_all(client, "/api/v1/collections", "collections")


def assert_one_collection_per_name(client: httpx.Client) -> None:
    """No name was created twice."""
    names = Counter(c["name"] for c in server_collections(client))
    assert names and max(names.values()) == 1, names


def assert_one_run_per_cell(
    lock: Lockfile, runs: list[dict[str, Any]], collections: set[int] | None = None
) -> None:
    """The server's runs (in `collections`, if given) are exactly the lock's, one per cell, all completed."""
    mine = [r for r in runs if collections is None or r["collection_id"] in collections]
    run_ids = sorted(r["id"] for r in mine)
    assert sorted(c.run_id for c in lock.cells.values() if c.run_id is not None) == run_ids
    assert len(run_ids) == len(lock.cells)
    assert all(c.status == "completed" and c.completed_at for c in lock.cells.values()), lock.cells


def key_headers(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


def applied_copy(fixture: Path, work: Path, state: Path, run: Callable[..., tuple[int, str, str]],
                 monkeypatch: Any, edits: Mapping[str, str] | None = None) -> Path:
    """`fixture` copied to `work` (the working directory), with `edits` (path -> text) written,
    and applied on the local backend with its state in `state` (explicitly, in place of the
    conftest's tripwire); `run` is `run_evalspec`."""
    import shutil

    import evalspec.base.paths

    shutil.copytree(fixture, work)
    for name, text in (edits or {}).items():
        (work / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(work)
    monkeypatch.setattr(evalspec.base.paths, "default_state_dir", lambda: state)
    code, _, err = run("apply", "spec.yaml", "--backend", "local", "--poll-interval", "0.05")
    assert code in (0, 1), err
    return work
