"""`GET /api/v1/pipelines/{pipeline_id}/rate`: what a custom pipeline costs per 1,000 pages.

Datalab publishes `rate_per_1000_pages_cents` and a `rate_breakdown`. The local service runs
pipelines for free; a registered pipeline function may say what it would cost (an attribute
`rate_per_1000_pages_cents`), so that a plan's cost can be rehearsed offline.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from evalspec.local.engine.pipelines import lookup_pipeline
from evalspec.local.http.errors import answers
from evalspec.local.problems import ApiProblem

router = APIRouter(prefix="/api/v1/pipelines")


@router.get("/{pipeline_id}/rate", responses=answers(404))
def rate(pipeline_id: str) -> dict[str, Any]:
    """The pipeline's rate in cents per 1,000 pages, and what it is made of."""
    fn = lookup_pipeline(pipeline_id)
    if fn is None:
        raise ApiProblem(404, f"Pipeline {pipeline_id!r} not found")
    cents = float(getattr(fn, "rate_per_1000_pages_cents", 0))
    return {"pipeline_id": pipeline_id, "rate_per_1000_pages_cents": cents,
            "rate_breakdown": {"processing": cents}}
