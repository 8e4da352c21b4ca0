"""Checkout deduction (邮掌柜): points, money value as you type, SMS code, Enter settles."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from branchdesk.clients.api import Action
from branchdesk.clients.points_api import PointsApi, money_value
from branchdesk.screens.common.actions import Failure
from branchdesk.screens.common.base import BaseScreen
from branchdesk.screens.points.pending import cancel_pending
from branchdesk.screens.points.phone import SimulatedPhone
from branchdesk.tui import timefmt
from branchdesk.tui.i18n import _
from branchdesk.tui.widgets import FieldInput, StatusLine

if TYPE_CHECKING:
    pass

CODE_LENGTH = 6
MAX_POINTS = 10_000_000


def redemption_error(failure: Failure) -> str | None:
    """How many points are missing, or when the next code is allowed; else the server's text."""
    if failure.code == "insufficient_points" and isinstance(failure.details, dict):
        return _("points.checkout.missing", missing=failure.details.get("missing", "?"))
    if failure.code == "otp_rate_limited" and isinstance(failure.details, dict):
        seconds = int(failure.details.get("retry_after") or 0)
        at = timefmt.now() + timedelta(seconds=seconds)
        return _(
            "points.checkout.next_code_at",
            limit=failure.details.get("limit", ""),
            time=timefmt.clock(at),
        )
    return None


class PointsCheckoutScreen(BaseScreen, keys="points_checkout", title="points.checkout.title"):
    CHANNEL = "pos"
    INTRO_KEY = "points.checkout.intro"

    def __init__(self, member: Any) -> None:
        super().__init__()
        self.member = member
        self.redemption: dict[str, Any] | None = None

    def compose_body(self) -> ComposeResult:
        with Horizontal():
            with Vertical(id="points-main"):
                yield Static(_(self.TITLE_KEY), classes="title")
                yield Static(Text(self._member_text()), id="checkout-member")
                yield Label(_("points.checkout.points"))
                with Horizontal(classes="row"):
                    yield FieldInput(
                        id="points",
                        numeric="0-9",
                        max_length=8,
                        placeholder=_("points.checkout.points_hint"),
                    )
                    yield Static(_("points.checkout.value", value="0.00"), id="points-value")
                yield Label(_("points.checkout.code"))
                with Horizontal(classes="row"):
                    yield FieldInput(
                        id="code", numeric="0-9", max_length=CODE_LENGTH, disabled=True
                    )
                    yield Static("", id="code-info")
                yield StatusLine(_(self.INTRO_KEY), id="checkout-status")
            yield SimulatedPhone(id="phone")

    def _member_text(self) -> str:
        m = self.member
        return "\n".join(
            [
                _("points.member.name", name=m["name"], id=m["id"]),
                _("points.member.points", points=m["points"], value=m["value"], rate=m["rate"]),
            ]
        )

    def on_mount(self) -> None:
        self.prepare()

    def action_back(self) -> None:
        """Esc with a code sent and not used: ask, then cancel the pending redemption."""
        pending = self.redemption
        if pending is None or pending["status"] != "pending_otp" or self.busy():
            super().action_back()
            return
        cancel_pending(
            self,
            pending["id"],
            _("points.checkout.cancel_title"),
            _("points.checkout.cancel_what", id=pending["id"], points=pending["points"]),
            self._cancelled,
        )

    def _cancelled(self) -> None:
        self.redemption = None
        self.app.pop_screen()

    def prepare(self) -> None:
        """First focus; subclasses with other fields override this (not ``on_mount``)."""
        self.query_one("#points", Input).focus()

    # -- points and their value --------------------------------------------------------------
    def _points(self) -> int | None:
        text = self.query_one("#points", Input).value.strip()
        return int(text) if text.isdigit() else None

    @on(Input.Changed, "#points")
    def _points_changed(self) -> None:
        points = self._points() or 0
        self.query_one("#points-value", Static).update(
            _("points.checkout.value", value=money_value(points, self.member["rate"]))
        )

    def check_points(self) -> int | None:
        """Early check of the points field; the server decides."""
        status = self.query_one("#checkout-status", StatusLine)
        points = self._points()
        if points is None or points < 1 or points > MAX_POINTS:
            status.show(_("points.error.points"), "error")
            self.query_one("#points", Input).focus()
            return None
        if points > self.member["points"]:
            status.show(
                _("points.checkout.missing", missing=points - self.member["points"]), "error"
            )
            return None
        return points

    @on(Input.Submitted, "#points")
    def action_send_code(self) -> None:
        if self.redemption is not None:
            self.query_one("#code", Input).focus()
            return
        points = self.check_points()
        if points is None:
            return
        body = self._create_body(points)
        # Another amount is another intent (a new key); the same one again is a retry.
        action = self.intents.action("send", json.dumps(body, sort_keys=True, default=str))
        self.show_status(_("points.checkout.sending"))
        self.call_api(
            "send_code",
            lambda: PointsApi(self.client).create_redemption(
                self.member["id"], self.CHANNEL, action, **body
            ),
            self.code_sent,
            failed=redemption_error,
            keys=("send_code", "resend_code"),
            write=True,
        )

    def _create_body(self, points: int) -> dict[str, Any]:
        return {"points": points}

    ORDER_FIELDS: tuple[str, ...] = ("#points",)
    """The inputs that define what the code approves: locked once the code is sent."""

    def code_sent(self, redemption: Any) -> None:
        self.redemption = redemption
        for field_id in self.ORDER_FIELDS:
            self.query_one(field_id, Input).disabled = True
        code = self.query_one("#code", Input)
        code.disabled = False
        code.value = ""
        code.focus()
        self.query_one("#code-info", Static).update(
            _(
                "points.checkout.code_sent",
                id=redemption["id"],
                points=redemption["points"],
                amount=redemption["amount"],
            )
        )
        self.query_one("#checkout-status", StatusLine).show(_("points.checkout.enter_code"), "ok")

    def action_resend_code(self) -> None:
        if self.redemption is None:
            self.action_send_code()
            return
        redemption_id, action = self.redemption["id"], Action()
        self.call_api(
            "resend_code",
            lambda: PointsApi(self.client).resend_code(redemption_id, action),
            self.code_sent,
            keys=("send_code", "resend_code"),
            write=True,
        )

    # -- settle ------------------------------------------------------------------------------
    @on(Input.Submitted, "#code")
    def settle(self) -> None:
        code = self.query_one("#code", Input).value.strip()
        if self.redemption is None:
            return
        if len(code) != CODE_LENGTH:
            self.show_status(_("points.error.code"), "error")
            return
        redemption_id = self.redemption["id"]
        action = self.intents.action("verify", (redemption_id, code))
        self.show_status(_("points.checkout.settling"))

        def failed(failure: Failure) -> str | None:
            if failure.code == "otp_invalid":
                self.query_one("#code", Input).value = ""
            return redemption_error(failure)

        self.call_api(
            "verify",
            lambda: PointsApi(self.client).verify(redemption_id, code, action),
            self.settled,
            failed=failed,
            keys=("send_code", "resend_code"),
            write=True,
        )

    def settled(self, redemption: Any) -> None:
        from branchdesk.screens.points.receipt import PointsReceiptScreen

        self.redemption = redemption
        self.query_one("#code", Input).disabled = True
        self.query_one("#checkout-status", StatusLine).show(
            _("points.checkout.settled", balance=redemption["balance_after"]), "ok"
        )

        def closed(_result: object) -> None:
            self.app.pop_screen()

        self.app.push_screen(PointsReceiptScreen(self.member, redemption), closed)
