"""Over a real `branchdesk serve`: two clerks pick up overlapping ranges at the same moment."""

from __future__ import annotations

import asyncio
from typing import Any

from branchdesk.clients.api import Action
from branchdesk.clients.errors import ApiError
from branchdesk.clients.local.sim.seed import demo_iccid
from branchdesk.clients.sim_api import BatchCards, SimApi
from support.backend import DEMO_PASSWORD, ServedBackend

N = "128k_normal"


async def test_overlapping_pickups_each_card_goes_to_exactly_one(served: ServedBackend) -> None:
    first, second = served.client(), served.client()
    try:
        await first.login("c001", DEMO_PASSWORD)
        await second.login("c002", DEMO_PASSWORD)
        a = BatchCards(start=demo_iccid(1, N, 101), end=demo_iccid(1, N, 200))
        b = BatchCards(start=demo_iccid(1, N, 150), end=demo_iccid(1, N, 250))

        async def pick(client: Any, agent: str, cards: BatchCards) -> Any:
            try:
                return await SimApi(client).pickup(agent, N, cards, Action())
            except ApiError as exc:
                return exc

        results = await asyncio.gather(pick(first, "A00101", a), pick(second, "A00102", b))
        won = [r for r in results if isinstance(r, dict)]
        lost = [r for r in results if isinstance(r, ApiError)]
        assert len(won) == 1 and len(lost) == 1  # all-or-nothing: the overlap refuses one
        assert lost[0].code == "sim_batch_rejected"
        winner = won[0]["agent_id"]
        winner_range = range(101, 201) if winner == "A00101" else range(150, 251)
        api = SimApi(first)
        for n in (101, 150, 175, 200, 201, 250):
            card = await api.card(demo_iccid(1, N, n))
            if n in winner_range:
                assert (card["state"], card["location"]["id"]) == ("picked_up", winner)
                assert [h["action"] for h in card["history"]].count("pickup") == 1
            else:
                assert card["state"] == "in_stock"
    finally:
        await first.aclose()
        await second.aclose()
