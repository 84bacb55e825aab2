"""The local service's extensions, as the client sees them: what an `evalspec server` can do.

Datalab has none of these endpoints. A service that does not answer the capability probe with
evalspec's own shape is treated as Datalab: nothing is sent that only our service would use.
"""

from __future__ import annotations

from typing import Any

from evalspec.api.failures import ApiServerError
from evalspec.api.sender import Call, Sender, fetch_json

CAPABILITIES = "/api/v1/evalspec/capabilities"
SERVICE_NAME = "evalspec"
TRUTH_SIDECARS = "truth_sidecars"
CREATE_RUBRIC = "create_rubric"


class Extensions:
    """`/api/v1/evalspec/...`: endpoints only the local service has."""

    def __init__(self, sender: Sender) -> None:
        self._sender = sender

        self._answer: dict[str, Any] | None = None

    async def capabilities(self) -> frozenset[str]:
        """What the service says it can do; empty for any service that is not evalspec's own."""
        listed = (await self._describe()).get("capabilities")
        return frozenset(str(c) for c in listed) if isinstance(listed, list) else frozenset()

    async def state_id(self) -> str | None:
        """The identity of the service's state (an `evalspec server`'s); None for any other service."""
        found = (await self._describe()).get("state_id")
        return found if isinstance(found, str) and found.isalnum() else None

    async def _describe(self) -> dict[str, Any]:
        """The capability answer, asked once per client; {} for a service that is not ours."""
        if self._answer is None:
            try:
                body = await fetch_json(self._sender, Call("GET", CAPABILITIES, "extensions.capabilities"))
            except ApiServerError:
                body = None  # 404 from Datalab (or anything that is not our service)
            ours = isinstance(body, dict) and body.get("service") == SERVICE_NAME
            self._answer = body if ours and isinstance(body, dict) else {}
        return self._answer
