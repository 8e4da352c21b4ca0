"""Snapshots of the customer list and the checklist at 80x24 (fixed clock, demo data)."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from branchdesk.clients.local.settings import Settings
from support.backend import FakeClock, make_backend
from support.tui import SIZE, login, make_app, wait_for


@pytest.fixture
def fixed_backend():
    backend = make_backend(settings=Settings(clock=FakeClock()))
    yield backend
    backend.store.close()


async def _customers(pilot) -> None:
    await login(pilot, "m001")
    await pilot.press("1")
    await wait_for(
        pilot,
        lambda: (
            pilot.app.screen.query("#onb-table")
            and pilot.app.screen.query_one("#onb-table", DataTable).row_count > 0
        ),
    )
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_customer_list(fixed_backend, snap_compare):
    assert snap_compare(make_app(fixed_backend, "en"), terminal_size=SIZE, run_before=_customers)


def test_checklist_zh(fixed_backend, snap_compare):
    async def open_checklist(pilot) -> None:
        await _customers(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: getattr(pilot.app.screen, "data", None) is not None)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()  # the list is drawn again once it knows its width

    assert snap_compare(
        make_app(fixed_backend, "zh-CN"), terminal_size=SIZE, run_before=open_checklist
    )
