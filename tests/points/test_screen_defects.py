"""Defects of issue 13 on the points screens: each test failed before the fix."""

from __future__ import annotations

import pytest

from branchdesk.screens.points.checkout import PointsCheckoutScreen
from branchdesk.screens.points.grant import PointsGrantScreen
from branchdesk.screens.points.lookup import PointsLookupScreen
from branchdesk.tui.i18n import _
from support.backend import DEMO_PASSWORD
from support.tui import SIZE, make_app, wait_for

MEMBER = "M000001"


def _text(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def _grants(backend) -> list[dict]:
    return list(backend.store.lookup("points_ledger", "member_id", MEMBER))


async def login(pilot, staff_id: str) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.connection is not None and app.meta is not None, 15)
    app.screen.query_one("#staff-id").focus()
    await pilot.pause()
    await pilot.press(*staff_id, "enter", *DEMO_PASSWORD, "enter")
    await wait_for(pilot, lambda: app.staff is not None, 15)
    await pilot.pause()


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_manual_grant_once_then_new_balance(backend, lang):
    app = make_app(backend, lang)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "s001")
        app.push_screen(PointsGrantScreen())
        await wait_for(pilot, lambda: isinstance(app.screen, PointsGrantScreen))
        await pilot.pause()
        await pilot.press(*"13800138000", "enter")
        await wait_for(pilot, lambda: app.screen.member is not None)
        before = len(_grants(backend))
        await pilot.press(*"100", "enter", *"deposit", "f2")
        await wait_for(pilot, lambda: len(_grants(backend)) == before + 1)
        await wait_for(pilot, lambda: "1100" in _text(app, "#grant-member"))
        status = _text(app, "#grant-status")
        assert _("points.grant.done", points=100, balance=1100) in status
        assert _("points.error.points") not in status
        # Pressed again out of habit: nothing more is granted.
        await pilot.press("f2")
        await pilot.pause(0.3)
        assert len(_grants(backend)) == before + 1


async def _redeem_screen(pilot, app) -> None:
    await login(pilot, "k001")
    app.open_workflow("points.redeem")
    await wait_for(pilot, lambda: isinstance(app.screen, PointsLookupScreen))
    await pilot.pause()


@pytest.mark.parametrize("second", ["6210000000000000001", "13800138999"])
async def test_failed_lookup_clears_previous_member(backend, second):
    """A bad check digit, or a second mobile that is no member: the first member is gone."""
    app = make_app(backend, "en")
    async with app.run_test(size=SIZE) as pilot:
        await _redeem_screen(pilot, app)
        await pilot.press(*"13800138000", "enter")
        await wait_for(pilot, lambda: app.screen.member is not None)
        app.screen.query_one("#member-query").value = ""
        await pilot.press(*second, "enter")
        await wait_for(pilot, lambda: "-error" in app.screen.query_one("#points-status").classes)
        assert app.screen.member is None
        assert "1000" not in _text(app, "#member-info")
        await pilot.press("f2")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, PointsCheckoutScreen)


async def test_edited_query_disables_member_actions(backend):
    app = make_app(backend, "en")
    async with app.run_test(size=SIZE) as pilot:
        await _redeem_screen(pilot, app)
        await pilot.press(*"13800138000", "enter")
        await wait_for(pilot, lambda: app.screen.member is not None)
        assert app.screen.check_action("checkout", ()) is True
        await pilot.press("backspace")
        await pilot.pause()
        assert app.screen.check_action("checkout", ()) is None
        await pilot.press("f2")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, PointsCheckoutScreen)
