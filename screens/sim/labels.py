"""How batches name warehouses and staff on the SIM screens: labels with their codes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from branchdesk.tui.i18n import _

if TYPE_CHECKING:
    from branchdesk.clients.models import BatchOut


def warehouse_short(batch: BatchOut, end: str) -> str:
    """A warehouse in the table: its kind and code (二级库 130040)."""
    raw: dict[str, Any] = dict(batch)
    kind = raw.get(f"{end}_kind")
    code = str(raw[end])
    return f"{_(f'sim.kind.{kind}')} {code}" if kind else code


def warehouse_labels(batch: BatchOut) -> dict[str, str]:
    """Both warehouses in full, as the server names them (the code alone if it could not)."""
    return {
        "source": batch.get("source_label") or batch["source"] or "",
        "target": batch.get("target_label") or batch["target"] or "",
    }


def sender(batch: BatchOut) -> str:
    name = batch.get("operator_name")
    return _("sim.approvals.person", name=name, id=batch["operator"]) if name else batch["operator"]
