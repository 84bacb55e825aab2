"""Uploaded bytes, stored content-addressed: `<root>/ab/abcdef...` by sha256."""

from __future__ import annotations

import hashlib
import itertools
import os
from pathlib import Path
from types import TracebackType

from evalspec.local.problems import ApiProblem


class BlobStore:
    """A directory of immutable blobs named by their sha256."""

    def __init__(self, root: Path, durable: bool = True) -> None:
        self.root, self.durable = root, durable
        root.mkdir(parents=True, exist_ok=True)

    def path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest

    def put(self, data: bytes) -> str:
        """Store `data` (atomically, once per content) and return its sha256 hex digest."""
        digest = hashlib.sha256(data).hexdigest()
        if self.path(digest).exists():  # stored before: no temporary file to write and drop
            return digest
        with self.writer(len(data)) as blob:
            blob.write(data)
            return blob.commit()[0]

    def writer(self, max_bytes: int) -> BlobWriter:
        """A blob written piece by piece, refused (413) as soon as it passes `max_bytes`."""
        return BlobWriter(self, max_bytes)

    def get(self, digest: str) -> bytes:
        return self.path(digest).read_bytes()


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
