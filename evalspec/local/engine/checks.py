"""The deterministic checks of a local `eval_definition`, and its validation.

An eval_definition is `{"evaluations": [{"kind": ..., "weight": 1, ...parameters}]}`:

    text_contains {text}            the output text contains `text`
    text_absent {text}              the output text does not contain `text`
    order {before, after}           `before` first occurs before `after` first occurs
    field_present {field}           the extraction has a non-empty value at dot path `field`
    field_matches {field, pattern}  that value (as text) matches the regex `pattern` (re.search)
    segment_present {section}       segmentation found a section with that name
    truth_similarity {threshold?}   token similarity of the output text to the .truth.md sidecar
    truth_fields {fields?, threshold?}  share of the .truth.json leaf fields the extraction equals

Text comparisons fold case and runs of whitespace. The binary checks score 0 or 1; the two truth
checks give partial credit and pass at `threshold` (default 0.8). A kind not listed here (one of
Datalab's own) is accepted and skipped: a definition written for Datalab still runs offline.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from evalspec.base.checkkinds import CHECK_KINDS, evaluation_problems
from evalspec.local.engine.labels import fold_text, values_equal
from evalspec.local.engine.similarity import similarity

DEFAULT_THRESHOLD = 0.8


@dataclass(frozen=True)
class Truth:
    """A file's ground truth from its sidecars (either may be missing)."""

    markdown: str | None = None
    data: Any = None


@dataclass(frozen=True)
class Outcome:
    """One check's verdict on one output."""

    score: float
    passed: bool
    reason: str


Check = Callable[[dict[str, Any], dict[str, Any], Truth], Outcome]


def validate_definition(definition: Any) -> list[str]:
    """Problems with an eval_definition, one message each; empty when it is valid."""
    if not isinstance(definition, dict) or not isinstance(definition.get("evaluations"), list):
        return ["eval_definition must be an object with an 'evaluations' list"]
    problems = []
    for i, ev in enumerate(definition["evaluations"]):
        problems += [f"evaluations[{i}]: {p}" for p in _evaluation_problems(ev)]
    return problems


def _evaluation_problems(ev: Any) -> list[str]:
    # The catalogue in evalspec.base.checkkinds is shared with the spec stage's offline checks. A
    # kind it does not list is not evaluated locally (see is_known_kind): its parameters are
    # Datalab's business, so only the catalogue's errors count here.
    return [p.message for p in evaluation_problems(ev) if p.severity == "error"]


KNOWN_KINDS = tuple(sorted(CHECK_KINDS))


def is_known_kind(kind: Any) -> bool:
    """Whether the local engine evaluates this kind (others are skipped, not failed)."""
    return kind in CHECKS


def run_check(ev: dict[str, Any], output: dict[str, Any], truth: Truth) -> Outcome:
    """Score one evaluation of a (validated) definition."""
    return CHECKS[ev["kind"]](ev, output, truth)


def output_text(output: dict[str, Any]) -> str:
    """The text the text checks read: markdown, else html, json blocks or chunks."""
    if isinstance(output.get("markdown"), str):
        return str(output["markdown"])
    if isinstance(output.get("html"), str):
        return re.sub(r"<[^>]+>", " ", output["html"])
    if isinstance(output.get("json"), dict):
        pages = output["json"].get("pages") or []
        return "\n".join(b.get("text", "") for p in pages for b in p.get("blocks") or [])
    if isinstance(output.get("chunks"), list):
        return "\n".join(str(c.get("text", "")) for c in output["chunks"])
    return json.dumps(output, sort_keys=True)


def _binary(ok: bool, yes: str, no: str) -> Outcome:
    return Outcome(1.0 if ok else 0.0, ok, yes if ok else no)


def _text_contains(ev: dict[str, Any], output: dict[str, Any], truth: Truth) -> Outcome:
    ok = fold_text(ev["text"]) in fold_text(output_text(output))
    return _binary(ok, f"found {ev['text']!r}", f"{ev['text']!r} not found")


def _text_absent(ev: dict[str, Any], output: dict[str, Any], truth: Truth) -> Outcome:
    ok = fold_text(ev["text"]) not in fold_text(output_text(output))
    return _binary(ok, f"{ev['text']!r} absent", f"found {ev['text']!r}")


def _order(ev: dict[str, Any], output: dict[str, Any], truth: Truth) -> Outcome:
    text = fold_text(output_text(output))
    first, second = text.find(fold_text(ev["before"])), text.find(fold_text(ev["after"]))
    if first < 0 or second < 0:
        missing = ev["before"] if first < 0 else ev["after"]
        return Outcome(0.0, False, f"{missing!r} not found")
    return _binary(first < second, f"{ev['before']!r} comes before {ev['after']!r}",
                   f"{ev['before']!r} comes after {ev['after']!r}")


def field_value(data: Any, path: str) -> Any:
    """The value at a dot path (`vendor.name`, `line_items.0.amount`), or None."""
    for part in path.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def _field_present(ev: dict[str, Any], output: dict[str, Any], truth: Truth) -> Outcome:
    value = field_value(output.get("extraction"), ev["field"])
    ok = value not in (None, "", [], {})
    return _binary(ok, f"{ev['field']} present", f"{ev['field']} missing")


def _field_matches(ev: dict[str, Any], output: dict[str, Any], truth: Truth) -> Outcome:
    value = field_value(output.get("extraction"), ev["field"])
    if value is None:
        return Outcome(0.0, False, f"{ev['field']} missing")
    text = json.dumps(value) if isinstance(value, (dict, list, bool)) else str(value)
    ok = re.search(ev["pattern"], text) is not None
    return _binary(ok, f"{ev['field']} matches", f"{ev['field']}={text!r} does not match")


def _segment_present(ev: dict[str, Any], output: dict[str, Any], truth: Truth) -> Outcome:
    names = [fold_text(str(s.get("name", ""))) for s in output.get("segments") or []]
    ok = fold_text(ev["section"]) in names
    return _binary(ok, f"section {ev['section']!r} found", f"section {ev['section']!r} not found")


def _partial(ev: dict[str, Any], score: float, what: str) -> Outcome:
    threshold = float(ev.get("threshold", DEFAULT_THRESHOLD))
    return Outcome(score, score >= threshold, f"{what} {score:.3f} (threshold {threshold})")


def _truth_similarity(ev: dict[str, Any], output: dict[str, Any], truth: Truth) -> Outcome:
    if truth.markdown is None:
        return Outcome(0.0, False, "no .truth.md sidecar")
    score, what = similarity(output_text(output), truth.markdown)
    return _partial(ev, score, what)


def leaves(data: Any, prefix: str = "") -> dict[str, Any]:
    """Every leaf value of a JSON value by dot path."""
    if isinstance(data, dict) and data:
        items = list(data.items())
    elif isinstance(data, list) and data:
        items = [(str(i), v) for i, v in enumerate(data)]
    else:
        return {prefix: data} if prefix else {}
    found: dict[str, Any] = {}
    for key, value in items:
        found.update(leaves(value, f"{prefix}.{key}" if prefix else key))
    return found


def _truth_fields(ev: dict[str, Any], output: dict[str, Any], truth: Truth) -> Outcome:
    if truth.data is None:
        return Outcome(0.0, False, "no .truth.json sidecar")
    wanted = ev.get("fields")
    expected = {p: v for p, v in leaves(truth.data).items()
                if not wanted or any(p == f or p.startswith(f + ".") for f in wanted)}
    if not expected:
        return Outcome(0.0, False, "no truth fields selected")
    extraction = output.get("extraction")
    differ = [(p, v, field_value(extraction, p)) for p, v in expected.items()
              if not values_equal(v, field_value(extraction, p))]
    good = len(expected) - len(differ)
    return _partial(ev, good / len(expected), f"{good}/{len(expected)} fields equal{_differences(differ)}:")


MAX_NAMED_FIELDS = 3


def _differences(differ: list[tuple[str, Any, Any]]) -> str:
    """`; total differs (expected 12.0, got '12,00')`: the fields that did not match, the first
    few with both values, so a reader knows which field to look at."""
    if not differ:
        return ""
    named = [f"{path} is missing (expected {_short(want)})" if got is None
             else f"{path} differs (expected {_short(want)}, got {_short(got)})"
             for path, want, got in differ[:MAX_NAMED_FIELDS]]
    more = f" and {len(differ) - MAX_NAMED_FIELDS} more" if len(differ) > MAX_NAMED_FIELDS else ""
    return "; " + ", ".join(named) + more


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 30 else text[:29] + "…"


CHECKS: dict[str, Check] = {
    "text_contains": _text_contains, "text_absent": _text_absent, "order": _order,
    "field_present": _field_present, "field_matches": _field_matches,
    "segment_present": _segment_present, "truth_similarity": _truth_similarity,
    "truth_fields": _truth_fields,
}
