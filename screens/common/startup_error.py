"""Why the app cannot start (store locked or damaged, bad backend URL), and what to do."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Footer, Static

from branchdesk.screens.common.styles import PackageStyles
from branchdesk.tui.i18n import _
from branchdesk.tui.keys import TranslatedBindings


class StartupErrorScreen(PackageStyles, TranslatedBindings, keys="startup_error"):
    def __init__(self, key: str, params: dict[str, object]) -> None:
        super().__init__()
        self.key = key
        self.params = params

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_("startup.title"), id="startup-error-title")
            yield Static(_(self.key, **self.params), id="startup-error-text")
        yield Footer()
