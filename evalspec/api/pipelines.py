"""The pipelines endpoint evalspec reads: a custom pipeline's published rate."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import Field

from evalspec.api.answers import fetch_model
from evalspec.api.sender import Call, Sender
from evalspec.api.shapes import ApiModel
from evalspec.errors import ServerError


class PipelineRate(ApiModel):
    """`GET /api/v1/pipelines/{id}/rate`: cents per 1,000 pages, and what makes them up."""

    rate_per_1000_pages_cents: Any = None
    rate_breakdown: dict[str, Any] = Field(default_factory=dict)

    @property
    def cents(self) -> Decimal | None:
        """The rate as a number of cents, or None when the answer holds no usable one."""
        value = self.rate_per_1000_pages_cents
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            return None
        try:
            rate = Decimal(str(value))
        except InvalidOperation:
            return None
        return rate if rate.is_finite() and rate >= 0 else None


class Pipelines:
    """`/api/v1/pipelines`."""

    def __init__(self, sender: Sender) -> None:
        self._sender = sender

    async def rate(self, pipeline_id: str) -> PipelineRate | None:
        """The pipeline's rate; None when the service knows no such pipeline (404)."""
        call = Call("GET", f"/api/v1/pipelines/{pipeline_id}/rate", "pipelines.rate")
        try:
            return await fetch_model(self._sender, call, PipelineRate)
        except ServerError as exc:
            if exc.status_code == 404:
                return None
            raise
