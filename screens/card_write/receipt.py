"""An opened account's receipt content; the common ``ReceiptScreen`` shows, saves, prints it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from branchdesk.screens.card_write.names import local_name
from branchdesk.screens.common.receipt import Receipt, ReceiptScreen
from branchdesk.tui import timefmt
from branchdesk.tui.i18n import _

if TYPE_CHECKING:
    from branchdesk.clients.models import OrderOut


def receipt_text(order: OrderOut) -> str:
    """Plain text a printer takes as it is; PII stays masked as on screen."""
    customer, package, tariff = order["customer"], order["package"], order["tariff"]
    rule = "=" * 40
    return "\n".join(
        [
            _("cw.receipt.title"),
            rule,
            _("cw.receipt.order", id=order["id"]),
            _("cw.receipt.customer", name=customer["name"]),
            _("cw.receipt.id", id=customer["id_number"]),
            _("cw.receipt.contact", contact=customer["contact"]),
            _("cw.receipt.msisdn", msisdn=order["msisdn"]),
            _("cw.receipt.iccid", iccid=order.get("iccid") or ""),
            _("cw.receipt.package", name=local_name(package), fee=package["monthly_fee"]),
            _("cw.receipt.tariff", name=local_name(tariff)),
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


class CardWriteReceiptScreen(ReceiptScreen):
    """The common receipt screen with an order's content."""

    TITLE_KEY = "cw.receipt.heading"

    def __init__(self, order: OrderOut) -> None:
        super().__init__(
            Receipt(
                kind="card_write",
                ref=order["id"],
                heading=_("cw.receipt.heading"),
                text=receipt_text(order),
                stem=f"receipt-{order['id']}",
            )
        )
        self.order = order
