"""Points members for tests: added over the real API, as the counter's supervisor would."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from branchdesk.clients.api import Action, ApiClient
from branchdesk.clients.points_api import PointsApi

ID_NUMBER = "11010519491231002X"
"""A valid (check digit) ID number for test members."""


async def new_member(
    supervisor: ApiClient, mobile: str, name: str, points: int = 0, institution: str = "52230101"
) -> dict[str, Any]:
    """A member with a bound ID, and ``points`` granted to them when not 0."""
    body = {"name": name, "mobile": mobile, "institution_id": institution, "id_number": ID_NUMBER}
    member: dict[str, Any] = await supervisor.post("/v1/members", body, Action())
    if points:
        await PointsApi(supervisor).grant(member["id"], points, "test", Action())
    return member


async def shift_list_shown(pilot: Pilot[object], key: str, rows: int) -> None:
    """``key`` opens the shift's redemption list; returns once it is up with ``rows`` rows."""
    from branchdesk.screens.points.shift import PointsShiftScreen
    from support.tui import wait_for

    app = pilot.app
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, PointsShiftScreen))
    await wait_for(pilot, lambda: len(app.screen.rows) == rows)  # type: ignore[attr-defined]
