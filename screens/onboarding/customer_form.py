"""Create or edit a customer; every field gets its own message, and what was typed is kept."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Label, Select, Static

from branchdesk.clients import validators
from branchdesk.clients.api import Action
from branchdesk.clients.onboarding_api import PII_FIELDS, OnboardingApi, Queued
from branchdesk.clients.onboarding_fields import INPUT_FIELDS
from branchdesk.screens.common.actions import Failure, unreachable_says
from branchdesk.screens.common.base import BaseScreen
from branchdesk.screens.common.field_errors import show_field_errors
from branchdesk.screens.onboarding.client import onboarding_api
from branchdesk.tui.i18n import _
from branchdesk.tui.widgets import NEXT_ON_ENTER, StatusLine

AREAS = ("坪东", "下五屯", "桔山", "安龙")
BANKS = ("psbc", "icbc", "abc", "ccb", "boc", "bocom", "cmb", "rcu", "other")
TOKENS = ("undecided", "ukey", "etoken")
SELECTS = ("area", "card_bank", "token_type")
ALL_FIELDS = INPUT_FIELDS
TEXT_FIELDS = tuple(f for f in ALL_FIELDS if f not in SELECTS)
ETOKEN_LIMIT = 100_000
CHECKS = {
    "name": validators.required_error,
    "id_number": validators.id_number_error,
    "mobile": validators.mobile_error,
    "area": validators.required_error,
    "licence_no": validators.required_error,
    "card_number": validators.card_number_error,
    "order_amount": validators.required_error,
}


def early_errors(values: dict[str, Any]) -> dict[str, str]:
    """Checks the screen can make before asking the server (which checks again); only of
    the fields given (an offline edit sends the changed ones)."""
    found = {f: check(values[f] or "") for f, check in CHECKS.items() if f in values}
    return {k: v for k, v in found.items() if v}


class CustomerFormScreen(BaseScreen, keys="onb.form", title="onb.form.title_new"):
    def __init__(self, customer_id: str | None = None) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.version = 0
        self.action_key = Action()
        self.masked = False
        """Offline: the kept copy, PII masked; only what is typed over it is sent."""

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="onb-form"):
            title = "onb.form.title_edit" if self.customer_id else "onb.form.title_new"
            yield Static(_(title), id="onb-form-title")
            for field in ALL_FIELDS:
                with Horizontal(classes="onb-row"):
                    yield Label(_(f"onb.field.{field}"))
                    yield self._widget(field)
                yield Static("", id=f"err-{field}", classes="onb-error")
            yield Static(_("onb.form.hint"))
        yield StatusLine(id="onb-form-status")

    def _widget(self, field: str) -> Input | Select[str]:
        if field == "area":
            return Select(
                [(a, a) for a in AREAS], id="f-area", prompt=_("onb.form.choose"), compact=True
            )
        if field == "card_bank":
            return Select(
                [(_(f"onb.bank.{b}"), b) for b in BANKS],
                id="f-card_bank",
                prompt=_("onb.form.bank_auto"),
                compact=True,
            )
        if field == "token_type":
            return Select(
                [(_(f"onb.token.{t}"), t) for t in TOKENS],
                id="f-token_type",
                value="undecided",
                allow_blank=False,
                compact=True,
            )
        return Input(
            id=f"f-{field}",
            placeholder=_(f"onb.hint.{field}"),
            max_length=40,
            compact=True,
            classes=NEXT_ON_ENTER,
        )

    def on_mount(self) -> None:
        for error in self.query(".onb-error"):
            error.display = False
        self.query_one("#f-name", Input).focus()
        self._initial = self.values()
        if self.customer_id:
            self._load()

    def action_back(self) -> None:
        """Esc: a form with changes asks before they are thrown away."""
        if self.busy() or self.values() == self._initial:
            super().action_back()
            return
        what = self.values()["name"] or _("onb.discard.new_customer")
        self.confirm(
            _("onb.discard.title"),
            [_("onb.discard.line", what=what)],
            self.app.pop_screen,
            confirm=_("onb.discard.confirm"),
        )

    @property
    def api(self) -> OnboardingApi:
        return onboarding_api(self)

    def _load(self) -> None:
        # Editing needs the real values in the fields: an audited reveal.
        self.call_api(
            "load",
            lambda: self.api.customer(self.customer_id or "", reveal=not self.api.offline_session),
            self._fill,
            failed=unreachable_says("onb.offline_edit"),
            keys=("save",),
        )

    def _fill(self, data: Any) -> None:
        self.version = data["version"]
        self.masked = not data.get("revealed", True)
        for field in TEXT_FIELDS:
            widget = self.query_one(f"#f-{field}", Input)
            value = str(data.get(field) or "")
            if self.masked and field in PII_FIELDS:
                # Kept masked on this machine: left as it is unless the marketer types anew.
                widget.placeholder = _("onb.form.kept_masked", value=value)
                value = ""
            widget.value = value
        self.query_one("#f-area", Select).value = data["area"]
        if data.get("card_bank"):
            self.query_one("#f-card_bank", Select).value = data["card_bank"]
        self.query_one("#f-token_type", Select).value = data["token_type"]
        self.call_after_refresh(self._loaded)

    def _loaded(self) -> None:
        # Select.value settles after a refresh; what was loaded is the form's unchanged state.
        self._initial = self.values()

    def values(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            f: self.query_one(f"#f-{f}", Input).value.strip() for f in TEXT_FIELDS
        }
        for field in SELECTS:
            value = self.query_one(f"#f-{field}", Select).value
            values[field] = value if isinstance(value, str) else None
        return values

    def show_errors(self, errors: dict[str, str]) -> None:
        show_field_errors(self, ALL_FIELDS, errors, field_id="f-{}", error_id="err-{}")

    @on(Input.Submitted)
    def _next(self) -> None:
        self.focus_next()

    def action_save(self) -> None:
        values = self.values()
        if self.masked:  # offline: what was changed over the kept copy
            values = {k: v for k, v in values.items() if v != self._initial[k]}
            if not values:
                self.query_one("#onb-form-status", StatusLine).show(_("onb.form.unchanged"))
                return
        errors = {f: _(f"onb.err.{code}") for f, code in early_errors(values).items()}
        if errors:
            self.show_errors(errors)
            self.query_one("#onb-form-status", StatusLine).show(_("onb.form.fix"), "error")
            return
        self.show_errors({})
        self._save(values)

    def _save(self, values: Any) -> None:
        self.show_status(_("onb.form.saving"))
        action = self.action_key
        customer_id, version = self.customer_id, self.version

        async def save() -> Any:
            if customer_id:
                return await self.api.update_customer(customer_id, values, version, action)
            return await self.api.create_customer(values, action)

        def failed(failure: Failure) -> str | None:
            if failure.unreachable:
                return _("onb.offline_save")
            if failure.code == "customer_invalid" and isinstance(failure.details, list):
                self.show_errors({d["field"]: d["message"] for d in failure.details})
            elif failure.code == "customer_duplicate" and isinstance(failure.details, dict):
                # The message names the existing customer (id, masked name): shown at the field.
                self.show_errors({str(failure.details.get("field")): failure.message})
            self.action_key = Action()  # the refused request changed nothing: a new attempt
            return None

        def saved(result: Any) -> None:
            if isinstance(result, Queued):
                self.bd_app.notify(_("onb.queued"))
            else:
                self.bd_app.notify(_("onb.form.saved", name=result["name"]))
            self.dismiss(result)

        self.call_api("save", save, saved, failed=failed, write=True)
