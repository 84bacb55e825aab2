"""The local service's extensions, as the client sees them: what an `evalspec server` can do.

Datalab has none of these endpoints. A service that does not answer the capability probe with
evalspec's own shape is treated as Datalab: nothing is sent that only our service would use.
"""

from __future__ import annotations

from evalspec.api.failures import ApiServerError
from evalspec.api.sender import Call, Sender, fetch_json

CAPABILITIES = "/api/v1/evalspec/capabilities"
SERVICE_NAME = "evalspec"
TRUTH_SIDECARS = "truth_sidecars"


class Extensions:
    """`/api/v1/evalspec/...`: endpoints only the local service has."""

    def __init__(self, sender: Sender) -> None:
        self._sender = sender

    async def capabilities(self) -> frozenset[str]:
        """What the service says it can do; empty for any service that is not evalspec's own."""
        try:
            body = await fetch_json(self._sender, Call("GET", CAPABILITIES, "extensions.capabilities"))
        except ApiServerError:
            return frozenset()  # 404 from Datalab (or anything that is not our service)
        if not isinstance(body, dict) or body.get("service") != SERVICE_NAME:
            return frozenset()
        listed = body.get("capabilities")
        return frozenset(str(c) for c in listed) if isinstance(listed, list) else frozenset()
