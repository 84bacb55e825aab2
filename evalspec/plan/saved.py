"""Saved plans (`plan --out F`, `apply --plan F`): applied exactly, refused once stale.

A saved plan is plan JSON plus what it was made against: the lock's lineage and serial, the spec
paths and the selection. Apply reloads the specs, re-plans against the current lock, and refuses
(exit 2) when the lock moved on or any cell's action or fingerprint differs from the saved one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalspec.errors import StalePlanError, UsageError
from evalspec.plan.plan import Plan

SAVED_KIND = "evalspec-saved-plan"


@dataclass(frozen=True)
class SavedPlan:
    """A saved plan as read back."""

    document: dict[str, Any]
    spec_paths: tuple[Path, ...]
    selects: tuple[str, ...]
    shard: str | None
    retry_failed: bool
    replace: tuple[str, ...] = ()
    backend: str | None = None  # `--backend` as given to plan (None: the lock's)


def saved_plan_json(
    plan: Plan, spec_paths: Sequence[Path], selects: Sequence[str], shard: str | None,
    retry_failed: bool = False, replace: Sequence[str] = (), backend: str | None = None,
) -> dict[str, Any]:
    """The document `plan --out` writes."""
    document = plan.to_json()
    document["kind"] = SAVED_KIND
    document["lock"] = {"lineage": plan.lineage, "serial": plan.serial}
    document["made_with"] = {
        "paths": [str(p) for p in spec_paths], "select": list(selects), "shard": shard,
        "retry_failed": retry_failed, "replace": list(replace), "backend": backend,
    }
    return document


def read_saved_plan(path: Path) -> SavedPlan:
    """Read a saved plan; a file that is not one is a UsageError."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        made = document["made_with"]
        if document.get("kind") != SAVED_KIND:
            raise KeyError("kind")
        return SavedPlan(
            document, tuple(Path(p) for p in made["paths"]), tuple(made["select"]),
            made["shard"], bool(made.get("retry_failed")), tuple(made.get("replace") or ()),
            made.get("backend"),
        )
    except FileNotFoundError:
        raise UsageError(f"{path}: no such saved plan") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"{path}: not a plan saved by `evalspec plan --out` ({exc})") from None


def check_not_stale(saved: SavedPlan, current: Plan, path: Path) -> None:
    """Refuse a saved plan when the lock or the specs moved on since it was made."""
    lock = saved.document["lock"]
    if (lock["lineage"], lock["serial"]) != (current.lineage, current.serial):
        raise StalePlanError(
            f"{path}: the plan was made against lock serial {lock['serial']} "
            f"(lineage {lock['lineage']}), the lock is now at serial {current.serial} "
            f"(lineage {current.lineage}); run `evalspec plan --out` again"
        )
    if _cells(saved.document) != _cells(current.to_json()):
        raise StalePlanError(
            f"{path}: the specs changed since the plan was saved; run `evalspec plan --out` again"
        )


def _cells(document: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    return [(c["key"], c["action"], c["fingerprint"]) for c in document["cells"]]
