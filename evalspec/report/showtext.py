"""The text `evalspec show` prints: one cell (request, run, score, files) or one file (every check)."""

from __future__ import annotations

import json
from typing import Any

from evalspec.base.text import plural
from evalspec.lock.lockfile import LockCell
from evalspec.plan.request import SCHEMA_FIELDS
from evalspec.report.jsontypes import Json, JsonView
from evalspec.report.paired import DEFAULT_CONFIDENCE, paired_json
from evalspec.report.values import CellRow, CheckDocument, FileRow

MAX_OUTPUT_LINES = 60  # of a file's output, in the text view (--json has it all)


def request_lines(cell: LockCell, schemas: JsonView) -> list[str]:
    """The request as sent, schemas by name and digest (names when the lock kept them)."""
    lines = []
    for field, value in sorted(cell.request.items()):
        if field in SCHEMA_FIELDS and isinstance(value, str):
            name = (schemas.get(value) or {}).get("name")
            value = f"{name} ({value[:19]})" if name else value
        lines.append(f"  {field}: {'null' if value is None else value}")
    return lines


def cell_lines(row: CellRow, cell: LockCell, schemas: JsonView,
               confidence: float = DEFAULT_CONFIDENCE) -> list[str]:
    """The cell view."""
    lines = [f"cell {row.key}", "request:", *request_lines(cell, schemas)]
    run = row.run_id if row.run_id is not None else "(none yet)"
    lines.append(f"run {run}: {row.status or 'not submitted'}")
    lines.append(f"  submitted {row.submitted_at or '-'}, completed {row.completed_at or '-'}")
    score = "-" if row.score is None else f"{row.score:.3f}"
    if row.baseline_score is not None:
        score += f" (baseline {row.baseline_score:.3f}, {row.delta:+.3f})" if row.delta is not None else ""
    done = f"{row.completed_files}/{row.total_files}" if row.total_files is not None else "-"
    lines.append(f"score {score}; files completed {done}")
    if row.paired is not None:
        lines.append(f"paired: {paired_json(row.paired, confidence)['text']}")
    if row.not_evaluated:  # skipped checks weigh nothing: a misspelt kind raises the score
        kinds = ", ".join(sorted(set(row.not_evaluated)))
        lines.append(f"{plural(len(row.not_evaluated), 'check')} not evaluated: {kinds} (the backend "
                     "does not know the kind; a skipped check raises the score instead of failing)")
    if not row.files:
        lines.append("files: no per-file results cached for this run")
        return lines
    lines.append("files:")
    width = max(len(f.filename) for f in row.files)
    lines += [_file_summary(f, width) for f in row.files]
    return lines


def _file_summary(row: FileRow, width: int) -> str:
    score = "-" if row.score is None else f"{row.score:.3f}"
    failing = len(row.failing_checks)
    note = f"{failing} of {plural(len(row.checks), 'check')} failing" if failing else ""
    if row.failed:
        note = f"{row.status}" + (f": {row.error}" if row.error else "")
    mark = "FAIL" if row.failed or failing else "ok  "
    return f"  {mark} {row.filename:<{width}}  {score}  {note}".rstrip()


def file_lines(key: str, row: FileRow, run_id: int | None, output: Json | None,
               output_elsewhere: str | None = None) -> list[str]:
    """The file view: score, ids, every check, then the output when the backend kept it (or,
    `output_elsewhere`, where it is kept)."""
    score = "-" if row.score is None else f"{row.score:.3f}"
    ids = ", ".join(f"{name} {value}" for name, value in (("request_id", row.request_id),
                    ("lookup_key", row.lookup_key)) if value is not None)
    against = "" if row.baseline_score is None else f" (baseline {row.baseline_score:.3f}" + (
        f", delta {row.delta:+.3f})" if row.delta is not None else ")")
    lines = [f"{key} {row.filename}: score {score}{against}, {row.status or 'only in the baseline'}",
             f"  run {run_id}" + (f", {ids}" if ids else "")]
    if row.error:
        lines.append(f"  error: {row.error}")
    lines.append(f"checks ({len(row.failing_checks)} of {plural(len(row.checks), 'check')} failing):")
    lines += [_check_line(check) for check in row.checks] or ["  (the backend reported no checks)"]
    lines += [f"output: {output_elsewhere}"] if output_elsewhere is not None else output_lines(output)
    return lines


def _check_line(check: CheckDocument) -> str:
    verdict = {True: "PASS", False: "FAIL", None: "----"}[check["passed"]]
    weight = "" if check["weight"] is None else f" weight {check['weight']:g}"
    score = "" if check["score"] is None else f" score {check['score']:.3f}"
    params = f" {check['params']}" if check["params"] else ""
    numbers = f":{weight}{score}" if weight or score else ""
    return f"  {verdict} {check['kind']}{params}{numbers}: {check['reason']}"


RENDERINGS = ("markdown", "json", "html", "chunks")  # what convert renders; the rest is a product


def output_lines(output: Json | None) -> list[str]:
    """The pipeline's output: what an extract or segment pipeline produced (its fields or
    sections, as JSON: what the checks read), else its markdown as written, else its JSON; cut
    after a screenful."""
    if output is None:
        return ["output: not kept by this backend (Datalab's results carry ids only)"]
    product = {key: value for key, value in output.items() if key not in RENDERINGS}
    text = output.get("markdown") if isinstance(output.get("markdown"), str) and not product else None
    fields_only = set(product) == {"extraction"}
    if product:
        label = " (extracted fields)" if fields_only else f" ({', '.join(sorted(product))})"
        shown: Any = product["extraction"] if fields_only else product
    else:
        label, shown = (" (markdown)" if text is not None else ""), output
    body = (text or json.dumps(shown, indent=2, sort_keys=True, ensure_ascii=False)).splitlines()
    cut = body[:MAX_OUTPUT_LINES]
    left = len(body) - len(cut)
    more = [f"  ... ({left} more lines; --json has them all)"] if left else []
    return ["output:" + label, *(f"  {line}" for line in cut), *more]
