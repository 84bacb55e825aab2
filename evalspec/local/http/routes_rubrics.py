"""`/api/v1/eval_rubrics`, with the local extension `POST /api/v1/eval_rubrics`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from evalspec.local.engine.pipelines import pipeline_eval_definition
from evalspec.local.http.deps import store_of
from evalspec.local.http.errors import answers
from evalspec.local.http.limits import Limit, Offset, RowId
from evalspec.local.http.requests import (
    CreateRubricRequest,
    ImportFromPipelineRequest,
    UpdateRubricRequest,
)
from evalspec.local.http.responses import EvalRubricResponse, ListEvalRubricsResponse
from evalspec.local.problems import not_found

router = APIRouter(prefix="/api/v1/eval_rubrics")
# `{rubric_id:int}` (digits only) so that `/import_from_pipeline` is never read as an id: a GET or
# PUT of it is a 405 naming POST, not a 422 about a rubric id.


@router.get("", response_model=ListEvalRubricsResponse)
def list_rubrics(request: Request, limit: Limit = 50,
                 offset: Offset = 0, include_archived: bool = False) -> dict[str, Any]:
    rubrics, total = store_of(request).rubrics.page(limit, offset, include_archived)
    return {"rubrics": rubrics, "total": total}


@router.post("", response_model=EvalRubricResponse)
def create(body: CreateRubricRequest, request: Request) -> dict[str, Any]:
    """Local extension: Datalab has no public create from a definition."""
    return store_of(request).rubrics.create(body.name, body.description, body.eval_definition)


@router.post("/import_from_pipeline", response_model=EvalRubricResponse,
             responses=answers(404))
def import_from_pipeline(body: ImportFromPipelineRequest, request: Request) -> dict[str, Any]:
    definition = pipeline_eval_definition(body.pipeline_id)
    if definition is None:
        raise not_found("custom pipeline with an eval_definition", repr(body.pipeline_id))
    return store_of(request).rubrics.create(f"{body.pipeline_id} eval", None, definition,
                                            source="pipeline")


@router.get("/{rubric_id:int}", response_model=EvalRubricResponse)
def get(rubric_id: RowId, request: Request) -> dict[str, Any]:
    return store_of(request).rubrics.get(rubric_id)


@router.put("/{rubric_id:int}", response_model=EvalRubricResponse)
def update(rubric_id: RowId, body: UpdateRubricRequest, request: Request) -> dict[str, Any]:
    """A new version; the previous one is kept in `version_history`."""
    return store_of(request).rubrics.update(rubric_id, body.model_dump(exclude_none=True))
