"""Client calls for blank SIM card stock (see API.md "SIM stock" and clients/openapi.json)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from branchdesk.clients.api import Action, ApiClient
from branchdesk.clients.models import (
    AgentOut,
    BatchOut,
    CardOut,
    PreviewOut,
    StockOut,
    WarehouseOut,
)


@dataclass(frozen=True)
class BatchCards:
    """The cards of a batch: a list of ICCIDs, or a start/end range."""

    iccids: list[str] | None = None
    start: str | None = None
    end: str | None = None
    take_available: bool = False
    """A range only: leave out, explicitly, the cards that are not there."""
    list_cards: bool = False
    """A preview lists every card (state, location, problem)."""

    def body(self) -> dict[str, Any]:
        if self.iccids is not None:
            return {"iccids": self.iccids}
        taken = {"take_available": True} if self.take_available else {}
        return {"range": {"start": self.start, "end": self.end}, **taken}


class SimApi:
    def __init__(self, client: ApiClient) -> None:
        self.client = client

    async def warehouses(self) -> list[WarehouseOut]:
        return await self.client.get_as(list[WarehouseOut], "/v1/warehouses")

    async def agents(self, dept: str | None = None) -> list[AgentOut]:
        return await self.client.get_as(list[AgentOut], "/v1/agents", dept=dept)

    async def stock(self) -> StockOut:
        return await self.client.get_as(StockOut, "/v1/sim/stock")

    async def card(self, iccid: str) -> CardOut:
        return await self.client.get_as(CardOut, f"/v1/sim/cards/{iccid}")

    async def batch(self, batch_id: str) -> BatchOut:
        return await self.client.get_as(BatchOut, f"/v1/sim/batches/{batch_id}")

    async def pickup(
        self,
        agent_id: str,
        card_type: str,
        cards: BatchCards,
        action: Action,
        *,
        dry_run: bool = False,
    ) -> BatchOut | PreviewOut:
        body = {"agent_id": agent_id, "card_type": card_type, **cards.body()}
        return await self._post("/v1/sim/pickups", body, action, dry_run, cards)

    async def return_cards(
        self,
        agent_id: str,
        card_type: str,
        cards: BatchCards,
        action: Action,
        *,
        fee_per_card: str | None = None,
        dry_run: bool = False,
    ) -> BatchOut | PreviewOut:
        body = {"agent_id": agent_id, "card_type": card_type, **cards.body()}
        if fee_per_card:
            body["fee_per_card"] = fee_per_card
        return await self._post("/v1/sim/returns", body, action, dry_run, cards)

    async def transfer(
        self,
        from_warehouse: str,
        card_type: str,
        cards: BatchCards,
        action: Action,
        *,
        dry_run: bool = False,
    ) -> BatchOut | PreviewOut:
        body = {"from_warehouse": from_warehouse, "card_type": card_type, **cards.body()}
        return await self._post("/v1/sim/transfers", body, action, dry_run, cards)

    async def transfers(self, status: str | None = "pending") -> list[BatchOut]:
        return await self.client.get_as(list[BatchOut], "/v1/sim/transfers", status=status)

    async def decide(self, transfer_id: str, approve: bool, action: Action) -> BatchOut:
        verb = "approve" if approve else "reject"
        return await self.client.post_as(
            BatchOut, f"/v1/sim/transfers/{transfer_id}/{verb}", {}, action
        )

    async def batches(self, action: str | None = None) -> list[BatchOut]:
        """The department's transfers, pick-ups and returns, newest first."""
        return await self.client.get_as(list[BatchOut], "/v1/sim/batches", action=action)

    async def _post(
        self, path: str, body: dict[str, Any], action: Action, dry_run: bool, cards: BatchCards
    ) -> BatchOut | PreviewOut:
        if dry_run:
            listing = {"cards": "true"} if cards.list_cards else {}
            return cast(
                "BatchOut | PreviewOut",
                await self.client.post(path, body, action, dry_run="true", **listing),
            )
        return cast("BatchOut | PreviewOut", await self.client.post(path, body, action))
