"""One receipt screen (issue 13): saved as soon as it shows, listed per staff member, reopened.

Pilot at 80x24 in both languages over the real API (the logged-in staff member owns the
receipt); the receipts directory is the test's own data dir.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from branchdesk.screens.card_write.receipt import CardWriteReceiptScreen
from branchdesk.screens.card_write.receipt import receipt_text as order_text
from branchdesk.screens.common.receipt import HISTORY_FILE, ReceiptScreen, history
from branchdesk.screens.common.receipt_history import ReceiptHistoryScreen
from branchdesk.screens.points.receipt import PointsReceiptScreen
from branchdesk.screens.points.receipt import receipt_text as points_text
from branchdesk.screens.sim.receipt import SimReceiptScreen
from branchdesk.screens.sim.receipt import receipt_text as batch_text
from branchdesk.tui import timefmt
from branchdesk.tui.i18n import _
from support.receipts import REDEMPTION, SIM_BATCH
from support.tui import SIZE, login, make_app, screen_text, wait_for

MEMBER = {"name": "张*", "card": "…0001", "points": 942}
ORDER = {
    "id": "AO000007",
    "customer": {"name": "王*", "id_number": "110105********002X", "contact": "138****8000"},
    "package": {
        "name_zh": "畅享 58",
        "name_en": "Enjoy 58",
        "monthly_fee": "58.00",
        "prepay": "100.00",
    },
    "tariff": {"name_zh": "标准", "name_en": "Standard"},
    "msisdn": "13912340007",
    "iccid": "89860126011000005108",
    "staff_id": "c001",
    "agent_id": "A001",
    "activated_at": "2026-12-01T20:06:02+00:00",
    "fees": {"total": "158.00"},
    "payment": {"invoice_no": "INV00000007"},
}


def receipts(app) -> Path:
    return app.options.receipts_dir()


async def show(pilot, app, screen: ReceiptScreen) -> ReceiptScreen:
    app.push_screen(screen)
    await wait_for(pilot, lambda: app.screen is screen and screen.saved_path is not None)
    await pilot.pause()
    return screen


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_every_receipt_is_saved_at_once_and_listed_for_its_staff_member(
    backend, tmp_path: Path, lang
) -> None:
    app = make_app(backend, lang, data_dir=tmp_path, timezone="Asia/Shanghai")
    try:
        async with app.run_test(size=SIZE) as pilot:
            await login(pilot, "s001")
            points = await show(pilot, app, PointsReceiptScreen(MEMBER, REDEMPTION))  # type: ignore[arg-type]
            saved = receipts(app) / "points-RD-000042.txt"
            # Saved before anything is pressed: Esc no longer loses it.
            assert points.saved_path == saved
            text = saved.read_text(encoding="utf-8")
            assert text == f"{_('points.receipt.title')}\n\n{points_text(MEMBER, REDEMPTION)}\n"  # type: ignore[arg-type]
            for part in ("张丽", "坪东邮政所", "大米 5kg", "RD-000042", "2026-12-02 04:06:30"):
                assert part in text, part
            assert "T20:06" not in screen_text(app)
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, ReceiptScreen))

            await show(pilot, app, SimReceiptScreen(SIM_BATCH))  # type: ignore[arg-type]
            sim_file = receipts(app) / "receipt-SB000123.txt"
            assert sim_file.read_text(encoding="utf-8") == batch_text(SIM_BATCH) + "\n"  # type: ignore[arg-type]
            await pilot.press("enter")
            await wait_for(pilot, lambda: not isinstance(app.screen, ReceiptScreen))

            await show(pilot, app, CardWriteReceiptScreen(ORDER))  # type: ignore[arg-type]
            order_file = receipts(app) / "receipt-AO000007.txt"
            assert order_file.read_text(encoding="utf-8") == order_text(ORDER) + "\n"  # type: ignore[arg-type]

            # F4: the history, newest first; Enter reopens the points receipt as it was.
            await pilot.press("f4")
            await wait_for(pilot, lambda: isinstance(app.screen, ReceiptHistoryScreen))
            await pilot.pause()
            listing = app.screen
            assert [e.ref for e in listing.entries] == ["AO000007", "SB000123", "RD-000042"]
            shown = screen_text(app)
            assert _("receipt.kind.points") in shown and "RD-000042" in shown
            assert timefmt.when(listing.entries[0].at) in shown
            await pilot.press("down", "down", "enter")
            await wait_for(pilot, lambda: isinstance(app.screen, ReceiptScreen))
            reopened = app.screen
            assert reopened.receipt.text + "\n" == text
            assert "RD-000042" in str(reopened.query_one("#receipt-body").render())
            # Reopening is not a new receipt.
            assert len(history(receipts(app), "s001")) == 3

            # Another staff member sees none of them.
            app.go_home()
            await pilot.press("f10")
            await login(pilot, "k001")
            await pilot.press("f4")  # from the home screen
            await wait_for(pilot, lambda: isinstance(app.screen, ReceiptHistoryScreen))
            await pilot.pause()
            assert app.screen.entries == []
            assert _("receipt.history.empty") in screen_text(app)
    finally:
        timefmt.set_zone(None)


async def test_a_torn_history_line_and_a_missing_file_are_said(backend, tmp_path: Path) -> None:
    app = make_app(backend, "en", data_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "s001")
        screen = await show(pilot, app, SimReceiptScreen(SIM_BATCH))  # type: ignore[arg-type]
        assert screen.saved_path is not None
        with (receipts(app) / HISTORY_FILE).open("a", encoding="utf-8") as fh:
            fh.write('{"staff": "s001", "kind"')  # a power cut mid-line
        screen.saved_path.unlink()
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceiptHistoryScreen))
        await pilot.pause()
        assert [e.ref for e in app.screen.entries] == ["SB000123"]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ReceiptHistoryScreen)
        assert "receipt-SB000123.txt" in str(
            app.screen.query_one("#receipt-history-status").render()
        )


async def test_unwritable_receipts_dir_is_said_not_fatal(backend, tmp_path: Path) -> None:
    blocked = tmp_path / "data"
    blocked.mkdir()
    (blocked / "receipts").write_text("not a directory")
    app = make_app(backend, "en", data_dir=blocked)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "s001")
        screen = SimReceiptScreen(SIM_BATCH)  # type: ignore[arg-type]
        app.push_screen(screen)
        await wait_for(pilot, lambda: app.screen is screen)
        await pilot.pause()
        status = screen.query_one("#receipt-status")
        assert "-error" in status.classes
        assert _("receipt.save_failed", reason="@").split("@")[0] in str(status.render())
        # F2 still saves a copy where the clerk says.
        field = screen.query_one("#save-path")
        field.value = str(tmp_path / "copy.txt")
        await pilot.press("f2")
        await wait_for(pilot, lambda: (tmp_path / "copy.txt").exists())
