"""What the account-opening tests share: a customer, the demo agent's blank cards, refusals."""

from __future__ import annotations

from typing import Any

import pytest

from branchdesk.clients.errors import ApiError
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.card_write.catalog import CARD_DATA
from branchdesk.clients.local.sim.rules import CARDS
from branchdesk.clients.local.sim.seed import DEMO_AGENT

CUSTOMER = {
    "name": "王小明",
    "id_number": "11010519491231002X",
    "contact": "13800138000",
    "address": "天津市和平区南京路 100 号",
}


def blank_cards(backend: Backend, with_data: bool = True) -> list[str]:
    """The blank cards the demo agent holds, with (or without) an entry in the card data."""
    cards = sorted(
        c["iccid"]
        for c in backend.store.scan(CARDS)
        if c["state"] == "picked_up" and c["loc_id"] == DEMO_AGENT
    )
    return [i for i in cards if (backend.store.get(CARD_DATA, i) is not None) == with_data]


async def refused(coro: Any) -> ApiError:
    """The ApiError ``coro`` raises (the test fails when it does not)."""
    with pytest.raises(ApiError) as err:
        await coro
    return err.value
