"""Over a real `branchdesk serve`: two clerks pick up overlapping ranges at the same moment."""

from __future__ import annotations

from support.backend import DEMO_PASSWORD, ServedBackend
from support.sim import overlapping_pickups_give_each_card_once


async def test_overlapping_pickups_each_card_goes_to_exactly_one(served: ServedBackend) -> None:
    first, second = served.client(), served.client()
    try:
        await first.login("c001", DEMO_PASSWORD)
        await second.login("c002", DEMO_PASSWORD)
        await overlapping_pickups_give_each_card_once(first, second, reader=first)
    finally:
        await first.aclose()
        await second.aclose()
