"""Which input moved a cell: the request field, schema, rubric definition or collection files.

Both sides are in the lock's form (a request with schema digests, and the `inputs` the lock
keeps), so the plan (spec against lock) and the report (lock against baseline lock) name causes
the same way. An input the old side did not record (a lock written before `inputs` existed) is
named without detail.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from evalspec.plan.inputs import pretty_json
from evalspec.plan.request import BODY_FIELDS, SCHEMA_FIELDS
from evalspec.plan.select import key_parts

MAX_DIFF_LINES = 12
MAX_PATHS = 8
MAX_FILES = 10
Inputs = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Cause:
    """One input that changed: what it is, how it changed in a line, and a diff when there is one."""

    input: str  # `rubric words`, `collection docs`, `page_schema invoice`, `output_format`
    summary: str
    detail: tuple[str, ...] = ()
    added: tuple[str, ...] = ()  # a collection's files added, by name (a report shows their scores)
    removed: tuple[str, ...] = ()  # and removed

    def __str__(self) -> str:
        return f"{self.input}: {self.summary}"

    def to_json(self) -> dict[str, Any]:
        """Plan JSON and report JSON form (`added` and `removed` for a collection's files)."""
        body: dict[str, Any] = {"input": self.input, "summary": self.summary, "detail": list(self.detail)}
        if self.added or self.removed:
            body.update(added=list(self.added), removed=list(self.removed))
        return body


def input_causes(
    key: str, old: tuple[Mapping[str, Any], Inputs | None], new: tuple[Mapping[str, Any], Inputs | None],
    skip: Collection[str] = (),
) -> tuple[Cause, ...]:
    """The causes of a cell's change from `old` to `new`, each a (request, inputs) pair; the
    request fields in `skip` (ids still to look up) are not compared."""
    (old_request, old_inputs), (new_request, new_inputs) = old, new
    parts = key_parts(key)
    skip = {*skip, *_server_ids(parts, old_inputs, new_inputs)}
    causes = [
        _field_cause(field, old_request.get(field), new_request.get(field), old_inputs, new_inputs)
        for field in BODY_FIELDS
        if field not in skip and old_request.get(field) != new_request.get(field)
    ]
    causes += _rubric_cause(parts["rubric"], old_inputs, new_inputs)
    causes += _collection_cause(parts["collection"], old_inputs, new_inputs)
    return tuple(causes)


def _server_ids(parts: Mapping[str, str], *sides: Inputs | None) -> list[str]:
    """The id fields of the cell's managed objects: server numbering, not an input (a fresh
    state numbers the same content anew); their content is compared instead."""
    managed = {"collection_id": ("collections", parts["collection"]),
               "eval_rubric_id": ("rubrics", parts["rubric"])}
    return [field for field, (section, name) in managed.items()
            if any(name in _section(inputs, section) for inputs in sides)]


def _section(inputs: Inputs | None, section: str) -> Mapping[str, Any]:
    return (inputs or {}).get(section) or {}


def _field_cause(
    field: str, old: Any, new: Any, old_inputs: Inputs | None, new_inputs: Inputs | None,
) -> Cause:
    if field not in SCHEMA_FIELDS:
        return Cause(field, f"{_value(old)} -> {_value(new)}")
    before, after = _section(old_inputs, "schemas").get(old), _section(new_inputs, "schemas").get(new)
    name = f"{field} {after['name']}" if after else field
    if before is None or after is None:
        return Cause(name, f"{_short(old)} -> {_short(new)}" + (f" ({after['file']})" if after else ""))
    paths = list(changed_paths(json.loads(before["json"]), json.loads(after["json"])))
    more = f", ... ({len(paths) - MAX_PATHS} more)" if len(paths) > MAX_PATHS else ""
    shown = ", ".join(paths[:MAX_PATHS]) + more
    return Cause(name, f"{after['file']} changed at {shown}")


def _value(value: Any) -> str:
    return "null" if value is None else str(value)


def _short(digest: Any) -> str:
    return "none" if digest is None else str(digest)[:19]  # `sha256:` and 12 hex digits


def changed_paths(old: Any, new: Any, prefix: str = "") -> Iterator[str]:
    """The JSON paths where two values differ (`properties.total.type`), added and removed marked."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new), key=str):
            path = f"{prefix}.{key}" if prefix else str(key)
            if key not in old:
                yield f"{path} (added)"
            elif key not in new:
                yield f"{path} (removed)"
            else:
                yield from changed_paths(old[key], new[key], path)
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            yield from changed_paths(a, b, f"{prefix}.{i}" if prefix else str(i))
    elif old != new:
        yield prefix or "(the whole document)"


def _rubric_cause(name: str, old_inputs: Inputs | None, new_inputs: Inputs | None) -> list[Cause]:
    before, after = _section(old_inputs, "rubrics").get(name), _section(new_inputs, "rubrics").get(name)
    if before is None or after is None or before["digest"] == after["digest"]:
        return []
    diff = unified(pretty_json(before["definition"]), pretty_json(after["definition"]))
    return [Cause(f"rubric {name}", f"definition changed ({after['file']})", diff)]


def unified(old: list[str], new: list[str]) -> tuple[str, ...]:
    """A short unified diff (no file headers), cut after MAX_DIFF_LINES."""
    lines = list(difflib.unified_diff(old, new, lineterm="", n=1))[2:]
    if len(lines) > MAX_DIFF_LINES:
        lines = [*lines[:MAX_DIFF_LINES], f"... ({len(lines) - MAX_DIFF_LINES} more lines)"]
    return tuple(lines)


def _collection_cause(name: str, old_inputs: Inputs | None, new_inputs: Inputs | None) -> list[Cause]:
    before = _section(old_inputs, "collections").get(name)
    after = _section(new_inputs, "collections").get(name)
    if before is None or after is None or before["digest"] == after["digest"]:
        return []
    added, removed, _ = file_changes(before["files"], after["files"])
    return [Cause(f"collection {name}", describe_files(before["files"], after["files"]),
                  added=tuple(added), removed=tuple(removed))]


def file_changes(old: Mapping[str, str], new: Mapping[str, str]) -> tuple[list[str], list[str], list[str]]:
    """Files added, removed and changed (by name) between two name -> digest maps."""
    added = sorted(set(new) - set(old))
    removed = sorted(set(old) - set(new))
    changed = sorted(n for n in set(old) & set(new) if old[n] != new[n])
    return added, removed, changed


def describe_files(old: Mapping[str, str], new: Mapping[str, str]) -> str:
    """`added c.pdf; removed b.pdf; changed a.pdf`, long lists cut."""
    parts = []
    for verb, names in zip(("added", "removed", "changed"), file_changes(old, new), strict=True):
        if names:
            more = f" and {len(names) - MAX_FILES} more" if len(names) > MAX_FILES else ""
            parts.append(f"{verb} {', '.join(names[:MAX_FILES])}{more}")
    return "; ".join(parts) or "files changed"


def gate_moves(
    old: Mapping[str, Mapping[str, Any]] | None, new: Mapping[str, Mapping[str, Any]],
) -> tuple[str, ...]:
    """`gate md-floor: min_score 0.8 -> 0.95`, one line per moved bar, added or removed gate."""
    if old is None:
        return ()
    lines = []
    for name in sorted(set(old) | set(new)):
        if name not in old:
            lines.append(f"gate {name}: added ({_rules(new[name])})")
        elif name not in new:
            lines.append(f"gate {name}: removed (was {_rules(old[name])})")
        else:
            before, after = old[name], new[name]
            lines += [
                f"gate {name}: {rule} {_rule_value(before.get(rule))} -> {_rule_value(after.get(rule))}"
                for rule in sorted(set(before) | set(after)) if before.get(rule) != after.get(rule)
            ]
    return tuple(lines)


def _rules(rules: Mapping[str, Any]) -> str:
    return ", ".join(f"{rule} {_rule_value(value)}" for rule, value in sorted(rules.items()))


def _rule_value(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, Mapping):
        return " ".join(f"{k}={v}" for k, v in sorted(value.items())) or "all cells"
    return f"{value:g}" if isinstance(value, float) else str(value)
