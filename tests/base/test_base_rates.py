"""One parser of `N/SECONDS` for specs, the client and the local server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from evalspec.base.rates import Rate, parse_rate
from evalspec.errors import SpecError
from evalspec.spec.load import load_spec


def test_parse_rate() -> None:
    assert parse_rate("400/60") == Rate(400, 60.0)
    assert parse_rate(" 100/0.5 ") == (100, 0.5)


@pytest.mark.parametrize("bad", ["400", "x/60", "400/", "0/60", "10/0", "10/-1", "5/nan", "5/inf", ""])
def test_parse_rate_rejects_clearly(bad: str) -> None:
    with pytest.raises(ValueError, match="N/SECONDS"):
        parse_rate(bad)


@pytest.mark.parametrize("bad", ["0/60", "5/0", "fast"])
def test_a_bad_rate_in_a_spec_is_an_error_at_its_line(tmp_path: Path, bad: str) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "version: 1\ncollections: {a: {id: 1}}\nrubrics: {r: {id: 2}}\npipelines: {p: {}}\n"
        "matrix: {collection: [a], pipeline: [p], rubric: [r]}\n"
        f"settings:\n  rate_limit: {bad}\n"
    )
    with pytest.raises(SpecError) as caught:
        load_spec([spec])
    assert f"spec.yaml:7:15: settings.rate_limit: rate limit '{bad}'" in str(caught.value)


def test_both_server_entry_points_refuse_a_bad_rate_alike(tmp_path: Path) -> None:
    answers = [
        subprocess.run([sys.executable, "-m", *entry, "--data-dir", str(tmp_path), "--rate-limit", "0/1"],
                       capture_output=True, text=True, check=False)
        for entry in (["evalspec", "server"], ["evalspec.local"])
    ]
    assert [a.returncode for a in answers] == [2, 2]
    assert answers[0].stderr == answers[1].stderr
    assert "rate limit '0/1': N/SECONDS needs N >= 1" in answers[0].stderr
