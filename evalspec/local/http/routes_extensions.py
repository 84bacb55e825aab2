"""`/api/v1/evalspec/...`: what only evalspec's own service offers, and says it offers.

The capability answer is how a client tells an `evalspec server` from Datalab (or a service
standing in for it): only here do truth sidecars get uploaded, since only this engine reads them.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from evalspec import __version__

router = APIRouter(prefix="/api/v1/evalspec")

CAPABILITIES = ("truth_sidecars", "create_rubric")


@router.get("/capabilities")
def capabilities() -> dict[str, Any]:
    """evalspec's service, its version, and the extensions it implements."""
    return {"service": "evalspec", "version": __version__, "capabilities": list(CAPABILITIES)}
