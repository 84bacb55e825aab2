"""A local extension: `GET /api/v1/eval_batch_runs/{run_id}/results/{request_id}/output`.

Datalab's results carry no pipeline output; the local service keeps each file's output and
serves it here, so `evalspec show CELL FILE` can show what the pipeline produced.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from evalspec.local.http.deps import store_of
from evalspec.local.http.limits import RowId
from evalspec.local.problems import ApiProblem

router = APIRouter(prefix="/api/v1/eval_batch_runs")


@router.get("/{run_id}/results/{request_id}/output")
def file_output(run_id: RowId, request_id: RowId, request: Request) -> dict[str, Any]:
    """`{request_id, filename, output}`; 404 when the run, the result or its output is unknown.

    Both ids are `RowId`s: a plain `int` let a 25-digit id through to sqlite, whose
    OverflowError was a 500."""
    store = store_of(request)
    store.runs.get(run_id)  # 404 for an unknown run
    found = store.outputs.get(run_id, request_id)
    if found is None:
        raise ApiProblem(404, f"no output kept for result {request_id} of run {run_id}")
    return found
