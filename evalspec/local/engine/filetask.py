"""One file of a batch run as a self-contained task: what a worker process needs, and its answer.

A task names its bytes by path (a worker reads them itself, so nothing large crosses a pipe), or
carries them when they are small (the store keeps those inline),
and the answer is the file's status, score and eval_results. `score_task` is what a worker
process runs; it is also run in the service's own process for custom pipelines, which are
registered there.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalspec.local.engine.documents import Document, kind_of, parse_document
from evalspec.local.engine.evaluate import score_file, truth_from
from evalspec.local.engine.pipelines import PipelineRequest

# Per worker process, so memory follows the pool, not the corpus: at most this many documents
# and this many bytes of their input (a parse takes about ten times its input).
PARSE_CACHE_DOCS = 64
PARSE_CACHE_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class FileTask:
    """One document of a run: where its bytes and sidecars are, and how to score it."""

    file_id: int
    filename: str
    content_type: str | None
    sha256: str  # as the run recorded it: routes the task, never keys the parse cache
    source: Path | bytes  # the document's file, or its bytes
    sidecars: dict[str, Path | bytes]
    request: PipelineRequest
    definition: dict[str, Any] = field(hash=False)


@dataclass(frozen=True)
class FileOutcome:
    """A file's result as the store records it."""

    file_id: int
    filename: str
    status: str
    score: float
    results: dict[str, Any]
    output: dict[str, Any] | None = None  # the pipeline's output, kept for `evalspec show`


def failed(task: FileTask, reason: str) -> FileOutcome:
    """A failed file: score 0 and the reason, never a failed run."""
    return FileOutcome(task.file_id, task.filename, "failed", 0.0,
                       {"error": reason, "checks": []})


class ParseCache:
    """Parsed documents by the digest of the bytes actually read and the reader they need.

    Keyed by what the parse depends on and nothing else, so a parse is never served for other
    bytes (the digest is computed here, not trusted from the task) or another reader.
    """

    def __init__(self, docs: int = PARSE_CACHE_DOCS, size: int = PARSE_CACHE_BYTES) -> None:
        self.docs, self.size, self.held = docs, size, 0
        self.parses = 0
        self._docs: OrderedDict[tuple[str, str, str], tuple[Document, int]] = OrderedDict()

    def get(self, filename: str, data: bytes, content_type: str | None) -> Document:
        """The document of `data`, parsed at most once while it stays in the cache."""
        # The filename is part of the key too: a Document carries it.
        key = (hashlib.sha256(data).hexdigest(), kind_of(filename, content_type), filename)
        if key in self._docs:
            self._docs.move_to_end(key)
            return self._docs[key][0]
        doc = parse_document(filename, data, content_type)
        self.parses += 1
        self._docs[key] = (doc, len(data))
        self.held += len(data)
        while self._docs and (len(self._docs) > self.docs or self.held > self.size):
            self.held -= self._docs.popitem(last=False)[1][1]
        return doc


def score_task(task: FileTask, cache: ParseCache) -> FileOutcome:
    """Parse (or reuse the parse of) the task's document and score it; a bad file fails alone."""
    try:
        doc = cache.get(task.filename, _read(task.source), task.content_type)
        sidecars = {suffix: _read(source) for suffix, source in task.sidecars.items()}
        scored = score_file(doc, task.request, task.definition, truth_from(sidecars))
    except MemoryError:
        return failed(task, "memory limit: the file needed more memory than a worker may use")
    except Exception as exc:  # a bad file is a failed file, never a failed run
        return failed(task, f"{type(exc).__name__}: {exc}")
    return FileOutcome(task.file_id, task.filename, "completed", scored.score, scored.results,
                       scored.output)


def _read(source: Path | bytes) -> bytes:
    return source.read_bytes() if isinstance(source, Path) else source
