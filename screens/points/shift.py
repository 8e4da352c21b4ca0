"""The cashier's shift: today's redemptions by this cashier (a supervisor: everyone's).

From a row: Enter reprints the receipt, F3 reverses (supervisor; the reversal screen shows the
member and asks first), F4 cancels a redemption still waiting for its code. Opened to pick a
redemption (``pick=True``), Enter hands the row's number back instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable as TextualDataTable
from textual.widgets import Static

from branchdesk.clients.points_api import PointsApi
from branchdesk.screens.common.base import BaseScreen
from branchdesk.screens.common.columns import fill_to_widest
from branchdesk.screens.points.pending import cancel_pending
from branchdesk.tui import timefmt
from branchdesk.tui.i18n import _
from branchdesk.tui.tables import DataTable
from branchdesk.tui.widgets import StatusLine

if TYPE_CHECKING:
    from branchdesk.clients.models import RedemptionOut

COLUMNS = ("time", "id", "member", "points", "amount", "channel", "status")


def shift_start() -> str:
    """Local midnight today, as the UTC instant the server filters by."""
    return timefmt.day_start_utc()


def row_cells(redemption: RedemptionOut) -> list[str]:
    return [
        timefmt.clock(redemption["created_at"]),
        redemption["id"],
        redemption.get("member_name", ""),
        str(redemption["points"]),
        redemption["amount"],
        _(f"points.channel.{redemption['channel']}"),
        _(f"points.status.{redemption['status']}"),
    ]


class PointsShiftScreen(BaseScreen, keys="points_shift", title="points.shift.title"):
    def __init__(
        self, *, pick: bool = False, reverse: Callable[[str], object] | None = None
    ) -> None:
        super().__init__()
        self.pick = pick
        # Who opens the reversal (the caller knows the reversal screen; no import cycle here).
        self.open_reversal = reverse
        self.rows: list[RedemptionOut] = []

    def compose_body(self) -> ComposeResult:
        with Vertical(id="shift-main"):
            yield Static(_("points.shift.title"), classes="title", id="shift-title")
            table: DataTable[Any] = DataTable(id="shift-table", cursor_type="row")
            yield table
            yield Static("", id="shift-totals")
            yield StatusLine(_("points.shift.help"), id="shift-status")

    def on_mount(self) -> None:
        self.query_one("#shift-table", DataTable).focus()

    def on_screen_resume(self) -> None:
        # Also on first showing: one load, and a fresh one after a reprint or a reversal.
        self.action_refresh()

    @property
    def supervisor(self) -> bool:
        staff = self.bd_app.staff
        return staff is not None and "supervisor" in staff.roles

    def action_refresh(self) -> None:
        def loaded(rows: list[RedemptionOut]) -> None:
            self.rows = rows
            self._show()

        self.call_api(
            "list", lambda: PointsApi(self.client).redemptions(since=shift_start()), loaded
        )

    def _show(self) -> None:
        table = self.query_one("#shift-table", DataTable)
        cursor = table.cursor_row
        headers = [_(f"points.shift.col.{column}") for column in COLUMNS]
        fill_to_widest(table, headers, [row_cells(r) for r in self.rows])
        if self.rows:
            table.move_cursor(row=min(cursor, len(self.rows) - 1))
        settled = [r for r in self.rows if r["status"] == "settled"]
        self.query_one("#shift-totals", Static).update(
            _(
                "points.shift.totals",
                count=len(settled),
                points=sum(r["points"] for r in settled),
                amount=f"{sum(float(r['amount']) for r in settled):.2f}",
            )
        )
        key = "points.shift.empty" if not self.rows else "points.shift.help"
        self.show_status(_(key))
        self.refresh_bindings()

    @property
    def selected(self) -> RedemptionOut | None:
        table = self.query_one("#shift-table", DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def can(self, action: str) -> bool:
        try:
            chosen = self.selected
        except Exception:  # noqa: BLE001 - before compose: nothing chosen
            return action == "refresh"
        if action == "reprint":
            return chosen is not None and chosen["status"] != "pending_otp"
        if action == "reverse":
            return (
                (self.pick or self.open_reversal is not None)
                and self.supervisor
                and chosen is not None
                and chosen["status"] == "settled"
            )
        if action == "cancel":
            return chosen is not None and chosen["status"] == "pending_otp"
        return True

    @on(TextualDataTable.RowHighlighted, "#shift-table")
    def _moved(self) -> None:
        self.refresh_bindings()

    @on(TextualDataTable.RowSelected, "#shift-table")
    def _chosen(self) -> None:
        if self.pick and self.selected is not None:
            self.dismiss(self.selected["id"])
            return
        self.action_reprint()

    def action_reprint(self) -> None:
        from branchdesk.screens.points.receipt import PointsReceiptScreen

        chosen = self.selected
        if chosen is not None:
            self.app.push_screen(PointsReceiptScreen(None, chosen))

    def action_reverse(self) -> None:
        chosen = self.selected
        if chosen is None:
            return
        if self.pick:
            self.dismiss(chosen["id"])
        elif self.open_reversal is not None:
            self.open_reversal(chosen["id"])

    def action_cancel(self) -> None:
        chosen = self.selected
        if chosen is None or chosen["status"] != "pending_otp":
            return
        redemption_id = chosen["id"]
        what = _(
            "points.shift.cancel_what",
            id=redemption_id,
            member=chosen.get("member_name", ""),
            points=chosen["points"],
        )

        def cancelled() -> None:
            self.show_status(_("points.shift.cancelled", id=redemption_id), "ok")
            self.action_refresh()

        cancel_pending(self, redemption_id, _("points.shift.cancel_title"), what, cancelled)
