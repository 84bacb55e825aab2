"""A shard's share of the team's rate limit and pages in flight."""

from __future__ import annotations

from evalspec.apply.pages import shard_share
from evalspec.base.rates import rate_share


def test_a_shard_takes_its_share_of_the_team_budget() -> None:
    assert rate_share("400/60", 4) == "100/60"
    assert rate_share("3/1.5", 4) == "1/1.5"  # never nothing
    assert shard_share(5000, 4) == 1250 and shard_share(3, 4) == 1
