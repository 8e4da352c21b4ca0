"""The receipt after a settled redemption."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from branchdesk.screens.common.base import BaseModal
from branchdesk.tui import timefmt
from branchdesk.tui.i18n import _

if TYPE_CHECKING:
    from branchdesk.clients.models import MemberOut, RedemptionOut


def receipt_text(member: MemberOut, redemption: RedemptionOut) -> str:
    lines = [
        _("points.receipt.id", id=redemption["id"]),
        _("points.receipt.channel", channel=_(f"points.channel.{redemption['channel']}")),
        _("points.receipt.member", name=member["name"], card=member["card"]),
        _("points.receipt.points", points=redemption["points"]),
        _("points.receipt.amount", amount=redemption["amount"], rate=redemption["rate"]),
    ]
    if redemption.get("order_amount"):
        lines.append(_("points.receipt.order_amount", amount=redemption["order_amount"]))
    lines += [
        _("points.receipt.balance", balance=redemption["balance_after"]),
        _("points.receipt.time", time=timefmt.when(redemption.get("settled_at"))),
    ]
    return "\n".join(lines)


class PointsReceiptScreen(BaseModal):
    BINDINGS = [Binding("enter", "dismiss_modal", "keys.close", id="points_receipt.close")]
    DEFAULT_CSS = """
    PointsReceiptScreen { align: center middle; }
    PointsReceiptScreen > Vertical {
        width: 60; max-width: 100%; height: auto; border: double $success;
        background: $surface; padding: 0 2;
    }
    """

    def __init__(self, member: MemberOut, redemption: RedemptionOut) -> None:
        super().__init__()
        self.member = member
        self.redemption = redemption

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_("points.receipt.title"), classes="title")
            yield Static(Text(receipt_text(self.member, self.redemption)), id="receipt-body")
            yield Static(_("points.receipt.close"))
