"""Account opening, step 2: the recommender (发展人, a staff ID, optional) and the agent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Static

from branchdesk.screens.card_write.layout import data_line, field_row
from branchdesk.screens.card_write.names import masked_customer
from branchdesk.screens.card_write.steps import Draft, FormStepScreen
from branchdesk.tui.i18n import _
from branchdesk.tui.widgets import FieldInput

if TYPE_CHECKING:
    from branchdesk.clients.models import DraftOut
    from branchdesk.screens.card_write.number import AccountNumberScreen


class AccountRecommenderScreen(
    FormStepScreen, keys="account_recommender", title="cw.recommender.title", step="recommender"
):
    def compose_step(self) -> ComposeResult:
        yield data_line(_("cw.recommender.customer", **masked_customer(self.draft["customer"])))
        yield field_row(
            _("cw.field.recommender"),
            FieldInput(
                id="cw-recommender",
                value=self.draft["recommender_id"] or "",
                max_length=20,
                compact=True,
            ),
        )
        staff = self.bd_app.staff
        yield Static(_("cw.recommender.agent", staff=staff.id if staff else ""), classes="cw-line")
        yield Static(_("cw.recommender.hint"), classes="cw-line")

    def on_mount(self) -> None:
        self.query_one("#cw-recommender", Input).focus()

    @on(Input.Submitted, "#cw-recommender")
    def _submitted(self) -> None:
        self.action_next()

    def action_next(self) -> None:
        recommender = self.query_one("#cw-recommender", Input).value.strip() or None
        self.passed({"recommender_id": recommender})

    def following(self, draft: Draft, saved: DraftOut) -> AccountNumberScreen:
        from branchdesk.screens.card_write.number import AccountNumberScreen

        return AccountNumberScreen(draft)
