"""The batch-run endpoints: start, get, list (filtered, paged) and results."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from evalspec.api.answers import fetch_model, fetch_page
from evalspec.api.paging import MAX_PAGE, offset_pages
from evalspec.api.sender import Call, Sender, fetch_json
from evalspec.api.shapes import BatchRun, RunResults
from evalspec.errors import ServerError

RUNS = "/api/v1/eval_batch_runs"


class BatchRuns:
    """`/api/v1/eval_batch_runs`."""

    def __init__(self, sender: Sender) -> None:
        self._sender = sender

    async def start(self, body: Mapping[str, Any]) -> BatchRun:
        """Start one run. Not idempotent: see `retry.py` on what a failure may leave behind."""
        return await fetch_model(self._sender, Call("POST", RUNS, "runs.start", json=dict(body)), BatchRun)

    async def get(self, run_id: int) -> BatchRun:
        """One run's status and progress."""
        return await fetch_model(self._sender, Call("GET", f"{RUNS}/{run_id}", "runs.get"), BatchRun)

    async def list(
        self,
        *,
        collection_id: int | None = None,
        eval_rubric_id: int | None = None,
        pipeline_id: str | None = None,
        limit: int = MAX_PAGE,
        offset: int = 0,
    ) -> tuple[list[BatchRun], int | None]:
        """One page of the team's runs, filtered, and the total the server reports."""
        params = _filters(collection_id, eval_rubric_id, pipeline_id)
        params.update(limit=limit, offset=offset)
        call = Call("GET", RUNS, "runs.list", params=params)
        runs, total, _ = await fetch_page(self._sender, call, BatchRun, "batch_runs")
        return runs, total

    def iter(
        self,
        *,
        collection_id: int | None = None,
        eval_rubric_id: int | None = None,
        pipeline_id: str | None = None,
        page_size: int = MAX_PAGE,
    ) -> AsyncIterator[BatchRun]:
        """Every run matching the filters, page by page."""

        async def fetch(limit: int, offset: int) -> tuple[list[BatchRun], int | None]:
            return await self.list(
                collection_id=collection_id,
                eval_rubric_id=eval_rubric_id,
                pipeline_id=pipeline_id,
                limit=limit,
                offset=offset,
            )

        return offset_pages(fetch, limit=page_size)

    async def results(self, run_id: int) -> RunResults:
        """A run and its per-file results."""
        call = Call("GET", f"{RUNS}/{run_id}/results", "runs.results")
        return await fetch_model(self._sender, call, RunResults)

    async def file_output(self, run_id: int, request_id: int | str) -> dict[str, Any] | None:
        """A file's pipeline output, from the local service's extension endpoint; None when the
        service keeps none (a 404: Datalab has no such endpoint)."""
        call = Call("GET", f"{RUNS}/{run_id}/results/{request_id}/output", "runs.file_output")
        try:
            data = await fetch_json(self._sender, call)
        except ServerError as exc:
            if exc.status_code == 404:
                return None
            raise
        output = data.get("output") if isinstance(data, dict) else None
        return output if isinstance(output, dict) else None


def _filters(
    collection_id: int | None, eval_rubric_id: int | None, pipeline_id: str | None
) -> dict[str, Any]:
    given = {
        "collection_id": collection_id,
        "eval_rubric_id": eval_rubric_id,
        "pipeline_id": pipeline_id,
    }
    return {key: value for key, value in given.items() if value is not None}
