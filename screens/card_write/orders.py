"""Open account orders of this clerk: resume one whose card steps are not finished
(for example after a pulled card, or after the app was closed mid-way)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.widgets import Static

from branchdesk.clients.card_write_api import CardWriteApi
from branchdesk.screens.common.base import BaseScreen
from branchdesk.screens.common.columns import add_columns
from branchdesk.tui.i18n import _
from branchdesk.tui.tables import DataTable
from branchdesk.tui.widgets import StatusLine

if TYPE_CHECKING:
    from branchdesk.clients.models import OrderOut


def _cells(order: OrderOut) -> tuple[str, ...]:
    return (
        order["id"],
        order["msisdn"],
        order["customer"]["name"],
        _(f"cw.state.{order['state']}"),
    )


class AccountOrdersScreen(BaseScreen, title="cw.orders.title"):
    def __init__(self) -> None:
        super().__init__()
        self.orders: dict[str, OrderOut] = {}

    def compose_body(self) -> ComposeResult:
        yield Static(_("cw.orders.title"), classes="title")
        yield Static(_("cw.orders.hint"))
        yield DataTable(id="cw-orders", cursor_type="row", zebra_stripes=True)
        yield StatusLine(id="cw-orders-status")

    def on_mount(self) -> None:
        table = self.query_one("#cw-orders", DataTable)
        add_columns(table, "cw.orders.col", ("id", "msisdn", "customer", "state"))
        table.focus()

    def on_screen_resume(self) -> None:
        self._load()

    def _load(self) -> None:
        self.call_api("orders", CardWriteApi(self.client).orders, self._show)

    def _show(self, orders: list[OrderOut]) -> None:
        status = self.query_one("#cw-orders-status", StatusLine)
        self.orders = self.query_one("#cw-orders", DataTable).show_rows(orders, _cells)
        status.show(_("cw.orders.none") if not orders else "")

    @on(DataTable.RowSelected, "#cw-orders")
    def _resume(self, event: DataTable.RowSelected) -> None:
        from branchdesk.screens.card_write.write import CardWriteScreen

        order = self.orders.get(str(event.row_key.value))
        if order is not None:
            self.app.push_screen(CardWriteScreen(order.copy()))
