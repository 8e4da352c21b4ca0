"""The small shared pieces screens are built with: field errors under their fields, and
table columns headed from the catalog (``screens/common``)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Input, Static

from branchdesk.screens.common.columns import add_columns
from branchdesk.screens.common.field_errors import show_field_errors
from branchdesk.tui.i18n import _

FIELDS = ("name", "mobile", "address")


class _Form(App[None]):
    def compose(self) -> ComposeResult:
        for field in FIELDS:
            yield Input(id=f"f-{field}")
            yield Static("", id=f"err-{field}")
        yield DataTable(id="table")


def _error(app: _Form, field: str) -> tuple[str, bool]:
    widget = app.screen.query_one(f"#err-{field}", Static)
    return str(widget.render()), widget.display


async def test_field_errors_show_under_their_fields_and_the_first_takes_the_focus() -> None:
    app = _Form()
    async with app.run_test() as pilot:
        app.screen.query_one("#f-name", Input).focus()
        errors = {"address": "Address too long", "mobile": "Not a mobile"}
        show_field_errors(app.screen, FIELDS, errors, field_id="f-{}", error_id="err-{}")
        await pilot.pause()
        assert _error(app, "name") == ("", False)
        assert _error(app, "mobile") == ("Not a mobile", True)
        assert _error(app, "address") == ("Address too long", True)
        # The first in the form's order, not in the errors' order.
        assert app.focused is app.screen.query_one("#f-mobile", Input)

        show_field_errors(app.screen, FIELDS, {}, field_id="f-{}", error_id="err-{}")
        await pilot.pause()
        assert all(_error(app, f) == ("", False) for f in FIELDS)
        assert app.focused is app.screen.query_one("#f-mobile", Input)  # focus left alone


async def test_columns_are_keyed_by_name_headed_from_the_catalog_and_sized_when_asked() -> None:
    app = _Form()
    async with app.run_test():
        table = app.screen.query_one("#table", DataTable)
        add_columns(table, "inst.orders.col", ("id", ("customer", 9), "status"))
        columns = list(table.columns.values())
        assert [c.key.value for c in columns] == ["id", "customer", "status"]
        assert [str(c.label) for c in columns] == [
            _(f"inst.orders.col.{key}") for key in ("id", "customer", "status")
        ]
        assert [c.auto_width for c in columns] == [True, False, True]
        assert columns[1].width == 9
