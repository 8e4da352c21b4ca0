"""A table of applications (the clerk's board, the merchant's orders) with the one under the
cursor in full below it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.widgets import Static

from branchdesk.screens.common.base import BaseScreen
from branchdesk.screens.common.columns import cursor_key
from branchdesk.tui.tables import DataTable

if TYPE_CHECKING:
    from branchdesk.clients.models import ApplicationOut


class ApplicationTableScreen(BaseScreen):
    """``#<table>-table`` lists ``applications``; ``#<table>-detail`` shows ``detail()`` of the
    highlighted one (of None when there is none). ``table=`` in the class statement names them.
    """

    TABLE: ClassVar[str]

    def __init_subclass__(cls, table: str | None = None, **kwargs: Any) -> None:
        if table is not None:
            cls.TABLE = table
        super().__init_subclass__(**kwargs)

    def __init__(self) -> None:
        super().__init__()
        self.applications: list[ApplicationOut] = []

    def detail(self, application: ApplicationOut | None) -> Text | str:
        raise NotImplementedError

    def selected(self) -> ApplicationOut | None:
        selected = cursor_key(self.query_one(f"#{self.TABLE}-table", DataTable))
        return next((a for a in self.applications if a["id"] == selected), None)

    @on(DataTable.RowHighlighted)
    def _detail(self) -> None:
        self.query_one(f"#{self.TABLE}-detail", Static).update(self.detail(self.selected()))
