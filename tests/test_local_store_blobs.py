"""The blob store: content-addressed, written atomically, each content once."""

from __future__ import annotations

import hashlib
from pathlib import Path

from evalspec.local.store.blobs import BlobStore


def test_content_stored_before_is_not_written_again(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs", durable=False)
    digest = store.put(b"the same truth for every document\n")
    assert digest == hashlib.sha256(b"the same truth for every document\n").hexdigest()
    stored = store.path(digest)
    before = stored.stat()
    assert store.put(b"the same truth for every document\n") == digest
    after = stored.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # not replaced
    assert sorted(p.name for p in (tmp_path / "blobs").rglob("*") if p.is_file()) == [digest]


def test_other_content_gets_its_own_blob(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs", durable=True)
    first, second = store.put(b"one"), store.put(b"two")
    assert first != second
    assert (store.get(first), store.get(second)) == (b"one", b"two")
    assert not list((tmp_path / "blobs").glob(".tmp-*"))  # no temporary file left behind
