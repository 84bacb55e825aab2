"""`evalspec schema`: the committed JSON Schema must be what the models generate."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from conftest import REPO_ROOT

from evalspec.commands.schema import schema_text

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
