"""A plan with its pages and cost: what `plan` shows and what apply's budget is checked against."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import Decimal

from evalspec.plan.cost import SUBMITTING, plan_cost, rates_from_prices
from evalspec.plan.pages import CollectionPages, PageCache, collection_pages
from evalspec.plan.plan import Plan
from evalspec.spec.spec import Spec

# What the service told: unmanaged collections' pages, custom pipelines' rates (cents per 1,000).
Told = tuple[dict[str, CollectionPages], dict[str, Decimal]]


def priced(
    spec: Spec, plan: Plan, cache: PageCache,
    told: Mapping[str, CollectionPages] | None = None, service_rates: Mapping[str, Decimal] | None = None,
) -> Plan:
    """The plan with `cost` set: pages of the cells it submits (counted offline for managed
    collections, as the service `told` for others) priced by settings.prices and the rates
    the service published for custom pipelines (which win over a price in the spec)."""
    names = {c.cell.collection for c in plan.changes if c.cell is not None and c.action in SUBMITTING}
    pages = collection_pages(spec, names, cache, told)
    rates = {**rates_from_prices(spec.settings.prices), **(service_rates or {})}
    return dataclasses.replace(plan, cost=plan_cost(plan.changes, pages, rates))
