"""Every format against golden files, plus what each format promises on its own.

Regenerate the golden files after an intended change with
`EVALSPEC_UPDATE_GOLDEN=1 python -m pytest tests/test_report_formats.py` and review the diff.
"""

from __future__ import annotations

import dataclasses
import json
import os
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from report_fixtures import GOLDEN, fixture_report

from evalspec.errors import InputError
from evalspec.report.document import FORMAT_VERSION
from evalspec.report.formats import render, render_template

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


def test_rendering_is_deterministic() -> None:
    for fmt in GOLDEN_FILES:
        assert render(fixture_report(), fmt) == render(fixture_report(), fmt)


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
    assert failure.get("message") == "no-regression: dropped 0.050 (0.900 -> 0.850) > 0.02"


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
