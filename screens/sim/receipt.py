"""The receipt of a committed batch: F2 saves it as text, F3 prints it (the PDF beside the text)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Label, Static

from branchdesk.screens.common.base import BaseScreen
from branchdesk.screens.common.printing import Printing
from branchdesk.tui import timefmt
from branchdesk.tui.i18n import _, language
from branchdesk.tui.widgets import StatusLine

if TYPE_CHECKING:
    from branchdesk.clients.models import BatchOut


def receipt_text(batch: BatchOut) -> str:
    """Plain text a printer can take as it is (no markup)."""
    zh = language() == "zh-CN"
    lines = [
        _(f"sim.receipt.title.{batch['action']}"),
        "=" * 40,
        _("sim.receipt.batch", id=batch["id"]),
    ]
    if batch.get("agent_id"):
        agent_name = batch.get("agent_name_zh" if zh else "agent_name_en") or ""
        lines.append(_("sim.receipt.agent", id=batch["agent_id"], name=agent_name))
    if batch.get("source"):
        lines.append(
            _(
                "sim.receipt.transfer",
                source=batch["source"],
                target=batch["target"],
                status=_(f"sim.transfer_status.{batch.get('status', 'pending')}"),
            )
        )
    if batch.get("card_type"):
        lines.append(_("sim.receipt.type", type=_(f"sim.type.{batch['card_type']}")))
    lines += [
        _("sim.receipt.count", n=batch["count"]),
        _("sim.receipt.first", iccid=batch.get("first") or ""),
        _("sim.receipt.last", iccid=batch.get("last") or ""),
    ]
    if batch.get("skipped"):
        lines.append(_("sim.receipt.skipped", n=batch["skipped"], requested=batch["requested"]))
    if batch.get("amount_received") is not None:
        lines.append(
            _("sim.receipt.fee", fee=batch["fee_per_card"], amount=batch["amount_received"])
        )
    lines += [
        _("sim.receipt.operator", id=batch["operator"], name=batch.get("operator_name") or ""),
        _("sim.receipt.time", at=timefmt.when(batch["at"])),
        "=" * 40,
    ]
    return "\n".join(lines)


class SimReceiptScreen(Printing, BaseScreen):
    BINDINGS = [
        Binding("f2", "save", "sim.keys.save", id="sim_receipt.save"),
        Binding("f3", "print", "keys.print", id="sim_receipt.print"),
    ]
    DEFAULT_CSS = """
    SimReceiptScreen #receipt-scroll { height: 1fr; border: round $accent; margin: 0 1; }
    SimReceiptScreen #receipt { padding: 0 1; }
    SimReceiptScreen #save-row { height: 1; padding: 0 1; }
    SimReceiptScreen #save-row Label { width: auto; padding-right: 1; }
    SimReceiptScreen #save-path { width: 1fr; }
    """

    def __init__(self, batch: BatchOut) -> None:
        super().__init__()
        self.moved = batch
        self.text = receipt_text(batch)

    def compose_body(self) -> ComposeResult:
        yield Static(_("sim.receipt.heading"), classes="title")
        with VerticalScroll(id="receipt-scroll"):
            yield Static(self.text, id="receipt", markup=False)
        with Horizontal(id="save-row"):
            yield Label(_("sim.receipt.save_to"))
            yield Input(str(self._default_path()), id="save-path", compact=True)
        yield StatusLine(_("sim.receipt.help"), id="receipt-status")

    def _default_path(self) -> Path:
        # The data dir, not the working directory: under ``branchdesk web`` or SSH that is the
        # server's, and nobody would look there.
        return self.bd_app.options.receipts_dir() / f"receipt-{self.moved['id']}.txt"

    def on_mount(self) -> None:
        self.query_one("#receipt-scroll").focus()

    def action_print(self) -> None:
        raw = self.query_one("#save-path", Input).value.strip()
        base = Path(raw).expanduser() if raw else self._default_path()
        title = _(f"sim.receipt.title.{self.moved['action']}")
        self.print_document(title, self.text, base.with_suffix(".pdf"))

    @on(Input.Submitted, "#save-path")
    def action_save(self) -> None:
        status = self.query_one("#receipt-status", StatusLine)
        raw = self.query_one("#save-path", Input).value.strip()
        if not raw:
            status.show(_("sim.error.path_required"), "error")
            self.query_one("#save-path", Input).focus()
            return
        path = Path(raw).expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(self.text + "\n", encoding="utf-8")
        except OSError as exc:
            status.show(_("sim.error.save_failed", reason=exc.strerror or str(exc)), "error")
            self.query_one("#save-path", Input).focus()
            return
        status.show(_("sim.receipt.saved", path=str(path)), "ok")
