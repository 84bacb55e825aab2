"""Why a file scored what it did: each check's verdict read from a file result's `eval_results`.

Datalab does not publish the inside of `eval_results`, so this reads it tolerantly: a list of
check objects under `checks` (the local service), `evaluations` or `results`, each with a kind
(`kind`, `name` or `type`), a verdict (`passed` or `pass`), `weight`, `score` and a reason
(`reason`, `message`, `explanation` or `observed`). Anything else in a check is a parameter.
An `error` string says why the file could not be scored at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, overload

from evalspec.report.values import CheckRow, Checks

LIST_KEYS = ("checks", "evaluations", "results")
KIND_KEYS = ("kind", "name", "type")
VERDICT_KEYS = ("passed", "pass", "success")
REASON_KEYS = ("reason", "message", "explanation", "observed")
NOT_PARAMS = {*KIND_KEYS, *VERDICT_KEYS, *REASON_KEYS, "weight", "score", "params"}
PARAM_TEXT_LIMIT = 40  # a parameter is shown in short: a long regex or text is cut


def checks_of(eval_results: Mapping[str, Any]) -> tuple[CheckRow, ...]:
    """The checks an `eval_results` object reports, in its order; () when it reports none."""
    return tuple(lazy_checks_of(eval_results))


def lazy_checks_of(eval_results: Mapping[str, Any]) -> Checks:
    """`checks_of`, each check read when first asked for (a count of failed ones is cheaper)."""
    for key in LIST_KEYS:
        items = eval_results.get(key)
        if isinstance(items, list):  # exact dicts first: the ABC check is a third of the cost
            return LazyChecks([item for item in items if type(item) is dict or isinstance(item, Mapping)])
    return LazyChecks([])


class LazyChecks(Checks):
    """The check objects of one file, read into CheckRows on first use."""

    __slots__ = ("_items", "_rows")

    def __init__(self, items: list[Mapping[str, Any]]) -> None:
        self._items = items
        self._rows: tuple[CheckRow, ...] | None = None

    def rows(self) -> tuple[CheckRow, ...]:
        """Every check, read once."""
        if self._rows is None:
            self._rows = tuple(_check(item) for item in self._items)
        return self._rows

    def failing_count(self) -> int:
        """How many checks did not pass, read from their verdicts only."""
        return sum(1 for item in self._items if _verdict(_first(item, VERDICT_KEYS)) is False)

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> CheckRow: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[CheckRow, ...]: ...
    def __getitem__(self, index: int | slice) -> CheckRow | tuple[CheckRow, ...]:
        return self.rows()[index]

    def __iter__(self) -> Iterator[CheckRow]:
        return iter(self.rows())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and self.rows() == tuple(other)

    def __hash__(self) -> int:
        return hash(self.rows())

    def __repr__(self) -> str:
        return repr(self.rows())


def error_of(eval_results: Mapping[str, Any]) -> str | None:
    """Why the file could not be scored, when the backend says so."""
    error = eval_results.get("error")
    return str(error) if error else None


def _check(item: Mapping[str, Any]) -> CheckRow:
    params = item.get("params")
    if not isinstance(params, Mapping):
        params = {k: v for k, v in item.items() if k not in NOT_PARAMS}
    return CheckRow(
        kind=str(_first(item, KIND_KEYS) or "check"), params=short_params(params) if params else "",
        passed=_verdict(_first(item, VERDICT_KEYS)), weight=_number(item.get("weight")),
        score=_number(item.get("score")), reason=str(_first(item, REASON_KEYS) or ""),
    )


def short_params(params: Mapping[str, Any]) -> str:
    """`field=po_number pattern='^PO-\\d+'`: each parameter, long values cut."""
    return " ".join(f"{key}={_short(value)}" for key, value in sorted(params.items()))


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)
    if len(text) > PARAM_TEXT_LIMIT:
        text = text[: PARAM_TEXT_LIMIT - 1] + "…"
    return f"'{text}'" if isinstance(value, str) else text


def _first(item: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:  # a loop, not next(genexpr): 600,000 checks in a report of 10,000 cells
        value = item.get(key)
        if value is not None:
            return value
    return None


def _verdict(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _number(value: Any) -> float | None:
    if type(value) is float:
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)
