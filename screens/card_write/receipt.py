"""An opened account's receipt content; the common ``ReceiptScreen`` shows, saves, prints it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from branchdesk.screens.card_write.names import customer_lines, number_lines
from branchdesk.screens.common.receipt import Receipt, ReceiptScreen
from branchdesk.tui import timefmt
from branchdesk.tui.i18n import _

if TYPE_CHECKING:
    from branchdesk.clients.models import OrderOut


def receipt_text(order: OrderOut) -> str:
    """Plain text a printer takes as it is; PII stays masked as on screen."""
    rule = "=" * 40
    return "\n".join(
        [
            _("cw.receipt.title"),
            rule,
            *customer_lines(order),
            *number_lines(order),
            _(
                "cw.receipt.paid",
                amount=order["fees"]["total"],
                invoice=(order.get("payment") or {"invoice_no": ""})["invoice_no"],
            ),
            _("cw.receipt.clerk", staff=order["staff_id"], agent=order["agent_id"]),
            _("cw.receipt.time", at=timefmt.when(order.get("activated_at"))),
            "",
            _("cw.receipt.sign"),
            rule,
        ]
    )


def receipt(order: OrderOut) -> Receipt:
    heading = _("cw.receipt.heading")
    return Receipt(
        "card_write", order["id"], heading, receipt_text(order), f"receipt-{order['id']}"
    )


class CardWriteReceiptScreen(ReceiptScreen, title="cw.receipt.heading"):
    """The common receipt screen with an order's content."""

    def __init__(self, order: OrderOut) -> None:
        super().__init__(receipt(order))
        self.order = order
