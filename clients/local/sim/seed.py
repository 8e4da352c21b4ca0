"""Demo data for blank SIM card stock: the 20 warehouses, agents, and a few thousand blank cards.

ICCIDs are China Unicom Tianjin (898601…), 20 digits with a valid Luhn digit, laid out in
contiguous blocks per department and card type so that ranges work in a demo:
``898601 26 <branch no:02> <type 1|2> <serial:08>`` + check digit.
"""

from __future__ import annotations

import hashlib
import random

from branchdesk.clients.iccid_batch import make_iccid
from branchdesk.clients.local.auth import STAFF, new_staff_doc
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.sim.rules import (
    AGENTS,
    BATCHES,
    BRANCHES,
    CARDS,
    MOVES,
    WAREHOUSES,
    dept_of_branch,
    warehouse_docs,
)
from branchdesk.clients.local.store import Transaction

DEMO_DEPT = dept_of_branch(1)
DEMO_AGENT = "A00101"
TYPE_DIGIT = {"128k_normal": "1", "128k_micro": "2"}
AGENT_NAMES = [
    ("鑫通讯营业厅", "Xintong Telecom Shop"),
    ("联通合作厅", "Unicom Partner Hall"),
    ("便民手机店", "Handy Phone Store"),
]
SEED_AT = "2026-11-01T08:00:00+00:00"


def card_body(branch_no: int, card_type: str, serial: int) -> str:
    return f"89860126{branch_no:02d}{TYPE_DIGIT[card_type]}{serial:08d}"


def demo_iccid(branch_no: int, card_type: str, serial: int) -> str:
    return make_iccid(card_body(branch_no, card_type, serial))


def seed_sim_stock(txn: Transaction, backend: Backend, rng: random.Random) -> None:
    for wh in warehouse_docs():
        txn.put(WAREHOUSES, wh["code"], wh)
    agents: dict[int, list[str]] = {}
    for no, _zh, name_en, _secondary, target in BRANCHES:
        for n in range(1, (3 if no <= 3 else 1) + 1):
            agent_id = f"A{no:03d}{n:02d}"
            zh, en = AGENT_NAMES[n - 1]
            branch_short = name_en.split()[0]
            txn.put(
                AGENTS,
                agent_id,
                {
                    "id": agent_id,
                    "name_zh": f"{_zh[:2]}{zh}",
                    "name_en": f"{en} ({branch_short})",
                    "dept_id": dept_of_branch(no),
                    "warehouse": target,
                },
            )
            agents.setdefault(no, []).append(agent_id)
    batch = "SB00000000"  # the opening stock, before any real batch
    txn.put(
        BATCHES,
        batch,
        {
            "id": batch,
            "action": "stock_in",
            "count": 0,
            "operator": "seed",
            "at": SEED_AT,
            "dept_id": None,
        },
    )
    total = 0
    for no, _zh, _en, secondary, target in BRANCHES:
        size = 400 if no == 1 else (150 if no <= 3 else 40)
        for card_type in TYPE_DIGIT:
            for serial in range(1, size + 1):
                iccid = demo_iccid(no, card_type, serial)
                # First quarter stays in the secondary warehouse (to transfer down), the rest
                # is in the social-channel warehouse; some of those are already picked up.
                if serial <= size // 4:
                    kind, loc, state = "warehouse", secondary, "in_stock"
                elif serial > size - size // 8:
                    kind, loc, state = "agent", rng.choice(agents[no]), "picked_up"
                else:
                    kind, loc, state = "warehouse", target, "in_stock"
                txn.put(
                    CARDS,
                    iccid,
                    {
                        "iccid": iccid,
                        "card_type": card_type,
                        "dept_id": dept_of_branch(no),
                        "state": state,
                        "loc_kind": kind,
                        "loc_id": loc,
                        "batch": batch,
                    },
                )
                txn.put(
                    MOVES,
                    f"{batch}:{iccid}",
                    {
                        "iccid": iccid,
                        "batch": batch,
                        "from": "",
                        "to": f"{kind}:{loc}",
                        "state": state,
                    },
                )
                total += 1
    seeded = txn.get(BATCHES, batch)
    assert seeded is not None, "the seed batch is written above"
    txn.put(BATCHES, batch, {**seeded, "count": total})
    _seed_staff(txn)


def _seed_staff(txn: Transaction) -> None:
    """c001 and s001 get the demo department; c002 is the receiving-side clerk."""
    for staff_id in ("c001", "s001"):
        doc = txn.get(STAFF, staff_id)
        if doc is not None:
            extra = {"agent_id": DEMO_AGENT} if staff_id == "c001" else {}
            txn.put(STAFF, staff_id, {**doc, "dept_id": DEMO_DEPT, **extra})
    salt = hashlib.sha256(b"demo-salt:c002").hexdigest()[:32]
    doc = new_staff_doc(
        "c002",
        "赵敏",
        ["clerk"],
        _demo_branch(txn),
        "demo-pass-1",
        dept_id=DEMO_DEPT,
        salt_hex=salt,
    )
    txn.put(STAFF, "c002", {**doc, "agent_id": "A00102"})


def _demo_branch(txn: Transaction) -> str:
    c001 = txn.get(STAFF, "c001")
    return c001["branch"] if c001 else "demo"
