"""What we uploaded: file id -> content digest, per backend.

The collection file listing gives names and sizes but no digests, so without a record of our
own every apply would re-upload every managed file. The ledger lives in the state directory;
on a machine without it (a fresh CI runner) files of the same name and size are trusted.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from evalspec.base import paths
from evalspec.base.atomic import write_atomic

SAVE_EVERY = 1.0  # seconds between saves while uploading


class UploadLedger:
    """Digests of uploaded files, for one backend (keyed by its base URL)."""

    def __init__(self, backend_url: str, state_dir: Path | None = None) -> None:
        self.path = paths.state_file("uploads.json", state_dir)
        self.backend_url = backend_url
        self._all = self._read()
        self.digests: dict[str, str] = self._all.setdefault(backend_url, {})
        self._dirty, self._saved_at = False, time.monotonic()

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def known(self, file_id: int) -> str | None:
        """The digest we uploaded as `file_id`, if we did."""
        return self.digests.get(str(file_id))

    def record(self, file_id: int, sha256: str) -> None:
        """Remember an upload; saved at most once a second (and by `save`).

        Saving after every file made uploading a corpus quadratic. What a crash loses is
        harmless: an upload not yet linked is uploaded again, and a linked one is trusted by
        name and size.
        """
        self.digests[str(file_id)] = sha256
        self._dirty = True
        if time.monotonic() - self._saved_at >= SAVE_EVERY:
            self.save()

    def save(self) -> None:
        """Write what was recorded since the last save."""
        if self._dirty:
            write_atomic(self.path, json.dumps(self._all, sort_keys=True, indent=1) + "\n")
            self._dirty, self._saved_at = False, time.monotonic()
