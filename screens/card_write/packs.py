"""Account opening, step 7: optional packs (可选包), none or up to three."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import SelectionList, Static

from branchdesk.screens.card_write.names import local_name
from branchdesk.screens.card_write.steps import Draft, FormStepScreen
from branchdesk.tui.i18n import _
from branchdesk.tui.widgets import StatusLine

if TYPE_CHECKING:
    from branchdesk.clients.models import OfferOut


class AccountPacksScreen(FormStepScreen):
    TITLE_KEY = "cw.packs.title"
    STEP = "packs"
    BINDINGS = [
        Binding("f5", "next", "cw.keys.next", id="account_packs.next", priority=True),
    ]
    DEFAULT_CSS = """
    AccountPacksScreen #cw-packs { height: auto; max-height: 8; margin: 0 1; }
    AccountPacksScreen .cw-line { padding: 0 1; }
    """

    def __init__(self, draft: Draft, offer: OfferOut | None) -> None:
        super().__init__(draft)
        self.offer = offer

    def compose_body(self) -> ComposeResult:
        yield Static(_("cw.packs.title"), classes="title")
        packs = self.offer["packs"] if self.offer else []
        yield SelectionList[str](
            *[(_("cw.packs.line", name=local_name(p), fee=p["fee"]), p["id"]) for p in packs],
            id="cw-packs",
        )
        yield Static(_("cw.packs.hint"), classes="cw-line")
        yield StatusLine(id="cw-packs-status")

    def on_mount(self) -> None:
        self.query_one("#cw-packs", SelectionList).focus()

    def action_next(self) -> None:
        from branchdesk.screens.card_write.activity import AccountActivityScreen

        chosen = list(self.query_one("#cw-packs", SelectionList).selected)
        draft = {**self.draft, "pack_ids": chosen}
        self.checked(draft, lambda _result: AccountActivityScreen(draft, self.offer))
