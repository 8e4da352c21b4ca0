"""The clerk's QR code: scanned by the customer's phone off the terminal (half blocks), the
merchant name under it, a countdown of its 30-minute validity and the customers it still admits.

The server decides validity and quota; the countdown is for the clerk's eyes (one Static
updated once a second). In local and demo mode F5 makes a simulated customer scan the code.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from branchdesk.clients.api import Action
from branchdesk.clients.errors import ApiError, BackendUnreachable
from branchdesk.clients.installment_api import InstallmentApi, seconds_left
from branchdesk.screens.common.base import BaseScreen
from branchdesk.screens.points.phone import sandbox_enabled
from branchdesk.tui.i18n import _
from branchdesk.tui.qr import QrCode
from branchdesk.tui.widgets import StatusLine

if TYPE_CHECKING:
    from branchdesk.clients.models import QrOut


def countdown_text(seconds: int) -> str:
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


class InstallmentQrScreen(BaseScreen):
    TITLE_KEY = "inst.qr.title"
    BINDINGS = [
        Binding("f2", "new_code", "inst.keys.new_code", id="installment_qr.new_code"),
        Binding(
            "f5", "simulate_scan", "inst.keys.simulate_scan", id="installment_qr.simulate_scan"
        ),
        Binding("f6", "invert", "inst.keys.invert", id="installment_qr.invert"),
    ]
    DEFAULT_CSS = """
    InstallmentQrScreen #qr-body { height: 1fr; }
    InstallmentQrScreen #qr-left { width: 31; height: 1fr; padding: 0 1; }
    InstallmentQrScreen #qr-merchant { width: 29; height: auto; text-align: center;
                                       text-style: bold; }
    InstallmentQrScreen #qr-info { width: 1fr; height: 1fr; padding: 0 1; }
    InstallmentQrScreen #qr-countdown { height: auto; text-style: bold; }
    InstallmentQrScreen #qr-details { height: auto; }
    InstallmentQrScreen #qr-check { height: auto; margin-top: 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.code: QrOut | None = None
        self.clock_skew = 0.0
        """Server clock minus local clock, so the countdown follows the server's time."""
        self.used_up_by_scan = False
        self._new_action: Action | None = None

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

    @work(exclusive=True, group="inst-qr")
    async def load_current(self) -> None:
        try:
            code = await InstallmentApi(self.client).current_qr()
        except ApiError as exc:
            if exc.status == 404:
                self.action_new_code()
                return
            self.query_one("#qr-status", StatusLine).show(exc.message, "error")
            return
        except BackendUnreachable:
            self.query_one("#qr-status", StatusLine).show(_("inst.error.unreachable"), "error")
            return
        self._show(code)
        if code["state"] != "valid":
            self.query_one("#qr-status", StatusLine).show(_("inst.qr.need_new"), "error")

    def action_new_code(self) -> None:
        self._new_action = self._new_action or Action()
        self._issue(self._new_action)

    @work(exclusive=True, group="inst-qr")
    async def _issue(self, action: Action) -> None:
        status = self.query_one("#qr-status", StatusLine)
        try:
            code = await InstallmentApi(self.client).new_qr(action)
        except ApiError as exc:
            self._new_action = None
            status.show(exc.message, "error")
            return
        except BackendUnreachable:
            status.show(_("inst.error.unreachable"), "error")
            return
        self._new_action = None
        self._show(code)
        status.show(_("inst.qr.generated", id=code["id"]), "ok")

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
                        _("inst.qr.expires", at=_local(code["expires_at"])),
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

    @work(exclusive=True, group="inst-qr-scan")
    async def _scan(self, token: str, action: Action) -> None:
        status = self.query_one("#qr-status", StatusLine)
        api = InstallmentApi(self.client)
        try:
            application = await api.simulate_scan(token, action)
        except ApiError as exc:
            status.show(exc.message, "error")
            await self._refresh_code(api)
            return
        except BackendUnreachable:
            status.show(_("inst.error.unreachable"), "error")
            return
        status.show(
            _("inst.qr.scanned", id=application["id"], customer=application["customer_name"]), "ok"
        )
        await self._refresh_code(api)

    async def _refresh_code(self, api: InstallmentApi) -> None:
        try:
            code = await api.current_qr()
        except (ApiError, BackendUnreachable):
            return
        self.code = code
        self._details()
        self.tick()


def _local(value: str) -> str:
    return datetime.fromisoformat(value).astimezone().strftime("%H:%M:%S")
