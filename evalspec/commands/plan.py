"""`evalspec plan`: what apply would do, offline."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from evalspec.backend.local_kinds import unevaluated_rubric_warnings
from evalspec.backend.which import backend_for_lock, planned_target
from evalspec.base.atomic import write_atomic
from evalspec.commands.guard import refuse_collected_lock
from evalspec.console import err, out, paint_plan
from evalspec.errors import EXIT_OK, EXIT_PENDING_CHANGES
from evalspec.lock.journal import read_current_lock
from evalspec.lock.lockfile import Lockfile
from evalspec.plan.display import render_plan
from evalspec.plan.pages import default_cache
from evalspec.plan.plan import Plan, make_plan
from evalspec.plan.priced import Told, priced
from evalspec.plan.saved import saved_plan_json
from evalspec.plan.select import parse_selection
from evalspec.report.sensitivity import sensitivity_warnings
from evalspec.spec.definitions import spec_notes
from evalspec.spec.load import load_spec
from evalspec.spec.spec import Spec


@dataclass(frozen=True)
class PlanRequest:
    """The plan command's arguments."""

    paths: Sequence[Path]
    lock_path: Path
    as_json: bool = False
    out_file: Path | None = None
    detailed_exitcode: bool = False
    selects: Sequence[str] = ()
    shard: str | None = None
    show_unchanged: bool = False
    retry_failed: bool = False
    refresh: bool = False
    backend: str | None = None
    replace: Sequence[str] = ()
    state_dir: Path | None = None


def run(request: PlanRequest) -> int:
    """Print the plan (table or JSON), optionally save it; exit 5 on pending work if asked.

    Offline unless `refresh`: then names are looked up (read-only) on the backend, by default
    the one the lock was applied with.
    """
    paths, lock_path, selects, shard = request.paths, request.lock_path, request.selects, request.shard
    retry_failed, backend, out_file, as_json = (
        request.retry_failed, request.backend, request.out_file, request.as_json,
    )
    selection = parse_selection(selects, shard)
    spec = load_spec(paths)
    refuse_collected_lock(spec, lock_path)
    lock = read_current_lock(lock_path)
    backend_name = backend_for_lock(lock, backend)
    plan = make_plan(spec, lock, selection, retry_failed=retry_failed, replace=request.replace,
                     target=planned_target(backend_name, request.state_dir))
    cells = [change.cell for change in plan.changes if change.cell is not None]
    for note in spec_notes(spec, [(cell.collection, cell.rubric) for cell in cells]):
        err(note)
    for warning in sensitivity_warnings(spec, cells, lock):
        err(warning)
    if backend_name == "local":
        for warning in unevaluated_rubric_warnings(spec):
            err(warning)
    told: Told = ({}, {})
    if request.refresh:
        known, told = asyncio.run(_lookup(spec, plan, backend, lock, lock_path))
        plan = dataclasses.replace(plan, known_ids=known)
    plan = priced(spec, plan, default_cache(request.state_dir), *told)
    if as_json:
        out(json.dumps(plan.to_json(), indent=2, sort_keys=True))
    else:
        out(paint_plan(render_plan(plan, show_unchanged=request.show_unchanged)))
    if out_file is not None:
        document = saved_plan_json(plan, paths, selects, shard, retry_failed, request.replace, backend)
        write_atomic(out_file, json.dumps(document, indent=2, sort_keys=True) + "\n")
        if not as_json:
            out(f"Saved the plan to {out_file}; run it with `evalspec apply --plan {out_file}`.")
    return EXIT_PENDING_CHANGES if request.detailed_exitcode and plan.pending else EXIT_OK


async def _lookup(
    spec: Spec, plan: Plan, backend: str | None, lock: Lockfile | None, lock_path: Path
) -> tuple[dict[tuple[str, str], int], Told]:
    """Ids by (field, server name); unmanaged collections' pages and custom pipelines' rates."""
    # Imported here: an offline plan loads no network code at all.
    from evalspec.apply.pricing import what_the_service_tells
    from evalspec.apply.resolve import lookup_ids
    from evalspec.backend.connect import open_backend
    from evalspec.backend.which import backend_for_lock

    cells = [c.cell for c in plan.changes if c.cell]
    async with open_backend(backend_for_lock(lock, backend)) as opened:
        known = await lookup_ids(opened.client, spec, cells)
        return known, await what_the_service_tells(opened.client, spec, cells, known)
