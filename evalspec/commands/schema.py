"""`evalspec schema`: the JSON Schema of the spec format, generated from the models."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from evalspec.base.checkkinds import rubric_json_schema
from evalspec.console import out
from evalspec.errors import EXIT_OK
from evalspec.spec.schema_models import SpecFile


def spec_json_schema() -> dict[str, Any]:
    """The JSON Schema editors use to check spec files (committed as schemas/evalspec.schema.json)."""
    return SpecFile.model_json_schema(mode="validation")


def schema_text(rubric: bool = False) -> str:
    """The schema (of spec files, or of local rubric definitions) as stable, indented JSON text."""
    schema = rubric_json_schema() if rubric else spec_json_schema()
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


@dataclass(frozen=True)
class SchemaRequest:
    """The schema command's arguments."""

    rubric: bool = False  # the schema of rubric definition files instead of spec files


def run(request: SchemaRequest) -> int:
    """Print the schema."""
    out(schema_text(request.rubric).rstrip("\n"))
    return EXIT_OK
