"""Datalab's API shapes (a copy of shared/datalab-eval-api.components.yaml) and a checker.

Used to hold both sides to Datalab's contract: the local service's responses and the request
bodies evalspec plans and sends.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

COMPONENTS_FILE = Path(__file__).parent / "fixtures" / "datalab-eval-api.components.yaml"
SCHEMAS: dict[str, Any] = yaml.safe_load(COMPONENTS_FILE.read_text())["components"]["schemas"]
JSON_TYPES: dict[str, Any] = {"object": dict, "array": list, "string": str, "boolean": bool,
                              "integer": int, "number": (int, float), "null": type(None)}


def conforms(value: Any, schema: dict[str, Any]) -> bool:
    """The subset of JSON Schema the components file uses: type, required, properties, anyOf,
    items, $ref."""
    if "$ref" in schema:
        return conforms(value, SCHEMAS[schema["$ref"].rsplit("/", 1)[-1]])
    if value is None and schema.get("x-seen-only-in-example"):
        return True  # read off an example: nullability unknown, so null is tolerated
    if "anyOf" in schema:
        return any(conforms(value, s) for s in schema["anyOf"])
    kind = schema.get("type")
    if kind and (not isinstance(value, JSON_TYPES[kind])
                 or (kind in ("integer", "number") and isinstance(value, bool))):
        return False
    if isinstance(value, dict):
        if any(k not in value for k in schema.get("required", [])):
            return False
        props = schema.get("properties", {})
        return all(conforms(value[k], s) for k, s in props.items() if k in value)
    if isinstance(value, list) and "items" in schema:
        return all(conforms(v, schema["items"]) for v in value)
    return True


def assert_shape(value: Any, name: str) -> None:
    """Fail unless `value` has the shape of the component schema `name`."""
    assert conforms(value, SCHEMAS[name]), f"not a {name}: {value}"
