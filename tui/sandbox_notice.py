"""Tell everyone on a shared sandbox when a trainer resets it with a preset.

In a training room every tab works on one sandbox; a preset wipes and reseeds it. The trainer
confirmed it, but a trainee in the middle of a pick-up would otherwise see their stock and
history change without a word. Each health poll of a logged-in demo session asks for the last
reset; a newer one by someone else is announced (who, which preset, when, in local time).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from branchdesk.clients.demo_api import DemoApi
from branchdesk.clients.errors import ApiError, BackendUnreachable
from branchdesk.tui import timefmt
from branchdesk.tui.i18n import _

if TYPE_CHECKING:
    from branchdesk.clients.api import ApiClient
    from branchdesk.clients.models import ResetNotice

NOTICE_SECONDS = 30.0


class SandboxWatch:
    """Remembers the last reset this session knows of; ``check`` returns news, once."""

    def __init__(self) -> None:
        self.seen: tuple[str, str, str] | None = None
        self.started = False

    async def check(self, client: ApiClient, me: str) -> ResetNotice | None:
        try:
            notice = await DemoApi(client).last_reset()
        except (ApiError, BackendUnreachable):
            return None  # not a sandbox, or offline: nothing to say
        first, self.started = not self.started, True
        if notice is None:
            return None
        # Times are to the second: two resets in one second differ by who or which preset.
        key = (notice["at"], notice["by"], notice["preset"])
        if key == self.seen:
            return None
        self.seen = key
        if first or notice["by"] == me:
            return None  # known at login, or our own reset
        return notice


def notice_text(notice: ResetNotice) -> str:
    return _(
        "demo.reset_notice",
        name=notice["by_name"],
        title=notice["title"],
        time=timefmt.clock(notice["at"]),
    )
