"""The SIM stock tour performs a real pick-up on the sandbox: a range, preview, confirm, receipt."""

from __future__ import annotations

import pytest

from branchdesk.clients.api import Action
from branchdesk.clients.demo_api import DemoApi
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.sim.seed import demo_iccid
from branchdesk.tui.tour import TOURS_DIR, load_tour
from support.tui import SIZE, login, make_app, wait_for

SERIALS = range(331, 336)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_the_sim_tour_really_picks_up_five_cards(backend: Backend, lang: str) -> None:
    tour = load_tour(TOURS_DIR / "sim_stock.toml")
    before = [backend.store.get("sim_cards", demo_iccid(1, "128k_normal", n)) for n in SERIALS]
    assert all(card["state"] == "in_stock" for card in before)
    app = make_app(backend, lang)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "t001")
        await DemoApi(app.client).apply_preset(tour.preset or "", Action())
        runner = app.start_tour(tour, auto=True, speed=0.2)
        await wait_for(pilot, lambda: runner.finished or bool(runner.problems), timeout=60)
        assert runner.problems == []
    after = [backend.store.get("sim_cards", demo_iccid(1, "128k_normal", n)) for n in SERIALS]
    assert [(c["state"], c["loc_id"]) for c in after] == [("picked_up", "A00101")] * 5
