"""`--select` filters and `--shard` splits."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalspec.errors import UsageError
from evalspec.plan.select import EVERYTHING, Shard, key_parts, parse_selection, parse_shard

KEYS = [
    f"{c}/{p}/{r}" + suffix
    for c in ("invoices", "receipts", "demo") for p in ("md", "invoice", "custom")
    for r in ("fields", "layout", "-") for suffix in ("", "[output_format=markdown+html]")
]


def test_key_parts() -> None:
    assert key_parts("invoices/md/fields[output_format=markdown+json,page_schema=a]") == {
        "collection": "invoices", "pipeline": "md", "rubric": "fields",
    }
    assert key_parts("c/p/-") == {"collection": "c", "pipeline": "p", "rubric": "-"}


def test_select_filters_by_axis_and_comma_lists() -> None:
    selection = parse_selection(["collection=invoices,demo", "pipeline=md", "rubric=fields"], None)
    assert [k for k in KEYS if selection.includes(k)] == [
        "invoices/md/fields", "invoices/md/fields[output_format=markdown+html]",
        "demo/md/fields", "demo/md/fields[output_format=markdown+html]",
    ]
    assert all(EVERYTHING.includes(k) for k in KEYS)


def test_repeated_select_on_one_axis_is_a_union() -> None:
    selection = parse_selection(["pipeline=md", "pipeline=custom"], None)
    assert {key_parts(k)["pipeline"] for k in KEYS if selection.includes(k)} == {"md", "custom"}


@pytest.mark.parametrize("bad", ["pipeline", "model=x", "pipeline=", "=md"])
def test_bad_select(bad: str) -> None:
    with pytest.raises(UsageError, match=r"--select .*expected one of collection, pipeline, rubric=NAME"):
        parse_selection([bad], None)


@pytest.mark.parametrize("bad", ["0/3", "4/3", "1", "a/b", "1/0", "-1/2", "1/2/3"])
def test_bad_shard(bad: str) -> None:
    with pytest.raises(UsageError, match=r"expected I/N with 1 <= I <= N"):
        parse_shard(bad)


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=1, max_value=12), st.lists(st.text(min_size=1), unique=True, max_size=50))
def test_every_cell_in_exactly_one_shard(count: int, extra: list[str]) -> None:
    for key in KEYS + extra:
        owners = [i for i in range(1, count + 1) if Shard(i, count).owns(key)]
        assert len(owners) == 1


def test_shards_are_stable_and_spread() -> None:
    # Pinned: a cell must never move between CI jobs across runs or versions.
    assert [i for i in range(1, 5) if Shard(i, 4).owns("invoices/md/fields")] == [
        int.from_bytes(hashlib.sha256(b"invoices/md/fields").digest()[:8], "big") % 4 + 1
    ]
    sizes = [sum(Shard(i, 3).owns(k) for k in KEYS) for i in (1, 2, 3)]
    assert sum(sizes) == len(KEYS) == 54
    assert min(sizes) > 0


def test_select_and_shard_combine() -> None:
    selection = parse_selection(["collection=demo"], "2/3")
    assert selection.shard == Shard(2, 3)
    chosen = [k for k in KEYS if selection.includes(k)]
    assert chosen == [k for k in KEYS if k.startswith("demo/") and Shard(2, 3).owns(k)]
