"""Account opening, the money: the fees of the written card, the amount received and the
change, pre-submit (F5: the server takes the payment and gives an invoice number, then the
form and the invoice print), and the formal submit (F10: the card is activated)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Input, Static

from branchdesk.clients.card_write_api import CardWriteApi
from branchdesk.screens.card_write import flow
from branchdesk.screens.card_write.layout import field_row
from branchdesk.screens.card_write.names import customer_lines, fee_lines, local_name, number_lines
from branchdesk.screens.common.base import BaseScreen
from branchdesk.screens.common.printing import Printing
from branchdesk.tui import timefmt
from branchdesk.tui.i18n import _
from branchdesk.tui.widgets import FieldInput, StatusLine

if TYPE_CHECKING:
    from branchdesk.clients.models import OrderOut


def form_text(order: OrderOut) -> str:
    """The account-opening form and the invoice, as printed; PII masked as on screen."""
    payment: dict[str, Any] = dict(order.get("payment") or {})
    rule = "=" * 40
    packs = [local_name(p) for p in order["packs"] if p.get("name_zh")]
    return "\n".join(
        [
            _("cw.form.title"),
            rule,
            *customer_lines(order),
            _("cw.form.address", address=order["customer"]["address"]),
            _("cw.form.recommender", id=order.get("recommender_id") or "-"),
            *number_lines(order),
            _("cw.form.packs", packs=" / ".join(packs) or "-"),
            _(
                "cw.form.activity",
                activity=local_name(order["activity"]) if order["activity"].get("name_zh") else "-",
            ),
            _("cw.receipt.clerk", staff=order["staff_id"], agent=order["agent_id"]),
            "",
            _("cw.form.invoice", no=payment.get("invoice_no", "")),
            rule,
            *fee_lines(order["fees"]),
            _(
                "cw.form.paid",
                received=payment.get("received", ""),
                change=payment.get("change", ""),
            ),
            _("cw.receipt.time", at=timefmt.when(payment.get("presubmitted_at"))),
            "",
            _("cw.receipt.sign"),
            rule,
        ]
    )


def parse_amount(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() and value >= 0 else None


class AccountFeesScreen(Printing, BaseScreen, keys="account_fees", title="cw.fees.title"):
    def __init__(self, order: OrderOut) -> None:
        super().__init__()
        self.order = order

    @property
    def api(self) -> CardWriteApi:
        return CardWriteApi(self.client)

    def compose_body(self) -> ComposeResult:
        order = self.order
        yield Static(_("cw.fees.title"), classes="title")
        with VerticalScroll(id="cw-fees-scroll"):
            yield Static(
                "\n".join(
                    [
                        _("cw.fees.order", id=order["id"], msisdn=order["msisdn"]),
                        *fee_lines(order["fees"]),
                    ]
                ),
                id="cw-fees",
                markup=False,
            )
        yield field_row(
            _("cw.field.received"),
            FieldInput(id="cw-received", max_length=10, numeric="0-9.", compact=True),
        )
        yield Static(id="cw-change", markup=False)
        yield StatusLine(id="cw-fees-status")

    def on_mount(self) -> None:
        if self.presubmitted:
            self._show_paid()
        else:
            self.show_status(_("cw.fees.hint"))
            self.query_one("#cw-received", Input).focus()

    @property
    def phase(self) -> str:
        """Where the fees step is (a guided tour waits for it): the order's state, or printing."""
        return "printing" if self.is_printing else self.order["state"]

    @property
    def presubmitted(self) -> bool:
        return self.order["state"] == "presubmitted"

    def _show_paid(self) -> None:
        payment: dict[str, Any] = dict(self.order.get("payment") or {})
        field = self.query_one("#cw-received", Input)
        field.value = payment.get("received", "")
        field.disabled = True
        self.query_one("#cw-change", Static).update(
            _("cw.fees.change", change=payment.get("change", ""))
        )
        self.show_status(_("cw.fees.presubmitted", no=payment.get("invoice_no", "")), "ok")

    @on(Input.Changed, "#cw-received")
    def _changed(self, event: Input.Changed) -> None:
        amount = parse_amount(event.value) if event.value.strip() else None
        change = self.query_one("#cw-change", Static)
        if amount is None:
            change.update("")
            return
        due = Decimal(self.order["fees"]["total"])
        if amount < due:
            change.update(_("cw.fees.short", missing=f"{due - amount:.2f}"))
        else:
            change.update(_("cw.fees.change", change=f"{amount - due:.2f}"))

    @on(Input.Submitted, "#cw-received")
    def _submitted(self) -> None:
        self.action_presubmit()

    def action_presubmit(self) -> None:
        if self.presubmitted:
            return
        received = self.query_one("#cw-received", Input).value.strip()
        # The server checks the amount (format, enough); a retry of the same amount reuses the key.
        action = self.intents.action("presubmit", (self.order["id"], received))
        steps = flow.OrderSteps(self.api, self.order)

        def done(order: OrderOut) -> None:
            self.intents.finished("presubmit")
            self.order = order
            self._show_paid()
            self.action_print()

        def refused(failure: object) -> None:
            if not getattr(failure, "unreachable", False):
                self.intents.finished("presubmit")

        self.call_api(
            "presubmit",
            lambda: steps.presubmit(received, action),
            done,
            failed=refused,
            keys=("presubmit", "confirm"),
            write=True,
        )

    def action_print(self) -> None:
        if not self.presubmitted:
            self.show_status(_("cw.fees.print_first"), "error")
            return
        path = self.bd_app.options.receipts_dir() / f"form-{self.order['id']}.pdf"
        self.print_document(_("cw.form.title"), form_text(self.order), path)

    def action_confirm(self) -> None:
        if not self.presubmitted:
            self.show_status(_("cw.fees.presubmit_first"), "error")
            return
        action = self.intents.action("confirm", self.order["id"])
        steps = flow.OrderSteps(self.api, self.order)

        def done(order: OrderOut) -> None:
            from branchdesk.screens.card_write.receipt import CardWriteReceiptScreen

            self.intents.finished("confirm")
            self.app.call_later(self.app.switch_screen, CardWriteReceiptScreen(order))

        def refused(failure: object) -> None:
            if not getattr(failure, "unreachable", False):
                self.intents.finished("confirm")

        self.call_api(
            "confirm",
            lambda: steps.confirm(action),
            done,
            failed=refused,
            keys=("presubmit", "confirm"),
            write=True,
        )
