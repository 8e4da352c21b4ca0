"""The DataTable every list screen uses: on a slow link it scrolls a page at a time.

Textual redraws the whole visible table whenever it scrolls. Moving the cursor one row past the
edge therefore costs a full table per key (several KB at 80x24). In slow-link mode the table
turns the page instead, like ``less``: the row that left the view becomes the first (or last)
visible row, so the next screenful of moves only repaints two rows each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from textual.widgets import DataTable as TextualDataTable

from branchdesk.tui import terminal

CellType = TypeVar("CellType")
Item = TypeVar("Item", bound=Mapping[str, Any])


class DataTable(TextualDataTable[CellType]):
    def show_rows(
        self, items: Iterable[Item], cells: Callable[[Item], Iterable[CellType]]
    ) -> dict[str, Item]:
        """Replace the rows by one row per item, keyed by its ``id``; returns the items by id."""
        self.clear()
        shown: dict[str, Item] = {}
        for item in items:
            shown[item["id"]] = item
            self.add_row(*cells(item), key=item["id"])
        return shown

    def _scroll_cursor_into_view(self, animate: bool = False) -> None:
        if self.cursor_type != "row" or not terminal.is_slow_link(self.app):
            super()._scroll_cursor_into_view(animate)
            return
        top = self._get_fixed_offset().top
        region = self._get_row_region(self.cursor_row)
        view_height = self.scrollable_content_region.height
        scroll_y = int(self.scroll_y)
        if region.y + region.height > scroll_y + view_height:
            target = region.y - top
        elif region.y < scroll_y + top:
            target = region.y + region.height - view_height
        else:
            return
        target = max(0, min(target, int(self.max_scroll_y)))
        self.scroll_to(y=target, animate=False, force=True, immediate=True)
