"""What a plan costs: pages per cell, and money where a price is known (none is invented).

Datalab rounds each request's charge up to the cent; a batch run's file is one request (its
`request_id`), so a cell costs the sum over its documents of `ceil(pages x rate / 1000)` cents.
Prices are per 1,000 pages, from `settings.prices` (by pipeline type, or by custom pipeline id)
or, for a custom `pipeline_id`, from the service's rate endpoint (`plan --refresh`, apply).
Only cells apply would submit (create and replace) cost anything; a kept cell costs nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

from evalspec.plan.diff import Change
from evalspec.plan.pages import UNKNOWN, CollectionPages

SUBMITTING = ("create", "replace")
Rates = Mapping[str, Decimal]  # cents per 1,000 pages, by pipeline type or custom pipeline id


@dataclass(frozen=True)
class CellCost:
    """One submitted cell's pages and, when priced, its cost in cents."""

    key: str
    pages: int | None  # None: unknown
    estimated: bool
    cents: int | None  # None: no price (or unknown pages)


@dataclass(frozen=True)
class PlanCost:
    """The cells apply would submit, with what they cost, and the collections' pages."""

    cells: tuple[CellCost, ...]
    collections: Mapping[str, CollectionPages]

    @property
    def pages(self) -> int:
        """Pages of the cells whose pages are known."""
        return sum(c.pages for c in self.cells if c.pages is not None)

    @property
    def unknown(self) -> tuple[str, ...]:
        """Cells whose pages are unknown."""
        return tuple(c.key for c in self.cells if c.pages is None)

    @property
    def cents(self) -> int | None:
        """Cost of the priced cells (None when no cell has a price)."""
        priced = [c.cents for c in self.cells if c.cents is not None]
        return sum(priced) if priced else None

    @property
    def unpriced(self) -> tuple[str, ...]:
        """Cells with known pages but no price."""
        return tuple(c.key for c in self.cells if c.cents is None and c.pages is not None)

    def largest(self, count: int = 3) -> list[CellCost]:
        """The cells with the most pages, largest first."""
        return sorted((c for c in self.cells if c.pages), key=lambda c: (-(c.pages or 0), c.key))[:count]

    def to_json(self) -> dict[str, Any]:
        """As `plan --json` shows it under `pages`."""
        return {
            "total": self.pages, "unknown_cells": list(self.unknown),
            "usd": usd(self.cents), "unpriced_cells": list(self.unpriced),
            "estimated": any(c.estimated for c in self.cells),
            "collections": {name: {"pages": p.total, "estimated": p.estimated}
                            for name, p in sorted(self.collections.items())},
            "cells": {c.key: {"pages": c.pages, "estimated": c.estimated, "usd": usd(c.cents)}
                      for c in self.cells},
        }


def dollars(cents: int) -> str:
    """`$7.44`, `$1,240.00`."""
    return f"${cents / 100:,.2f}"


def pages_text(pages: int, estimated: bool = False) -> str:
    """`1,240 pages`; `~1,240 pages` when some count is an estimate."""
    return f"{'~' if estimated else ''}{pages:,} page{'s' if pages != 1 else ''}"


def spent_text(cells: Iterable[tuple[int | None, float | None]], change: bool) -> str | None:
    """`this change evaluates 1,240 pages, about $7.44` of the (pages, usd) the lock recorded
    per cell (`this lock evaluated ...` without a baseline); None when no cell recorded pages."""
    recorded = [(pages, dollars_) for pages, dollars_ in cells if pages is not None]
    if not recorded:
        return None
    verb = "this change evaluates" if change else "this lock evaluated"
    text = f"{verb} {pages_text(sum(p for p, _ in recorded))}"
    priced = [d for _, d in recorded if d is not None]
    return text + (f", about {dollars(round(sum(priced) * 100))}" if priced else "")


def usd(cents: int | None) -> float | None:
    """Cents as dollars (None stays None)."""
    return None if cents is None else cents / 100


def rates_from_prices(prices: Mapping[str, float] | None) -> dict[str, Decimal]:
    """`settings.prices` (USD per 1,000 pages) as cents per 1,000 pages."""
    return {key: Decimal(str(value)) * 100 for key, value in (prices or {}).items()}


def request_cents(pages: int, rate: Decimal) -> int:
    """One request's charge: rounded up to the cent."""
    return int((Decimal(pages) * rate / 1000).to_integral_value(rounding=ROUND_CEILING))


def price_of(request: Mapping[str, Any], rates: Rates) -> Decimal | None:
    """The rate for a cell's request: its custom pipeline's, else its pipeline type's; for a
    custom pipeline only its own (another pipeline's price would be an invented one)."""
    pipeline_id = request.get("pipeline_id")
    if pipeline_id:
        return rates.get(pipeline_id)
    return rates.get(str(request.get("pipeline_type") or "convert"))


def cell_cost(key: str, pages: CollectionPages, rate: Decimal | None) -> CellCost:
    """A cell's pages, and its cost when there is a rate."""
    if pages.documents is None:
        return CellCost(key, None, pages.estimated, None)
    cents = None if rate is None else sum(request_cents(n, rate) for n in pages.documents)
    return CellCost(key, pages.total, pages.estimated, cents)


def plan_cost(
    changes: Iterable[Change], collections: Mapping[str, CollectionPages], rates: Rates,
) -> PlanCost:
    """Pages and cost of the cells apply would submit."""
    cells = tuple(
        cell_cost(c.key, collections.get(c.cell.collection, UNKNOWN), price_of(c.cell.request.body, rates))
        for c in changes if c.cell is not None and c.action in SUBMITTING
    )
    return PlanCost(cells, collections)
