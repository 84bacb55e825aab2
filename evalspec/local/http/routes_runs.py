"""`/api/v1/eval_batch_runs`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from evalspec.local.http.deps import service_of, store_of
from evalspec.local.http.errors import answers
from evalspec.local.http.limits import Limit, Offset, RowId
from evalspec.local.http.requests import StartBatchRunRequest
from evalspec.local.http.responses import (
    BatchRunResultsResponse,
    EvalBatchRunResponse,
    ListBatchRunsResponse,
)
from evalspec.local.http.start_run import start_run

router = APIRouter(prefix="/api/v1/eval_batch_runs")


@router.post("", response_model=EvalBatchRunResponse, responses=answers(400, 404, 409))
def start(body: StartBatchRunRequest, request: Request) -> dict[str, Any]:
    """Start a batch run (200, like Datalab)."""
    run = start_run(store_of(request), body, service_of(request).pages_in_flight)
    service_of(request).submit(run["id"])
    return run


@router.get("", response_model=ListBatchRunsResponse)
def list_runs(request: Request, collection_id: RowId | None = None,
              eval_rubric_id: RowId | None = None, pipeline_id: str | None = None,
              limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    """Runs, newest first, filtered."""
    filters = {"collection_id": collection_id, "eval_rubric_id": eval_rubric_id,
               "pipeline_id": pipeline_id}
    runs, total = store_of(request).runs.page(filters, limit, offset)
    return {"batch_runs": runs, "total": total}


@router.get("/{run_id}", response_model=EvalBatchRunResponse)
def get_run(run_id: RowId, request: Request) -> dict[str, Any]:
    return store_of(request).runs.get(run_id)


@router.get("/{run_id}/results", response_model=BatchRunResultsResponse)
def results(run_id: RowId, request: Request) -> dict[str, Any]:
    store = store_of(request)
    return {"batch_run": store.runs.get(run_id), "file_results": store.runs.results(run_id)}
