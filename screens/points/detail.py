"""Points detail of one member: every ledger row with its running balance."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from branchdesk.clients.points_api import PointsApi
from branchdesk.screens.common.base import BaseScreen
from branchdesk.tui import timefmt
from branchdesk.tui.i18n import _
from branchdesk.tui.tables import DataTable
from branchdesk.tui.widgets import StatusLine

if TYPE_CHECKING:
    from branchdesk.clients.models import MemberOut


class PointsDetailScreen(BaseScreen, title="points.detail.title"):
    def __init__(self, member: MemberOut) -> None:
        super().__init__()
        self.member = member

    def compose_body(self) -> ComposeResult:
        with Vertical(id="detail-main"):
            yield Static(_("points.detail.title"), classes="title")
            yield Static(id="detail-member")
            table: DataTable[Any] = DataTable(id="ledger", cursor_type="row", zebra_stripes=True)
            yield table
            yield StatusLine(_("points.detail.loading"), id="detail-status")

    def on_mount(self) -> None:
        table = self.query_one("#ledger", DataTable)
        table.add_columns(
            *(
                _(f"points.detail.col.{c}")
                for c in ("time", "kind", "points", "balance", "ref", "note")
            )
        )
        table.focus()
        self._load()

    def _load(self) -> None:
        member_id = self.member["id"]
        self.call_api("ledger", lambda: PointsApi(self.client).ledger(member_id), self._show)

    def _show(self, data: Any) -> None:
        m = data["member"]
        self.query_one("#detail-member", Static).update(
            Text(
                _("points.member.name", name=m["name"], id=m["id"])
                + "  "
                + _("points.member.points", points=m["points"], value=m["value"], rate=m["rate"])
            )
        )
        table = self.query_one("#ledger", DataTable)
        table.clear()
        for row in reversed(data["rows"]):
            table.add_row(
                timefmt.when(row["at"]),
                _(f"points.kind.{row['kind']}"),
                f"{row['points']:+d}",
                str(row["balance_after"]),
                row.get("ref") or "",
                Text(row.get("note") or ""),
            )
        self.show_status(_("points.detail.count", shown=len(data["rows"]), total=data["total"]))
