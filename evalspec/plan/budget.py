"""The team's page budget: apply refuses a plan above it before submitting anything.

`settings.budget: {pages: N, usd: X}`, or `apply --budget pages=N,usd=X` for one run
(`--budget none` lifts it). Dollars are checked against the priced cells only: a cell without
a price cannot be held to a dollar budget, and the refusal says so rather than guess.
"""

from __future__ import annotations

from dataclasses import dataclass

from evalspec.errors import OverBudget, UsageError
from evalspec.plan.cost import PlanCost, dollars, pages_text
from evalspec.spec.schema_models import Budget


@dataclass(frozen=True)
class Limit:
    """What one apply may submit in all: pages, dollars, either or both (None: no limit)."""

    pages: int | None = None
    usd: float | None = None

    @classmethod
    def of(cls, budget: Budget | None) -> Limit | None:
        """The spec's budget, if it has one."""
        return None if budget is None else cls(budget.pages, budget.usd)

    def __str__(self) -> str:
        parts = [f"{self.pages:,} pages"] if self.pages is not None else []
        parts += [dollars(round(self.usd * 100))] if self.usd is not None else []
        return " and ".join(parts)


def parse_budget(text: str) -> Limit | None:
    """`pages=40000,usd=250` (either part alone too), or `none`; UsageError naming the flag."""
    if text.strip().lower() == "none":
        return None
    values: dict[str, float] = {}
    for part in text.split(","):
        name, _, value = part.partition("=")
        name = name.strip()
        try:
            number = float(value)
        except ValueError:
            number = -1.0
        if name not in ("pages", "usd") or name in values or not number >= 0 or number == float("inf"):
            raise UsageError(f"--budget {text!r}: expected pages=N, usd=X (or both, comma-separated) or none")
        if name == "pages" and not number.is_integer():
            raise UsageError(f"--budget {text!r}: pages is a whole number")
        values[name] = number
    pages = values.get("pages")
    return Limit(int(pages) if pages is not None else None, values.get("usd"))


def check_budget(cost: PlanCost | None, limit: Limit | None) -> None:
    """OverBudget (exit 2) when the plan's pages or cost pass the limit, naming the total, the
    budget and the largest cells."""
    if limit is None or cost is None:
        return
    over = []
    if limit.pages is not None and cost.pages > limit.pages:
        over.append(f"{pages_text(cost.pages)} to evaluate")
    if limit.usd is not None and cost.cents is not None and cost.cents > round(limit.usd * 100):
        over.append(f"about {dollars(cost.cents)}")
    if not over:
        return
    largest = ", ".join(f"{c.key} ({pages_text(c.pages or 0)}"
                        + (f", {dollars(c.cents)})" if c.cents is not None else ")") for c in cost.largest())
    unknown = f"; {len(cost.unknown)} more cell(s) of unknown pages" if cost.unknown else ""
    raise OverBudget(
        f"the plan is over budget: {' and '.join(over)}, budget {limit}{unknown}. Largest cells: "
        f"{largest}. Nothing was submitted; narrow it with --select or --shard, or raise the budget "
        "(settings.budget, or --budget for one run)."
    )
