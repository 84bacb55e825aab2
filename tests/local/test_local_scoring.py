"""Each pipeline and each check kind on the sample files, end to end through the server.

Expected scores are worked out by hand from the sample data (see specs/data/make_sample_pdfs.py):
- invoice-fields (5 checks of weight 1, truth_fields of weight 2, so 7 in all): acme, globex
  and hooli extract perfectly: 1. Initech's date is written "March 3, 2026" (field_matches on
  `^\\d{4}-\\d{2}-\\d{2}$` scores 0) and its PDF has no "Paid" line while the truth says false,
  so truth_fields is 18/19 (19 leaves: 7 header/party fields, 2 items x 4, 4 totals):
  (4 + 0 + 2 * 18/19) / 7 = 16/19.
- report-quality (3 binary checks, truth_similarity of weight 2, so 5): the PDF and Markdown
  reports convert to exactly their truth's words: 1. field-notes.html contains "TODO"
  (text_absent 0) and its truth spells "color" where the page says "colour": one substituted
  token out of N on each side gives a difflib ratio of 2(N-1)/2N, so
  (1 + 0 + 1 + 2(N-1)/N) / 5.
- report-sections: the handbook has no Risks heading: 3/4; the others have all four: 1.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from local_server import REPO_ROOT, make_collection, make_rubric, sample_files, wait_run

SCHEMAS = REPO_ROOT / "schemas"
FIELD_NOTES_TRUTH = REPO_ROOT / "specs/data/reports/field-notes.html.truth.md"


def _schema(name: str) -> str:
    return json.dumps(json.loads((SCHEMAS / name).read_text()), separators=(",", ":"))


def _run(client: httpx.Client, folder: str, rubric: str, **body: Any) -> dict[str, Any]:
    cid = make_collection(client, f"scores-{folder}-{rubric}", sample_files(folder))
    rid = make_rubric(client, rubric, f"{rubric}.yaml")
    started = client.post("/api/v1/eval_batch_runs",
                          json={"collection_id": cid, "eval_rubric_id": rid, **body})
    assert started.status_code == 200, started.text
    run = wait_run(client, started.json()["id"])
    results: dict[str, Any] = client.get(f"/api/v1/eval_batch_runs/{run['id']}/results").json()
    return results


def _scores(results: dict[str, Any]) -> dict[str, float]:
    return {f["filename"]: f["eval_score"] for f in results["file_results"]}


def test_extract_invoices_with_field_checks(local_client: httpx.Client) -> None:
    results = _run(local_client, "invoices", "invoice-fields", pipeline_type="extract",
                   page_schema=_schema("invoice.json"))
    run = results["batch_run"]
    assert (run["status"], run["total_files"], run["completed_files"]) == ("completed", 4, 4)
    scores = _scores(results)
    assert scores == pytest.approx({"acme-0001.pdf": 1.0, "globex-0002.pdf": 1.0,
                                    "hooli-0004.html": 1.0, "initech-0003.pdf": 16 / 19})
    assert run["avg_score"] == pytest.approx((3 + 16 / 19) / 4)
    initech = next(f for f in results["file_results"] if f["filename"] == "initech-0003.pdf")
    checks = initech["eval_results"]["checks"]
    assert [c["kind"] for c in checks] == ["field_present"] * 3 + ["field_matches"] * 2 + [
        "truth_fields"]
    assert [c["passed"] for c in checks] == [True, True, True, True, False, True]
    assert checks[5]["score"] == pytest.approx(18 / 19)
    assert all(set(c) >= {"kind", "score", "passed", "reason"} for c in checks)
    extraction = initech["eval_results"]["output"]["extraction"]
    assert extraction["line_items"][1] == {"description": "Stapler", "quantity": 1,
                                           "unit_price": 19.99, "amount": 19.99}


def test_convert_reports_with_text_and_truth_checks(local_client: httpx.Client) -> None:
    results = _run(local_client, "reports", "report-quality", output_format="markdown,json")
    tokens = len(re.findall(r"\w+", FIELD_NOTES_TRUTH.read_text().lower()))
    field_notes = (1 + 0 + 1 + 2 * (tokens - 1) / tokens) / 5
    assert _scores(results) == pytest.approx({"annual-report.pdf": 1.0, "handbook.md": 1.0,
                                              "field-notes.html": field_notes})
    assert results["batch_run"]["total_files"] == 3  # sidecars are not documents
    notes = next(f for f in results["file_results"] if f["filename"] == "field-notes.html")
    assert [c["passed"] for c in notes["eval_results"]["checks"]] == [True, False, True, True]


def test_segment_reports_with_section_checks(local_client: httpx.Client) -> None:
    results = _run(local_client, "reports", "report-sections", pipeline_type="segment",
                   segmentation_schema=_schema("report-sections.json"))
    assert _scores(results) == pytest.approx({"annual-report.pdf": 1.0, "handbook.md": 0.75,
                                              "field-notes.html": 1.0})
    annual = next(f for f in results["file_results"] if f["filename"] == "annual-report.pdf")
    ranges = {s["name"]: s["page_range"] for s in annual["eval_results"]["output"]["segments"]}
    # Findings starts on page 1 and runs on to page 2, where Risks starts mid-page.
    assert ranges == {"Summary": [1, 1], "Findings": [1, 2], "Risks": [2, 2],
                      "Next Steps": [3, 3]}


def test_rubric_update_applies_to_later_runs_only(local_client: httpx.Client,
                                                  tmp_path: Path) -> None:
    cid = make_collection(local_client, "versioned", {"n.md": b"# Summary\n\nhello\n"})
    rid = make_rubric(local_client, "versioned", "report-quality.yaml")
    failing = {"evaluations": [{"kind": "text_contains", "text": "absent words"}]}
    local_client.put(f"/api/v1/eval_rubrics/{rid}", json={"eval_definition": failing})
    run = local_client.post("/api/v1/eval_batch_runs",
                            json={"collection_id": cid, "eval_rubric_id": rid}).json()
    assert wait_run(local_client, run["id"])["avg_score"] == 0.0
