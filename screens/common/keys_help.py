"""F1: the keys of the current screen, with what each does."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from branchdesk.screens.common.base import BaseModal
from branchdesk.tui.i18n import _
from branchdesk.tui.keys import translate_bindings
from branchdesk.tui.tables import DataTable


class KeysHelpScreen(BaseModal, keys="keys"):
    def __init__(self, screen_title: str, rows: list[tuple[str, str]]) -> None:
        super().__init__()
        self.screen_title = screen_title
        self.rows = rows

    @classmethod
    def for_screen(cls, screen: object, title: str) -> KeysHelpScreen:
        bindings = translate_bindings(screen.active_bindings)  # type: ignore[attr-defined]
        screen_rows: list[tuple[str, str]] = []
        app_rows: list[tuple[str, str]] = []
        seen: set[str] = set()
        for key, active in bindings.items():
            binding = active.binding
            # Only the app's own keys (each has an id); Textual's (copy, scrolling) have none.
            if not binding.description or not binding.id or binding.system or key in seen:
                continue
            if active.enabled is False:
                continue
            seen.add(key)
            display = binding.key_display or screen.app.get_key_display(binding)  # type: ignore[attr-defined]
            group = app_rows if binding.id.startswith("app.") else screen_rows
            group.append((display, binding.description))
        rows: list[tuple[str, str]] = []
        if screen_rows:
            rows += [(f"— {_('keys_help.group_screen')}", ""), *screen_rows]
        if app_rows:
            rows += [(f"— {_('keys_help.group_app')}", ""), *app_rows]
        return cls(title, rows)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_("keys_help.title", screen=self.screen_title), classes="title")
            table: DataTable[str] = DataTable(cursor_type="row", zebra_stripes=True)
            table.add_columns(_("keys_help.key"), _("keys_help.action"))
            for row in self.rows:
                table.add_row(*row)
            yield table
            yield Static(_("keys_help.hint"))
