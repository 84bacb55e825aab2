"""validate and plan are offline by construction: they do not even import the network stack."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

# A fresh interpreter is the only place where "nothing imported httpx" can be seen.
pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).parents[2]
PROBE = """
import sys
from evalspec.cli import cli
from evalspec.cli import run_cli
codes = [run_cli(cli, ["validate"]), run_cli(cli, ["plan", "--json"])]
loaded = [m for m in ("httpx", "fastapi", "uvicorn", "evalspec.api", "evalspec.apply") if m in sys.modules]
print(codes, loaded, file=sys.stderr)
"""


def test_validate_and_plan_load_no_network_module() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.stderr.strip().splitlines()[-1] == "[0, 0] []"
