"""Merging shard locks: union of cells, same lineage only, conflicting cells refused."""

from __future__ import annotations

import pytest

from evalspec.errors import LockfileError
from evalspec.lock.lockfile import LockCell, Lockfile
from evalspec.lock.merge import merge_locks


def _cell(run_id: int) -> LockCell:
    return LockCell(fingerprint=f"sha256:{run_id}", request={}, run_id=run_id, status="completed")


def test_merge_unites_cells_and_keeps_the_highest_serial() -> None:
    base = Lockfile.new()
    one = base.with_cells({"a": _cell(1)})
    two = base.with_cells({"b": _cell(2), "a": _cell(1)}).with_cells({"b": _cell(2), "a": _cell(1)})
    merged = merge_locks([("one", one), ("two", two)])
    assert list(merged.cells) == ["a", "b"] and merged.serial >= two.serial
    assert merged.lineage == base.lineage


def test_merge_refuses_other_lineages_and_conflicts() -> None:
    base = Lockfile.new()
    with pytest.raises(LockfileError, match="lineage"):
        merge_locks([("a", base), ("b", Lockfile.new())])
    with pytest.raises(LockfileError, match="differs"):
        merge_locks([("a", base.with_cells({"k": _cell(1)})), ("b", base.with_cells({"k": _cell(2)}))])
    with pytest.raises(LockfileError):
        merge_locks([])
