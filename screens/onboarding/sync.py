"""Changes waiting in the offline outbox; for a conflict, both versions and the user's choice."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from branchdesk.clients import validators
from branchdesk.clients.onboarding_fields import INPUT_FIELDS
from branchdesk.clients.outbox import (
    CONFLICT,
    FAILED,
    PENDING,
    PENDING_PREFIX,
    OutboxSync,
    ReplayResult,
)
from branchdesk.screens.common.actions import Failure
from branchdesk.screens.common.base import BaseScreen
from branchdesk.screens.common.columns import add_columns
from branchdesk.tui.i18n import _
from branchdesk.tui.tables import DataTable
from branchdesk.tui.widgets import StatusLine

SHOWN = ("status", "note", "evidence", *INPUT_FIELDS, "version")
MASKED = {
    "mobile": validators.mask_mobile,
    "id_number": validators.mask_id_number,
    "card_number": validators.mask_card,
}


def _value(key: str, value: Any) -> str:
    """A field's value as people read it: labels for codes, PII masked."""
    if value is None or value == "":
        return "—"
    if key == "status":
        return _(f"onb.status.{value}")
    if key == "token_type":
        return _(f"onb.token.{value}")
    if key == "card_bank":
        return _(f"onb.bank.{value}")
    if key in MASKED:
        return MASKED[key](str(value))
    return str(value)


def field_lines(data: dict[str, Any] | None) -> list[str]:
    """``Label: value`` lines for one side of a comparison; no raw keys, no empty ``{}``."""
    if not data:
        return ["—"]
    lines = []
    for key in (k for k in SHOWN if k in data):
        value = data[key]
        if key == "evidence":
            for name, given in sorted((value or {}).items()):
                lines.append(f"{_(f'onb.evidence.{name}')}: {given}")
            continue
        if key == "note" and not value:
            continue
        lines.append(f"{_(f'onb.sync.field.{key}')}: {_value(key, value)}")
    return lines or ["—"]


def sync_summary(result: ReplayResult, entries: list[dict[str, Any]]) -> str:
    """What a sync did, counted from the rows shown: nothing said here differs from them."""
    states = [e["status"] for e in entries]
    counts = {
        "sent": result.sent,
        "conflicts": states.count(CONFLICT),
        "failed": states.count(FAILED),
        "waiting": states.count(PENDING),
    }
    key = "onb.sync.still_offline" if result.still_offline else "onb.sync.result"
    return _(key, **counts)


class SyncScreen(BaseScreen, keys="onb.sync", title="onb.sync.title"):
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
        # 78 cells inside the margins, 2 of padding per column: every cell fits at 80x24.
        add_columns(
            table, "onb.sync.col", (("kind", 12), ("target", 18), ("summary", 24), ("status", 14))
        )
        table.focus()
        if self.sync is not None:
            self.sync.on_replayed.append(self._replayed_elsewhere)
        self.reload()
        if self.sync is not None and self.sync.last_result is not None:
            self.show_status(sync_summary(self.sync.last_result, self._entries()))

    def on_unmount(self) -> None:
        if self.sync is not None and self._replayed_elsewhere in self.sync.on_replayed:
            self.sync.on_replayed.remove(self._replayed_elsewhere)

    def _replayed_elsewhere(self, result: ReplayResult) -> None:
        """The replay at login runs in the background: its outcome shows here too."""
        if self.is_attached and not self.busy("sync"):
            self.reload()
            self.show_status(sync_summary(result, self._entries()))

    def _entries(self) -> list[dict[str, Any]]:
        return self.sync.entries() if self.sync else []

    def _names(self) -> dict[str, str]:
        """Customer names from the copies kept for offline work (rows name people, not ids)."""
        if self.sync is None:
            return {}
        sync = self.sync
        kept = sync.outbox.recall(sync.staff_id, sync.client.label, "customers") or {}
        names = {cid: row.get("name", cid) for cid, row in kept.items()}
        for entry in self._entries():  # created offline, not sent yet: named as typed
            if entry["kind"] == "customer.create":
                names[PENDING_PREFIX + entry["id"]] = entry["body"].get("name", "")
        return names

    def _row(self, entry: dict[str, Any], names: dict[str, str]) -> tuple[str, str, str, str]:
        kind, body = entry["kind"], entry["body"] or {}
        if kind == "item":
            customer_id, item_id = entry["target"].split("/", 1)
            target = names.get(customer_id, customer_id)
            what = entry["summary"] or self._item_title(customer_id, item_id)
        elif kind == "customer.create":
            target, what = body.get("name", ""), body.get("area") or ""
        else:
            target = body.get("name") or names.get(entry["target"], entry["target"])
            changed = [k for k in SHOWN if k in body]
            what = "、".join(_(f"onb.sync.field.{k}") for k in changed) if changed else ""
            if self.bd_app.lang != "zh-CN":
                what = what.replace("、", ", ")
        return (
            _(f"onb.sync.kind.{kind}"),
            target,
            what,
            _(f"onb.sync.state.{entry['status']}"),
        )

    def _item_title(self, customer_id: str, item_id: str) -> str:
        """The item's title from the checklist copy kept for offline work."""
        if self.sync is None:
            return item_id
        sync = self.sync
        kept = sync.outbox.recall(sync.staff_id, sync.client.label, f"checklist:{customer_id}")
        items = kept["items"] if kept else []
        return next((i["title"] for i in items if i["id"] == item_id), item_id)

    def reload(self) -> None:
        table = self.query_one("#onb-sync-table", DataTable)
        table.clear()
        entries = self._entries()
        names = self._names()
        for e in entries:
            table.add_row(*self._row(e, names), key=e["id"])
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
        mine.update(Text("\n".join([_("onb.sync.mine"), *field_lines(entry["body"])])))
        lines = [_("onb.sync.server"), *field_lines(entry["server_copy"])]
        if entry["status"] == FAILED:
            lines = [_("onb.sync.refused_why")]
        if entry["message"]:
            lines += ["", entry["message"]]
        if entry["status"] == FAILED:
            lines += ["", _("onb.sync.retry_hint")]
        server.update(Text("\n".join(lines)))

    def action_sync_now(self) -> None:
        if self.sync is None:
            return

        def replayed(result: ReplayResult) -> None:
            self.reload()
            self.show_status(sync_summary(result, self._entries()))

        self.call_api("sync", self.sync.replay, replayed, keys=("sync_now", "keep_mine"))

    def action_keep_mine(self) -> None:
        entry = self._entry()
        if entry is None or self.sync is None:
            return
        sync = self.sync

        def failed(failure: Failure) -> str | None:
            if failure.unreachable:
                return sync_summary(ReplayResult(still_offline=True), self._entries())
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
