"""The typed endpoints against a small fake of Datalab's API, in-process over ASGITransport.

`FakeDatalab` serves Datalab's shapes (as `datalab-api.md` documents them) from memory. It is
importable by the other API tests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from pydantic import BaseModel, Field

from evalspec.api import ApiServerError, DatalabClient, RetryPolicy
from evalspec.api.ratelimit import RateLimiter

pytestmark = pytest.mark.anyio
KEY = "sk-test-SECRET-0123456789"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class StartBody(BaseModel):
    collection_id: int
    eval_rubric_id: int | None = None
    pipeline_type: str = "convert"
    pipeline_id: str | None = None
    page_schema: str | None = None
    segmentation_schema: str | None = None
    output_format: str | None = None


class LinkBody(BaseModel):
    uploaded_file_ids: list[int] = Field(min_length=1, max_length=100)


@dataclass
class FakeDatalab:
    """In-memory state plus a log of (method, path, carried-the-key) for every request."""

    rubric_create: bool = False
    runs: dict[int, dict[str, Any]] = field(default_factory=dict)
    collections: dict[int, dict[str, Any]] = field(default_factory=dict)
    links: dict[int, list[int]] = field(default_factory=dict)
    uploads: dict[int, dict[str, Any]] = field(default_factory=dict)
    rubrics: dict[int, dict[str, Any]] = field(default_factory=dict)
    log: list[tuple[str, str, bool]] = field(default_factory=list)

    def new_id(self, table: dict[int, Any]) -> int:
        return max(table, default=0) + 1


def run_json(run_id: int, body: StartBody, status: str = "queued") -> dict[str, Any]:
    return {
        **body.model_dump(include={"collection_id", "eval_rubric_id", "pipeline_id"}),
        "id": run_id, "pipeline_type": body.pipeline_type, "status": status,
        "started_at": None, "completed_at": None, "total_files": 2, "completed_files": 0,
        "avg_score": None, "created": "2026-11-28T10:00:00Z",
    }  # fmt: skip


def build_app(state: FakeDatalab) -> FastAPI:
    """A FastAPI app answering like Datalab, backed by `state`."""

    async def check_key(request: Request) -> None:
        if request.headers.get("x-api-key") != KEY:
            raise HTTPException(401, f"Invalid API key {request.headers.get('x-api-key')}")

    app = FastAPI()

    @app.middleware("http")
    async def record(request: Request, call_next: Any) -> Any:
        state.log.append((request.method, request.url.path, "x-api-key" in request.headers))
        return await call_next(request)

    @app.put("/storage/{file_id}")
    async def presigned_put(file_id: int, request: Request) -> dict[str, str]:
        state.uploads[file_id]["data"] = await request.body()
        return {}

    api = APIRouter(prefix="/api/v1", dependencies=[Depends(check_key)])
    _runs(api, state)
    _collections(api, state)
    _files(api, state)
    _rubrics(api, state)
    app.include_router(api)
    return app


def _runs(api: APIRouter, state: FakeDatalab) -> None:
    @api.post("/eval_batch_runs")
    async def start(body: StartBody) -> dict[str, Any]:
        run_id = state.new_id(state.runs)
        state.runs[run_id] = run_json(run_id, body)
        return state.runs[run_id]

    @api.get("/eval_batch_runs")
    async def list_runs(
        collection_id: int | None = None,
        limit: int = Query(50, ge=1, le=200),
        offset: int = Query(0, ge=0),
    ) -> dict[str, Any]:
        rows = [r for r in state.runs.values() if collection_id in (None, r["collection_id"])]
        return {"batch_runs": rows[offset : offset + limit], "total": len(rows)}

    @api.get("/eval_batch_runs/{run_id}")
    async def get_run(run_id: int) -> dict[str, Any]:
        if run_id not in state.runs:
            raise HTTPException(404, "Batch run not found")
        return state.runs[run_id]

    @api.get("/eval_batch_runs/{run_id}/results")
    async def results(run_id: int) -> dict[str, Any]:
        files = [{"request_id": 1, "filename": "a.pdf", "status": "completed", "eval_score": 0.9,
                  "eval_results": {"checks": []}, "created": "x", "lookup_key": "k"}]  # fmt: skip
        return {"batch_run": state.runs[run_id], "file_results": files}


def _collections(api: APIRouter, state: FakeDatalab) -> None:
    @api.post("/collections")
    async def create(body: dict[str, Any]) -> dict[str, Any]:
        cid = state.new_id(state.collections)
        state.collections[cid] = {"id": cid, "name": body["name"], "archived": False,
                                  "description": body.get("description"), "created": None,
                                  "updated": None, "file_count": 0, "files": []}  # fmt: skip
        state.links[cid] = []
        return state.collections[cid]

    @api.get("/collections")
    async def list_collections(
        limit: int = Query(50, ge=1, le=200), offset: int = 0, include_archived: bool = False
    ) -> dict[str, Any]:
        rows = [c for c in state.collections.values() if include_archived or not c["archived"]]
        return {"collections": rows[offset : offset + limit], "total": len(rows)}

    @api.put("/collections/{cid}")
    async def update(cid: int, body: dict[str, Any]) -> dict[str, Any]:
        state.collections[cid].update(body)
        return state.collections[cid]

    @api.delete("/collections/{cid}")
    async def delete(cid: int) -> dict[str, Any]:
        state.collections[cid]["archived"] = True
        return {"success": True}

    @api.post("/collections/{cid}/files")
    async def link(cid: int, body: LinkBody) -> dict[str, Any]:
        state.links[cid].extend(body.uploaded_file_ids)
        return state.collections[cid]

    @api.get("/collections/{cid}/files")
    async def list_files(cid: int, limit: int = 50, cursor: str | None = None) -> dict[str, Any]:
        ids = state.links[cid]
        start = int(cursor or 0)
        page = [{"uploaded_file_id": i, "original_filename": f"f{i}.pdf", "file_size": 10,
                 "content_type": "application/pdf"} for i in ids[start : start + limit]]  # fmt: skip
        more = start + limit < len(ids)
        return {"files": page, "total": len(ids), "next_cursor": str(start + limit) if more else None}

    @api.delete("/collections/{cid}/files/{file_id}")
    async def unlink(cid: int, file_id: int) -> dict[str, Any]:
        state.links[cid].remove(file_id)
        return {"success": True}


def _files(api: APIRouter, state: FakeDatalab) -> None:
    @api.post("/files/upload")
    async def upload(body: dict[str, Any]) -> dict[str, Any]:
        fid = state.new_id(state.uploads) + 500
        state.uploads[fid] = {**body, "data": None, "confirmed": False}
        url = f"http://testserver/storage/{fid}?X-Amz-Signature=s3cr3t"
        return {"file_id": fid, "upload_url": url, "reference": f"ref{fid}", "expires_in": 900}

    @api.get("/files/{fid}/confirm")
    async def confirm(fid: int) -> dict[str, Any]:
        if state.uploads[fid]["data"] is None:
            raise HTTPException(400, "File not uploaded yet")
        state.uploads[fid]["confirmed"] = True
        return {"success": True}


def _rubrics(api: APIRouter, state: FakeDatalab) -> None:
    @api.get("/eval_rubrics")
    async def list_rubrics(limit: int = 50, offset: int = 0) -> dict[str, Any]:
        rows = list(state.rubrics.values())
        return {"rubrics": rows[offset : offset + limit], "total": len(rows)}

    @api.get("/eval_rubrics/{rid}")
    async def get(rid: int) -> dict[str, Any]:
        return state.rubrics[rid]

    @api.put("/eval_rubrics/{rid}")
    async def update(rid: int, body: dict[str, Any]) -> dict[str, Any]:
        state.rubrics[rid].update(body, version=state.rubrics[rid]["version"] + 1)
        return state.rubrics[rid]

    if state.rubric_create:

        @api.post("/eval_rubrics")
        async def create(body: dict[str, Any]) -> dict[str, Any]:
            rid = state.new_id(state.rubrics)
            state.rubrics[rid] = {**body, "id": rid, "version": 1, "archived": False}
            return state.rubrics[rid]


def make_client(app: Any, **kwargs: Any) -> DatalabClient:
    """A client on `app` in-process, with retries that do not really sleep."""

    async def no_sleep(seconds: float) -> None:
        pass

    kwargs.setdefault("retry", RetryPolicy(sleep=no_sleep, random=lambda: 0.5))
    kwargs.setdefault("rate_limiter", RateLimiter(1000, 1.0, sleep=no_sleep))
    return DatalabClient(KEY, "http://testserver", transport=httpx.ASGITransport(app=app), **kwargs)


@pytest.fixture
def state() -> FakeDatalab:
    return FakeDatalab()


@pytest.fixture
async def client(state: FakeDatalab) -> AsyncIterator[DatalabClient]:
    async with make_client(build_app(state)) as c:
        yield c


async def test_start_get_and_results(client: DatalabClient, state: FakeDatalab) -> None:
    body = {"collection_id": 3, "eval_rubric_id": 7, "pipeline_type": "convert",
            "output_format": "markdown,json", "page_schema": None}  # fmt: skip
    run = await client.runs.start(body)
    assert (run.id, run.collection_id, run.status) == (1, 3, "queued")
    assert (await client.runs.get(run.id)) == run
    results = await client.runs.results(run.id)
    assert results.batch_run == run and results.file_results[0].lookup_key == "k"
    assert client.stats.snapshot() == {"runs.get": 1, "runs.results": 1, "runs.start": 1}


async def test_runs_list_pages_through_everything(
    client: DatalabClient, state: FakeDatalab
) -> None:
    for n in range(450):
        await client.runs.start({"collection_id": 1 + n % 2})
    page, total = await client.runs.list(collection_id=2, limit=10, offset=5)
    assert total == 225 and [r.id for r in page] == list(range(12, 32, 2))
    every = [run.id async for run in client.runs.iter(collection_id=1)]
    assert every == list(range(1, 451, 2))
    assert client.stats["runs.list"] == 1 + 2  # 225 runs: pages of 200 and 25


async def test_collections_lifecycle(client: DatalabClient, state: FakeDatalab) -> None:
    made = await client.collections.create("demo", "the demo files")
    await client.collections.create("old")
    await client.collections.update(2, archived=True)
    names = [c.name async for c in client.collections.list()]
    assert names == ["demo"]
    everything = [c.name async for c in client.collections.list(include_archived=True)]
    assert everything == ["demo", "old"]
    renamed = await client.collections.update(made.id, description="new words")
    assert (renamed.name, renamed.description) == ("demo", "new words")
    await client.collections.delete(made.id)
    assert state.collections[made.id]["archived"] is True


async def test_add_files_in_chunks_of_100_and_list_by_cursor(
    client: DatalabClient, state: FakeDatalab
) -> None:
    made = await client.collections.create("big")
    await client.collections.add_files(made.id, list(range(1, 251)))
    assert client.stats["collections.add_files"] == 3
    files = [f async for f in client.collections.list_files(made.id, page_size=60)]
    assert [f.uploaded_file_id for f in files] == list(range(1, 251))
    assert client.stats["collections.files"] == 5
    await client.collections.remove_file(made.id, 7)
    assert 7 not in state.links[made.id]


async def test_upload_three_steps_and_the_put_carries_no_key(
    client: DatalabClient, state: FakeDatalab
) -> None:
    file_id = await client.files.upload("a.pdf", "application/pdf", b"%PDF-1.4 hello")
    assert state.uploads[file_id]["data"] == b"%PDF-1.4 hello"
    assert state.uploads[file_id]["confirmed"] is True
    assert state.log == [
        ("POST", "/api/v1/files/upload", True),
        ("PUT", f"/storage/{file_id}", False),
        ("GET", f"/api/v1/files/{file_id}/confirm", True),
    ]


async def test_rubrics_list_get_update(client: DatalabClient, state: FakeDatalab) -> None:
    state.rubrics[7] = {"id": 7, "name": "fields", "description": None, "version": 1,
                        "eval_definition": {"evaluations": []}, "archived": False}  # fmt: skip
    assert [r.name async for r in client.rubrics.list()] == ["fields"]
    new_definition = {"evaluations": [{"kind": "text_contains", "text": "Total"}]}
    updated = await client.rubrics.update(7, eval_definition=new_definition)
    assert updated.eval_definition == new_definition and updated.version == 2
    assert (await client.rubrics.get(7)).name == "fields"


async def test_rubric_create_where_the_backend_has_it() -> None:
    state = FakeDatalab(rubric_create=True)
    async with make_client(build_app(state)) as client:
        made = await client.rubrics.create("checks", "demo", {"evaluations": []})
    assert (made.id, made.name, state.rubrics[made.id]["eval_definition"]) == (
        1,
        "checks",
        {"evaluations": []},
    )


async def test_rubric_create_on_datalab_says_to_create_it_there(client: DatalabClient) -> None:
    expected = "create rubric 'checks' in Datalab with the spec's definition"
    with pytest.raises(ApiServerError, match=expected) as info:
        await client.rubrics.create("checks", None, {"evaluations": []})
    assert info.value.status_code == 405 and not info.value.may_have_acted
