"""Request bodies of the API, with Datalab's rules; FastAPI turns their errors into 422 lists."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from evalspec.local.engine.checks import validate_definition
from evalspec.local.engine.convert import parse_output_format


class _Body(BaseModel):
    model_config = ConfigDict(frozen=True)


def _json_object(value: str | None, field: str) -> dict[str, Any] | None:
    if value is None:
        return None
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{field} is not valid JSON: {exc}") from exc
    if not isinstance(parsed, dict):
        raise ValueError(f"{field} must be a JSON object serialised as a string")
    return parsed


class StartBatchRunRequest(_Body):
    """`POST /api/v1/eval_batch_runs`."""

    collection_id: int
    eval_rubric_id: int | None = None
    pipeline_type: Literal["convert", "extract", "segment"] = "convert"
    pipeline_id: str | None = None
    page_schema: str | None = None
    segmentation_schema: str | None = None
    output_format: str | None = None

    @model_validator(mode="after")
    def _rules(self) -> StartBatchRunRequest:
        if self.pipeline_type == "extract" and not self.page_schema:
            raise ValueError("page_schema is required when pipeline_type is 'extract'")
        if self.pipeline_type == "segment" and not self.segmentation_schema:
            raise ValueError("segmentation_schema is required when pipeline_type is 'segment'")
        if self.eval_rubric_id is None and not self.pipeline_id:
            raise ValueError("eval_rubric_id is required unless pipeline_id names a custom "
                             "pipeline")
        self.parsed_schemas()
        parse_output_format(self.output_format)
        return self

    def parsed_schemas(self) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        return (_json_object(self.page_schema, "page_schema"),
                _json_object(self.segmentation_schema, "segmentation_schema"))


class CreateCollectionRequest(_Body):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = None


class UpdateCollectionRequest(_Body):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None
    archived: bool | None = None


class AddFilesRequest(_Body):
    uploaded_file_ids: list[int] = Field(min_length=1, max_length=100)


class UploadRequest(_Body):
    filename: str = Field(min_length=1, max_length=1000)
    content_type: str | None = None


def _checked_definition(value: dict[str, Any] | None) -> dict[str, Any] | None:
    problems = [] if value is None else validate_definition(value)
    if problems:
        raise ValueError("invalid eval_definition: " + "; ".join(problems))
    return value


class CreateRubricRequest(_Body):
    """The local extension `POST /api/v1/eval_rubrics`."""

    name: str = Field(min_length=1, max_length=200)
    description: str | None = None
    eval_definition: dict[str, Any]

    @field_validator("eval_definition")
    @classmethod
    def _valid_definition(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return _checked_definition(value)


class UpdateRubricRequest(_Body):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None
    eval_definition: dict[str, Any] | None = None
    archived: bool | None = None

    @field_validator("eval_definition")
    @classmethod
    def _valid_definition(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return _checked_definition(value)


class ImportFromPipelineRequest(_Body):
    pipeline_id: str = Field(min_length=1)
