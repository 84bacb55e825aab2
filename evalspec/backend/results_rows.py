"""A run's per-file results as reports read them: rows, kept beside the cached results document.

A report of 10,000 cells reads the results of 20,000 runs (both sides), 200,000 files each with
their checks. Parsing and validating every whole document, then reading every check, was most
of its time, and a baseline needs only the scores. So when a run's results are cached, its rows
are written beside them (`<run id>.rows`), three lines of JSON:

    ["evalspec-rows", 1]
    [[filename, status, eval_score, failing checks, error, request_id, lookup_key], ...]
    [[check, ...], ...]

The second line is a file per item, in the run's order: all that a baseline, a gate or a ranking
of files needs. The third is each file's checks as report documents (`CheckDocument`), parsed
only when checks are shown. Scores are kept as the backend sent them (the lock's score scale is
applied when reading); so are statuses, judged by the vocabulary of the reading version.

Datalab does not publish the inside of `eval_results`, so checks are read tolerantly: a list of
check objects under `checks` (the local service), `evaluations` or `results`, each with a kind
(`kind`, `name` or `type`), a verdict (`passed`, `pass` or `success`), `weight`, `score` and a
reason (`reason`, `message`, `explanation` or `observed`); anything else in a check is a
parameter. An `error` string says why the file could not be scored at all.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypedDict

from evalspec.api.shapes import FileResult, RunResults
from evalspec.base import jsontext

HEADER = b'["evalspec-rows",1]'
LIST_KEYS = ("checks", "evaluations", "results")
KIND_KEYS = ("kind", "name", "type")
VERDICT_KEYS = ("passed", "pass", "success")
REASON_KEYS = ("reason", "message", "explanation", "observed")
NOT_PARAMS = {*KIND_KEYS, *VERDICT_KEYS, *REASON_KEYS, "weight", "score", "params"}
PARAM_TEXT_LIMIT = 40  # a parameter is shown in short: a long regex or text is cut

# The items of a file row (the second line), by position: lists parse faster than objects.
FILENAME, STATUS, SCORE, FAILING, ERROR, REQUEST_ID, LOOKUP_KEY = range(7)
FileLine = list[Any]
_TEXT, _MAYBE_TEXT = frozenset({str}), frozenset({str, type(None)})
_COLUMN_TYPES = (_TEXT, _MAYBE_TEXT, frozenset({float, int, type(None)}), frozenset({int}), _MAYBE_TEXT,
                 _MAYBE_TEXT, _MAYBE_TEXT)


class CheckDocument(TypedDict):
    """One check of a rubric on one file, as the backend reported it (and every report shows it)."""

    kind: str
    params: str  # its parameters in short: `text='Total' field=po_number`
    passed: bool | None  # None when the backend gave no verdict
    weight: float | None
    score: float | None
    reason: str


CheckSource = Callable[[], "list[list[CheckDocument]]"]


class RunRows:
    """One run's rows: its files at once, their checks parsed when first asked for.

    Checks come as the stored line (parsed on use), as a parsed list, or from a source called
    on use (committed evidence, which takes the reasons from the results cache if it has them).
    Parsed checks are kept in `recent` when one is given (a report's runs share one, so its
    memory follows that, not the report), else in the rows themselves. `scale_applied`: the
    scores are on the 0..1 scale already (committed evidence), not as the backend sent them.
    """

    __slots__ = ("_checks", "_recent", "_source", "files", "scale_applied")

    def __init__(self, files: list[FileLine], checks: bytes | list[list[CheckDocument]] | CheckSource,
                 recent: RecentChecks | None = None, scale_applied: bool = False) -> None:
        self.files = files
        self._source = checks if not isinstance(checks, list) else None
        self._checks = checks if isinstance(checks, list) else None
        self._recent = recent
        self.scale_applied = scale_applied

    def checks(self, index: int) -> list[CheckDocument]:
        """The checks of the file at `index`; [] when the stored line does not parse."""
        if self._checks is not None:
            return self._checks[index]
        if self._recent is not None:
            return self._recent.of(self)[index]
        self._checks = self.parse_checks()
        return self._checks[index]

    def parse_checks(self) -> list[list[CheckDocument]]:
        """Every file's checks, parsed (or asked of their source) now."""
        if callable(self._source):
            return self._source()
        return _parsed_checks(self._source or b"", len(self.files))


class RecentChecks:
    """The parsed checks of the runs read last. A report goes through its cells in order, so a
    few runs' worth serves it, and 600,000 parsed checks of 10,000 cells are never alive at once."""

    def __init__(self, runs: int = 8) -> None:
        self.runs = runs
        self._parsed: OrderedDict[RunRows, list[list[CheckDocument]]] = OrderedDict()

    def of(self, rows: RunRows) -> list[list[CheckDocument]]:
        """The parsed checks of `rows`, parsed now unless they are among the last few."""
        found = self._parsed.get(rows)
        if found is None:
            found = self._parsed[rows] = rows.parse_checks()
            if len(self._parsed) > self.runs:
                self._parsed.popitem(last=False)
        else:
            self._parsed.move_to_end(rows)
        return found


def rows_of(results: RunResults) -> RunRows:
    """The rows of a run's validated results document."""
    checks = [checks_of(result.eval_results) for result in results.file_results]
    files = [_file_line(result, found) for result, found in zip(results.file_results, checks, strict=True)]
    return RunRows(files, checks)


def rows_text(rows: RunRows) -> bytes:
    """The three lines that `parse_rows` reads back."""
    checks = [rows.checks(i) for i in range(len(rows.files))]
    return b"\n".join((HEADER, jsontext.compact(rows.files), jsontext.compact(checks))) + b"\n"


def parse_rows(text: bytes, recent: RecentChecks | None = None) -> RunRows | None:
    """The rows `rows_text` wrote (their checks parsed on use, kept in `recent`); None for
    anything else (an older or damaged file)."""
    lines = text.split(b"\n", 3)
    if len(lines) < 3 or lines[0] != HEADER:
        return None
    try:
        files = jsontext.loads(lines[1])
    except ValueError:
        return None
    if type(files) is not list or not _are_file_lines(files):
        return None
    return RunRows(files, lines[2], recent)


def checks_of(eval_results: Mapping[str, Any]) -> list[CheckDocument]:
    """The checks an `eval_results` object reports, in its order; [] when it reports none."""
    for key in LIST_KEYS:
        items = eval_results.get(key)
        if isinstance(items, list):
            return [_check(item) for item in items if isinstance(item, Mapping)]
    return []


def error_of(eval_results: Mapping[str, Any]) -> str | None:
    """Why the file could not be scored, when the backend says so."""
    error = eval_results.get("error")
    return str(error) if error else None


def failing_count(checks: Sequence[CheckDocument]) -> int:
    """How many checks did not pass (a check without a verdict is not counted)."""
    return sum(1 for check in checks if check["passed"] is False)


def short_params(params: Mapping[str, Any]) -> str:
    """`field=po_number pattern='^PO-\\d+'`: each parameter, long values cut."""
    return " ".join(f"{key}={_short(value)}" for key, value in sorted(params.items()))


def _file_line(result: FileResult, checks: list[CheckDocument]) -> FileLine:
    request_id = None if result.request_id is None else str(result.request_id)  # any size of number
    return [result.filename, result.status, result.eval_score, failing_count(checks),
            error_of(result.eval_results), request_id, result.lookup_key]


def _are_file_lines(files: list[Any]) -> bool:
    """Whether every item is a file row of the right types (column by column: 20,000 runs are read)."""
    if not files:
        return True
    if set(map(type, files)) != {list} or set(map(len, files)) != {len(_COLUMN_TYPES)}:
        return False
    columns = zip(*files, strict=True)
    return all(set(map(type, column)) <= kinds for column, kinds in zip(columns, _COLUMN_TYPES, strict=True))


def _parsed_checks(text: bytes, count: int) -> list[list[CheckDocument]]:
    try:
        checks = jsontext.loads(text)
    except ValueError:
        checks = None
    if type(checks) is list and len(checks) == count and all(type(c) is list for c in checks):
        return checks
    return [[] for _ in range(count)]


def _check(item: Mapping[str, Any]) -> CheckDocument:
    params = item.get("params")
    if not isinstance(params, Mapping):
        params = {k: v for k, v in item.items() if k not in NOT_PARAMS}
    return {
        "kind": str(_first(item, KIND_KEYS) or "check"), "params": short_params(params) if params else "",
        "passed": _verdict(_first(item, VERDICT_KEYS)), "weight": _number(item.get("weight")),
        "score": _number(item.get("score")), "reason": str(_first(item, REASON_KEYS) or ""),
    }


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)
    if len(text) > PARAM_TEXT_LIMIT:
        text = text[: PARAM_TEXT_LIMIT - 1] + "…"
    return f"'{text}'" if isinstance(value, str) else text


def _first(item: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = item.get(key)
        if value is not None:
            return value
    return None


def _verdict(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)
