"""Yes/no before a batch is committed ("批量领卡成功,确认正式提交?")."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from branchdesk.screens.common.base import BaseModal
from branchdesk.tui.i18n import _


class SimConfirmModal(BaseModal):
    """Dismisses with True (submit) or None (Esc, or No)."""

    BINDINGS = [
        Binding("y", "yes", "sim.keys.yes", id="sim_confirm.yes"),
        Binding("n", "dismiss_modal", "sim.keys.no", id="sim_confirm.no"),
    ]
    DEFAULT_CSS = """
    SimConfirmModal { align: center middle; }
    SimConfirmModal #confirm-box {
        width: 64; max-width: 100%; height: auto; border: thick $warning; padding: 0 1;
    }
    SimConfirmModal #confirm-buttons { height: auto; align: center middle; }
    SimConfirmModal Button { margin: 0 1; }
    """

    def __init__(self, question: str, detail: str) -> None:
        super().__init__()
        self.question = question
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(self.question, id="confirm-question", classes="title")
            yield Static(self.detail, id="confirm-detail")
            with Horizontal(id="confirm-buttons"):
                yield Button(_("sim.confirm.yes"), id="confirm-yes", variant="warning")
                yield Button(_("sim.confirm.no"), id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    def action_yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def _no(self) -> None:
        self.dismiss(None)
