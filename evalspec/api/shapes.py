"""The response shapes of the Datalab eval API that evalspec reads.

Frozen and tolerant: unknown keys are ignored (the service may grow fields), keys the docs do
not promise get defaults, and timestamps stay the strings the server sent, because evalspec only
records and compares them, never does arithmetic on them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from evalspec.base import runstatus


class ApiModel(BaseModel):
    """Base of every response model: immutable, ignores keys it does not know."""

    model_config = ConfigDict(frozen=True, extra="ignore")


def _dict_or_empty(value: Any) -> Any:
    # A server that sends null for an object field means "nothing"; keep callers free of None.
    return {} if value is None else value


def _text_or_empty(value: Any) -> Any:
    # A null status is an unknown status, not a broken answer.
    return "" if value is None else value


class BatchRun(ApiModel):
    """One eval batch run (`EvalBatchRunResponse`)."""

    id: int
    collection_id: int
    eval_rubric_id: int | None = None
    pipeline_id: str | None = None
    pipeline_type: str = "convert"
    status: str = ""
    started_at: str | None = None
    completed_at: str | None = None
    # Counts the server sends as null are unknown, not zero.
    total_files: int | None = None
    completed_files: int | None = None
    avg_score: float | None = None
    created: str | None = None

    _no_null_status = field_validator("status", mode="before")(_text_or_empty)

    @property
    def is_finished(self) -> bool:
        """True once the run will not change: completed_at set or a terminal status word."""
        return runstatus.is_finished(self.status, self.completed_at)

    @property
    def is_failed(self) -> bool:
        """True when the run ended in a failure status."""
        return runstatus.is_failed(self.status)


class FileResult(ApiModel):
    """The eval result of one file of a run (`BatchRunFileResult`)."""

    request_id: int | str | None = None
    filename: str = ""
    status: str = ""
    eval_score: float | None = None
    eval_results: dict[str, Any] = {}
    created: str | None = None
    lookup_key: str | None = None

    _no_null_results = field_validator("eval_results", mode="before")(_dict_or_empty)
    _no_null_texts = field_validator("status", "filename", mode="before")(_text_or_empty)


class RunResults(ApiModel):
    """A run and its per-file results (`GET /eval_batch_runs/{id}/results`)."""

    batch_run: BatchRun
    file_results: tuple[FileResult, ...] = ()


class CollectionFile(ApiModel):
    """A file linked into a collection."""

    uploaded_file_id: int
    original_filename: str = ""
    file_size: int | None = None
    content_type: str | None = None
    last_eval_score: float | None = None
    # Not in Datalab's published shape; read where a service tells it (the local one does).
    page_count: int | None = None


class Collection(ApiModel):
    """A document collection."""

    id: int
    name: str
    description: str | None = None
    archived: bool = False
    file_count: int | None = None
    created: str | None = None
    updated: str | None = None


class Rubric(ApiModel):
    """An eval rubric; `eval_definition` is opaque here (its inside is not published)."""

    id: int
    name: str
    description: str | None = None
    eval_definition: dict[str, Any] = {}
    version: int | None = None
    archived: bool = False
    source: str | None = None
    source_processor_id: str | None = None
    created: str | None = None
    updated: str | None = None

    _no_null_definition = field_validator("eval_definition", mode="before")(_dict_or_empty)


class UploadTicket(ApiModel):
    """The answer to `POST /files/upload`: where to PUT the bytes."""

    file_id: int
    upload_url: str
    reference: str | None = None
    expires_in: int | None = None
