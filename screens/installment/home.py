"""Installment phone purchase (中移金服): the clerk's start page — binding state, the add-on
warning, and the keys to the QR code, the applications board and the back office."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from branchdesk.clients.installment_api import InstallmentApi
from branchdesk.screens.common.base import BaseScreen
from branchdesk.tui.i18n import _
from branchdesk.tui.widgets import StatusLine

if TYPE_CHECKING:
    from branchdesk.clients.models import ClerkOut


class InstallmentHomeScreen(BaseScreen, keys="installment_home", title="inst.home.title"):
    def __init__(self) -> None:
        super().__init__()
        self.profile: ClerkOut | None = None

    def compose_body(self) -> ComposeResult:
        with Vertical(id="inst-home"):
            yield Static(_("inst.home.title"), classes="title")
            yield Static(_("inst.home.loading"), id="inst-profile")
            yield Static(_("inst.warning.addons"), id="inst-warning")
            yield Static(_("inst.home.menu"), id="inst-menu")
            yield StatusLine(id="inst-home-status")

    def on_screen_resume(self) -> None:
        # Also on first showing: one load, and a fresh one back from the other screens.
        self.load_profile()

    def load_profile(self) -> None:
        self.call_api("profile", lambda: InstallmentApi(self.client).clerk(), self._profile)

    def _profile(self, profile: ClerkOut) -> None:
        self.profile = profile
        self.query_one("#inst-profile", Static).update(Text(profile_text(profile)))

    @property
    def is_clerk(self) -> bool:
        staff = self.bd_app.staff
        return staff is not None and "clerk" in staff.roles

    @property
    def bound(self) -> bool:
        return bool(self.profile and self.profile["state"] == "bound")

    def _need(self, ok: bool, key: str) -> bool:
        if not ok:
            self.query_one("#inst-home-status", StatusLine).show(_(key), "error")
        return ok

    def action_register(self) -> None:
        if not self._need(self.is_clerk, "inst.home.clerk_only"):
            return
        if self.bound:
            self.query_one("#inst-home-status", StatusLine).show(_("inst.home.already_bound"))
            return
        from branchdesk.screens.installment.register import InstallmentRegisterScreen

        self.app.push_screen(InstallmentRegisterScreen())

    def action_qr(self) -> None:
        if not self._need(self.is_clerk, "inst.home.clerk_only") or not self._need(
            self.bound, "inst.home.bind_first"
        ):
            return
        from branchdesk.screens.installment.qr import InstallmentQrScreen

        self.app.push_screen(InstallmentQrScreen())

    def action_board(self) -> None:
        if self.is_clerk and not self._need(self.bound, "inst.home.bind_first"):
            return
        from branchdesk.screens.installment.board import InstallmentBoardScreen

        self.app.push_screen(InstallmentBoardScreen())

    def action_orders(self) -> None:
        if self.is_clerk and not self._need(self.bound, "inst.home.bind_first"):
            return
        from branchdesk.screens.installment.orders import InstallmentOrdersScreen

        self.app.push_screen(InstallmentOrdersScreen())


def profile_text(profile: ClerkOut) -> str:
    if profile["state"] == "bound":
        return "\n".join(
            [
                _("inst.profile.bound", job_no=profile["job_no"], name=profile["name"]),
                _("inst.profile.merchant", merchant=profile["merchant_name"]),
                _("inst.profile.id", id_number=profile["id_number"], mobile=profile["mobile"]),
            ]
        )
    if profile["state"] == "pending":
        return _("inst.profile.pending", job_no=profile["job_no"])
    return _("inst.profile.unregistered")
