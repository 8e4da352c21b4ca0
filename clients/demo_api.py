"""Client calls of the trainer's demo tools: scenario presets of the sandbox."""

from __future__ import annotations

from typing import Any

from branchdesk.clients.api import Action, ApiClient


class DemoApi:
    def __init__(self, client: ApiClient) -> None:
        self.client = client

    async def presets(self) -> list[dict[str, Any]]:
        return await self.client.get("/v1/sandbox/presets")

    async def apply_preset(self, name: str, action: Action) -> dict[str, Any]:
        return await self.client.post(f"/v1/sandbox/presets/{name}/apply", {}, action)
