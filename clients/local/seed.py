"""First-run data: the store's identity, and the deterministic demo data set.

Each workflow adds its own demo data with a function taking ``(txn, backend, rng)``; they run in
order, inside one transaction, so a demo store is either fully seeded or not at all.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable

from branchdesk.clients.local.auth import DEMO_BRANCH, STAFF, new_staff_doc
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.card_write.catalog import seed_card_write
from branchdesk.clients.local.installment.seed import seed_installment
from branchdesk.clients.local.onboarding.rules import seed_onboarding
from branchdesk.clients.local.points.rules import seed_points
from branchdesk.clients.local.sessions_routes import DEMO_ACCOUNTS, DEMO_PASSWORD
from branchdesk.clients.local.sim.seed import seed_sim_stock
from branchdesk.clients.local.store import Transaction

SEED = 20261122
DEMO_NAMES = {
    "m001": "王晓梅",
    "c001": "李建国",
    "k001": "张丽",
    "t001": "陈老师",
    "s001": "刘主管",
}

Seeder = Callable[[Transaction, Backend, random.Random], None]


def seed_staff(txn: Transaction, backend: Backend, rng: random.Random) -> None:
    for staff_id, role in DEMO_ACCOUNTS:
        # Demo-only accounts: a salt derived from the ID keeps the demo store deterministic.
        salt = hashlib.sha256(f"demo-salt:{staff_id}".encode()).hexdigest()[:32]
        doc = new_staff_doc(
            staff_id,
            DEMO_NAMES[staff_id],
            [role],
            DEMO_BRANCH,
            DEMO_PASSWORD,
            salt_hex=salt,
        )
        txn.put(STAFF, staff_id, doc)


DEMO_SEEDERS: list[Seeder] = [
    seed_staff,
    seed_sim_stock,
    seed_onboarding,
    seed_points,
    seed_card_write,
    seed_installment,
]


def initialise(backend: Backend, *, demo: bool) -> None:
    with backend.store.transaction() as txn:
        if demo:
            rng = random.Random(SEED)
            for seeder in DEMO_SEEDERS:
                seeder(txn, backend, rng)
        txn.put("_meta", "store", {"demo": demo, "created_at": backend.now_iso(), "schema": 1})
