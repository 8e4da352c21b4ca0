"""Manual grant (supervisor): find the member, type points and a note, F2 grants."""

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
from branchdesk.screens.points.lookup import member_lines, query_error
from branchdesk.tui.i18n import _
from branchdesk.tui.widgets import StatusLine

if TYPE_CHECKING:
    from branchdesk.clients.models import MemberOut


class PointsGrantScreen(BaseScreen):
    TITLE_KEY = "points.grant.title"
    BINDINGS = [
        Binding("f2", "grant", "points.keys.grant", id="points_grant.grant"),
        Binding("f5", "detail", "points.keys.detail", id="points_grant.detail"),
    ]
    DEFAULT_CSS = """
    PointsGrantScreen #grant-main { padding: 0 1; }
    PointsGrantScreen #grant-member { height: auto; min-height: 3; border: round $accent; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.member: MemberOut | None = None
        self._action: Action | None = None

    def compose_body(self) -> ComposeResult:
        with Vertical(id="grant-main"):
            yield Static(_("points.grant.title"), classes="title")
            yield Input(
                id="grant-query",
                placeholder=_("points.lookup.query_hint"),
                max_length=23,
                restrict=r"[0-9 ]*",
            )
            yield Static(_("points.lookup.none"), id="grant-member")
            yield Label(_("points.grant.points"))
            yield Input(id="grant-points", restrict=r"[0-9]*", max_length=8)
            yield Label(_("points.grant.note"))
            yield Input(id="grant-note", max_length=200)
            yield StatusLine(_("points.grant.help"), id="grant-status")

    def on_mount(self) -> None:
        self.query_one("#grant-query", Input).focus()

    @on(Input.Submitted, "#grant-query")
    def find(self) -> None:
        value = self.query_one("#grant-query", Input).value
        problem = query_error(value)
        if problem:
            self.query_one("#grant-status", StatusLine).show(_(f"points.error.{problem}"), "error")
            return
        self._find(value)

    @work(exclusive=True, group="grant")
    async def _find(self, value: str) -> None:
        status = self.query_one("#grant-status", StatusLine)
        try:
            self.member = await PointsApi(self.client).find_member(value)
        except ApiError as exc:
            self.member = None
            status.show(exc.message, "error")
            return
        except BackendUnreachable:
            status.show(_("points.error.unreachable"), "error")
            return
        self._action = None
        self.query_one("#grant-member", Static).update(Text(member_lines(self.member)))
        self.query_one("#grant-points", Input).focus()

    @on(Input.Submitted, "#grant-points")
    def _to_note(self) -> None:
        self.query_one("#grant-note", Input).focus()

    @on(Input.Submitted, "#grant-note")
    def action_grant(self) -> None:
        status = self.query_one("#grant-status", StatusLine)
        if self.member is None:
            status.show(_("points.lookup.first"), "error")
            return
        text = self.query_one("#grant-points", Input).value
        if not text.isdigit() or not 1 <= int(text) <= 10_000_000:
            status.show(_("points.error.points"), "error")
            self.query_one("#grant-points", Input).focus()
            return
        note = self.query_one("#grant-note", Input).value.strip()
        self._action = self._action or Action()
        self._grant(self.member["id"], int(text), note, self._action)

    @work(exclusive=True, group="grant")
    async def _grant(self, member_id: str, points: int, note: str, action: Action) -> None:
        status = self.query_one("#grant-status", StatusLine)
        try:
            row = await PointsApi(self.client).grant(member_id, points, note, action)
        except ApiError as exc:
            status.show(exc.message, "error")
            return
        except BackendUnreachable:
            status.show(_("points.error.unreachable"), "error")
            return
        self._action = None
        self.query_one("#grant-points", Input).value = ""
        status.show(_("points.grant.done", points=points, balance=row["balance_after"]), "ok")

    def action_detail(self) -> None:
        from branchdesk.screens.points.detail import PointsDetailScreen

        if self.member is not None:
            self.app.push_screen(PointsDetailScreen(self.member))
