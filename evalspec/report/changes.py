"""What changed, for the templates: each changed input once, with the cells it moved.

A rubric used by 40 cells changed once; a report that printed its diff under every cell would
bury the why. So causes are grouped by what they say (input, summary, diff), each group listing
its cells, and for a collection's files added or removed the scores those files got in each cell
(or had in the baseline), read from the cell's file rows.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping, Sequence

from evalspec.report.jsontypes import Json, JsonView

MAX_FILES_SHOWN = 20  # per cell: a collection that gained 500 files shows the first ones


def what_changed(document: JsonView) -> list[Json]:
    """One item per distinct cause: `input`, `summary`, `detail` (a diff, maybe empty), `cells`
    (keys), and `files`: per cell, the `added` files with their scores and the `removed` ones
    with their baseline scores. In the order the causes first appear (cells by key)."""
    groups: dict[tuple[str, str, tuple[str, ...]], Json] = {}
    for cell in document["cells"]:
        for cause in cell["changed_inputs"]:
            key = (cause["input"], cause["summary"], tuple(cause["detail"]))
            group = groups.setdefault(key, {**cause, "cells": [], "files": []})
            group["cells"].append(cell["key"])
            moved = _moved_files(cell["files"], cause.get("added", ()), cause.get("removed", ()))
            if moved["added"] or moved["removed"]:
                group["files"].append({"cell": cell["key"], **moved})
    return list(groups.values())


def _moved_files(files: Sequence[JsonView], added: Iterable[str], removed: Iterable[str],
                 ) -> dict[str, list[Json]]:
    added, removed = list(added), list(removed)
    if not added and not removed:
        return {"added": [], "removed": []}
    by_name = _by_name(files)
    return {
        "added": [{"filename": name, "score": _file(by_name, name).get("score")}
                  for name in added[:MAX_FILES_SHOWN]],
        "removed": [{"filename": name, "baseline_score": _file(by_name, name).get("baseline_score")}
                    for name in removed[:MAX_FILES_SHOWN]],
    }


def _by_name(files: Sequence[JsonView]) -> dict[str, JsonView]:
    """Each file by its name and, when that is a path, by its base name too (the inputs name
    a collection's files as the spec found them; the backend may keep the base name only)."""
    found: dict[str, JsonView] = {}
    for f in files:
        found.setdefault(f["filename"], f)
        found.setdefault(posixpath.basename(f["filename"]), f)
    return found


def _file(by_name: Mapping[str, JsonView], name: str) -> JsonView:
    return by_name.get(name) or by_name.get(posixpath.basename(name)) or {}


def not_evaluated_cells(document: JsonView) -> list[Json]:
    """The cells whose backend skipped checks: `{"key", "checks", "kinds"}`, by key."""
    return [{"key": cell["key"], **cell["not_evaluated"]}
            for cell in document["cells"] if cell["not_evaluated"]]
