"""Shared fixtures. Other fixture modules are plain modules imported here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import evalspec.paths

FIXTURES = Path(__file__).parent / "fixtures"
REPO_ROOT = Path(__file__).parent.parent


@pytest.fixture(autouse=True)
def _state_dir_tripwire(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test may fall back on the default state directory (it is the user's working tree)."""

    def tripwire() -> Path:
        raise AssertionError("test used the default state directory; pass one explicitly")

    monkeypatch.setattr(evalspec.paths, "default_state_dir", tripwire)
    monkeypatch.delenv("DATALAB_API_KEY", raising=False)
    monkeypatch.delenv("DATALAB_BASE_URL", raising=False)
    yield
