"""Driving the onboarding screens in Pilot tests."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable

from branchdesk.screens.onboarding.customer_form import CustomerFormScreen
from branchdesk.screens.onboarding.customers import CustomersScreen
from support.tui import login, wait_for


async def open_customers(pilot: Pilot[Any], staff_id: str = "m001") -> CustomersScreen:
    """Log in and open the customer list (workflow 1) once its first rows are shown."""
    await login(pilot, staff_id)
    await pilot.press("1")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, CustomersScreen))
    screen = pilot.app.screen
    assert isinstance(screen, CustomersScreen)
    await wait_for(pilot, lambda: screen.query_one("#onb-table", DataTable).row_count > 0)
    return screen


async def new_customer_form(pilot: Pilot[Any]) -> CustomerFormScreen:
    """F2 on the customer list: the empty form for a new customer, once it is up."""
    await pilot.press("f2")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, CustomerFormScreen))
    form = pilot.app.screen
    assert isinstance(form, CustomerFormScreen)
    return form
