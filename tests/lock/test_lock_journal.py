"""The crash journal: durable appends, replay, a torn last line, bad entries refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalspec.errors import LockfileError
from evalspec.lock.io import write_lock
from evalspec.lock.journal import (
    IntentEntry,
    Journal,
    RemoveEntry,
    RunEntry,
    journal_path,
    read_current_lock,
    read_entries,
    replay,
)
from evalspec.lock.lockfile import Lockfile
from evalspec.lock.store import LockStore


def test_replay_applies_intent_run_and_remove_and_skips_a_torn_line(tmp_path: Path) -> None:
    path = tmp_path / "x.lock.journal"
    journal = Journal(path)
    journal.append(IntentEntry(key="a", fingerprint="sha256:1", request={"x": 1}, at="t"))
    journal.append(RunEntry(key="a", fields={"run_id": 7, "status": "queued"}))
    journal.append(IntentEntry(key="b", fingerprint="sha256:2", request={}, at="t"))
    journal.append(RemoveEntry(key="b"))
    journal.close()
    with path.open("a") as handle:
        handle.write('{"op":"run","key":"a","fields":{"run_id":')  # the crash hit mid-append
    lock, count = replay(Lockfile.new(), path)
    assert count == 4 and read_entries(path)[-1] == RemoveEntry(key="b")
    assert list(lock.cells) == ["a"]
    assert lock.cells["a"].run_id == 7 and lock.cells["a"].fingerprint == "sha256:1"


def test_rewrite_keeps_only_the_given_entries_and_no_journal_replays_nothing(tmp_path: Path) -> None:
    path = tmp_path / "x.lock.journal"
    base = Lockfile.new()
    assert replay(base, path) == (base, 0)
    journal = Journal(path)
    journal.append(RemoveEntry(key="z"))
    journal.rewrite([RemoveEntry(key="y")])
    journal.append(IntentEntry(key="c", fingerprint="f", request={}, at="t"))
    journal.close()
    assert [e.key for e in read_entries(path)] == ["y", "c"]


INTENT = {"op": "intent", "key": "a", "fingerprint": "sha256:1", "request": {}, "at": "t"}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"op": "run", "key": "a", "fields": {"avg_score": "abc"}},
         "fields.avg_score: Input should be a valid number"),
        ({"op": "run", "key": "a", "fields": {"run_id": "zzz"}},
         "fields.run_id: Input should be a valid integer"),
        ({"op": "run", "key": "a", "fields": [1]}, "fields: Input should be a valid dictionary"),
        ({"op": "run", "key": "a", "fields": {"fingerprint": "x"}}, "fields: a run entry cannot change"),
        ({"op": "run", "key": "a", "fields": {"bogus": 1}}, "fields.bogus: Extra inputs are not permitted"),
        ({"op": "intent", "key": "a", "request": {}, "at": "t"}, "fingerprint: Field required"),
        ({"op": "remove", "key": 3}, "key: Input should be a valid string"),
        ({"op": "explode", "key": "a"}, "Input tag 'explode' found using 'op'"),
        (5, "Input should be a valid dictionary"),
    ],
)
def test_a_bad_entry_is_refused_at_its_line_and_never_reaches_the_lock(
    tmp_path: Path, entry: object, message: str
) -> None:
    lock_path = tmp_path / "x.lock"
    write_lock(lock_path, Lockfile.new())
    before = lock_path.read_bytes()
    journal_path(lock_path).write_text(json.dumps(INTENT) + "\n" + json.dumps(entry) + "\n")
    for read in (lambda: read_current_lock(lock_path), lambda: LockStore.open(lock_path)):
        with pytest.raises(LockfileError) as info:
            read()
        assert str(info.value).startswith(f"{journal_path(lock_path)}:2: {message}")
    assert lock_path.read_bytes() == before


def test_an_entry_appended_after_a_torn_line_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "x.lock.journal"
    path.write_text('{"op":"intent","key":"a","fin')  # a crash mid-append, then a new apply
    journal = Journal(path)
    journal.append(IntentEntry.model_validate(INTENT))
    journal.close()
    assert read_entries(path) == [IntentEntry.model_validate(INTENT)]
