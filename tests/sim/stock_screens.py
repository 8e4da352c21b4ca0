"""Helpers for the SIM stock screen tests: the stock screen and a batch form, opened as a clerk
does it from the home menu."""

from __future__ import annotations

from typing import Any

from textual.widgets import Select

from branchdesk.screens.sim.batch import SimBatchScreen
from branchdesk.screens.sim.stock import SimStockScreen
from support.tui import login, wait_for


async def open_stock(pilot: Any, app: Any, staff: str = "c001") -> SimStockScreen:
    """Log in as ``staff`` and open the stock screen; returns it once its table has rows."""
    await login(pilot, staff)
    app.open_workflow("sim_stock")
    await wait_for(pilot, lambda: isinstance(app.screen, SimStockScreen))
    await wait_for(pilot, lambda: any(t.row_count for t in app.screen.query("#stock-table")))
    return app.screen


async def open_batch(pilot: Any, app: Any, key: str = "f2") -> SimBatchScreen:
    """From the stock screen, ``key`` opens a batch form (F2 pick-up, F3 return, …); returns
    it once the agent (pick-ups and returns) is filled in."""
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, SimBatchScreen))
    screen = app.screen
    if screen.mode != "transfer":
        await wait_for(pilot, lambda: screen.query_one("#agent", Select).value == "A00101")
    return screen


async def choose_source(pilot: Any, screen: SimBatchScreen, source: str) -> None:
    """The batch's card source (file, paste or range); its row of fields is then shown."""
    screen.query_one("#source", Select).value = source
    await pilot.pause()
    assert screen.query_one(f"#{source}-row").display


async def open_batch_form(pilot: Any, app: Any, key: str = "f2", *, source: str) -> SimBatchScreen:
    """As c001: the stock screen, the batch form ``key`` opens, its card source ``source``."""
    await open_stock(pilot, app)
    screen = await open_batch(pilot, app, key)
    await choose_source(pilot, screen, source)
    return screen
