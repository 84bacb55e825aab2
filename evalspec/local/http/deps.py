"""Request-scoped access to the running service's state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import Request

from evalspec.local.problems import ApiProblem

if TYPE_CHECKING:
    from evalspec.local.service import LocalRuntime
    from evalspec.local.store.state import Store


def service_of(request: Request) -> LocalRuntime:
    service: LocalRuntime = request.app.state.service
    return service


def store_of(request: Request) -> Store:
    """The store, or 503 when the service has not been started (or is closing)."""
    store = service_of(request).store
    if store is None:
        raise ApiProblem(503, "The local eval service is not running")
    return store
