"""Member lookup (cashier): scan or type the member card number or a mobile, then Enter."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from branchdesk.screens.common.actions import Failure
from branchdesk.screens.points.phone import SimulatedPhone
from branchdesk.screens.points.query import MemberQueryScreen
from branchdesk.tui.i18n import _
from branchdesk.tui.widgets import FieldInput, StatusLine

if TYPE_CHECKING:
    from branchdesk.clients.models import MemberOut


class PointsLookupScreen(MemberQueryScreen, keys="points_lookup", title="points.lookup.title"):
    QUERY_ID = "member-query"
    FOUND_ID = "member-info"
    FIND_CALL = "lookup"
    FIND_KEYS = ("checkout", "proxy", "mall", "detail")
    SEARCHING = "points.lookup.searching"

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

    def find_failed(self, failure: Failure) -> str | None:
        if failure.code == "member_not_found" and self.can("add_member"):
            return _("points.lookup.not_found_add", message=failure.message)
        return None

    def show_found(self, found: dict[str, Any]) -> None:
        super().show_found(found)
        status = self.query_one("#points-status", StatusLine)
        if found["id_bound"] and not found["offline"]:
            status.show(_("points.lookup.actions_online"), "ok")
        elif found["id_bound"]:
            status.show(_("points.lookup.actions"), "ok")
        else:
            status.show(_("points.member.cannot_redeem"), "error")

    def on_screen_resume(self) -> None:
        if self.member is not None:
            # Back from a redemption: show the new balance.
            self.fetch_found(self.query_text() or "")

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

        query = self.query_text() or ""
        mobile = query if len(query) == 11 and query.isdigit() else ""
        card = query if not mobile and query.isdigit() else ""
        self.app.push_screen(PointsAddMemberScreen(mobile=mobile, card_no=card))

    def action_detail(self) -> None:
        from branchdesk.screens.points.detail import PointsDetailScreen

        if self.member is None:
            self.query_one("#points-status", StatusLine).show(_("points.lookup.first"), "error")
            return
        self.app.push_screen(PointsDetailScreen(cast("MemberOut", self.member)))
