"""schemathesis against the real local server over loopback: every phase (stateful included),
every check, a few seeded examples per operation. The full run's command and figures are in
benchmarks/schemathesis_run.md."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from local_server import REPO_ROOT, running_server

# A server subprocess and a schemathesis subprocess (about 30-60 s on two loaded cores).
pytestmark = pytest.mark.slow

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def test_schemathesis_finds_no_failure_in_a_small_seeded_run(tmp_path: Path) -> None:
    with running_server(tmp_path / "data") as server:
        done = subprocess.run(
            [str(SCHEMATHESIS), "run", server.url + "/openapi.json",
             "-H", f"X-API-Key: {server.api_key}", "--checks", "all", "--seed", "1",
             "--max-examples", "3", "--max-time", "40", "--workers", "1", "--no-color",
             "--report", "junit", "--report-dir", str(tmp_path / "report")],
            capture_output=True, text=True, timeout=240, cwd=REPO_ROOT,  # reads schemathesis.toml
            env={**os.environ, "SCHEMATHESIS_TELEMETRY": "false"},
        )
    summary = done.stdout[-3000:]
    assert "Stateful" in done.stdout, summary  # the phase that follows the document's links ran
    assert done.returncode == 0, summary  # schemathesis exits 1 on any failure it finds
