"""Opening an account with on-site card writing (开户写卡): the rules the server enforces.

An order goes through these states::

    reserved ──bind card──▶ card_bound ──written──▶ written ──confirm──▶ activated
       ▲  ▲                   │  │
       │  └──untouched/adm────┘  └──interrupted──▶ write_interrupted ──bind same card──▶ card_bound
       └─────────── cancel (from reserved, card_bound, write_interrupted) ──▶ cancelled

- Creating an order reserves the chosen number; the order keeps it until activation or cancel,
  so a retry after a pulled card completes with the same number (and the same IMSI).
- Binding a card checks it is a blank card picked up by the clerk's agent and that the card
  data file (号卡文件: ADM, Ki, OPc) is in the database, then allocates the IMSI once.
- The write script (with the secrets) is only handed to the staff member who owns the order,
  while a card is bound; it is never stored in responses that are kept for idempotent replay.
  Ki, OPc and ADM are sealed in the store (``script``) and never go into an audit row, a log
  line or an error message. A script a card writer would refuse (a bad ADM, an SPN that does
  not fit, a bad IMSI or ICCID...) is refused before the card is bound.
- A card pulled mid-write is marked ``write_interrupted`` (sim_stock state machine) and only
  the same card may be written for that order. A rejected ADM key blocks the card for writing:
  the app never retries it (a card locks after a few wrong keys).
"""

from __future__ import annotations

from typing import Any

from branchdesk.clients import validators
from branchdesk.clients.local import audit
from branchdesk.clients.local.auth import Staff
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.card_write import script as scripts
from branchdesk.clients.local.card_write.catalog import (
    CARD_DATA,
    NUMBERS,
    PACKAGES,
    TARIFFS,
)
from branchdesk.clients.local.errors import DomainError, register_messages
from branchdesk.clients.local.sim import rules as sim_stock
from branchdesk.clients.local.store import Doc

ORDERS = "cw_orders"
OPEN_STATES = ("reserved", "card_bound", "write_interrupted", "written")
IMSI_PREFIX = "4600122"
"""China Unicom (MCC 460, MNC 01); the demo IMSI range is 4600122 + 8-digit serial."""
SPN = "中国联通"
WRITE_OUTCOMES = ("untouched", "interrupted", "adm_rejected")

register_messages(
    {
        "write_script_missing": {
            "zh-CN": "写卡脚本内容不存在,请把号卡文件维护到数据库!",
            "en": "There is no write script for this card: load the card data file into "
            "the database first.",
        },
        "write_script_invalid": {
            "zh-CN": "写卡脚本内容有误({fields}),请把正确的号卡文件维护到数据库!",
            "en": "The write script for this card is not valid ({fields}): load a correct "
            "card data file into the database.",
        },
        "card_not_blank": {
            "zh-CN": "请更换白卡!",
            "en": "Please use another blank card: this card is already written or not usable.",
        },
        "card_adm_rejected": {
            "zh-CN": "该卡写卡密钥校验未通过,请勿再写此卡。请更换白卡!",
            "en": "This card refused its ADM key; do not write it again. Please use another "
            "blank card.",
        },
        "card_write_same_card": {
            "zh-CN": "写卡中断的是卡号 …{tail} 的卡,请重新插入同一张卡再写",
            "en": "The interrupted write was on card …{tail}: re-insert that same card",
        },
        "card_in_use": {
            "zh-CN": "卡 {iccid} 正在另一笔开户业务中使用",
            "en": "Card {iccid} is in use by another account opening",
        },
        "card_write_no_agent": {
            "zh-CN": "您的工号未绑定社会渠道,不能开户写卡",
            "en": "Your staff ID is not linked to an agent; it cannot open accounts",
        },
        "card_write_invalid": {
            "zh-CN": "客户资料不正确,请检查标出的字段",
            "en": "The customer details are not valid; check the marked fields",
        },
        "number_not_found": {
            "zh-CN": "号码 {msisdn} 不在号池中",
            "en": "Number {msisdn} is not in the pool",
        },
        "number_taken": {
            "zh-CN": "号码 {msisdn} 已被占用,请另选号码",
            "en": "Number {msisdn} is already taken; choose another",
        },
        "package_not_found": {"zh-CN": "套餐 {id} 不存在", "en": "No package {id}"},
        "tariff_not_found": {"zh-CN": "首月资费 {id} 不存在", "en": "No first-month tariff {id}"},
        "order_not_found": {"zh-CN": "开户单 {id} 不存在", "en": "No account opening {id}"},
        "order_not_yours": {
            "zh-CN": "开户单 {id} 由其他营业员办理",
            "en": "Account opening {id} belongs to another clerk",
        },
        "order_state_invalid": {
            "zh-CN": "开户单 {id} 当前状态为 {state},不能执行该操作",
            "en": "Account opening {id} is {state}; this step is not allowed",
        },
        "card_write_verify_mismatch": {
            "zh-CN": "写卡校验不一致:卡上的号码信息与开户单不符",
            "en": "The card does not read back what was written for this account opening",
        },
        "imsi_pool_exhausted": {
            "zh-CN": "IMSI 号段已用完,请联系支撑人员",
            "en": "The IMSI range is used up; call support",
        },
    }
)


# -- reading ---------------------------------------------------------------------------------
def packages(backend: Backend) -> list[Doc]:
    return sorted(backend.store.scan(PACKAGES), key=lambda p: p["id"])


def tariffs(backend: Backend) -> list[Doc]:
    return sorted(backend.store.scan(TARIFFS), key=lambda t: t["order"])


def free_numbers(backend: Backend, digits: str | None, limit: int) -> list[str]:
    """Free numbers containing ``digits`` (preferring those ending with them), in order."""
    free = sorted(n["msisdn"] for n in backend.store.lookup(NUMBERS, "state", "free"))
    if digits:
        ending = [n for n in free if n.endswith(digits)]
        inside = [n for n in free if digits in n and not n.endswith(digits)]
        free = ending + inside
    return free[:limit]


def agent_of(backend: Backend, staff: Staff) -> str:
    agent_id = sim_stock.staff_doc(backend, staff).get("agent_id")
    if not agent_id:
        raise DomainError(403, "card_write_no_agent")
    return str(agent_id)


def get_order(backend: Backend, staff: Staff, order_id: str) -> Doc:
    order = backend.store.get(ORDERS, order_id)
    if order is None:
        raise DomainError(404, "order_not_found", id=order_id)
    if order["staff_id"] != staff.id:
        raise DomainError(403, "order_not_yours", id=order_id)
    return order


def list_orders(backend: Backend, staff: Staff, open_only: bool) -> list[dict[str, Any]]:
    orders = backend.store.lookup(ORDERS, "staff_id", staff.id)
    if open_only:
        orders = [o for o in orders if o["state"] in OPEN_STATES]
    return [public(backend, o) for o in sorted(orders, key=lambda o: o["id"], reverse=True)]


def public(backend: Backend, order: Doc) -> dict[str, Any]:
    """The order as staff see it: PII masked, no secrets."""
    customer = order["customer"]
    package = backend.store.get(PACKAGES, order["package_id"]) or {}
    tariff = backend.store.get(TARIFFS, order["tariff_id"]) or {}
    return {
        "id": order["id"],
        "state": order["state"],
        "msisdn": order["msisdn"],
        "customer": {
            "name": customer["name"],
            "id_number": validators.mask_id_number(customer["id_number"]),
            "contact": validators.mask_mobile(customer["contact"]),
        },
        "package": {
            k: package.get(k) for k in ("id", "name_zh", "name_en", "monthly_fee", "prepay")
        },
        "tariff": {k: tariff.get(k) for k in ("id", "name_zh", "name_en")},
        "agent_id": order["agent_id"],
        "staff_id": order["staff_id"],
        "iccid": order.get("iccid"),
        "imsi": order.get("imsi"),
        "attempts": order.get("attempts", 0),
        "created_at": order["created_at"],
        "updated_at": order["updated_at"],
        "activated_at": order.get("activated_at"),
    }


# -- rules -----------------------------------------------------------------------------------
def _customer_problems(name: str, id_number: str, contact: str) -> list[dict[str, str]]:
    problems = []
    checks = (
        (
            "name",
            validators.required_error(name) or ("name_length" if len(name.strip()) > 30 else None),
        ),
        ("id_number", validators.id_number_error(id_number)),
        ("contact", validators.mobile_error(contact)),
    )
    for field, problem in checks:
        if problem:
            problems.append({"field": field, "problem": problem})
    return problems


def create_order(
    backend: Backend,
    staff: Staff,
    *,
    name: str,
    id_number: str,
    contact: str,
    msisdn: str,
    package_id: str,
    tariff_id: str,
) -> dict[str, Any]:
    agent_id = agent_of(backend, staff)
    dept = sim_stock.require_dept(staff)
    problems = _customer_problems(name, id_number, contact)
    if problems:
        raise DomainError(422, "card_write_invalid", problems)
    number = backend.store.get(NUMBERS, msisdn)
    if number is None:
        raise DomainError(404, "number_not_found", msisdn=msisdn)
    if number["state"] != "free":
        raise DomainError(409, "number_taken", msisdn=msisdn)
    if backend.store.get(PACKAGES, package_id) is None:
        raise DomainError(422, "package_not_found", id=package_id)
    if backend.store.get(TARIFFS, tariff_id) is None:
        raise DomainError(422, "tariff_not_found", id=tariff_id)
    at = backend.now_iso()
    with backend.store.transaction() as txn:
        order_id = f"KH{txn.next_id(ORDERS):08d}"
        order = {
            "id": order_id,
            "state": "reserved",
            "staff_id": staff.id,
            "agent_id": agent_id,
            "dept_id": dept,
            "msisdn": msisdn,
            "package_id": package_id,
            "tariff_id": tariff_id,
            "iccid": None,
            "imsi": None,
            "attempts": 0,
            "customer": {
                "name": name.strip(),
                "id_number": id_number.strip().upper(),
                "contact": contact.strip(),
            },
            "created_at": at,
            "updated_at": at,
        }
        txn.put(ORDERS, order_id, order)
        txn.put(NUMBERS, msisdn, {**number, "state": "reserved", "order_id": order_id})
        audit.record(
            txn,
            "card_write.order_create",
            order_id,
            at,
            {"msisdn": msisdn, "package": package_id, "tariff": tariff_id},
        )
    return public(backend, order)


def _require_state(order: Doc, *states: str) -> None:
    if order["state"] not in states:
        raise DomainError(409, "order_state_invalid", id=order["id"], state=order["state"])


def bind_card(backend: Backend, staff: Staff, order_id: str, iccid: str) -> dict[str, Any]:
    """The card read from the reader is checked and bound; its write script becomes available."""
    order = get_order(backend, staff, order_id)
    _require_state(order, "reserved", "card_bound", "write_interrupted")
    if order["state"] == "write_interrupted" and iccid != order["iccid"]:
        raise DomainError(
            409, "card_write_same_card", details={"iccid": order["iccid"]}, tail=order["iccid"][-4:]
        )
    card = sim_stock.card_at_agent(backend, iccid, order["agent_id"])
    if card["dept_id"] != order["dept_id"]:
        raise DomainError(403, "sim_wrong_department", dept=card["dept_id"], own=order["dept_id"])
    others = [
        o
        for o in backend.store.lookup(ORDERS, "iccid", iccid)
        if o["id"] != order_id and o["state"] in OPEN_STATES
    ]
    if others:
        raise DomainError(409, "card_in_use", iccid=iccid)
    interrupted_here = card["state"] == "write_interrupted" and order.get("iccid") == iccid
    if card["state"] != "picked_up" and not interrupted_here:
        raise DomainError(409, "card_not_blank", details={"state": card["state"]})
    data = backend.store.get(CARD_DATA, iccid)
    if data is None:
        raise DomainError(409, "write_script_missing", details={"iccid": iccid})
    if data.get("adm_rejected"):
        raise DomainError(409, "card_adm_rejected", details={"iccid": iccid})
    _check_script(backend, order, data, order.get("imsi") or IMSI_PREFIX + "0" * 8)
    at = backend.now_iso()
    with backend.store.transaction() as txn:
        imsi = order.get("imsi") or _allocate_imsi(txn)
        _check_script(backend, order, data, imsi)
        bound = {
            **order,
            "state": "card_bound",
            "iccid": iccid,
            "imsi": imsi,
            "attempts": order.get("attempts", 0) + 1,
            "updated_at": at,
        }
        txn.put(ORDERS, order_id, bound)
        audit.record(
            txn,
            "card_write.script_issued",
            order_id,
            at,
            {"iccid": iccid, "imsi": imsi, "attempt": bound["attempts"]},
        )
    return public(backend, bound)


def _script(order: Doc, secrets: dict[str, str], iccid: str, imsi: str) -> dict[str, Any]:
    return {
        "order_id": order["id"],
        "iccid": iccid,
        "imsi": imsi,
        "msisdn": "+86" + order["msisdn"],
        "spn": SPN,
        **secrets,
    }


def _check_script(backend: Backend, order: Doc, data: Doc, imsi: str) -> None:
    """Refuse a script the card writer would refuse; the message names fields, not values."""
    secrets = scripts.open_card_data(backend, CARD_DATA, data)
    if secrets is None:
        fields = list(scripts.SECRET_FIELDS)
    else:
        fields = scripts.problems(_script(order, secrets, data["iccid"], imsi))
    if fields:
        raise DomainError(
            409,
            "write_script_invalid",
            details={"iccid": data["iccid"], "fields": fields},
            fields=", ".join(fields),
        )


def _allocate_imsi(txn: Any) -> str:
    serial = txn.next_id("cw_imsi")
    if serial >= 10**8:
        raise DomainError(503, "imsi_pool_exhausted")
    return f"{IMSI_PREFIX}{serial:08d}"


def write_script(backend: Backend, staff: Staff, order_id: str) -> dict[str, Any]:
    """The secrets for the bound card; only for the clerk who owns the order."""
    order = get_order(backend, staff, order_id)
    _require_state(order, "card_bound")
    data = backend.store.get(CARD_DATA, order["iccid"])
    if data is None:
        raise DomainError(409, "write_script_missing", details={"iccid": order["iccid"]})
    secrets = scripts.open_card_data(backend, CARD_DATA, data)
    if secrets is None:
        raise DomainError(
            409,
            "write_script_invalid",
            details={"iccid": order["iccid"]},
            fields=", ".join(scripts.SECRET_FIELDS),
        )
    return _script(order, secrets, order["iccid"], order["imsi"])


def report_write_failure(
    backend: Backend,
    staff: Staff,
    order_id: str,
    outcome: str,
    tries_left: int | None,
) -> dict[str, Any]:
    """What happened to a write that did not finish (the app reports it, then tells staff)."""
    order = get_order(backend, staff, order_id)
    _require_state(order, "card_bound")
    iccid = order["iccid"]
    card = backend.store.get(sim_stock.CARDS, iccid) or {}
    partly_written = card.get("state") == "write_interrupted"
    at = backend.now_iso()
    with backend.store.transaction() as txn:
        if outcome == "interrupted":
            if not partly_written:
                sim_stock.transition(
                    backend,
                    staff,
                    iccid,
                    state="write_interrupted",
                    action="write_fail",
                    agent_id=order["agent_id"],
                    details={"order_id": order_id},
                )
            updated = {**order, "state": "write_interrupted", "updated_at": at}
        elif partly_written:
            # Nothing more was written this time, but an earlier attempt left keys behind.
            updated = {**order, "state": "write_interrupted", "updated_at": at}
        else:
            updated = {**order, "state": "reserved", "iccid": None, "updated_at": at}
        if outcome == "adm_rejected":
            data = backend.store.get(CARD_DATA, iccid)
            if data is not None:
                txn.put(
                    CARD_DATA, iccid, {**data, "adm_rejected": at, "adm_tries_left": tries_left}
                )
        txn.put(ORDERS, order_id, updated)
        audit.record(
            txn, f"card_write.{outcome}", order_id, at, {"iccid": iccid, "tries_left": tries_left}
        )
    return public(backend, updated)


def record_written(
    backend: Backend,
    staff: Staff,
    order_id: str,
    iccid: str,
    imsi: str,
) -> dict[str, Any]:
    """The app wrote the card and read back ``iccid`` and ``imsi``; the server compares."""
    order = get_order(backend, staff, order_id)
    _require_state(order, "card_bound")
    if iccid != order["iccid"] or imsi != order["imsi"]:
        raise DomainError(
            409,
            "card_write_verify_mismatch",
            details={"iccid": iccid == order["iccid"], "imsi": imsi == order["imsi"]},
        )
    at = backend.now_iso()
    with backend.store.transaction() as txn:
        sim_stock.transition(
            backend,
            staff,
            iccid,
            state="written",
            action="write",
            agent_id=order["agent_id"],
            details={"order_id": order_id},
        )
        updated = {**order, "state": "written", "written_at": at, "updated_at": at}
        txn.put(ORDERS, order_id, updated)
        audit.record(txn, "card_write.written", order_id, at, {"iccid": iccid, "imsi": imsi})
    return public(backend, updated)


def confirm(backend: Backend, staff: Staff, order_id: str) -> dict[str, Any]:
    """Formal submit: the card is activated and the number becomes the customer's."""
    order = get_order(backend, staff, order_id)
    _require_state(order, "written")
    at = backend.now_iso()
    with backend.store.transaction() as txn:
        sim_stock.transition(
            backend,
            staff,
            order["iccid"],
            state="activated",
            action="activate",
            agent_id=order["agent_id"],
            details={"order_id": order_id, "msisdn": order["msisdn"]},
        )
        number = txn.get(NUMBERS, order["msisdn"]) or {"msisdn": order["msisdn"]}
        txn.put(
            NUMBERS,
            order["msisdn"],
            {
                **number,
                "state": "active",
                "order_id": order_id,
                "iccid": order["iccid"],
                "imsi": order["imsi"],
            },
        )
        updated = {**order, "state": "activated", "activated_at": at, "updated_at": at}
        txn.put(ORDERS, order_id, updated)
        audit.record(
            txn,
            "card_write.activate",
            order_id,
            at,
            {"iccid": order["iccid"], "msisdn": order["msisdn"]},
        )
    return public(backend, updated)


def cancel(backend: Backend, staff: Staff, order_id: str) -> dict[str, Any]:
    """Give the number back; a partly written card goes back to blank stock at the agent."""
    order = get_order(backend, staff, order_id)
    _require_state(order, "reserved", "card_bound", "write_interrupted")
    at = backend.now_iso()
    with backend.store.transaction() as txn:
        iccid = order.get("iccid")
        card = backend.store.get(sim_stock.CARDS, iccid) if iccid else None
        if iccid and card is not None and card["state"] == "write_interrupted":
            sim_stock.transition(
                backend,
                staff,
                iccid,
                state="picked_up",
                action="write_reset",
                agent_id=order["agent_id"],
                details={"order_id": order_id},
            )
        number = txn.get(NUMBERS, order["msisdn"])
        if number is not None:
            txn.put(NUMBERS, order["msisdn"], {**number, "state": "free", "order_id": None})
        updated = {**order, "state": "cancelled", "updated_at": at}
        txn.put(ORDERS, order_id, updated)
        audit.record(txn, "card_write.cancel", order_id, at, {"iccid": iccid})
    return public(backend, updated)
