"""The frame every screen shares: header, body, Footer; Esc goes back."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen

from branchdesk.tui.keys import TranslatedBindings
from branchdesk.tui.terminal_footer import FittingFooter
from branchdesk.tui.widgets import AppHeader

if TYPE_CHECKING:
    from branchdesk.clients.api import ApiClient
    from branchdesk.tui.app_protocol import AppProtocol


class BaseScreen(TranslatedBindings):
    BINDINGS = [Binding("escape", "back", "keys.back", id="screen.back")]

    def compose(self) -> ComposeResult:
        yield AppHeader()
        yield from self.compose_body()
        yield FittingFooter()

    def compose_body(self) -> ComposeResult:
        return iter(())

    @property
    def bd_app(self) -> AppProtocol:
        return cast("AppProtocol", self.app)

    @property
    def client(self) -> ApiClient:
        return self.bd_app.client

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Nothing to go back to from the base of a stack (login, home): hide "Esc Back".
        at_base = self.is_current and len(self.app.screen_stack) <= 1
        return not (action == "back" and at_base)


class BaseModal(TranslatedBindings, ModalScreen[object]):
    BINDINGS = [Binding("escape", "dismiss_modal", "keys.close", id="modal.close")]

    def action_dismiss_modal(self) -> None:
        self.dismiss(None)
