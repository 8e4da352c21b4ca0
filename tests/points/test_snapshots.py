"""Snapshots at 80x24: the member lookup in both languages and the reports screen."""

from __future__ import annotations

from typing import Any

import pytest

from support.tui import login, make_app, snapshot_matches, wait_for


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_member_lookup(snap_compare: Any, backend: Any, lang: str) -> None:
    app = make_app(backend, lang)

    async def found(pilot: Any) -> None:
        await login(pilot, "k001")
        app.open_workflow("points.redeem")
        await wait_for(pilot, lambda: app.screen.query("#member-query"))
        await pilot.pause()
        await pilot.press(*"13800138000", "enter")
        await wait_for(pilot, lambda: getattr(app.screen, "member", None) is not None)

    assert snapshot_matches(snap_compare, app, found)


def test_reports_channel_summary(snap_compare: Any, backend: Any) -> None:
    app = make_app(backend, "zh-CN")

    async def report(pilot: Any) -> None:
        await login(pilot, "s001")
        app.open_workflow("points.reports")
        await wait_for(pilot, lambda: getattr(app.screen, "data", None) is not None)
        await pilot.press("f6")
        await wait_for(pilot, lambda: (app.screen.data or {}).get("report") == "channels")

    assert snapshot_matches(snap_compare, app, report)
