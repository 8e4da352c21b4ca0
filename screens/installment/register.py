"""Clerk registration: job number (= own mobile), name, ID number, mobile → SMS code → bound.

Fields are checked here for early feedback (the server checks again); a refusal keeps what
was typed. The code arrives in the simulated phone in local and demo mode.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from branchdesk.clients import validators
from branchdesk.clients.installment_api import InstallmentApi
from branchdesk.screens.common.actions import Failure
from branchdesk.screens.common.base import BaseScreen
from branchdesk.screens.points.phone import SimulatedPhone
from branchdesk.tui.i18n import _
from branchdesk.tui.widgets import NEXT_ON_ENTER, StatusLine

if TYPE_CHECKING:
    from branchdesk.clients.models import ClerkOut

FIELDS = ("job_no", "name", "id_number", "mobile")


class InstallmentRegisterScreen(
    BaseScreen, keys="installment_register", title="inst.register.title"
):
    def __init__(self) -> None:
        super().__init__()
        self.code_sent = False
        self.bound = False

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="reg-body"):
            with Vertical(id="reg-form"):
                yield Static(_("inst.register.title"), classes="title")
                for field, max_length in (
                    ("job_no", 11),
                    ("name", 20),
                    ("id_number", 18),
                    ("mobile", 11),
                ):
                    with Horizontal(classes="reg-row"):
                        yield Label(_(f"inst.register.{field}"))
                        yield Input(
                            id=f"reg-{field}",
                            max_length=max_length,
                            # Enter on the mobile sends the code (see next_field).
                            classes="" if field == "mobile" else NEXT_ON_ENTER,
                        )
                    yield Static("", id=f"reg-{field}-error", classes="reg-error")
                with Horizontal(classes="reg-row"):
                    yield Label(_("inst.register.code"))
                    yield Input(id="reg-code", max_length=6)
                yield Static(_("inst.register.hint"), id="reg-hint")
                yield StatusLine(id="reg-status")
            yield SimulatedPhone(id="phone")

    def on_mount(self) -> None:
        self.query_one("#reg-job_no", Input).focus()

    def _values(self) -> dict[str, str]:
        return {f: self.query_one(f"#reg-{f}", Input).value.strip() for f in FIELDS}

    def _show_errors(self, errors: dict[str, str]) -> None:
        for field in FIELDS:
            code = errors.get(field)
            self.query_one(f"#reg-{field}-error", Static).update(
                _(f"inst.error.{code}") if code else ""
            )

    @on(Input.Submitted)
    def next_field(self, event: Input.Submitted) -> None:
        if event.input.id == "reg-code":
            self.action_bind()
        elif event.input.id == "reg-mobile":
            self.action_send_code()
        else:
            self.focus_next()

    def action_send_code(self) -> None:
        values = self._values()
        values["id_number"] = values["id_number"].upper()
        errors = validators.clerk_registration_errors(**values)
        self._show_errors(errors)
        status = self.query_one("#reg-status", StatusLine)
        if errors:
            status.show(_("inst.register.fix_fields"), "error")
            self.query_one(f"#reg-{next(iter(errors))}", Input).focus()
            return
        # The same fields again are a retry of the same request: the same key.
        action = self.intents.action("send", tuple(values[f] for f in FIELDS))
        self.show_status(_("inst.register.sending"))

        def failed(failure: Failure) -> str | None:
            if isinstance(failure.details, dict):
                self._show_errors({k: str(v) for k, v in failure.details.items() if k in FIELDS})
            return None

        def sent(_result: object) -> None:
            self.code_sent = True
            self.intents.finished("bind")
            self.show_status(
                _("inst.register.code_sent", mobile=validators.mask_mobile(values["mobile"])),
                "ok",
            )
            self.query_one("#reg-code", Input).focus()

        self.call_api(
            "send_code",
            lambda: InstallmentApi(self.client).request_code(
                values["job_no"], values["name"], values["id_number"], values["mobile"], action
            ),
            sent,
            failed=failed,
            keys=("send_code", "bind"),
            write=True,
        )

    def action_bind(self) -> None:
        status = self.query_one("#reg-status", StatusLine)
        code = self.query_one("#reg-code", Input).value.strip()
        if not self.code_sent:
            status.show(_("inst.register.send_first"), "error")
            return
        if len(code) != 6 or not code.isdigit():
            status.show(_("inst.error.code_format"), "error")
            self.query_one("#reg-code", Input).focus()
            return
        action = self.intents.action("bind", code)

        def failed(failure: Failure) -> str | None:
            if not failure.unreachable:
                self.intents.finished("bind")  # a new code or a registered job number: new try
                self.query_one("#reg-code", Input).value = ""
            return None

        def bound(profile: ClerkOut) -> None:
            self.bound = True
            self.show_status(
                _(
                    "inst.register.bound",
                    job_no=profile["job_no"],
                    merchant=profile["merchant_name"],
                ),
                "ok",
            )

        self.call_api(
            "bind",
            lambda: InstallmentApi(self.client).bind(code, action),
            bound,
            failed=failed,
            keys=("send_code", "bind"),
            write=True,
        )
