"""The receipt after a settled redemption; F3 prints it (PDF through CUPS, or to the browser)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from branchdesk.screens.common.base import BaseModal
from branchdesk.screens.common.printing import Printing
from branchdesk.tui import timefmt
from branchdesk.tui.i18n import _
from branchdesk.tui.widgets import StatusLine

if TYPE_CHECKING:
    from branchdesk.clients.models import MemberOut, RedemptionOut


def receipt_text(member: MemberOut | None, redemption: RedemptionOut) -> str:
    """The receipt: number, channel, member (masked), items of a proxy order, staff, outlet."""
    name = member["name"] if member else redemption.get("member_name", "")
    card = member["card"] if member else redemption.get("member_card", "")
    lines = [
        _("points.receipt.id", id=redemption["id"]),
        _("points.receipt.channel", channel=_(f"points.channel.{redemption['channel']}")),
        _("points.receipt.member", name=name, card=card),
    ]
    if redemption.get("order_ref"):
        lines.append(_("points.receipt.order_ref", ref=redemption["order_ref"]))
    for item in redemption.get("items") or []:
        lines.append(
            _(
                "points.receipt.item",
                name=item["name"],
                quantity=item["quantity"],
                price=item["unit_price"],
            )
        )
    lines += [
        _("points.receipt.points", points=redemption["points"]),
        _("points.receipt.amount", amount=redemption["amount"], rate=redemption["rate"]),
    ]
    if redemption.get("order_amount"):
        lines.append(_("points.receipt.order_amount", amount=redemption["order_amount"]))
    if redemption.get("balance_after") is not None:
        lines.append(_("points.receipt.balance", balance=redemption["balance_after"]))
    lines += [
        _(
            "points.receipt.staff",
            name=redemption.get("created_by_name") or "",
            id=redemption.get("created_by") or "",
        ),
        _(
            "points.receipt.outlet",
            name=redemption.get("institution_name") or "",
            id=redemption.get("institution_id") or "",
        ),
        _(
            "points.receipt.time",
            time=timefmt.when_seconds(redemption.get("settled_at") or redemption["created_at"]),
        ),
    ]
    if redemption["status"] != "settled":
        lines.append(_("points.receipt.status", status=_(f"points.status.{redemption['status']}")))
    return "\n".join(lines)


class PointsReceiptScreen(Printing, BaseModal):
    BINDINGS = [
        Binding("enter", "dismiss_modal", "keys.close", id="points_receipt.close"),
        Binding("f3", "print", "keys.print", id="points_receipt.print"),
    ]
    DEFAULT_CSS = """
    PointsReceiptScreen { align: center middle; }
    PointsReceiptScreen > Vertical {
        width: 60; max-width: 100%; height: auto; border: double $success;
        background: $surface; padding: 0 2;
    }
    """

    def __init__(self, member: MemberOut | None, redemption: RedemptionOut) -> None:
        super().__init__()
        self.member = member
        self.redemption = redemption

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_("points.receipt.title"), classes="title")
            yield Static(Text(receipt_text(self.member, self.redemption)), id="receipt-body")
            yield Static(_("points.receipt.close"))
            yield StatusLine("", id="receipt-status")

    def action_print(self) -> None:
        title = _("points.receipt.title")
        text = f"{title}\n\n{receipt_text(self.member, self.redemption)}"
        path = self.bd_app.options.receipts_dir() / f"points-{self.redemption['id']}.pdf"
        self.print_document(title, text, path)
