"""Scoring one file locally: kinds the engine does not know are skipped, the known ones scored."""

from __future__ import annotations

from evalspec.local.engine.checks import Truth, validate_definition
from evalspec.local.engine.documents import parse_document
from evalspec.local.engine.evaluate import NOT_EVALUATED, score_file
from evalspec.local.engine.pipelines import PipelineRequest

DOC = parse_document("r.md", b"# Summary\n\nAll good.\n")
REQUEST = PipelineRequest("convert", None, None, None, ("markdown",))


def test_unknown_kinds_are_skipped_and_recorded_and_known_ones_scored() -> None:
    definition = {"evaluations": [
        {"kind": "llm_judge", "prompt": "Is it good?", "weight": 5},
        {"kind": "text_contains", "text": "summary"},
        {"kind": "text_contains", "text": "missing words", "weight": 3},
    ]}
    assert validate_definition(definition) == []  # a Datalab definition is accepted
    scored = score_file(DOC, REQUEST, definition, Truth())
    # Only the two known checks weigh: (1 * 1 + 3 * 0) / 4, the unknown weight 5 not at all.
    assert scored.score == 0.25
    assert scored.results["skipped"] == [{"kind": "llm_judge", "reason": NOT_EVALUATED}]
    assert [c["kind"] for c in scored.results["checks"]] == ["text_contains", "text_contains"]


def test_a_definition_of_unknown_kinds_only_scores_zero_with_every_kind_listed() -> None:
    definition = {"evaluations": [{"kind": "llm_judge"}, {"kind": "table_accuracy"}]}
    scored = score_file(DOC, REQUEST, definition, Truth())
    assert scored.score == 0.0 and scored.results["total"] == 0
    assert [s["kind"] for s in scored.results["skipped"]] == ["llm_judge", "table_accuracy"]


def test_known_kinds_are_still_validated() -> None:
    definition = {"evaluations": [{"kind": "order", "before": "a"}, {"kind": "x-unknown"}, {}]}
    assert validate_definition(definition) == [
        "evaluations[0]: order needs a string parameter 'after' (The text that comes later.)",
        "evaluations[2]: an evaluation needs a `kind` (a string)",
    ]
