"""The spec format, version 1, as pydantic models (one spec file each).

These models are the single source of the format: validation, the JSON Schema that editors use
(`evalspec schema`), and the field descriptions shown as hover help all come from here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from evalspec.base.durations import parse_duration
from evalspec.base.rates import parse_rate

OUTPUT_FORMATS = ("markdown", "json", "html", "chunks")
OutputFormat = Literal["markdown", "json", "html", "chunks"]
_FORMAT = "(markdown|json|html|chunks)"
# The validators accept a list or a comma string; say so in the JSON Schema, or editors would
# flag `output_format: "markdown, json"` that evalspec itself accepts.
OutputFormats = Annotated[
    tuple[OutputFormat, ...],
    WithJsonSchema({"anyOf": [
        {"type": "array", "items": {"enum": list(OUTPUT_FORMATS)}},
        {"type": "string", "pattern": rf"^\s*{_FORMAT}(\s*,\s*{_FORMAT})*\s*$"},
    ]}),
]
PipelineType = Literal["convert", "extract", "segment"]
# Strict scalars: the loader accepts exactly what the shipped JSON Schema accepts, no coercion
# (`id: true` is not collection 1, `min_score: "0.8"` is not a number, `!!binary` is not text).
Str = Annotated[str, Strict()]
Int = Annotated[int, Strict()]
Float = Annotated[float, Strict()]
Name = Annotated[str, Strict(), Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")]


class Model(BaseModel):
    """Base for spec models: immutable, and unknown keys are errors (typos must not pass)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def canonical_output_format(value: Any) -> tuple[str, ...] | Any:
    """Accept a list or a comma string; deduplicate into the canonical order."""
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)):
        return value
    cleaned = [item.strip() if isinstance(item, str) else item for item in items]
    unknown = [item for item in cleaned if item not in OUTPUT_FORMATS]
    if unknown:
        return value if not isinstance(value, str) else cleaned  # let pydantic name the bad one
    return tuple(fmt for fmt in OUTPUT_FORMATS if fmt in cleaned)


# A managed object's server name is `name@` plus 8 hex digits; the service takes 200 characters.
MAX_MANAGED_NAME = 200 - 9


def _check_managed_name(name: str | None) -> None:
    if name is not None and len(name) > MAX_MANAGED_NAME:
        raise ValueError(
            f"a managed object's name is at most {MAX_MANAGED_NAME} characters "
            "(the server name adds `@` and 8 digits of its content digest)"
        )


class CollectionRef(Model):
    """A document collection: an existing one (by `id` or `name`), or a managed one (`name` + `files`)."""

    id: Int | None = Field(None, description="Id of an existing collection.", ge=1)
    name: Str | None = Field(
        None, description="Server-side name, looked up at apply time; with `files`, the base of the "
        "managed collection's content-addressed name `NAME@<digest of its files>`.",
        min_length=1, max_length=200,
    )
    files: tuple[Str, ...] | None = Field(
        None, description="Managed collection: glob patterns (relative to this spec file) of the "
        "documents and truth sidecars to keep in the collection.", min_length=1,
    )
    description: Str | None = Field(None, description="Description of a managed collection.")

    @model_validator(mode="after")
    def _one_reference(self) -> CollectionRef:
        if (self.id is None) == (self.name is None):
            raise ValueError("give exactly one of `id` or `name`")
        if self.files is not None and self.name is None:
            raise ValueError("a managed collection (`files`) is referenced by `name`, not `id`")
        _check_managed_name(self.name if self.files is not None else None)
        return self


class RubricRef(Model):
    """An eval rubric: an existing one (by `id` or `name`), or a managed one (`name` + `definition`)."""

    id: Int | None = Field(None, description="Id of an existing rubric.", ge=1)
    name: Str | None = Field(
        None, description="Server-side name, looked up at apply time; with `definition`, the base of "
        "the managed rubric's content-addressed name `NAME@<digest of the definition>`.",
        min_length=1, max_length=200,
    )
    definition: Str | None = Field(
        None, description="Managed rubric: YAML or JSON file (relative to this spec file) "
        "holding the rubric's eval_definition, `{evaluations: [...]}`.",
    )
    description: Str | None = Field(None, description="Description of a managed rubric.")

    @model_validator(mode="after")
    def _one_reference(self) -> RubricRef:
        if (self.id is None) == (self.name is None):
            raise ValueError("give exactly one of `id` or `name`")
        if self.definition is not None and self.name is None:
            raise ValueError("a managed rubric (`definition`) is referenced by `name`, not `id`")
        _check_managed_name(self.name if self.definition is not None else None)
        return self


class Pipeline(Model):
    """A document pipeline: what the batch run does to each file before it is scored."""

    type: PipelineType = Field("convert", description="convert, extract or segment.")
    output_format: OutputFormats | None = Field(
        None, description="Outputs to render: a list or comma string of markdown, json, html, chunks.",
    )
    page_schema: Str | None = Field(
        None, description="Name (under `schemas`) of the JSON Schema to extract; required by extract.",
    )
    segmentation_schema: Str | None = Field(
        None, description="Name (under `schemas`) of the sections to find; required by segment.",
    )
    pipeline_id: Str | None = Field(
        None, description="A custom pipeline (processor) id, e.g. cp_abc123.", min_length=1,
    )

    _canonical_formats = field_validator("output_format", mode="before")(canonical_output_format)


OverrideValue = str | tuple[OutputFormat, ...]


MAX_REPEATS = 100  # past this, a cell's repeats cost more than a larger collection would tell


class MatrixEntry(Model):
    """One `include` or `exclude` entry: a (partial) combination of matrix axes."""

    collection: Str | None = Field(None, description="A collection name.")
    pipeline: Str | None = Field(None, description="A pipeline name.")
    rubric: Str | None = Field(None, description="A rubric name; null for no rubric.")
    output_format: OutputFormats | None = Field(
        None, description="Overrides the pipeline's output_format.",
    )
    page_schema: Str | None = Field(None, description="Overrides the pipeline's page_schema.")
    segmentation_schema: Str | None = Field(
        None, description="Overrides the pipeline's segmentation_schema.",
    )
    repeat: Int | None = Field(
        None, ge=1, description="A repeat of the cell (1 .. the matrix's `repeat`), e.g. to exclude "
        "the second repeat of one collection.",
    )

    _canonical_formats = field_validator("output_format", mode="before")(canonical_output_format)


class Matrix(Model):
    """Axes whose product is the set of cells, refined by GitHub Actions-style include/exclude."""

    collection: tuple[Str, ...] | None = Field(None, description="Collection names.", min_length=1)
    pipeline: tuple[Str, ...] | None = Field(None, description="Pipeline names.", min_length=1)
    rubric: tuple[Str | None, ...] | None = Field(
        None, description="Rubric names; a null entry means no rubric.", min_length=1,
    )
    output_format: tuple[OutputFormats, ...] | None = Field(
        None, description="Override axis: output_format values (each a list or comma string).",
        min_length=1,
    )
    page_schema: tuple[Str, ...] | None = Field(
        None, description="Override axis: page_schema names.", min_length=1,
    )
    segmentation_schema: tuple[Str, ...] | None = Field(
        None, description="Override axis: segmentation_schema names.", min_length=1,
    )
    repeat: Int | None = Field(
        None, ge=1, le=MAX_REPEATS, description="Run every cell this many times (an axis of repeats "
        "1..N: the first keeps the cell's key, the others add `repeat=K` to it). Reports aggregate a "
        "cell's repeats (mean, run-to-run spread, flaky files) and gates judge their per-file means.",
    )
    include: tuple[MatrixEntry, ...] = Field(
        (), description="Combinations merged into matching ones, or added (GitHub Actions rules).",
    )
    exclude: tuple[MatrixEntry, ...] = Field(
        (), description="Partial combinations removed from the product (before includes).",
    )

    @field_validator("output_format", mode="before")
    @classmethod
    def _canonical_format_axis(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [canonical_output_format(item) for item in value]
        return value


class GateWhere(Model):
    """Which cells a gate applies to (all when empty)."""

    collection: Str | None = Field(None, description="Only cells of this collection.")
    pipeline: Str | None = Field(None, description="Only cells of this pipeline.")
    rubric: Str | None = Field(None, description="Only cells of this rubric.")


class Gate(Model):
    """A rule that fails `evalspec check` (exit 1) when scores are not good enough."""

    name: Str = Field(description="Shown in check output and reports.", min_length=1)
    where: GateWhere = Field(default_factory=GateWhere, description="Cells the gate applies to.")
    min_score: Float | None = Field(None, ge=0, le=1, description="Each cell's avg_score >= this.")
    max_drop: Float | None = Field(
        None, ge=0, le=1, description="Each cell may drop at most this much against the baseline.",
    )
    min_completed_ratio: Float | None = Field(
        None, ge=0, le=1, description="Each cell's completed_files / total_files >= this.",
    )
    confidence: Float | None = Field(
        None, gt=0, lt=1, description="With it, max_drop and min_score judge what the per-file scores "
        "show at this confidence, not the raw numbers: max_drop fails only when the drop on the files "
        "both sides share is shown larger than the bar, min_score only when the mean is shown below "
        "it. Absent: settings.confidence, else the raw rule.",
    )
    correction: Literal["holm"] | None = Field(
        None, description="`holm`: with confidence, control the chance of any false alarm across all "
        "the cells the gate covers (Holm's correction), not per cell.",
    )

    @model_validator(mode="after")
    def _has_a_rule(self) -> Gate:
        if self.min_score is None and self.max_drop is None and self.min_completed_ratio is None:
            raise ValueError("a gate needs min_score, max_drop or min_completed_ratio")
        return self


PIPELINE_TYPES = ("convert", "extract", "segment")
Money = Annotated[float, Strict(), Field(ge=0, allow_inf_nan=False)]


class Budget(Model):
    """The most one apply may submit; apply refuses (exit 2) before submitting anything above it."""

    pages: Int | None = Field(None, ge=0, description="Pages the cells apply submits may hold in all.")
    usd: Money | None = Field(
        None, description="Dollars the cells apply submits may cost in all (needs `prices` for them).",
    )

    @model_validator(mode="after")
    def _has_a_limit(self) -> Budget:
        if self.pages is None and self.usd is None:
            raise ValueError("a budget needs `pages`, `usd` or both")
        return self


class Settings(Model):
    """Knobs for planning and applying."""

    max_cells: Int = Field(256, ge=1, description="Ceiling on the number of cells (default 256).")
    rate_limit: Str | None = Field(
        # The pattern is for editors; the validator below gives the message (and the final word).
        None, json_schema_extra={"pattern": r"^0*[1-9][0-9]*/[0-9]*\.?[0-9]+$"},
        description="Client-side request budget, N/SECONDS (default 400/60; none for --backend local).",
    )
    concurrency: Int | None = Field(
        None, ge=1, le=400, description="Submissions in flight at once (default 8).",
    )
    timeout: str | None = Field(
        None, json_schema_extra={"pattern": r"^\s*[0-9]+(\.[0-9]+)?\s*[smhSMH]?\s*$"},
        description="How long apply waits for runs (90, 90s, 45m, 2h); then it saves the lock "
        "and exits 3, resumable. Default: no limit. `apply --timeout` overrides it.",
    )
    score_scale: float = Field(
        1, gt=0, description="The scale the service scores on: 1 (default), or 100 for 0-100. "
        "Scores are divided by it when read; one outside 0..1 after that is an error, never a pass.",
    )
    confidence: Float | None = Field(
        None, gt=0, lt=1, description="The confidence of every gate that sets none (e.g. 0.95): see "
        "a gate's `confidence`. Absent: gates without their own use the raw rule.",
    )

    prices: dict[Annotated[str, Strict(), Field(min_length=1)], Money] | None = Field(
        None, description="USD per 1,000 pages, by pipeline type (convert, extract, segment) or by "
        "custom pipeline id; a custom pipeline's own rate is read from the service by "
        "`plan --refresh` and apply. Without a price, the plan shows pages only.",
    )
    budget: Budget | None = Field(
        None, description="`{pages: N, usd: X}`: apply refuses a plan above it before submitting "
        "anything (`apply --budget` overrides it for one run).",
    )
    pages_in_flight: Int = Field(
        5000, ge=1, description="Pages of unfinished runs apply keeps under, across the whole apply "
        "(Datalab's team limit: 5,000). `apply --shard I/N` takes a 1/N share.",
    )

    @field_validator("timeout")
    @classmethod
    def _a_duration(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)  # the parser apply uses
        return value

    @field_validator("rate_limit")
    @classmethod
    def _a_rate(cls, value: str | None) -> str | None:
        if value is not None:
            parse_rate(value)  # the parser apply uses, so validate and apply never disagree
        return value


# pydantic puts a Name's pattern under `patternProperties`, which leaves other keys allowed; the
# loader refuses them, so the schema must too.
_NAMES_ONLY: dict[str, Any] = {"additionalProperties": False}


class SpecFile(Model):
    """One evalspec spec file. Several files (or a directory of them) form one spec."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", title="evalspec spec file",
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema"},
    )

    version: Literal[1] = Field(description="Spec format version; always 1.")
    collections: dict[Name, CollectionRef] = Field(
        default_factory=dict, description="Document collections by name.", json_schema_extra=_NAMES_ONLY,
    )
    rubrics: dict[Name, RubricRef] = Field(
        default_factory=dict, description="Eval rubrics by name.", json_schema_extra=_NAMES_ONLY,
    )
    schemas: dict[Name, Str] = Field(
        default_factory=dict, description="JSON schema files by name, relative to this spec file.",
        json_schema_extra=_NAMES_ONLY,
    )
    pipelines: dict[Name, Pipeline] = Field(
        default_factory=dict, description="Pipelines by name.", json_schema_extra=_NAMES_ONLY,
    )
    matrix: Matrix | tuple[Matrix, ...] | None = Field(
        None, description="One matrix mapping, or a list of them.",
    )
    gates: tuple[Gate, ...] = Field((), description="Gates evaluated by `evalspec check`.")
    settings: Settings | None = Field(None, description="Planning and apply settings.")

    @field_validator("version", mode="before")
    @classmethod
    def _not_a_bool(cls, value: Any) -> Any:
        # Literal[1] takes `true` (True == 1 in Python); the JSON Schema's `const: 1` does not.
        if isinstance(value, bool):
            raise ValueError("Input should be 1")
        return value
