"""Matrix expansion: GitHub Actions' documented include/exclude examples, and properties."""

from __future__ import annotations

import json
import random
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from other_process import outputs_under_hash_seeds

from evalspec.plan.matrix import MAX_COMBINATIONS, MAX_PRODUCT, MatrixTooLarge, expand, product_limit


def combos(
    axes: Mapping[str, Sequence[Hashable]], include: Any = (), exclude: Any = ()
) -> list[dict[str, Any]]:
    return [c.values for c in expand(axes, include, exclude)]


def test_docs_product_order() -> None:
    # "the matrix above will create the jobs in the following order"
    assert combos({"version": [10, 12, 14], "os": ["ubuntu-latest", "windows-latest"]}) == [
        {"version": 10, "os": "ubuntu-latest"}, {"version": 10, "os": "windows-latest"},
        {"version": 12, "os": "ubuntu-latest"}, {"version": 12, "os": "windows-latest"},
        {"version": 14, "os": "ubuntu-latest"}, {"version": 14, "os": "windows-latest"},
    ]


def test_docs_include_fruit_and_animal() -> None:
    # "Example: Expanding or adding matrix configurations": the six documented combinations.
    include = [
        {"color": "green"},
        {"color": "pink", "animal": "cat"},
        {"fruit": "apple", "shape": "circle"},
        {"fruit": "banana"},
        {"fruit": "banana", "animal": "cat"},
    ]
    assert combos({"fruit": ["apple", "pear"], "animal": ["cat", "dog"]}, include) == [
        {"fruit": "apple", "animal": "cat", "color": "pink", "shape": "circle"},
        {"fruit": "apple", "animal": "dog", "color": "green", "shape": "circle"},
        {"fruit": "pear", "animal": "cat", "color": "pink"},
        {"fruit": "pear", "animal": "dog", "color": "green"},
        {"fruit": "banana"},
        {"fruit": "banana", "animal": "cat"},
    ]


def test_docs_include_expands_one_os_node_combination() -> None:
    # "Example: Expanding configurations": npm 6 only for windows-latest with node 16.
    result = combos(
        {"os": ["windows-latest", "ubuntu-latest"], "node": [14, 16]},
        [{"os": "windows-latest", "node": 16, "npm": 6}],
    )
    assert result == [
        {"os": "windows-latest", "node": 14},
        {"os": "windows-latest", "node": 16, "npm": 6},
        {"os": "ubuntu-latest", "node": 14},
        {"os": "ubuntu-latest", "node": 16},
    ]


def test_docs_include_adds_a_configuration() -> None:
    # "Example: Adding configurations": a value outside the axes makes a new combination.
    result = combos(
        {"os": ["windows-latest", "ubuntu-latest", "macos-latest"], "version": [10, 12, 14]},
        [{"os": "windows-latest", "version": 17}],
    )
    assert len(result) == 10
    assert result[-1] == {"os": "windows-latest", "version": 17}


def test_docs_exclude_partial_match() -> None:
    # "Example: Excluding matrix configurations": 12 - 1 - 2 = 9 jobs.
    result = combos(
        {"os": ["macos-latest", "windows-latest"], "version": [12, 14, 16],
         "environment": ["staging", "production"]},
        exclude=[
            {"os": "macos-latest", "version": 12, "environment": "production"},
            {"os": "windows-latest", "version": 16},
        ],
    )
    assert len(result) == 9
    assert {"os": "macos-latest", "version": 12, "environment": "production"} not in result
    assert {"os": "macos-latest", "version": 12, "environment": "staging"} in result
    assert not [c for c in result if c["os"] == "windows-latest" and c["version"] == 16]


def test_docs_include_only_matrix() -> None:
    include = [
        {"site": "production", "datacenter": "site-a"},
        {"site": "staging", "datacenter": "site-b"},
    ]
    assert combos({}, include) == include


def test_include_may_overwrite_values_added_by_earlier_includes_only() -> None:
    result = combos({"a": [1]}, [{"x": 1}, {"x": 2}, {"a": 2, "x": 3}])
    assert result == [{"a": 1, "x": 2}, {"a": 2, "x": 3}]


def test_include_re_adds_an_excluded_combination() -> None:
    # Includes come after excludes: an include can bring back what an exclude removed.
    result = combos({"a": [1, 2]}, include=[{"a": 2}], exclude=[{"a": 2}])
    assert result == [{"a": 1}, {"a": 2}]


def test_sources_record_the_include_that_shaped_a_combination() -> None:
    result = expand({"a": [1, 2]}, [{"b": 1}, {"a": 1, "c": 1}, {"a": 3}])
    assert [(r.source, r.merged_from) for r in result] == [(1, [0, 1]), (0, [0]), (2, [])]


# --- properties -----------------------------------------------------------------------------

AXIS_NAMES = ("collection", "pipeline", "rubric", "output_format")
values = st.sampled_from(["a", "b", "c"])
axes_strategy = st.dictionaries(
    st.sampled_from(AXIS_NAMES[:3]), st.lists(values, min_size=1, max_size=3, unique=True), max_size=3,
)
entries = st.lists(st.dictionaries(st.sampled_from(AXIS_NAMES), values, min_size=1, max_size=3), max_size=4)


_ABSENT = object()


def reference(
    axes: Mapping[str, Sequence[Hashable]], include: Any = (), exclude: Any = ()
) -> list[list[tuple[str, Any]]]:
    """GitHub's rules written out a second way: rows built axis by axis, includes folded over them."""
    rows: list[dict[str, Any]] = [{}] if axes else []
    for name, choices in axes.items():
        rows = [{**row, name: value} for row in rows for value in choices]
    rows = [r for r in rows if not any(all(r.get(k, _ABSENT) == v for k, v in e.items()) for e in exclude)]
    originals = [dict(row) for row in rows]  # include entries are matched against these, never rows
    added = []
    for entry in include:
        fitting = [i for i, o in enumerate(originals) if all(o[k] == v for k, v in entry.items() if k in o)]
        for i in fitting:
            rows[i].update(entry)
        if not fitting:
            added.append(dict(entry))
    return [list(row.items()) for row in rows + added]


def ordered(result: list[dict[str, Any]]) -> list[list[tuple[str, Any]]]:
    return [list(values.items()) for values in result]


@settings(max_examples=150, deadline=None)
@given(axes_strategy, entries, entries)
def test_expansion_agrees_with_a_second_reading_of_the_rules(
    axes: dict[str, list[str]], include: Any, exclude: Any
) -> None:
    # Order of combinations and of keys within each: both are what a user sees in plan output.
    assert ordered(combos(axes, include, exclude)) == reference(axes, include, exclude)


EXPAND_IN_ANOTHER_PROCESS = """
import json, sys
from evalspec.plan.matrix import expand
for case in json.load(sys.stdin):
    result = expand(case["axes"], case["include"], case["exclude"])
    print(json.dumps([[list(c.values.items()), c.source, c.merged_from] for c in result]))
"""


def test_expansion_does_not_depend_on_the_hash_seed() -> None:
    rng = random.Random(7)
    names, words = ["collection", "pipeline", "rubric", "output_format"], ["a", "b", "c", "d"]

    def entry() -> dict[str, str]:
        return {k: rng.choice(words) for k in rng.sample(names, rng.randint(1, 3))}

    def axes() -> dict[str, list[str]]:
        return {n: rng.sample(words, rng.randint(1, 3)) for n in rng.sample(names[:3], rng.randint(1, 3))}

    cases = [{"axes": axes(), "include": [entry() for _ in range(rng.randint(0, 4))],
              "exclude": [entry() for _ in range(rng.randint(0, 3))]} for _ in range(200)]
    here = "".join(
        json.dumps([[list(c.values.items()), c.source, c.merged_from] for c in expand(**case)]) + "\n"
        for case in cases
    )
    assert outputs_under_hash_seeds(EXPAND_IN_ANOTHER_PROCESS, json.dumps(cases)) == [here, here]


@settings(max_examples=150, deadline=None)
@given(axes_strategy, entries, entries)
def test_exclude_never_removes_an_include(axes: dict[str, list[str]], include: Any, exclude: Any) -> None:
    # Every include entry is applied whatever the excludes: merged into a combination or added.
    result = expand(axes, include, exclude)
    for index in range(len(include)):
        assert any(index in c.merged_from or c.source == index for c in result)
    # and a combination an include adds without excludes is still added with them
    added = [c.values for c in expand(axes, include) if c.source is not None and not c.merged_from]
    with_excludes = [c.values for c in result]
    assert all(values in with_excludes for values in added)


@settings(max_examples=150, deadline=None)
@given(axes_strategy, entries)
def test_exclude_removes_exactly_the_partial_matches_without_includes(
    axes: dict[str, list[str]], exclude: Any
) -> None:
    full = combos(axes)
    kept = combos(axes, exclude=exclude)
    assert kept == [c for c in full if not any(all(c.get(k) == v for k, v in e.items()) for e in exclude)]


def test_a_huge_product_is_counted_not_built() -> None:
    # 10^12 combinations: only counting can answer this before the test times out.
    axes = {axis: list(range(10_000)) for axis in ("a", "b", "c")}
    with pytest.raises(MatrixTooLarge) as info:
        expand(axes, limit=256)
    assert (info.value.count, info.value.exact, info.value.before_excludes) == (10**12, True, False)
    with pytest.raises(MatrixTooLarge) as info:
        expand(axes, exclude=[{"a": 1}], limit=256)
    assert (info.value.count, info.value.before_excludes) == (10**12, True)


def test_the_limit_counts_what_survives_the_excludes() -> None:
    axes = {"a": list(range(100)), "b": list(range(100))}  # 10,000: below the product limit
    kept = expand(axes, exclude=[{"a": a} for a in range(1, 100)], limit=100)
    assert len(kept) == 100
    with pytest.raises(MatrixTooLarge) as info:
        expand(axes, include=[{"c": 1}], exclude=[{"a": a} for a in range(2, 100)], limit=100)
    assert (info.value.count, info.value.exact) == (200, False)  # includes may add more
    assert product_limit(100) == MAX_COMBINATIONS and product_limit(10_000) == 40_000
    with pytest.raises(MatrixTooLarge) as info:  # a huge ceiling does not lift the hard bound
        expand({axis: list(range(10_000)) for axis in ("a", "b", "c")}, limit=10**20)
    assert (info.value.count, info.value.before_excludes) == (10**12, True)
    assert product_limit(10**20) == MAX_PRODUCT
