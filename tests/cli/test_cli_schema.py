"""`evalspec schema`: the committed JSON Schema must be what the models generate."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from conftest import REPO_ROOT
from pydantic import ValidationError

from evalspec.commands.schema import schema_text
from evalspec.spec.schema_models import SpecFile

COMMITTED = REPO_ROOT / "schemas" / "evalspec.schema.json"
Run = Callable[..., tuple[int, str, str]]


def test_committed_schema_is_current(run_evalspec: Run) -> None:
    code, out, err = run_evalspec("schema")
    assert (code, err) == (0, "")
    assert out == schema_text()
    assert out == COMMITTED.read_text(encoding="utf-8"), (
        "schemas/evalspec.schema.json is stale: regenerate it with "
        "`evalspec schema > schemas/evalspec.schema.json` and commit it"
    )


def test_schema_describes_the_format() -> None:
    schema = json.loads(schema_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["required"] == ["version"]
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == {
        "version", "collections", "rubrics", "schemas", "pipelines", "matrix", "gates", "settings",
    }
    # every field carries a description (hover help in editors)
    for name, definition in schema["$defs"].items():
        for field, body in definition.get("properties", {}).items():
            assert body.get("description"), f"{name}.{field} has no description"


def test_output_format_may_be_a_comma_string_in_the_schema_too() -> None:
    # The example specs write `output_format: "markdown, json, chunks"`; editors must accept it.
    schema = json.loads(schema_text())
    [as_list, as_string, _null] = schema["$defs"]["Pipeline"]["properties"]["output_format"]["anyOf"]
    assert as_list["items"]["enum"] == ["markdown", "json", "html", "chunks"]
    pattern = re.compile(as_string["pattern"])
    assert pattern.match("markdown, json,chunks")
    assert pattern.match("html")
    assert not pattern.match("markdown, pdf")
    assert not pattern.match("")


# --- the loader and the shipped schema agree ---------------------------------------------------
# jsonschema is not a dependency; the schema uses a small subset of keywords, checked here.

def conforms(value: Any, schema: dict[str, Any], root: dict[str, Any]) -> bool:
    """Whether `value` satisfies `schema` (the keywords pydantic emits for the spec models)."""
    if "$ref" in schema:
        target = root["$defs"][schema["$ref"].rsplit("/", 1)[1]]
        if not conforms(value, target, root):
            return False
    checks = [
        "anyOf" not in schema or any(conforms(value, s, root) for s in schema["anyOf"]),
        "const" not in schema or same_json(value, schema["const"]),
        "enum" not in schema or any(same_json(value, e) for e in schema["enum"]),
        "type" not in schema or is_json_type(value, schema["type"]),
    ]
    return all(checks) and _conforms_inside(value, schema, root)


def _conforms_inside(value: Any, schema: dict[str, Any], root: dict[str, Any]) -> bool:
    if is_json_type(value, "number"):
        return schema.get("minimum", value) <= value <= schema.get("maximum", value)
    if isinstance(value, str):
        return (schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value))
                and re.search(schema.get("pattern", ""), value) is not None)
    if isinstance(value, list):
        items = schema.get("items", {})
        return len(value) >= schema.get("minItems", 0) and all(conforms(v, items, root) for v in value)
    if isinstance(value, dict):
        return _conforms_object(value, schema, root)
    return True


def _conforms_object(value: dict[str, Any], schema: dict[str, Any], root: dict[str, Any]) -> bool:
    if not all(key in value for key in schema.get("required", ())):
        return False
    for key, item in value.items():
        if not isinstance(key, str) or not conforms(key, schema.get("propertyNames", {}), root):
            return False
        patterns = [s for p, s in schema.get("patternProperties", {}).items() if re.search(p, key)]
        sub = schema.get("properties", {}).get(key) or next(iter(patterns), None)
        sub = schema.get("additionalProperties", {}) if sub is None else sub
        if sub is False or not conforms(item, sub, root):
            return False
    return True


def is_json_type(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return name == "boolean"
    return {
        "integer": isinstance(value, int), "number": isinstance(value, (int, float)),
        "string": isinstance(value, str), "null": value is None, "array": isinstance(value, list),
        "object": isinstance(value, dict), "boolean": False,
    }[name]


def same_json(a: Any, b: Any) -> bool:
    return (type(a) is bool and type(b) is bool and a == b) or (
        not isinstance(a, bool) and not isinstance(b, bool) and a == b
    )


def loader_accepts(value: dict[str, Any]) -> bool:
    try:
        SpecFile.model_validate(value)
    except ValidationError:
        return False
    return True


MATRIX = {"collection": ["c"], "pipeline": ["p"], "rubric": ["r", None], "output_format": ["json"]}
SAMPLES: list[tuple[str, dict[str, Any], bool]] = [
    ("minimal", {"version": 1}, True),
    ("version true", {"version": True}, False),
    ("version 2", {"version": 2}, False),
    ("id 7", {"version": 1, "collections": {"c": {"id": 7}}}, True),
    ("id true", {"version": 1, "collections": {"c": {"id": True}}}, False),
    ("id '7'", {"version": 1, "collections": {"c": {"id": "7"}}}, False),
    ("id 7.5", {"version": 1, "rubrics": {"r": {"id": 7.5}}}, False),
    ("id 0", {"version": 1, "rubrics": {"r": {"id": 0}}}, False),
    ("name", {"version": 1, "collections": {"c": {"name": "n", "files": ["*.pdf"]}}}, True),
    ("name 5", {"version": 1, "collections": {"c": {"name": 5}}}, False),
    ("files [1]", {"version": 1, "collections": {"c": {"name": "n", "files": [1]}}}, False),
    ("bad name key", {"version": 1, "schemas": {"-x": "x.json"}}, False),
    ("schema 5", {"version": 1, "schemas": {"x": 5}}, False),
    ("pipeline", {"version": 1, "pipelines": {"p": {"type": "extract", "output_format": "json,html"}}},
     True),
    ("pipeline type", {"version": 1, "pipelines": {"p": {"type": "ocr"}}}, False),
    ("pipeline_id 5", {"version": 1, "pipelines": {"p": {"pipeline_id": 5}}}, False),
    ("matrix", {"version": 1, "matrix": MATRIX}, True),
    ("matrix list", {"version": 1, "matrix": [MATRIX, {"collection": ["d"]}]}, True),
    ("matrix axis 5", {"version": 1, "matrix": {"collection": [5]}}, False),
    ("matrix empty axis", {"version": 1, "matrix": {"collection": []}}, False),
    ("gate", {"version": 1, "gates": [{"name": "g", "min_score": 0.8}]}, True),
    ("gate int", {"version": 1, "gates": [{"name": "g", "min_score": 1}]}, True),
    ("gate '0.8'", {"version": 1, "gates": [{"name": "g", "min_score": "0.8"}]}, False),
    ("gate true", {"version": 1, "gates": [{"name": "g", "max_drop": True}]}, False),
    ("gate 2", {"version": 1, "gates": [{"name": "g", "min_score": 2}]}, False),
    ("settings", {"version": 1, "settings": {"max_cells": 10, "rate_limit": "10/1", "concurrency": 2}}, True),
    ("max_cells true", {"version": 1, "settings": {"max_cells": True}}, False),
    ("max_cells '10'", {"version": 1, "settings": {"max_cells": "10"}}, False),
    ("concurrency 1.5", {"version": 1, "settings": {"concurrency": 1.5}}, False),
    ("rate_limit 5", {"version": 1, "settings": {"rate_limit": 5}}, False),
    ("unknown key", {"version": 1, "setting": {}}, False),
]


@pytest.mark.parametrize(("sample", "valid"), [(v, ok) for _, v, ok in SAMPLES],
                         ids=[name for name, _, _ in SAMPLES])
def test_the_loader_and_the_shipped_schema_agree(sample: dict[str, Any], valid: bool) -> None:
    schema = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert (conforms(sample, schema, schema), loader_accepts(sample)) == (valid, valid)


def test_bytes_are_not_a_string() -> None:
    # `name: !!binary ...` loads as bytes, which no JSON Schema string accepts either.
    assert not loader_accepts({"version": 1, "collections": {"c": {"name": b"hello"}}})
