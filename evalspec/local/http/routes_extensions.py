"""`/api/v1/evalspec/...`: what only evalspec's own service offers, and says it offers.

The capability answer is how a client tells an `evalspec server` from Datalab (or a service
standing in for it): only here do truth sidecars get uploaded, since only this engine reads them.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from evalspec import __version__
from evalspec.local.http.deps import store_of

router = APIRouter(prefix="/api/v1/evalspec")

CAPABILITIES = ("truth_sidecars", "create_rubric")


@router.get("/capabilities")
def capabilities(request: Request) -> dict[str, Any]:
    """evalspec's service, its version, the extensions it implements, and the identity of its
    state (run ids of another state name other runs)."""
    return {"service": "evalspec", "version": __version__, "capabilities": list(CAPABILITIES),
            "state_id": store_of(request).state_id}
