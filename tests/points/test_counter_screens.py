"""Issue 14 on the points screens, Pilot at 80x24 through the real API: each test failed before."""

from __future__ import annotations

from pathlib import Path

import pytest
from points.helpers import find_member, open_report

from branchdesk.screens.common.confirm import ConfirmModal
from branchdesk.screens.points.issue import PointsIssueScreen
from branchdesk.tui import timefmt
from branchdesk.tui.i18n import _
from support.points import shift_list_shown
from support.tui import SIZE, make_app, open_workflow, screen_text, wait_for

from .test_screens import login


def _text(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def _cards(backend) -> list[str]:
    return [m["card_no"] for m in sorted(backend.store.scan("members"), key=lambda m: m["id"])]


def _sum(backend, member_id: str) -> int:
    return sum(r["points"] for r in backend.store.lookup("points_ledger", "member_id", member_id))


async def _issue_screen(pilot, app, path: Path) -> None:
    await login(pilot, "s001")
    await open_workflow(pilot, "points.issue", PointsIssueScreen)
    app.screen.query_one("#csv-path").value = str(path)
    app.screen.query_one("#csv-path").focus()
    await pilot.pause()


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_bad_byte_reported_by_line_and_byte_with_every_other_line(backend, tmp_path, lang):
    cards = _cards(backend)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        b"card_no,points,note\r\n"
        + f"{cards[0]},10,ok\r\n".encode()
        + cards[1].encode()
        + b",10,\xb4\xff\r\n"
        + f"{cards[2]},abc,x\r\n".encode()
    )
    app = make_app(backend, lang)
    async with app.run_test(size=SIZE) as pilot:
        await _issue_screen(pilot, app, bad)
        await pilot.press("f3")
        table = app.screen.query_one("#problems")
        await wait_for(pilot, lambda: table.row_count == 2)
        rows = [table.get_row_at(i) for i in range(2)]
        assert [r[0] for r in rows] == ["3", "4"]
        shown = screen_text(app)
        assert "codec" not in shown and "gb18030" not in shown
        assert _("points.import.problem.encoding", byte=24)[:12] in str(rows[0][1])
        assert "24" in str(rows[0][1])
        assert not backend.store.scan("points_batches")


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_preview_then_commit_then_same_file_refused_then_supervisor_reimports(
    backend, tmp_path, lang
):
    cards = _cards(backend)
    member = backend.store.lookup("members", "card_no", cards[0])[0]
    good = tmp_path / "good.csv"
    good.write_text(f"card_no,points,note\r\n{cards[0]},16,定期存款\r\n", encoding="utf-8")
    app = make_app(backend, lang)
    async with app.run_test(size=SIZE) as pilot:
        await _issue_screen(pilot, app, good)
        before = _sum(backend, member["id"])
        # F4 first: the preview comes before anything is issued, then the confirmation.
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert _sum(backend, member["id"]) == before
        summary = _("points.issue.summary", rows=1, members=1, points=16, value="8.00")
        assert summary in "\n".join(app.screen.lines)
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(backend.store.scan("points_batches")) == 1)
        await wait_for(pilot, lambda: "B000001" in _text(app, "#issue-status"))
        assert _sum(backend, member["id"]) == before + 16
        # The same file again: the preview names the earlier batch; the commit is refused.
        await pilot.press("f3")
        await wait_for(pilot, lambda: "B000001" in _text(app, "#issue-summary"))
        await _confirm_import_then_see_reimport_asked(pilot)
        detail = "\n".join(app.screen.lines)
        batch = backend.store.scan("points_batches")[0]
        assert "B000001" in detail and batch["by"] in detail
        assert timefmt.when(batch["at"]) in detail and batch["at"] not in detail
        assert _sum(backend, member["id"]) == before + 16
        # Esc: nothing; F4 and a deliberate confirmation: imported once more.
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, PointsIssueScreen))
        assert len(backend.store.scan("points_batches")) == 1
        await _confirm_import_then_see_reimport_asked(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(backend.store.scan("points_batches")) == 2)
        assert _sum(backend, member["id"]) == before + 32


async def _confirm_import_then_see_reimport_asked(pilot) -> None:
    """F4, Enter on the import confirmation: the file was imported before, so it asks again."""
    app = pilot.app
    await pilot.press("f4")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
    await pilot.press("enter")
    await wait_for(
        pilot,
        lambda: (
            isinstance(app.screen, ConfirmModal)
            and app.screen.title_text == _("points.issue.reimport_title")
        ),
    )


def _cells_shown(app) -> list[list[str]]:
    table = app.screen.query_one("#report-table")
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_report_columns_never_cut_and_dates_whole(backend, lang):

    app = make_app(backend, lang)
    async with app.run_test(size=SIZE) as pilot:
        await open_report(pilot, "redemptions")
        await pilot.pause(0.3)
        table = app.screen.query_one("#report-table")
        rows = _cells_shown(app)
        assert rows
        for index, column in enumerate(table.ordered_columns):
            widest = max(len(r[index]) for r in rows)
            assert column.get_render_width(table) - 2 * table.cell_padding >= widest, column.label
        # The chart counts redemptions: not on the issuance report.
        assert app.screen.query_one("#report-chart").display
        while app.screen.report != "issuance":
            await pilot.press("f6")
        await wait_for(pilot, lambda: app.screen.data is not None)
        await pilot.pause()
        assert not app.screen.query_one("#report-chart").display
        # A full date fits the input.
        field = app.screen.query_one("#date-from")
        field.focus()
        await pilot.press(*"2026-12-01")
        await pilot.pause()
        assert "2026-12-01" in screen_text(app), screen_text(app)


async def test_report_exports_unique_per_filter_and_run_and_say_their_filter(backend):
    from branchdesk.screens.points.reports import PointsReportsScreen

    app = make_app(backend, "en")
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "s001")
        await open_workflow(pilot, "points.reports", PointsReportsScreen)
        paths = []
        for _round in range(2):
            await wait_for(pilot, lambda: app.screen.data is not None)
            await pilot.press("f3")
            await wait_for(
                pilot,
                lambda: (
                    "CSV" in _text(app, "#report-status") or ":" in _text(app, "#report-status")
                ),
            )
            status = _text(app, "#report-status")
            paths.append(Path(status.split(":", 1)[1].strip()))
            await pilot.press("f7")  # another channel: another filter
        assert paths[0] != paths[1] and all(p.exists() for p in paths)
        first, second = (p.read_text(encoding="utf-8-sig") for p in paths)
        assert "channel: " + _("points.reports.all") in first
        assert "channel: " + _("points.channel.mall") in second


async def _settled_and_pending(backend, clock, codes) -> tuple[dict, dict]:
    """Through the real API as k001, today: one settled redemption, then one waiting."""
    from datetime import UTC, datetime

    from branchdesk.clients.api import Action
    from branchdesk.clients.points_api import PointsApi
    from support.backend import logged_in

    clock.now = datetime.now(UTC).replace(microsecond=0)
    cashier = await logged_in(backend, "k001")
    api = PointsApi(cashier)
    member = await api.find_member("13800138000")
    first = await api.create_redemption(member["id"], "pos", Action(), points=58)
    code = codes(await api.sms_outbox(), first["id"])
    settled = await api.verify(first["id"], code, Action())
    clock.advance(minutes=2)
    pending = await api.create_redemption(member["id"], "pos", Action(), points=20)
    await cashier.aclose()
    return settled, pending


async def _shift(pilot, app, staff: str = "k001") -> None:
    from branchdesk.screens.points.lookup import PointsLookupScreen

    await login(pilot, staff)
    await open_workflow(pilot, "points.redeem", PointsLookupScreen)
    await shift_list_shown(pilot, "f6", 2)
    await pilot.pause()


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_cashier_shift_lists_reprints_and_cancels(backend, clock, codes, lang):
    from branchdesk.screens.points.receipt import PointsReceiptScreen

    settled, pending = await _settled_and_pending(backend, clock, codes)
    app = make_app(backend, lang)
    async with app.run_test(size=SIZE) as pilot:
        await _shift(pilot, app)
        shown = screen_text(app)
        for redemption in (settled, pending):
            assert redemption["id"] in shown
            assert timefmt.clock(redemption["created_at"]) in shown
        assert settled["member_name"] in shown and "王晓梅" not in shown
        assert _("points.status.pending_otp") in shown
        # Newest first: the pending one; F4 asks, then cancels it.
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert pending["id"] in "\n".join(app.screen.lines)
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: backend.store.get("redemptions", pending["id"])["status"] == "cancelled"
        )
        await wait_for(pilot, lambda: _("points.status.cancelled") in screen_text(app))
        # The settled one: Enter reprints, with staff and outlet.
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PointsReceiptScreen))
        body = _text(app, "#receipt-body")
        assert settled["id"] in body and settled["created_by_name"] in body
        assert settled["institution_name"] in body
        assert timefmt.when_seconds(settled["settled_at"]) in body


async def test_checkout_esc_with_code_sent_asks_and_cancels(backend):
    from branchdesk.screens.points.checkout import PointsCheckoutScreen
    from branchdesk.screens.points.lookup import PointsLookupScreen

    app = make_app(backend, "en")
    async with app.run_test(size=SIZE) as pilot:
        await find_member(pilot)
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, PointsCheckoutScreen))
        await pilot.pause()
        await pilot.press("5", "8", "f2")
        await wait_for(pilot, lambda: app.screen.redemption is not None)
        redemption_id = app.screen.redemption["id"]
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("escape")  # not now: still on the checkout, code still valid
        await wait_for(pilot, lambda: isinstance(app.screen, PointsCheckoutScreen))
        assert backend.store.get("redemptions", redemption_id)["status"] == "pending_otp"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PointsLookupScreen))
        assert backend.store.get("redemptions", redemption_id)["status"] == "cancelled"


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_reversal_picked_from_list_shows_member_and_new_status(backend, clock, codes, lang):
    from branchdesk.screens.points.reverse import PointsReverseScreen

    settled, _pending = await _settled_and_pending(backend, clock, codes)
    app = make_app(backend, lang)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "s001")
        await open_workflow(pilot, "points.reverse", PointsReverseScreen)
        await shift_list_shown(pilot, "f3", 2)
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PointsReverseScreen))
        await wait_for(pilot, lambda: app.screen.redemption is not None)
        info = _text(app, "#redemption-info")
        assert settled["member_name"] in info and settled["member_card"] in info
        await pilot.press(*"wrong item", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert settled["member_name"] in "\n".join(app.screen.lines)
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: backend.store.get("redemptions", settled["id"])["status"] == "reversed"
        )
        await wait_for(pilot, lambda: _("points.status.reversed") in _text(app, "#redemption-info"))
        assert _("points.status.settled") not in _text(app, "#redemption-info")


async def _lookup(pilot, app, mobile: str) -> None:
    from branchdesk.screens.points.lookup import PointsLookupScreen

    await login(pilot, "k001")
    await open_workflow(pilot, "points.redeem", PointsLookupScreen)
    await pilot.press(*mobile, "enter")
    await wait_for(pilot, lambda: app.screen.member is not None)
    await pilot.pause()


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_online_member_told_at_lookup_no_proxy_basket(backend, lang):
    from branchdesk.screens.points.lookup import PointsLookupScreen

    app = make_app(backend, lang)
    async with app.run_test(size=SIZE) as pilot:
        await _lookup(pilot, app, "13800138002")
        assert not app.screen.member["offline"]
        assert _("points.lookup.actions_online") in _text(app, "#points-status")
        await pilot.press("f3")
        await pilot.pause(0.2)
        assert isinstance(app.screen, PointsLookupScreen)


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_proxy_missing_points_clears_when_basket_fixed_and_f6_shown(backend, lang):
    from branchdesk.screens.points.proxy import PointsProxyScreen

    app = make_app(backend, lang)
    async with app.run_test(size=SIZE) as pilot:
        await _lookup(pilot, app, "13800138000")
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, PointsProxyScreen))
        await pilot.pause()
        assert "f6" in screen_text(app).splitlines()[-1]
        screen = app.screen
        screen.query_one("#item-name").value = "rice"
        screen.query_one("#item-qty").value = "1"
        screen.query_one("#item-price").value = "800.00"
        screen.action_add_item()
        await pilot.press("f2")
        missing = _("points.checkout.missing", missing=600)
        await wait_for(pilot, lambda: missing in _text(app, "#checkout-status"))
        table = screen.query_one("#items")
        table.focus()
        await pilot.press("f6")
        await wait_for(pilot, lambda: not screen.items)
        assert missing not in _text(app, "#checkout-status")
