"""`evalspec plan`: what apply would do, offline."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path

from evalspec.console import out
from evalspec.errors import EXIT_OK, EXIT_PENDING_CHANGES
from evalspec.lock.io import write_atomic
from evalspec.lock.journal import read_current_lock
from evalspec.lock.model import Lockfile
from evalspec.plan.plan import Plan, make_plan
from evalspec.plan.render import render_plan
from evalspec.plan.saved import saved_plan_json
from evalspec.plan.select import parse_selection
from evalspec.spec.load import load_spec
from evalspec.spec.spec import Spec


def run(
    paths: Sequence[Path], lock_path: Path, *, as_json: bool, out_file: Path | None,
    detailed_exitcode: bool, selects: Sequence[str], shard: str | None, show_unchanged: bool,
    retry_failed: bool = False, refresh: bool = False, backend: str | None = None,
) -> int:
    """Print the plan (table or JSON), optionally save it; exit 5 on pending work if asked.

    Offline unless `refresh`: then names are looked up (read-only) on the backend, by default
    the one the lock was applied with.
    """
    selection = parse_selection(selects, shard)
    spec = load_spec(paths)
    lock = read_current_lock(lock_path)
    plan = make_plan(spec, lock, selection, retry_failed=retry_failed)
    if refresh:
        known = asyncio.run(_lookup(spec, plan, backend, lock, lock_path))
        plan = dataclasses.replace(plan, known_ids=known)
    if as_json:
        out(json.dumps(plan.to_json(), indent=2, sort_keys=True))
    else:
        out(render_plan(plan, show_unchanged=show_unchanged))
    if out_file is not None:
        document = saved_plan_json(plan, paths, selects, shard, retry_failed)
        write_atomic(out_file, json.dumps(document, indent=2, sort_keys=True) + "\n")
        if not as_json:
            out(f"Saved the plan to {out_file}; run it with `evalspec apply --plan {out_file}`.")
    return EXIT_PENDING_CHANGES if detailed_exitcode and plan.pending else EXIT_OK


async def _lookup(
    spec: Spec, plan: Plan, backend: str | None, lock: Lockfile | None, lock_path: Path
) -> dict[tuple[str, str], int]:
    # Imported here: an offline plan loads no network code at all.
    from evalspec.apply.backend import backend_for_lock, check_same_backend, open_backend
    from evalspec.apply.resolve import lookup_ids

    name = backend or backend_for_lock(lock.backend if lock else None)
    async with open_backend(name) as opened:
        check_same_backend(lock, opened, lock_path)
        return await lookup_ids(opened.client, spec, [c.cell for c in plan.changes if c.cell])
