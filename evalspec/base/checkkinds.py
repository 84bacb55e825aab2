"""The check kinds the local engine knows, declared once: their parameters and what they need.

The spec stage checks managed rubric files against this catalogue offline (with `file:line:col`),
`evalspec schema --rubric` turns it into a JSON Schema, and the local engine validates the
definitions it is sent with it. A kind not listed here is not an error (Datalab may know it).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from evalspec.base.suggest import did_you_mean

ParamType = Literal["text", "regex", "number", "paths"]
COMMON_KEYS = ("kind", "weight")
NEAR_MISS = 0.85  # difflib's ratio at which an unknown kind is taken for a misspelt known one


@dataclass(frozen=True)
class Param:
    """One parameter of a check kind."""

    name: str
    type: ParamType
    required: bool
    description: str


@dataclass(frozen=True)
class CheckKind:
    """A check kind: its parameters, and the truth sidecar it reads (if any)."""

    name: str
    description: str
    params: tuple[Param, ...]
    truth: str | None = None  # `.truth.md` or `.truth.json`


def _text(name: str, description: str) -> Param:
    return Param(name, "text", True, description)


_THRESHOLD = Param("threshold", "number", False, "Passes at this score or above (default 0.8).")
CHECK_KINDS: Mapping[str, CheckKind] = {kind.name: kind for kind in (
    CheckKind("text_contains", "The output text contains `text` (case and whitespace folded).",
              (_text("text", "The text to find."),)),
    CheckKind("text_absent", "The output text does not contain `text`.",
              (_text("text", "The text that must not appear."),)),
    CheckKind("order", "`before` first occurs before `after` first occurs.",
              (_text("before", "The text that comes first."), _text("after", "The text that comes later."))),
    CheckKind("field_present", "The extraction has a non-empty value at the dot path `field`.",
              (_text("field", "Dot path into the extraction result, e.g. `vendor.name`."),)),
    CheckKind("field_matches", "The extracted value (as text) matches the regex `pattern`.",
              (_text("field", "Dot path into the extraction result."),
               Param("pattern", "regex", True, "A Python regular expression (re.search)."))),
    CheckKind("segment_present", "Segmentation found a section named `section`.",
              (_text("section", "The section's name."),)),
    CheckKind("truth_similarity", "Token similarity of the output text to the `.truth.md` sidecar.",
              (_THRESHOLD,), truth=".truth.md"),
    CheckKind("truth_fields", "Share of the `.truth.json` leaf fields the extraction equals.",
              (Param("fields", "paths", False, "Only these dot paths of the truth (default: all)."),
               _THRESHOLD), truth=".truth.json"),
)}


@dataclass(frozen=True)
class Problem:
    """A problem with one evaluation: where below it (a key or ()), what, and how serious."""

    where: tuple[str, ...]
    message: str
    severity: Literal["error", "note"] = "error"


def evaluation_problems(ev: Any) -> list[Problem]:
    """Everything wrong with one evaluation of a definition; an unknown kind is only a note."""
    if not isinstance(ev, Mapping):
        return [Problem((), "an evaluation must be a mapping with a `kind`")]
    kind = ev.get("kind")
    if not isinstance(kind, str) or not kind:
        return [Problem((), "an evaluation needs a `kind` (a string)")]
    problems = _weight_problems(ev)
    known = CHECK_KINDS.get(kind)
    if known is None:
        return [*problems, _unknown_kind(kind)]
    return problems + _param_problems(known, ev)


def _unknown_kind(kind: str) -> Problem:
    """A kind one letter or so from a known one is a misspelling, and an error: a backend skips a
    kind it does not know, and a skipped check weighs nothing, so the typo would raise the score.
    A kind far from every known one stays a note: Datalab may know it."""
    near = difflib.get_close_matches(kind, sorted(CHECK_KINDS), n=1, cutoff=NEAR_MISS)
    if near:
        return Problem(("kind",), f"unknown check kind {kind!r} (did you mean {near[0]!r}?); a backend "
                                  "would skip it, and a skipped check raises the score instead of failing")
    hint = did_you_mean(kind, CHECK_KINDS) or "; Datalab may know it"
    return Problem(("kind",), f"check kind {kind!r} is not known locally{hint}", "note")


def _weight_problems(ev: Mapping[str, Any]) -> list[Problem]:
    weight = ev.get("weight", 1)
    number = isinstance(weight, (int, float)) and not isinstance(weight, bool)
    if not number or not math.isfinite(weight) or weight < 0:
        return [Problem(("weight",), f"weight must be a finite number >= 0, not {weight!r}")]
    return []


def _param_problems(kind: CheckKind, ev: Mapping[str, Any]) -> list[Problem]:
    names = {param.name for param in kind.params}
    problems = [
        Problem((str(key),), f"unknown key {key!r} for {kind.name}"
                + (did_you_mean(str(key), names) or f" (it takes: {', '.join(sorted(names)) or 'nothing'})"))
        for key in ev if key not in names and key not in COMMON_KEYS
    ]
    for param in kind.params:
        if param.name in ev:
            problems += _value_problems(kind.name, param, ev[param.name])
        elif param.required:
            needs = f"{kind.name} needs a string parameter {param.name!r} ({param.description})"
            problems.append(Problem((), needs))
    return problems


def _value_problems(kind: str, param: Param, value: Any) -> list[Problem]:
    where = (param.name,)
    if param.type in ("text", "regex") and (not isinstance(value, str) or not value):
        return [Problem(where, f"{kind} needs a string parameter {param.name!r}")]
    if param.type == "regex":
        try:
            re.compile(value)
        except re.error as exc:
            return [Problem(where, f"{param.name} is not a valid regex: {exc}")]
    if param.type == "number" and (isinstance(value, bool) or not isinstance(value, (int, float))
                                   or not math.isfinite(value) or not 0 <= value <= 1):
        return [Problem(where, f"`{param.name}` must be a number from 0 to 1, not {value!r}")]
    if param.type == "paths" and (
            not isinstance(value, list) or not all(isinstance(p, str) and p for p in value)):
        return [Problem(where, f"{param.name} must be a list of dot paths")]
    return []


def rubric_json_schema() -> dict[str, Any]:
    """A JSON Schema of local rubric definitions, so editors check rubric files too."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "evalspec rubric definition (local check kinds)",
        "description": (
            "A managed rubric's eval_definition. Kinds not listed are allowed: Datalab may know them."
        ),
        "type": "object",
        "required": ["evaluations"],
        "properties": {"evaluations": {
            "description": "The checks; a file scores their weighted mean.",
            "type": "array",
            "items": {
                "type": "object",
                "required": ["kind"],
                "properties": {
                    "kind": {"type": "string", "description": "The check kind.",
                             "examples": sorted(CHECK_KINDS)},
                    "weight": {"type": "number", "minimum": 0, "default": 1,
                               "description": "The check's weight in the file's score."},
                },
                "allOf": [_kind_schema(kind) for kind in CHECK_KINDS.values()],
            },
        }},
    }


_JSON_TYPES: Mapping[ParamType, dict[str, Any]] = {
    "text": {"type": "string", "minLength": 1}, "regex": {"type": "string", "minLength": 1},
    "number": {"type": "number", "minimum": 0, "maximum": 1},
    "paths": {"type": "array", "items": {"type": "string", "minLength": 1}},
}


def _kind_schema(kind: CheckKind) -> dict[str, Any]:
    properties: dict[str, Any] = {"kind": {"const": kind.name, "description": kind.description},
                                  "weight": {}}
    for param in kind.params:
        properties[param.name] = {**_JSON_TYPES[param.type], "description": param.description}
    return {
        "if": {"properties": {"kind": {"const": kind.name}}, "required": ["kind"]},
        "then": {
            "properties": properties, "additionalProperties": False,
            "required": [param.name for param in kind.params if param.required],
        },
    }
