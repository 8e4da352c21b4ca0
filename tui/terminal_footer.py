"""The Footer every screen shows, made to fit an 80-column terminal.

A key cut off at the right edge is a key a clerk does not know about. When a screen's keys are
wider than the terminal, the Footer first switches to Textual's compact style (one column less
per key); if that is still too wide it leaves out keys from the right, never F1 (which lists
every key of the screen) nor the command palette. A screen that fits keeps the usual spacing.
"""

from __future__ import annotations

from textual import events
from textual.geometry import Size
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

PINNED_ACTIONS = ("show_keys", "command_palette")


def _pinned(key: FooterKey) -> bool:
    return key.action.rpartition(".")[2] in PINNED_ACTIONS or key.has_class("-command-palette")


class FittingFooter(Footer):
    def watch_virtual_size(self, size: Size) -> None:
        self._fit()

    def on_resize(self, event: events.Resize) -> None:
        self._fit()

    @property
    def overflows(self) -> bool:
        return self.virtual_size.width > self.size.width > 0

    @property
    def left_out(self) -> list[FooterKey]:
        return [key for key in self.query(FooterKey) if not key.display]

    def _fit(self) -> None:
        if not self.overflows:
            return
        if not self.compact:
            self.compact = True
            return
        # One key per layout pass: the next virtual size tells whether it fits now.
        for key in reversed(list(self.query(FooterKey))):
            if key.display and not _pinned(key):
                key.display = False
                return
