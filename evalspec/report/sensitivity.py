"""Warnings for gates whose bar is finer than their collection can tell (`validate`, `plan`).

A gate with `confidence` on a cell of n files can only fail on what n files show: with 4 files or
fewer nothing at 95 % (the exact test's smallest p-value is 2**-n), and with more, only drops
above `min_detectable_drop(n, sd)`. `validate` knows n for managed collections and warns when
nothing can be shown; `plan` also reads the lock's evidence of each cell and, taking the spread
of its file scores as the scale of the deltas a change would bring (the only spread known before
two runs exist), warns when the detectable drop exceeds the bar.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator, Sequence

from evalspec.lock.lockfile import Lockfile
from evalspec.plan.cells import Cell
from evalspec.plan.unused import covers
from evalspec.spec.schema_models import Gate
from evalspec.spec.spec import Spec


def sensitivity_warnings(spec: Spec, cells: Sequence[Cell], lock: Lockfile | None = None) -> list[str]:
    """`file:line:col: warning: ...` per gate and collection (or cell) too small for its bar."""
    warnings = []
    for gate, where in zip(spec.gates, spec.gate_sites, strict=True):
        if gate.confidence is None or (gate.max_drop is None and gate.min_score is None):
            continue
        warnings += [f"{where}: warning: gate {gate.name!r}: {text}"
                     for text in _too_fine(gate, gate.confidence, [c for c in cells if covers(gate, c)],
                                           spec, lock)]
    return warnings


def _too_fine(gate: Gate, confidence: float, cells: Sequence[Cell], spec: Spec,
              lock: Lockfile | None) -> Iterator[str]:
    # Imported here: the statistics load numpy, which `validate` and `plan` of a spec without
    # gates with confidence (most specs) need not wait for.
    from evalspec.report.paired import can_show, standing_score
    from evalspec.report.stats import DEFAULT_POWER, min_detectable_drop

    level = f"{confidence * 100:g} %"
    told: set[str] = set()
    for cell in cells:
        files = spec.collections[cell.collection].files
        documents = None if files is None else sum(1 for f in files if not f.is_truth)
        if documents is not None and not can_show(documents, confidence) and cell.collection not in told:
            told.add(cell.collection)
            yield (f"collection {cell.collection!r} has {documents} documents: at {level} they can show "
                   "nothing, so the gate always passes on it (add documents, or lower `confidence`)")
        entry = lock.cells.get(cell.key) if lock is not None else None
        if gate.max_drop is None or entry is None or entry.files is None or cell.collection in told:
            continue
        scores = [s for s in (standing_score(item) for item in entry.files.values()) if s is not None]
        if len(scores) < 2:
            continue
        sd = statistics.stdev(scores)
        detectable = min_detectable_drop(len(scores), sd, confidence=confidence)
        if detectable is not None and detectable > gate.max_drop:
            yield (f"{cell.key}: {len(scores)} files with scores spread like its last run's (sd {sd:.2f}) "
                   f"the gate catches drops above {gate.max_drop + detectable:.2f} at {level} "
                   f"({DEFAULT_POWER:.0%} of the time), not those just past its bar {gate.max_drop:g}")
