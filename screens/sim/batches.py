"""Batch history (批次记录): the department's transfers, pick-ups and returns; Enter reprints.

Clerks and supervisors see every batch of their department, newest first, filtered by kind;
Enter (or F2) opens the batch's receipt again, to save or print it as on the day.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.cells import set_cell_size
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.coordinate import Coordinate
from textual.widgets import Label, Select, Static

from branchdesk.clients.sim_api import SimApi
from branchdesk.screens.common.base import BaseScreen
from branchdesk.screens.common.columns import add_columns
from branchdesk.screens.sim.labels import sender, warehouse_labels, warehouse_short
from branchdesk.tui import timefmt
from branchdesk.tui.i18n import _, language
from branchdesk.tui.tables import DataTable
from branchdesk.tui.widgets import StatusLine

if TYPE_CHECKING:
    from textual.widgets.data_table import RowKey

    from branchdesk.clients.models import BatchOut

ACTIONS = ("transfer_out", "pickup", "return")
ALL = "*"
# Cells of the fixed columns (batch, action, count, time, operator), their padding and the
# table's margin: what is left at 80 columns goes to the agent or warehouse.
FIXED_CELLS = 10 + 12 + 5 + 16 + 5 + 2 * 6 + 2
WITH_WIDTH = 80 - FIXED_CELLS


def counterpart(batch: BatchOut) -> str:
    """Who the cards went to or came from, as people read it (names with their codes; the
    warehouses of a transfer by kind and code)."""
    if batch.get("agent_id"):
        name = batch.get("agent_name_zh" if language() == "zh-CN" else "agent_name_en") or ""
        return f"{name} {batch['agent_id']}".strip()
    if batch.get("source"):
        status = _(f"sim.transfer_status.{batch.get('status') or 'pending'}")
        return f"{warehouse_short(batch, 'source')} → {warehouse_short(batch, 'target')} {status}"
    return ""


def _cells(b: BatchOut) -> tuple[str, ...]:
    return (
        b["id"],
        _(f"sim.action.{b['action']}"),
        str(b["count"]),
        set_cell_size(counterpart(b), WITH_WIDTH),
        timefmt.when(b["at"]),
        b["operator"],
    )


class SimBatchesScreen(BaseScreen, keys="sim_batches", title="sim.batches.title"):
    def __init__(self) -> None:
        super().__init__()
        self.batches: dict[str, BatchOut] = {}

    def compose_body(self) -> ComposeResult:
        yield Static(_("sim.batches.title"), classes="title")
        with Horizontal(id="batches-row"):
            yield Label(_("sim.batches.kind"))
            yield Select[str](
                [(_("sim.batches.all"), ALL)]
                + [(_(f"sim.action.{action}"), action) for action in ACTIONS],
                id="batches-kind",
                value=ALL,
                allow_blank=False,
                compact=True,
            )
        yield DataTable(id="batches", cursor_type="row", zebra_stripes=True)
        yield Static(id="batch-detail", markup=False)
        yield StatusLine(_("sim.batches.help"), id="batches-status")

    def on_mount(self) -> None:
        table = self.query_one("#batches", DataTable)
        add_columns(
            table, "sim.batches.col", ("id", "action", "count", ("with", WITH_WIDTH), "at", "by")
        )
        table.focus()
        self.action_refresh()

    def _kind(self) -> str | None:
        value = self.query_one("#batches-kind", Select).value
        return value if isinstance(value, str) and value != ALL else None

    @on(Select.Changed, "#batches-kind")
    def _kind_changed(self) -> None:
        self.action_refresh()

    def action_refresh(self) -> None:
        kind = self._kind()

        def loaded(batches: Any) -> None:
            if kind == self._kind():  # the filter changed meanwhile: another answer follows
                self._show(batches)

        self.call_api("batches", lambda: SimApi(self.client).batches(kind), loaded)

    def _show(self, batches: list[BatchOut]) -> None:
        self.batches = self.query_one("#batches", DataTable).show_rows(batches, _cells)
        self._detail(batches[0] if batches else None)
        if batches:
            self.show_status(_("sim.batches.shown", n=len(batches)))
        else:
            self.show_status(_("sim.batches.none"))

    @on(DataTable.RowHighlighted, "#batches")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._detail(self.batches.get(str(event.row_key.value)))

    def _detail(self, batch: BatchOut | None) -> None:
        """The highlighted batch in full: the table cuts the agent or warehouse to fit."""
        lines = []
        if batch is not None and batch.get("source"):
            ends = warehouse_labels(batch)
            status = _(f"sim.transfer_status.{batch.get('status') or 'pending'}")
            lines = [
                _("sim.approvals.from", id=batch["id"], source=ends["source"]),
                f"{_('sim.approvals.to', target=ends['target'])} {status}",
            ]
        elif batch is not None:
            action = _(f"sim.action.{batch['action']}")
            lines = [_("sim.batches.detail", id=batch["id"], action=action), counterpart(batch)]
        if batch is not None:
            lines.append(_("sim.batches.by", by=sender(batch), at=timefmt.when(batch["at"])))
        self.query_one("#batch-detail", Static).update("\n".join(lines))

    def _current(self) -> BatchOut | None:
        table = self.query_one("#batches", DataTable)
        if not self.batches or table.row_count == 0:
            return None
        row_key: RowKey
        row_key, _column = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0))
        return self.batches.get(str(row_key.value))

    @on(DataTable.RowSelected, "#batches")
    def action_reprint(self) -> None:
        batch = self._current()
        if batch is None:
            self.show_status(_("sim.batches.none"), "error")
            return
        from branchdesk.screens.sim.receipt import SimReceiptScreen

        self.app.push_screen(SimReceiptScreen(batch))
