"""The doctor's reading of what a service sends: its clock, whatever zone its Date names."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from evalspec.backend.probe import Prober

NOW = datetime(2026, 12, 7, 9, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("date", [
    "Mon, 07 Dec 2026 09:00:05 GMT", "Mon, 07 Dec 2026 09:00:05 -0000", "Mon, 07 Dec 2026 09:00:05",
])
def test_a_date_header_with_or_without_a_zone_is_compared_as_gmt(date: str) -> None:
    prober = Prober(None, 1.0, lambda: NOW)  # type: ignore[arg-type]  # the client is not used here
    prober._note_headers({"date": date})
    finding = prober._clock()
    assert finding.ok is True and "server is 5 s ahead of this machine" in finding.detail
