"""`evalspec schema`: the JSON Schema of the spec format, generated from the models."""

from __future__ import annotations

import json
from typing import Any

from evalspec.console import out
from evalspec.errors import EXIT_OK
from evalspec.spec.models import SpecFile


def spec_json_schema() -> dict[str, Any]:
    """The JSON Schema editors use to check spec files (committed as schemas/evalspec.schema.json)."""
    return SpecFile.model_json_schema(mode="validation")


def schema_text() -> str:
    """The schema as stable, indented JSON text."""
    return json.dumps(spec_json_schema(), indent=2, sort_keys=True) + "\n"


def run() -> int:
    """Print the schema."""
    out(schema_text().rstrip("\n"))
    return EXIT_OK
