"""Uploaded files: upload requests, the unauthenticated byte upload, confirmation."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from evalspec.local.problems import bad_request, not_found
from evalspec.local.store.blobs import BlobStore
from evalspec.local.store.db import Database, now

UPLOAD_EXPIRES_IN = 3600


class FileRepo:
    """Rows of `files`, bytes in the blob store."""

    def __init__(self, db: Database, blobs: BlobStore) -> None:
        self.db, self.blobs = db, blobs

    def create(self, filename: str, content_type: str | None) -> tuple[int, str]:
        """A new upload slot: the file id and the secret token its upload URL carries."""
        token = secrets.token_urlsafe(24)
        file_id = self.db.write(
            "INSERT INTO files (filename, content_type, token, created) VALUES (?, ?, ?, ?)",
            (filename, content_type, token, now()))
        return file_id, token

    def put_bytes(self, token: str, data: bytes) -> None:
        """Store the bytes for the upload slot named by `token`."""
        row = self.db.one("SELECT id FROM files WHERE token = ?", (token,))
        if row is None:
            raise not_found("upload", "token")
        digest = self.blobs.put(data)
        self.db.write("UPDATE files SET sha256 = ?, size = ? WHERE id = ?",
                      (digest, len(data), row["id"]))

    def create_confirmed(self, items: Sequence[tuple[str, str | None, bytes]]
                         ) -> list[dict[str, Any]]:
        """Files stored and confirmed at once, in one transaction (the local batch upload)."""
        stored = [(name, ctype, self.blobs.put(data), len(data)) for name, ctype, data in items]
        stamp, ids = now(), []
        with self.db.transaction() as conn:
            for name, ctype, digest, size in stored:
                ids.append(conn.execute(
                    "INSERT INTO files (filename, content_type, token, sha256, size, confirmed, "
                    "created) VALUES (?, ?, ?, ?, ?, 1, ?)",
                    (name, ctype, secrets.token_urlsafe(24), digest, size, stamp)).lastrowid)
        return [self.get(int(i or 0)) for i in ids]

    def confirm(self, file_id: int) -> dict[str, Any]:
        row = self.get(file_id)
        if row["sha256"] is None:
            raise bad_request(f"file {file_id} has no uploaded bytes yet; PUT them to upload_url")
        self.db.write("UPDATE files SET confirmed = 1 WHERE id = ?", (file_id,))
        return self.get(file_id)

    def get(self, file_id: int) -> dict[str, Any]:
        row = self.db.one("SELECT * FROM files WHERE id = ?", (file_id,))
        if row is None:
            raise not_found("file", file_id)
        return row

    def read(self, file_id: int) -> bytes:
        return self.blobs.get(self.get(file_id)["sha256"])


def file_out(row: dict[str, Any]) -> dict[str, Any]:
    """The confirm endpoint's view of a file."""
    return {"file_id": row["id"], "filename": row["filename"],
            "content_type": row["content_type"], "file_size": row["size"],
            "sha256": row["sha256"], "confirmed": bool(row["confirmed"]),
            "created": row["created"]}
