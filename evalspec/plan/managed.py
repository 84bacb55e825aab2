"""The managed objects a plan's submissions use: content-addressed names and what they upload.

Shown with the plan so that a reviewer sees which `name@digest` objects apply will look for (and
create when missing), and how many documents and truth sidecars a managed collection carries.
Sidecars go only to backends that evaluate them (the local backend, `evalspec server`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from evalspec.plan.diff import Change
from evalspec.spec.spec import Spec

SUBMITTING = ("create", "replace")
SIDECAR_NOTE = "truth sidecars go to the local backend and `evalspec server` only, never to Datalab"


@dataclass(frozen=True)
class ManagedObject:
    """A managed collection or rubric that apply will find by its content-addressed name."""

    kind: str  # "collection" or "rubric"
    name: str  # the spec's name
    server_name: str
    documents: int = 0
    sidecars: int = 0

    def to_json(self) -> dict[str, Any]:
        """As `plan --json` lists it."""
        body: dict[str, Any] = {"kind": self.kind, "name": self.name, "server_name": self.server_name}
        if self.kind == "collection":
            body.update(documents=self.documents, sidecars=self.sidecars)
        return body


def managed_objects(spec: Spec, changes: Iterable[Change]) -> tuple[ManagedObject, ...]:
    """The managed collections and rubrics of the cells apply will submit, sorted."""
    cells = [c.cell for c in changes if c.cell is not None and c.action in SUBMITTING]
    found: dict[tuple[str, str], ManagedObject] = {}
    for cell in cells:
        collection = spec.collections[cell.collection]
        if collection.files is not None and collection.server_name:
            sidecars = sum(f.is_truth for f in collection.files)
            found[("collection", collection.name)] = ManagedObject(
                "collection", collection.name, collection.server_name,
                len(collection.files) - sidecars, sidecars,
            )
        rubric = spec.rubrics[cell.rubric] if cell.rubric is not None else None
        if rubric is not None and rubric.definition is not None and rubric.server_name:
            found[("rubric", rubric.name)] = ManagedObject("rubric", rubric.name, rubric.server_name)
    return tuple(found[key] for key in sorted(found))


def managed_lines(objects: Iterable[ManagedObject]) -> list[str]:
    """Readable lines for the plan (nothing when there are no managed objects to use)."""
    rows = [_row(obj) for obj in objects]
    if not rows:
        return []
    heading = "managed objects (content-addressed: found by name, created when missing, never edited):"
    return [heading, *rows, ""]


def _row(obj: ManagedObject) -> str:
    if obj.kind == "rubric":
        return f"  rubric {obj.name} -> {obj.server_name}"
    sidecars = f", {obj.sidecars} truth sidecar(s) ({SIDECAR_NOTE})" if obj.sidecars else ""
    return f"  collection {obj.name} -> {obj.server_name}: {obj.documents} document(s){sidecars}"
