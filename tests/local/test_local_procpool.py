"""The parser process pool: time and memory limits fail one file, stop kills at once."""

from __future__ import annotations

import os
import queue
import re
from pathlib import Path

import pytest

from evalspec.local.engine.filetask import FileOutcome, FileTask
from evalspec.local.engine.pipelines import PipelineRequest
from evalspec.local.engine.procpool import FileLimits, ProcessPool

REPORTS = Path(__file__).parents[2] / "specs" / "data" / "reports"
CONVERT = PipelineRequest("convert", None, None, None, ("markdown",))
SIMILAR = {"evaluations": [{"kind": "truth_similarity"}]}


def _big_markdown(path: Path) -> Path:
    """About 20 MB of headings and paragraphs (seconds of parsing, hundreds of MB parsed)."""
    text = "".join(f"## Heading {i}\nSome body text for paragraph {i}.\n" for i in range(400_000))
    path.write_text(text, encoding="utf-8")
    return path


def _task(file_id: int, path: Path, digest: str, truth: Path | None = None) -> FileTask:
    sidecars = {".truth.md": truth} if truth else {}
    return FileTask(file_id=file_id, filename=f"f{file_id}.md", content_type=None, sha256=digest,
                    source=path, sidecars=sidecars, request=CONVERT, definition=SIMILAR)


def _run(pool: ProcessPool, tasks: list[FileTask]) -> dict[int, FileOutcome | None]:
    answers: queue.Queue[tuple[int, FileOutcome | None]] = queue.Queue()
    for task in tasks:
        pool.submit(task, lambda outcome, fid=task.file_id: answers.put((fid, outcome)))
    return dict(answers.get(timeout=120) for _ in tasks)


@pytest.mark.parametrize(("limits", "reasons"), [
    (FileLimits(timeout=1.0), ("time limit: no result within 1 s",)),
    (FileLimits(timeout=120, memory_mb=250), ("memory limit", "the worker process died")),
], ids=["time", "memory"])
def test_a_file_past_a_limit_fails_and_the_next_file_is_scored(
        tmp_path: Path, limits: FileLimits, reasons: tuple[str, ...]) -> None:
    big = _big_markdown(tmp_path / "big")
    small = tmp_path / "small"
    small.write_bytes(b"# Small\n\nwords\n")
    pool = ProcessPool(limits, size=1)  # one lane: the small file waits behind the big one
    pool.start()
    try:
        outcomes = _run(pool, [_task(1, big, "00", truth=big), _task(2, small, "00", truth=small)])
    finally:
        pool.stop()
    big_outcome, small_outcome = outcomes[1], outcomes[2]
    assert big_outcome is not None and small_outcome is not None
    assert big_outcome.status == "failed"
    assert big_outcome.results["error"].startswith(reasons)
    assert (small_outcome.status, small_outcome.score) == ("completed", 1.0)


def test_stop_kills_a_worker_in_the_middle_of_a_file_and_reports_it_undone(tmp_path: Path) -> None:
    big = _big_markdown(tmp_path / "big")
    small = tmp_path / "small"
    small.write_bytes(b"# Small\n")
    pool = ProcessPool(FileLimits(timeout=600), size=1)
    pool.start()
    assert _run(pool, [_task(0, small, "00")])[0] is not None  # the worker is up
    answers: queue.Queue[FileOutcome | None] = queue.Queue()
    pool.submit(_task(1, big, "00", truth=big), answers.put)
    pool.submit(_task(2, big, "00", truth=big), answers.put)
    worker = pool._lanes[0]._process
    assert worker is not None
    pool.stop()  # returns without waiting for the file: the worker is killed
    assert [answers.get(timeout=10), answers.get(timeout=10)] == [None, None]
    assert worker.poll() is not None
    pool.submit(_task(3, big, "00"), answers.put)  # a stopped pool answers at once
    assert answers.get(timeout=10) is None


def test_workers_are_plain_subprocesses_that_ignore_sigint(tmp_path: Path) -> None:
    small = tmp_path / "small"
    small.write_bytes(b"# Small\n")
    pool = ProcessPool(FileLimits(), size=1)
    pool.start()
    try:
        assert _run(pool, [_task(1, small, "00")])[1] is not None  # the worker is up
        worker = pool._lanes[0]._process
        assert worker is not None
        os.kill(worker.pid, 2)  # SIGINT, as a Ctrl-C in the terminal sends the whole group
        outcome = _run(pool, [_task(2, small, "00")])[2]
        assert outcome is not None and outcome.status == "completed"
        assert pool._lanes[0]._process is worker  # the same worker answered
    finally:
        pool.stop()


def test_pypdf_warnings_about_a_damaged_pdf_do_not_reach_stderr(
        tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    data = (REPORTS / "annual-report.pdf").read_bytes()
    damaged = tmp_path / "damaged"  # a wrong startxref offset: pypdf recovers, and complains
    damaged.write_bytes(re.sub(rb"startxref\s+(\d+)",
                               lambda m: b"startxref\n" + str(int(m.group(1)) + 7).encode(), data))
    pool = ProcessPool(FileLimits(), size=1)
    pool.start()
    try:
        task = FileTask(file_id=1, filename="damaged.pdf", content_type=None, sha256="00",
                        source=damaged, sidecars={}, request=CONVERT, definition=SIMILAR)
        outcome = _run(pool, [task])[1]
    finally:
        pool.stop()
    assert outcome is not None and outcome.results.get("pages") == 3
    assert "startxref" not in capfd.readouterr().err
