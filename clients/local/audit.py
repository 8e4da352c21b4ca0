"""The audit log: every state change records who, when, what, and the idempotency key."""

from __future__ import annotations

from typing import Any

from branchdesk.clients.local import context
from branchdesk.clients.local.store import Doc, Transaction

TABLE = "audit"


def record(
    txn: Transaction,
    action: str,
    target: str,
    when: str,
    details: dict[str, Any] | None = None,
    actor: str | None = None,
) -> Doc:
    """Append an audit row inside ``txn`` so it commits (or not) with the change itself."""
    ctx = context.get()
    seq = txn.next_id(TABLE)
    row = {
        "seq": seq,
        "at": when,
        "actor": actor or ctx.staff_id,
        "action": action,
        "target": target,
        "idempotency_key": ctx.idempotency_key,
        "details": details or {},
    }
    txn.put(TABLE, f"{seq:012d}", row)
    return row
