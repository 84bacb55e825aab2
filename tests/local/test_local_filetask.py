"""One file as a task: the parse cache, and files that fail alone."""

from __future__ import annotations

import os
from pathlib import Path

from evalspec.local.engine.filetask import FileTask, ParseCache, score_task
from evalspec.local.engine.pipelines import PipelineRequest

ROOT = Path(__file__).parents[2]
REPORTS = ROOT / "specs" / "data" / "reports"
CONVERT = PipelineRequest("convert", None, None, None, ("markdown",))
HAS_HEADING = {"evaluations": [{"kind": "order", "before": "Handbook", "after": "Handbook"}]}
CONTAINS_OLD = {"evaluations": [{"kind": "text_contains", "text": "old words"}]}


def _task(path: Path, name: str, definition: dict[str, object], digest: str = "aa") -> FileTask:
    return FileTask(file_id=1, filename=name, content_type=None, sha256=digest, source=path,
                    sidecars={}, request=CONVERT, definition=definition)


def test_a_document_shared_by_cells_is_parsed_once(tmp_path: Path) -> None:
    path = tmp_path / "blob"
    path.write_bytes((REPORTS / "annual-report.pdf").read_bytes())
    cache = ParseCache()
    first = score_task(_task(path, "annual-report.pdf", CONTAINS_OLD), cache)
    second = score_task(_task(path, "annual-report.pdf", HAS_HEADING), cache)
    assert (first.status, second.status) == ("completed", "completed")
    assert cache.parses == 1


def test_the_cache_never_serves_a_parse_for_other_bytes(tmp_path: Path) -> None:
    path = tmp_path / "blob"
    cache = ParseCache()
    path.write_bytes(b"# Notes\n\nold words\n")
    assert score_task(_task(path, "notes.md", CONTAINS_OLD), cache).score == 1.0
    # Same name, same digest claimed by the run, other bytes at the path: parsed again.
    path.write_bytes(b"# Notes\n\nnew words\n")
    assert score_task(_task(path, "notes.md", CONTAINS_OLD), cache).score == 0.0
    assert cache.parses == 2


def test_the_cache_never_serves_a_parse_for_other_options(tmp_path: Path) -> None:
    path = tmp_path / "blob"
    path.write_bytes(b"* apples\n")
    cache = ParseCache()
    bullet = {"evaluations": [{"kind": "text_contains", "text": "* apples"}]}
    # The markdown reader drops the list bullet; the text reader keeps the line as it is.
    assert score_task(_task(path, "list.md", bullet), cache).score == 0.0
    assert score_task(_task(path, "list.txt", bullet), cache).score == 1.0
    assert cache.parses == 2


def test_the_cache_is_bounded_by_documents_and_bytes(tmp_path: Path) -> None:
    cache = ParseCache(docs=2, size=10_000)
    for i in range(4):
        path = tmp_path / f"b{i}"
        path.write_bytes(f"# Doc {i}\n".encode())
        score_task(_task(path, f"d{i}.md", CONTAINS_OLD), cache)
    assert len(cache._docs) == 2
    big = tmp_path / "big"
    big.write_bytes(b"word " * 4000)
    score_task(_task(big, "big.md", CONTAINS_OLD), cache)
    assert cache.held <= 10_000 or len(cache._docs) == 0


def test_a_random_binary_named_md_is_a_failed_file(tmp_path: Path) -> None:
    path = tmp_path / "blob"
    path.write_bytes(os.urandom(2_000_000))
    outcome = score_task(_task(path, "random.md", CONTAINS_OLD), ParseCache())
    assert (outcome.status, outcome.score) == ("failed", 0.0)
    assert "binary data" in outcome.results["error"]
