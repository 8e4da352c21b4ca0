"""After a tour the trainer is back in their own session, on the screen they started it from:
at the tour's end, on End tour (^G), and on Esc where the tour has nothing to go back to. The
tour's own session (its tour account) is logged out and leaves nothing in the keyring."""

from __future__ import annotations

from typing import Any

import keyring
import pytest
from textual.widgets import OptionList

from branchdesk.clients.errors import ApiError
from branchdesk.clients.local.backend import Backend
from branchdesk.screens.common.home import HomeScreen
from branchdesk.screens.common.login import LoginScreen
from branchdesk.screens.demo.tours import TourPickerScreen
from branchdesk.tui import secrets
from branchdesk.tui.tour_panel import TourPanel
from support.backend import asgi_client
from support.offline import MemoryKeyring
from support.tui import SIZE, login, make_app, wait_for


async def open_picker(pilot: Any, tour_id: str) -> None:
    app = pilot.app
    await login(pilot, "t001")
    await pilot.press("enter")  # the trainer's first workflow: the tours
    await wait_for(pilot, lambda: isinstance(app.screen, TourPickerScreen))
    tours = app.screen.query_one("#tours", OptionList)
    tours.highlighted = tours.get_option_index(tour_id)
    await pilot.pause()


async def guided_login(pilot: Any, tour_id: str) -> None:
    """The trainer starts a guided tour from the picker: the tour's login screen shows."""
    app = pilot.app
    await open_picker(pilot, tour_id)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen) and app.tour is not None)
    assert app.staff is None


async def trainee_logs_in(pilot: Any, staff_id: str) -> None:
    app = pilot.app
    await pilot.press(*staff_id, "enter", *"demo-pass-1", "enter")
    await wait_for(pilot, lambda: app.staff is not None and isinstance(app.screen, HomeScreen))
    assert app.staff.id == staff_id


def back_as_trainer(app: Any) -> bool:
    return (
        app.tour is None
        and app.staff is not None
        and app.staff.id == "t001"
        and isinstance(app.screen, TourPickerScreen)
    )


async def still_valid(backend: Backend, token: str | None) -> bool:
    client = asgi_client(backend, "en")
    try:
        await client.resume(token or "")
    except ApiError:
        return False
    finally:
        await client.aclose()
    return True


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_after_an_auto_played_tour_the_trainer_is_back_where_they_were(
    backend: Backend, lang: str
) -> None:
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    app = make_app(backend, lang)
    async with app.run_test(size=SIZE) as pilot:
        await open_picker(pilot, "points")
        trainer_token = app.client.token
        picker = app.screen
        await pilot.press("f5")
        await wait_for(pilot, lambda: app.staff is not None and app.staff.id == "k001", 60)
        tour_token = app.client.token
        assert tour_token != trainer_token
        await wait_for(pilot, lambda: back_as_trainer(app), timeout=90)
        # The very screen they were on (not a fresh one), their token, their keyring entry.
        assert app.screen is picker and not app.screen.query(TourPanel)
        assert app.client.token == trainer_token and app.client.staff.id == "t001"
        assert await still_valid(backend, trainer_token)
        assert not await still_valid(backend, tour_token)
        assert secrets.load_token(app.backend_label, "_last_staff") == "t001"
        assert secrets.load_token(app.backend_label, "k001") is None
        # The trainer's session works on: the picker's tour list and another workflow.
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert app.current_mode == "main" and app.staff.id == "t001"


@pytest.mark.parametrize(
    ("ending", "lang"),
    [("End tour", "en"), ("Esc on the empty login", "zh-CN"), ("Esc on the tour's home", "en")],
)
async def test_ending_a_guided_tour_gives_the_trainer_their_session_back(
    backend: Backend, ending: str, lang: str
) -> None:
    app = make_app(backend, lang)
    async with app.run_test(size=SIZE) as pilot:
        await guided_login(pilot, "points")  # the trainee logs in with the tour's account
        if ending == "Esc on the empty login":
            await pilot.press(*"k0", "escape")  # a typed ID: Esc clears it, the tour goes on
            await pilot.pause(0.1)
            assert app.tour is not None and app.screen.query_one("#staff-id").value == ""
        else:
            await trainee_logs_in(pilot, "k001")
        await pilot.press("ctrl+g" if ending == "End tour" else "escape")
        await wait_for(pilot, lambda: back_as_trainer(app))
