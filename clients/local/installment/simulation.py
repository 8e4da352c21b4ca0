"""The customer's side of an installment purchase, simulated in local and demo mode.

A real backend learns of scans and steps from the customer's app; here a trainer (or a test)
makes a simulated customer scan the clerk's QR token and take the app's steps one at a time.
The rules applied are the real ones (``installment.admit``, ``installment_orders.advance``).
"""

from __future__ import annotations

from typing import Any

from branchdesk.clients import validators
from branchdesk.clients.local import audit
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.errors import DomainError, register_messages
from branchdesk.clients.local.installment.orders import (
    APPLICATIONS,
    advance,
    create_application,
    view,
)
from branchdesk.clients.local.installment.rules import admit, iso

SIMULATED_CUSTOMERS = [
    ("赵小燕", "13712345601"),
    ("钱伟", "13712345602"),
    ("孙丽娟", "13712345603"),
    ("周海波", "13712345604"),
    ("吴静", "13712345605"),
]

register_messages(
    {
        "installment_sandbox_only": {
            "zh-CN": "模拟客户操作仅在本地/演示模式可用。",
            "en": "Simulated customers exist only in local and demo mode.",
        },
        "installment_customer_invalid": {
            "zh-CN": "模拟客户的手机号不正确。",
            "en": "The simulated customer's mobile is not valid.",
        },
    }
)


def _check_sandbox(backend: Backend) -> None:
    if not backend.settings.sandbox:
        raise DomainError(404, "installment_sandbox_only")


def scan(
    backend: Backend, token: str, customer_name: str | None, customer_mobile: str | None
) -> dict[str, Any]:
    """A simulated customer scans the clerk's QR: admitted (an application starts) or refused."""
    _check_sandbox(backend)
    with backend.store.transaction() as txn:
        seq = txn.next_id(APPLICATIONS)
        default_name, default_mobile = SIMULATED_CUSTOMERS[(seq - 1) % len(SIMULATED_CUSTOMERS)]
        name = (customer_name or "").strip() or default_name
        mobile = (customer_mobile or "").strip() or default_mobile
        if validators.mobile_error(mobile):
            raise DomainError(
                422,
                "installment_customer_invalid",
                details={"customer_mobile": validators.mobile_error(mobile)},
            )
        application_id = f"A{seq:08d}"
        qr = admit(txn, backend, token, application_id)
        doc = create_application(txn, backend, qr, application_id, name, mobile)
        audit.record(
            txn,
            "installment.customer_scan",
            application_id,
            iso(backend.settings.now()),
            {"qr_id": qr["id"]},
        )
    return view(doc, backend)


def step(backend: Backend, application_id: str, choices: dict[str, Any]) -> dict[str, Any]:
    _check_sandbox(backend)
    with backend.store.transaction() as txn:
        doc = advance(txn, backend, application_id, choices)
    return view(doc, backend)
