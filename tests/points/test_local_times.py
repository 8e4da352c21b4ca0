"""No ISO stamp (``2026-12-01T20:06:02+00:00``) on the cashier's shift or the reports (issue 13).

Pilot at 80x24 in both languages through the real API, with the zone of the demo data.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from points.helpers import open_report

from branchdesk.clients.api import Action
from branchdesk.clients.points_api import PointsApi
from branchdesk.screens.points.lookup import PointsLookupScreen
from branchdesk.tui import timefmt
from support.backend import logged_in
from support.points import shift_list_shown
from support.tui import SIZE, make_app, open_workflow, screen_text, wait_for

from .test_screens import login

ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|[+-]\d{2}:\d{2}\b|\d{2}:\d{2}(:\d{2})?Z\b")
ZONE = "Asia/Shanghai"


def test_the_pattern_flags_iso_stamps() -> None:
    assert ISO.search("时间:2026-12-01T20:06:02+00:00")
    assert ISO.search("at 20:06:02Z")
    assert not ISO.search("2026-12-02 04:06  12-02 04:06")


async def _redeemed_today(backend, clock, codes) -> dict:
    clock.now = datetime.now(UTC).replace(microsecond=0)
    cashier = await logged_in(backend, "k001")
    api = PointsApi(cashier)
    member = await api.find_member("13800138000")
    first = await api.create_redemption(member["id"], "pos", Action(), points=58)
    settled = await api.verify(first["id"], codes(await api.sms_outbox(), first["id"]), Action())
    await cashier.aclose()
    return settled


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_shift_and_reports_show_local_time_only(backend, clock, codes, lang, tmp_path: Path):
    settled = await _redeemed_today(backend, clock, codes)
    app = make_app(backend, lang, timezone=ZONE, data_dir=tmp_path)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await login(pilot, "k001")
            await open_workflow(pilot, "points.redeem", PointsLookupScreen)
            await shift_list_shown(pilot, "f6", 1)
            await pilot.pause()
            shown = screen_text(app)
            assert not ISO.search(shown), shown
            assert timefmt.clock(settled["created_at"]) in shown

            app.go_home()
            await pilot.press("f10")
            await open_report(pilot, "redemptions")
            await pilot.pause()
            shown = screen_text(app)
            assert not ISO.search(shown), shown
            table = app.screen.query_one("#report-table")
            cells = [str(c) for r in range(table.row_count) for c in table.get_row_at(r)]
            local = {timefmt.when(settled["settled_at"]), timefmt.when(settled["created_at"])}
            assert local & set(cells), cells
            # The export people open in a spreadsheet: local times too.
            await pilot.press("f3")

            def exported_path() -> Path | None:
                found = re.search(
                    r"/\S+\.csv", str(app.screen.query_one("#report-status").render())
                )
                return Path(found.group(0)) if found else None

            await wait_for(pilot, lambda: exported_path() is not None)
            exported = exported_path().read_text(encoding="utf-8-sig")
            assert not ISO.search(exported), exported
    finally:
        timefmt.set_zone(None)
