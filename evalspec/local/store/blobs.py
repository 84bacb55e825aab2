"""Uploaded bytes, stored content-addressed: `<root>/ab/abcdef...` by sha256."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


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
        target = self.path(digest)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                if self.durable:  # else the OS keeps it across a crash of this process
                    fh.flush()
                    os.fsync(fh.fileno())
            os.replace(tmp, target)
        return digest

    def get(self, digest: str) -> bytes:
        return self.path(digest).read_bytes()
