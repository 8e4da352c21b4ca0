"""The clerk's QR code: scanned by the customer's phone off the terminal (half blocks), the
merchant name under it, a countdown of its 30-minute validity and the customers it still admits.

The server decides validity and quota; the countdown is for the clerk's eyes (one Static
updated once a second). In local and demo mode F5 makes a simulated customer scan the code.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from branchdesk.clients.api import Action
from branchdesk.clients.installment_api import InstallmentApi, seconds_left
from branchdesk.screens.common.actions import Failure
from branchdesk.screens.common.base import BaseScreen
from branchdesk.screens.points.phone import sandbox_enabled
from branchdesk.tui import timefmt
from branchdesk.tui.i18n import _
from branchdesk.tui.qr import QrCode
from branchdesk.tui.widgets import StatusLine

if TYPE_CHECKING:
    from branchdesk.clients.models import ApplicationOut, QrOut


def countdown_text(seconds: int) -> str:
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


class InstallmentQrScreen(BaseScreen, keys="installment_qr", title="inst.qr.title"):
    def __init__(self) -> None:
        super().__init__()
        self.code: QrOut | None = None
        self.clock_skew = 0.0
        """Server clock minus local clock, so the countdown follows the server's time."""
        self.used_up_by_scan = False

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="qr-body"):
            with Vertical(id="qr-left"):
                yield QrCode(id="qr-code")
                yield Static("", id="qr-merchant")
            with Vertical(id="qr-info"):
                yield Static(_("inst.qr.title"), classes="title")
                yield Static("", id="qr-countdown")
                yield Static("", id="qr-details")
                yield Static(_("inst.qr.check_merchant"), id="qr-check")
                yield StatusLine(id="qr-status")

    def on_mount(self) -> None:
        self.load_current()
        self.set_interval(1.0, self.tick)

    def _now(self) -> datetime:
        return datetime.now(UTC)

    def load_current(self) -> None:
        def loaded(code: QrOut) -> None:
            self._show(code)
            if code["state"] != "valid":
                self.show_status(_("inst.qr.need_new"), "error")

        def failed(failure: Failure) -> str | None:
            if failure.status == 404:  # no code yet: make one
                self.action_new_code()
                return ""
            return None

        self.call_api(
            "current", lambda: InstallmentApi(self.client).current_qr(), loaded, failed=failed
        )

    def action_new_code(self) -> None:
        action = self.intents.action("new_code")

        def issued(code: QrOut) -> None:
            self.intents.finished("new_code")
            self._show(code)
            self.show_status(_("inst.qr.generated", id=code["id"]), "ok")

        def failed(failure: Failure) -> str | None:
            if not failure.unreachable:
                self.intents.finished("new_code")  # refused: the next try is a new request
            return None

        self.call_api(
            "new_code",
            lambda: InstallmentApi(self.client).new_qr(action),
            issued,
            failed=failed,
            write=True,
        )

    def _show(self, code: QrOut) -> None:
        self.code = code
        # The server said how long is left; measure from there with the local clock.
        self.clock_skew = code["seconds_left"] - seconds_left(code["expires_at"], self._now())
        self.query_one("#qr-code", QrCode).show(code["token"])
        self.query_one("#qr-merchant", Static).update(Text(code["merchant_name"]))
        self._details()
        self.tick()

    def _details(self) -> None:
        code = self.code
        if code is None:
            return
        self.query_one("#qr-details", Static).update(
            Text(
                "\n".join(
                    [
                        _("inst.qr.remaining", remaining=code["remaining"], quota=code["quota"]),
                        _("inst.qr.code_id", id=code["id"]),
                        _("inst.qr.expires", at=timefmt.clock_seconds(code["expires_at"])),
                    ]
                )
            )
        )

    def tick(self) -> None:
        code = self.code
        widget = self.query_one("#qr-countdown", Static)
        if code is None:
            widget.update("")
            return
        left = max(0, int(seconds_left(code["expires_at"], self._now()) + self.clock_skew))
        if left <= 0:
            widget.update(Text(_("inst.qr.expired")))
        elif code["remaining"] <= 0:
            widget.update(Text(_("inst.qr.used_up")))
        else:
            widget.update(Text(_("inst.qr.countdown", time=countdown_text(left))))

    def action_invert(self) -> None:
        qr = self.query_one("#qr-code", QrCode)
        if qr.data:
            qr.show(qr.data, invert=not qr.invert)

    def action_simulate_scan(self) -> None:
        status = self.query_one("#qr-status", StatusLine)
        if not sandbox_enabled(self.app):
            status.show(_("inst.sandbox_only"), "error")
            return
        if self.code is None:
            return
        self._scan(self.code["token"], Action())

    def _scan(self, token: str, action: Action) -> None:
        api = InstallmentApi(self.client)

        def scanned(application: ApplicationOut) -> None:
            self.show_status(
                _("inst.qr.scanned", id=application["id"], customer=application["customer_name"]),
                "ok",
            )
            self._refresh_code(api)

        def failed(failure: Failure) -> str | None:
            if not failure.unreachable:
                self._refresh_code(api)
            return None

        self.call_api(
            "simulate_scan",
            lambda: api.simulate_scan(token, action),
            scanned,
            failed=failed,
            write=True,
        )

    def _refresh_code(self, api: InstallmentApi) -> None:
        def refreshed(code: QrOut) -> None:
            self.code = code
            self._details()
            self.tick()

        self.call_api("refresh_code", api.current_qr, refreshed, quiet=True)
