"""Response shapes, as Datalab documents them (they also make the OpenAPI document)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class EvalBatchRunResponse(_Out):
    id: int
    collection_id: int
    eval_rubric_id: int | None
    pipeline_id: str | None
    pipeline_type: str
    status: str
    started_at: str | None
    completed_at: str | None
    total_files: int
    completed_files: int
    avg_score: float | None
    created: str | None


class ListBatchRunsResponse(_Out):
    batch_runs: list[EvalBatchRunResponse]
    total: int


class BatchRunFileResult(_Out):
    request_id: int
    filename: str
    status: str
    eval_score: float
    eval_results: dict[str, Any]
    created: str
    lookup_key: str


class BatchRunResultsResponse(_Out):
    batch_run: EvalBatchRunResponse
    file_results: list[BatchRunFileResult]


class CollectionFileResponse(_Out):
    uploaded_file_id: int
    original_filename: str
    file_size: int | None
    content_type: str | None
    sort_order: int
    source_type: str = "upload"
    sha256: str | None = None
    last_eval_score: float | None = None
    last_score_breakdown: list[float] = []
    page_count: int | None = None  # local extension: the pages Datalab would bill


class CollectionResponse(_Out):
    id: int
    name: str
    description: str | None
    archived: bool
    created: str | None
    updated: str | None
    file_count: int = 0
    files: list[CollectionFileResponse] = []


class ListCollectionsResponse(_Out):
    collections: list[CollectionResponse]
    total: int


class ListCollectionFilesResponse(_Out):
    files: list[CollectionFileResponse]
    total: int
    next_cursor: str | None


class UploadResponse(_Out):
    file_id: int
    upload_url: str
    reference: str
    expires_in: int


class ConfirmResponse(_Out):
    file_id: int
    filename: str
    content_type: str | None
    file_size: int | None
    sha256: str | None
    confirmed: bool
    created: str


class EvalRubricResponse(_Out):
    id: int
    name: str
    description: str | None
    eval_definition: dict[str, Any]
    source: str
    source_processor_id: str | None
    archived: bool
    version: int
    created: str | None
    updated: str | None
    version_history: list[Any] | None


class ListEvalRubricsResponse(_Out):
    rubrics: list[EvalRubricResponse]
    total: int
