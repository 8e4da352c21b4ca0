"""Change one checklist item: status, note and evidence; refusals are explained in place."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Select, Static

from branchdesk.clients.api import Action
from branchdesk.clients.onboarding_api import OnboardingApi
from branchdesk.screens.common.actions import Failure
from branchdesk.screens.common.base import BaseModal
from branchdesk.screens.onboarding.export import STATUSES
from branchdesk.tui.i18n import _
from branchdesk.tui.widgets import StatusLine

if TYPE_CHECKING:
    from branchdesk.clients.models import ItemOut


def evidence_fields(item: ItemOut, token_type: str) -> list[str]:
    fields = list(item["evidence_fields"])
    if item["id"] == "security_device":
        fields = ["etoken_number"] if token_type == "etoken" else ["ukey_serial"]
    return fields


def missing_for_done(item: ItemOut, token_type: str) -> list[str]:
    """The evidence an item still needs before it can be marked done (the server checks too)."""
    if item["id"] != "security_device" or token_type == "undecided":
        return []
    return [f for f in evidence_fields(item, token_type) if not item["evidence"].get(f)]


class ItemModal(BaseModal, keys="onb.item"):
    def __init__(
        self,
        api: OnboardingApi,
        customer_id: str,
        item: ItemOut,
        token_type: str,
        *,
        mark_done: bool = False,
    ) -> None:
        super().__init__()
        self.api = api
        self.customer_id = customer_id
        self.item = item
        self.mark_done = mark_done
        """"d Done": the status is done already; only the missing evidence is asked for."""
        self.fields = (
            missing_for_done(item, token_type) if mark_done else evidence_fields(item, token_type)
        )
        self.action_key = Action()

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"[b]{self.item['title']}[/b]")
            if self.mark_done:
                yield Static(_("onb.item.done_needs"), id="i-done-needs")
            else:
                yield from self._status_and_note()
            for field in self.fields:
                with Horizontal(classes="onb-row"):
                    yield Label(_(f"onb.evidence.{field}"))
                    yield Input(
                        self.item["evidence"].get(field, ""),
                        id=f"i-{field}",
                        placeholder=_(f"onb.hint.{field}"),
                        max_length=32,
                        compact=True,
                    )
                yield Static("", id=f"err-{field}", classes="onb-error")
            hint = "onb.item.done_hint" if self.mark_done else "onb.item.hint"
            yield StatusLine(_(hint), id="i-status-line")

    def _status_and_note(self) -> ComposeResult:
        allowed = [s for s in STATUSES if s != "not_applicable" or self.item["may_skip"]]
        with Horizontal(classes="onb-row"):
            yield Label(_("onb.item.status"))
            yield Select(
                [(_(f"onb.status.{s}"), s) for s in allowed],
                id="i-status",
                value=self.item["status"] if self.item["status"] in allowed else "not_started",
                allow_blank=False,
                compact=True,
            )
        with Horizontal(classes="onb-row"):
            yield Label(_("onb.item.note"))
            yield Input(self.item["note"], id="i-note", max_length=500, compact=True)
        yield Static("", id="err-note", classes="onb-error")

    def on_mount(self) -> None:
        for error in self.query(".onb-error"):
            error.display = False
        if self.mark_done and self.fields:
            self.query_one(f"#i-{self.fields[0]}", Input).focus()
        else:
            self.query_one("#i-status", Select).focus()
        self._initial = self._form()

    def _form(self) -> tuple[str, str, dict[str, str]]:
        """What the form says now: status, note and the evidence typed."""
        evidence = {f: self.query_one(f"#i-{f}", Input).value.strip() for f in self.fields}
        if self.mark_done:
            kept = {**self.item["evidence"], **{k: v for k, v in evidence.items() if v}}
            return "done", self.item["note"], kept
        status = self.query_one("#i-status", Select).value
        note = self.query_one("#i-note", Input).value
        return str(status), note, {k: v for k, v in evidence.items() if v}

    def action_dismiss_modal(self) -> None:
        if self.busy() or self._form() == self._initial:
            super().action_dismiss_modal()
            return
        self.confirm(
            _("onb.discard.title"),
            [_("onb.discard.line", what=self.item["title"])],
            lambda: self.dismiss(None),
            confirm=_("onb.discard.confirm"),
        )

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        self._save(*self._form())

    def _save(self, status: str, note: str, evidence: dict[str, str]) -> None:
        for error in self.query(".onb-error"):
            error.display = False
        action = self.action_key

        def failed(failure: Failure) -> str | None:
            if failure.unreachable:
                return _("onb.offline_save")
            self.action_key = Action()  # refused: nothing changed, the next try is new
            if isinstance(failure.details, list):
                for problem in failure.details:
                    widgets = self.query(f"#err-{problem.get('field')}")
                    if widgets:
                        widgets.first(Static).update(problem["message"])
                        widgets.first(Static).display = True
            return None

        self.call_api(
            "save",
            lambda: self.api.set_item(
                self.customer_id,
                self.item["id"],
                status=status,
                base_version=self.item["version"],
                note=note,
                evidence=evidence,
                action=action,
                title=self.item["title"],
            ),
            self.dismiss,
            failed=failed,
            write=True,
        )
