"""Every format against golden files, plus what each format promises on its own.

Regenerate the golden files after an intended change with
`EVALSPEC_UPDATE_GOLDEN=1 python -m pytest tests/report/test_report_formats.py` and review the diff.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from other_process import outputs_under_hash_seeds
from report_fixtures import GATES, GOLDEN, STATE_DIR, fixture_lock, fixture_report

from evalspec.backend.results_rows import FILENAME, RunRows
from evalspec.errors import InputError
from evalspec.report.build import Side, build_report
from evalspec.report.document import FORMAT_VERSION
from evalspec.report.formats import render, render_template
from evalspec.report.gates import with_gates
from evalspec.report.results import finished_runs, load_results, read_cached

GOLDEN_FILES = {"markdown": "report.md", "html": "report.html", "junit": "junit.xml", "json": "report.json"}
HOSTILE = ("<script>alert(1)</script>.pdf", "\"&'.pdf")


@pytest.mark.parametrize("fmt", sorted(GOLDEN_FILES))
def test_golden(fmt: str) -> None:
    text = render(fixture_report(), fmt)
    golden = GOLDEN / GOLDEN_FILES[fmt]
    if os.environ.get("EVALSPEC_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


RENDER_IN_ANOTHER_PROCESS = """
import json
from report_fixtures import fixture_report
from evalspec.report.formats import render
print(json.dumps({fmt: render(fixture_report(), fmt) for fmt in ("markdown", "html", "junit", "json")}))
"""


def test_rendering_does_not_depend_on_the_hash_seed() -> None:
    here = {fmt: render(fixture_report(), fmt) for fmt in ("markdown", "html", "junit", "json")}
    for output in outputs_under_hash_seeds(RENDER_IN_ANOTHER_PROCESS):
        assert json.loads(output) == here


def _shuffled(side: Side, rng: random.Random) -> Side:
    """The same lock and results, with cells and per-run files in another order."""
    assert side.lock is not None
    cells = list(side.lock.cells.items())
    rng.shuffle(cells)
    results = {}
    for key, run in reversed(list(side.results.items())):
        order = list(range(len(run.files)))
        if len({line[FILENAME] for line in run.files}) == len(order):  # repeated names pair up by position
            rng.shuffle(order)
        results[key] = RunRows([run.files[i] for i in order], [run.checks(i) for i in order])
    return Side(side.name, side.lock.model_copy(update={"cells": dict(cells)}), results)


@pytest.mark.parametrize("seed", range(3))
def test_rendering_does_not_depend_on_the_order_of_its_inputs(seed: int) -> None:
    rng = random.Random(seed)
    current, baseline = fixture_lock("current"), fixture_lock("baseline")
    now = Side("evalspec.lock", current, load_results(current, STATE_DIR))
    then = Side("baseline.lock", baseline, read_cached(baseline, list(finished_runs(baseline)), STATE_DIR))
    now_shuffled, then_shuffled = _shuffled(now, rng), _shuffled(then, rng)
    assert now_shuffled.lock is not None and list(now_shuffled.lock.cells) != list(current.cells)
    report = build_report(now_shuffled, then_shuffled)
    shuffled = with_gates(report, GATES, baseline.gates, baseline.gate_rules)
    for fmt in GOLDEN_FILES:
        assert render(shuffled, fmt) == render(fixture_report(), fmt)


class Collector(HTMLParser):
    """Tags, attribute values and text of a page, as a browser's parser would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []
        self.attributes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [value or "" for _, value in attrs]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_escapes_hostile_file_names() -> None:
    page = render(fixture_report(), "html")
    parsed = Collector()
    parsed.feed(page)
    parsed.close()
    assert parsed.tags.count("script") == 1  # ours, the table sorter
    text = "".join(parsed.text)
    for name in HOSTILE:
        assert name in text  # shown to the reader as written...
        assert name not in page  # ...but never present raw in the markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.pdf" in page
    assert "&#34;&amp;&#39;.pdf" in page
    assert not any("alert" in value for value in parsed.attributes)


def test_html_is_self_contained_with_a_heatmap_and_bar_pairs() -> None:
    page = render(fixture_report(), "html")
    parsed = Collector()
    parsed.feed(page)
    assert not [v for v in parsed.attributes if v.startswith(("http:", "https:", "//"))]
    assert "link" not in parsed.tags and "img" not in parsed.tags
    assert page.count('class="heatmap"') == 3  # one grid per rubric
    assert page.count('class="bars"') == 6  # a score/baseline bar pair per cell
    assert 'class="bars"' not in render(fixture_report(baseline=False), "html")


def test_junit_counts() -> None:
    root = ET.fromstring(render(fixture_report(), "junit"))
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    failed = [case.get("name") for case in cases if case.find("failure") is not None]
    assert len(cases) == 5  # the removed cell is not a test
    assert failed == [
        "invoices/invoice/invoice-fields",
        "invoices/markdown/report-quality",
        "reports/sections/report-sections",
    ]
    for element in (root, suite):
        counts = [element.get(name) for name in ("tests", "failures", "errors", "skipped")]
        assert counts == ["5", "3", "0", "0"]
    assert all(case.get("classname", "").startswith("evalspec.") and case.get("time") for case in cases)
    failure = cases[0].find("failure")
    assert failure is not None
    assert failure.get("message") == (
        "no-regression: dropped 0.050 (0.900 -> 0.850) > 0.02; 2 files with failing checks"
    )
    body = failure.text or ""
    assert "inv-002.pdf: 0.800\n  FAIL field_present field='po_number': po_number missing" in body
    assert "FAIL truth_fields: no .truth.json sidecar" in body
    assert "inv-001.pdf" not in body  # every check of it passed


def test_junit_drops_characters_xml_cannot_carry() -> None:
    report = fixture_report()
    cells = tuple(dataclasses.replace(cell, status="bad\x01status") for cell in report.cells)
    text = render(dataclasses.replace(report, cells=cells), "junit")
    ET.fromstring(text)  # would raise on a raw \x01, which XML 1.0 cannot carry even escaped
    assert "status badstatus" in text


def test_json_is_versioned_and_complete() -> None:
    document = json.loads(render(fixture_report(), "json"))
    assert document["format_version"] == FORMAT_VERSION == 1
    assert document["summary"]["removed"] == 1 and document["summary"]["checks_failed"] == 5
    sections = next(c for c in document["cells"] if c["key"] == "reports/sections/report-sections")
    assert {f["filename"] for f in sections["files"]} >= set(HOSTILE)
    assert sections["failed_files"] == 1 and sections["gates_failed"] == 2


def test_markdown_escapes_table_syntax_and_html() -> None:
    text = render(fixture_report(), "markdown")
    assert "broken \\| \\*file\\*.pdf" in text
    assert "&lt;script>alert(1)&lt;/script>.pdf" in text
    assert "<script>" not in text


def test_unknown_format_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown report format"):
        render(fixture_report(), "pdf")


def test_user_template(tmp_path: Path) -> None:
    template = tmp_path / "mine.html.j2"
    template.write_text("{% for c in report.cells %}<li>{{ c.key }} {{ c.score|score }}</li>{% endfor %}")
    text = render_template(fixture_report(), template)
    assert "<li>invoices/invoice/invoice-fields 0.850</li>" in text
    names = tmp_path / "files.html"  # no .j2 suffix: still html, still escaped
    names.write_text(
        "{% for c in report.cells %}{% for f in c.files %}{{ f.filename }}\n{% endfor %}{% endfor %}"
    )
    assert "&lt;script&gt;" in render_template(fixture_report(), names)  # autoescaped: it is html


@pytest.mark.parametrize(("body", "message"), [
    ("{{ report.no_such_key }}", "mine.txt:1: UndefinedError"),
    ("line one\n{% for %}", "mine.txt:2: TemplateSyntaxError"),
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "SecurityError"),
    ("{{ report.__class__ }}", "mine.txt"),
])
def test_user_template_errors_and_the_sandbox(tmp_path: Path, body: str, message: str) -> None:
    template = tmp_path / "mine.txt"
    template.write_text(body)
    with pytest.raises(InputError, match=message.replace(".", r"\.")):
        render_template(fixture_report(), template)


def test_json_has_every_check_with_its_reason() -> None:
    document = json.loads(render(fixture_report(), "json"))
    invoices = next(c for c in document["cells"] if c["key"] == "invoices/invoice/invoice-fields")
    inv2 = next(f for f in invoices["files"] if f["filename"] == "inv-002.pdf")
    assert inv2["failing_checks"] == 2 and len(inv2["checks"]) == 4
    assert inv2["checks"][1] == {
        "kind": "field_present", "params": "field='po_number'", "passed": False, "weight": 1.0,
        "score": 0.0, "reason": "po_number missing",
    }
    assert inv2["request_id"] == "2" and inv2["lookup_key"] == "k2"
    sections = next(c for c in document["cells"] if c["key"] == "reports/sections/report-sections")
    broken = next(f for f in sections["files"] if f["filename"] == "broken | *file*.pdf")
    assert broken["error"] == "PdfReadError: EOF marker not found"


def between(text: str, start: str, end: str) -> str:
    """The part of `text` from `start` up to the next `end`."""
    part = text[text.index(start):]
    return part[: part.index(end)]


def test_html_lists_failing_checks_expandable_to_all() -> None:
    row = between(render(fixture_report(), "html"), "<td>inv-002.pdf</td>", "</tr>\n<tr>")
    assert "po_number missing" in row and "does not match" in row
    assert "<summary>all 4 checks</summary>" in row
    assert "found &#39;Total&#39;" in row  # a passing check, inside the expandable table only
    assert row.index("found &#39;Total&#39;") > row.index("<details>")


def test_html_colours_a_cell_by_its_gates_and_has_a_legend() -> None:
    page = render(fixture_report(), "html")
    # 0.850 fails no-regression: not the green-ish hue of its score (hsl(102, ...)), but still
    # coloured by its score: the failing 0.600 is redder and darker.
    tile = between(page, "<title>invoices/invoice/invoice-fields: 0.850", "</g>")
    assert "hsl(38, 75%, 78%)" in tile and 'stroke="#b91c1c"' in tile
    lower = between(page, "<title>reports/sections/report-sections: 0.600", "</g>")
    assert "hsl(27, 75%, 72%)" in lower and 'stroke="#b91c1c"' in lower
    assert 'class="legend"' in page
    assert "rich[output_format=markdown+html]</text>" in page  # column headers are never cut


def test_markdown_escapes_no_more_than_it_must() -> None:
    text = render(fixture_report(), "markdown")
    assert "min_score >= 0.8" in text and "completed_with_errors" in text
    assert "\\_" not in text
