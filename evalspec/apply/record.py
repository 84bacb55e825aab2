"""What a finished run's results add to its cell in the lock: per-file evidence, and any score
that cannot be trusted on the lock's scale. Shared by apply and `status --refresh`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evalspec.api.shapes import RunResults
from evalspec.backend.evidence import evidence_of
from evalspec.backend.fetch import file_score_error
from evalspec.lock.store import LockStore
from evalspec.plan.select import key_parts


def record_results(store: LockStore, key: str, results: RunResults, scale: float) -> str | None:
    """Record the evidence of the cell's finished run; the error when a file's score cannot be
    trusted (the cell then keeps it, and fails every gate)."""
    cell = store.cell(key)
    if cell is None:
        return None
    store.update_run(key, {"files": evidence_of(results, document_digests(store.inputs, key), scale)})
    if cell.error is not None:
        return None
    error = file_score_error(results, scale)
    if error is not None:
        store.update_run(key, {"error": error})
    return error


def document_digests(inputs: Mapping[str, Mapping[str, Any]] | None, key: str) -> dict[str, str]:
    """The sha256 of each document of the cell's managed collection, by file name, as the lock's
    inputs recorded them (none for an unmanaged collection)."""
    collection = ((inputs or {}).get("collections") or {}).get(key_parts(key)["collection"]) or {}
    files = collection.get("files") or {}
    return {name: digest for name, digest in files.items() if isinstance(digest, str)}
