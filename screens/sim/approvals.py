"""Transfer-in approval (调入审核): the receiving side approves or rejects pending transfers.

The table names the warehouses by kind and code and the sender by name; the line under it
gives the highlighted transfer in full (branch, kind and code of both ends, the sender's
name and staff ID, when it was sent)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.coordinate import Coordinate
from textual.widgets import Static

from branchdesk.clients.api import Action
from branchdesk.clients.sim_api import SimApi
from branchdesk.screens.common.base import BaseScreen
from branchdesk.screens.common.columns import add_columns
from branchdesk.screens.sim.labels import sender, warehouse_labels, warehouse_short
from branchdesk.tui import timefmt
from branchdesk.tui.i18n import _
from branchdesk.tui.tables import DataTable
from branchdesk.tui.widgets import StatusLine

if TYPE_CHECKING:
    from branchdesk.clients.models import BatchOut


def _cells(t: BatchOut) -> tuple[str, ...]:
    return (
        t["id"],
        warehouse_short(t, "source"),
        warehouse_short(t, "target"),
        _(f"sim.type.{t['card_type']}"),
        str(t["count"]),
        t.get("operator_name") or t["operator"],
    )


class SimApprovalsScreen(BaseScreen, keys="sim_approvals"):
    def __init__(self) -> None:
        super().__init__()
        self.transfers: dict[str, BatchOut] = {}
        self.actions: dict[tuple[str, bool], Action] = {}

    def compose_body(self) -> ComposeResult:
        yield Static(_("sim.approvals.title"), classes="title")
        yield DataTable(id="transfers", cursor_type="row", zebra_stripes=True)
        yield Static(id="transfer-detail", markup=False)
        yield StatusLine(_("sim.approvals.help"), id="approvals-status")

    def on_mount(self) -> None:
        table = self.query_one("#transfers", DataTable)
        add_columns(table, "sim.approvals", ("id", "source", "target", "type", "count", "by"))
        table.focus()
        self.action_refresh()

    def action_refresh(self, then: Callable[[], object] | None = None) -> None:
        def loaded(transfers: Any) -> None:
            self._show(transfers)
            if then is not None:
                then()

        self.call_api(
            "transfers",
            lambda: SimApi(self.client).transfers("pending"),
            loaded,
            keys=("decide",),
        )

    def _show(self, transfers: Any) -> None:
        self.transfers = self.query_one("#transfers", DataTable).show_rows(transfers, _cells)
        self._detail(next(iter(self.transfers.values()), None))
        self.show_status(
            _("sim.approvals.pending", n=len(transfers)) if transfers else _("sim.approvals.none")
        )

    @on(DataTable.RowHighlighted, "#transfers")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._detail(self.transfers.get(str(event.row_key.value)))

    def _detail(self, transfer: BatchOut | None) -> None:
        lines = []
        if transfer is not None:
            labels = warehouse_labels(transfer)
            lines = [
                _("sim.approvals.from", id=transfer["id"], source=labels["source"]),
                _("sim.approvals.to", target=labels["target"]),
                _("sim.approvals.sent", by=sender(transfer), at=timefmt.when(transfer["at"])),
            ]
        self.query_one("#transfer-detail", Static).update("\n".join(lines))

    def action_decide(self, approve: bool) -> None:
        table = self.query_one("#transfers", DataTable)
        if not self.transfers or table.cursor_row is None:
            self.show_status(_("sim.approvals.none"), "error")
            return
        row_key, _col = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0))
        transfer = self.transfers[str(row_key.value)]
        what = "sim.approvals.confirm_approve" if approve else "sim.approvals.confirm_reject"
        self.confirm(
            _("sim.approvals.confirm_title", id=transfer["id"]),
            [
                _(
                    what,
                    n=transfer["count"],
                    type=_(f"sim.type.{transfer['card_type']}"),
                    **warehouse_labels(transfer),
                ),
                _("sim.approvals.confirm_by", by=sender(transfer)),
            ],
            lambda: self._decide(transfer["id"], approve),
            confirm=_("sim.keys.approve" if approve else "sim.keys.reject"),
        )

    def _decide(self, transfer_id: str, approve: bool) -> None:
        action = self.actions.setdefault((transfer_id, approve), Action())

        def decided(done: Any) -> None:
            key = "sim.approvals.approved" if approve else "sim.approvals.rejected"
            self.action_refresh(
                then=lambda: self.show_status(_(key, id=done["id"], n=done["count"]), "ok")
            )

        self.call_api(
            "decide",
            lambda: SimApi(self.client).decide(transfer_id, approve, action),
            decided,
            keys=("decide", "refresh"),
            write=True,
        )
