"""Where the remote backend is: the environment variables users set (a contract, DESIGN.md),
read here without loading the HTTP client, so that offline commands can name the backend."""

from __future__ import annotations

from collections.abc import Mapping

DEFAULT_BASE_URL = "https://www.datalab.to"
BASE_URL_ENV = "DATALAB_BASE_URL"
API_KEY_ENV = "DATALAB_API_KEY"


def base_url_from_env(env: Mapping[str, str]) -> str:
    """`DATALAB_BASE_URL` as the client will use it (default Datalab itself)."""
    return (env.get(BASE_URL_ENV, "").strip() or DEFAULT_BASE_URL).rstrip("/")
