"""Manual grant (supervisor): find the member, type points and a note, F2 grants."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from branchdesk.clients.points_api import PointsApi
from branchdesk.screens.points.query import MemberQueryScreen
from branchdesk.tui.i18n import _
from branchdesk.tui.widgets import FieldInput, StatusLine

if TYPE_CHECKING:
    from branchdesk.clients.models import MemberOut


class PointsGrantScreen(MemberQueryScreen, keys="points_grant", title="points.grant.title"):
    QUERY_ID = "grant-query"
    FOUND_ID = "grant-member"
    FIND_KEYS = ("grant", "detail")

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
            yield FieldInput(id="grant-points", numeric="0-9", max_length=8)
            yield Label(_("points.grant.note"))
            yield FieldInput(id="grant-note", max_length=200)
            yield StatusLine(_("points.grant.help"), id="grant-status")

    def on_mount(self) -> None:
        self.query_one("#grant-query", Input).focus()

    def after_found(self, found: dict[str, Any]) -> None:
        self.show_status(_("points.grant.help"))
        self.query_one("#grant-points", Input).focus()

    @on(Input.Submitted, "#grant-points")
    def _to_note(self) -> None:
        self.query_one("#grant-note", Input).focus()

    @on(Input.Submitted, "#grant-note")
    def action_grant(self) -> None:
        member = self.found_first("points.lookup.first")
        if member is None:
            return
        text = self.query_one("#grant-points", Input).value
        if not text.isdigit() or not 1 <= int(text) <= 10_000_000:
            self.show_status(_("points.error.points"), "error")
            self.query_one("#grant-points", Input).focus()
            return
        points, note = int(text), self.query_one("#grant-note", Input).value.strip()
        intent = (member["id"], points, note)
        action = self.intents.action("grant", intent)

        def granted(row: Any) -> None:
            self.intents.finished("grant")
            self.query_one("#grant-points", Input).value = ""
            self.query_one("#grant-note", Input).value = ""
            self.show_status(
                _("points.grant.done", points=points, balance=row["balance_after"]), "ok"
            )
            self.fetch_found(self.result.query)  # type: ignore[arg-type]
            self.query_one("#grant-points", Input).focus()

        self.call_api(
            "grant",
            lambda: PointsApi(self.client).grant(member["id"], points, note, action),
            granted,
            write=True,
        )

    def can(self, action: str) -> bool:
        if action in ("grant", "detail"):
            return self.member is not None
        return True

    def action_detail(self) -> None:
        from branchdesk.screens.points.detail import PointsDetailScreen

        if self.member is not None:
            self.app.push_screen(PointsDetailScreen(cast("MemberOut", self.member)))
