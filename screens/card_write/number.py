"""Account opening, step 3: a number from the pool, searched by its ending."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from branchdesk.screens.card_write.steps import Draft, FormStepScreen
from branchdesk.tui.i18n import _
from branchdesk.tui.widgets import FieldInput

if TYPE_CHECKING:
    from branchdesk.clients.models import DraftOut
    from branchdesk.screens.card_write.account import AccountInfoScreen


class AccountNumberScreen(FormStepScreen, keys="cw_number", title="cw.number.title", step="number"):
    def compose_step(self) -> ComposeResult:
        with Horizontal(id="cw-number-row"):
            yield Label(_("cw.number.digits"))
            yield FieldInput(
                id="cw-digits",
                value=self.draft["msisdn"] or "",  # a resumed form: the number chosen
                max_length=11,
                numeric="0-9",
                compact=True,
            )
        yield Static(_("cw.number.hint"))
        yield OptionList(id="cw-numbers")

    def on_mount(self) -> None:
        digits = self.query_one("#cw-digits", Input)
        digits.focus()
        self._search(digits.value)

    @on(Input.Submitted, "#cw-digits")
    def _digits(self, event: Input.Submitted) -> None:
        self._search(event.value.strip())

    def _search(self, digits: str) -> None:
        options = self.query_one("#cw-numbers", OptionList)
        options.clear_options()  # the numbers of another ending go first
        self.show_status(_("cw.number.loading"))

        def found(numbers: list[str]) -> None:
            options.clear_options()
            options.add_options([Option(n, id=n) for n in numbers])
            if numbers:
                self.show_status(_("cw.number.found", n=len(numbers)), "ok")
                options.highlighted = 0
                # Focus stays where the user types: Down moves to the list.
            else:
                self.show_status(_("cw.number.none"), "error")

        self.call_api("numbers", lambda: self.api.numbers(digits or None, limit=50), found)

    def action_to_list(self) -> None:
        options = self.query_one("#cw-numbers", OptionList)
        if options.option_count:
            options.focus()

    @on(OptionList.OptionSelected, "#cw-numbers")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.passed({"msisdn": event.option.id or ""})

    def following(self, draft: Draft, saved: DraftOut) -> AccountInfoScreen:
        from branchdesk.screens.card_write.account import AccountInfoScreen

        return AccountInfoScreen(draft)
