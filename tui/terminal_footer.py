"""The Footer every screen shows, made to fit the terminal's width (80 columns at least).

A key cut off at the right edge is a key a clerk does not know about. The Footer decides what it
shows when it composes, from the width of each key's text, so every frame fits — whatever
keys a screen shows once its data has loaded, in every language. When a screen's keys are wider
than the terminal it uses Textual's compact style (less space per key); if that is still too
wide it leaves out keys from the right, never F1 (which lists every key of the screen) nor the
command palette. A screen that fits keeps the usual spacing.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

PINNED_ACTIONS = ("show_keys", "command_palette")


@dataclass(frozen=True)
class _Key:
    key: str
    display: str
    description: str
    action: str
    enabled: bool
    tooltip: str
    palette: bool = False

    @property
    def pinned(self) -> bool:
        return self.palette or self.action.rpartition(".")[2] in PINNED_ACTIONS

    def width(self, compact: bool) -> int:
        """Columns the key takes in the Footer, from Textual's Footer and FooterKey styles."""
        text = cell_len(self.display)
        if self.palette:
            # Always drawn compact ("key description"), a left border and one column of
            # padding (normal footer) or margin (compact footer) on the right.
            return text + (1 + cell_len(self.description) if self.description else 0) + 2
        if compact:
            # "key description" and a margin of one column.
            return text + (1 + cell_len(self.description) if self.description else 0) + 1
        # " key " then "description " (no padding at all when there is no description).
        return text + (2 + cell_len(self.description) + 1 if self.description else 0)


def fit(keys: list[_Key], width: int) -> tuple[bool, list[_Key]]:
    """(compact?, the keys to show) so that the keys take at most ``width`` columns."""
    if sum(k.width(False) for k in keys) <= width:
        return False, keys
    shown = list(keys)
    for key in reversed(keys):
        if sum(k.width(True) for k in shown) <= width:
            break
        if not key.pinned:
            shown.remove(key)
    return True, shown


class FittingFooter(Footer):
    _pending = False
    _shown: tuple[object, ...] | None = None
    _width = 0

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
        if not self.is_attached:
            return  # its screen was closed (Esc) before this refresh came round
        if self._signature() != self._shown:
            await self.recompose()

    def _signature(self) -> tuple[object, ...]:
        return (self._available(),) + tuple(
            (key, active.binding.action, active.binding.description, active.enabled)
            for key, active in self.screen.active_bindings.items()
            if active.binding.show or key == self.app.COMMAND_PALETTE_BINDING
        )

    def _available(self) -> int:
        return self.size.width or self.screen.size.width or self.app.size.width

    def _keys(self) -> list[_Key]:
        """What Textual's Footer would show: one key per action, then the palette key."""
        keys: dict[str, _Key] = {}
        palette: _Key | None = None
        for key, (_node, binding, enabled, tooltip) in self.screen.active_bindings.items():
            if key == self.app.COMMAND_PALETTE_BINDING:
                if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
                    palette = _Key(
                        binding.key,
                        self.app.get_key_display(binding),
                        binding.description,
                        binding.action,
                        enabled,
                        binding.tooltip or binding.description,
                        palette=True,
                    )
                continue
            if binding.show and binding.action not in keys:
                keys[binding.action] = _Key(
                    binding.key,
                    self.app.get_key_display(binding),
                    binding.description,
                    binding.action,
                    enabled,
                    tooltip,
                )
        return [*keys.values(), *([palette] if palette else [])]

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        self._shown = self._signature()
        compact, shown = fit(self._keys(), self._available())
        self.set_reactive(Footer.compact, compact)
        self.set_class(compact, "-compact")
        for key in shown:
            widget = FooterKey(
                key.key,
                key.display,
                key.description,
                key.action,
                disabled=not key.enabled,
                tooltip=key.tooltip,
                classes="-command-palette" if key.palette else "",
            )
            yield widget if key.palette else widget.data_bind(compact=Footer.compact)

    def on_resize(self, event: events.Resize) -> None:
        if self._bindings_ready and self.is_attached and self._signature() != self._shown:
            self.call_after_refresh(self._rebuild)

    @property
    def overflows(self) -> bool:
        return self.virtual_size.width > self.size.width > 0

    @property
    def left_out(self) -> list[str]:
        """Actions of the keys the Footer has no room for (F1 lists them)."""
        shown = {key.action for key in self.query(FooterKey)}
        return [key.action for key in self._keys() if key.action not in shown]
