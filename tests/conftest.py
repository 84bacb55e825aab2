"""Shared fixtures. Other fixture modules are plain modules imported here."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from local_server import LocalServer, running_server

import evalspec.base.paths

FIXTURES = Path(__file__).parent / "fixtures"
REPO_ROOT = Path(__file__).parent.parent


@pytest.fixture(autouse=True)
def _state_dir_tripwire(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test may fall back on the default state directory (it is the user's working tree)."""

    def tripwire() -> Path:
        raise AssertionError("test used the default state directory; pass one explicitly")

    monkeypatch.setattr(evalspec.base.paths, "default_state_dir", tripwire)
    monkeypatch.delenv("DATALAB_API_KEY", raising=False)
    monkeypatch.delenv("DATALAB_BASE_URL", raising=False)
    yield


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`tmp_path/state` as the default state directory, for in-process CLI runs (no option names it)."""
    state = tmp_path / "state"
    monkeypatch.setattr(evalspec.base.paths, "default_state_dir", lambda: state)
    return state


@pytest.fixture(scope="session")
def local_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    """One `python -m evalspec.local` subprocess on a free loopback port for the session."""
    with running_server(tmp_path_factory.mktemp("local-server")) as server:
        yield server


@pytest.fixture
def local_client(local_server: LocalServer) -> Iterator[httpx.Client]:
    """An httpx client for `local_server`, with its API key."""
    with httpx.Client(base_url=local_server.url, headers=local_server.headers,
                      timeout=30) as client:
        yield client


@pytest.fixture
def run_evalspec(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str, str]]:
    """Run `evalspec ARGS...` in-process as the console script does: (exit code, stdout, stderr)."""
    from evalspec.cli import cli, run_cli

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["evalspec", *args])
        code = run_cli(cli)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run
