"""Label matching and value coercion shared by extraction and the checks."""

from __future__ import annotations

import re
from typing import Any

LABEL_LINE_RE = re.compile(r"^\s*([^:|]{1,60}?)\s*:\s*(.*?)\s*$")


def norm_label(text: str) -> str:
    """Case-, underscore- and punctuation-insensitive form of a label or property name."""
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)  # camelCase -> camel case
    text = re.sub(r"[_\-./#]+", " ", text.lower())
    return " ".join(re.sub(r"[^\w\s]", "", text).split())


def fold_text(text: str) -> str:
    """Lower case with every run of whitespace folded to one space (the checks' comparison)."""
    return " ".join(text.lower().split())


def split_label(line: str) -> tuple[str, str] | None:
    """`("invoice number", "INV-001")` from `Invoice Number: INV-001`, else None."""
    match = LABEL_LINE_RE.match(line)
    if not match:
        return None
    return norm_label(match.group(1)), match.group(2)


def labels_for(name: str, spec: dict[str, Any]) -> set[str]:
    """The labels a property answers to: its name, and its description and title if short."""
    labels = {norm_label(name)}
    for key in ("description", "title"):
        text = spec.get(key)
        if isinstance(text, str) and len(text) <= 60:
            labels.add(norm_label(text))
    labels.discard("")
    return labels


def coerce(value: str, spec: dict[str, Any]) -> Any:
    """`value` as the property's JSON type; None when it does not parse as that type."""
    kind = spec.get("type", "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    value = value.strip()
    if kind in ("number", "integer"):
        return _number(value, integer=kind == "integer")
    if kind == "boolean":
        return {"yes": True, "true": True, "y": True, "1": True,
                "no": False, "false": False, "n": False, "0": False}.get(value.lower())
    return value or None


def _number(value: str, *, integer: bool) -> int | float | None:
    match = re.search(r"-?\d[\d,]*(?:\.\d+)?|-?\.\d+", value)
    if not match:
        return None
    number = float(match.group(0).replace(",", ""))
    if integer:
        return int(number) if number.is_integer() else None
    return number


def values_equal(truth: Any, got: Any) -> bool:
    """Truth comparison: numbers numerically, strings folded, everything else exactly."""
    if isinstance(truth, bool) or isinstance(got, bool):
        return truth is got
    if isinstance(truth, (int, float)) and isinstance(got, (int, float)):
        return abs(float(truth) - float(got)) < 1e-9
    if isinstance(truth, str) and isinstance(got, str):
        return fold_text(truth) == fold_text(got)
    return bool(truth == got)
