"""Each file's pipeline output, kept so `evalspec show` can say what the pipeline produced.

The output is a JSON blob (content-addressed, so identical outputs are stored once) linked to its
file result by (run id, file id). The table is created on first use, so a data directory made
before outputs were kept still opens; its older results simply have none.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from evalspec.local.store.blobs import BlobStore
from evalspec.local.store.db import Database

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS file_outputs (run_id INTEGER NOT NULL, file_id INTEGER NOT NULL, "
    "sha256 TEXT NOT NULL, PRIMARY KEY (run_id, file_id))"
)


class OutputRepo:
    """Pipeline outputs by file result."""

    def __init__(self, db: Database, blobs: BlobStore) -> None:
        self.db, self.blobs = db, blobs
        self.db.write(SCHEMA)

    def put_many(self, run_id: int, outputs: Sequence[tuple[int, dict[str, Any]]]) -> None:
        """Keep files' outputs, (file id, output) each, in one transaction; before their results
        are recorded, so a result never lacks its output."""
        if not outputs:
            return
        digests = self.blobs.put_many([_encoded(output) for _, output in outputs])
        rows = [(run_id, file_id, digest) for (file_id, _), digest in zip(outputs, digests, strict=True)]
        with self.db.transaction() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO file_outputs (run_id, file_id, sha256) VALUES (?, ?, ?)", rows)

    def get(self, run_id: int, request_id: int) -> dict[str, Any] | None:
        """The output of the file result `request_id` of `run_id`, or None when none was kept."""
        row = self.db.one(
            "SELECT o.sha256, r.filename FROM file_results r JOIN file_outputs o "
            "ON o.run_id = r.run_id AND o.file_id = r.file_id WHERE r.run_id = ? AND r.request_id = ?",
            (run_id, request_id))
        if row is None:
            return None
        return {"request_id": request_id, "filename": row["filename"],
                "output": json.loads(self.blobs.get(row["sha256"]))}


def _encoded(output: dict[str, Any]) -> bytes:
    return json.dumps(output, sort_keys=True, ensure_ascii=False).encode("utf-8")
