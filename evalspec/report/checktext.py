"""The text `evalspec check` prints: each gate, each cell it applies to with PASS/FAIL, a summary."""

from __future__ import annotations

from typing import Any

from evalspec.base.text import plural
from evalspec.report.values import Report


def check_lines(report: Report) -> list[str]:
    """Gate by gate, then the summary line; notes first when the bar moved or there is no baseline."""
    lines = _notes(report)
    for gate in report.gates:
        lines.append(f"gate {gate.name} ({gate.where}): {', '.join(gate.rules)}")
        if not gate.verdicts:
            lines.append("  warning: applies to no cell (check its `where`)")
        lines += [
            f"  {'PASS' if v.passed else 'FAIL'} {v.key}: {v.rule}: {v.reason}" for v in gate.verdicts
        ]
    lines.append(summary_line(report))
    return lines


def _notes(report: Report) -> list[str]:
    notes = []
    if report.gates_changed:
        which = "the baseline" if report.has_baseline and not report.baseline_empty else "the lock"
        notes.append(f"note: the gates differ from the ones {which} was applied with (a bar was moved)")
        notes += [f"  {move}" for move in report.gate_moves]
    drops = any(rule.startswith("max_drop") for gate in report.gates for rule in gate.rules)
    if report.baseline_name is None and drops:
        notes.append("note: no --baseline given: max_drop gates pass without comparing")
    elif report.baseline_empty and drops:
        notes.append(f"note: baseline {report.baseline_name} holds no lock: max_drop gates pass")
    return notes


def summary_line(report: Report) -> str:
    """`2 of 4 gates failed (3 of 12 checks)` or `All 4 gates passed (12 checks)`."""
    if not report.gates:
        return "No gates in the spec: nothing to check."
    checks = [v for gate in report.gates for v in gate.verdicts]
    failed_gates = sum(1 for gate in report.gates if not gate.passed)
    if failed_gates:
        failed_checks = sum(1 for v in checks if not v.passed)
        counts = f"{failed_checks} of {plural(len(checks), 'check')}"
        return f"FAILED: {failed_gates} of {plural(len(report.gates), 'gate')} failed ({counts})."
    every = "all " if len(report.gates) > 1 else ""
    return f"OK: {every}{plural(len(report.gates), 'gate')} passed ({plural(len(checks), 'check')})."


CHECK_FORMAT_VERSION = 1


def check_json(report: Report) -> dict[str, Any]:
    """`check --json`: every gate with its verdicts, and whether all passed (versioned)."""
    return {
        "format_version": CHECK_FORMAT_VERSION,
        "passed": not report.failed_verdicts,
        "summary": summary_line(report),
        "gates": [
            {
                "name": gate.name, "where": gate.where, "rules": list(gate.rules), "passed": gate.passed,
                "verdicts": [
                    {"cell": v.key, "rule": v.rule, "passed": v.passed, "reason": v.reason}
                    for v in gate.verdicts
                ],
            }
            for gate in report.gates
        ],
    }
