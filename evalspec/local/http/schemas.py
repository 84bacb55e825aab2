"""The rules of request bodies that pydantic's types cannot state, written as JSON Schema for the
OpenAPI document, beside the checks that enforce them.

A client that reads the document (schemathesis, a generated client) learns from it exactly which
bodies the service takes: Datalab's page says "required when pipeline_type=extract" in prose,
here it is an `if`/`then`. Each rule is checked in `requests.py` by the same reading.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from evalspec.base.checkkinds import rubric_json_schema

# A weight is relative: a million to one is beyond any real rubric, and with it a weighted sum of
# what fits in a request cannot overflow a float (two weights of 1e308 would, and score NaN).
MAX_WEIGHT = 1e6

FORMAT = "(markdown|json|html|chunks)"
# `markdown,json`, spaces around the commas allowed, an empty item skipped; lower case only.
OUTPUT_FORMAT = re.compile(rf"^ *{FORMAT}? *(, *{FORMAT}? *)*$")

# A JSON object serialised as a string. It starts with "{" (JSON text that is an object and no
# leading whitespace: what a client's JSON writer puts out, and what `pattern` can say).
JSON_OBJECT_TEXT: dict[str, Any] = {
    "type": "string", "pattern": "^\\{", "contentMediaType": "application/json",
    "contentSchema": {"type": "object"},
}


def eval_definition_schema() -> dict[str, Any]:
    """The local rubric definition (`evalspec schema --rubric`), with the local service's own
    bounds: a kind that is not empty, a regex that compiles, a weight within MAX_WEIGHT."""
    schema = copy.deepcopy(rubric_json_schema())
    for key in ("$schema", "title"):
        schema.pop(key, None)
    item = schema["properties"]["evaluations"]["items"]
    item["properties"]["kind"]["minLength"] = 1
    item["properties"]["weight"]["maximum"] = MAX_WEIGHT
    for kind in item["allOf"]:
        for param in kind["then"]["properties"].values():
            if param.get("description", "").startswith("A Python regular expression"):
                param["format"] = "regex"
    return schema


def _required_when(pipeline_type: str, field: str) -> dict[str, Any]:
    return {"if": {"properties": {"pipeline_type": {"const": pipeline_type}},
                   "required": ["pipeline_type"]},
            "then": {"properties": {field: JSON_OBJECT_TEXT}, "required": [field]}}


# Datalab's StartBatchRunRequest rules, said in its page's prose.
START_RULES: dict[str, Any] = {"allOf": [
    _required_when("extract", "page_schema"),
    _required_when("segment", "segmentation_schema"),
    {"anyOf": [
        {"properties": {"eval_rubric_id": {"type": "integer"}}, "required": ["eval_rubric_id"]},
        {"properties": {"pipeline_id": {"type": "string", "minLength": 1}},
         "required": ["pipeline_id"]},
    ]},
]}
