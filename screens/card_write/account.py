"""Account opening, step 4: account info — who pays, and how bills are delivered."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from branchdesk.screens.card_write.layout import data_line, field_row
from branchdesk.screens.card_write.steps import Draft, FormStepScreen
from branchdesk.tui.i18n import _
from branchdesk.tui.widgets import NEXT_ON_ENTER, FieldInput

if TYPE_CHECKING:
    from branchdesk.clients.models import DraftOut
    from branchdesk.screens.card_write.package import AccountPackageScreen

DELIVERIES = ("sms", "email", "paper")


class AccountInfoScreen(
    FormStepScreen, keys="account_info", title="cw.account.title", step="account"
):
    def compose_step(self) -> ComposeResult:
        account = self.draft["account"] or {}
        yield data_line(_("cw.account.number", msisdn=self.draft["msisdn"] or ""))
        yield field_row(
            _("cw.field.payer"),
            FieldInput(
                id="cw-payer",
                value=account.get("payer_name", ""),
                placeholder=self.draft["customer"]["name"],
                max_length=30,
                compact=True,
                classes=NEXT_ON_ENTER,
            ),
        )
        yield Static(_("cw.account.delivery"), classes="cw-line")
        yield OptionList(
            *[Option(_(f"cw.delivery.{d}"), id=d) for d in DELIVERIES], id="cw-delivery"
        )
        yield field_row(
            _("cw.field.email"),
            FieldInput(id="cw-email", value=account.get("email", ""), max_length=80, compact=True),
        )
        yield Static(_("cw.account.hint"), classes="cw-line")

    def on_mount(self) -> None:
        delivery = (self.draft["account"] or {}).get("bill_delivery")
        self.query_one("#cw-delivery", OptionList).highlighted = (
            DELIVERIES.index(delivery) if delivery in DELIVERIES else 0
        )
        self.query_one("#cw-payer", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "cw-email":
            self.action_next()
        else:
            self.focus_next()

    def on_option_list_option_selected(self, _event: OptionList.OptionSelected) -> None:
        self.focus_next()

    def delivery(self) -> str:
        options = self.query_one("#cw-delivery", OptionList)
        index = options.highlighted
        return DELIVERIES[index] if index is not None else "sms"

    def action_next(self) -> None:
        account = {
            "payer_name": self.query_one("#cw-payer", Input).value.strip(),
            "bill_delivery": self.delivery(),
            "email": self.query_one("#cw-email", Input).value.strip(),
        }
        self.passed({"account": account})

    def following(self, draft: Draft, saved: DraftOut) -> AccountPackageScreen:
        from branchdesk.screens.card_write.package import AccountPackageScreen

        return AccountPackageScreen(draft)
