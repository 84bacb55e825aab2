"""LockStore: journalled changes survive a crash; checkpoints write a valid lock and empty the journal."""

from __future__ import annotations

from pathlib import Path

from evalspec.lock.io import read_lock
from evalspec.lock.journal import journal_path
from evalspec.lock.store import LockStore


def test_intent_and_run_survive_a_crash_before_any_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "evalspec.lock"
    store = LockStore.open(path)
    serial = store.lock.serial
    store.record_intent("a", "sha256:1", {"collection_id": 1}, "2026-01-01T00:00:00+00:00")
    store.record_run("a", {"run_id": 5, "status": "queued"})
    # No checkpoint and no close: a kill -9 here. The lock on disk does not have the cell yet.
    assert read_lock(path) is None  # a new lock is written with its first run, at a checkpoint
    reopened = LockStore.open(path)
    assert reopened.cell("a") is not None and reopened.cell("a").run_id == 5  # type: ignore[union-attr]
    assert reopened.lock.serial > serial
    assert journal_path(path).read_text() == ""  # replayed into the lock, then emptied
    reopened.close()
    store.close()


def test_progress_is_written_at_checkpoints_and_an_unchanged_lock_is_not_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "evalspec.lock"
    store = LockStore.open(path)
    store.record_intent("a", "sha256:1", {}, "t")
    store.record_run("a", {"run_id": 5})
    store.checkpoint()
    written = path.read_bytes()
    store.update_run("a", {"run_id": 5})  # nothing new
    store.checkpoint()
    assert path.read_bytes() == written
    store.update_run("a", {"status": "completed", "completed_at": "t2"})
    store.checkpoint()
    lock = read_lock(path)
    assert lock is not None and lock.cells["a"].status == "completed"
    store.remove("a")
    store.close()
    assert read_lock(path).cells == {}  # type: ignore[union-attr]
    assert not journal_path(path).exists()


def test_an_open_intent_keeps_the_replaced_run_on_disk_and_claimed(tmp_path: Path) -> None:
    """A replace cut short by a crash: the lock file still names the old run, which the
    journal's intent supersedes; after the run id arrives, the new run takes its place."""
    path = tmp_path / "evalspec.lock"
    store = LockStore.open(path)
    store.record_intent("a/b/c", "sha256:old", {"collection_id": 1}, "2026-11-01T10:00:00+00:00")
    store.record_run("a/b/c", {"run_id": 5, "status": "completed"})
    store.checkpoint()
    store.record_intent("a/b/c", "sha256:new", {"collection_id": 1}, "2026-11-01T10:01:00+00:00")
    store.checkpoint()
    on_disk = read_lock(path)
    assert on_disk is not None and on_disk.cells["a/b/c"].run_id == 5
    assert store.superseded() == {5}
    store._journal.close()  # a crash: no close(), the journal stays

    reopened = LockStore.open(path)
    cell = reopened.cell("a/b/c")
    assert cell is not None and cell.fingerprint == "sha256:new" and cell.run_id is None
    assert reopened.superseded() == {5}
    reopened.record_run("a/b/c", {"run_id": 9, "status": "queued"})
    reopened.close()
    final = read_lock(path)
    assert final is not None and final.cells["a/b/c"].run_id == 9
    assert not journal_path(path).exists()
