"""Uploaded bytes, stored content-addressed by sha256: small ones in the database, the rest as
files `<root>/ab/abcdef...`.

A file per small blob costs a create (and often a directory) each, which on a filesystem without
a journal means scanning past every inode deleted in the last half minute: uploading a corpus
right after removing an old state directory took three times as long. Inline blobs cost a row.
"""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from evalspec.local.problems import ApiProblem
from evalspec.local.store.db import Database

INLINE_BYTES = 64 * 1024  # blobs up to this size are rows of `inline_blobs`, not files

Source = Path | bytes  # where a blob's bytes are: its file, or the bytes themselves when inline


def read_source(source: Source) -> bytes:
    """The bytes of a blob from its `Source`."""
    return source.read_bytes() if isinstance(source, Path) else source


class BlobStore:
    """Immutable blobs named by their sha256: small ones in `db` (when given), others as files."""

    def __init__(self, root: Path, durable: bool = True, db: Database | None = None) -> None:
        self.root, self.durable, self.db = root, durable, db
        root.mkdir(parents=True, exist_ok=True)

    def path(self, digest: str) -> Path:
        """Where the blob's file is (or would be): not for an inline blob (see `source`)."""
        return self.root / digest[:2] / digest

    def put(self, data: bytes) -> str:
        """Store `data` (atomically, once per content) and return its sha256 hex digest."""
        return self.put_many([data])[0]

    def put_many(self, items: Sequence[bytes]) -> list[str]:
        """Store each of `items` (the inline ones in one transaction); their digests, in order."""
        digests = [hashlib.sha256(data).hexdigest() for data in items]
        inline = [(d, data) for d, data in zip(digests, items, strict=True) if self._inline(data)]
        if inline and self.db is not None:
            with self.db.transaction() as conn:
                conn.executemany("INSERT OR IGNORE INTO inline_blobs (sha256, data) VALUES (?, ?)",
                                 inline)
        for digest, data in zip(digests, items, strict=True):
            # A file stored before is not written again (no temporary file to write and drop).
            if not self._inline(data) and not self.path(digest).exists():
                with self.writer(len(data)) as blob:
                    blob.write(data)
                    blob.commit()
        return digests

    def source(self, digest: str) -> Source:
        """The blob's bytes when it is inline, else its file."""
        if self.db is not None:
            data = self.db.scalar("SELECT data FROM inline_blobs WHERE sha256 = ?", (digest,))
            if data is not None:
                return bytes(data)
        return self.path(digest)

    def _inline(self, data: bytes) -> bool:
        return self.db is not None and len(data) <= INLINE_BYTES

    def writer(self, max_bytes: int) -> BlobWriter:
        """A blob written piece by piece, refused (413) as soon as it passes `max_bytes`."""
        return BlobWriter(self, max_bytes)

    def get(self, digest: str) -> bytes:
        return read_source(self.source(digest))


_TEMP_NAMES = itertools.count()  # next() is atomic under the GIL: no two writers share a name


def _create_temp(root: Path) -> tuple[Path, int]:
    """A new temporary file under `root`, named by this process and a counter: one create per
    upload (mkstemp's random names cost more), and O_EXCL still never shares a file, even with a
    leftover of a killed process that had this pid."""
    while True:
        path = root / f".tmp-{os.getpid()}-{next(_TEMP_NAMES)}"
        try:
            return path, os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue


class BlobWriter:
    """Bytes hashed and written to a temporary file as they come; `commit` files them under
    their digest, leaving the block discards them. Memory use is one piece at a time."""

    def __init__(self, store: BlobStore, max_bytes: int) -> None:
        self.store, self.max_bytes = store, max_bytes
        self.size = 0
        self._hash = hashlib.sha256()
        self._tmp, fd = _create_temp(store.root)
        self._file = os.fdopen(fd, "wb")

    def write(self, piece: bytes) -> None:
        self.size += len(piece)
        if self.size > self.max_bytes:
            raise ApiProblem(413, f"File too large: at most {self.max_bytes} bytes")
        self._hash.update(piece)
        self._file.write(piece)

    def commit(self) -> tuple[str, int]:
        """Make the bytes durable under their sha256 (once per content): (digest, size)."""
        digest = self._hash.hexdigest()
        target = self.store.path(digest)
        if target.exists():
            self._file.close()
            os.unlink(self._tmp)
            return digest, self.size
        self._file.flush()
        if self.store.durable:  # else the OS keeps it across a crash of this process
            os.fsync(self._file.fileno())
        self._file.close()
        try:
            os.replace(self._tmp, target)
        except FileNotFoundError:  # the first blob of its two-digit directory
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self._tmp, target)
        return digest, self.size

    def __enter__(self) -> BlobWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if not self._file.closed:  # not committed: nothing of it stays
            self._file.close()
            os.unlink(self._tmp)
