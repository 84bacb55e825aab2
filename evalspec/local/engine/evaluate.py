"""Scoring one file: run the pipeline, run every check, weigh the scores."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# Re-exported: http/start_run.py takes them from here.
from evalspec.base.truth import TRUTH_SUFFIXES as TRUTH_SUFFIXES
from evalspec.base.truth import is_sidecar as is_sidecar
from evalspec.local.engine.checks import Truth, is_known_kind, run_check
from evalspec.local.engine.documents import Document
from evalspec.local.engine.pipelines import PipelineRequest, run_pipeline

NOT_EVALUATED = "not evaluated locally"


def truth_from(sidecars: dict[str, bytes]) -> Truth:
    """The Truth of a document from its sidecars' bytes, keyed by suffix."""
    md = sidecars.get(".truth.md")
    data = sidecars.get(".truth.json")
    return Truth(md.decode("utf-8-sig") if md is not None else None,
                 json.loads(data.decode("utf-8-sig")) if data is not None else None)


@dataclass(frozen=True)
class FileScore:
    """A file's weighted score and its eval_results object."""

    score: float
    results: dict[str, Any]
    output: dict[str, Any]  # the pipeline's whole output (the service keeps it for `evalspec show`)


def score_file(doc: Document, request: PipelineRequest, definition: dict[str, Any],
               truth: Truth) -> FileScore:
    """Run the pipeline on `doc` and score its output against every evaluation it knows.

    Kinds the engine does not know are recorded as skipped ("not evaluated locally") and weigh
    nothing; a definition of unknown kinds only scores 0 (the plan warns about it).
    """
    output = run_pipeline(doc, request)
    evaluations = definition.get("evaluations") or []
    checks = [_scored(ev, output, truth) for ev in evaluations if is_known_kind(ev.get("kind"))]
    skipped = [{"kind": ev.get("kind"), "reason": NOT_EVALUATED}
               for ev in evaluations if not is_known_kind(ev.get("kind"))]
    total = sum(float(c["weight"]) for c in checks)
    score = sum(float(c["weight"]) * c["score"] for c in checks) / total if total else 0.0
    results = {"checks": checks, "pages": len(doc.pages),
               "passed": sum(bool(c["passed"]) for c in checks),
               "total": len(checks), "output": summarize(output)}
    if skipped:
        results["skipped"] = skipped
    return FileScore(score, results, output)


def _scored(ev: dict[str, Any], output: dict[str, Any], truth: Truth) -> dict[str, Any]:
    outcome = run_check(ev, output, truth)
    params = {k: v for k, v in ev.items() if k not in ("kind", "weight")}
    return {"kind": ev["kind"], "weight": ev.get("weight", 1), "params": params,
            "score": round(outcome.score, 6), "passed": outcome.passed, "reason": outcome.reason}


def summarize(output: dict[str, Any]) -> dict[str, Any]:
    """The structured parts of the output (extraction, segments), without long renderings."""
    return {k: v for k, v in output.items() if k in ("extraction", "segments")}
