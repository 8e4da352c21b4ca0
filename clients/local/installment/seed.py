"""Demo data of the installment workflow: two merchants with registered job numbers, a bound
clerk and orders in every status, so the back office has something to show on day one.

c001 is left unbound on purpose: binding it (job number 13985900001) is the first training step.
"""

from __future__ import annotations

import random
from datetime import timedelta

from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.installment.orders import APPLICATIONS, put_new
from branchdesk.clients.local.installment.rules import DEMO_BOUND_CLERK, iso, seed_merchants
from branchdesk.clients.local.store import Transaction

PRODUCTS = [
    ("华为", "nova 12", "2999.00"),
    ("OPPO", "Reno 11", "2499.00"),
    ("vivo", "S18", "2699.00"),
    ("小米", "14", "3999.00"),
]
CUSTOMERS = ["何美玲", "郭志强", "林晓峰", "罗雪梅", "高建华", "梁春燕", "宋国庆", "唐丽华"]

# (age in minutes, status, step, extra facts)
DEMO_ORDERS: list[tuple[int, str, str, dict[str, object]]] = [
    (12, "in_progress", "identity", {}),
    (25, "in_review", "supplementary", {"review_minutes": 14, "outcome": "refused"}),
    (40, "in_review", "supplementary", {"review_minutes": 4, "outcome": "approved"}),
    (60 * 3, "voucher_pending", "voucher", {"reviewed": True}),
    (60 * 24 * 2, "completed", "my_applications", {"card": "failed"}),
    (60 * 24 * 3, "completed", "my_applications", {"card": "passed"}),
    (60 * 24 * 10, "completed", "my_applications", {"card": "passed"}),
    (60 * 24 * 4, "refused", "supplementary", {"reviewed": True}),
]


def seed_installment(txn: Transaction, backend: Backend, rng: random.Random) -> None:
    seed_merchants(txn, backend, rng)
    staff_id, _job, _name, merchant_id = DEMO_BOUND_CLERK
    now = backend.settings.now()
    for index, (age, status, step, facts) in enumerate(DEMO_ORDERS):
        app_id = f"A{txn.next_id(APPLICATIONS):08d}"
        created = now - timedelta(minutes=age)
        brand, model, price = PRODUCTS[rng.randrange(len(PRODUCTS))]
        doc: dict[str, object] = {
            "id": app_id,
            "qr_id": "Q00000000",
            "clerk_staff_id": staff_id,
            "merchant_id": merchant_id,
            "customer_name": CUSTOMERS[index],
            "customer_mobile": f"1361234{rng.randrange(10000):04d}",
            "created_at": iso(created),
            "created_date": iso(created)[:10],
            "step": step,
            "status": status,
            "card_verification": "not_started",
            "product": {
                "package": "畅享套餐 128元",
                "term_months": rng.choice([6, 12, 24]),
                "brand": brand,
                "model": model,
                "down_payment": "0.00",
                "price": price,
            },
            "addons": {"life_insurance": False, "flexible_repayment": False},
        }
        if status == "in_review":
            submitted = now - timedelta(minutes=int(str(facts["review_minutes"])))
            delay = timedelta(minutes=30 if facts["outcome"] == "refused" else 6)
            doc.update(
                submitted_at=iso(submitted),
                review_outcome=facts["outcome"],
                review_due_at=iso(submitted + delay),
                contract_due_at=iso(submitted + delay + timedelta(minutes=1)),
            )
        elif facts.get("reviewed") or status == "completed":
            doc.update(
                submitted_at=iso(created + timedelta(minutes=5)),
                reviewed_at=iso(created + timedelta(minutes=11)),
                review_outcome="refused" if status == "refused" else "approved",
            )
        if status == "completed":
            done = created + timedelta(minutes=40)
            card = facts["card"]
            doc.update(
                completed_at=iso(done),
                voucher_uploaded_at=iso(done),
                contract_confirmed_at=iso(done - timedelta(minutes=10)),
                card_verification=card,
                card_outcome=card,
                card_verify_due_at=iso(done + timedelta(minutes=5)),
                payment_received_at=iso(done + timedelta(minutes=5)) if card == "passed" else None,
            )
        put_new(txn, backend, doc)
