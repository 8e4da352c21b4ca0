"""A committed batch's receipt content; the common ``ReceiptScreen`` shows, saves, prints it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from branchdesk.screens.common.receipt import Receipt, ReceiptScreen
from branchdesk.tui import timefmt
from branchdesk.tui.i18n import _, language

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


def receipt(batch: BatchOut) -> Receipt:
    heading = _("sim.receipt.heading")
    return Receipt("sim", batch["id"], heading, receipt_text(batch), f"receipt-{batch['id']}")


class SimReceiptScreen(ReceiptScreen):
    """The common receipt screen with a batch's content."""

    def __init__(self, batch: BatchOut) -> None:
        super().__init__(receipt(batch))
        self.moved = batch
