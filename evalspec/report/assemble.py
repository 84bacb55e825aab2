"""From the user's files to a report with gate verdicts: what `report` and `check` share."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from evalspec.errors import InputError
from evalspec.lock.io import read_lock
from evalspec.plan.cells import expand_spec
from evalspec.plan.select import EVERYTHING, Selection, narrowed
from evalspec.report.baseline import head_commit, load_baseline
from evalspec.report.build import Side, build_report
from evalspec.report.gates import with_gates
from evalspec.report.results import FetchMissing, results_on_demand
from evalspec.report.values import Report
from evalspec.spec.load import load_spec


def assemble(
    paths: Sequence[Path], lock_path: Path, baseline: str | None, *, state_dir: Path | None,
    with_files: bool = True, fetch_missing: FetchMissing | None = None, selection: Selection = EVERYTHING,
) -> Report:
    """Load spec, lock and baseline; build the report (per-file only if `with_files`); judge the gates.

    `selection` (`--select`, `--shard`) narrows every side to the same cells, as in `plan`.
    """
    spec = load_spec(paths)
    lock = read_lock(lock_path)
    if lock is None:
        raise InputError(f"no lockfile at {lock_path}: run `evalspec apply` first (or pass --lock)")
    lock = narrowed(lock, selection)
    results = results_on_demand(lock, state_dir, fetch_missing) if with_files else {}
    base = baseline_side(baseline, lock_path, state_dir, with_files, selection)
    spec_keys = [cell.key for cell in expand_spec(spec) if selection.includes(cell.key)]
    report = build_report(Side(str(lock_path), lock, results), base, extra_keys=spec_keys)
    report = dataclasses.replace(report, commit=head_commit(lock_path),
                                 confidence=spec.settings.confidence or report.confidence)
    # A moved bar is named against the baseline's gates: what the reviewer compares with.
    against = base.lock if base is not None and base.lock is not None else lock
    return with_gates(report, spec.gates, against.gates, against.gate_rules)


def baseline_side(
    text: str | None, lock_path: Path, state_dir: Path | None, with_files: bool,
    selection: Selection = EVERYTHING,
) -> Side | None:
    """The baseline lock and whatever per-file results of its runs are cached (never fetched)."""
    if text is None:
        return None
    lock = load_baseline(text, lock_path)
    lock = narrowed(lock, selection) if lock is not None else None
    if lock is None or not with_files:
        return Side(text, lock, {})
    # A baseline may come from another backend or machine: its results are used when cached,
    # and otherwise the report shows cell-level deltas only.
    return Side(text, lock, results_on_demand(lock, state_dir))
