"""Keys typed ahead arrive in one burst (one terminal read, as over a slow SSH link, or a
browser tab's websocket frame): Tab, and Enter in a field that leads to the next, still move on
before the keys after them are typed."""

from __future__ import annotations

import pytest
from textual import events
from textual.widgets import Input

from branchdesk.clients.local.backend import Backend
from branchdesk.screens.common.home import HomeScreen
from branchdesk.screens.common.login import LoginScreen
from support.onboarding import new_customer_form, open_customers
from support.tui import SIZE, make_app, wait_for


def _burst(app: object, text: str) -> None:
    """Post the keys the way the terminal driver does for one read: no waiting in between."""
    names = {"\t": "tab", "\r": "enter"}
    for char in text:
        key = names.get(char, char)
        app.post_message(events.Key(key, char))  # type: ignore[attr-defined]


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
@pytest.mark.parametrize(
    "keys", ["k001\tdemo-pass-1\r", "k001\rdemo-pass-1\r"], ids=["tab", "enter"]
)
async def test_login_typed_ahead_in_one_burst(backend: Backend, lang: str, keys: str) -> None:
    app = make_app(backend, lang)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.ready and isinstance(app.screen, LoginScreen))
        await pilot.pause()
        _burst(app, keys)
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))


async def test_enter_in_the_password_field_still_logs_in(backend: Backend) -> None:
    """The password field is not a next-on-enter field: its Enter submits (slow typing too)."""
    app = make_app(backend, "en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.ready and isinstance(app.screen, LoginScreen))
        await pilot.press(*"k001", "enter", *"demo-pass-1", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))


async def test_a_form_that_moves_on_enter_takes_a_burst(backend: Backend) -> None:
    """The marketer's customer form: Enter goes to the next field, typed ahead or not."""
    app = make_app(backend, "en")
    async with app.run_test(size=SIZE) as pilot:
        await open_customers(pilot)
        form = await new_customer_form(pilot)
        await pilot.pause()
        _burst(app, "Wang\r110\r13812345678")
        await pilot.pause()
        values = [form.query_one(f"#f-{f}", Input).value for f in ("name", "id_number", "mobile")]
        assert values == ["Wang", "110", "13812345678"]


async def test_shift_tab_goes_back_in_a_burst(backend: Backend) -> None:
    app = make_app(backend, "en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.ready and isinstance(app.screen, LoginScreen))
        await pilot.pause()
        _burst(app, "k001\tx")
        app.post_message(events.Key("shift+tab", None))
        _burst(app, "2")
        await pilot.pause()
        staff_id, password = list(app.screen.query(Input))[:2]
        assert password.value == "x"
        assert app.focused is staff_id
        assert staff_id.value.endswith("2")  # typed into the ID field (its text selected on focus)


def test_a_text_area_that_indents_keeps_tab() -> None:
    from textual.widgets import TextArea

    from branchdesk.tui.app import _takes_tab

    assert _takes_tab(TextArea(tab_behavior="indent"))
    assert not _takes_tab(TextArea(tab_behavior="focus"))
    assert not _takes_tab(Input())
    assert not _takes_tab(None)
