"""Account opening, step 1: basic info (name, ID number, contact mobile, address; all starred)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Label, Static

from branchdesk.clients import validators
from branchdesk.clients.api import Action
from branchdesk.clients.card_write_api import CardWriteApi
from branchdesk.screens.card_write.steps import new_draft
from branchdesk.screens.common.base import BaseScreen
from branchdesk.tui.i18n import _
from branchdesk.tui.widgets import FieldInput, StatusLine

if TYPE_CHECKING:
    from branchdesk.screens.common.actions import Failure

FIELDS = ("name", "id_number", "contact", "address")
NAME_MAX = 30
ADDRESS_MAX = 60


def customer_errors(values: dict[str, str]) -> dict[str, str]:
    """Early checks (the server checks again): field -> error code."""
    name = values["name"]
    checks = {
        "name": validators.required_error(name)
        or ("name_length" if len(name.strip()) > NAME_MAX else None),
        "id_number": validators.id_number_error(values["id_number"]),
        "contact": validators.mobile_error(values["contact"]),
        "address": validators.required_error(values["address"])
        or ("address_length" if len(values["address"]) > ADDRESS_MAX else None),
    }
    return {k: v for k, v in checks.items() if v}


class AccountCustomerScreen(BaseScreen):
    TITLE_KEY = "cw.customer.title"
    BINDINGS = [
        Binding("f5", "next", "cw.keys.next", id="account_customer.next", priority=True),
        Binding("f4", "orders", "cw.keys.orders", id="account_customer.orders"),
    ]
    DEFAULT_CSS = """
    AccountCustomerScreen #cw-customer { height: 1fr; padding: 0 1; }
    AccountCustomerScreen .cw-row { height: 1; }
    AccountCustomerScreen .cw-row Label { width: 14; }
    AccountCustomerScreen .cw-row Input { width: 1fr; }
    AccountCustomerScreen .cw-error { color: $error; padding-left: 14; height: auto; }
    """

    def compose_body(self) -> ComposeResult:
        yield Static(_("cw.customer.title"), classes="title")
        with VerticalScroll(id="cw-customer"):
            for field in FIELDS:
                with Horizontal(classes="cw-row"):
                    yield Label(_(f"cw.field.{field}"))
                    yield FieldInput(
                        id=f"cw-{field}",
                        placeholder=_(f"cw.placeholder.{field}"),
                        max_length=ADDRESS_MAX if field == "address" else 40,
                        compact=True,
                    )
                yield Static("", id=f"cw-err-{field}", classes="cw-error")
            yield Static(_("cw.customer.hint"))
        yield StatusLine(id="cw-customer-status")

    def on_mount(self) -> None:
        for error in self.query(".cw-error"):
            error.display = False
        self.query_one("#cw-name", Input).focus()

    def values(self) -> dict[str, str]:
        return {f: self.query_one(f"#cw-{f}", Input).value.strip() for f in FIELDS}

    def show_errors(self, errors: dict[str, str]) -> None:
        for field in FIELDS:
            widget = self.query_one(f"#cw-err-{field}", Static)
            widget.update(errors.get(field, ""))
            widget.display = field in errors
        if errors:
            self.query_one(f"#cw-{next(f for f in FIELDS if f in errors)}").focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id == f"cw-{FIELDS[-1]}":
            self.action_next()
        else:
            self.focus_next()

    def action_next(self) -> None:
        from branchdesk.screens.card_write.recommender import AccountRecommenderScreen

        values = self.values()
        errors = {f: _(f"cw.err.{code}") for f, code in customer_errors(values).items()}
        self.show_errors(errors)
        status = self.query_one("#cw-customer-status", StatusLine)
        if errors:
            status.show(_("cw.customer.fix"), "error")
            return
        status.show("")
        values["id_number"] = values["id_number"].upper()
        draft = new_draft(values)

        def passed(_result: object) -> None:
            status.show("")
            self.app.push_screen(AccountRecommenderScreen(draft))

        def refused(failure: Failure) -> str | None:
            # The server's own field check: the same marks as the early one.
            if failure.code == "card_write_invalid" and isinstance(failure.details, list):
                self.show_errors({d["field"]: _(f"cw.err.{d['problem']}") for d in failure.details})
            return None

        self.call_api(
            "next",
            lambda: CardWriteApi(self.client).check("customer", draft, Action()),
            passed,
            failed=refused,
        )

    def action_orders(self) -> None:
        from branchdesk.screens.card_write.orders import AccountOrdersScreen

        self.app.push_screen(AccountOrdersScreen())
