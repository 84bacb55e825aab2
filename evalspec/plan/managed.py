"""The managed objects a plan's submissions use, and what changed in each since the lock.

One entry per managed collection or rubric of the cells apply will submit: its content-addressed
`name@digest` (what apply finds, or creates when missing; never edits), and how it compares with
what the lock recorded: `+` new (the lock holds no record of it), `~` changed (another content:
a rubric's definition diff, a collection's files added, removed and changed), `=` unchanged.
A collection also counts its documents and truth sidecars; sidecars go only to backends that
evaluate them (the local backend, `evalspec server`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from evalspec.plan.diff import Change
from evalspec.plan.explain import file_changes, unified
from evalspec.plan.inputs import Inputs, pretty_json
from evalspec.spec.spec import Collection, Rubric, Spec

SUBMITTING = ("create", "replace")
SIDECAR_NOTE = "truth sidecars go to the local backend and `evalspec server` only, never to Datalab"


@dataclass(frozen=True)
class ManagedObject:
    """A managed collection or rubric that apply will find by its content-addressed name."""

    kind: str  # "collection" or "rubric"
    name: str  # the spec's name
    server_name: str
    action: str  # "+" new to the lock, "~" changed since it, "=" unchanged
    file: str = ""  # a rubric's definition file
    diff: tuple[str, ...] = ()  # a changed rubric's definition, against the lock's
    documents: int = 0
    sidecars: int = 0
    files: tuple[int, int, int] = (0, 0, 0)  # a changed collection's files added, removed, changed

    def to_json(self) -> dict[str, Any]:
        """As `plan --json` lists it under `managed`."""
        body: dict[str, Any] = {
            "kind": self.kind, "name": self.name, "server_name": self.server_name, "action": self.action,
        }
        if self.kind == "rubric":
            body.update(file=self.file, diff=list(self.diff))
        else:
            added, removed, changed = self.files
            body.update(documents=self.documents, sidecars=self.sidecars,
                        files={"added": added, "removed": removed, "changed": changed})
        return body


def managed_objects(
    spec: Spec, changes: Iterable[Change], old: Inputs | None, new: Inputs,
) -> tuple[ManagedObject, ...]:
    """The managed collections and rubrics of the cells apply will submit, sorted; `old` is what
    the lock recorded of its inputs (None for a lock written before it kept them), `new` the plan's."""
    found: dict[tuple[str, str], ManagedObject] = {}
    for cell in (c.cell for c in changes if c.cell is not None and c.action in SUBMITTING):
        collection = spec.collections[cell.collection]
        if collection.files is not None and collection.server_name:
            found[("collection", collection.name)] = _collection(collection, _record(old, "collections"))
        rubric = spec.rubrics[cell.rubric] if cell.rubric is not None else None
        if rubric is not None and rubric.definition is not None and rubric.server_name:
            found[("rubric", rubric.name)] = _rubric(rubric, _record(old, "rubrics"), _record(new, "rubrics"))
    return tuple(found[key] for key in sorted(found))


def _record(inputs: Inputs | None, section: str) -> Mapping[str, Any]:
    return (inputs or {}).get(section) or {}


def _action(before: Mapping[str, Any] | None, digest: str | None) -> str:
    if before is None:
        return "+"
    return "=" if before["digest"] == digest else "~"


def _collection(collection: Collection, old: Mapping[str, Any]) -> ManagedObject:
    files = collection.files or ()
    before = old.get(collection.name)
    action = _action(before, collection.files_digest)
    sidecars = sum(f.is_truth for f in files)
    moved = (0, 0, 0)
    if action == "~" and before is not None:
        lists = file_changes(before["files"], {f.upload_name: f.sha256 for f in files})
        moved = (len(lists[0]), len(lists[1]), len(lists[2]))
    return ManagedObject("collection", collection.name, collection.server_name or collection.name, action,
                         documents=len(files) - sidecars, sidecars=sidecars, files=moved)


def _rubric(rubric: Rubric, old: Mapping[str, Any], new: Mapping[str, Any]) -> ManagedObject:
    before, after = old.get(rubric.name), new[rubric.name]
    action = _action(before, rubric.definition_digest)
    diff: tuple[str, ...] = ()
    if action == "~" and before is not None:
        diff = unified(pretty_json(before["definition"]), pretty_json(after["definition"]))
    return ManagedObject("rubric", rubric.name, rubric.server_name or rubric.name, action,
                         file=after["file"], diff=diff)
