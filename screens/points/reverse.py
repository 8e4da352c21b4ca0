"""Reversal (supervisor): a settled redemption, once, with a reason; the points come back."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from branchdesk.clients.points_api import PointsApi
from branchdesk.screens.points.query import QueryScreen
from branchdesk.tui import timefmt
from branchdesk.tui.i18n import _
from branchdesk.tui.widgets import StatusLine


class PointsReverseScreen(QueryScreen, keys="points_reverse", title="points.reverse.title"):
    QUERY_ID = "redemption-id"
    FOUND_ID = "redemption-info"
    NONE_TEXT = "points.reverse.none"
    FIND_KEYS = ("reverse",)

    def __init__(self, redemption_id: str | None = None) -> None:
        super().__init__()
        self.start_with = redemption_id

    @property
    def redemption(self) -> dict[str, Any] | None:
        """The redemption found, only while the ID field still names it."""
        return self.found

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

    def normalize(self, text: str) -> str:
        return text.strip().upper()

    def query_problem(self, value: str) -> str | None:
        return None if value else "points.error.required"

    def fetch(self, value: str) -> Awaitable[Any]:
        return PointsApi(self.client).get_redemption(value)

    def describe(self, found: dict[str, Any]) -> str:
        return self._info(found)

    def after_found(self, found: dict[str, Any]) -> None:
        self.show_status(_("points.reverse.help"))
        self.query_one("#reason", Input).focus()

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
        redemption = self.found_first("points.reverse.find_first")
        if redemption is None:
            return
        reason = self.required("#reason", "points.reverse.reason_required")
        if reason is None:
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
            self.show_found(done)
            self.show_status(_("points.reverse.done", id=done["id"], points=done["points"]), "ok")

        self.call_api(
            "reverse",
            lambda: PointsApi(self.client).reverse(redemption_id, reason, action),
            reversed_,
            write=True,
        )
