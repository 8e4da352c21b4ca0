"""The account-opening form kept on the server while a clerk goes through its steps.

Each passed step saves the form so far (checked as ``check_draft`` checks it), so a clerk
whose terminal drops mid-sequence, or who moves to another terminal, resumes at the step
after the last one saved. One draft per clerk: only that clerk sees it. The customer's PII is
in it, so the form is kept sealed; it goes when the order is created, when the clerk discards
it, or once it is older than ``card_write.draft_hours`` (policy, default 24).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from branchdesk.clients.local import audit
from branchdesk.clients.local.auth import Staff
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.card_write.rules import DRAFTS, check_draft, drop_draft
from branchdesk.clients.local.errors import DomainError, register_messages
from branchdesk.clients.local.store import Doc

DRAFT_HOURS = 24
_CONTEXT = "pii:cw_drafts.form"

register_messages(
    {
        "draft_not_found": {
            "zh-CN": "没有未完成的开户草稿",
            "en": "There is no unfinished account opening",
        },
    }
)


def _fresh(backend: Backend, doc: Doc | None) -> Doc | None:
    if doc is None:
        return None
    hours = backend.settings.extra.get("card_write.draft_hours", DRAFT_HOURS)
    if not isinstance(hours, int | float):
        hours = DRAFT_HOURS
    saved = datetime.fromisoformat(doc["updated_at"])
    return doc if backend.settings.now() - saved <= timedelta(hours=hours) else None


def _public(backend: Backend, doc: Doc) -> dict[str, Any]:
    form = json.loads(backend.sealer.unseal_text(doc["form"], context=_CONTEXT))
    return {
        **form,
        "step": doc["step"],
        "fees": doc["fees"],
        "created_at": doc["created_at"],
        "updated_at": doc["updated_at"],
    }


def save_draft(backend: Backend, staff: Staff, step: str, form: dict[str, Any]) -> dict[str, Any]:
    """Check the form up to ``step`` (refused in the staff's words, nothing saved) and keep
    it as this clerk's draft, ``step`` being the last one passed."""
    checked = check_draft(backend, staff, step, form)
    at = backend.now_iso()
    with backend.store.transaction() as txn:
        previous = _fresh(backend, txn.get(DRAFTS, staff.id))
        doc = {
            "staff_id": staff.id,
            "step": step,
            "form": backend.sealer.seal_text(json.dumps(form), context=_CONTEXT),
            "fees": checked["fees"],
            "created_at": previous["created_at"] if previous else at,
            "updated_at": at,
        }
        txn.put(DRAFTS, staff.id, doc)
        audit.record(txn, "card_write.draft_save", staff.id, at, {"step": step})
    return _public(backend, doc)


def get_draft(backend: Backend, staff: Staff) -> dict[str, Any]:
    """This clerk's draft; 404 ``draft_not_found`` when there is none (or it is too old)."""
    doc = _fresh(backend, backend.store.get(DRAFTS, staff.id))
    if doc is None:
        raise DomainError(404, "draft_not_found")
    return _public(backend, doc)


def discard_draft(backend: Backend, staff: Staff) -> dict[str, Any]:
    """Drop this clerk's draft; discarding when there is none changes nothing."""
    with backend.store.transaction() as txn:
        discarded = drop_draft(txn, backend, staff, "card_write.draft_discard")
    return {"discarded": discarded}
