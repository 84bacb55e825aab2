"""Uploaded files: upload slots, the unauthenticated byte upload, confirmation.

An upload URL is a capability, so it is single-use and short-lived, like a presigned storage URL:
- it takes bytes until `expires_in` seconds after it was handed out (403 after);
- it takes one set of bytes: a PUT of other bytes once some are in is refused (409), and so is
  any PUT after confirm. The same bytes again before confirm are answered 200 and change
  nothing, so that a client retrying a PUT whose answer it lost does not fail;
- a body larger than `max_bytes` is refused (413) as soon as it passes the limit.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from evalspec.base.clock import parse_timestamp
from evalspec.local.problems import ApiProblem, conflict, not_found
from evalspec.local.store.blobs import BlobStore, BlobWriter
from evalspec.local.store.db import Database

UPLOAD_EXPIRES_IN = 3600
MAX_FILE_BYTES = 200 * 1024 * 1024  # Datalab's documented per-file limit


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class UploadRules:
    """How long an upload URL lives, how large a file may be, and the clock (a seam for tests)."""

    max_bytes: int = MAX_FILE_BYTES
    expires_in: int = UPLOAD_EXPIRES_IN
    clock: Callable[[], datetime] = field(default=_utc_now)


class FileRepo:
    """Rows of `files`, bytes in the blob store."""

    def __init__(self, db: Database, blobs: BlobStore, rules: UploadRules | None = None) -> None:
        self.db, self.blobs, self.rules = db, blobs, rules or UploadRules()

    def create(self, filename: str, content_type: str | None) -> tuple[int, str]:
        """A new upload slot: the file id and the secret token its upload URL carries."""
        token = secrets.token_urlsafe(24)
        created = self.rules.clock().isoformat(timespec="milliseconds")
        file_id = self.db.write(
            "INSERT INTO files (filename, content_type, token, created) VALUES (?, ?, ?, ?)",
            (filename, content_type, token, created))
        return file_id, token

    def open_slot(self, token: str) -> int:
        """The file id of the upload URL named by `token`, if it still takes bytes."""
        row = self.db.one("SELECT id, created, confirmed FROM files WHERE token = ?", (token,))
        if row is None:
            raise not_found("upload", "token")
        if row["confirmed"]:
            raise _used(row["id"])
        created = parse_timestamp(row["created"]) or datetime.min.replace(tzinfo=timezone.utc)
        if self.rules.clock() >= created + timedelta(seconds=self.rules.expires_in):
            raise ApiProblem(403, f"The upload URL of file {row['id']} has expired "
                             f"({self.rules.expires_in} s after it was issued); request a new one")
        return int(row["id"])

    def receiver(self) -> BlobWriter:
        """Where to write an upload's bytes as they arrive (within the size limit)."""
        return self.blobs.writer(self.rules.max_bytes)

    def fill_slot(self, file_id: int, digest: str, size: int) -> None:
        """Give an open slot its bytes, unless it has others already or was confirmed (409)."""
        with self.db.transaction() as conn:
            filled = conn.execute(
                "UPDATE files SET sha256 = ?, size = ? WHERE id = ? AND confirmed = 0 "
                "AND (sha256 IS NULL OR sha256 = ?)", (digest, size, file_id, digest)).rowcount
        if not filled:
            raise _used(file_id)

    def put_bytes(self, token: str, data: bytes) -> None:
        """Store the bytes for the upload slot named by `token`, by the same rules."""
        file_id = self.open_slot(token)
        with self.receiver() as blob:
            blob.write(data)
            digest, size = blob.commit()
        self.fill_slot(file_id, digest, size)

    def create_confirmed(self, items: Sequence[tuple[str, str | None, bytes]]
                         ) -> list[dict[str, Any]]:
        """Files stored and confirmed at once, in one transaction (the local batch upload).
        The size limit holds here as for an upload URL."""
        for name, _, data in items:
            if len(data) > self.rules.max_bytes:
                raise ApiProblem(413, f"{name}: file too large: at most {self.rules.max_bytes} bytes")
        digests = self.blobs.put_many([data for _, _, data in items])
        stored = [(name, ctype, digest, len(data))
                  for (name, ctype, data), digest in zip(items, digests, strict=True)]
        stamp, ids = self.rules.clock().isoformat(timespec="milliseconds"), []
        with self.db.transaction() as conn:
            for name, ctype, digest, size in stored:
                ids.append(conn.execute(
                    "INSERT INTO files (filename, content_type, token, sha256, size, confirmed, "
                    "created) VALUES (?, ?, ?, ?, ?, 1, ?)",
                    (name, ctype, secrets.token_urlsafe(24), digest, size, stamp)).lastrowid)
        return self._rows([int(i or 0) for i in ids])

    def _rows(self, file_ids: list[int]) -> list[dict[str, Any]]:
        """The rows of these files, in this order."""
        rows = {r["id"]: r for r in self.db.all_in("SELECT * FROM files WHERE id IN ({})", file_ids)}
        return [rows[i] for i in file_ids]

    def confirm(self, file_id: int) -> dict[str, Any]:
        row = self.get(file_id)
        if row["sha256"] is None:
            raise conflict(f"file {file_id} has no uploaded bytes yet; PUT them to upload_url")
        self.db.write("UPDATE files SET confirmed = 1 WHERE id = ?", (file_id,))
        return self.get(file_id)

    def get(self, file_id: int) -> dict[str, Any]:
        row = self.db.one("SELECT * FROM files WHERE id = ?", (file_id,))
        if row is None:
            raise not_found("file", file_id)
        return row

    def read(self, file_id: int) -> bytes:
        return self.blobs.get(self.get(file_id)["sha256"])


def _used(file_id: int) -> ApiProblem:
    return ApiProblem(409, f"The upload URL of file {file_id} was already used: an upload URL "
                      "takes one file; request a new one for other bytes")


def file_out(row: dict[str, Any]) -> dict[str, Any]:
    """The confirm endpoint's view of a file."""
    return {"file_id": row["id"], "filename": row["filename"],
            "content_type": row["content_type"], "file_size": row["size"],
            "sha256": row["sha256"], "confirmed": bool(row["confirmed"]),
            "created": row["created"]}
