"""Snapshots of thin-terminal modes at 80x24 (review the SVG report before updating):
ASCII borders, the 16-colour ansi theme, NO_COLOR, in both languages."""

from __future__ import annotations

from typing import Any

import pytest

from branchdesk.clients.local.backend import Backend
from support.tui import SIZE, login, make_app, wait_for

CASES = {
    # id: (lang, NO_COLOR, options, staff, workflow)
    "login-en-ascii-ansi": ("en", False, {"ascii": True, "theme": "ansi"}, None, None),
    "login-zh-no-color": ("zh-CN", True, {}, None, None),
    "sim-stock-zh-ascii-ansi": (
        "zh-CN",
        False,
        {"ascii": True, "theme": "ansi"},
        "c001",
        "sim_stock",
    ),
    "sim-stock-en-no-color-ansi": ("en", True, {"theme": "ansi"}, "c001", "sim_stock"),
    "onboarding-en-ascii": ("en", False, {"ascii": True}, "m001", "onboarding"),
    "points-zh-no-color-ascii": ("zh-CN", True, {"ascii": True}, "k001", "points.redeem"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_terminal_mode(
    snap_compare: Any, backend: Backend, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    lang, no_color, options, staff, workflow = CASES[case]
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(backend, lang, **options)

    async def reach(pilot: Any) -> None:
        await wait_for(pilot, lambda: app.ready)
        if staff:
            await login(pilot, staff)
            app.open_workflow(workflow)
            await wait_for(pilot, lambda: type(app.screen).__name__ != "HomeScreen")
            await pilot.pause(0.3)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=reach)
