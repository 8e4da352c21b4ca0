"""SIM stock checks shared by the suites that run one or two real server processes."""

from __future__ import annotations

import asyncio
from typing import Any

from branchdesk.clients.api import Action, ApiClient
from branchdesk.clients.errors import ApiError
from branchdesk.clients.local.sim.seed import demo_iccid
from branchdesk.clients.sim_api import BatchCards, SimApi

N = "128k_normal"
RANGES = {"A00101": range(101, 201), "A00102": range(150, 251)}
"""The overlapping serials that agents A00101 and A00102 pick up at the same moment."""


async def overlapping_pickups_give_each_card_once(
    first: ApiClient, second: ApiClient, reader: ApiClient
) -> None:
    """``first`` picks up for A00101 and ``second`` for A00102 at once; ``reader`` then sees
    one batch refused whole (all-or-nothing) and each card of the other picked up once."""

    async def pick(client: ApiClient, agent: str) -> Any:
        serials = RANGES[agent]
        cards = BatchCards(start=demo_iccid(1, N, serials[0]), end=demo_iccid(1, N, serials[-1]))
        try:
            return await SimApi(client).pickup(agent, N, cards, Action())
        except ApiError as exc:
            return exc

    results = await asyncio.gather(pick(first, "A00101"), pick(second, "A00102"))
    won = [r for r in results if isinstance(r, dict)]
    lost = [r for r in results if isinstance(r, ApiError)]
    assert len(won) == 1 and len(lost) == 1  # all-or-nothing: the overlap refuses one
    assert lost[0].code == "sim_batch_rejected"
    winner = won[0]["agent_id"]
    winner_range = RANGES[winner]
    for n in (101, 150, 175, 200, 201, 250):
        card = await SimApi(reader).card(demo_iccid(1, N, n))
        if n in winner_range:
            assert (card["state"], card["location"]["id"]) == ("picked_up", winner)
            assert [h["action"] for h in card["history"]].count("pickup") == 1
        else:
            assert card["state"] == "in_stock"
