"""What the lock remembers of the inputs a plan applies, so the next plan can name what changed.

The lock's `inputs` holds, for the managed objects and schemas of the applied cells, only what
a later diff needs: a collection's file digests by name, a rubric's definition as canonical
JSON (small), a schema's canonical JSON keyed by its digest (the digest the cells' requests
carry). `gate_rules` holds the gates themselves by name.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from evalspec.base.canonical import canonical_json
from evalspec.plan.cells import Cell
from evalspec.spec.schema_models import Gate
from evalspec.spec.spec import Spec

SECTIONS = ("collections", "rubrics", "schemas")
Inputs = dict[str, dict[str, Any]]


def applied_inputs(spec: Spec, cells: Iterable[Cell]) -> Inputs:
    """The lock form of the managed collections, managed rubrics and schemas these cells use."""
    inputs: Inputs = {section: {} for section in SECTIONS}
    for cell in cells:
        collection = spec.collections[cell.collection]
        if collection.files is not None:
            files = {f.upload_name: f.sha256 for f in collection.files}
            inputs["collections"][collection.name] = {"digest": collection.files_digest, "files": files}
        rubric = spec.rubrics.get(cell.rubric) if cell.rubric is not None else None
        if rubric is not None and rubric.definition is not None:
            inputs["rubrics"][rubric.name] = {
                "digest": rubric.definition_digest, "definition": canonical_json(rubric.definition),
                "file": _shown(rubric.ref.definition, rubric.where.marks.file),
            }
        for digest in cell.request.schema_digests.values():
            schema = next(s for s in spec.schemas.values() if s.digest == digest)
            inputs["schemas"][digest] = {
                "name": schema.name, "file": _relative(schema.path), "json": schema.canonical,
            }
    return inputs


def merged_inputs(old: Mapping[str, Mapping[str, Any]] | None, new: Inputs, in_use: Iterable[str]) -> Inputs:
    """The lock's inputs after an apply: `new` over `old`; schemas no cell uses are dropped."""
    merged: Inputs = {section: {**(old or {}).get(section, {}), **new[section]} for section in SECTIONS}
    used = set(in_use)
    merged["schemas"] = {d: v for d, v in merged["schemas"].items() if d in used}
    return merged


def gate_rules(gates: Sequence[Gate]) -> dict[str, dict[str, Any]]:
    """The gates by name in the lock's form (rules and `where` without the unset parts)."""
    table: dict[str, dict[str, Any]] = {}
    for gate in gates:
        rules = gate.model_dump(mode="json", exclude_none=True, exclude={"name"})
        rules["where"] = {k: v for k, v in rules.get("where", {}).items() if v is not None}
        table[gate.name] = rules
    return table


def pretty_json(text: str) -> list[str]:
    """Canonical JSON text as indented lines, for a readable diff."""
    return json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False).splitlines()


def _shown(relative: str | None, spec_file: str) -> str:
    return _relative(Path(spec_file).parent / (relative or ""))


def _relative(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)
