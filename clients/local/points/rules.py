"""Postal points: members, the append-only points ledger, redemptions, reversal and grants.

Points are integers. Every change of a balance is one ledger row (earn, redeem, reverse,
adjust) written in the same transaction as the member's running balance document, so the
balance always equals the sum of the member's ledger rows. Money is ``Decimal`` at the rate of
the member's program, stored with each redemption; no rate is written in code.
"""

from __future__ import annotations

import math
import random
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from branchdesk.clients import validators
from branchdesk.clients.local import audit, pii
from branchdesk.clients.local.auth import Staff
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.errors import DomainError, register_messages
from branchdesk.clients.local.points import otp as points_otp
from branchdesk.clients.local.store import Doc, Store, Transaction

PROGRAMS = "programs"
INSTITUTIONS = "points_institutions"
MEMBERS = "members"
LEDGER = "points_ledger"
BALANCES = "points_balances"
REDEMPTIONS = "redemptions"

CHANNELS = ("mall", "pos", "proxy", "outlet")
"""积分商城, 邮掌柜, 掌柜代兑换, 邮乐购 outlets."""
KINDS = ("earn", "redeem", "reverse", "adjust")
MAX_POINTS = 10_000_000
CENT = Decimal("0.01")

register_messages(
    {
        "member_not_found": {"zh-CN": "未找到该会员。", "en": "No such member."},
        "member_query_required": {
            "zh-CN": "请输入会员卡号或手机号。",
            "en": "Enter a member card number or a mobile number.",
        },
        "member_id_unbound": {
            "zh-CN": "该会员尚未绑定身份证号,不能兑换积分。",
            "en": "This member has not bound an ID number and cannot redeem points.",
        },
        "member_exists": {
            "zh-CN": "该手机号或卡号已有会员。",
            "en": "A member with this mobile or card number already exists.",
        },
        "member_field_invalid": {
            "zh-CN": "会员信息有误:{field}。",
            "en": "Member details are not valid: {field}.",
        },
        "points_invalid": {
            "zh-CN": "积分必须是 1 到 {max} 之间的整数。",
            "en": "Points must be a whole number from 1 to {max}.",
        },
        "channel_invalid": {"zh-CN": "兑换渠道无效。", "en": "Unknown redemption channel."},
        "insufficient_points": {
            "zh-CN": "积分不足:需要 {required} 分,当前 {balance} 分,还差 {missing} 分。",
            "en": "Not enough points: {required} needed, {balance} available, {missing} missing.",
        },
        "proxy_offline_only": {
            "zh-CN": "金融网点掌柜只能为线下会员代兑换。",
            "en": "Shopkeepers at financial outlets may only proxy-redeem for offline members.",
        },
        "order_invalid": {
            "zh-CN": "订单内容有误:{reason}。",
            "en": "The order is not valid: {reason}.",
        },
        "program_missing": {
            "zh-CN": "会员的积分项目不存在,无法计算金额。",
            "en": "The member's points program is missing; the value cannot be computed.",
        },
        "redemption_not_found": {"zh-CN": "未找到该兑换记录。", "en": "No such redemption."},
        "redemption_not_pending": {
            "zh-CN": "该兑换已不在待验证状态(当前:{state})。",
            "en": "This redemption is no longer waiting for a code (now: {state}).",
        },
        "redemption_not_settled": {
            "zh-CN": "只能冲正已结算的兑换(当前:{state})。",
            "en": "Only a settled redemption can be reversed (now: {state}).",
        },
        "already_reversed": {
            "zh-CN": "该兑换已冲正过,不能重复冲正。",
            "en": "This redemption has already been reversed.",
        },
        "reason_required": {"zh-CN": "请填写原因。", "en": "A reason is required."},
        "balance_negative": {
            "zh-CN": "调整后积分不能为负(当前 {balance} 分)。",
            "en": "The adjustment would make the balance negative ({balance} available).",
        },
        "institution_not_found": {"zh-CN": "机构号不存在。", "en": "Unknown institution."},
        "redemption_not_cancellable": {
            "zh-CN": "只能取消待验证的兑换（当前：{state}）。",
            "en": "Only a redemption waiting for its code can be cancelled (now: {state}).",
        },
        "redemption_not_yours": {
            "zh-CN": "只能查看本人经办的兑换。",
            "en": "You can list only the redemptions you handled.",
        },
        "member_duplicate_id": {
            "zh-CN": "该身份证号已绑定会员 {member_id}。",
            "en": "This ID number is already bound to member {member_id}.",
        },
    }
)
LIST_LIMIT = 500


# -- programs, institutions, members ---------------------------------------------------------
def program_rate(txn_or_store: Any, program_id: str) -> Decimal:
    program = txn_or_store.get(PROGRAMS, program_id)
    if program is None:
        raise DomainError(500, "program_missing")
    return Decimal(program["rate"])


def money(points: int, rate: Decimal) -> Decimal:
    return (Decimal(points) * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def points_for_amount(amount: Decimal, rate: Decimal) -> int:
    """The points that cover ``amount`` at ``rate`` (rounded up: never under-charge)."""
    return math.ceil(amount / rate)


def balance(store: Any, member_id: str) -> int:
    doc = store.get(BALANCES, member_id)
    return doc["balance"] if doc else 0


def ledger_rows(store: Any, member_id: str) -> list[Doc]:
    return sorted(store.lookup(LEDGER, "member_id", member_id), key=lambda r: r["seq"])


def find_member(backend: Backend, card: str | None, phone: str | None) -> Doc:
    store = backend.store
    if card and card.strip():
        found = store.lookup(MEMBERS, "card_no", card.replace(" ", ""))
    elif phone and phone.strip():
        found = pii.lookup(backend, MEMBERS, "mobile", phone.strip())
    else:
        raise DomainError(422, "member_query_required")
    if not found:
        raise DomainError(404, "member_not_found")
    return found[0]


def get_member(store: Store, member_id: str) -> Doc:
    member = store.get(MEMBERS, member_id)
    if member is None:
        raise DomainError(404, "member_not_found")
    return member


def member_view(store: Any, member: Doc) -> dict[str, Any]:
    """What a cashier sees: masked PII, balance and its money value at the program rate."""
    rate = program_rate(store, member["program_id"])
    points = balance(store, member["id"])
    institution = store.get(INSTITUTIONS, member["institution_id"]) or {}
    return {
        "id": member["id"],
        "name": validators.mask_name(member["name"]),
        "mobile": pii.masked(member, "mobile") or "",
        "card": validators.mask_card(member["card_no"]),
        "id_number": pii.masked(member, "id_number"),
        "id_bound": bool(member.get("id_number")),
        "offline": bool(member.get("offline")),
        "program_id": member["program_id"],
        "rate": str(rate),
        "points": points,
        "value": str(money(points, rate)),
        "institution_id": member["institution_id"],
        "institution_name": institution.get("name", ""),
    }


def create_member(backend: Backend, staff: Staff, body: dict[str, Any]) -> Doc:
    store = backend.store
    name = str(body.get("name", "")).strip()
    mobile = str(body.get("mobile", "")).strip()
    card_no = str(body.get("card_no") or "").replace(" ", "")
    id_number = str(body.get("id_number") or "").strip().upper() or None
    if not name or len(name) > 40:
        raise DomainError(422, "member_field_invalid", details={"field": "name"}, field="name")
    if validators.mobile_error(mobile):
        raise DomainError(422, "member_field_invalid", details={"field": "mobile"}, field="mobile")
    if card_no and validators.card_number_error(card_no):
        raise DomainError(
            422, "member_field_invalid", details={"field": "card_no"}, field="card_no"
        )
    if id_number and validators.id_number_error(id_number):
        raise DomainError(
            422, "member_field_invalid", details={"field": "id_number"}, field="id_number"
        )
    institution_id = str(body.get("institution_id", ""))
    if store.get(INSTITUTIONS, institution_id) is None:
        raise DomainError(422, "institution_not_found", details={"field": "institution_id"})
    program_id = str(body.get("program_id") or _default_program(store))
    if store.get(PROGRAMS, program_id) is None:
        raise DomainError(
            422, "member_field_invalid", details={"field": "program_id"}, field="program_id"
        )
    existing = pii.lookup(backend, MEMBERS, "mobile", mobile) or (
        store.lookup(MEMBERS, "card_no", card_no) if card_no else []
    )
    if existing:
        raise DomainError(409, "member_exists", details={"member_id": existing[0]["id"]})
    same_id = pii.lookup(backend, MEMBERS, "id_number", id_number) if id_number else []
    if same_id:
        raise DomainError(
            409,
            "member_duplicate_id",
            details={"member_id": same_id[0]["id"]},
            member_id=same_id[0]["id"],
        )
    with store.transaction() as txn:
        member_id = f"M{txn.next_id(MEMBERS):06d}"
        if not card_no:
            card_no = member_card_number(member_id)
        doc = {
            "id": member_id,
            "name": name,
            "mobile": mobile,
            "card_no": card_no,
            "id_number": id_number,
            "program_id": program_id,
            "institution_id": institution_id,
            "offline": bool(body.get("offline", True)),
            "created_at": backend.now_iso(),
        }
        doc = pii.seal(backend, MEMBERS, doc)
        txn.put(MEMBERS, member_id, doc)
        txn.put(BALANCES, member_id, {"member_id": member_id, "balance": 0, "last_seq": 0})
        audit.record(
            txn, "member.create", member_id, backend.now_iso(), {"institution_id": institution_id}
        )
    return doc


def _default_program(store: Store) -> str:
    programs = sorted(store.keys(PROGRAMS))
    if not programs:
        raise DomainError(500, "program_missing")
    return programs[0]


def member_card_number(member_id: str) -> str:
    """A 19-digit member card number with a Luhn check digit, derived from the member ID."""
    body = "621098" + f"{int(member_id[1:]):012d}"
    return body + str(validators.luhn_check_digit(body))


# -- the ledger --------------------------------------------------------------------------------
def append_ledger(
    txn: Transaction,
    member: Doc,
    kind: str,
    points: int,
    at: str,
    *,
    ref: str | None = None,
    channel: str | None = None,
    actor: str | None = None,
    note: str = "",
) -> Doc:
    """One ledger row and the member's new running balance, in the caller's transaction."""
    assert kind in KINDS
    current = txn.get(BALANCES, member["id"]) or {"balance": 0}
    new_balance = current["balance"] + points
    if new_balance < 0:
        raise DomainError(409, "balance_negative", balance=current["balance"])
    seq = txn.next_id(LEDGER)
    row = {
        "seq": seq,
        "member_id": member["id"],
        "kind": kind,
        "points": points,
        "balance_after": new_balance,
        "at": at,
        "ref": ref,
        "channel": channel,
        "institution_id": member["institution_id"],
        "actor": actor,
        "note": note,
    }
    txn.put(LEDGER, f"{seq:012d}", row)
    txn.put(
        BALANCES, member["id"], {"member_id": member["id"], "balance": new_balance, "last_seq": seq}
    )
    return row


def check_points(points: Any) -> int:
    if isinstance(points, bool) or not isinstance(points, int) or not 1 <= points <= MAX_POINTS:
        raise DomainError(422, "points_invalid", details={"field": "points"}, max=MAX_POINTS)
    return points


def _insufficient(available: int, required: int) -> DomainError:
    return DomainError(
        409,
        "insufficient_points",
        details={"balance": available, "required": required, "missing": required - available},
        balance=available,
        required=required,
        missing=required - available,
    )


# -- redemptions -------------------------------------------------------------------------------
def order_amount(items: list[dict[str, Any]]) -> Decimal:
    """Sum of quantity × unit price of a proxy order; every line must make sense."""
    if not items:
        raise DomainError(422, "order_invalid", details={"field": "items"}, reason="items")
    total = Decimal(0)
    for number, item in enumerate(items, start=1):
        name = str(item.get("name", "")).strip()
        quantity = item.get("quantity")
        if (
            not name
            or isinstance(quantity, bool)
            or not isinstance(quantity, int)
            or not 1 <= quantity <= 999
            or _price(item.get("unit_price")) is None
        ):
            raise DomainError(422, "order_invalid", details={"line": number}, reason=f"#{number}")
        price = _price(item.get("unit_price"))
        assert price is not None
        total += price * quantity
    return total.quantize(CENT)


MAX_PRICE = Decimal("1000000")


def _price(raw: Any) -> Decimal | None:
    """A unit price in CNY with at most two decimals, or None (huge exponents included)."""
    try:
        price = Decimal(str(raw))
        if not price.is_finite() or not 0 < price <= MAX_PRICE:
            return None
        return price if price == price.quantize(CENT) else None
    except ArithmeticError:
        return None


def create_redemption(backend: Backend, staff: Staff, body: dict[str, Any]) -> Doc:
    store = backend.store
    channel = body.get("channel")
    if channel not in CHANNELS:
        raise DomainError(422, "channel_invalid", details={"field": "channel"})
    member = get_member(store, str(body.get("member_id", "")))
    if not member.get("id_number"):
        raise DomainError(409, "member_id_unbound")
    if channel == "proxy" and not member.get("offline"):
        raise DomainError(409, "proxy_offline_only")
    rate = program_rate(store, member["program_id"])
    items = body.get("items") or None
    if items is not None:
        order_total = order_amount(items)
        points = points_for_amount(order_total, rate)
        if body.get("points") not in (None, points):
            raise DomainError(422, "order_invalid", details={"field": "points"}, reason="points")
    else:
        points = check_points(body.get("points"))
        order_total = None
    available = balance(store, member["id"])
    if points > available:
        raise _insufficient(available, points)
    now = backend.now_iso()
    with store.transaction() as txn:
        redemption_id = f"R{txn.next_id(REDEMPTIONS):08d}"
        doc = {
            "id": redemption_id,
            "member_id": member["id"],
            "points": points,
            "rate": str(rate),
            "amount": str(money(points, rate)),
            "order_amount": str(order_total) if order_total is not None else None,
            "items": items,
            "channel": channel,
            "order_ref": body.get("order_ref") or None,
            "institution_id": member["institution_id"],
            "status": "pending_otp",
            "created_at": now,
            "created_by": staff.id,
            "settled_at": None,
            "balance_after": None,
            "challenge_id": None,
            "reversed_at": None,
            "reversed_by": None,
            "reverse_reason": None,
        }
        txn.put(REDEMPTIONS, redemption_id, doc)
        doc = points_otp.issue(txn, backend, doc, member)
        audit.record(
            txn,
            "redemption.create",
            redemption_id,
            now,
            {"member_id": member["id"], "points": points, "channel": channel},
        )
    return doc


def get_redemption(store: Store, redemption_id: str) -> Doc:
    doc = store.get(REDEMPTIONS, redemption_id)
    if doc is None:
        raise DomainError(404, "redemption_not_found")
    return doc


def resend_code(backend: Backend, staff: Staff, redemption_id: str) -> Doc:
    store = backend.store
    doc = get_redemption(store, redemption_id)
    if doc["status"] != "pending_otp":
        raise DomainError(409, "redemption_not_pending", state=doc["status"])
    member = get_member(store, doc["member_id"])
    with store.transaction() as txn:
        doc = points_otp.issue(txn, backend, doc, member, resend=True)
        audit.record(txn, "redemption.otp_resend", redemption_id, backend.now_iso())
    return doc


def settle(backend: Backend, staff: Staff, redemption_id: str, code: str) -> Doc:
    """Check the code, then re-check the balance and write the redeem row, atomically."""
    store = backend.store
    doc = get_redemption(store, redemption_id)
    if doc["status"] != "pending_otp":
        raise DomainError(409, "redemption_not_pending", state=doc["status"])
    member = get_member(store, doc["member_id"])
    points_otp.verify(backend, doc, member, code)
    now = backend.now_iso()
    with store.transaction() as txn:
        available = balance(txn.store, member["id"])
        if doc["points"] > available:
            raise _insufficient(available, doc["points"])
        row = append_ledger(
            txn,
            member,
            "redeem",
            -doc["points"],
            now,
            ref=doc["id"],
            channel=doc["channel"],
            actor=staff.id,
        )
        points_otp.consume(txn, doc)
        doc = {
            **doc,
            "status": "settled",
            "settled_at": now,
            "balance_after": row["balance_after"],
            "settled_by": staff.id,
        }
        txn.put(REDEMPTIONS, doc["id"], doc)
        audit.record(
            txn,
            "redemption.settle",
            doc["id"],
            now,
            {"member_id": member["id"], "points": doc["points"], "amount": doc["amount"]},
        )
    return doc


def reverse(backend: Backend, staff: Staff, redemption_id: str, reason: str) -> Doc:
    store = backend.store
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(422, "reason_required", details={"field": "reason"})
    doc = get_redemption(store, redemption_id)
    if doc["status"] == "reversed":
        raise DomainError(409, "already_reversed")
    if doc["status"] != "settled":
        raise DomainError(409, "redemption_not_settled", state=doc["status"])
    member = get_member(store, doc["member_id"])
    now = backend.now_iso()
    with store.transaction() as txn:
        row = append_ledger(
            txn,
            member,
            "reverse",
            doc["points"],
            now,
            ref=doc["id"],
            channel=doc["channel"],
            actor=staff.id,
            note=reason[:200],
        )
        doc = {
            **doc,
            "status": "reversed",
            "reversed_at": now,
            "reversed_by": staff.id,
            "reverse_reason": reason[:200],
            "balance_after_reverse": row["balance_after"],
        }
        txn.put(REDEMPTIONS, doc["id"], doc)
        audit.record(
            txn,
            "redemption.reverse",
            doc["id"],
            now,
            {"member_id": member["id"], "points": doc["points"], "reason": reason[:200]},
        )
    return doc


def redemption_view(store: Any, doc: Doc) -> dict[str, Any]:
    """A redemption as staff see it: with the member masked, the outlet and the staff names."""
    member = store.get(MEMBERS, doc["member_id"]) or {}
    institution = store.get(INSTITUTIONS, doc.get("institution_id") or "") or {}
    staff_doc = store.get("staff", doc.get("created_by") or "") or {}
    return {
        **doc,
        "member_name": validators.mask_name(member["name"]) if member else "",
        "member_card": validators.mask_card(member["card_no"]) if member else "",
        "member_mobile": (pii.masked(member, "mobile") or "") if member else "",
        "institution_name": institution.get("name", ""),
        "created_by_name": staff_doc.get("name", ""),
    }


def list_redemptions(
    store: Any,
    staff: Staff,
    *,
    created_by: str | None,
    since: str | None,
    until: str | None,
    status: str | None = None,
) -> list[dict[str, Any]]:
    """Redemptions handled by ``created_by`` in [since, until), newest first.

    A cashier sees only their own; a supervisor anyone's (or everyone's, with no filter).
    """
    if "supervisor" not in staff.roles:
        if created_by not in (None, staff.id):
            raise DomainError(403, "redemption_not_yours")
        created_by = staff.id
    where: dict[str, Any] = {}
    if created_by:
        where["created_by"] = created_by
    if status is not None:
        where["status"] = status
    chosen = store.select(
        REDEMPTIONS,
        where=where,
        field="created_at",
        lo=since,
        hi=until,
        newest_first=True,
        limit=LIST_LIMIT,
    )
    return [redemption_view(store, d) for d in chosen]


def cancel(backend: Backend, staff: Staff, redemption_id: str) -> Doc:
    """Abandon a redemption still waiting for its code: its code dies, no points move."""
    store = backend.store
    doc = get_redemption(store, redemption_id)
    if doc["status"] != "pending_otp":
        raise DomainError(409, "redemption_not_cancellable", state=doc["status"])
    now = backend.now_iso()
    with store.transaction() as txn:
        points_otp.cancel(txn, doc)
        doc = {**doc, "status": "cancelled", "cancelled_at": now, "cancelled_by": staff.id}
        txn.put(REDEMPTIONS, doc["id"], doc)
        audit.record(txn, "redemption.cancel", doc["id"], now, {"member_id": doc["member_id"]})
    return doc


def grant(backend: Backend, staff: Staff, body: dict[str, Any]) -> Doc:
    """Manual issuance (earn) or a signed correction (adjust) for one member."""
    store = backend.store
    member = get_member(store, str(body.get("member_id", "")))
    kind = body.get("kind", "earn")
    points = body.get("points")
    note = str(body.get("note") or "").strip()[:200]
    if kind == "adjust":
        if (
            isinstance(points, bool)
            or not isinstance(points, int)
            or points == 0
            or abs(points) > MAX_POINTS
        ):
            raise DomainError(422, "points_invalid", details={"field": "points"}, max=MAX_POINTS)
        if not note:
            raise DomainError(422, "reason_required", details={"field": "note"})
    elif kind == "earn":
        points = check_points(points)
    else:
        raise DomainError(422, "points_invalid", details={"field": "kind"}, max=MAX_POINTS)
    now = backend.now_iso()
    with store.transaction() as txn:
        row = append_ledger(txn, member, kind, points, now, ref="manual", actor=staff.id, note=note)
        audit.record(
            txn,
            f"points.{kind}",
            member["id"],
            now,
            {"points": points, "note": note, "seq": row["seq"]},
        )
    return row


# -- demo data ---------------------------------------------------------------------------------
DEMO_PROGRAM = {"id": "P01", "name": "邮储积分", "rate": "0.50", "currency": "CNY"}
DEMO_INSTITUTIONS = [
    ("52230101", "坪东邮政支局", "贵州省", "黔西南州", "兴义市"),
    ("52230102", "下五屯邮政所", "贵州省", "黔西南州", "兴义市"),
    ("52230103", "桔山邮政所", "贵州省", "黔西南州", "兴义市"),
    ("52232801", "安龙县邮政支局", "贵州省", "黔西南州", "安龙县"),
]
DEMO_MEMBER_MOBILE = "13800138000"
DEMO_UNBOUND_MOBILE = "13800138001"
DEMO_ONLINE_MOBILE = "13800138002"
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


def seed_points(txn: Transaction, backend: Backend, rng: random.Random) -> None:
    """Program, outlets, the demo members, and a month of history for the reports."""
    txn.put(PROGRAMS, DEMO_PROGRAM["id"], dict(DEMO_PROGRAM))
    for number, name, province, city, county in DEMO_INSTITUTIONS:
        txn.put(
            INSTITUTIONS,
            number,
            {"id": number, "name": name, "province": province, "city": city, "county": county},
        )
    now = backend.settings.now()

    def add(name: str, mobile: str, id_number: str | None, institution: str, offline: bool) -> Doc:
        member_id = f"M{txn.next_id(MEMBERS):06d}"
        doc = {
            "id": member_id,
            "name": name,
            "mobile": mobile,
            "card_no": member_card_number(member_id),
            "id_number": id_number,
            "program_id": DEMO_PROGRAM["id"],
            "institution_id": institution,
            "offline": offline,
            "created_at": (now - timedelta(days=60)).isoformat(timespec="seconds"),
        }
        doc = pii.seal(backend, MEMBERS, doc)
        txn.put(MEMBERS, member_id, doc)
        txn.put(BALANCES, member_id, {"member_id": member_id, "balance": 0, "last_seq": 0})
        return doc

    def at(days_ago: float) -> str:
        return (now - timedelta(days=days_ago)).isoformat(timespec="seconds")

    demo = add("张三丰", DEMO_MEMBER_MOBILE, _demo_id(rng), "52230101", True)
    append_ledger(txn, demo, "earn", 800, at(40), ref="seed", note="定期存款")
    append_ledger(txn, demo, "earn", 200, at(35), ref="seed", note="保险")
    unbound = add("李四", DEMO_UNBOUND_MOBILE, None, "52230101", True)
    append_ledger(txn, unbound, "earn", 300, at(30), ref="seed", note="定期存款")
    online = add("王五", DEMO_ONLINE_MOBILE, _demo_id(rng), "52230102", False)
    append_ledger(txn, online, "earn", 500, at(30), ref="seed", note="定期存款")
    institutions = [row[0] for row in DEMO_INSTITUTIONS]
    rate = Decimal(DEMO_PROGRAM["rate"])
    for n in range(24):
        name = rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(_GIVEN)
        mobile = f"139{rng.randrange(10**8):08d}"
        member = add(name, mobile, _demo_id(rng), rng.choice(institutions), n % 3 != 0)
        append_ledger(
            txn,
            member,
            "earn",
            rng.choice((16, 32, 48, 160, 320, 480)) * 5,
            at(rng.uniform(29, 31)),
            ref="seed",
            note="定期存款",
        )
        for _ in range(rng.randrange(1, 5)):
            points = rng.choice((20, 40, 58, 100, 120, 200))
            if points > balance(txn.store, member["id"]):
                break
            when = at(rng.uniform(0.1, 28))
            channel = rng.choice(CHANNELS)
            redemption_id = f"R{txn.next_id(REDEMPTIONS):08d}"
            row = append_ledger(
                txn,
                member,
                "redeem",
                -points,
                when,
                ref=redemption_id,
                channel=channel,
                actor="k001",
            )
            txn.put(
                REDEMPTIONS,
                redemption_id,
                {
                    "id": redemption_id,
                    "member_id": member["id"],
                    "points": points,
                    "rate": str(rate),
                    "amount": str(money(points, rate)),
                    "order_amount": None,
                    "items": None,
                    "channel": channel,
                    "order_ref": f"D{rng.randrange(10**9):09d}",
                    "institution_id": member["institution_id"],
                    "status": "settled",
                    "created_at": when,
                    "created_by": "k001",
                    "settled_at": when,
                    "settled_by": "k001",
                    "balance_after": row["balance_after"],
                    "challenge_id": None,
                    "reversed_at": None,
                    "reversed_by": None,
                    "reverse_reason": None,
                },
            )


def _demo_id(rng: random.Random) -> str:
    first17 = (
        "522301"
        + f"{rng.randrange(1960, 2000)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}"
        + f"{rng.randrange(1000):03d}"
    )
    return first17 + validators.id_check_char(first17)
