"""What the service accepts as input, so hostile values get a 422 instead of a crash later.

Python's `json` happily parses what the rest of the service cannot hold: `NaN`, `Infinity` and
`1e400` (an infinity), strings with lone surrogates (`"\\ud800"`, which no UTF-8 writer
accepts), and nesting deep enough to exhaust the recursion of whatever walks it next. Integers past
sqlite's 64 bits matter only where one is bound to a column: those fields are `RowId`s, bounded in
the document too; inside free-form JSON (a definition, a schema) the service keeps them as text.
`json_problem` names the first such value in a parsed body; `loads_json` parses a JSON document
embedded in a string (the schemas of a batch run) by the same rules; `RowId` is an id that fits
sqlite's integer.
"""

from __future__ import annotations

import json
import math
from typing import Annotated, Any

from fastapi import Query
from pydantic import Field

INT64_MAX = 2**63 - 1
MAX_DEPTH = 100  # far beyond any real schema or eval_definition, far below the recursion limit

RowId = Annotated[int, Field(ge=1, le=INT64_MAX, description="an id (1 .. 2^63-1)")]
Offset = Annotated[int, Query(ge=0, le=INT64_MAX, description="rows to skip")]
# Datalab's page size for every listing: 1..200.
Limit = Annotated[int, Query(ge=1, le=200, description="rows per page")]


def json_problem(value: Any) -> str | None:
    """What in a parsed JSON value the service refuses and where ("an integer beyond 64 bits at
    a.0.b"); None when all is well."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:  # iterative: the value may be nested deeper than Python can recurse
        item, where, depth = stack.pop()
        problem = f"nesting deeper than {MAX_DEPTH} levels" if depth > MAX_DEPTH \
            else _scalar_problem(item)
        if problem:
            return f"{problem} at {_shown(where)}"
        for key, child in _children(item):
            if _has_lone_surrogate(key):
                return f"a key with a lone surrogate at {_shown(where)}"
            stack.append((child, f"{where}.{key}" if where else key, depth + 1))
    return None


def _children(item: Any) -> list[tuple[str, Any]]:
    if isinstance(item, dict):
        return [(str(k), v) for k, v in item.items()]
    if isinstance(item, list):
        return [(str(i), v) for i, v in enumerate(item)]
    return []


def _shown(where: str) -> str:
    if not where:
        return "the top"
    return where if len(where) <= 120 else "..." + where[-117:]


def _scalar_problem(item: Any) -> str | None:
    if isinstance(item, float) and not math.isfinite(item):
        return f"the number {item} (NaN, Infinity and numbers beyond a float are refused)"
    if isinstance(item, str) and _has_lone_surrogate(item):
        return "a string with a lone surrogate (not valid Unicode)"
    return None


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def loads_json(text: str, what: str) -> Any:
    """`text` parsed as JSON under the rules of `json_problem`; ValueError names `what`."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise ValueError(f"{what} is nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # a JSONDecodeError, or a constant refused below
        raise ValueError(f"{what} is not valid JSON: {exc}") from None
    problem = json_problem(value)
    if problem:
        raise ValueError(f"{what} holds {problem}")
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")
