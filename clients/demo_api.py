"""Client calls of the trainer's demo tools: scenario presets of the sandbox."""

from __future__ import annotations

from typing import cast

from branchdesk.clients.api import Action, ApiClient
from branchdesk.clients.models import PresetApplied, PresetOut, ResetNotice


class DemoApi:
    def __init__(self, client: ApiClient) -> None:
        self.client = client

    async def presets(self) -> list[PresetOut]:
        return await self.client.get_as(list[PresetOut], "/v1/sandbox/presets")

    async def apply_preset(self, name: str, action: Action) -> PresetApplied:
        return await self.client.post_as(
            PresetApplied, f"/v1/sandbox/presets/{name}/apply", {}, action
        )

    async def last_reset(self) -> ResetNotice | None:
        """The last preset applied to the sandbox (any role), or None before any."""
        return cast("ResetNotice | None", await self.client.get("/v1/sandbox/last-reset"))
