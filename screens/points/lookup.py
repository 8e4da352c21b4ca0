"""Member lookup (cashier): scan or type the member card number or a mobile, then Enter."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.widgets import Input, Label, Static

from branchdesk.clients import validators
from branchdesk.clients.points_api import PointsApi
from branchdesk.screens.common.actions import Failure, QueryResult
from branchdesk.screens.common.base import BaseScreen
from branchdesk.screens.points.member import member_lines
from branchdesk.screens.points.phone import SimulatedPhone
from branchdesk.tui.i18n import _
from branchdesk.tui.widgets import FieldInput, StatusLine

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


class PointsLookupScreen(BaseScreen, keys="points_lookup", title="points.lookup.title"):
    def __init__(self) -> None:
        super().__init__()
        self.result: QueryResult[dict[str, Any]] = QueryResult()

    @property
    def member(self) -> dict[str, Any] | None:
        """The member found, only while the query field still says what found them."""
        return self.result.for_query(self._query())

    def _query(self) -> str | None:
        try:
            return self.query_one("#member-query", Input).value.replace(" ", "")
        except NoMatches:
            return None

    def compose_body(self) -> ComposeResult:
        with Horizontal():
            with Vertical(id="points-main"):
                yield Static(_("points.lookup.title"), classes="title")
                yield Label(_("points.lookup.query"))
                yield FieldInput(
                    id="member-query",
                    placeholder=_("points.lookup.query_hint"),
                    max_length=23,
                    numeric="0-9 ",
                )
                yield Static(_("points.lookup.none"), id="member-info")
                yield StatusLine(_("points.lookup.help"), id="points-status")
            yield SimulatedPhone(id="phone")

    def on_mount(self) -> None:
        self.query_one("#member-query", Input).focus()

    @on(Input.Changed, "#member-query")
    def _query_changed(self) -> None:
        self.refresh_bindings()

    @on(Input.Submitted, "#member-query")
    def lookup(self) -> None:
        value = self._query() or ""
        problem = query_error(value)
        # The old member goes before anything else: a failed lookup must not leave them on screen.
        self.result.start(value)
        self.query_one("#member-info", Static).update(_("points.lookup.none"))
        self.refresh_bindings()
        if problem:
            self.show_status(_(f"points.error.{problem}"), "error")
            return
        self.show_status(_("points.lookup.searching"))
        self._lookup(value)

    def _lookup(self, value: str) -> None:
        def found(member: Any) -> None:
            if self.result.finish(value, member):
                self.show_member(member)

        self.call_api(
            "lookup",
            lambda: PointsApi(self.client).find_member(value),
            found,
            failed=self._not_found,
            keys=("checkout", "proxy", "mall", "detail"),
        )

    def _not_found(self, failure: Failure) -> str | None:
        if failure.code == "member_not_found" and self.can("add_member"):
            return _("points.lookup.not_found_add", message=failure.message)
        return None

    def show_member(self, member: Any) -> None:
        self.refresh_bindings()
        self.query_one("#member-info", Static).update(Text(member_lines(member)))
        status = self.query_one("#points-status", StatusLine)
        if member["id_bound"] and not member["offline"]:
            status.show(_("points.lookup.actions_online"), "ok")
        elif member["id_bound"]:
            status.show(_("points.lookup.actions"), "ok")
        else:
            status.show(_("points.member.cannot_redeem"), "error")

    def on_screen_resume(self) -> None:
        if self.member is not None:
            # Back from a redemption: show the new balance.
            self._lookup(self._query() or "")

    def can(self, action: str) -> bool:
        if action == "add_member":
            # Adding members is the supervisor's (the server enforces it too).
            staff = self.bd_app.staff
            return staff is not None and "supervisor" in staff.roles
        if action == "proxy":
            return self.member is not None and bool(self.member["offline"])
        if action in ("checkout", "mall", "detail"):
            return self.member is not None
        return True

    def _redeemable(self) -> dict[str, Any] | None:
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
            if not member["offline"]:
                # The rule is the server's (proxy_offline_only); said now, not after a basket.
                self.show_status(_("points.lookup.proxy_offline_only"), "error")
                return
            self.app.push_screen(PointsProxyScreen(cast("MemberOut", member)))

    def action_mall(self) -> None:
        from branchdesk.screens.points.mall import PointsMallScreen

        if member := self._redeemable():
            self.app.push_screen(PointsMallScreen(member))

    def action_shift(self) -> None:
        from branchdesk.screens.points.reverse import PointsReverseScreen
        from branchdesk.screens.points.shift import PointsShiftScreen

        def reverse(redemption_id: str) -> None:
            self.app.push_screen(PointsReverseScreen(redemption_id))

        self.app.push_screen(PointsShiftScreen(reverse=reverse))

    def action_add_member(self) -> None:
        """A new member, with the mobile or card number just looked up already filled in."""
        from branchdesk.screens.points.add_member import PointsAddMemberScreen

        query = self._query() or ""
        mobile = query if len(query) == 11 and query.isdigit() else ""
        card = query if not mobile and query.isdigit() else ""
        self.app.push_screen(PointsAddMemberScreen(mobile=mobile, card_no=card))

    def action_detail(self) -> None:
        from branchdesk.screens.points.detail import PointsDetailScreen

        if self.member is None:
            self.query_one("#points-status", StatusLine).show(_("points.lookup.first"), "error")
            return
        self.app.push_screen(PointsDetailScreen(cast("MemberOut", self.member)))
