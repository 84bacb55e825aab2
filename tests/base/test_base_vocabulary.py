"""The base layer's readings of what Datalab leaves open: status words, durations, score scales."""

from __future__ import annotations

import pytest

from evalspec.base import runstatus
from evalspec.base.durations import format_duration, parse_duration
from evalspec.base.scores import read_score


@pytest.mark.parametrize("word", ["completed", "Done", "finished", "succeeded", "errored", "aborted",
                                  "timed_out", "failed", "cancelled", "completed_with_errors"])
def test_terminal_words_and_synonyms_finish_a_run(word: str) -> None:
    assert runstatus.is_finished(word) and runstatus.is_known(word)


@pytest.mark.parametrize("word", ["running", "queued", "in_progress", "processing", "mystery"])
def test_other_words_keep_a_run_going_unless_completed_at_is_set(word: str) -> None:
    assert not runstatus.is_finished(word)
    assert runstatus.is_finished(word, "2026-01-01T00:00:00Z")


def test_only_unlisted_words_are_unknown() -> None:
    assert [w for w in ("running", "mystery", "", "ERRORED") if not runstatus.is_known(w)] == ["mystery"]


@pytest.mark.parametrize(("status", "outcome"), [
    ("completed", "completed"), ("success", "completed"), ("failed", "failed"),
    ("errored", "failed"), ("skipped", "unknown"), ("", "unknown"),
])
def test_a_file_is_failed_only_on_a_failure_word(status: str, outcome: str) -> None:
    assert runstatus.file_outcome(status) == outcome


@pytest.mark.parametrize(("text", "seconds"), [
    ("90", 90), ("90s", 90), ("45m", 2700), ("2h", 7200), (" 1.5h ", 5400), ("10M", 600),
])
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "soon", "5d", "-3", "1h30m"])
def test_bad_durations_say_what_is_accepted(text: str) -> None:
    with pytest.raises(ValueError, match="90, 90s, 45m, 2h"):
        parse_duration(text)


def test_format_duration() -> None:
    assert [format_duration(s) for s in (600, 5400, 45, 0.5)] == ["10m", "1h 30m", "45s", "0.5s"]


def test_scores_are_divided_and_checked() -> None:
    assert read_score(75, 100).value == 0.75
    assert read_score(None, 100).value is None
    assert read_score(1.0000000001, 1).value == 1.0  # float noise is not an error
    wrong = read_score(75, 1, "avg_score")
    assert wrong.value is None and wrong.raw == 75
    assert wrong.error == ("avg_score 75 is outside 0..1 after dividing by settings.score_scale 1 "
                           "(set settings.score_scale: 100)")
    assert "check the service" in (read_score(-0.5, 1).error or "")
