"""An unexpected error: what to tell support (a reference number in the log); the app goes on."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from branchdesk.screens.common.plain_modal import PlainModal
from branchdesk.tui.i18n import _


class ErrorPanel(PlainModal, keys="error_panel"):
    def __init__(self, reference: str) -> None:
        super().__init__()
        self.reference = reference

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_("error_panel.title"), classes="title")
            yield Static(_("error_panel.body", ref=self.reference), id="error-ref")
            yield Static(_("error_panel.hint"))
