"""Eval rubrics, with a version bump and history on every update."""

from __future__ import annotations

import json
from typing import Any

from evalspec.local.problems import not_found
from evalspec.local.store.db import Database, now


class RubricRepo:
    """Rows of `rubrics`; definitions are validated by the caller."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, name: str, description: str | None, definition: dict[str, Any],
               source: str = "local") -> dict[str, Any]:
        stamp = now()
        rid = self.db.write(
            "INSERT INTO rubrics (name, description, eval_definition, source, version, created, "
            "updated, version_history) VALUES (?, ?, ?, ?, 1, ?, ?, '[]')",
            (name, description, json.dumps(definition), source, stamp, stamp))
        return self.get(rid)

    def get(self, rid: int) -> dict[str, Any]:
        row = self.db.one("SELECT * FROM rubrics WHERE id = ?", (rid,))
        if row is None:
            raise not_found("eval rubric", rid)
        return _rubric_out(row)

    def page(self, limit: int, offset: int, include_archived: bool) -> tuple[list[Any], int]:
        where = "" if include_archived else "WHERE archived = 0"
        total = int(self.db.scalar(f"SELECT COUNT(*) FROM rubrics {where}"))
        rows = self.db.all(f"SELECT * FROM rubrics {where} ORDER BY id LIMIT ? OFFSET ?",
                           (limit, offset))
        return [_rubric_out(r) for r in rows], total

    def update(self, rid: int, changes: dict[str, Any]) -> dict[str, Any]:
        """Apply the given changes as a new version; the old one joins the history.

        Archiving (or restoring) is not a new version of the content: it only sets the flag.
        """
        old = self.get(rid)
        if changes.get("archived") is not None:
            self.db.write("UPDATE rubrics SET archived = ?, updated = ? WHERE id = ?",
                          (int(changes["archived"]), now(), rid))
            if not any(changes.get(k) is not None for k in ("name", "description", "eval_definition")):
                return self.get(rid)
        new = {k: changes[k] if changes.get(k) is not None else old[k]
               for k in ("name", "description", "eval_definition")}
        snapshot = {k: old[k] for k in ("version", "name", "description", "eval_definition",
                                        "updated")}
        history = [*old["version_history"], snapshot]
        self.db.write(
            "UPDATE rubrics SET name = ?, description = ?, eval_definition = ?, "
            "version = version + 1, updated = ?, version_history = ? WHERE id = ?",
            (new["name"], new["description"], json.dumps(new["eval_definition"]), now(),
             json.dumps(history), rid))
        return self.get(rid)


def _rubric_out(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], "description": row["description"],
            "eval_definition": json.loads(row["eval_definition"]), "source": row["source"],
            "source_processor_id": None, "archived": bool(row["archived"]),
            "version": row["version"], "created": row["created"], "updated": row["updated"],
            "version_history": json.loads(row["version_history"])}
