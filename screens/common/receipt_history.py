"""This staff member's recent receipts, newest first: Enter reopens one (F3 there reprints)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import Static

from branchdesk.screens.common.base import BaseScreen
from branchdesk.screens.common.columns import add_columns
from branchdesk.screens.common.receipt import HistoryEntry, ReceiptScreen, history, reopen
from branchdesk.tui import timefmt
from branchdesk.tui.i18n import _
from branchdesk.tui.tables import DataTable
from branchdesk.tui.widgets import StatusLine


class ReceiptHistoryScreen(BaseScreen, keys="receipt_history", title="receipt.history.title"):
    def __init__(self) -> None:
        super().__init__()
        self.entries: list[HistoryEntry] = []

    def compose_body(self) -> ComposeResult:
        yield Static(_("receipt.history.title"), classes="title")
        yield DataTable(id="receipt-history", cursor_type="row", zebra_stripes=True)
        yield StatusLine("", id="receipt-history-status")

    def on_mount(self) -> None:
        staff = self.bd_app.staff
        directory = self.bd_app.options.receipts_dir()
        self.entries = history(directory, staff.id if staff else "")
        table = self.query_one("#receipt-history", DataTable)
        add_columns(table, "receipt.history.col", ("time", "kind", "ref", "what"))
        for index, entry in enumerate(self.entries):
            table.add_row(
                timefmt.when(entry.at),
                _(f"receipt.kind.{entry.kind}"),
                entry.ref,
                entry.heading,
                key=str(index),
            )
        table.focus()
        if self.entries:
            self.show_status(_("receipt.history.help", n=len(self.entries)))
        else:
            self.show_status(_("receipt.history.empty"))

    @on(DataTable.RowSelected, "#receipt-history")
    def _selected(self) -> None:
        self.action_reopen()

    def can(self, action: str) -> bool:
        return action != "reopen" or bool(self.entries)

    def action_reopen(self) -> None:
        if not self.entries:
            return
        table = self.query_one("#receipt-history", DataTable)
        entry = self.entries[table.cursor_row]
        try:
            receipt = reopen(self.bd_app.options.receipts_dir(), entry)
        except OSError as exc:
            self.show_status(_("receipt.gone", file=entry.file, reason=exc.strerror or ""), "error")
            return
        self.app.push_screen(ReceiptScreen(receipt, saved=True))
