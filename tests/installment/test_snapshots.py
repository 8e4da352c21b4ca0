"""Snapshot at 80x24: the back office order list in zh-CN (CJK columns must not break)."""

from __future__ import annotations

from typing import Any

from branchdesk.screens.installment.orders import InstallmentOrdersScreen
from support.tui import SIZE, login, make_app, wait_for


def test_back_office_orders_zh(snap_compare: Any, backend: Any) -> None:
    app = make_app(backend, "zh-CN")

    async def orders(pilot: Any) -> None:
        await login(pilot, "s001")
        app.push_screen(InstallmentOrdersScreen())
        await wait_for(pilot, lambda: len(getattr(app.screen, "orders", [])) == 8)
        app.screen.query_one("#orders-table").focus()
        await pilot.press("down", "down", "down", "down")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=orders)
