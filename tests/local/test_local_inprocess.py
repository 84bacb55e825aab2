"""The service in-process (as `--backend local` runs it), custom pipelines, and `serve`."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from local_server import READY_RE, REPO_ROOT

from evalspec.local import LocalService, create_app, register_pipeline, unregister_pipeline
from evalspec.local.engine.documents import Document
from evalspec.local.engine.pipelines import PipelineRequest


def shout(doc: Document, request: PipelineRequest) -> dict[str, Any]:
    """A custom pipeline: the document's text, upper-cased."""
    return {"markdown": doc.text.upper()}


shout.eval_definition = {  # type: ignore[attr-defined]  # the documented hook for own definitions
    "evaluations": [{"kind": "text_contains", "text": "HELLO"},
                    {"kind": "text_absent", "text": "hello world", "weight": 3}]}


def heavy(doc: Document, request: PipelineRequest) -> dict[str, Any]:
    """A custom pipeline whose own definition's weights are each a float but whose sum is not."""
    return {"markdown": doc.text}


heavy.eval_definition = {  # type: ignore[attr-defined]  # the documented hook for own definitions
    "evaluations": [{"kind": "text_contains", "text": "hello", "weight": 1e308},
                    {"kind": "text_absent", "text": "goodbye", "weight": 1e308}]}


@pytest.fixture
def cp_shout() -> Iterator[str]:
    register_pipeline("cp_shout", shout)
    yield "cp_shout"
    unregister_pipeline("cp_shout")


async def _drive(app: Any, pipeline_id: str) -> dict[str, Any]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://evalspec.local") as client:
        cid = (await client.post("/api/v1/collections", json={"name": "inproc"})).json()["id"]
        slot = (await client.post("/api/v1/files/upload", json={"filename": "h.txt"})).json()
        await client.put(slot["upload_url"], content=b"hello world")
        await client.get(f"/api/v1/files/{slot['file_id']}/confirm")
        await client.post(f"/api/v1/collections/{cid}/files",
                          json={"uploaded_file_ids": [slot["file_id"]]})
        run = (await client.post("/api/v1/eval_batch_runs",
                                 json={"collection_id": cid, "pipeline_id": pipeline_id})).json()
        for _ in range(500):
            got: dict[str, Any] = (await client.get(f"/api/v1/eval_batch_runs/{run['id']}")).json()
            if got["status"] == "completed":
                return got
            await asyncio.sleep(0.01)
    raise AssertionError("run did not complete")


def test_local_service_in_process_with_a_registered_pipeline(tmp_path: Path,
                                                             cp_shout: str) -> None:
    # The text is upper-cased, so "HELLO" is found (1) and "hello world" is not absent (0):
    # (1 * 1 + 0 * 3) / 4 = 0.25.
    with LocalService(tmp_path, api_key=None) as service:
        run = asyncio.run(_drive(service.app, cp_shout))
    assert run["avg_score"] == 0.25 and run["pipeline_id"] == "cp_shout"
    assert (tmp_path / "state.sqlite3").exists()


def test_a_nan_score_is_a_failed_file_with_its_reason_not_a_lost_row(tmp_path: Path) -> None:
    # The weights of heavy's own definition add up to inf: the weighted mean is NaN, which
    # sqlite would store as NULL, and the NOT NULL score would drop the file's result row.
    register_pipeline("cp_heavy", heavy)
    try:
        with LocalService(tmp_path, api_key=None) as service:
            run = asyncio.run(_drive(service.app, "cp_heavy"))
            assert service.store is not None
            results = service.store.runs.results(run["id"])
    finally:
        unregister_pipeline("cp_heavy")
    assert run["completed_files"] == run["total_files"] == len(results) == 1
    assert results[0]["status"] == "failed" and results[0]["eval_score"] == 0.0
    assert "nan" in results[0]["eval_results"]["error"]
    assert "weights" in results[0]["eval_results"]["error"]


def test_create_app_runs_its_service_through_the_lifespan(tmp_path: Path, cp_shout: str) -> None:
    app = create_app(tmp_path, None, workers=1)

    async def main() -> dict[str, Any]:
        async with app.router.lifespan_context(app):
            return await _drive(app, cp_shout)

    assert asyncio.run(main())["completed_files"] == 1
    assert app.state.service.store is None  # closed at shutdown


@pytest.mark.slow
def test_serve_prints_a_generated_key_once_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATALAB_API_KEY"}
    env["PYTHONPATH"] = str(REPO_ROOT)
    proc = subprocess.Popen([sys.executable, "-m", "evalspec.local", "--port", "0",
                             "--data-dir", str(tmp_path)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env)
    assert proc.stdout is not None
    with proc.stdout:
        key_line = proc.stdout.readline()
        url = READY_RE.search(proc.stdout.readline())
        assert key_line.startswith("api key: ") and url
        key = key_line.split(": ", 1)[1].strip()
        with httpx.Client(base_url=url.group(1)) as client:
            assert client.get("/api/v1/eval_rubrics").status_code == 401
            assert client.get("/api/v1/eval_rubrics",
                              headers={"X-API-Key": key}).status_code == 200
        proc.terminate()
        assert proc.wait(15) == 0
        assert key not in proc.stdout.read()


@pytest.mark.slow
def test_bad_rate_limit_is_a_usage_error(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "evalspec.local", "--data-dir", str(tmp_path),
                           "--rate-limit", "fast"], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO_ROOT)}, check=False)
    assert done.returncode == 2 and "rate limit 'fast' is not of the form N/SECONDS" in done.stderr
