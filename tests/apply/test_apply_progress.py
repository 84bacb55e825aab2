"""Progress on stderr: plain lines for logs and CI, a redrawn bar on a terminal."""

from __future__ import annotations

import pytest

from evalspec.api import BatchRun
from evalspec.commands.progress import Progress


def _run(run_id: int, status: str, score: float | None) -> BatchRun:
    return BatchRun(id=run_id, collection_id=1, status=status, total_files=3, completed_files=3,
                    avg_score=score)


def test_plain_mode_prints_one_line_per_finished_run_and_no_control_codes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    progress = Progress(to_submit=2, to_follow=0, live=False)
    progress.on_submitted("a/b/c", _run(1, "queued", None), adopted=False)
    progress.on_submitted("a/b/d", _run(2, "queued", None), adopted=True)
    progress.on_finished("a/b/c", _run(1, "completed", 0.875))
    progress.on_finished("a/b/d", _run(2, "failed", None))
    progress.close()
    err = capsys.readouterr().err
    assert "\r" not in err and "\033" not in err
    lines = err.splitlines()
    assert lines[0] == "adopted run 2 for a/b/d (its submission's answer was lost)"
    assert "completed a/b/c  avg_score 0.875  (3/3 files, run 1)" in lines
    assert "failed    a/b/d  no score  (3/3 files, run 2)" in lines
    assert progress.finished == 2 and progress.failed == 1


def test_live_mode_redraws_a_bar_on_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    progress = Progress(to_submit=1, to_follow=1, live=True)
    progress.on_finished("a/b/c", _run(1, "completed", 1.0))
    progress.close()
    err = capsys.readouterr().err
    assert "\r\033[K[############............] 1/2 runs finished (0 failed)" in err
    assert err.endswith("\n")


def test_ci_environment_means_plain_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    assert Progress(to_submit=1, to_follow=0).live is False
