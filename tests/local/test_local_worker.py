"""The local service's run workers at scale, through `evalspec apply --backend local` in a real
subprocess: killed with -9 mid-run, the next apply scores every file exactly once; a Ctrl-C
stops the worker processes, saves the lock and exits 130."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evalspec.local import LocalService
from evalspec.local.http.requests import StartBatchRunRequest
from evalspec.local.http.start_run import start_run
from evalspec.lock.io import read_lock

REPO_ROOT = Path(__file__).parents[2]
DOCS = 80
SPEC = """version: 1
collections:
  corpus: {name: corpus, files: [data/*]}
rubrics:
  quality: {name: quality, definition: quality.yaml}
pipelines:
  md: {type: convert, output_format: markdown}
matrix: {collection: [corpus], pipeline: [md], rubric: [quality]}
"""
RUBRIC = "evaluations:\n  - {kind: text_contains, text: summary}\n  - {kind: truth_similarity}\n"


def _corpus(root: Path) -> Path:
    """DOCS markdown documents of ~200 KB with truth sidecars: a run of a few seconds."""
    data = root / "data"
    data.mkdir()
    for i in range(DOCS):
        body = "".join(f"## Summary {i}.{j}\nParagraph {j} of document {i}.\n" for j in range(4000))
        (data / f"doc-{i:03d}.md").write_text(body, encoding="utf-8")
        (data / f"doc-{i:03d}.md.truth.md").write_text(body, encoding="utf-8")
    (root / "spec.yaml").write_text(SPEC, encoding="utf-8")
    (root / "quality.yaml").write_text(RUBRIC, encoding="utf-8")
    return root


def _apply(root: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "EVALSPEC_STATE_DIR": str(root / ".evalspec"),
           "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.Popen([sys.executable, "-m", "evalspec", "apply", "spec.yaml",
                             "--backend", "local"], cwd=root, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _query(root: Path, sql: str) -> list[tuple[int, ...]]:
    db = root / ".evalspec" / "local" / "state.sqlite3"
    if not db.exists():
        return []
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        try:
            return conn.execute(sql).fetchall()
        except sqlite3.OperationalError:  # the schema is not there yet
            return []


def _scored(root: Path) -> int:
    rows = _query(root, "SELECT COUNT(*) FROM file_results")
    return rows[0][0] if rows else 0


def _wait_until_scoring(root: Path, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 180
    while _scored(root) == 0:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no file was scored"
        time.sleep(0.02)


def _workers_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _gone(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


@pytest.mark.slow
def test_apply_killed_9_mid_run_then_resumed_scores_every_file_exactly_once(tmp_path: Path) -> None:
    root = _corpus(tmp_path)
    first = _apply(root)
    _wait_until_scoring(root, first)
    first.kill()
    first.communicate(timeout=30)
    assert _scored(root) < DOCS, "the run finished before the kill: make the corpus bigger"
    second = _apply(root)
    _, err = second.communicate(timeout=300)
    assert second.returncode == 0, err
    assert _query(root, "SELECT COUNT(*) FROM runs") == [(1,)]  # followed, not resubmitted
    assert _query(root, "SELECT COUNT(*), COUNT(DISTINCT file_id) FROM file_results") == [
        (DOCS, DOCS)]
    lock = read_lock(root / "evalspec.lock")
    assert lock is not None
    (cell,) = lock.cells.values()
    assert (cell.status, cell.completed_files, cell.total_files) == ("completed", DOCS, DOCS)


@pytest.mark.slow
def test_ctrl_c_stops_the_worker_processes_saves_the_lock_and_exits_130(tmp_path: Path) -> None:
    root = _corpus(tmp_path)
    proc = _apply(root)
    _wait_until_scoring(root, proc)
    workers = _workers_of(proc.pid)
    assert workers, "no worker processes"
    proc.send_signal(signal.SIGINT)
    for worker in workers:
        os.kill(worker, signal.SIGINT)  # a terminal's Ctrl-C reaches the whole group
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert all(_gone(w) for w in workers)
    lock = read_lock(root / "evalspec.lock")
    assert lock is not None
    (cell,) = lock.cells.values()
    assert cell.run_id is not None
    assert _scored(root) < DOCS


def _slow_run(service: LocalService) -> int:
    """A run of one ~20 MB markdown file (seconds of parsing), started."""
    store = service.store
    assert store is not None
    text = "".join(f"## Heading {i}\nSome body text for paragraph {i}.\n" for i in range(400_000))
    (row,) = store.files.create_confirmed([("big.md", "text/markdown", text.encode())])
    cid = store.collections.create("slow", None)["id"]
    store.collections.add_files(cid, [row["id"]])
    rubric = store.rubrics.create("r", None, {"evaluations": [
        {"kind": "text_contains", "text": "heading"}]})
    run = start_run(store, StartBatchRunRequest(collection_id=cid, eval_rubric_id=rubric["id"]))
    service.submit(run["id"])
    return int(run["id"])


def test_closing_the_service_mid_file_does_not_wait_for_it_and_the_run_resumes(
        tmp_path: Path) -> None:
    service = LocalService(tmp_path, api_key=None).start()
    run_id = _slow_run(service)
    store = service.store
    assert store is not None
    deadline = time.monotonic() + 60
    while store.runs.get(run_id)["status"] != "running":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    service.close()  # kills the worker scoring the file: nothing is recorded for it
    with sqlite3.connect(tmp_path / "state.sqlite3") as db:
        assert db.execute("SELECT status FROM runs").fetchall() == [("running",)]
        assert db.execute("SELECT COUNT(*) FROM file_results").fetchall() == [(0,)]
    with LocalService(tmp_path, api_key=None) as again:
        assert again.store is not None
        deadline = time.monotonic() + 120
        while (run := again.store.runs.get(run_id))["completed_at"] is None:
            assert time.monotonic() < deadline, "the run was not resumed"
            time.sleep(0.05)
        assert (run["status"], run["completed_files"]) == ("completed", 1)
