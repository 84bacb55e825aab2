"""`evalspec server`: the CLI front of the local service, in a real subprocess."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

# `evalspec server` and `evalspec apply` processes of their own.
pytestmark = pytest.mark.slow

KEY_RE = re.compile(r"api key: (\S+)")
READY_RE = re.compile(r"listening on (http://\S+)")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATALAB_API_KEY"}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _read_until_ready(proc: subprocess.Popen[str]) -> tuple[str, str]:
    assert proc.stdout is not None
    key, deadline = "", time.monotonic() + 20
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if match := KEY_RE.search(line):
            key = match.group(1)
        if match := READY_RE.search(line):
            return key, match.group(1)
    raise AssertionError("the server did not report that it listens")


def test_server_generates_a_key_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "evalspec", "server", "--port", "0", "--data-dir", str(tmp_path / "d")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env(), cwd=tmp_path,
    )
    try:
        key, url = _read_until_ready(proc)
        assert key, "a generated key is printed once"
        assert url.startswith("http://127.0.0.1:")
        with httpx.Client(base_url=url) as client:
            assert client.get("/api/v1/collections", headers={"X-API-Key": key}).status_code == 200
            assert client.get("/api/v1/collections", headers={"X-API-Key": "wrong"}).status_code == 401
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
    assert (tmp_path / "d").is_dir()


def test_a_bad_rate_limit_is_a_usage_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "evalspec", "server", "--rate-limit", "lots", "--data-dir", str(tmp_path)],
        capture_output=True, text=True, env=_env(), cwd=tmp_path, timeout=60,
    )
    assert done.returncode == 2
    assert "--rate-limit" in done.stderr and "Traceback" not in done.stderr


def test_one_data_directory_serves_one_evalspec_at_a_time(tmp_path: Path) -> None:
    """A second service on the same data would resume (and so run twice) the same runs."""
    data = tmp_path / ".evalspec" / "local"
    env = {**_env(), "DATALAB_API_KEY": "k-1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "evalspec", "server", "--port", "0", "--data-dir", str(data)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=tmp_path,
    )
    try:
        _read_until_ready(proc)
        second = subprocess.run(
            [sys.executable, "-m", "evalspec", "server", "--port", "0", "--data-dir", str(data)],
            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60,
        )
        assert second.returncode == 4, second.stderr
        assert f"pid {proc.pid}" in second.stderr and "Traceback" not in second.stderr
        (tmp_path / "specs").mkdir()
        (tmp_path / "specs" / "s.yaml").write_text(
            "version: 1\ncollections: {c: {id: 1}}\nrubrics: {r: {id: 1}}\npipelines: {p: {}}\n"
            "matrix: {collection: [c], pipeline: [p], rubric: [r]}\n"
        )
        applied = subprocess.run(  # the in-process backend uses the same data directory
            [sys.executable, "-m", "evalspec", "apply", "--backend", "local"],
            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60,
        )
        assert applied.returncode == 4, applied.stderr
        assert "DATALAB_BASE_URL" in applied.stderr
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)
        if proc.stdout is not None:
            proc.stdout.close()


def test_both_entry_points_share_the_server_defaults() -> None:
    from evalspec.cli import server
    from evalspec.local.http.server import DEFAULT_HOST, DEFAULT_PORT

    defaults = {param.name: param.default for param in server.params}
    assert (defaults["host"], defaults["port"]) == (DEFAULT_HOST, DEFAULT_PORT)
