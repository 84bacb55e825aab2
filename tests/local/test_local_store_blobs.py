"""The blob store: content-addressed, written atomically, each content once."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from evalspec.local.store.blobs import INLINE_BYTES, BlobStore
from evalspec.local.store.db import Database


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


def test_a_leftover_temporary_file_is_never_written_into(tmp_path: Path) -> None:
    # A process killed mid-upload leaves `.tmp-<pid>-<n>`; a later process with the same pid
    # counts its temporary names anew and must step past the leftover, not share it.
    store = BlobStore(tmp_path / "blobs", durable=False)
    first = store.writer(100)
    leftover = first._tmp.with_name(f".tmp-{os.getpid()}-{int(first._tmp.name.rsplit('-', 1)[1]) + 1}")
    leftover.write_bytes(b"half of a killed upload")
    with first:
        first.write(b"one")
        first.commit()
    digest = store.put(b"two")
    assert store.get(digest) == b"two"
    assert leftover.read_bytes() == b"half of a killed upload"


def test_the_first_blob_of_a_directory_makes_it_and_the_next_reuses_it(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs", durable=False)
    digests = [store.put(b"%d" % i) for i in range(300)]  # more than one per two-digit prefix
    assert [store.get(d) for d in digests] == [b"%d" % i for i in range(300)]
    assert {p.name for p in (tmp_path / "blobs").iterdir()} == {d[:2] for d in digests}


def test_small_blobs_are_rows_and_large_ones_files(tmp_path: Path) -> None:
    db = Database(tmp_path / "state.sqlite3", durable=False)
    store = BlobStore(tmp_path / "blobs", durable=False, db=db)
    small, large = b"a truth sidecar\n", b"x" * (INLINE_BYTES + 1)
    digests = store.put_many([small, large, small])
    assert digests == [hashlib.sha256(d).hexdigest() for d in (small, large, small)]
    assert store.source(digests[0]) == small  # the bytes themselves: no file to open
    assert not store.path(digests[0]).exists()
    assert store.source(digests[1]) == store.path(digests[1])
    assert (store.get(digests[0]), store.get(digests[1])) == (small, large)
    assert db.scalar("SELECT COUNT(*) FROM inline_blobs") == 1  # each content once
    db.close()


def test_a_small_blob_stored_as_a_file_earlier_is_still_read(tmp_path: Path) -> None:
    # Data directories made before inline blobs, and uploads streamed to an upload URL, keep
    # small blobs as files.
    with BlobStore(tmp_path / "blobs", durable=False).writer(100) as blob:
        blob.write(b"stored as a file")
        digest = blob.commit()[0]
    db = Database(tmp_path / "state.sqlite3", durable=False)
    store = BlobStore(tmp_path / "blobs", durable=False, db=db)
    assert store.source(digest) == store.path(digest)
    assert store.get(digest) == b"stored as a file"
    db.close()
