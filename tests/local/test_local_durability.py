"""Rate limiting, restart durability (kill -9 mid-run) and concurrent runs, over HTTP."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from local_server import make_collection, make_rubric, running_server, start_server, wait_run

# A server process of its own per test, killed and restarted: seconds each.
pytestmark = pytest.mark.slow

DOCS = {f"doc-{i}.md": f"# Summary\n\nDocument number {i}.\n".encode() for i in range(6)}


def test_rate_limit_is_shared_and_answers_429_with_retry_after(tmp_path: Path) -> None:
    with running_server(tmp_path, rate_limit="4/2") as server, \
            httpx.Client(base_url=server.url, headers=server.headers) as client:
        codes = [client.get("/api/v1/collections").status_code for _ in range(2)]
        codes += [client.get("/api/v1/eval_rubrics").status_code for _ in range(2)]
        assert codes == [200] * 4
        limited = client.get("/api/v1/eval_batch_runs")
        assert limited.status_code == 429
        assert "Rate limit" in limited.json()["detail"]
        # How the window refills is tests/local/test_local_engine.py's, on a clock it holds: here,
        # waiting it out would only wait on the real clock.
        assert 1 <= int(limited.headers["Retry-After"]) <= 2


def test_a_run_survives_kill_9_and_finishes_every_file_after_restart(tmp_path: Path) -> None:
    server = start_server(tmp_path, file_delay=0.3)
    try:
        with httpx.Client(base_url=server.url, headers=server.headers) as client:
            cid = make_collection(client, "durable", DOCS)
            rid = make_rubric(client, "durable", "report-quality.yaml")
            run_id = client.post("/api/v1/eval_batch_runs",
                                 json={"collection_id": cid, "eval_rubric_id": rid}).json()["id"]
            _wait_progress(client, run_id)
    finally:
        server.kill()
    with running_server(tmp_path) as again, \
            httpx.Client(base_url=again.url, headers=again.headers) as client:
        run = wait_run(client, run_id)
        assert (run["status"], run["completed_files"], run["total_files"]) == ("completed", 6, 6)
        results = client.get(f"/api/v1/eval_batch_runs/{run_id}/results").json()
        assert sorted(f["filename"] for f in results["file_results"]) == sorted(DOCS)
        assert all(f["status"] == "completed" for f in results["file_results"])
        assert again.terminate() == 0


def _wait_progress(client: httpx.Client, run_id: int) -> None:
    """Until the run has finished at least one file but not all of them."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        run = client.get(f"/api/v1/eval_batch_runs/{run_id}").json()
        if run["completed_files"] >= 1:
            assert run["status"] == "running" and run["completed_files"] < 6
            return
        time.sleep(0.02)
    raise AssertionError("the run made no progress")


def test_concurrent_runs_progress_together(tmp_path: Path) -> None:
    with running_server(tmp_path, file_delay=0.1) as server, \
            httpx.Client(base_url=server.url, headers=server.headers) as client:
        cid = make_collection(client, "concurrent", DOCS)
        rid = make_rubric(client, "concurrent", "report-quality.yaml")
        ids = [client.post("/api/v1/eval_batch_runs",
                           json={"collection_id": cid, "eval_rubric_id": rid}).json()["id"]
               for _ in range(3)]
        seen_together = False
        deadline = time.monotonic() + 20
        while not seen_together and time.monotonic() < deadline:
            statuses = [client.get(f"/api/v1/eval_batch_runs/{i}").json()["status"] for i in ids]
            seen_together = statuses.count("running") >= 2
        assert seen_together, "runs never ran at the same time"
        runs = [wait_run(client, i) for i in ids]
        assert [r["completed_files"] for r in runs] == [6, 6, 6]
        assert len({r["avg_score"] for r in runs}) == 1
