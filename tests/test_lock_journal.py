"""The crash journal: durable appends, replay, a torn last line."""

from __future__ import annotations

from pathlib import Path

from evalspec.lock.journal import Journal, read_entries, replay
from evalspec.lock.lockfile import Lockfile


def test_replay_applies_intent_run_and_remove_and_skips_a_torn_line(tmp_path: Path) -> None:
    path = tmp_path / "x.lock.journal"
    journal = Journal(path)
    journal.append({"op": "intent", "key": "a", "fingerprint": "sha256:1", "request": {"x": 1}, "at": "t"})
    journal.append({"op": "run", "key": "a", "fields": {"run_id": 7, "status": "queued"}})
    journal.append({"op": "intent", "key": "b", "fingerprint": "sha256:2", "request": {}, "at": "t"})
    journal.append({"op": "remove", "key": "b"})
    journal.close()
    with path.open("a") as handle:
        handle.write('{"op":"run","key":"a","fields":{"run_id":')  # the crash hit mid-append
    lock, count = replay(Lockfile.new(), path)
    assert count == 4 and list(read_entries(path))[-1]["op"] == "remove"
    assert list(lock.cells) == ["a"]
    assert lock.cells["a"].run_id == 7 and lock.cells["a"].fingerprint == "sha256:1"


def test_rewrite_keeps_only_the_given_entries_and_no_journal_replays_nothing(tmp_path: Path) -> None:
    path = tmp_path / "x.lock.journal"
    base = Lockfile.new()
    assert replay(base, path) == (base, 0)
    journal = Journal(path)
    journal.append({"op": "remove", "key": "z"})
    journal.rewrite([{"op": "remove", "key": "y"}])
    journal.append({"op": "intent", "key": "c", "fingerprint": "f", "request": {}, "at": "t"})
    journal.close()
    assert [e["key"] for e in read_entries(path)] == ["y", "c"]
