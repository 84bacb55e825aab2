"""Request bodies of the API, with Datalab's rules; FastAPI turns their errors into 422 lists."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from evalspec.local.engine.checks import validate_definition
from evalspec.local.engine.convert import parse_output_format
from evalspec.local.http.limits import RowId, json_problem, loads_json
from evalspec.local.http.schemas import (
    MAX_WEIGHT,
    OUTPUT_FORMAT,
    START_RULES,
    eval_definition_schema,
)

# Fields whose rules pydantic's types cannot state: the document shows the schema of schemas.py,
# the validators below enforce the same rules.
Definition = Annotated[dict[str, Any], WithJsonSchema(eval_definition_schema())]
FormatList = Annotated[str | None, WithJsonSchema(
    {"anyOf": [{"type": "string", "pattern": OUTPUT_FORMAT.pattern}, {"type": "null"}]})]
MaybeDefinition = Annotated[dict[str, Any] | None, WithJsonSchema(
    {"anyOf": [eval_definition_schema(), {"type": "null"}]})]


class _Body(BaseModel):
    model_config = ConfigDict(frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        # Before any field is looked at: NaN, lone surrogates or deep nesting in a field would
        # otherwise fail only when sqlite or the JSON writer meets them. Keys the
        # model does not declare are dropped unread (FastAPI's rule, and the document allows
        # them), so what they hold is not the service's business.
        if isinstance(data, dict):
            data = {key: value for key, value in data.items() if key in cls.model_fields}
        problem = json_problem(data)
        if problem:
            raise ValueError(f"the body holds {problem}")
        return data


def _json_object(value: str | None, field: str) -> dict[str, Any] | None:
    if value is None:
        return None
    # A leading "{", as the document's pattern says: " {}" is refused as the document refuses it.
    parsed = loads_json(value, field) if value.startswith("{") else None
    if not isinstance(parsed, dict):
        raise ValueError(f"{field} must be a JSON object serialised as a string")
    return parsed


class StartBatchRunRequest(_Body):
    """`POST /api/v1/eval_batch_runs`."""

    model_config = ConfigDict(json_schema_extra=START_RULES)

    collection_id: RowId
    eval_rubric_id: RowId | None = None
    pipeline_type: Literal["convert", "extract", "segment"] = "convert"
    pipeline_id: str | None = None
    page_schema: str | None = None  # read for extract only, segmentation_schema for segment only
    segmentation_schema: str | None = None
    output_format: FormatList = None

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
        if self.output_format is not None and not OUTPUT_FORMAT.fullmatch(self.output_format):
            raise ValueError("output_format must be lower-case formats joined by commas, "
                             "e.g. 'markdown,json'")
        return self

    def parsed_schemas(self) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """The schema the pipeline type reads, parsed; the other one is not read (Datalab: each is
        "required when" its type, and says nothing of it otherwise), so it holds anything."""
        extract, segment = self.pipeline_type == "extract", self.pipeline_type == "segment"
        return (_json_object(self.page_schema, "page_schema") if extract else None,
                _json_object(self.segmentation_schema, "segmentation_schema") if segment else None)


class CreateCollectionRequest(_Body):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = None


class UpdateCollectionRequest(_Body):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None
    archived: StrictBool | None = None  # JSON true/false: the document allows no 0 or "yes"


class AddFilesRequest(_Body):
    uploaded_file_ids: list[RowId] = Field(min_length=1, max_length=100)


class UploadRequest(_Body):
    filename: str = Field(min_length=1, max_length=1000)
    content_type: str | None = None


def _checked_definition(value: dict[str, Any] | None) -> dict[str, Any] | None:
    try:
        problems = [] if value is None else validate_definition(value) or _weight_problems(value)
    except RecursionError:  # re.compile of a pattern like "((((...", thousands deep
        problems = ["a field_matches pattern is nested too deeply to compile"]
    if problems:
        raise ValueError("invalid eval_definition: " + "; ".join(problems))
    return value


def _weight_problems(definition: dict[str, Any]) -> list[str]:
    # Each weight may be finite while their sum is not (two of 1e308), and a file's score,
    # the weighted mean, would then be NaN: a bound on each keeps any sum finite.
    return [f"evaluations[{i}]: weight must be at most {MAX_WEIGHT:g}"
            for i, ev in enumerate(definition["evaluations"]) if ev.get("weight", 1) > MAX_WEIGHT]


class CreateRubricRequest(_Body):
    """The local extension `POST /api/v1/eval_rubrics`."""

    name: str = Field(min_length=1, max_length=200)
    description: str | None = None
    eval_definition: Definition

    @field_validator("eval_definition")
    @classmethod
    def _valid_definition(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return _checked_definition(value)


class UpdateRubricRequest(_Body):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None
    eval_definition: MaybeDefinition = None
    archived: StrictBool | None = None  # JSON true/false: the document allows no 0 or "yes"

    @field_validator("eval_definition")
    @classmethod
    def _valid_definition(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return _checked_definition(value)


class ImportFromPipelineRequest(_Body):
    pipeline_id: str = Field(min_length=1)
