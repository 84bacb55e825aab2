"""Pages of stored documents, and the team's pages in flight (`--pages-in-flight`).

Datalab fails a file inside its run, with `success: false` and "Page rate limit exceeded ...",
when the team's pages in flight would pass its limit; it does not answer 429. The local service
plays that part: a run's documents are admitted in order at its start while the pages of files
not yet done (of every unfinished run) plus theirs stay within the limit; the rest are recorded
at once as failed with Datalab's message, and their pages are never in flight.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalspec.base.pages import count_pages
from evalspec.local.store.blobs import BlobStore
from evalspec.local.store.db import Database

PAGE_LIMIT_MESSAGE = "Page rate limit exceeded: your team has {limit} pages in flight at most; retry later"


class PageBook:
    """Page counts by blob digest (counted once per service), and the pages in flight."""

    def __init__(self, db: Database, blobs: BlobStore) -> None:
        self.db, self.blobs = db, blobs
        self._pages: dict[str, int] = {}
        self._lock = threading.Lock()  # admissions are read-then-write: one at a time

    def pages(self, sha256: str, filename: str) -> int:
        """The document's pages as Datalab bills them."""
        if sha256 not in self._pages:
            source = self.blobs.source(sha256)
            data = source.read_bytes() if isinstance(source, Path) else source
            self._pages[sha256] = count_pages(filename, data).pages
        return self._pages[sha256]

    def in_flight(self) -> int:
        """Pages of admitted files not done yet, over every unfinished run."""
        runs = self.db.all("SELECT id, documents FROM runs WHERE status IN ('queued', 'running')")
        total = 0
        for run in runs:
            done = {r["file_id"] for r in self.db.all(
                "SELECT file_id FROM file_results WHERE run_id = ?", (run["id"],))}
            total += sum(d.get("pages", 0) for d in _documents(run["documents"])
                         if d["file_id"] not in done and not d.get("refused"))
        return total

    def admit(self, documents: list[dict[str, Any]], limit: int | None) -> list[dict[str, Any]]:
        """The documents with their pages, those past `limit` marked `refused`. Hold `lock`
        from this call until the run is stored, so that two starts do not both fit."""
        room = None if limit is None else limit - self.in_flight()
        admitted = []
        for doc in documents:
            pages = self.pages(doc["sha256"], doc["filename"])
            refused = room is not None and pages > room
            if room is not None and not refused:
                room -= pages
            admitted.append({**doc, "pages": pages, **({"refused": True} if refused else {})})
        return admitted

    @property
    def lock(self) -> threading.Lock:
        return self._lock


@dataclass(frozen=True)
class Refused:
    """A file refused by the page limit, as the run records it (a FileOutcome)."""

    file_id: int
    filename: str
    status: str
    score: float
    results: dict[str, Any]


def refusals(documents: list[dict[str, Any]], limit: int | None) -> list[Refused]:
    """The failed results of the documents `admit` refused, with Datalab's message."""
    message = PAGE_LIMIT_MESSAGE.format(limit=limit)
    return [Refused(d["file_id"], d["filename"], "failed", 0.0, {"success": False, "error": message})
            for d in documents if d.get("refused")]


def _documents(text: str) -> list[dict[str, Any]]:
    value = json.loads(text)
    return value if isinstance(value, list) else []
