"""Account opening, step 1: basic info (name, ID number, contact mobile, address; all starred)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Input, Static

from branchdesk.clients import validators
from branchdesk.screens.card_write.layout import field_row
from branchdesk.screens.card_write.steps import (
    STEPS,
    Draft,
    FormStepScreen,
    draft_of,
    new_draft,
    resume_chain,
)
from branchdesk.screens.common.field_errors import show_field_errors
from branchdesk.tui.i18n import _
from branchdesk.tui.widgets import NEXT_ON_ENTER, FieldInput

if TYPE_CHECKING:
    from branchdesk.clients.models import DraftOut, OfferOut
    from branchdesk.screens.card_write.recommender import AccountRecommenderScreen
    from branchdesk.screens.common.actions import Failure

FIELDS = ("name", "id_number", "contact", "address")
NAME_MAX = 30
ADDRESS_MAX = 60
AFTER = (*STEPS[1:], "summary")
"""The screen that follows each step: where a saved form resumes."""


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


class AccountCustomerScreen(
    FormStepScreen, keys="account_customer", title="cw.customer.title", step="customer"
):
    """Step 1, and where an unfinished form kept on the server is offered: F6 resumes it at
    the step after the last one saved, F8 discards it."""

    def __init__(self, draft: Draft | None = None) -> None:
        super().__init__(draft or new_draft(dict.fromkeys(FIELDS, "")))
        self.kept: DraftOut | None = None  # the unfinished form on the server, if any

    def compose_step(self) -> ComposeResult:
        customer = self.draft["customer"]
        with VerticalScroll(id="cw-customer"):
            for field in FIELDS:
                yield field_row(
                    _(f"cw.field.{field}"),
                    FieldInput(
                        id=f"cw-{field}",
                        value=customer.get(field, ""),
                        placeholder=_(f"cw.placeholder.{field}"),
                        max_length=ADDRESS_MAX if field == "address" else 40,
                        compact=True,
                        # Enter on the last field goes on to the next step (see _submitted).
                        classes="" if field == FIELDS[-1] else NEXT_ON_ENTER,
                    ),
                )
                yield Static("", id=f"cw-err-{field}", classes="cw-error")
            yield Static(_("cw.customer.hint"))

    def on_mount(self) -> None:
        for error in self.query(".cw-error"):
            error.display = False
        self.query_one("#cw-name", Input).focus()
        if not any(self.values().values()):
            self._look_for_draft()

    def can(self, action: str) -> bool:
        return self.kept is not None if action in ("resume", "discard") else True

    def _look_for_draft(self) -> None:
        def found(saved: DraftOut) -> None:
            self.kept = saved
            step = _(f"cw.step.{AFTER[STEPS.index(saved['step'])]}")
            self.show_status(_("cw.draft.found", name=saved["customer"]["name"], step=step))
            self.refresh_bindings()

        def none(failure: Failure) -> str:
            return ""  # no unfinished form (404), or none to be had now: a new one

        self.call_api("draft", self.api.draft, found, failed=none, quiet=True)

    def values(self) -> dict[str, str]:
        return {f: self.query_one(f"#cw-{f}", Input).value.strip() for f in FIELDS}

    def show_errors(self, errors: dict[str, str]) -> None:
        show_field_errors(self, FIELDS, errors, field_id="cw-{}", error_id="cw-err-{}")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id == f"cw-{FIELDS[-1]}":
            self.action_next()
        else:
            self.focus_next()

    def action_next(self) -> None:
        values = self.values()
        errors = {f: _(f"cw.err.{code}") for f, code in customer_errors(values).items()}
        self.show_errors(errors)
        if errors:
            self.show_status(_("cw.customer.fix"), "error")
            return
        self.show_status("")
        values["id_number"] = values["id_number"].upper()
        self.draft = new_draft(values)  # a new form: the later steps start empty

        def refused(failure: Failure) -> str | None:
            # The server's own field check: the same marks as the early one.
            if failure.code == "card_write_invalid" and isinstance(failure.details, list):
                self.show_errors({d["field"]: _(f"cw.err.{d['problem']}") for d in failure.details})
            return None

        self.passed({}, failed=refused)

    def following(self, draft: Draft, saved: DraftOut) -> AccountRecommenderScreen:
        from branchdesk.screens.card_write.recommender import AccountRecommenderScreen

        self.kept = None  # a new form replaced the one kept
        self.refresh_bindings()
        return AccountRecommenderScreen(draft)

    def action_resume(self) -> None:
        saved = self.kept
        if saved is None:
            return
        self.draft = draft_of(saved)
        for field in FIELDS:
            self.query_one(f"#cw-{field}", Input).value = self.draft["customer"][field]
        if STEPS.index(saved["step"]) < STEPS.index("package"):
            self._resume(saved, None)
            return
        # The later steps choose from the offer: fetched once for the whole chain.
        self.call_api("resume", self.api.offer, lambda offer: self._resume(saved, offer))

    def _resume(self, saved: DraftOut, offer: OfferOut | None) -> None:
        self.kept = None
        self.refresh_bindings()
        for screen in resume_chain(self, saved, offer):
            self.app.push_screen(screen)

    def action_discard(self) -> None:
        saved = self.kept
        if saved is None:
            return

        def discarded(_result: object) -> None:
            self.intents.finished("discard")
            self.kept = None
            self.refresh_bindings()
            self.show_status(_("cw.draft.discarded"), "ok")

        def discard() -> None:
            action = self.intents.action("discard", saved["updated_at"])
            self.call_api("discard", lambda: self.api.discard_draft(action), discarded, write=True)

        self.confirm(
            _("cw.draft.discard_title"),
            [_("cw.draft.discard_line", name=saved["customer"]["name"])],
            discard,
        )

    def action_orders(self) -> None:
        from branchdesk.screens.card_write.orders import AccountOrdersScreen

        self.app.push_screen(AccountOrdersScreen())
