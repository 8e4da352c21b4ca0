"""The receipt of an account opened with a written card: printable text, saved with F2."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Label, Static

from branchdesk.screens.card_write.names import local_name
from branchdesk.screens.common.base import BaseScreen
from branchdesk.tui import timefmt
from branchdesk.tui.i18n import _
from branchdesk.tui.widgets import StatusLine

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


class CardWriteReceiptScreen(BaseScreen):
    TITLE_KEY = "cw.receipt.heading"
    BINDINGS = [Binding("f2", "save", "cw.keys.save", id="card_write_receipt.save")]
    DEFAULT_CSS = """
    CardWriteReceiptScreen #cw-receipt-scroll { height: 1fr; border: round $accent;
                                                margin: 0 1; }
    CardWriteReceiptScreen #cw-receipt { padding: 0 1; }
    CardWriteReceiptScreen #cw-save-row { height: 1; padding: 0 1; }
    CardWriteReceiptScreen #cw-save-row Label { width: auto; padding-right: 1; }
    CardWriteReceiptScreen #cw-save-path { width: 1fr; }
    """

    def __init__(self, order: OrderOut) -> None:
        super().__init__()
        self.order = order
        self.text = receipt_text(order)

    def compose_body(self) -> ComposeResult:
        yield Static(_("cw.receipt.heading"), classes="title")
        with VerticalScroll(id="cw-receipt-scroll"):
            yield Static(self.text, id="cw-receipt", markup=False)
        with Horizontal(id="cw-save-row"):
            yield Label(_("cw.receipt.save_to"))
            yield Input(
                str(Path.cwd() / f"receipt-{self.order['id']}.txt"), id="cw-save-path", compact=True
            )
        yield StatusLine(_("cw.receipt.help"), id="cw-receipt-status")

    def on_mount(self) -> None:
        self.query_one("#cw-receipt-scroll").focus()

    @on(Input.Submitted, "#cw-save-path")
    def action_save(self) -> None:
        status = self.query_one("#cw-receipt-status", StatusLine)
        field = self.query_one("#cw-save-path", Input)
        raw = field.value.strip()
        if not raw:
            status.show(_("cw.receipt.path_required"), "error")
            field.focus()
            return
        path = Path(raw).expanduser()
        try:
            path.write_text(self.text + "\n", encoding="utf-8")
        except OSError as exc:
            status.show(_("cw.receipt.save_failed", reason=exc.strerror or str(exc)), "error")
            field.focus()
            return
        status.show(_("cw.receipt.saved", path=str(path)), "ok")
