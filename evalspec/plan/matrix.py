"""Matrix expansion with GitHub Actions' include/exclude rules, on plain combinations.

The rules, as GitHub documents them:
- the axes' cartesian product gives the original combinations;
- each `exclude` entry removes every combination it partially matches (all its keys equal);
- includes come after excludes: each `include` entry is merged into every original combination
  whose *original* axis values it does not overwrite (values added by earlier includes may be
  overwritten); an entry that fits no original combination is added as a new one.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product

Value = Hashable
Combination = dict[str, Value]


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
) -> list[Expanded]:
    """The combinations of a matrix, in GitHub Actions order: product first, then added ones."""
    names = list(axes)
    originals = [
        Expanded(dict(zip(names, values, strict=True)))
        for values in (product(*(axes[n] for n in names)) if names else ())
    ]
    originals = [c for c in originals if not any(_matches(c.values, e) for e in exclude)]
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


def _matches(combination: Combination, partial: Mapping[str, Value]) -> bool:
    return all(key in combination and combination[key] == value for key, value in partial.items())


def _fits(combination: Combination, entry: Mapping[str, Value], axes: Sequence[str]) -> bool:
    """An include entry fits when it overwrites no original axis value of the combination."""
    return all(combination[key] == value for key, value in entry.items() if key in axes)
