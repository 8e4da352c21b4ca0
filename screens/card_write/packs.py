"""Account opening, step 7: optional packs (可选包), none or up to three."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import SelectionList, Static

from branchdesk.screens.card_write.names import offer_line
from branchdesk.screens.card_write.steps import Draft, FormStepScreen
from branchdesk.tui.i18n import _

if TYPE_CHECKING:
    from branchdesk.clients.models import DraftOut
    from branchdesk.screens.card_write.activity import AccountActivityScreen


class AccountPacksScreen(
    FormStepScreen, keys="account_packs", title="cw.packs.title", step="packs"
):
    def compose_step(self) -> ComposeResult:
        packs = self.offer["packs"] if self.offer else []
        chosen = self.draft["pack_ids"]
        yield SelectionList[str](
            *[
                (offer_line("cw.packs.line", p, fee="fee"), p["id"], p["id"] in chosen)
                for p in packs
            ],
            id="cw-packs",
        )
        yield Static(_("cw.packs.hint"), classes="cw-line")

    def on_mount(self) -> None:
        self.query_one("#cw-packs", SelectionList).focus()

    def action_next(self) -> None:
        self.passed({"pack_ids": list(self.query_one("#cw-packs", SelectionList).selected)})

    def following(self, draft: Draft, saved: DraftOut) -> AccountActivityScreen:
        from branchdesk.screens.card_write.activity import AccountActivityScreen

        return AccountActivityScreen(draft, self.offer)
