"""Add a member (supervisor): name, mobile, ID number to bind, card, outlet; F2 adds.

Every field is checked here first, each with its own message; the server checks again and
refuses a mobile, card or ID number that already has a member — the existing member is then
shown (masked, as the server gives it) so the clerk can go on with them instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Checkbox, Input, Label, Static

from branchdesk.clients import validators
from branchdesk.clients.points_api import PointsApi
from branchdesk.screens.common.actions import Failure
from branchdesk.screens.common.base import BaseScreen
from branchdesk.screens.points.member import member_lines
from branchdesk.tui.i18n import _
from branchdesk.tui.widgets import FieldInput, StatusLine

if TYPE_CHECKING:
    from branchdesk.clients.models import Institution, MemberOut

FIELDS = ("name", "mobile", "id_number", "card_no", "institution")
DUPLICATES = ("member_exists", "member_duplicate_id")


def field_problem(field: str, value: str, institutions: dict[str, str] | None) -> str | None:
    """The first problem of one field as a catalog code, or None. Optional: ID and card."""
    value = value.strip()
    if field == "name":
        return "required" if not value else None
    if field == "mobile":
        return validators.mobile_error(value)
    if field == "id_number":
        return validators.id_number_error(value) if value else None
    if field == "card_no":
        if not value:
            return None
        return validators.card_number_error(value)
    if field == "institution":
        if not value:
            return "required"
        if institutions is not None and value not in institutions:
            return "institution_unknown"
    return None


class PointsAddMemberScreen(BaseScreen, keys="points_add_member", title="points.add_member.title"):
    def __init__(self, mobile: str = "", card_no: str = "") -> None:
        super().__init__()
        self.prefill = {"mobile": mobile, "card_no": card_no}
        self.institutions: dict[str, str] | None = None
        self.shown_member: dict[str, Any] | None = None
        """The member in the panel: the one just added, or the one that already exists."""

    def compose_body(self) -> ComposeResult:
        with Vertical(id="add-main"):
            yield Static(_("points.add_member.title"), classes="title")
            for field, limit, numeric in (
                ("name", 40, None),
                ("mobile", 11, "0-9"),
                ("id_number", 18, "0-9Xx"),
                ("card_no", 19, "0-9"),
            ):
                with Horizontal(classes="add-row"):
                    yield Label(_(f"points.add_member.{field}"))
                    yield FieldInput(
                        self.prefill.get(field, ""),
                        id=f"add-{field}",
                        max_length=limit,
                        numeric=numeric,
                        placeholder=_(f"points.add_member.{field}_hint"),
                        compact=True,
                    )
            with Horizontal(classes="add-row"):
                yield Label(_("points.add_member.institution"))
                yield FieldInput(id="add-institution", max_length=20, compact=True)
                yield Static("", id="institution-name")
            yield Checkbox(_("points.add_member.offline"), True, id="add-offline", compact=True)
            yield Static(_("points.add_member.none"), id="add-member")
            yield StatusLine(_("points.add_member.help"), id="add-status")

    def on_mount(self) -> None:
        self.query_one("#add-name", Input).focus()

        def loaded(rows: list[Institution]) -> None:
            self.institutions = {r["id"]: r["name"] for r in rows}
            field = self.query_one("#add-institution", Input)
            if not field.value and rows:
                field.value = rows[0]["id"]
            self._institution_changed()

        self.call_api(
            "institutions", lambda: PointsApi(self.client).institutions(), loaded, keys=()
        )

    @on(Input.Changed, "#add-institution")
    def _institution_changed(self) -> None:
        value = self.query_one("#add-institution", Input).value.strip()
        name = (self.institutions or {}).get(value, "")
        self.query_one("#institution-name", Static).update(Text(name))

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.input.remove_class("-invalid")

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        """Enter moves on, field by field; on the last one it adds, like F2."""
        ids = [f"add-{f}" for f in FIELDS]
        if event.input.id not in ids:
            return
        index = ids.index(event.input.id)
        if index + 1 < len(ids):
            self.query_one(f"#{ids[index + 1]}", Input).focus()
        else:
            self.action_add()

    def _values(self) -> dict[str, str]:
        return {f: self.query_one(f"#add-{f}", Input).value.strip() for f in FIELDS}

    def action_add(self) -> None:
        values = self._values()
        for field in FIELDS:
            problem = field_problem(field, values[field], self.institutions)
            if problem:
                self._refuse(field, problem)
                return
        body: dict[str, Any] = {
            "name": values["name"],
            "mobile": values["mobile"],
            "id_number": values["id_number"].upper() or None,
            "card_no": values["card_no"] or None,
            "institution_id": values["institution"],
            "offline": self.query_one("#add-offline", Checkbox).value,
        }
        action = self.intents.action("add", tuple(sorted(body.items())))

        def added(member: MemberOut) -> None:
            self.intents.finished("add")
            self._show_member(dict(member))
            for field in FIELDS[:-1]:
                self.query_one(f"#add-{field}", Input).value = ""
            self.show_status(
                _("points.add_member.done", id=member["id"], card=member["card"]), "ok"
            )
            self.query_one("#add-name", Input).focus()

        self.call_api(
            "add",
            lambda: PointsApi(self.client).create_member(body, action),
            added,
            failed=self._failed,
            write=True,
        )

    def _refuse(self, field: str, problem: str) -> None:
        widget = self.query_one(f"#add-{field}", Input)
        widget.add_class("-invalid")
        widget.focus()
        self.show_status(
            _(
                "points.add_member.invalid",
                field=_(f"points.add_member.{field}"),
                problem=_(f"points.add_member.problem.{problem}"),
            ),
            "error",
        )

    def _failed(self, failure: Failure) -> str | None:
        details = failure.details if isinstance(failure.details, dict) else {}
        if failure.code in DUPLICATES and details.get("member_id"):
            self.intents.finished("add")  # the refusal is final: a changed form is a new intent
            self._point_at(str(details["member_id"]), failure.code or "")
            return ""
        if failure.code == "member_field_invalid" and details.get("field") in FIELDS:
            self._refuse(str(details["field"]), "server")
            return ""
        if failure.code == "institution_not_found":
            self._refuse("institution", "institution_unknown")
            return ""
        return None

    def _point_at(self, member_id: str, code: str) -> None:
        """The member who already has this mobile, card or ID, masked as the server shows them."""
        field = "id_number" if code == "member_duplicate_id" else "mobile"
        self.query_one(f"#add-{field}", Input).add_class("-invalid")
        said = _(f"points.add_member.{code}", id=member_id)

        def found(ledger: Any) -> None:
            self._show_member(ledger["member"])
            self.show_status(said, "error")

        self.show_status(said, "error")
        self.call_api("existing", lambda: PointsApi(self.client).ledger(member_id), found)

    def _show_member(self, member: dict[str, Any]) -> None:
        self.shown_member = member
        self.query_one("#add-member", Static).update(Text(member_lines(member)))
        self.refresh_bindings()

    def can(self, action: str) -> bool:
        if action == "detail":
            return self.shown_member is not None
        return True

    def action_detail(self) -> None:
        from branchdesk.screens.points.detail import PointsDetailScreen

        if self.shown_member is not None:
            self.app.push_screen(PointsDetailScreen(cast("MemberOut", self.shown_member)))
