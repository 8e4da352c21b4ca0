"""Account opening, step 8: the activity (活动) the customer joins, or none."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from branchdesk.screens.card_write.names import offer_line
from branchdesk.screens.card_write.steps import Draft, FormStepScreen
from branchdesk.tui.i18n import _

if TYPE_CHECKING:
    from branchdesk.clients.models import DraftOut
    from branchdesk.screens.card_write.summary import AccountSummaryScreen


class AccountActivityScreen(
    FormStepScreen, keys="account_activity", title="cw.activity.title", step="activity"
):
    def compose_step(self) -> ComposeResult:
        activities = self.offer["activities"] if self.offer else []
        yield OptionList(
            *[
                Option(
                    offer_line("cw.activity.line", a, deposit="deposit", min="min_fee"), id=a["id"]
                )
                for a in activities
            ],
            id="cw-activities",
        )
        yield Static(_("cw.activity.hint"), classes="cw-line")

    def on_mount(self) -> None:
        options = self.query_one("#cw-activities", OptionList)
        if options.option_count:
            chosen = self.draft["activity_id"]
            options.highlighted = options.get_option_index(chosen) if chosen in self.ids() else 0
        options.focus()

    def ids(self) -> list[str]:
        return [a["id"] for a in self.offer["activities"]] if self.offer else []

    def on_option_list_option_selected(self, _event: OptionList.OptionSelected) -> None:
        self.action_next()

    def action_next(self) -> None:
        options = self.query_one("#cw-activities", OptionList)
        index = options.highlighted
        activity = options.get_option_at_index(index).id if index is not None else None
        self.passed({"activity_id": activity})

    def following(self, draft: Draft, saved: DraftOut) -> AccountSummaryScreen:
        from branchdesk.screens.card_write.summary import AccountSummaryScreen

        return AccountSummaryScreen(draft, self.offer, saved["fees"])
