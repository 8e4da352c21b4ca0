"""Marketer: own customers (supervisor: the branch), search-as-you-type, onboarding progress."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Input, Select

from branchdesk.clients.onboarding_api import PENDING_PREFIX, OnboardingApi
from branchdesk.screens.common.actions import unreachable_says
from branchdesk.screens.common.base import BaseScreen
from branchdesk.screens.common.columns import add_columns
from branchdesk.screens.onboarding.client import onboarding_api
from branchdesk.screens.onboarding.export import write_area
from branchdesk.tui.i18n import _
from branchdesk.tui.tables import DataTable
from branchdesk.tui.widgets import StatusLine

PAGE = 200


class CustomersScreen(BaseScreen, keys="onb.customers", title="onb.customers.title"):
    def compose_body(self) -> ComposeResult:
        with Horizontal(id="onb-filter"):
            yield Input(
                id="onb-search",
                placeholder=_("onb.customers.search_hint"),
                max_length=100,
                compact=True,
            )
            yield Select([], id="onb-area", prompt=_("onb.customers.all_areas"), compact=True)
        yield DataTable(id="onb-table", cursor_type="row", zebra_stripes=True)
        yield StatusLine(id="onb-status")

    def on_mount(self) -> None:
        table = self.query_one("#onb-table", DataTable)
        add_columns(
            table,
            "onb.customers.col",
            (("name", 14), ("area", 6), ("mobile", 12), ("licence", 14), ("progress", 8)),
        )
        self.query_one("#onb-search", Input).focus()
        self._load_areas()
        self.refresh_list()

    _covered = False

    def on_screen_suspend(self) -> None:
        self._covered = True

    def on_screen_resume(self) -> None:
        # Back from a checklist, a form or the sync screen (Esc pops without a result):
        # what changed there shows here at once, not at the next search.
        if self._covered:
            self._covered = False
            self.refresh_list()

    @property
    def api(self) -> OnboardingApi:
        return onboarding_api(self)

    def _load_areas(self) -> None:
        def loaded(areas: list[str]) -> None:
            self.query_one("#onb-area", Select).set_options([(a, a) for a in areas])

        self.call_api("areas", self.api.areas, loaded, quiet=True)

    def _area(self) -> str | None:
        value = self.query_one("#onb-area", Select).value
        return value if isinstance(value, str) else None

    @on(Input.Changed, "#onb-search")
    @on(Select.Changed, "#onb-area")
    def refresh_list(self) -> None:
        self._search(self.query_one("#onb-search", Input).value, self._area())

    def _search(self, q: str, area: str | None) -> None:
        # The rows of another search go first: Enter must not open one of them.
        if getattr(self, "_shown_query", None) != (q, area):
            self.query_one("#onb-table", DataTable).clear()
        self._shown_query = (q, area)
        self.call_api(
            "search",
            lambda: self.api.search(q=q, area=area, limit=PAGE),
            self._show_page,
            failed=unreachable_says("onb.offline_list"),
        )

    def _show_page(self, page: Any) -> None:
        status = self.query_one("#onb-status", StatusLine)
        table = self.query_one("#onb-table", DataTable)
        table.clear()
        for c in page["items"]:
            if c["id"].startswith(PENDING_PREFIX):
                progress = _("onb.customers.pending_new")
            else:
                progress = f"{c['progress_done']}/{c['progress_required']}"
                if c.get("pending"):
                    progress += " ⇅"  # a change of this customer waits for sync
            table.add_row(c["name"], c["area"], c["mobile"], c["licence_no"], progress, key=c["id"])
        shown = len(page["items"])
        key = "onb.customers.offline_count" if page.get("offline") else "onb.customers.count"
        status.show(
            _(key, shown=shown, total=page["total"]), "error" if page.get("offline") else "info"
        )

    def _selected_id(self) -> str | None:
        table = self.query_one("#onb-table", DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def action_move(self, step: int) -> None:
        table = self.query_one("#onb-table", DataTable)
        if table.row_count:
            table.move_cursor(row=max(0, min(table.row_count - 1, table.cursor_row + step)))

    @on(Input.Submitted, "#onb-search")
    @on(DataTable.RowSelected, "#onb-table")
    def open_selected(self) -> None:
        # A customer created offline opens too: its checklist and edits wait with it for sync.
        from branchdesk.screens.onboarding.checklist import ChecklistScreen

        self._push_for_selected(ChecklistScreen)

    def action_new(self) -> None:
        from branchdesk.screens.onboarding.customer_form import CustomerFormScreen

        self.app.push_screen(CustomerFormScreen())

    def action_edit(self) -> None:
        from branchdesk.screens.onboarding.customer_form import CustomerFormScreen

        self._push_for_selected(CustomerFormScreen)

    def _push_for_selected(self, screen: Callable[[str], Screen[Any]]) -> None:
        customer_id = self._selected_id()
        if customer_id is not None:
            self.app.push_screen(screen(customer_id))

    def action_sync(self) -> None:
        from branchdesk.screens.onboarding.sync import SyncScreen

        self.app.push_screen(SyncScreen())

    def action_export_area(self) -> None:
        area = self._area()
        if area is None:
            self.query_one("#onb-status", StatusLine).show(_("onb.export.choose_area"), "error")
            self.query_one("#onb-area", Select).focus()
            return
        self._export_area(area)

    def _export_area(self, area: str) -> None:
        self.show_status(_("onb.export.working"))

        def write(rows: Any) -> None:
            try:
                path = write_area(area, rows)
            except OSError as exc:
                self.show_status(_("onb.export.failed", reason=str(exc)), "error")
                return
            self.show_status(_("onb.export.area_done", n=len(rows), path=str(path)), "ok")

        self.call_api(
            "export_area",
            lambda: self.api.area_export(area),
            write,
            failed=unreachable_says("onb.offline_export"),
        )
