"""A form's field errors, each in its own line under the field it is about."""

from __future__ import annotations

from collections.abc import Iterable

from textual.screen import Screen
from textual.widgets import Static


def show_field_errors(
    screen: Screen[object],
    fields: Iterable[str],
    errors: dict[str, str],
    *,
    field_id: str,
    error_id: str,
) -> None:
    """Show ``errors`` (field → message) in the error lines of ``fields``, hide the other lines,
    and focus the first field in error. ``field_id`` and ``error_id`` make the widget ids of a
    field and of its error line from the field's name (``"cw-{}"``, ``"cw-err-{}"``)."""
    fields = list(fields)
    for field in fields:
        widget = screen.query_one(f"#{error_id.format(field)}", Static)
        widget.update(errors.get(field, ""))
        widget.display = field in errors
    if errors:
        first = next(f for f in fields if f in errors)
        screen.query_one(f"#{field_id.format(first)}").focus()
