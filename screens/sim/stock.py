"""Blank SIM card stock (白卡库存): counts per warehouse and agent, and the stock workflows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Static

from branchdesk.clients.sim_api import SimApi
from branchdesk.screens.common.base import BaseScreen
from branchdesk.screens.common.columns import add_columns
from branchdesk.tui.i18n import _, language
from branchdesk.tui.tables import DataTable
from branchdesk.tui.widgets import StatusLine

if TYPE_CHECKING:
    from branchdesk.clients.models import StockOut

TYPES = ("128k_normal", "128k_micro")


def count(counts: dict[str, dict[str, int]], card_type: str, state: str) -> int:
    return counts.get(card_type, {}).get(state, 0)


NAME_WIDTH = 26


class SimStockScreen(BaseScreen, keys="sim_stock", title="sim.stock.title"):
    def compose_body(self) -> ComposeResult:
        yield Static(_("sim.stock.title"), classes="title")
        yield DataTable(id="stock-table", cursor_type="row", zebra_stripes=True)
        yield StatusLine(_("sim.stock.help"), id="stock-status")

    def on_mount(self) -> None:
        table = self.query_one("#stock-table", DataTable)
        # Long English warehouse names are cut so all counts stay visible at 80 columns.
        columns = ("code", ("name", NAME_WIDTH), "normal", "micro", "transfer", "out")
        add_columns(table, "sim.stock.col", columns)
        table.focus()

    def on_screen_resume(self) -> None:
        # Also on first showing: one load, and a fresh one back from the other screens.
        self.action_refresh()

    def action_refresh(self) -> None:
        self.call_api("stock", lambda: SimApi(self.client).stock(), self.show_stock)

    def show_stock(self, stock: StockOut) -> None:
        zh = language() == "zh-CN"
        staff = self.bd_app.staff
        own = staff.dept_id if staff else None
        table = self.query_one("#stock-table", DataTable)
        table.clear()
        # Own department first: that is what the clerk works with.
        warehouses = sorted(stock["warehouses"], key=lambda w: w["dept_id"] != own)
        for w in warehouses:
            c = w["counts"]
            kind = _(f"sim.kind.{w['kind']}")
            name = f"{w['branch_zh'] if zh else w['branch_en']} {kind}"
            table.add_row(
                w["code"],
                name,
                str(count(c, TYPES[0], "in_stock")),
                str(count(c, TYPES[1], "in_stock")),
                str(sum(count(c, t, "in_transfer") for t in TYPES)),
                "",
                key=f"wh:{w['code']}",
            )
        agents = sorted(stock["agents"], key=lambda a: a["dept_id"] != own)
        for a in agents:
            c = a["counts"]
            table.add_row(
                a["id"],
                a["name_zh"] if zh else a["name_en"],
                str(count(c, TYPES[0], "picked_up")),
                str(count(c, TYPES[1], "picked_up")),
                "",
                str(sum(sum(v.values()) for v in c.values())),
                key=f"ag:{a['id']}",
            )
        self.query_one("#stock-status", StatusLine).show(_("sim.stock.help"))

    def action_pickup(self) -> None:
        from branchdesk.screens.sim.batch import SimBatchScreen

        self.app.push_screen(SimBatchScreen("pickup"))

    def action_return(self) -> None:
        from branchdesk.screens.sim.batch import SimBatchScreen

        self.app.push_screen(SimBatchScreen("return"))

    def action_transfer(self) -> None:
        from branchdesk.screens.sim.batch import SimBatchScreen

        self.app.push_screen(SimBatchScreen("transfer"))

    def action_approvals(self) -> None:
        from branchdesk.screens.sim.approvals import SimApprovalsScreen

        self.app.push_screen(SimApprovalsScreen())

    def action_lookup(self) -> None:
        from branchdesk.screens.sim.card import SimCardScreen

        self.app.push_screen(SimCardScreen())

    def action_batches(self) -> None:
        from branchdesk.screens.sim.batches import SimBatchesScreen

        self.app.push_screen(SimBatchesScreen())
