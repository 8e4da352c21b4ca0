"""Confirm an irreversible or shared-state action, saying what will happen.

``screen.confirm(title, lines, then)``: Enter or ``y`` confirms (``then()`` runs), Esc or ``n``
cancels and nothing happens. The lines name what is affected: the member, the points, the
cards, who else is affected.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from branchdesk.screens.common.plain_modal import PlainModal
from branchdesk.tui.i18n import _


class ConfirmModal(PlainModal, keys="confirm"):
    """Dismisses with True (Enter, y) or None (Esc, n)."""

    def __init__(self, title: str, lines: Iterable[str], confirm: str | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.lines = list(lines)
        self.confirm_text = confirm

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(self.title_text, id="confirm-title", classes="title")
            yield Static(Text("\n".join(self.lines)), id="confirm-detail")
            hint = _("confirm.hint", action=self.confirm_text or _("confirm.keys.yes"))
            yield Static(hint, id="confirm-hint")

    def action_confirm(self) -> None:
        self.dismiss(True)
