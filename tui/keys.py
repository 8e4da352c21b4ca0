"""Key bindings whose descriptions are catalog keys, translated when the Footer draws them."""

from __future__ import annotations

import dataclasses
from typing import Any

from textual.binding import ActiveBinding
from textual.screen import Screen

from branchdesk.tui.i18n import _


def translate_bindings(
    bindings: dict[str, ActiveBinding], shown_only: bool = False
) -> dict[str, ActiveBinding]:
    translated: dict[str, ActiveBinding] = {}
    for key, active in bindings.items():
        binding = active.binding
        # The Footer also draws the command palette key, which is a hidden binding.
        if shown_only and not binding.show and "command_palette" not in binding.action:
            translated[key] = active
            continue
        binding = dataclasses.replace(
            binding,
            description=_(binding.description) if binding.description else "",
            tooltip=_(binding.tooltip) if binding.tooltip else "",
        )
        translated[key] = active._replace(binding=binding, tooltip=binding.tooltip)
    return translated


class TranslatedBindings(Screen[Any]):
    """Mixin base for every screen: Footer and key help show descriptions in the UI language."""

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        # The Footer draws only the shown ones; F1 translates the rest when it is opened.
        return translate_bindings(super().active_bindings, shown_only=True)
