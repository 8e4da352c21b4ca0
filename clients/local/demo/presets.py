"""Scenario presets: reset the sandbox store to fresh demo data plus one teaching situation.

A trainer picks a preset to teach a hard case (a customer without a UKey, a card that was
already written, a return to the wrong agent, too few points, a wrong SMS code three times).
Applying one wipes the workflow data, runs the demo seeders again and arranges the case, all in
the request's transaction: a failure leaves the sandbox as it was.

Only a sandbox backend with a demo store may be reset: a real store is never touched.
Sessions, the idempotency records and the audit log survive a reset (the trainer stays logged
in, a retried reset replays, and the reset itself is audited).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from branchdesk.clients import validators
from branchdesk.clients.local import audit, pii, seed
from branchdesk.clients.local.auth import DEMO_BRANCH, Staff
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.errors import DomainError, register_messages
from branchdesk.clients.local.installment import orders as installment_orders
from branchdesk.clients.local.installment import rules as installment
from branchdesk.clients.local.onboarding import rules as onboarding
from branchdesk.clients.local.points import rules as points
from branchdesk.clients.local.sim import rules as sim_stock
from branchdesk.clients.local.sim import seed as sim_seed
from branchdesk.clients.local.store import Transaction

LAST_RESET = "sandbox_reset"
KEPT_TABLES = frozenset({"sessions", "idempotency", "audit", "_meta"})
KEPT_COUNTERS = frozenset({"audit"})
"""Sequence counters that must go on after a reset (audit rows are never overwritten)."""

# The teaching cases, fixed so that a trainer's handout stays right after every reset.
UKEY_CUSTOMER = "周国强"
WRITTEN_SERIAL = 350
WRONG_AGENT_SERIALS = (201, 205)
WRONG_AGENT_HOLDER = "A00102"
WRONG_AGENT_NAMED = sim_seed.DEMO_AGENT
LOW_POINTS_MOBILE = "13800138003"
LOW_POINTS_BALANCE = 30
BOUND_CLERK = ("c001", "13985900001", "李建国", "MER001")
BOUND_CLERK_ID17 = "52230119850612003"
LATE_REVIEW = ("潘志刚", 14)
"""A customer of c001 whose funder review has run 14 minutes: "likely refused" on the board."""
RECENT_SALE = ("韦小红", 1)
"""A customer of c001 whose purchase completed a day ago: revocable (7-day window)."""

FACTS: dict[str, dict[str, Any]] = {
    "ukey_missing": {"customer": UKEY_CUSTOMER, "staff": "m001"},
    "card_written": {
        "iccid": sim_seed.demo_iccid(1, "128k_normal", WRITTEN_SERIAL),
        "staff": "c001",
        "device": "branchdesk vcard --written --iccid "
        + sim_seed.demo_iccid(1, "128k_normal", WRITTEN_SERIAL),
    },
    "wrong_agent": {
        "start": sim_seed.demo_iccid(1, "128k_normal", WRONG_AGENT_SERIALS[0]),
        "end": sim_seed.demo_iccid(1, "128k_normal", WRONG_AGENT_SERIALS[1]),
        "picked_up_by": WRONG_AGENT_HOLDER,
        "return_to": WRONG_AGENT_NAMED,
        "staff": "c001",
    },
    "low_points": {"phone": LOW_POINTS_MOBILE, "points": LOW_POINTS_BALANCE, "staff": "k001"},
    "installment_bound": {
        "staff": BOUND_CLERK[0],
        "job_no": BOUND_CLERK[1],
        "late": LATE_REVIEW[0],
        "minutes": LATE_REVIEW[1],
        "recent": RECENT_SALE[0],
    },
    "otp_wrong": {
        "phone": points.DEMO_MEMBER_MOBILE,
        "points": 100,
        "wrong_code": "000000",
        "staff": "k001",
    },
}

register_messages(
    {
        "preset_not_found": {
            "zh-CN": "没有名为 {name} 的演示场景。",
            "en": "There is no demo scenario called {name}.",
        },
        "preset_not_sandbox": {
            "zh-CN": "只能在演示沙箱中重置场景,当前数据不是演示数据。",
            "en": "Scenarios can only be reset in the demo sandbox; this store is not demo data.",
        },
    }
)


@dataclass(frozen=True)
class Preset:
    name: str
    title: dict[str, str]
    teach: dict[str, str]
    """What the trainer does with it, with the values the case was set up with."""
    arrange: Callable[[Transaction, Backend], dict[str, Any]]

    def facts(self) -> dict[str, Any]:
        """The fixed values of the case (known before it is applied), for the teaching text."""
        return dict(FACTS.get(self.name, {}))


def _baseline(txn: Transaction, backend: Backend) -> dict[str, Any]:
    return {}


def _ukey_missing(txn: Transaction, backend: Backend) -> dict[str, Any]:
    """A retailer whose orders exceed the e-token limit, with online banking but no UKey yet."""
    data = onboarding.demo_customer(random.Random(7), 0)
    data.update(name=UKEY_CUSTOMER, area="坪东", token_type="ukey", order_amount="150000")
    now = backend.now_iso()
    doc = onboarding.insert_customer(txn, backend, data, "m001", DEMO_BRANCH, now)
    stored: dict[str, Any] = {}
    for item in ("card", "online_banking"):
        record = {
            "customer_id": doc["id"],
            "item": item,
            "status": "done",
            "note": "",
            "evidence": {},
            "version": 1,
            "updated_by": "m001",
            "updated_at": now,
        }
        onboarding._write_item(txn, doc, stored, record)  # same path as the demo seed
        stored[item] = record
        doc = txn.get(onboarding.CUSTOMERS, doc["id"]) or doc
    return {**FACTS["ukey_missing"], "customer_id": doc["id"]}


def _to_agent(
    txn: Transaction, card: dict[str, Any], agent_id: str, state: str, action: str, batch: str
) -> dict[str, Any]:
    """``card`` moves to ``state``, held by agent ``agent_id``, in the preset's ``batch``."""
    return sim_stock.move_card(
        txn,
        card,
        state=state,
        loc_kind="agent",
        loc_id=agent_id,
        action=action,
        batch_id=batch,
    )


def _card_written(txn: Transaction, backend: Backend) -> dict[str, Any]:
    """A card of c001's agent that the backend already knows as written."""
    iccid = sim_seed.demo_iccid(1, "128k_normal", WRITTEN_SERIAL)
    card = txn.get(sim_stock.CARDS, iccid)
    if card is None:
        raise DomainError(409, "preset_not_sandbox")
    batch = sim_stock.new_batch_id(txn)
    txn.put(
        sim_stock.BATCHES,
        batch,
        {
            "id": batch,
            "action": "write",
            "count": 1,
            "operator": "preset",
            "at": backend.now_iso(),
            "dept_id": card["dept_id"],
        },
    )
    if card["state"] == "in_stock":
        card = _to_agent(txn, card, sim_seed.DEMO_AGENT, "picked_up", "pickup", batch)
    elif card["loc_id"] != sim_seed.DEMO_AGENT:
        card = {**card, "loc_kind": "agent", "loc_id": sim_seed.DEMO_AGENT}
    _to_agent(txn, card, sim_seed.DEMO_AGENT, "written", "write", batch)
    return FACTS["card_written"]


def _wrong_agent(txn: Transaction, backend: Backend) -> dict[str, Any]:
    """Five cards picked up by agent A00102; the trainee returns them naming A00101."""
    first, last = WRONG_AGENT_SERIALS
    batch = sim_stock.new_batch_id(txn)
    holder = txn.get(sim_stock.AGENTS, WRONG_AGENT_HOLDER)
    assert holder is not None
    iccids = []
    for serial in range(first, last + 1):
        iccid = sim_seed.demo_iccid(1, "128k_normal", serial)
        card = txn.get(sim_stock.CARDS, iccid)
        assert card is not None and card["state"] == "in_stock", iccid
        _to_agent(txn, card, WRONG_AGENT_HOLDER, "picked_up", "pickup", batch)
        iccids.append(iccid)
    txn.put(
        sim_stock.BATCHES,
        batch,
        {
            "id": batch,
            "action": "pickup",
            "count": len(iccids),
            "operator": "preset",
            "at": backend.now_iso(),
            "dept_id": holder["dept_id"],
        },
    )
    return FACTS["wrong_agent"]


def _low_points(txn: Transaction, backend: Backend) -> dict[str, Any]:
    """A member with an ID bound but only 30 points: any real order is refused."""
    member_id = f"M{txn.next_id(points.MEMBERS):06d}"
    member = {
        "id": member_id,
        "name": "赵六",
        "mobile": LOW_POINTS_MOBILE,
        "card_no": points.member_card_number(member_id),
        "id_number": "522301198805120417",
        "program_id": points.DEMO_PROGRAM["id"],
        "institution_id": points.DEMO_INSTITUTIONS[0][0],
        "offline": True,
        "created_at": backend.now_iso(),
    }
    member = pii.seal(backend, points.MEMBERS, member)
    txn.put(points.MEMBERS, member_id, member)
    txn.put(points.BALANCES, member_id, {"member_id": member_id, "balance": 0, "last_seq": 0})
    points.append_ledger(
        txn, member, "earn", LOW_POINTS_BALANCE, backend.now_iso(), ref="preset", note="定期存款"
    )
    return FACTS["low_points"]


def _otp_wrong(txn: Transaction, backend: Backend) -> dict[str, Any]:
    """The demo member with a clean SMS history (no cooldown, no hourly limit reached)."""
    return FACTS["otp_wrong"]


def _installment_bound(txn: Transaction, backend: Backend) -> dict[str, Any]:
    """c001 bound as job number 13985900001 (what the registration leaves behind, the SMS code
    being unknowable ahead of time), one of its customers in a late review and one sold
    yesterday."""
    staff_id, job_no, name, merchant_id = BOUND_CLERK
    now = backend.settings.now()
    id_number = BOUND_CLERK_ID17 + validators.id_check_char(BOUND_CLERK_ID17)
    clerk = installment.clerk_doc(backend, staff_id, job_no, name, id_number, merchant_id)
    txn.put(installment.CLERKS, staff_id, clerk)
    base = {
        "qr_id": "Q00000000",
        "clerk_staff_id": staff_id,
        "merchant_id": merchant_id,
        "card_verification": "not_started",
        "addons": {"life_insurance": False, "flexible_repayment": False},
    }
    late_name, minutes = LATE_REVIEW
    created = now - timedelta(minutes=minutes + 8)
    submitted = now - timedelta(minutes=minutes)
    late_id = f"A{txn.next_id(installment_orders.APPLICATIONS):08d}"
    installment_orders.put_new(
        txn,
        backend,
        {
            **base,
            "id": late_id,
            "customer_name": late_name,
            "customer_mobile": "13612340001",
            "created_at": installment.iso(created),
            "created_date": installment.iso(created)[:10],
            "step": "supplementary",
            "status": "in_review",
            "product": dict(installment_orders.DEFAULT_PRODUCT),
            "submitted_at": installment.iso(submitted),
            "review_outcome": "refused",
            "review_due_at": installment.iso(submitted + timedelta(minutes=30)),
            "contract_due_at": installment.iso(submitted + timedelta(minutes=31)),
        },
    )
    sale_name, days = RECENT_SALE
    created = now - timedelta(days=days, minutes=40)
    done = created + timedelta(minutes=40)
    sale_id = f"A{txn.next_id(installment_orders.APPLICATIONS):08d}"
    installment_orders.put_new(
        txn,
        backend,
        {
            **base,
            "id": sale_id,
            "customer_name": sale_name,
            "customer_mobile": "13612340002",
            "created_at": installment.iso(created),
            "created_date": installment.iso(created)[:10],
            "step": "my_applications",
            "status": "completed",
            "card_verification": "passed",
            "product": {
                "package": "畅享套餐 128元",
                "term_months": 24,
                "brand": "vivo",
                "model": "S18",
                "down_payment": "0.00",
                "price": "2699.00",
            },
            "submitted_at": installment.iso(created + timedelta(minutes=5)),
            "reviewed_at": installment.iso(created + timedelta(minutes=11)),
            "review_outcome": "approved",
            "completed_at": installment.iso(done),
            "voucher_uploaded_at": installment.iso(done),
            "contract_confirmed_at": installment.iso(done - timedelta(minutes=10)),
            "card_outcome": "passed",
            "card_verify_due_at": installment.iso(done + timedelta(minutes=5)),
            "payment_received_at": installment.iso(done + timedelta(minutes=5)),
        },
    )
    return {**FACTS["installment_bound"], "late_id": late_id, "recent_id": sale_id}


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in [
        Preset(
            "baseline",
            {"zh-CN": "全新演示数据", "en": "Fresh demo data"},
            {
                "zh-CN": "所有演示数据恢复初始状态。",
                "en": "Every workflow's demo data back to its starting point.",
            },
            _baseline,
        ),
        Preset(
            "ukey_missing",
            {"zh-CN": "客户缺少 UKey", "en": "Customer missing the UKey"},
            {
                "zh-CN": "用 m001 打开客户 {customer}:订单超过 10 万元需要 UKey,第 3 项未办。",
                "en": "As m001 open customer {customer}: orders over 100,000 CNY need a UKey; "
                "item 3 is not done.",
            },
            _ukey_missing,
        ),
        Preset(
            "card_written",
            {"zh-CN": "白卡已写过(请更换白卡!)", "en": "Card already written (请更换白卡!)"},
            {
                "zh-CN": "卡 {iccid} 已写卡。读卡器插入已写卡:{device}",
                "en": "Card {iccid} is already written. Insert a written card: {device}",
            },
            _card_written,
        ),
        Preset(
            "wrong_agent",
            {
                "zh-CN": "退卡代理商不一致(卡库位不一致)",
                "en": "Return to the wrong agent (卡库位不一致)",
            },
            {
                "zh-CN": "用 c001 批量退卡 {start}–{end},代理商选 {return_to}"
                "(实际领卡的是 {picked_up_by})。",
                "en": "As c001 return {start}–{end} naming agent {return_to} (they were "
                "picked up by {picked_up_by}).",
            },
            _wrong_agent,
        ),
        Preset(
            "low_points",
            {"zh-CN": "积分不足", "en": "Insufficient points"},
            {
                "zh-CN": "用 k001 查询会员 {phone}(仅 {points} 分),兑换 100 分。",
                "en": "As k001 look up member {phone} (only {points} points) and redeem 100.",
            },
            _low_points,
        ),
        Preset(
            "otp_wrong",
            {"zh-CN": "验证码连续输错三次", "en": "Wrong SMS code three times"},
            {
                "zh-CN": "用 k001 为 {phone} 兑换 {points} 分,验证码连续输入 {wrong_code} 三次。",
                "en": "As k001 redeem {points} points for {phone}; type {wrong_code} as the code "
                "three times.",
            },
            _otp_wrong,
        ),
        Preset(
            "installment_bound",
            {"zh-CN": "分期营业员已绑定", "en": "Installment clerk bound"},
            {
                "zh-CN": "{staff} 已以工号 {job_no} 绑定;客户 {late} 审核已 {minutes} 分钟"
                "(很可能被拒),客户 {recent} 昨天成交(7 天内可撤销)。",
                "en": "{staff} is bound as job number {job_no}; customer {late} has been in "
                "review for {minutes} minutes (likely refused); {recent} bought yesterday "
                "(revocable for 7 days).",
            },
            _installment_bound,
        ),
    ]
}


def require_sandbox(backend: Backend) -> None:
    meta = backend.store.get("_meta", "store") or {}
    if not (backend.settings.sandbox and backend.settings.demo and meta.get("demo")):
        raise DomainError(403, "preset_not_sandbox")


def describe(preset: Preset, lang: str) -> dict[str, Any]:
    teach = (preset.teach.get(lang) or preset.teach["en"]).format(**preset.facts())
    return {
        "name": preset.name,
        "title": preset.title.get(lang) or preset.title["en"],
        "teach": teach,
    }


def last_reset(backend: Backend, lang: str) -> dict[str, Any] | None:
    """The last preset applied to this sandbox: when, by whom, which (None before any)."""
    require_sandbox(backend)
    doc = backend.store.get("_meta", LAST_RESET)
    if doc is None:
        return None
    preset = PRESETS.get(doc["preset"])
    title = describe(preset, lang)["title"] if preset is not None else doc["preset"]
    return {**doc, "title": title}


def list_presets(backend: Backend, lang: str) -> list[dict[str, Any]]:
    require_sandbox(backend)
    return [describe(p, lang) for p in PRESETS.values()]


def apply_preset(backend: Backend, staff: Staff, name: str, lang: str) -> dict[str, Any]:
    """Wipe the workflow data, seed the demo data again and arrange ``name``; one transaction."""
    preset = PRESETS.get(name)
    if preset is None:
        raise DomainError(404, "preset_not_found", name=name)
    require_sandbox(backend)
    store = backend.store
    with store.transaction() as txn:
        for table in store.tables():  # every table, including ones only requests create
            if table in KEPT_TABLES:
                continue
            for key in store.keys(table):
                if table == "_counters" and key in KEPT_COUNTERS:
                    continue
                txn.delete(table, key)
        rng = random.Random(seed.SEED)
        for seeder in seed.DEMO_SEEDERS:
            seeder(txn, backend, rng)
        details = preset.arrange(txn, backend)
        audit.record(txn, "sandbox.preset", name, backend.now_iso(), details)
        # Every other session on the sandbox is told (GET /v1/sandbox/last-reset).
        txn.put(
            "_meta",
            LAST_RESET,
            {"at": backend.now_iso(), "by": staff.id, "by_name": staff.name, "preset": name},
        )
        txn.after_commit.append(backend.sms.clear)
    return {
        **describe(preset, lang),
        "details": details,
        "applied_at": backend.now_iso(),
        "applied_by": staff.id,
    }
