"""Tables of the list screens: columns as wide as their widest cell, the row under the cursor."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable

from branchdesk.tui.i18n import _

Column = str | tuple[str, int]
"""A column's name, or its name and fixed width."""


def add_columns(table: DataTable[Any], prefix: str, columns: Iterable[Column]) -> None:
    """Add ``columns`` to ``table``, each keyed by its name and headed by the catalog text
    ``<prefix>.<name>``."""
    for column in columns:
        key, width = (column, None) if isinstance(column, str) else column
        table.add_column(_(f"{prefix}.{key}"), key=key, width=width)


def fill_to_widest(
    table: DataTable[Text], headers: Sequence[str], rows: Sequence[Sequence[str]]
) -> None:
    """Replace the table's columns and rows, each column as wide as its widest cell (CJK
    counts double): at 80 columns the table scrolls sideways (←/→) rather than cut a number
    so that it still looks valid."""
    table.clear(columns=True)
    for index, header in enumerate(headers):
        table.add_column(header, width=max([cell_len(header), *(cell_len(r[index]) for r in rows)]))
    for cells in rows:
        table.add_row(*(Text(c) for c in cells))


def cursor_key(table: DataTable[object]) -> str | None:
    """The key of the row under the cursor; None on an empty table."""
    if not table.row_count:
        return None
    row_key, _column = table.coordinate_to_cell_key(table.cursor_coordinate)
    return str(row_key.value)
