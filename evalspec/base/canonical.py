"""Canonical JSON and digests: the byte forms that fingerprints and requests are built from."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(value: Any) -> str:
    """Compact JSON with sorted keys: the same value always gives the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(data: bytes | str) -> str:
    """`sha256:<hex>` of bytes, or of text encoded as UTF-8."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def file_sha256(path: str | Any, chunk: int = 1 << 20) -> tuple[str, int]:
    """Hex sha256 and size of a file, read in chunks."""
    hasher = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            hasher.update(block)
            size += len(block)
    return hasher.hexdigest(), size
