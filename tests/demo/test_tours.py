"""Tours never rot: every tour file is checked statically and played end to end in auto-play.

New tour files (one per workflow, added as workflows land) are picked up by the glob.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from branchdesk.clients.api import Action
from branchdesk.clients.demo_api import DemoApi
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.demo.presets import PRESETS
from branchdesk.clients.local.sessions_routes import DEMO_ACCOUNTS
from branchdesk.tui.tour import TOURS_DIR, TourError, load_tour
from branchdesk.tui.tour_check import check_tour
from branchdesk.tui.tour_panel import TourPanel
from support.tui import SIZE, login, make_app, wait_for

TOUR_FILES = sorted(TOURS_DIR.glob("*.toml"))
DEMO_LOGINS = {staff_id for staff_id, _role in DEMO_ACCOUNTS} | {"c002", "m002"}


def test_there_is_a_tour_for_each_workflow_that_exists() -> None:
    assert {p.stem for p in TOUR_FILES} >= {"onboarding", "sim_stock", "points"}


@pytest.mark.parametrize("path", TOUR_FILES, ids=lambda p: p.stem)
def test_tour_file_is_valid(path: Path) -> None:
    tour = load_tour(path)
    assert check_tour(tour) == []
    assert tour.preset is None or tour.preset in PRESETS
    assert tour.login is None or tour.login in DEMO_LOGINS


@pytest.mark.parametrize("path", TOUR_FILES, ids=lambda p: p.stem)
async def test_tour_plays_end_to_end_in_auto_play(path: Path, backend: Backend) -> None:
    """Every step's target is found on its screen and every awaited action happens."""
    tour = load_tour(path)
    app = make_app(backend, "en")
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "t001")
        home = app.screen
        if tour.preset:
            await DemoApi(app.client).apply_preset(tour.preset, Action())
        runner = app.start_tour(tour, auto=True, speed=0.25)
        await wait_for(pilot, lambda: runner.finished or bool(runner.problems), timeout=60)
        assert runner.problems == []
        # The runner's own record: polling from here can miss a step on a loaded machine.
        assert runner.highlighted == {s.number: True for s in tour.steps}
        # The trainer is back in their own session, on the screen they started the tour from.
        await wait_for(pilot, lambda: app.screen is home)
        assert app.tour is None and not app.screen.query(TourPanel)
        assert app.staff is not None and app.staff.id == "t001"
        assert app.client.staff is not None and app.client.staff.id == "t001"


def test_broken_files_are_refused_with_the_step_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[title]\nzh-CN = "x"\nen = "x"\n[summary]\nzh-CN = "x"\nen = "x"\n'
        '[[steps]]\nscreen = "common.home"\ntarget = "#workflows"\n'
        'text.en = "only English"\n'
    )
    with pytest.raises(TourError, match=r"bad.toml step 1 text: text missing for zh-CN"):
        load_tour(bad)
    bad.write_text(
        '[title]\nzh-CN = "x"\nen = "x"\n[summary]\nzh-CN = "x"\nen = "x"\n'
        '[[steps]]\nscreen = "common.home"\ntarget = "#workflows"\n'
        'text.en = "e"\ntext.zh-CN = "z"\nwait = { key = "f9" }\n'
        '[[steps]]\nscreen = "nothing.nowhere"\ntarget = "#x"\n'
        'text.en = "e"\ntext.zh-CN = "z"\n'
    )
    problems = check_tour(load_tour(bad))
    assert any("step 1: key 'f9' is not bound on HomeScreen" in p for p in problems)
    assert any("step 2: screen 'nothing.nowhere' not found" in p for p in problems)
