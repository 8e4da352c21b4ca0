"""Shown instead of a broken layout while the terminal is smaller than 80x24."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center
from textual.screen import ModalScreen
from textual.widgets import Static

from branchdesk.screens.common.styles import PackageStyles
from branchdesk.tui import terminal
from branchdesk.tui.i18n import _

MIN_WIDTH = terminal.MIN_WIDTH
MIN_HEIGHT = terminal.MIN_HEIGHT


class TooSmallScreen(PackageStyles, ModalScreen[None]):
    def compose(self) -> ComposeResult:
        with Center():
            yield Static(id="too-small-text")

    def on_mount(self) -> None:
        self.update_size(self.app.size.width, self.app.size.height)

    def update_size(self, width: int, height: int) -> None:
        self.query_one("#too-small-text", Static).update(
            _(
                "too_small.text",
                width=width,
                height=height,
                min_width=MIN_WIDTH,
                min_height=MIN_HEIGHT,
            )
        )
