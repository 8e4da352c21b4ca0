"""Defects of issue 13 on the points screens: each test failed before the fix."""

from __future__ import annotations

import pytest
from points.helpers import find_member

from branchdesk.screens.points.checkout import PointsCheckoutScreen
from branchdesk.screens.points.grant import PointsGrantScreen
from branchdesk.tui.i18n import _
from support.tui import SIZE, login, make_app, push, wait_for

MEMBER = "M000001"


def _text(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def _grants(backend) -> list[dict]:
    return list(backend.store.lookup("points_ledger", "member_id", MEMBER))


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_manual_grant_once_then_new_balance(backend, lang):
    app = make_app(backend, lang)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "s001")
        await push(pilot, PointsGrantScreen())
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


@pytest.mark.parametrize("second", ["6210000000000000001", "13800138999"])
async def test_failed_lookup_clears_previous_member(backend, second):
    """A bad check digit, or a second mobile that is no member: the first member is gone."""
    app = make_app(backend, "en")
    async with app.run_test(size=SIZE) as pilot:
        await find_member(pilot)
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
        await find_member(pilot)
        assert app.screen.check_action("checkout", ()) is True
        await pilot.press("backspace")
        await pilot.pause()
        assert app.screen.check_action("checkout", ()) is None
        await pilot.press("f2")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, PointsCheckoutScreen)
