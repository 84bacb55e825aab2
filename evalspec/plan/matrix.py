"""Matrix expansion with GitHub Actions' include/exclude rules, on plain combinations.

The rules, as GitHub documents them:
- the axes' cartesian product gives the original combinations;
- each `exclude` entry removes every combination it partially matches (all its keys equal);
- includes come after excludes: each `include` entry is merged into every original combination
  whose *original* axis values it does not overwrite (values added by earlier includes may be
  overwritten); an entry that fits no original combination is added as a new one.

The product is counted before it is built, and refused past `MAX_COMBINATIONS`: a few lines of
YAML can name billions of combinations. Excludes are looked up in sets of value tuples, and no
combination is built as a dict unless it survived them and the caller's limit.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product

Value = Hashable
Combination = dict[str, Value]
# Of the axes' product, before excludes: far above any real matrix, yet a few KB of YAML stay a
# fraction of a second. `max_cells` raises it, never past MAX_PRODUCT (`max_cells: 10**20` must
# not let a short spec enumerate 10**12 combinations).
MAX_COMBINATIONS = 20_000
MAX_PRODUCT = 1_000_000


class MatrixTooLarge(Exception):
    """The matrix makes more combinations than allowed; `count` of them are known to exist."""

    def __init__(self, count: int, *, before_excludes: bool, exact: bool) -> None:
        super().__init__(count)
        self.count = count
        self.before_excludes = before_excludes
        self.exact = exact


@dataclass
class Expanded:
    """One resulting combination and the include entry that last shaped it (None: the product)."""

    values: Combination
    source: int | None = None
    merged_from: list[int] = field(default_factory=list)


def expand(
    axes: Mapping[str, Sequence[Value]],
    include: Sequence[Mapping[str, Value]] = (),
    exclude: Sequence[Mapping[str, Value]] = (),
    limit: int | None = None,
) -> list[Expanded]:
    """The combinations of a matrix, in GitHub Actions order: product first, then added ones.

    MatrixTooLarge when more than `limit` combinations survive the excludes (includes never
    remove one), or, with excludes, when the product exceeds `product_limit(limit)`.
    """
    names = list(axes)
    total = math.prod(len(axes[n]) for n in names) if names else 0
    excluded = _excluded(exclude, names)
    if limit is not None and total > limit and not excluded:
        raise MatrixTooLarge(total, before_excludes=False, exact=not include)
    if total > product_limit(limit):  # with excludes, or under a huge limit
        raise MatrixTooLarge(total, before_excludes=True, exact=True)
    kept = [
        values for values in (product(*(axes[n] for n in names)) if names else ())
        if not any(tuple(values[i] for i in where) in banned for where, banned in excluded.items())
    ]
    if limit is not None and len(kept) > limit:
        raise MatrixTooLarge(len(kept), before_excludes=False, exact=not include)
    originals = [Expanded(dict(zip(names, values, strict=True))) for values in kept]
    added: list[Expanded] = []
    for index, entry in enumerate(include):
        fits = [c for c in originals if _fits(c.values, entry, names)]
        for combination in fits:
            combination.values.update(entry)
            combination.source = index
            combination.merged_from.append(index)
        if not fits:
            added.append(Expanded(dict(entry), source=index))
    return originals + added


def product_limit(limit: int | None) -> int:
    """The largest product of axes that is expanded to apply excludes."""
    return min(MAX_PRODUCT, max(MAX_COMBINATIONS, 4 * limit)) if limit is not None else MAX_COMBINATIONS


def _excluded(
    exclude: Sequence[Mapping[str, Value]], names: list[str]
) -> dict[tuple[int, ...], set[tuple[Value, ...]]]:
    """The excludes grouped by the axis positions they name, as sets of value tuples: a
    combination is tested once per group (at most 2^axes), not once per exclude. An entry that
    names a key that is no axis can match no combination of the product, and is left out."""
    groups: dict[tuple[int, ...], set[tuple[Value, ...]]] = {}
    for entry in exclude:
        if all(key in names for key in entry):
            pairs = sorted(((names.index(key), value) for key, value in entry.items()), key=lambda p: p[0])
            groups.setdefault(tuple(i for i, _ in pairs), set()).add(tuple(v for _, v in pairs))
    return groups


def _fits(combination: Combination, entry: Mapping[str, Value], axes: Sequence[str]) -> bool:
    """An include entry fits when it overwrites no original axis value of the combination."""
    return all(combination[key] == value for key, value in entry.items() if key in axes)
