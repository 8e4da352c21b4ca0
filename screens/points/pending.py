"""Cancelling a redemption still waiting for its code: asked first, one key per redemption."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from branchdesk.clients.points_api import PointsApi
from branchdesk.tui.i18n import _

if TYPE_CHECKING:
    from branchdesk.clients.models import RedemptionOut
    from branchdesk.screens.common.base import BaseScreen


def cancel_pending(
    screen: BaseScreen, redemption_id: str, title: str, what: str, done: Callable[[], None]
) -> None:
    """Confirm (``title``, ``what`` will happen), cancel on the server, then ``done()``."""

    def cancel() -> None:
        action = screen.intents.action("cancel", redemption_id)

        def cancelled(_done: RedemptionOut) -> None:
            screen.intents.finished("cancel")
            done()

        screen.call_api(
            "cancel",
            lambda: PointsApi(screen.client).cancel(redemption_id, action),
            cancelled,
            write=True,
        )

    screen.confirm(title, [what], cancel, confirm=_("points.keys.cancel_pending"))
