"""Steps many counter screen tests start with."""

from __future__ import annotations

from branchdesk.screens.points.lookup import PointsLookupScreen
from branchdesk.screens.points.reports import PointsReportsScreen
from support.tui import login, open_workflow, wait_for

MOBILE = "13800138000"  # the demo member M000001: 1000 points, 500.00 on the card


async def find_member(pilot, query: str = MOBILE, staff_id: str = "k001") -> PointsLookupScreen:
    """Log in, open the redemption lookup and look a member up; returns the lookup screen."""
    await login(pilot, staff_id)
    screen = await open_workflow(pilot, "points.redeem", PointsLookupScreen)
    await pilot.press(*query, "enter")
    await wait_for(pilot, lambda: screen.member is not None)
    return screen


async def open_report(pilot, report: str) -> PointsReportsScreen:
    """Log in as the supervisor s001 and show ``report`` (F6 steps through them) with its data."""
    await login(pilot, "s001")
    screen = await open_workflow(pilot, "points.reports", PointsReportsScreen)
    while screen.report != report:
        await pilot.press("f6")
        await wait_for(pilot, lambda: screen.data is not None)
    await wait_for(pilot, lambda: screen.data is not None)
    return screen
