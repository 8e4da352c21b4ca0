"""Textual's command palette with every text it shows in the UI language."""

from __future__ import annotations

from rich.align import Align
from rich.text import Text
from textual.command import CommandList, CommandPalette
from textual.widgets.option_list import Option

from branchdesk.tui.i18n import _


class Palette(CommandPalette):
    """The palette whose placeholder and "no matches" line come from the catalog.

    Textual draws "No matches found" itself, in English, from a timer it starts while
    searching; this starts the same timer with the catalog's text.
    """

    def __init__(self) -> None:
        super().__init__(placeholder=_("palette.placeholder"), id="--command-palette")

    def _start_no_matches_countdown(self, search_value: str) -> None:
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(
                        Align.center(Text(_("palette.no_matches"), style="not bold")),
                        disabled=True,
                        id=self._NO_MATCHES,
                    )
                )
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)
