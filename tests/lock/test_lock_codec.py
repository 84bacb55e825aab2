"""The lock's own YAML writer and fast reader agree with PyYAML, and step aside when unsure."""

from __future__ import annotations

import math
from typing import Any
from unittest import mock

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from evalspec.errors import LockfileError
from evalspec.lock import io as lock_io
from evalspec.lock.codec import emit, format_scalar, parse_emitted
from evalspec.lock.io import dump_lock, parse_lock
from evalspec.lock.lockfile import LockCell, Lockfile

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text())
keys = st.text(min_size=1)
trees = st.recursive(
    st.dictionaries(keys, scalars, max_size=4),
    lambda children: st.dictionaries(keys, st.one_of(scalars, children), max_size=4),
    max_leaves=20,
)


@settings(max_examples=400)
@given(trees)
def test_pyyaml_reads_back_what_emit_writes(tree: dict[str, Any]) -> None:
    assert yaml.safe_load(emit(tree)) == (tree or None)


@settings(max_examples=400)
@given(trees)
def test_fast_reader_reads_back_every_tree_emit_writes(tree: dict[str, Any]) -> None:
    # None would be a correct answer (the caller falls back on PyYAML) but a useless one: the
    # fast reader exists for exactly these texts, so it must accept each of them.
    parsed = parse_emitted(emit(tree))
    assert parsed is not None
    assert parsed == tree


digests = st.text("0123456789abcdef", min_size=1, max_size=64).map(lambda d: "sha256:" + d)
times = st.none() | st.datetimes().map(lambda t: t.isoformat(timespec="seconds") + "Z")
counts = st.none() | st.integers(min_value=0, max_value=10**6)
cell_keys = st.text("abcxyz019-_./[]=+,", min_size=1, max_size=40)
request_values = st.one_of(st.none(), st.integers(), digests, st.text(max_size=20))
cells = st.builds(
    LockCell,
    fingerprint=digests,
    request=st.dictionaries(st.sampled_from(["collection_id", "eval_rubric_id", "output_format",
                                             "page_schema", "pipeline_id", "mode"]), request_values),
    run_id=counts,
    status=st.sampled_from([None, "queued", "running", "completed", "failed"]),
    total_files=counts,
    completed_files=counts,
    avg_score=st.none() | st.floats(min_value=0, max_value=1),
    submitted_at=times,
    completed_at=times,
)
locks = st.builds(
    Lockfile,
    lineage=st.uuids().map(str),
    serial=st.integers(min_value=0, max_value=10**9),
    gates=st.none() | digests,
    backend=st.sampled_from([None, "local", "https://www.datalab.to", "http://127.0.0.1:8123"]),
    cells=st.dictionaries(cell_keys, cells, max_size=5),
)


@settings(max_examples=200)
@given(locks)
def test_every_lock_dump_lock_writes_is_read_by_the_fast_path(lock: Lockfile) -> None:
    fell_back = AssertionError("parse_lock fell back on the full YAML loader")
    with mock.patch.object(lock_io, "_parse_lock", side_effect=fell_back):
        assert parse_lock(dump_lock(lock), "evalspec.lock") == lock


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "null"), (True, "true"), (3, "3"), (0.5, "0.5"), (1e-05, "1.0e-05"),
        (1e16, "1.0e+16"), (math.inf, ".inf"), ("completed", "completed"),
        ("sha256:ab", "sha256:ab"), ("2026-11-01T10:00:00Z", '"2026-11-01T10:00:00Z"'),
        ("yes", '"yes"'), ("1:30", '"1:30"'), ("a: b", '"a: b"'), ("", '""'),
        ("reports/rich/q[output_format=markdown+html]", "reports/rich/q[output_format=markdown+html]"),
    ],
)
def test_scalars_are_plain_only_when_yaml_reads_them_back_unchanged(value: Any, text: str) -> None:
    assert format_scalar(value) == text
    assert yaml.safe_load(f"k: {text}")["k"] == value


@pytest.mark.parametrize(
    "text",
    [
        "a:\nb: 1\n",            # `a:` with nothing below is null in YAML, not a mapping
        "a: [1, 2]\n",           # flow sequences are not in the subset
        "a: 1  # note\n",        # nor are trailing comments
        "a: 1\na: 2\n",          # nor duplicate keys
        "a:\n   b: 1\n",         # nor odd indentation
        "a: 0123\n",             # YAML 1.1 reads this as octal
    ],
)
def test_fast_reader_steps_aside_outside_its_subset(text: str) -> None:
    assert parse_emitted(text) is None


def _lock() -> Lockfile:
    cell = LockCell(fingerprint="sha256:" + "1" * 64, request={"collection_id": 1}, run_id=7,
                    status="completed", avg_score=0.5, completed_at="2026-11-01T10:00:00Z")
    return Lockfile(lineage="l-1", serial=3, cells={"a/b/c": cell})


def test_a_hand_edit_outside_the_subset_still_parses_through_the_full_loader() -> None:
    text = dump_lock(_lock()).replace("run_id: 7", "run_id: 7  # checked by hand")
    assert parse_lock(text, "evalspec.lock") == _lock()


def test_a_broken_value_is_located_by_the_full_loader() -> None:
    text = dump_lock(_lock()).replace("run_id: 7", "run_id: seven")
    with pytest.raises(LockfileError, match=r"evalspec\.lock:\d+:\d+: cells\.a/b/c\.run_id"):
        parse_lock(text, "evalspec.lock")
