"""`evalspec server --pages-in-flight N`: files past the team's page limit fail inside their run
with Datalab's message (never a 429), and their pages are never in flight."""

from __future__ import annotations

from pathlib import Path

import httpx
from local_server import make_collection, make_rubric, running_server, wait_run
from pdf_fixtures import pdf_bytes

from evalspec.local.store.pages import PAGE_LIMIT_MESSAGE

RUBRIC = "report-quality.yaml"


def _start(client: httpx.Client, collection: int, rubric: int) -> httpx.Response:
    return client.post("/api/v1/eval_batch_runs", json={
        "collection_id": collection, "eval_rubric_id": rubric, "pipeline_type": "convert"})


def test_files_past_the_page_limit_fail_inside_the_run(tmp_path: Path) -> None:
    files = {f"doc{i}.pdf": pdf_bytes(3, f"doc {i}") for i in range(3)}  # 9 pages, limit 5
    with running_server(tmp_path / "data", args=("--pages-in-flight", "5")) as server, \
            httpx.Client(base_url=server.url, headers=server.headers, timeout=30) as client:
        collection = make_collection(client, "paged", files)
        rubric = make_rubric(client, "quality", RUBRIC)
        started = _start(client, collection, rubric)
        assert started.status_code == 200  # Datalab does not answer 429 for pages
        wait_run(client, started.json()["id"])
        results = client.get(f"/api/v1/eval_batch_runs/{started.json()['id']}/results").json()
        by_name = {r["filename"]: r for r in results["file_results"]}
        assert by_name["doc0.pdf"]["status"] == "completed"
        for name in ("doc1.pdf", "doc2.pdf"):
            assert by_name[name]["status"] == "failed"
            assert by_name[name]["eval_results"] == {
                "success": False, "error": PAGE_LIMIT_MESSAGE.format(limit=5)}
        # The run is over, so its pages are free again: the next run gets the first file in.
        again = _start(client, collection, rubric).json()
        wait_run(client, again["id"])
        rows = client.get(f"/api/v1/eval_batch_runs/{again['id']}/results").json()["file_results"]
        assert {r["filename"]: r["status"] for r in rows} == {
            "doc0.pdf": "completed", "doc1.pdf": "failed", "doc2.pdf": "failed"}


def test_no_limit_admits_every_file(tmp_path: Path) -> None:
    files = {f"doc{i}.pdf": pdf_bytes(3, f"doc {i}") for i in range(3)}
    with running_server(tmp_path / "data") as server, \
            httpx.Client(base_url=server.url, headers=server.headers, timeout=30) as client:
        run = _start(client, make_collection(client, "all", files), make_rubric(client, "q", RUBRIC)).json()
        wait_run(client, run["id"])
        results = client.get(f"/api/v1/eval_batch_runs/{run['id']}/results").json()["file_results"]
        assert {r["status"] for r in results} == {"completed"}
