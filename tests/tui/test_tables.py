"""List tables turn a page at a time on a slow link, and scroll row by row otherwise."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult

from branchdesk.tui.options import AppOptions
from branchdesk.tui.tables import DataTable


class TableApp(App[None]):
    def __init__(self, slow_link: bool) -> None:
        super().__init__()
        self.options = AppOptions(slow_link=slow_link)

    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.styles.height = 11  # header + 10 rows
        table.add_column("n")
        table.add_rows([(str(i),) for i in range(100)])
        table.focus()


@pytest.mark.parametrize(("slow_link", "after_11", "after_21"), [(False, 1, 11), (True, 10, 20)])
async def test_scrolling(slow_link: bool, after_11: int, after_21: int) -> None:
    app = TableApp(slow_link)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(DataTable)
        await pilot.press(*["down"] * 10)
        assert table.cursor_row == 10
        assert table.scroll_y == after_11
        await pilot.press(*["down"] * 10)
        assert table.scroll_y == after_21
        # Up past the top edge: the row becomes the last visible one on a slow link.
        top = int(table.scroll_y)
        await pilot.press(*["up"] * (20 - top + 1))
        assert table.cursor_row == top - 1
        if slow_link:
            assert table.scroll_y == top - 10
        else:
            assert table.scroll_y == top - 1
