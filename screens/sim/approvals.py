"""Transfer-in approval (调入审核): the receiving side approves or rejects pending transfers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.widgets import Static

from branchdesk.clients.api import Action
from branchdesk.clients.errors import ApiError, BackendUnreachable
from branchdesk.clients.sim_api import SimApi
from branchdesk.screens.common.base import BaseScreen
from branchdesk.tui.i18n import _
from branchdesk.tui.tables import DataTable
from branchdesk.tui.widgets import StatusLine

if TYPE_CHECKING:
    from branchdesk.clients.models import BatchOut


class SimApprovalsScreen(BaseScreen):
    BINDINGS = [
        Binding("a", "decide(True)", "sim.keys.approve", id="sim_approvals.approve"),
        Binding("x", "decide(False)", "sim.keys.reject", id="sim_approvals.reject"),
        Binding("f5", "refresh", "sim.keys.refresh", id="sim_approvals.refresh"),
    ]
    DEFAULT_CSS = """
    SimApprovalsScreen #transfers { height: 1fr; margin: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.transfers: dict[str, BatchOut] = {}
        self.actions: dict[tuple[str, bool], Action] = {}

    def compose_body(self) -> ComposeResult:
        yield Static(_("sim.approvals.title"), classes="title")
        yield DataTable(id="transfers", cursor_type="row", zebra_stripes=True)
        yield StatusLine(_("sim.approvals.help"), id="approvals-status")

    def on_mount(self) -> None:
        table = self.query_one("#transfers", DataTable)
        for key in ("id", "route", "type", "count", "by", "at"):
            table.add_column(_(f"sim.approvals.{key}"), key=key)
        table.focus()
        self.action_refresh()

    @work(exclusive=True, group="transfers")
    async def action_refresh(self) -> None:
        status = self.query_one("#approvals-status", StatusLine)
        try:
            transfers = await SimApi(self.client).transfers("pending")
        except (ApiError, BackendUnreachable) as exc:
            status.show(
                exc.message if isinstance(exc, ApiError) else _("sim.error.unreachable"), "error"
            )
            return
        self.transfers = {t["id"]: t for t in transfers}
        table = self.query_one("#transfers", DataTable)
        table.clear()
        for t in transfers:
            table.add_row(
                t["id"],
                f"{t['source']}→{t['target']}",
                _(f"sim.type.{t['card_type']}"),
                str(t["count"]),
                t["operator"],
                t["at"][:16].replace("T", " "),
                key=t["id"],
            )
        status.show(
            _("sim.approvals.count", n=len(transfers)) if transfers else _("sim.approvals.none")
        )

    def action_decide(self, approve: bool) -> None:
        table = self.query_one("#transfers", DataTable)
        if not self.transfers or table.cursor_row is None:
            self.query_one("#approvals-status", StatusLine).show(_("sim.approvals.none"), "error")
            return
        row_key, _col = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0))
        self._decide(str(row_key.value), approve)

    @work(exclusive=True, group="decide")
    async def _decide(self, transfer_id: str, approve: bool) -> None:
        status = self.query_one("#approvals-status", StatusLine)
        action = self.actions.setdefault((transfer_id, approve), Action())
        try:
            done = await SimApi(self.client).decide(transfer_id, approve, action)
        except ApiError as exc:
            status.show(exc.message, "error")
            return
        except BackendUnreachable:
            status.show(_("sim.error.unreachable"), "error")
            return
        await self.action_refresh().wait()
        key = "sim.approvals.approved" if approve else "sim.approvals.rejected"
        status.show(_(key, id=done["id"], n=done["count"]), "ok")
