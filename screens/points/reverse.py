"""Reversal (supervisor): a settled redemption, once, with a reason; the points come back."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.css.query import NoMatches
from textual.widgets import Input, Label, Static

from branchdesk.clients.points_api import PointsApi
from branchdesk.screens.common.actions import QueryResult
from branchdesk.screens.common.base import BaseScreen
from branchdesk.tui import timefmt
from branchdesk.tui.i18n import _
from branchdesk.tui.widgets import StatusLine


class PointsReverseScreen(BaseScreen, keys="points_reverse", title="points.reverse.title"):
    def __init__(self, redemption_id: str | None = None) -> None:
        super().__init__()
        self.result: QueryResult[dict[str, Any]] = QueryResult()
        self.start_with = redemption_id

    @property
    def redemption(self) -> dict[str, Any] | None:
        """The redemption found, only while the ID field still names it."""
        try:
            query = self.query_one("#redemption-id", Input).value.strip().upper()
        except NoMatches:
            return None
        return self.result.for_query(query)

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
        if self.start_with:
            self._picked(self.start_with)

    def action_pick(self) -> None:
        from branchdesk.screens.points.shift import PointsShiftScreen

        self.app.push_screen(PointsShiftScreen(pick=True), self._picked)

    def _picked(self, redemption_id: object) -> None:
        if isinstance(redemption_id, str) and redemption_id:
            self.query_one("#redemption-id", Input).value = redemption_id
            self.find()

    @on(Input.Changed, "#redemption-id")
    def _query_changed(self) -> None:
        self.refresh_bindings()

    @on(Input.Submitted, "#redemption-id")
    def find(self) -> None:
        value = self.query_one("#redemption-id", Input).value.strip().upper()
        self.result.start(value)
        self.query_one("#redemption-info", Static).update(_("points.reverse.none"))
        self.refresh_bindings()
        if not value:
            self.show_status(_("points.error.required"), "error")
            return
        self._find(value)

    def _find(self, redemption_id: str, then_focus: bool = True) -> None:
        def found(redemption: Any) -> None:
            if not self.result.finish(redemption_id, redemption):
                return
            self._show(redemption)
            if then_focus:
                self.show_status(_("points.reverse.help"))
                self.query_one("#reason", Input).focus()

        self.call_api(
            "find",
            lambda: PointsApi(self.client).get_redemption(redemption_id),
            found,
            keys=("reverse",),
        )

    def _show(self, redemption: Any) -> None:
        self.refresh_bindings()
        self.query_one("#redemption-info", Static).update(Text(self._info(redemption)))

    @staticmethod
    def _info(redemption: dict[str, Any]) -> str:
        member = _(
            "points.reverse.member",
            name=redemption.get("member_name", ""),
            card=redemption.get("member_card", ""),
            mobile=redemption.get("member_mobile", ""),
        )
        return (
            member
            + "\n"
            + _(
                "points.reverse.info",
                id=redemption["id"],
                points=redemption["points"],
                amount=redemption["amount"],
                status=_(f"points.status.{redemption['status']}"),
                channel=_(f"points.channel.{redemption['channel']}"),
                time=timefmt.when(redemption.get("settled_at") or redemption["created_at"]),
            )
        )

    def can(self, action: str) -> bool:
        return action != "reverse" or self.redemption is not None

    @on(Input.Submitted, "#reason")
    def action_reverse(self) -> None:
        redemption = self.redemption
        reason = self.query_one("#reason", Input).value.strip()
        if redemption is None:
            self.show_status(_("points.reverse.find_first"), "error")
            return
        if not reason:
            self.show_status(_("points.reverse.reason_required"), "error")
            self.query_one("#reason", Input).focus()
            return
        lines = [
            _("points.reverse.confirm_what", id=redemption["id"], points=redemption["points"]),
            self._info(redemption),
            _("points.reverse.confirm_reason", reason=reason),
            _("points.reverse.confirm_once"),
        ]
        self.confirm(
            _("points.reverse.confirm_title"),
            lines,
            lambda: self._reverse(redemption["id"], reason),
            confirm=_("points.keys.reverse"),
        )

    def _reverse(self, redemption_id: str, reason: str) -> None:
        action = self.intents.action("reverse", (redemption_id, reason))

        def reversed_(done: Any) -> None:
            self.intents.finished("reverse")
            self.result.finish(redemption_id, done)
            self._show(done)
            self.show_status(_("points.reverse.done", id=done["id"], points=done["points"]), "ok")

        self.call_api(
            "reverse",
            lambda: PointsApi(self.client).reverse(redemption_id, reason, action),
            reversed_,
            write=True,
        )
