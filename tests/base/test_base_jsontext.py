"""`jsontext.dumps` writes `json.dumps(indent=2, sort_keys=True, ensure_ascii=False)`'s layout and values.

The same bytes, but for numbers written shorter (`1e-6` for `1e-06`) and NaN or infinity as
`null`; the same values when read back, NaN and infinity read as null.
"""

from __future__ import annotations

import enum
import json
import math
import random
import re
from typing import Any

import orjson
import pytest
from report_fixtures import big_report, fixture_report

from evalspec.base.jsontext import compact, dumps, iter_dumps, loads
from evalspec.report.document import report_document
from evalspec.report.formats import render, render_chunks

TRICKY = ["", "a\"b\\\n\u00e9\u2028\x00 \U0001f600", "},\n      {", "}, {", "x" * 5]


class Level(enum.IntEnum):
    LOW = 1


def reference(value: Any) -> str:
    """json.dumps's text of `value` with what orjson writes otherwise made alike: NaN and
    infinities as null, floats in orjson's shortest form."""
    text = json.dumps(_finite(value), indent=2, sort_keys=True, ensure_ascii=False)
    return FLOAT_TEXT.sub(_orjson_float, text)


FLOAT_TEXT = re.compile(r'(?:^|(?<=[\[\s:]))(-?\d+(?:\.\d+)?e[-+]\d+)(?=[,\n\]}]|$)')


def _orjson_float(match: re.Match[str]) -> str:
    return orjson.dumps(float(match.group(1))).decode()


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def scalar(rng: random.Random) -> Any:
    return rng.choice([None, True, False, 0, -3, 2**63 - 1, 1.5, 1e-06, 1e-05, -0.0, 1e16, float("nan"),
                       float("-inf"), 2.5, Level.LOW, *TRICKY])


def document(rng: random.Random, depth: int = 0) -> Any:
    """Random JSON-able data, rich in what the fast paths take: flat dicts and lists of them."""
    pick = rng.random()
    if depth > 3 or pick < 0.35:
        return scalar(rng)
    if pick < 0.55:
        return [document(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    if pick < 0.7:  # rows: dicts of scalars, some empty
        rows = range(rng.randint(0, 4))
        return [{rng.choice("abc"): scalar(rng) for _ in range(rng.randint(0, 3))} for _ in rows]
    if pick < 0.8:
        return tuple(document(rng, depth + 1) for _ in range(rng.randint(0, 3)))
    keys = ["a", "b", "é", "z\n", *TRICKY]
    return {rng.choice(keys): document(rng, depth + 1) for _ in range(rng.randint(0, 5))}


def test_random_documents_come_out_identical() -> None:
    rng = random.Random(12)
    for _ in range(5000):
        value = document(rng)
        assert dumps(value) == reference(value), value


def test_report_documents_come_out_identical() -> None:
    for report in (fixture_report(), fixture_report(baseline=False), big_report(40, 7)):
        value = report_document(report)
        assert dumps(value) == reference(value)


def test_keys_that_are_not_strings_and_numbers_past_64_bits_are_written_as_json_does() -> None:
    for value in ({1: [{"x": 1}, 2], 2.5: {"y": [1]}, 3: "n"}, {False: {}, True: [[]]}, {"id": [10**20]}):
        assert dumps(value) == json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
    assert json.loads(dumps({"id": -(10**30)})) == {"id": -(10**30)}


def test_values_read_back_are_the_values_written() -> None:
    rng = random.Random(5)
    for _ in range(2000):
        value = document(rng)
        assert json.loads(dumps(value)) == json.loads(json.dumps(_finite(value))), value
        assert loads(compact(_finite(value))) == json.loads(json.dumps(_finite(value))), value
    with pytest.raises(ValueError):
        loads(b'["evalspec-rows",')


def test_streamed_lists_come_out_identical() -> None:
    rng = random.Random(7)
    for _ in range(2000):
        keys = ["a", "cells", "z", "é", *TRICKY]
        head = {rng.choice(keys): document(rng) for _ in range(rng.randint(0, 4))}
        items = [document(rng) for _ in range(rng.randint(0, 4))]
        whole = {**head, "cells": items}
        assert "".join(iter_dumps(head, "cells", iter(items))) == reference(whole), whole


def test_the_json_report_streamed_cell_by_cell_is_the_whole_document() -> None:
    for report in (fixture_report(), fixture_report(baseline=False), big_report(40, 7)):
        chunks = list(render_chunks(report, "json"))
        assert len(chunks) > len(report.cells)  # written as it is rendered, not in one piece
        assert "".join(chunks) == dumps(report_document(report)) + "\n" == render(report, "json")
        assert "".join(chunks) == reference(report_document(report)) + "\n"


def file_row(rng: random.Random) -> dict[str, Any]:
    """A dict shaped as a report's file row: scalars around a list of check dicts."""
    checks = [{"kind": rng.choice(TRICKY), "params": scalar(rng), "passed": scalar(rng), "score": scalar(rng),
               "weight": scalar(rng), "reason": rng.choice([*TRICKY, "\\u0000", '"\\u0000"', "\x00"])}
              for _ in range(rng.randint(0, 3))]
    return {"filename": rng.choice(TRICKY), "status": scalar(rng), "score": scalar(rng),
            "delta": rng.choice([None, 0.1 + 0.2, -1e-300, 5e-324, float("inf")]), "error": scalar(rng),
            "checks": checks, "failing_checks": rng.randint(0, 3), "lookup_key": "\u00e9\\u0000",
            rng.choice(["z", "\x00", "\\u0000"]): rng.choice([[], {}, [1, {"a": None}], scalar(rng)])}


def test_file_rows_and_cells_of_them_come_out_identical() -> None:
    rng = random.Random(4)
    for _ in range(3000):
        cell = {"key": rng.choice(TRICKY), "files": [file_row(rng) for _ in range(rng.randint(0, 3))],
                "verdicts": [], "score": scalar(rng)}
        assert dumps(cell) == reference(cell), cell
