"""Reversal (supervisor): a settled redemption, once, with a reason; the points come back."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from branchdesk.clients.api import Action
from branchdesk.clients.errors import ApiError, BackendUnreachable
from branchdesk.clients.points_api import PointsApi
from branchdesk.screens.common.base import BaseScreen
from branchdesk.tui.i18n import _
from branchdesk.tui.widgets import StatusLine

if TYPE_CHECKING:
    from branchdesk.clients.models import RedemptionOut


class PointsReverseScreen(BaseScreen):
    TITLE_KEY = "points.reverse.title"
    BINDINGS = [Binding("f2", "reverse", "points.keys.reverse", id="points_reverse.reverse")]
    DEFAULT_CSS = """
    PointsReverseScreen #reverse-main { padding: 0 1; }
    PointsReverseScreen #redemption-info {
        height: auto; min-height: 3; border: round $accent; padding: 0 1;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self.redemption: RedemptionOut | None = None
        self._action: Action | None = None

    def compose_body(self) -> ComposeResult:
        with Vertical(id="reverse-main"):
            yield Static(_("points.reverse.title"), classes="title")
            yield Label(_("points.reverse.id"))
            yield Input(id="redemption-id", max_length=12, placeholder="R00000001")
            yield Static(_("points.reverse.none"), id="redemption-info")
            yield Label(_("points.reverse.reason"))
            yield Input(id="reason", max_length=200)
            yield StatusLine(_("points.reverse.help"), id="reverse-status")

    def on_mount(self) -> None:
        self.query_one("#redemption-id", Input).focus()

    @on(Input.Submitted, "#redemption-id")
    def find(self) -> None:
        value = self.query_one("#redemption-id", Input).value.strip().upper()
        if not value:
            self.query_one("#reverse-status", StatusLine).show(_("points.error.required"), "error")
            return
        self._find(value)

    @work(exclusive=True, group="reverse")
    async def _find(self, redemption_id: str) -> None:
        status = self.query_one("#reverse-status", StatusLine)
        try:
            redemption = await PointsApi(self.client).get_redemption(redemption_id)
        except ApiError as exc:
            self.redemption = None
            self.query_one("#redemption-info", Static).update(_("points.reverse.none"))
            status.show(exc.message, "error")
            return
        except BackendUnreachable:
            status.show(_("points.error.unreachable"), "error")
            return
        self.redemption = redemption
        self._action = None
        when = (redemption.get("settled_at") or redemption["created_at"])[:16].replace("T", " ")
        self.query_one("#redemption-info", Static).update(
            Text(
                _(
                    "points.reverse.info",
                    id=redemption["id"],
                    points=redemption["points"],
                    amount=redemption["amount"],
                    status=_(f"points.status.{redemption['status']}"),
                    channel=_(f"points.channel.{redemption['channel']}"),
                    time=when,
                )
            )
        )
        status.show(_("points.reverse.help"))
        self.query_one("#reason", Input).focus()

    @on(Input.Submitted, "#reason")
    def action_reverse(self) -> None:
        status = self.query_one("#reverse-status", StatusLine)
        reason = self.query_one("#reason", Input).value.strip()
        if self.redemption is None:
            status.show(_("points.reverse.find_first"), "error")
            return
        if not reason:
            status.show(_("points.reverse.reason_required"), "error")
            self.query_one("#reason", Input).focus()
            return
        self._action = self._action or Action()
        self._reverse(self.redemption["id"], reason, self._action)

    @work(exclusive=True, group="reverse")
    async def _reverse(self, redemption_id: str, reason: str, action: Action) -> None:
        status = self.query_one("#reverse-status", StatusLine)
        try:
            done = await PointsApi(self.client).reverse(redemption_id, reason, action)
        except ApiError as exc:
            status.show(exc.message, "error")
            return
        except BackendUnreachable:
            status.show(_("points.error.unreachable"), "error")
            return
        self.redemption = done
        status.show(_("points.reverse.done", id=done["id"], points=done["points"]), "ok")
