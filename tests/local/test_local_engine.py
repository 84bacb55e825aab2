"""The engine in-process: readers, renderings, extraction, segmentation, checks, knobs."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from evalspec.local.engine.blocks import UnsupportedDocument
from evalspec.local.engine.checks import Truth, run_check, validate_definition
from evalspec.local.engine.convert import convert, parse_output_format
from evalspec.local.engine.documents import parse_document
from evalspec.local.engine.extract import extract
from evalspec.local.engine.segment import segment
from evalspec.local.http.ratelimit import SlidingWindow

ROOT = Path(__file__).parents[2]
SAMPLES = ROOT / "specs" / "data"


def _doc(rel: str) -> Any:
    path = SAMPLES / rel
    return parse_document(path.name, path.read_bytes())


def test_pdf_pages_and_headings_from_font_sizes() -> None:
    doc = _doc("reports/annual-report.pdf")
    assert len(doc.pages) == 3
    headings = [(n, b.level, b.text) for n, b in doc.lines if b.is_heading]
    assert headings == [(1, 1, "Annual Report 2025"), (1, 2, "Summary"), (1, 2, "Findings"),
                        (2, 2, "Risks"), (3, 2, "Next Steps")]


def test_html_and_markdown_page_breaks_and_tables() -> None:
    html = _doc("invoices/hooli-0004.html")
    assert len(html.pages) == 2
    rows = [b.cells for _, b in html.lines if b.cells]
    assert rows[1] == ("Compression licence", "1", "4,000.00", "4,000.00")
    assert len(_doc("reports/handbook.md").pages) == 2
    text = parse_document("n.txt", b"one\n\ntwo\fthree")
    assert [p.text for p in text.pages] == ["one\ntwo", "three"]


def test_unsupported_files_are_refused() -> None:
    with pytest.raises(UnsupportedDocument):
        parse_document("x.docx", b"PK")
    with pytest.raises(UnsupportedDocument):
        parse_document("x.pdf", b"not a pdf at all")


def test_convert_renders_every_format() -> None:
    doc = parse_document("r.md", b"# Title\n\nBody text.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    out = convert(doc, parse_output_format("chunks,html,json,markdown"))
    assert list(out) == ["markdown", "json", "html", "chunks"]
    assert out["markdown"] == "# Title\n\nBody text.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    assert "<h1>Title</h1><p>Body text.</p><table><tr><td>a</td>" in out["html"]
    assert out["json"]["pages"][0]["blocks"][0] == {"type": "heading", "level": 1,
                                                    "text": "Title"}
    assert out["chunks"] == [{"id": 0, "page": 1, "heading": "Title",
                              "text": "Title\nBody text.\na | b\n1 | 2"}]
    assert parse_output_format(None) == ("markdown",)
    with pytest.raises(ValueError, match="pdf"):
        parse_output_format("markdown,pdf")


def test_extract_matches_labels_by_name_or_description_and_coerces() -> None:
    doc = parse_document("i.txt", b"INVOICE-NO: A-7\nGrand total: $1,234.50\nUnits: 3\n"
                                  b"Shipped: yes\nTags: red, green\nShip To\nCity: Oslo\n")
    schema = {"properties": {
        "invoice_no": {"type": "string"},
        "total": {"type": "number", "description": "Grand Total"},
        "units": {"type": "integer"}, "shipped": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "shipping": {"type": "object", "description": "Ship to",
                     "properties": {"city": {"type": "string"}}},
        "missing": {"type": "string"}}}
    assert extract(doc, schema) == {
        "invoice_no": "A-7", "total": 1234.5, "units": 3, "shipped": True,
        "tags": ["red", "green"], "shipping": {"city": "Oslo"}, "missing": None}


def test_segment_numbered_headings_and_missing_sections() -> None:
    doc = parse_document("s.md", b"# 1. Intro\n\ntext\n<!-- pagebreak -->\n## 2.1 Method\n")
    schema = {"sections": [{"name": "Intro"}, {"name": "Method"}, {"name": "Results"}]}
    assert segment(doc, schema)["segments"] == [
        {"name": "Intro", "description": None, "heading": "1. Intro", "page_range": [1, 1]},
        {"name": "Method", "description": None, "heading": "2.1 Method", "page_range": [2, 2]}]


OUTPUT = {"markdown": "# Report\n\nThe  QUICK brown\nfox.", "extraction": {
    "a": {"b": [{"c": 5}]}, "empty": "", "date": "2026-01-02"},
          "segments": [{"name": "Intro"}]}


@pytest.mark.parametrize(("check", "score"), [
    ({"kind": "text_contains", "text": "quick   BROWN fox"}, 1.0),
    ({"kind": "text_contains", "text": "lazy dog"}, 0.0),
    ({"kind": "text_absent", "text": "lazy dog"}, 1.0),
    ({"kind": "text_absent", "text": "report"}, 0.0),
    ({"kind": "order", "before": "report", "after": "fox"}, 1.0),
    ({"kind": "order", "before": "fox", "after": "report"}, 0.0),
    ({"kind": "order", "before": "report", "after": "dog"}, 0.0),
    ({"kind": "field_present", "field": "a.b.0.c"}, 1.0),
    ({"kind": "field_present", "field": "empty"}, 0.0),
    ({"kind": "field_present", "field": "a.b.1.c"}, 0.0),
    ({"kind": "field_matches", "field": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}, 1.0),
    ({"kind": "field_matches", "field": "a.b.0.c", "pattern": "^6$"}, 0.0),
    ({"kind": "segment_present", "section": "intro"}, 1.0),
    ({"kind": "segment_present", "section": "Outro"}, 0.0),
])
def test_binary_checks(check: dict[str, Any], score: float) -> None:
    outcome = run_check(check, OUTPUT, Truth())
    assert (outcome.score, outcome.passed) == (score, score == 1.0)
    assert outcome.reason


def test_truth_similarity_gives_partial_credit() -> None:
    # Output tokens: report the quick brown fox (5); truth: report the slow brown fox (5).
    # Four tokens match in order: 2 * 4 / (5 + 5) = 0.8.
    truth = Truth(markdown="## Report\nthe slow brown fox")
    outcome = run_check({"kind": "truth_similarity"}, OUTPUT, truth)
    assert outcome.score == pytest.approx(0.8) and outcome.passed
    strict = run_check({"kind": "truth_similarity", "threshold": 0.9}, OUTPUT, truth)
    assert not strict.passed
    assert run_check({"kind": "truth_similarity"}, OUTPUT, Truth()).score == 0.0


def test_truth_fields_counts_equal_leaves() -> None:
    # Leaves: a.b.0.c (5, equal), date (equal up to case), other (absent): 2 of 3.
    truth = Truth(data={"a": {"b": [{"c": 5.0}]}, "date": "2026-01-02", "other": 1})
    outcome = run_check({"kind": "truth_fields"}, OUTPUT, truth)
    assert outcome.score == pytest.approx(2 / 3)
    only = run_check({"kind": "truth_fields", "fields": ["a"]}, OUTPUT, truth)
    assert only.score == 1.0
    assert run_check({"kind": "truth_fields"}, OUTPUT, Truth()).score == 0.0


def test_definition_validation_messages() -> None:
    assert validate_definition({"evaluations": []}) == []
    assert validate_definition({"evaluations": [{"kind": "truth_fields", "fields": "a"}]}) == [
        "evaluations[0]: fields must be a list of dot paths"]
    for rubric in (ROOT / "specs" / "rubrics").glob("*.yaml"):
        import yaml

        assert validate_definition(yaml.safe_load(rubric.read_text())) == [], rubric


def test_sliding_window_refills() -> None:
    now = [0.0]
    window = SlidingWindow(2, 10.0, clock=lambda: now[0])
    assert [window.acquire(), window.acquire()] == [0.0, 0.0]
    assert window.acquire() == pytest.approx(10.0)
    now[0] = 10.0
    assert window.acquire() == 0.0


def test_sample_truth_is_what_the_schema_describes() -> None:
    schema = json.loads((ROOT / "schemas" / "invoice.json").read_text())
    for truth_file in (SAMPLES / "invoices").glob("*.truth.json"):
        assert set(json.loads(truth_file.read_text())) == set(schema["properties"])


def test_custom_pipelines_load_from_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib.metadata import EntryPoint

    from evalspec.local.engine import pipelines

    found = [EntryPoint("cp_ep", "tests_local_plugin:run", pipelines.ENTRY_POINT_GROUP)]

    def fake_entry_points(group: str) -> list[EntryPoint]:
        return found if group == pipelines.ENTRY_POINT_GROUP else []

    plugin = type(sys)("tests_local_plugin")
    plugin.run = lambda doc, request: {"markdown": "from a plugin"}  # type: ignore[attr-defined]  # a module built on the fly
    monkeypatch.setitem(sys.modules, "tests_local_plugin", plugin)
    monkeypatch.setattr(pipelines, "entry_points", fake_entry_points)
    doc = parse_document("a.txt", b"text")
    request = pipelines.PipelineRequest("convert", "cp_ep", None, None, ("markdown",))
    assert pipelines.run_pipeline(doc, request) == {"markdown": "from a plugin"}
    assert pipelines.lookup_pipeline("cp_other") is None
