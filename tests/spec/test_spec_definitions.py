"""Managed rubric files and truth sidecars checked offline: each kind of mistake, at its file:line:col."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO_ROOT

from evalspec.base.checkkinds import CHECK_KINDS, evaluation_problems, rubric_json_schema
from evalspec.commands.schema import schema_text

# plan counts pages through a cache in the state directory
pytestmark = pytest.mark.usefixtures("state_dir")

Run = Callable[..., tuple[int, str, str]]
MISTAKES = FIXTURES / "rubric-mistakes"


@pytest.fixture
def mistakes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the fixture to edit, as the working directory."""
    target = tmp_path / "work"
    shutil.copytree(MISTAKES, target)
    monkeypatch.chdir(target)
    return target


def test_every_mistake_is_reported_at_its_file_and_line(run_evalspec: Run, mistakes: Path) -> None:
    code, out, err = run_evalspec("validate", "spec.yaml")
    assert (code, out) == (2, "")
    lines = err.splitlines()
    assert lines == [
        "error: docs/a.md.truth.json:2:8: not valid JSON: Expecting value",
        "error: rubrics/mistakes.yaml:2:12: evaluations[0].kind: unknown check kind 'text_contians' (did "
        "you mean 'text_contains'?); a backend would skip it, and a skipped check raises the score instead "
        "of failing",
        "error: rubrics/mistakes.yaml:3:50: evaluations[1].pattern: pattern is not a valid regex: "
        "missing ), unterminated subpattern at position 1",
        "error: rubrics/mistakes.yaml:4:46: evaluations[2].weight: weight must be a finite number >= 0, "
        "not -1",
        "error: rubrics/mistakes.yaml:5:5: evaluations[3]: field_present needs a string parameter 'field' "
        "(Dot path into the extraction result, e.g. `vendor.name`.)",
        "error: rubrics/mistakes.yaml:6:5: evaluations[3].feild: unknown key 'feild' for field_present "
        "(did you mean 'field'?)",
        "error: rubrics/syntax.yaml:3:1: invalid YAML: found unexpected end of stream",
        "7 problems found.",
    ]


def test_an_unknown_kind_is_a_note_and_truth_gaps_are_warnings(run_evalspec: Run, mistakes: Path) -> None:
    (mistakes / "rubrics" / "syntax.yaml").write_text("evaluations: [{kind: text_contains, text: a}]\n")
    (mistakes / "rubrics" / "mistakes.yaml").write_text(
        "evaluations:\n  - {kind: contains_text, text: Total}\n  - {kind: llm_judge, prompt: x}\n"
        "  - {kind: truth_similarity}\n"
    )
    (mistakes / "docs" / "a.md.truth.json").write_text('{"total": 12}\n')
    code, out, err = run_evalspec("validate", "spec.yaml")
    assert code == 0 and out.startswith("OK: 1 spec file, 2 cells")
    assert err.splitlines() == [
        "warning: docs/gone.md.truth.md: truth sidecar of 'gone.md', which collection 'docs' does not hold",
        "note: rubrics/mistakes.yaml:2:12: evaluations[0].kind: check kind 'contains_text' is not known "
        "locally (did you mean 'text_contains'?)",
        "note: rubrics/mistakes.yaml:3:12: evaluations[1].kind: check kind 'llm_judge' is not known "
        "locally; Datalab may know it",
        "warning: spec.yaml:6:13: rubric 'mistakes' reads .truth.md sidecars, and 1 document of "
        "collection 'docs' has none (a.md)",
    ]
    code, _, plan_err = run_evalspec("plan", "spec.yaml", "--lock", str(mistakes / "none.lock"))
    assert code == 0 and plan_err == err  # plan (and so the pre-commit hook's validate) says the same


def test_the_engine_and_the_spec_stage_share_one_catalogue() -> None:
    assert [p.message for p in evaluation_problems({"kind": "order", "before": "a"})] == [
        "order needs a string parameter 'after' (The text that comes later.)"
    ]
    assert evaluation_problems({"kind": "truth_fields", "weight": float("inf")})[0].where == ("weight",)
    assert evaluation_problems({"kind": "truth_fields", "threshold": 2})[0].message == (
        "`threshold` must be a number from 0 to 1, not 2"
    )


def test_rubric_schema_is_committed_and_current(run_evalspec: Run) -> None:
    code, out, err = run_evalspec("schema", "--rubric")
    assert (code, err) == (0, "")
    assert out == schema_text(rubric=True)
    assert out == (REPO_ROOT / "schemas" / "rubric.schema.json").read_text(encoding="utf-8"), (
        "schemas/rubric.schema.json is stale: regenerate it with "
        "`evalspec schema --rubric > schemas/rubric.schema.json` and commit it"
    )


def test_rubric_schema_describes_every_local_kind() -> None:
    schema = json.loads(schema_text(rubric=True))
    rules = schema["properties"]["evaluations"]["items"]["allOf"]
    assert [rule["if"]["properties"]["kind"]["const"] for rule in rules] == list(CHECK_KINDS)
    matches = next(r for r in rules if r["if"]["properties"]["kind"]["const"] == "field_matches")
    assert matches["then"]["required"] == ["field", "pattern"]
    assert matches["then"]["additionalProperties"] is False
    assert rubric_json_schema() == schema


@pytest.mark.parametrize(("kind", "error"), [
    ("text_contain", True), ("field_presnt", True), ("truth_field", True),  # a letter off: a typo
    ("contains_text", False), ("llm_judge", False), ("segment", False),  # far: Datalab may know it
])
def test_a_near_miss_of_a_known_kind_is_an_error_and_a_far_kind_a_note(kind: str, error: bool) -> None:
    (problem,) = evaluation_problems({"kind": kind, "text": "x"})
    assert (problem.severity == "error") == error
    assert ("did you mean" in problem.message) == (error or kind != "llm_judge")


def test_an_unknown_top_level_key_of_a_rubric_file_is_a_warning(run_evalspec: Run, mistakes: Path) -> None:
    (mistakes / "rubrics" / "syntax.yaml").write_text("evaluations: [{kind: text_contains, text: a}]\n")
    (mistakes / "rubrics" / "mistakes.yaml").write_text(
        "evaluation:\n  - {kind: text_absent, text: b}\nevaluations:\n  - {kind: text_contains, text: a}\n")
    (mistakes / "docs" / "a.md.truth.json").write_text("{}\n")
    code, _, err = run_evalspec("validate", "spec.yaml")
    assert code == 0
    assert ("warning: rubrics/mistakes.yaml:1:1: evaluation: unknown top-level key 'evaluation' in a rubric "
            "definition (only `evaluations` is read) (did you mean 'evaluations'?)") in err.splitlines()
