"""The SIM stock tour does the work on the sandbox: a transfer down, a pick-up and a return,
each previewed, confirmed and ending on its receipt — whatever card source the clerk's
screens remember from before."""

from __future__ import annotations

import pytest

from branchdesk.clients.api import Action
from branchdesk.clients.demo_api import DemoApi
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.sim.seed import demo_iccid
from branchdesk.screens.sim import prefs
from branchdesk.tui.tour import TOURS_DIR, load_tour
from support.tui import SIZE, TOUR_SPEED, login, make_app, wait_for

TRANSFERRED = range(1, 11)
PICKED_UP = range(331, 334)
"""Picked up and kept by the agent; 334 and 335 are picked up and brought back."""
RETURNED = range(334, 336)


def places(backend: Backend, serials: range) -> list[tuple[str, str]]:
    cards = [backend.store.get("sim_cards", demo_iccid(1, "128k_normal", n)) for n in serials]
    return [(card["state"], card["loc_id"]) for card in cards if card is not None]


async def play(backend: Backend, lang: str) -> None:
    tour = load_tour(TOURS_DIR / "sim_stock.toml")
    app = make_app(backend, lang)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "t001")
        await DemoApi(app.client).apply_preset(tour.preset or "", Action())
        runner = app.start_tour(tour, auto=True, speed=TOUR_SPEED)
        await wait_for(pilot, lambda: runner.finished or bool(runner.problems), timeout=120)
        assert runner.problems == []


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_the_sim_tour_transfers_picks_up_and_returns(backend: Backend, lang: str) -> None:
    secondary = places(backend, TRANSFERRED)[0][1]
    assert places(backend, TRANSFERRED) == [("in_stock", secondary)] * 10
    assert all(state == "in_stock" for state, _ in places(backend, range(331, 336)))
    await play(backend, lang)
    # Sent down: in transfer (still counted at the sender) until the receiving clerk approves.
    assert places(backend, TRANSFERRED) == [("in_transfer", secondary)] * 10
    assert places(backend, PICKED_UP) == [("picked_up", "A00101")] * 3
    returned = places(backend, RETURNED)
    assert {state for state, _ in returned} == {"in_stock"}
    assert {loc for _, loc in returned} == {places(backend, range(336, 337))[0][1]}


@pytest.mark.parametrize("remembered", ["range", "paste"])
async def test_auto_play_does_not_stall_on_a_remembered_source(
    backend: Backend, remembered: str
) -> None:
    """The clerk's screens remember the last card source: the tour chooses the range anyway."""
    for mode in ("pickup", "return", "transfer"):
        prefs.save("local/c001", f"source.{mode}", remembered)
    await play(backend, "en")
    assert places(backend, PICKED_UP) == [("picked_up", "A00101")] * 3
    assert prefs.load("local/c001", "source.pickup") == "range"
