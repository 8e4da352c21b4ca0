"""The Footer every screen shows, made to fit an 80-column terminal.

A key cut off at the right edge is a key a clerk does not know about. When a screen's keys are
wider than the terminal, the Footer first switches to Textual's compact style (one column less
per key); if that is still too wide it leaves out keys from the right, never F1 (which lists
every key of the screen) nor the command palette. A screen that fits keeps the usual spacing.
"""

from __future__ import annotations

from textual import events
from textual.geometry import Size
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

PINNED_ACTIONS = ("show_keys", "command_palette")


def _pinned(key: FooterKey) -> bool:
    return key.action.rpartition(".")[2] in PINNED_ACTIONS or key.has_class("-command-palette")


class FittingFooter(Footer):
    _pending = False
    _shown: tuple[object, ...] | None = None

    def bindings_changed(self, screen: Screen[object]) -> None:
        # Textual rebuilds every key widget on each change; moving focus between fields changes
        # no shown key, so rebuild only when what the Footer shows differs, and at most once
        # per refresh. That matters for the first frame and for bytes sent over slow links.
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if not self._pending and self._signature() != self._shown:
            self._pending = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._pending = False
        shown = self._signature()
        if shown != self._shown:
            self._shown = shown
            await self.recompose()

    def _signature(self) -> tuple[object, ...]:
        return tuple(
            (key, active.binding.action, active.binding.description, active.enabled)
            for key, active in self.screen.active_bindings.items()
            if active.binding.show or key == self.app.COMMAND_PALETTE_BINDING
        )

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
