"""Member lookup (cashier): scan or type the member card number or a mobile, then Enter."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from branchdesk.clients import validators
from branchdesk.clients.errors import ApiError, BackendUnreachable
from branchdesk.clients.points_api import PointsApi
from branchdesk.screens.common.base import BaseScreen
from branchdesk.screens.points.phone import SimulatedPhone
from branchdesk.tui.i18n import _
from branchdesk.tui.widgets import StatusLine

if TYPE_CHECKING:
    from branchdesk.clients.models import MemberOut


def query_error(text: str) -> str | None:
    """Early check: an 11-digit mobile, or a member card number (13–19 digits, Luhn)."""
    value = text.replace(" ", "")
    if not value:
        return "required"
    if len(value) == 11:
        return validators.mobile_error(value)
    return validators.card_number_error(value)


def member_lines(member: MemberOut) -> str:
    lines = [
        _("points.member.name", name=member["name"], id=member["id"]),
        _("points.member.mobile", mobile=member["mobile"], card=member["card"]),
        _("points.member.id_number", id_number=member["id_number"])
        if member["id_bound"]
        else _("points.member.id_unbound"),
        _(
            "points.member.points",
            points=member["points"],
            value=member["value"],
            rate=member["rate"],
        ),
        _(
            "points.member.institution",
            name=member["institution_name"],
            id=member["institution_id"],
        ),
    ]
    return "\n".join(lines)


class PointsLookupScreen(BaseScreen):
    TITLE_KEY = "points.lookup.title"
    BINDINGS = [
        Binding("f2", "checkout", "points.keys.checkout", id="points_lookup.checkout"),
        Binding("f3", "proxy", "points.keys.proxy", id="points_lookup.proxy"),
        Binding("f4", "mall", "points.keys.mall", id="points_lookup.mall"),
        Binding("f5", "detail", "points.keys.detail", id="points_lookup.detail"),
    ]
    DEFAULT_CSS = """
    PointsLookupScreen #points-main { width: 1fr; padding: 0 1; }
    PointsLookupScreen #member-info {
        height: auto; min-height: 5; border: round $accent; padding: 0 1;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self.member: MemberOut | None = None

    def compose_body(self) -> ComposeResult:
        with Horizontal():
            with Vertical(id="points-main"):
                yield Static(_("points.lookup.title"), classes="title")
                yield Label(_("points.lookup.query"))
                yield Input(
                    id="member-query",
                    placeholder=_("points.lookup.query_hint"),
                    max_length=23,
                    restrict=r"[0-9 ]*",
                )
                yield Static(_("points.lookup.none"), id="member-info")
                yield StatusLine(_("points.lookup.help"), id="points-status")
            yield SimulatedPhone(id="phone")

    def on_mount(self) -> None:
        self.query_one("#member-query", Input).focus()

    @on(Input.Submitted, "#member-query")
    def lookup(self) -> None:
        value = self.query_one("#member-query", Input).value
        problem = query_error(value)
        status = self.query_one("#points-status", StatusLine)
        if problem:
            status.show(_(f"points.error.{problem}"), "error")
            return
        status.show(_("points.lookup.searching"))
        self._lookup(value)

    @work(exclusive=True, group="lookup")
    async def _lookup(self, value: str) -> None:
        status = self.query_one("#points-status", StatusLine)
        try:
            member = await PointsApi(self.client).find_member(value)
        except ApiError as exc:
            self.member = None
            self.query_one("#member-info", Static).update(_("points.lookup.none"))
            status.show(exc.message, "error")
            return
        except BackendUnreachable:
            status.show(_("points.error.unreachable"), "error")
            return
        self.show_member(member)

    def show_member(self, member: MemberOut) -> None:
        self.member = member
        self.query_one("#member-info", Static).update(Text(member_lines(member)))
        status = self.query_one("#points-status", StatusLine)
        if member["id_bound"]:
            status.show(_("points.lookup.actions"), "ok")
        else:
            status.show(_("points.member.cannot_redeem"), "error")

    def on_screen_resume(self) -> None:
        if self.member is not None:
            # Back from a redemption: show the new balance.
            self._lookup(self.query_one("#member-query", Input).value)

    def _redeemable(self) -> MemberOut | None:
        status = self.query_one("#points-status", StatusLine)
        if self.member is None:
            status.show(_("points.lookup.first"), "error")
            return None
        if not self.member["id_bound"]:
            status.show(_("points.member.cannot_redeem"), "error")
            return None
        return self.member

    def action_checkout(self) -> None:
        from branchdesk.screens.points.checkout import PointsCheckoutScreen

        if member := self._redeemable():
            self.app.push_screen(PointsCheckoutScreen(member))

    def action_proxy(self) -> None:
        from branchdesk.screens.points.proxy import PointsProxyScreen

        if member := self._redeemable():
            self.app.push_screen(PointsProxyScreen(member))

    def action_mall(self) -> None:
        from branchdesk.screens.points.mall import PointsMallScreen

        if member := self._redeemable():
            self.app.push_screen(PointsMallScreen(member))

    def action_detail(self) -> None:
        from branchdesk.screens.points.detail import PointsDetailScreen

        if self.member is None:
            self.query_one("#points-status", StatusLine).show(_("points.lookup.first"), "error")
            return
        self.app.push_screen(PointsDetailScreen(self.member))
