"""Steps of the account-opening screens that several Pilot tests go through the same way."""

from __future__ import annotations

from typing import Any

from textual.widgets import OptionList

from branchdesk.screens.card_write.account import AccountInfoScreen
from branchdesk.screens.card_write.number import AccountNumberScreen
from support.tui import wait_for


async def take_the_first_number(pilot: Any) -> None:
    """The number step: once the free numbers are listed, the first is taken; returns on the
    account info step that follows."""
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, AccountNumberScreen))
    numbers = app.screen.query_one("#cw-numbers", OptionList)
    await wait_for(pilot, lambda: numbers.option_count > 0)
    await pilot.press("down", "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, AccountInfoScreen))
