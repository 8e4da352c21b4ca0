"""A modal with no API calls of its own (confirmations, the error panel): Esc closes it.

Kept apart from ``base`` so the action mechanism can open these without an import cycle.
"""

from __future__ import annotations

from textual.screen import ModalScreen

from branchdesk.screens.common.styles import PackageStyles
from branchdesk.tui.keys import TranslatedBindings


class PlainModal(PackageStyles, TranslatedBindings, ModalScreen[object], keys="modal"):
    def action_dismiss_modal(self) -> None:
        self.dismiss(None)
