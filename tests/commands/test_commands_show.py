"""`evalspec show CELL [FILE]`: a cell, a file with every check and its output, missing names (exit 2)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from apply_helpers import applied_copy
from conftest import FIXTURES
from report_fixtures import REPORT_FIXTURES, STATE_DIR

import evalspec.base.paths

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def applied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_evalspec: Run) -> Path:
    """The plan-explain fixture with a TODO in alpha.md, applied on the local backend."""
    return applied_copy(FIXTURES / "plan-explain", tmp_path / "work", tmp_path / "state", run_evalspec,
                        monkeypatch, {"docs/alpha.md": "TODO: the alpha summary\n"})


def test_a_cell(applied: Path, run_evalspec: Run) -> None:
    code, out, err = run_evalspec("show", "docs/seg/words")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "cell docs/seg/words"
    assert "  pipeline_type: segment" in lines
    assert any(line.startswith("  segmentation_schema: sections (sha256:") for line in lines)
    assert lines[-3:] == ["files:", "  FAIL alpha.md  0.500  1 of 2 checks failing", "  ok   beta.md   1.000"]
    assert any(re.fullmatch(r"run \d+: completed", line) for line in lines)  # ids follow submission order


def test_a_file_with_every_check_and_its_output(applied: Path, run_evalspec: Run) -> None:
    code, out, _ = run_evalspec("show", "docs/md/words", "alpha.md")
    assert code == 0
    assert out.splitlines()[2:] == [
        "checks (1 of 2 checks failing):",
        "  PASS text_contains text='summary': weight 1 score 1.000: found 'summary'",
        "  FAIL text_absent text='TODO': weight 1 score 0.000: found 'TODO'",
        "output: (markdown)",
        "  TODO: the alpha summary",
    ]
    code, text, _ = run_evalspec("show", "docs/md/words", "alpha.md", "--json")
    document = json.loads(text)
    assert (document["cell"], document["failing_checks"]) == ("docs/md/words", 1)
    assert document["output"]["markdown"] == "TODO: the alpha summary\n"
    assert document["request_id"] is not None and document["lookup_key"]


def test_missing_names_exit_2_with_the_closest(applied: Path, run_evalspec: Run) -> None:
    code, out, err = run_evalspec("show", "docs/md/word")
    assert (code, out) == (2, "")
    assert err == "error: no cell 'docs/md/word' in the lock; closest: docs/md/words, docs/seg/words\n"
    code, _, err = run_evalspec("show", "docs/md/words", "alpa.md")
    assert code == 2
    assert err == "error: no file 'alpa.md' in cell docs/md/words; closest: alpha.md, beta.md\n"


def test_a_datalab_file_shows_its_ids_and_no_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_evalspec: Run,
) -> None:
    # Results cached from a service that keeps no output: the ids are what there is to go on.
    monkeypatch.setattr(evalspec.base.paths, "default_state_dir", lambda: STATE_DIR)
    lock = tmp_path / "current.lock"
    lock.write_text((REPORT_FIXTURES / "current.lock").read_text().replace("backend: null", "backend: "
                                                                             "https://www.datalab.to"))
    code, out, err = run_evalspec("show", "--lock", str(lock), "--no-fetch",
                                  "invoices/invoice/invoice-fields", "inv-002.pdf")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "invoices/invoice/invoice-fields inv-002.pdf: score 0.800, completed",
        "  run 11, request_id 2, lookup_key k2",
        "checks (2 of 4 checks failing):",
        "  PASS text_contains text='Total': weight 1 score 1.000: found 'Total'",
        "  FAIL field_present field='po_number': weight 1 score 0.000: po_number missing",
        "  FAIL field_matches field='total' pattern='^\\d+\\.\\d{2}$': weight 1 score 0.000: "
        "total='12,00' does not match",
        "  PASS truth_fields: weight 2 score 0.800: 4/5 fields equal: 0.800 (threshold 0.8)",
        "output: not kept by this backend (Datalab's results carry ids only)",
    ]


def test_colour_only_on_a_terminal_without_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    from evalspec import console

    monkeypatch.setattr(console.sys.stdout, "isatty", lambda: True, raising=False)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert console.paint_verdicts(["  FAIL x"]) == ["  \x1b[31mFAIL\x1b[0m x"]
    assert console.paint_plan("  + a/b/c  new cell") == "  \x1b[32m+\x1b[0m a/b/c  new cell"
    monkeypatch.setenv("NO_COLOR", "1")
    assert console.paint_verdicts(["  FAIL x"]) == ["  FAIL x"]
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("CI", "true")
    assert console.paint_plan("  + a") == "  + a"


def test_a_file_against_a_baseline_names_both_scores(applied: Path, run_evalspec: Run) -> None:
    code, out, _ = run_evalspec("show", "docs/md/words", "alpha.md", "--baseline", "evalspec.lock")
    assert code == 0
    first = out.splitlines()[0]
    assert first == "docs/md/words alpha.md: score 0.500 (baseline 0.500, delta +0.000), completed"


def test_the_output_of_an_extract_cell_is_its_fields_not_its_markdown() -> None:
    from evalspec.report.showtext import output_lines

    lines = output_lines({"extraction": {"total": "12.00", "vendor": {"name": "Acme"}},
                          "markdown": "# Invoice\n\nTotal: 12.00\n"})
    assert lines[0] == "output: (extracted fields)"
    assert '    "total": "12.00",' in lines and "# Invoice" not in "\n".join(lines)
    segments = output_lines({"segments": [{"name": "Summary"}], "markdown": "# Summary\n"})
    assert segments[0] == "output: (segments)" and '        "name": "Summary"' in segments
    assert output_lines({"markdown": "# A\n", "html": "<h1>A</h1>"})[:2] == ["output: (markdown)", "  # A"]


def test_a_cell_says_which_checks_were_not_evaluated() -> None:
    from report_fixtures import changed_report

    from evalspec.lock.lockfile import LockCell
    from evalspec.report.showtext import cell_lines

    (row,) = [c for c in changed_report().cells if c.not_evaluated]
    lines = cell_lines(row, LockCell(fingerprint="sha256:x", request={}), {})
    assert ("2 checks not evaluated: text_contain (the backend does not know the kind; a skipped check "
            "raises the score instead of failing)") in lines
