"""Changes waiting in the offline outbox; for a conflict, both versions and the user's choice."""

from __future__ import annotations

import json
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from branchdesk.clients.outbox import OutboxSync
from branchdesk.screens.common.actions import Failure
from branchdesk.screens.common.base import BaseScreen
from branchdesk.tui.i18n import _
from branchdesk.tui.tables import DataTable
from branchdesk.tui.widgets import StatusLine

SHOWN = (
    "status",
    "note",
    "evidence",
    "name",
    "mobile",
    "area",
    "licence_no",
    "order_amount",
    "token_type",
    "card_bank",
    "version",
)


def _fields(data: dict[str, Any] | None) -> list[str]:
    if not data:
        return ["—"]
    lines = []
    for key in (k for k in SHOWN if k in data):
        value = data[key]
        shown = json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else value
        lines.append(f"{key}: {shown}")
    return lines


class SyncScreen(BaseScreen):
    TITLE_KEY = "onb.sync.title"
    BINDINGS = [
        Binding("f2", "keep_mine", "onb.keys.keep_mine", id="onb.sync.mine"),
        Binding("f3", "keep_server", "onb.keys.keep_server", id="onb.sync.server"),
        Binding("f5", "sync_now", "onb.keys.sync_now", id="onb.sync.now"),
    ]
    DEFAULT_CSS = """
    SyncScreen #onb-sync-table { height: 8; margin: 0 1; }
    SyncScreen #onb-compare { height: 1fr; margin: 0 1; }
    SyncScreen #onb-compare VerticalScroll { width: 1fr; border: round $accent; }
    """

    def compose_body(self) -> ComposeResult:
        yield DataTable(id="onb-sync-table", cursor_type="row")
        with Horizontal(id="onb-compare"):
            with VerticalScroll():
                yield Static(id="onb-mine")
            with VerticalScroll():
                yield Static(id="onb-server")
        yield StatusLine(id="onb-sync-status")

    @property
    def sync(self) -> OutboxSync | None:
        return self.bd_app.outbox_sync

    def on_mount(self) -> None:
        table = self.query_one("#onb-sync-table", DataTable)
        for key, width in (("kind", 10), ("target", 22), ("summary", 16), ("status", 12)):
            table.add_column(_(f"onb.sync.col.{key}"), key=key, width=width)
        table.focus()
        self.reload()

    def reload(self) -> None:
        table = self.query_one("#onb-sync-table", DataTable)
        table.clear()
        entries = self.sync.entries() if self.sync else []
        for e in entries:
            table.add_row(
                _(f"onb.sync.kind.{e['kind']}"),
                e["target"],
                e["summary"],
                _(f"onb.pending.{e['status']}"),
                key=e["id"],
            )
        status = self.query_one("#onb-sync-status", StatusLine)
        status.show(_("onb.sync.count", n=len(entries)) if entries else _("onb.sync.empty"))
        self._compare()

    def _entry(self) -> dict[str, Any] | None:
        table = self.query_one("#onb-sync-table", DataTable)
        if self.sync is None or not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.sync.outbox.get(str(key))

    @on(DataTable.RowHighlighted, "#onb-sync-table")
    def _compare(self) -> None:
        entry = self._entry()
        mine = self.query_one("#onb-mine", Static)
        server = self.query_one("#onb-server", Static)
        if entry is None:
            mine.update("")
            server.update("")
            return
        mine.update("\n".join([f"[b]{_('onb.sync.mine')}[/b]", *_fields(entry["body"])]))
        lines = [f"[b]{_('onb.sync.server')}[/b]", *_fields(entry["server_copy"])]
        if entry["message"]:
            lines += ["", entry["message"]]
        server.update("\n".join(lines))

    def action_sync_now(self) -> None:
        if self.sync is None:
            return

        def replayed(result: Any) -> None:
            self.reload()
            key = "onb.sync.still_offline" if result.still_offline else "onb.sync.result"
            self.show_status(
                _(key, sent=result.sent, conflicts=result.conflicts, failed=result.failed)
            )

        self.call_api("sync", self.sync.replay, replayed, keys=("sync_now", "keep_mine"))

    def action_keep_mine(self) -> None:
        entry = self._entry()
        if entry is None or self.sync is None:
            return
        sync = self.sync

        def failed(failure: Failure) -> str | None:
            if failure.unreachable:
                return _("onb.sync.still_offline", sent=0, conflicts=0, failed=0)
            self.reload()
            return None

        def kept(_result: object) -> None:
            self.reload()
            self.show_status(_("onb.saved"), "ok")

        self.call_api(
            "keep_mine",
            lambda: sync.keep_mine(entry["id"]),
            kept,
            failed=failed,
            keys=("sync_now", "keep_mine"),
            write=True,
        )

    def action_keep_server(self) -> None:
        entry = self._entry()
        if entry is None or self.sync is None:
            return
        if entry["status"] == "pending":  # not refused: nothing to choose between yet
            self.query_one("#onb-sync-status", StatusLine).show(_("onb.sync.not_refused"), "error")
            return
        self.sync.keep_server(entry["id"])
        self.reload()
