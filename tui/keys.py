"""Key bindings whose descriptions are catalog keys, translated when the Footer draws them."""

from __future__ import annotations

import dataclasses
from typing import Any

from textual.binding import ActiveBinding
from textual.screen import Screen

from branchdesk.tui import keymap
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
    """Mixin base for every screen: Footer and key help show descriptions in the UI language.

    A screen names its table of ``keymap.toml`` in its class statement,
    ``class SimStockScreen(BaseScreen, keys="sim_stock")``: its ``BINDINGS`` are that table's.
    """

    def __init_subclass__(cls, keys: str | None = None, **kwargs: Any) -> None:
        if keys is not None:
            # Before Textual's own __init_subclass__, which merges the BINDINGS of the class.
            cls.BINDINGS = keymap.bindings(keys)
        super().__init_subclass__(**kwargs)

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        # The Footer draws only the shown ones; F1 translates the rest when it is opened.
        active = super().active_bindings
        if self.app._keymap:
            active = in_keymap_order(active)
        return translate_bindings(active, shown_only=True)


def in_keymap_order(bindings: dict[str, ActiveBinding]) -> dict[str, ActiveBinding]:
    """A remapped key keeps its place in the Footer and F1 (Textual moves it to the end).

    The bindings of each keymap table are put back in the table's order, in the slots the table
    has; a table's place among the others and bindings without a keymap id stay where they are.
    """
    known = keymap.entries_by_id()
    order = {entry_id: i for i, entry_id in enumerate(known)}
    items = list(bindings.items())
    slots = [i for i, (_key, active) in enumerate(items) if active.binding.id in known]
    first: dict[str, int] = {}
    for i in slots:
        first.setdefault(keymap.table_of(str(items[i][1].binding.id)), i)
    ranked = sorted(
        (items[i] for i in slots),
        key=lambda item: (
            first[keymap.table_of(str(item[1].binding.id))],
            order[str(item[1].binding.id)],
        ),
    )
    for slot, item in zip(slots, ranked, strict=True):
        items[slot] = item
    return dict(items)
