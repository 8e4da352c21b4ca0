"""Checkout deduction (邮掌柜): points, money value as you type, SMS code, Enter settles."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from branchdesk.clients.api import Action
from branchdesk.clients.errors import ApiError, BackendUnreachable
from branchdesk.clients.points_api import PointsApi, money_value
from branchdesk.screens.common.base import BaseScreen
from branchdesk.screens.points.phone import SimulatedPhone
from branchdesk.tui.i18n import _
from branchdesk.tui.widgets import StatusLine

if TYPE_CHECKING:
    from branchdesk.clients.models import MemberOut, RedemptionOut

CODE_LENGTH = 6
MAX_POINTS = 10_000_000


def redemption_error(message: str, exc: ApiError) -> str:
    """The server's message, plus how many points are missing when that is the refusal."""
    if exc.code == "insufficient_points" and isinstance(exc.details, dict):
        return _("points.checkout.missing", missing=exc.details.get("missing", "?"))
    return message


class PointsCheckoutScreen(BaseScreen):
    TITLE_KEY = "points.checkout.title"
    CHANNEL = "pos"
    INTRO_KEY = "points.checkout.intro"
    BINDINGS = [
        Binding("f2", "send_code", "points.keys.send_code", id="points_checkout.send_code"),
        Binding("f3", "resend_code", "points.keys.resend", id="points_checkout.resend"),
    ]
    DEFAULT_CSS = """
    PointsCheckoutScreen #points-main { width: 1fr; padding: 0 1; }
    PointsCheckoutScreen #checkout-member { height: auto; border: round $accent; padding: 0 1; }
    PointsCheckoutScreen .row { height: 3; }
    PointsCheckoutScreen .row Input { width: 16; }
    PointsCheckoutScreen .row Static { width: 1fr; padding: 1 1 0 1; }
    """

    def __init__(self, member: MemberOut) -> None:
        super().__init__()
        self.member = member
        self.redemption: RedemptionOut | None = None
        self._send_action: Action | None = None
        self._verify_action: Action | None = None
        self._verify_code = ""

    def compose_body(self) -> ComposeResult:
        with Horizontal():
            with Vertical(id="points-main"):
                yield Static(_(self.TITLE_KEY), classes="title")
                yield Static(Text(self._member_text()), id="checkout-member")
                yield Label(_("points.checkout.points"))
                with Horizontal(classes="row"):
                    yield Input(
                        id="points",
                        restrict=r"[0-9]*",
                        max_length=8,
                        placeholder=_("points.checkout.points_hint"),
                    )
                    yield Static(_("points.checkout.value", value="0.00"), id="points-value")
                yield Label(_("points.checkout.code"))
                with Horizontal(classes="row"):
                    yield Input(
                        id="code", restrict=r"[0-9]*", max_length=CODE_LENGTH, disabled=True
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
        self._send_action = None  # another amount is another action

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
        self._send_action = self._send_action or Action()
        self.query_one("#checkout-status", StatusLine).show(_("points.checkout.sending"))
        self._create(self._create_body(points), self._send_action)

    def _create_body(self, points: int) -> dict[str, Any]:
        return {"points": points}

    @work(exclusive=True, group="redeem")
    async def _create(self, body: dict[str, Any], action: Action) -> None:
        status = self.query_one("#checkout-status", StatusLine)
        try:
            redemption = await PointsApi(self.client).create_redemption(
                self.member["id"], self.CHANNEL, action, **body
            )
        except ApiError as exc:
            status.show(redemption_error(exc.message, exc), "error")
            return
        except BackendUnreachable:
            status.show(_("points.error.unreachable"), "error")
            return
        self.code_sent(redemption)

    ORDER_FIELDS: tuple[str, ...] = ("#points",)
    """The inputs that define what the code approves: locked once the code is sent."""

    def code_sent(self, redemption: RedemptionOut) -> None:
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
        self._resend(self.redemption["id"], Action())

    @work(exclusive=True, group="redeem")
    async def _resend(self, redemption_id: str, action: Action) -> None:
        status = self.query_one("#checkout-status", StatusLine)
        try:
            redemption = await PointsApi(self.client).resend_code(redemption_id, action)
        except ApiError as exc:
            status.show(exc.message, "error")
            return
        except BackendUnreachable:
            status.show(_("points.error.unreachable"), "error")
            return
        self.code_sent(redemption)

    # -- settle ------------------------------------------------------------------------------
    @on(Input.Submitted, "#code")
    def settle(self) -> None:
        code = self.query_one("#code", Input).value.strip()
        status = self.query_one("#checkout-status", StatusLine)
        if self.redemption is None:
            return
        if len(code) != CODE_LENGTH:
            status.show(_("points.error.code"), "error")
            return
        if self._verify_action is None or code != self._verify_code:
            self._verify_action, self._verify_code = Action(), code
        status.show(_("points.checkout.settling"))
        self._verify(self.redemption["id"], code, self._verify_action)

    @work(exclusive=True, group="redeem")
    async def _verify(self, redemption_id: str, code: str, action: Action) -> None:
        status = self.query_one("#checkout-status", StatusLine)
        try:
            settled = await PointsApi(self.client).verify(redemption_id, code, action)
        except ApiError as exc:
            status.show(redemption_error(exc.message, exc), "error")
            if exc.code == "otp_invalid":
                self.query_one("#code", Input).value = ""
            return
        except BackendUnreachable:
            status.show(_("points.error.unreachable"), "error")
            return
        self.settled(settled)

    def settled(self, redemption: RedemptionOut) -> None:
        from branchdesk.screens.points.receipt import PointsReceiptScreen

        self.redemption = redemption
        self.query_one("#code", Input).disabled = True
        self.query_one("#checkout-status", StatusLine).show(
            _("points.checkout.settled", balance=redemption["balance_after"]), "ok"
        )

        def closed(_result: object) -> None:
            self.app.pop_screen()

        self.app.push_screen(PointsReceiptScreen(self.member, redemption), closed)
