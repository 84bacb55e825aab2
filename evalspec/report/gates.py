"""Gates: the spec's rules on each cell's score, its drop against the baseline, and its file counts."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from evalspec.plan.explain import gate_moves
from evalspec.plan.inputs import gate_rules as lock_form_rules
from evalspec.plan.plan import gates_digest
from evalspec.report.confident import Confidence, Rule, max_drop_rule, min_score_rule
from evalspec.report.paired import delta_text
from evalspec.report.values import NEW, CellRow, GateResult, Report, Verdict
from evalspec.spec.schema_models import Gate, GateWhere

# Scores arrive as JSON floats: a score written 0.8 must pass `min_score: 0.8`, and a drop of
# 0.9 - 0.88 (0.020000000000000018) must pass `max_drop: 0.02`.
EPSILON = 1e-9


def with_gates(
    report: Report, gates: Sequence[Gate], lock_gates_digest: str | None = None,
    lock_gate_rules: Mapping[str, Mapping[str, Any]] | None = None,
) -> Report:
    """The report with each gate's verdicts; notes when the gates moved since the lock (the
    baseline's, when there is one) was applied: each moved bar by name when that lock kept its
    gates, else from the digest alone."""
    moves = gate_moves(lock_gate_rules, lock_form_rules(gates))
    changed = bool(moves) if lock_gate_rules is not None else (
        lock_gates_digest is not None and lock_gates_digest != gates_digest(gates))
    results = evaluate_gates(gates, report.gated_cells, report.has_baseline)
    return dataclasses.replace(report, gates=results, gates_changed=changed, gate_moves=moves)


def evaluate_gates(
    gates: Sequence[Gate], cells: Sequence[CellRow], has_baseline: bool,
) -> tuple[GateResult, ...]:
    """Each gate's verdicts: every rule of the gate on every cell its `where` selects."""
    return tuple(_evaluate(gate, cells, has_baseline) for gate in gates)


def _evaluate(gate: Gate, cells: Sequence[CellRow], has_baseline: bool) -> GateResult:
    covered = [cell for cell in cells if applies(gate.where, cell)]
    rules = [(label, _usable_only(rule)) for label, rule in gate_rules(gate, has_baseline, covered)]
    verdicts = [
        Verdict(gate=gate.name, rule=label, key=cell.key, passed=passed, reason=_of_repeats(cell) + reason)
        for cell in covered
        for label, rule in rules
        for passed, reason in [rule(cell)]
    ]
    labels = tuple(label for label, _ in rules)
    return GateResult(gate.name, describe_where(gate.where), labels, tuple(verdicts))


def _of_repeats(cell: CellRow) -> str:
    """`3 repeats: ` before the reason of a repeated cell's verdict (judged on their means)."""
    return f"{len(cell.repeat_keys)} repeats: " if cell.repeat_keys else ""


def applies(where: GateWhere, cell: CellRow) -> bool:
    """Whether the gate's `where` (equality on collection, pipeline, rubric) selects the cell."""
    wanted = {"collection": where.collection, "pipeline": where.pipeline, "rubric": where.rubric}
    actual = {"collection": cell.collection, "pipeline": cell.pipeline, "rubric": cell.rubric}
    return all(value is None or actual[axis] == value for axis, value in wanted.items())


def describe_where(where: GateWhere) -> str:
    """`pipeline=invoice rubric=fields`, or `all cells`."""
    parts = [f"{axis}={value}" for axis, value in where.model_dump().items() if value is not None]
    return " ".join(parts) or "all cells"


def gate_rules(gate: Gate, has_baseline: bool, covered: Sequence[CellRow] = ()) -> list[tuple[str, Rule]]:
    """The gate's rules as (label, check) pairs, in a fixed order. `covered`: the cells the gate
    applies to, which a rule with `correction` judges as one family."""
    confidence = Confidence(gate.confidence, gate.correction == "holm") if gate.confidence else None
    at = f" {confidence.label}" if confidence else ""
    rules: list[tuple[str, Rule]] = []
    if gate.min_score is not None:
        rule = _min_score(gate.min_score)
        if confidence:
            rule = min_score_rule(gate.min_score, confidence, covered, rule)
        rules.append((f"min_score >= {gate.min_score:g}{at}", rule))
    if gate.max_drop is not None:
        rule = _max_drop(gate.max_drop, has_baseline)
        if confidence and has_baseline:
            rule = max_drop_rule(gate.max_drop, confidence, covered, rule)
        rules.append((f"max_drop <= {gate.max_drop:g}{at}", rule))
    if gate.min_completed_ratio is not None:
        ratio = gate.min_completed_ratio
        rules.append((f"min_completed_ratio >= {ratio:g}", _min_completed_ratio(ratio)))
    return rules


def _usable_only(rule: Rule) -> Rule:
    """A cell that is not finished, has no score or an untrustworthy one fails every rule."""
    def checked(cell: CellRow) -> tuple[bool, str]:
        reason = cell.unusable
        return (False, reason) if reason is not None else rule(cell)
    return checked


def _min_score(bar: float) -> Rule:
    def rule(cell: CellRow) -> tuple[bool, str]:
        assert cell.score is not None  # _usable_only
        passed = cell.score >= bar - EPSILON
        return passed, f"score {cell.score:.3f} {'>=' if passed else '<'} {bar:g}"
    return rule


def _max_drop(bar: float, has_baseline: bool) -> Rule:
    def rule(cell: CellRow) -> tuple[bool, str]:
        if not has_baseline:
            return True, "no baseline given: passes"
        if cell.change == NEW:
            return True, "new cell (not in the baseline): passes"
        if cell.baseline_score is None:
            return True, "the baseline has no score for this cell: passes"
        assert cell.score is not None  # _usable_only
        drop = cell.baseline_score - cell.score
        passed = drop <= bar + EPSILON
        moved = f"{cell.baseline_score:.3f} -> {cell.score:.3f}"
        note = "; inputs changed" if cell.inputs_changed else ""
        if drop > bar + EPSILON and cell.paired is not None and cell.paired.apart:
            note += f"; paired: {delta_text(cell.paired)}; {cell.paired.apart}"  # why the cell moved
        if drop <= EPSILON:
            return True, f"no drop ({moved}){note}"
        return passed, f"dropped {drop:.3f} ({moved}) {'<=' if passed else '>'} {bar:g}{note}"
    return rule


def _min_completed_ratio(bar: float) -> Rule:
    def rule(cell: CellRow) -> tuple[bool, str]:
        total = cell.total_files
        # Completed files only: with per-file results, failed (and unknown) files never count.
        completed = cell.ok_files if cell.ok_files is not None else cell.completed_files
        if total is None or completed is None:
            return False, "no file counts (the service did not report them)"
        if total == 0:
            return False, "the run had no files"
        ratio = completed / total
        passed = ratio >= bar - EPSILON
        relation = ">=" if passed else "<"
        return passed, f"{completed}/{total} files completed ({ratio:.0%}) {relation} {bar:.0%}"
    return rule
