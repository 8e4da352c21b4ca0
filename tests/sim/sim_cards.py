"""Helpers for the SIM stock tests: demo ICCIDs, quick batch bodies and the batches a test
posts as its set-up (over the API, as a clerk's client)."""

from __future__ import annotations

from typing import Any

from branchdesk.clients.api import Action, ApiClient
from branchdesk.clients.local.sim.seed import demo_iccid

N = "128k_normal"


def iccids(branch: int, card_type: str, first: int, last: int) -> list[str]:
    return [demo_iccid(branch, card_type, n) for n in range(first, last + 1)]


def card_range(branch: int, card_type: str, first: int, last: int) -> dict[str, dict[str, str]]:
    return {
        "range": {
            "start": demo_iccid(branch, card_type, first),
            "end": demo_iccid(branch, card_type, last),
        }
    }


def listed(*serials: int) -> dict[str, list[str]]:
    """The cards of branch 1 and type N with these serials, as a batch's ``iccids``."""
    return {"iccids": [demo_iccid(1, N, n) for n in serials]}


async def pick_up(client: ApiClient, agent_id: str, cards: dict[str, Any]) -> Any:
    """An agent picks up ``cards`` (of type N) from the stock."""
    body = {"agent_id": agent_id, "card_type": N, **cards}
    return await client.post("/v1/sim/pickups", body, Action())


async def hand_back(client: ApiClient, agent_id: str, cards: dict[str, Any]) -> Any:
    """An agent returns ``cards`` (of type N) to the stock."""
    body = {"agent_id": agent_id, "card_type": N, **cards}
    return await client.post("/v1/sim/returns", body, Action())


async def transfer_in(client: ApiClient, from_warehouse: str, cards: dict[str, Any]) -> Any:
    """``cards`` (of type N) move from ``from_warehouse`` into the clerk's own stock."""
    body = {"from_warehouse": from_warehouse, "card_type": N, **cards}
    return await client.post("/v1/sim/transfers", body, Action())
