"""From a Spec to its cells: matrix expansion, cell keys, per-cell API rules, requests."""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from evalspec.base.suggest import did_you_mean
from evalspec.errors import Diagnostic, SpecError, shorten
from evalspec.plan.matrix import Expanded, MatrixTooLarge, expand, product_limit
from evalspec.plan.request import Request, build_request
from evalspec.spec.schema_models import MatrixEntry
from evalspec.spec.spec import Located, MatrixDef, Spec

AXES = ("collection", "pipeline", "rubric", "output_format", "page_schema", "segmentation_schema", "repeat")
OVERRIDE_AXES = ("output_format", "page_schema", "segmentation_schema")
REPEAT = "repeat"  # an axis of the key, not of the request: repeats send the same body


@dataclass(frozen=True)
class Cell:
    """One batch run to have: a collection, a pipeline, an optional rubric and overrides."""

    key: str
    collection: str
    pipeline: str
    rubric: str | None
    overrides: tuple[tuple[str, Hashable], ...]
    request: Request
    repeat: int = 1


def cell_key(collection: str, pipeline: str, rubric: str | None, overrides: Mapping[str, Any]) -> str:
    """`collection/pipeline/rubric[k=v,...]`: `-` for no rubric, override keys sorted, lists `+`-joined."""
    key = f"{collection}/{pipeline}/{rubric if rubric is not None else '-'}"
    if overrides:
        parts = [f"{k}={_key_value(v)}" for k, v in sorted(overrides.items())]
        key += "[" + ",".join(parts) + "]"
    return key


def repeat_of(key: str) -> tuple[str, int]:
    """The key of a cell's first repeat and which repeat `key` is: `c/p/r[repeat=2]` -> (`c/p/r`, 2)."""
    head, bracket, rest = key.partition("[")
    if not bracket:
        return key, 1
    parts = rest.removesuffix("]").split(",")
    repeats = [p for p in parts if p.startswith(f"{REPEAT}=") and p[len(REPEAT) + 1:].isdigit()]
    if not repeats:
        return key, 1
    others = [p for p in parts if p not in repeats]
    return head + (f"[{','.join(others)}]" if others else ""), int(repeats[0][len(REPEAT) + 1:])


def _key_value(value: Any) -> str:
    return "+".join(value) if isinstance(value, tuple) else str(value)


def expand_spec(spec: Spec) -> tuple[Cell, ...]:
    """Every cell of the spec, sorted by key; SpecError listing every bad combination."""
    cells: dict[str, Cell] = {}
    problems: list[Diagnostic] = []
    for mdef in spec.matrices:
        for combination, where in _combinations(mdef, problems, spec.settings.max_cells):
            cell = _make_cell(spec, combination, where, problems)
            if cell is not None:
                cells.setdefault(cell.key, cell)  # the same key is the same cell: keep one
    if len(cells) > spec.settings.max_cells and not problems:
        where = spec.matrices[0].where
        problems.append(where.diagnostic(
            f"the matrix expands to {len(cells)} cells, above the ceiling of "
            f"{spec.settings.max_cells}; raise it with `settings: {{max_cells: {len(cells)}}}`"
        ))
    if problems:
        raise SpecError(problems)
    return tuple(cells[key] for key in sorted(cells))


def _entry(entry: MatrixEntry) -> dict[str, Hashable]:
    """Only the keys the user wrote: `rubric: null` (no rubric) differs from no `rubric` key."""
    return {name: getattr(entry, name) for name in AXES if name in entry.model_fields_set}


def _combinations(
    mdef: MatrixDef, problems: list[Diagnostic], limit: int
) -> Iterator[tuple[dict[str, Hashable], Located]]:
    matrix = mdef.matrix
    axes = {name: list(getattr(matrix, name)) for name in AXES
            if name != REPEAT and getattr(matrix, name) is not None}
    if matrix.repeat is not None:
        axes[REPEAT] = list(range(1, matrix.repeat + 1))
    excludes = [_entry(e) for e in matrix.exclude]
    for i, exclude in enumerate(excludes):
        for key in exclude:
            if key not in axes:
                hint = did_you_mean(key, axes) or f" (axes: {', '.join(axes) or 'none'})"
                message = f"exclude key {shorten(key)} is not a matrix axis{hint}"
                problems.append(mdef.where.diagnostic(message, "exclude", i, key))
    duplicates = list(_duplicates(mdef, axes))
    if duplicates:
        problems.extend(duplicates)
        return
    try:
        expanded = expand(axes, [_entry(e) for e in matrix.include], excludes, limit=limit)
    except MatrixTooLarge as exc:
        problems.append(mdef.where.diagnostic(_too_large(exc, limit)))
        return
    for result in expanded:
        yield result.values, _source(mdef.where, result)


def _duplicates(mdef: MatrixDef, axes: Mapping[str, list[Hashable]]) -> Iterator[Diagnostic]:
    """A value listed twice on an axis: it would only repeat every cell it is in."""
    for axis, values in axes.items():
        seen: dict[Hashable, list[int]] = {}
        for i, value in enumerate(values):
            seen.setdefault(value, []).append(i)
        for value, places in seen.items():
            if len(places) > 1:
                shown = shorten(_key_value(value)) if value is not None else "null"
                message = f"{shown} is listed {len(places)} times on the {axis} axis (first at [{places[0]}])"
                yield mdef.where.diagnostic(message, axis, places[1])


def _too_large(exc: MatrixTooLarge, limit: int) -> str:
    if exc.before_excludes:
        return (f"the matrix axes make {exc.count} combinations before excludes, above the limit of "
                f"{product_limit(limit)}: split it into several matrices")
    count = f"{exc.count}" if exc.exact else f"at least {exc.count}"
    return (f"the matrix expands to {count} cells, above the ceiling of {limit}; "
            f"raise it with `settings: {{max_cells: {exc.count}}}`")


def _source(where: Located, result: Expanded) -> Located:
    if result.source is None:
        return where
    return Located(where.marks, (*where.path, "include", result.source))


def _make_cell(
    spec: Spec, combo: dict[str, Any], where: Located, problems: list[Diagnostic]
) -> Cell | None:
    errors = list(_combination_errors(spec, combo))
    if errors:
        problems.extend(where.diagnostic(f"{message} (cell {_describe(combo)})") for message in errors)
        return None
    pipeline = spec.pipelines[combo["pipeline"]].pipeline
    rubric_name = combo.get("rubric")
    overrides = {k: combo[k] for k in OVERRIDE_AXES if k in combo}
    schemas = {
        axis: spec.schemas[name]
        for axis in ("page_schema", "segmentation_schema")
        if (name := overrides.get(axis, getattr(pipeline, axis))) is not None
    }
    request = build_request(
        spec.collections[combo["collection"]],
        spec.rubrics[rubric_name] if rubric_name is not None else None,
        pipeline.type, pipeline.pipeline_id, schemas,
        overrides.get("output_format", pipeline.output_format),
    )
    repeat = combo.get(REPEAT) or 1
    # The first repeat keeps the plain key: adding `repeat: 3` keeps the run a cell already has.
    in_key = {**overrides, REPEAT: repeat} if repeat > 1 else overrides
    key = cell_key(combo["collection"], combo["pipeline"], rubric_name, in_key)
    overrides_sorted = tuple(sorted(overrides.items()))
    return Cell(key, combo["collection"], combo["pipeline"], rubric_name, overrides_sorted, request, repeat)


def _combination_errors(spec: Spec, combo: Mapping[str, Any]) -> Iterator[str]:
    """The API's rules for a start request, checked before anything is sent."""
    for axis in ("collection", "pipeline"):
        if combo.get(axis) is None:
            yield f"a combination needs a {axis}"
    if combo.get("pipeline") not in spec.pipelines or combo.get("collection") is None:
        return
    pipeline = spec.pipelines[combo["pipeline"]].pipeline
    page = combo.get("page_schema", pipeline.page_schema)
    segmentation = combo.get("segmentation_schema", pipeline.segmentation_schema)
    if pipeline.type == "extract" and page is None:
        yield f"pipeline {combo['pipeline']!r} is extract and needs a page_schema"
    if pipeline.type == "segment" and segmentation is None:
        yield f"pipeline {combo['pipeline']!r} is segment and needs a segmentation_schema"
    if page is not None and pipeline.type != "extract":
        yield f"page_schema is for extract pipelines; {combo['pipeline']!r} is {pipeline.type}"
    if segmentation is not None and pipeline.type != "segment":
        yield f"segmentation_schema is for segment pipelines; {combo['pipeline']!r} is {pipeline.type}"
    if combo.get("rubric") is None and pipeline.pipeline_id is None:
        yield f"a cell without a rubric needs a custom pipeline (pipeline_id); {combo['pipeline']!r} has none"


def _describe(combo: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={_key_value(v) if v is not None else 'null'}" for k, v in combo.items())
