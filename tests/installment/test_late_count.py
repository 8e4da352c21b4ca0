"""The board's "likely refused" count is counted from the store's ordered indexes, not by
reading every application in review: it must still equal judging each one (``settle`` then
``likely_refused``), at the edges too (submitted about ``warn`` ago, due about now), on the
embedded store and on PostgreSQL."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.installment import orders
from branchdesk.clients.local.installment.rules import iso

APPS = orders.APPLICATIONS
SUBMITTED_AGO = [None, 0, 5, 597, 599, 600, 601, 602, 603, 605, 3600, 86_400]  # seconds
DUE_IN = [None, -86_400, -5, -2, -1, 0, 1, 2, 5, 3600]  # seconds from now
STATUSES = ["in_review", "in_review", "approved", "refused"]
CLERKS = ["c001", "x002"]


def _doc(n: int, now: datetime, ago: int | None, due: int | None, status: str, clerk: str) -> Any:
    submitted = None if ago is None else iso(now - timedelta(seconds=ago))
    return {
        "id": f"A{n:08d}",
        "qr_id": "Q00000000",
        "clerk_staff_id": clerk,
        "merchant_id": "MER001",
        "status": status,
        "step": "supplementary",
        "submitted_at": submitted if status == "in_review" or ago is not None else None,
        "review_outcome": "refused" if n % 3 == 0 else "approved",
        "review_due_at": None if due is None else iso(now + timedelta(seconds=due)),
        "contract_due_at": None,
        "card_verification": "not_started",
    }


def _seed(backend: Backend, copies: int) -> None:
    now = backend.settings.now()
    combos = itertools.product(SUBMITTED_AGO, DUE_IN, STATUSES, CLERKS)
    with backend.store.transaction() as txn:
        for n, (ago, due, status, clerk) in enumerate(list(combos) * copies):
            if status == "in_review" and ago is None:
                ago = 60  # the rules never keep an application in review without a time
            txn.put(APPS, f"A{n:08d}", _doc(n, now, ago, due, status, clerk))


def _judged(backend: Backend, where: dict[str, Any], warn: float) -> int:
    now = backend.settings.now()
    late = 0
    for doc in backend.store.select(APPS, where=where):
        settled = orders.settle(doc, now)
        late += orders.likely_refused(settled, orders.review_seconds(settled, now), warn)
    return late


def _check(backend: Backend) -> None:
    warn = orders.setting(backend, "review_warn_seconds")
    now = backend.settings.now()
    for where in ({}, {"clerk_staff_id": "c001"}):
        expected = _judged(backend, where, warn)
        assert orders.late_count(backend, where, now, warn) == expected, where


def test_late_count_equals_judging_every_application(backend: Backend, clock: Any) -> None:
    _seed(backend, copies=2)  # 1,920 applications: the embedded store's ordered indexes
    _check(backend)
    assert _judged(backend, {}, orders.setting(backend, "review_warn_seconds")) > 0
    for step in (0.4, 0.6, 1, 2, 3600):  # the edges move with the clock
        clock.advance(seconds=step)
        _check(backend)


def test_late_count_follows_writes(backend: Backend, clock: Any) -> None:
    _seed(backend, copies=1)
    _check(backend)
    now = backend.settings.now()
    with backend.store.transaction() as txn:
        for n in range(0, 960, 7):  # answered, resubmitted, or gone
            key = f"A{n:08d}"
            doc = txn.get(APPS, key)
            assert doc is not None
            if n % 3 == 0:
                txn.delete(APPS, key)
            elif n % 3 == 1:
                txn.put(APPS, key, {**doc, "status": "approved"})
            else:
                txn.put(APPS, key, {**doc, "status": "in_review", "submitted_at": iso(now)})
    _check(backend)
    clock.advance(seconds=601)
    _check(backend)
