"""Pilot: lookup → deduct → code → settle at 80x24 in both languages; the other screens."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from points.helpers import find_member

from branchdesk.screens.common.confirm import ConfirmModal
from branchdesk.screens.points.checkout import PointsCheckoutScreen
from branchdesk.screens.points.issue import PointsIssueScreen
from branchdesk.screens.points.lookup import PointsLookupScreen
from branchdesk.screens.points.receipt import PointsReceiptScreen
from branchdesk.screens.points.reverse import PointsReverseScreen
from branchdesk.tui.i18n import _
from support.tui import SIZE, login, make_app, open_workflow, wait_for

CODE = re.compile(r"验证码 ([0-9]{6})")


def _text(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_lookup_deduct_code_settle(backend, lang):
    app = make_app(backend, lang)
    async with app.run_test(size=SIZE) as pilot:
        await find_member(pilot)
        assert "1000" in _text(app, "#member-info") and "500.00" in _text(app, "#member-info")
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, PointsCheckoutScreen))
        await pilot.pause()
        await pilot.press("5", "8")
        await pilot.pause()
        assert "29.00" in _text(app, "#points-value")
        await pilot.press("f2")
        await wait_for(pilot, lambda: app.screen.redemption is not None)
        phone = app.screen.query_one("#phone")
        await wait_for(pilot, lambda: phone.latest_text() != "")
        code = CODE.search(phone.latest_text()).group(1)
        wrong = "000000" if code != "000000" else "111111"
        await pilot.press(*wrong, "enter")
        await wait_for(pilot, lambda: "2" in _text(app, "#checkout-status"))
        assert app.screen.query_one("#code").value == ""
        await pilot.press(*code, "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PointsReceiptScreen))
        body = _text(app, "#receipt-body")
        assert "942" in body and "29.00" in body
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PointsLookupScreen))
        await wait_for(pilot, lambda: app.screen.member and app.screen.member["points"] == 942)
    assert backend.store.get("points_balances", "M000001")["balance"] == 942


async def test_unbound_member_cannot_open_checkout(backend):
    app = make_app(backend, "en")
    async with app.run_test(size=SIZE) as pilot:
        await find_member(pilot, "13800138001")
        assert _("points.member.id_unbound") in _text(app, "#member-info")
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, PointsLookupScreen)
        assert _("points.member.cannot_redeem") in _text(app, "#points-status")


async def test_bad_query_and_too_many_points_keep_input(backend):
    app = make_app(backend, "en")
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "k001")
        await open_workflow(pilot, "points.redeem", PointsLookupScreen)
        await pilot.press(*"1234", "enter")
        await pilot.pause()
        assert "13–19" in _text(app, "#points-status")
        assert app.screen.query_one("#member-query").value == "1234"
        app.screen.query_one("#member-query").value = ""
        await pilot.press(*"13800138000", "enter")
        await wait_for(pilot, lambda: app.screen.member is not None)
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, PointsCheckoutScreen))
        await pilot.pause()
        await pilot.press(*"1200", "f2")
        await pilot.pause()
        assert "200 missing" in _text(app, "#checkout-status")
        assert app.screen.query_one("#points").value == "1200"


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_proxy_order_shows_missing_points_then_settles(backend, lang):
    app = make_app(backend, lang)
    async with app.run_test(size=SIZE) as pilot:
        await find_member(pilot)
        await pilot.press("f3")
        await wait_for(pilot, lambda: app.screen.query("#item-name"))
        await pilot.pause()
        await pilot.press(*"TV", "tab", "backspace", "1", "tab", *"600.00", "enter")
        await pilot.pause()
        assert "200" in _text(app, "#order-total")
        await pilot.press("f2")
        await pilot.pause()
        assert app.screen.redemption is None
        table = app.screen.query_one("#items")
        table.focus()
        await pilot.press("f6")
        await pilot.pause()
        await pilot.press(*"Rice", "tab", "backspace", "2", "tab", *"45.50", "enter", "f2")
        await wait_for(pilot, lambda: app.screen.redemption is not None)
        assert app.screen.redemption["points"] == 182
        phone = app.screen.query_one("#phone")
        await wait_for(pilot, lambda: phone.latest_text() != "")
        await pilot.press(*CODE.search(phone.latest_text()).group(1), "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PointsReceiptScreen))


async def test_supervisor_reverses_and_reports(backend, tmp_path: Path):
    app = make_app(backend, "zh-CN")
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "s001")
        await open_workflow(pilot, "points.reverse", PointsReverseScreen)
        await pilot.press(*"R00000001", "enter")
        await wait_for(pilot, lambda: app.screen.redemption is not None)
        points = app.screen.redemption["points"]
        await pilot.press("f2")
        await pilot.pause()
        assert "原因" in _text(app, "#reverse-status")
        await pilot.press(*"return", "enter")
        # Irreversible: the confirmation says what happens; Esc changes nothing.
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert str(points) in _text(app, "#confirm-detail")
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert backend.store.get("redemptions", "R00000001")["status"] != "reversed"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.redemption["status"] == "reversed")
        assert str(points) in _text(app, "#reverse-status")
        await pilot.press("escape")
        app.open_workflow("points.reports")
        await wait_for(pilot, lambda: getattr(app.screen, "data", None) is not None)
        await pilot.press("f6")
        await wait_for(pilot, lambda: (app.screen.data or {}).get("report") == "channels")
        chart = _text(app, "#report-chart")
        assert any(ch in chart for ch in "▁▂▃▄▅▆▇█")
        await pilot.press("f3")
        await pilot.pause()
        status = _text(app, "#report-status")
        parts = re.split("[:：]", status, maxsplit=1)
        path = Path(parts[1].strip()) if len(parts) == 2 else None
        assert path and path.exists()
        assert path.read_text(encoding="utf-8-sig").startswith("渠道,账户数")


async def test_issuance_template_and_bad_file(backend, tmp_path: Path):
    app = make_app(backend, "en")
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "s001")
        await open_workflow(pilot, "points.issue", PointsIssueScreen)
        await pilot.press("f2")
        await wait_for(pilot, lambda: app.screen.query_one("#csv-path").value != "")
        assert Path(app.screen.query_one("#csv-path").value).exists()
        bad = tmp_path / "bad.csv"
        bad.write_text("card_no,points,note\r\n6210980000000000015,abc,x\r\n", encoding="utf-8")
        app.screen.query_one("#csv-path").value = str(bad)
        app.screen.query_one("#csv-path").focus()
        await pilot.press("f4")
        await wait_for(pilot, lambda: app.screen.query_one("#problems").row_count == 1)
        assert "no points were issued" in _text(app, "#issue-status")


async def test_cashier_home_lists_only_redeem(backend):
    app = make_app(backend, "en")
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "k001")
        options = app.screen.query_one("#workflows")
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert "points.redeem" in ids and "points.reverse" not in ids
