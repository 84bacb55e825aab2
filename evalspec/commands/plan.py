"""`evalspec plan`: what apply would do, offline."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from evalspec.console import out
from evalspec.errors import EXIT_OK, EXIT_PENDING_CHANGES
from evalspec.lock.io import write_atomic
from evalspec.lock.journal import read_current_lock
from evalspec.plan.plan import make_plan
from evalspec.plan.render import render_plan
from evalspec.plan.saved import saved_plan_json
from evalspec.plan.select import parse_selection
from evalspec.spec.load import load_spec


def run(
    paths: Sequence[Path], lock_path: Path, *, as_json: bool, out_file: Path | None,
    detailed_exitcode: bool, selects: Sequence[str], shard: str | None, show_unchanged: bool,
    retry_failed: bool = False,
) -> int:
    """Print the plan (table or JSON), optionally save it; exit 5 on pending work if asked."""
    selection = parse_selection(selects, shard)
    spec = load_spec(paths)
    plan = make_plan(spec, read_current_lock(lock_path), selection, retry_failed=retry_failed)
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
