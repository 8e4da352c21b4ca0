"""Opening an account with on-site card writing (开户写卡): the rules the server enforces.

The form steps (DOMAIN.md E: basic info, recommender/agent, number, account info, package,
first-month tariff, optional packs, activity) are checked one by one by ``check_draft`` —
each refusal in the staff's words — and again as a whole when the order is created (the
"confirm" step), which reserves the number and fixes the fees. Then the card steps and the
money::

    reserved ──bind card──▶ card_bound ──written──▶ written ──presubmit──▶ presubmitted
                                                     (fees paid, form and invoice printed)
    presubmitted ──confirm (formal submit)──▶ activated

    reserved ──bind card──▶ card_bound ──written──▶ written
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

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from branchdesk.clients import validators
from branchdesk.clients.local import audit, pii
from branchdesk.clients.local.auth import STAFF, Staff
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.card_write import script as scripts
from branchdesk.clients.local.card_write.catalog import (
    ACTIVITIES,
    CARD_DATA,
    NUMBERS,
    PACKAGES,
    PACKS,
    TARIFFS,
)
from branchdesk.clients.local.errors import DomainError, register_messages
from branchdesk.clients.local.sim import rules as sim_stock
from branchdesk.clients.local.store import Doc, Transaction

ORDERS = "cw_orders"
CUSTOMER_PII = ("id_number", "contact")
"""Sealed in an order's ``customer`` (``pii.seal``): staff see them masked, nothing opens them."""
DRAFTS = "cw_drafts"
"""One account-opening form in progress per clerk (see ``drafts``), keyed by staff ID."""
OPEN_STATES = ("reserved", "card_bound", "write_interrupted", "written", "presubmitted")
DRAFT_STEPS = ("customer", "recommender", "number", "account", "package", "packs", "activity")
"""The form steps in the order staff do them; a check of one step checks those before it."""
BILL_DELIVERY = ("sms", "email", "paper")
PACKS_MAX = 3
NO_ACTIVITY = "NONE"
ADDRESS_MAX = 60
PAYER_MAX = 30
CENT = Decimal("0.01")
MONEY_MAX = Decimal("100000")
MONEY_TEXT = re.compile(r"[0-9]{1,6}(\.[0-9]{1,2})?")
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
        "recommender_not_found": {
            "zh-CN": "发展人工号 {id} 不存在，请核对后重新输入；没有发展人请留空",
            "en": "No staff member has the recommender ID {id}; check it, or leave it empty",
        },
        "account_payer_invalid": {
            "zh-CN": "付费人姓名不能为空，且不超过 {max} 个字",
            "en": "The payer's name is required, at most {max} characters",
        },
        "account_email_required": {
            "zh-CN": "选择电子邮件账单时，须填写正确的邮箱地址",
            "en": "E-mail bills need a valid e-mail address",
        },
        "pack_not_found": {"zh-CN": "可选包 {id} 不存在", "en": "No optional pack {id}"},
        "pack_duplicate": {
            "zh-CN": "可选包 {pack} 选了两次",
            "en": "The optional pack {pack} is chosen twice",
        },
        "packs_too_many": {
            "zh-CN": "可选包最多选 {max} 个",
            "en": "At most {max} optional packs",
        },
        "pack_not_allowed": {
            "zh-CN": "{package}已含此项，不能再办理可选包“{pack}”",
            "en": "{package} already includes it: the optional pack “{pack}” is not allowed",
        },
        "activity_not_found": {"zh-CN": "活动 {id} 不存在", "en": "No activity {id}"},
        "activity_needs_package": {
            "zh-CN": "活动“{activity}”须办理月费 {min} 元及以上的套餐",
            "en": "The activity “{activity}” needs a package of {min} a month or more",
        },
        "payment_invalid": {
            "zh-CN": "实收金额格式不正确，请输入金额（元），最多两位小数",
            "en": "The amount received is not valid: enter yuan, at most two decimals",
        },
        "payment_short": {
            "zh-CN": "实收金额 {received} 元不足应收 {total} 元",
            "en": "The amount received, {received}, is less than the {total} due",
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


def packs(backend: Backend) -> list[Doc]:
    return sorted(backend.store.scan(PACKS), key=lambda p: p["order"])


def activities(backend: Backend) -> list[Doc]:
    return sorted(backend.store.scan(ACTIVITIES), key=lambda a: a["order"])


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
    account = order.get("account") or {}
    activity = backend.store.get(ACTIVITIES, order.get("activity_id") or NO_ACTIVITY) or {}
    packs = [
        backend.store.get(PACKS, pack_id) or {"id": pack_id}
        for pack_id in order.get("pack_ids", [])
    ]
    fees = order.get("fees") or _fees(backend, package, tariff, packs, activity)
    return {
        "id": order["id"],
        "state": order["state"],
        "msisdn": order["msisdn"],
        "customer": {
            "name": customer["name"],
            "id_number": pii.masked(customer, "id_number") or "",
            "contact": pii.masked(customer, "contact") or "",
            "address": _mask_address(customer.get("address") or ""),
        },
        "recommender_id": order.get("recommender_id"),
        "account": {
            "payer_name": account.get("payer_name") or customer["name"],
            "bill_delivery": account.get("bill_delivery") or "sms",
            "email": _mask_email(account.get("email") or ""),
        },
        "packs": [{k: pack.get(k) for k in ("id", "name_zh", "name_en", "fee")} for pack in packs],
        "activity": {k: activity.get(k) for k in ("id", "name_zh", "name_en", "deposit")},
        "fees": fees,
        "payment": order.get("payment"),
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
def _customer_problems(
    name: str, id_number: str, contact: str, address: str
) -> list[dict[str, str]]:
    problems = []
    checks = (
        (
            "name",
            validators.required_error(name) or ("name_length" if len(name.strip()) > 30 else None),
        ),
        ("id_number", validators.id_number_error(id_number)),
        ("contact", validators.mobile_error(contact)),
        (
            "address",
            validators.required_error(address)
            or ("address_length" if len(address.strip()) > ADDRESS_MAX else None),
        ),
    )
    for field, problem in checks:
        if problem:
            problems.append({"field": field, "problem": problem})
    return problems


def _mask_address(address: str) -> str:
    """The street is shown; the house number and what follows are not."""
    keep = min(len(address), max(4, len(address) // 2))
    return address[:keep] + ("****" if keep < len(address) else "")


def _mask_email(email: str) -> str:
    if "@" not in email:
        return ""
    user, domain = email.split("@", 1)
    return f"{user[:1]}***@{domain}"


def money(value: Decimal) -> str:
    return str(value.quantize(CENT))


def _fees(
    backend: Backend,
    package: Doc,
    tariff: Doc,
    packs: list[Doc],
    activity: Doc,
) -> dict[str, Any]:
    """What the customer pays today, item by item (DOMAIN.md E: "confirm, fees")."""
    items: list[dict[str, str]] = []

    def item(code: str, name_zh: str, name_en: str, amount: Decimal) -> None:
        items.append(
            {"code": code, "name_zh": name_zh, "name_en": name_en, "amount": money(amount)}
        )

    if package:
        item("prepay", "预存话费", "Prepaid credit", Decimal(package["prepay"]))
        monthly = Decimal(package["monthly_fee"])
        first = {"full": monthly, "half": monthly / 2}.get(tariff.get("id") or "", Decimal(0))
        item("first_month", "首月月费", "First-month fee", first)
    for pack in packs:
        if pack.get("fee") is not None:
            item(f"pack:{pack['id']}", pack["name_zh"], pack["name_en"], Decimal(pack["fee"]))
    if activity and Decimal(activity.get("deposit") or "0") > 0:
        item(
            f"activity:{activity['id']}",
            activity["name_zh"],
            activity["name_en"],
            Decimal(activity["deposit"]),
        )
    total = sum((Decimal(i["amount"]) for i in items), Decimal(0))
    return {"items": items, "total": money(total)}


def check_draft(backend: Backend, staff: Staff, step: str, draft: dict[str, Any]) -> dict[str, Any]:
    """Check the form steps up to ``step`` (each refusal in the staff's words) and quote the
    fees of what is chosen so far. Changes nothing."""
    agent_of(backend, staff)
    upto = DRAFT_STEPS[: DRAFT_STEPS.index(step) + 1]
    customer = draft.get("customer") or {}
    problems = _customer_problems(
        customer.get("name", ""),
        customer.get("id_number", ""),
        customer.get("contact", ""),
        customer.get("address", ""),
    )
    if problems:
        raise DomainError(422, "card_write_invalid", problems)
    if "recommender" in upto:
        _check_recommender(backend, draft.get("recommender_id"))
    if "number" in upto:
        _check_number(backend, draft.get("msisdn") or "")
    if "account" in upto:
        _check_account(draft.get("account") or {}, customer.get("name", ""))
    package: Doc = {}
    tariff: Doc = {}
    packs: list[Doc] = []
    activity: Doc = {}
    if "package" in upto:
        package, tariff = _check_package(
            backend, draft.get("package_id") or "", draft.get("tariff_id") or ""
        )
    if "packs" in upto:
        packs = _check_packs(backend, package, list(draft.get("pack_ids") or []))
    if "activity" in upto:
        activity = _check_activity(backend, package, draft.get("activity_id") or NO_ACTIVITY)
    return {"step": step, "fees": _fees(backend, package, tariff, packs, activity)}


def _names(item: Doc) -> dict[str, str]:
    """A thing's name in both languages, for a message rendered in the request's language."""
    return {"zh-CN": item["name_zh"], "en": item["name_en"]}


def _check_recommender(backend: Backend, recommender_id: str | None) -> None:
    if recommender_id and backend.store.get(STAFF, recommender_id) is None:
        raise DomainError(
            422, "recommender_not_found", details={"field": "recommender_id"}, id=recommender_id
        )


def _check_number(backend: Backend, msisdn: str) -> Doc:
    number = backend.store.get(NUMBERS, msisdn)
    if number is None:
        raise DomainError(404, "number_not_found", msisdn=msisdn)
    if number["state"] != "free":
        raise DomainError(409, "number_taken", msisdn=msisdn)
    return number


def _check_account(account: dict[str, Any], customer_name: str) -> dict[str, str]:
    payer = (account.get("payer_name") or customer_name).strip()
    if not payer or len(payer) > PAYER_MAX:
        raise DomainError(
            422, "account_payer_invalid", details={"field": "payer_name"}, max=PAYER_MAX
        )
    delivery = account.get("bill_delivery") or "sms"
    email = (account.get("email") or "").strip()
    if delivery == "email" and not _email_ok(email):
        raise DomainError(422, "account_email_required", details={"field": "email"})
    return {
        "payer_name": payer,
        "bill_delivery": delivery,
        "email": email if delivery == "email" else "",
    }


def _email_ok(email: str) -> bool:
    user, _at, domain = email.partition("@")
    return bool(user) and "." in domain and not domain.startswith(".") and " " not in email


def _check_package(backend: Backend, package_id: str, tariff_id: str) -> tuple[Doc, Doc]:
    package = backend.store.get(PACKAGES, package_id)
    if package is None:
        raise DomainError(422, "package_not_found", id=package_id)
    tariff = backend.store.get(TARIFFS, tariff_id)
    if tariff is None:
        raise DomainError(422, "tariff_not_found", id=tariff_id)
    return package, tariff


def _check_packs(backend: Backend, package: Doc, pack_ids: list[str]) -> list[Doc]:
    if len(pack_ids) > PACKS_MAX:
        raise DomainError(422, "packs_too_many", max=PACKS_MAX)
    packs: list[Doc] = []
    for pack_id in pack_ids:
        pack = backend.store.get(PACKS, pack_id)
        if pack is None:
            raise DomainError(422, "pack_not_found", id=pack_id)
        if pack in packs:
            raise DomainError(422, "pack_duplicate", pack=_names(pack))
        if package and package["id"] in pack.get("excludes", []):
            raise DomainError(
                422,
                "pack_not_allowed",
                details={"pack": pack_id, "package": package["id"]},
                pack=_names(pack),
                package=_names(package),
            )
        packs.append(pack)
    return packs


def _check_activity(backend: Backend, package: Doc, activity_id: str) -> Doc:
    activity = backend.store.get(ACTIVITIES, activity_id)
    if activity is None and activity_id == NO_ACTIVITY:
        return {"id": NO_ACTIVITY}  # a store seeded before activities existed
    if activity is None:
        raise DomainError(422, "activity_not_found", id=activity_id)
    if package and Decimal(package["monthly_fee"]) < Decimal(activity["min_fee"]):
        raise DomainError(
            422,
            "activity_needs_package",
            details={"activity": activity_id, "min_fee": activity["min_fee"]},
            activity=_names(activity),
            min=activity["min_fee"],
        )
    return activity


def create_order(
    backend: Backend,
    staff: Staff,
    *,
    name: str,
    id_number: str,
    contact: str,
    address: str,
    msisdn: str,
    package_id: str,
    tariff_id: str,
    recommender_id: str | None = None,
    account: dict[str, Any] | None = None,
    pack_ids: list[str] | None = None,
    activity_id: str | None = None,
) -> dict[str, Any]:
    """The "confirm" step: every form step checked again, the number reserved, fees fixed."""
    agent_id = agent_of(backend, staff)
    dept = sim_stock.require_dept(staff)
    problems = _customer_problems(name, id_number, contact, address)
    if problems:
        raise DomainError(422, "card_write_invalid", problems)
    recommender_id = (recommender_id or "").strip() or None
    _check_recommender(backend, recommender_id)
    number = _check_number(backend, msisdn)
    checked_account = _check_account(account or {}, name)
    package, tariff = _check_package(backend, package_id, tariff_id)
    packs = _check_packs(backend, package, list(pack_ids or []))
    activity = _check_activity(backend, package, activity_id or NO_ACTIVITY)
    fees = _fees(backend, package, tariff, packs, activity)
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
            "customer": pii.seal(
                backend,
                f"{ORDERS}.customer",
                {
                    "name": name.strip(),
                    "id_number": id_number.strip().upper(),
                    "contact": contact.strip(),
                    "address": address.strip(),
                },
                CUSTOMER_PII,
            ),
            "recommender_id": recommender_id,
            "account": checked_account,
            "pack_ids": [p["id"] for p in packs],
            "activity_id": activity["id"],
            "fees": fees,
            "payment": None,
            "created_at": at,
            "updated_at": at,
        }
        txn.put(ORDERS, order_id, order)
        txn.put(NUMBERS, msisdn, {**number, "state": "reserved", "order_id": order_id})
        drop_draft(txn, backend, staff, "card_write.draft_done")  # the form is done
        audit.record(
            txn,
            "card_write.order_create",
            order_id,
            at,
            {
                "msisdn": msisdn,
                "package": package_id,
                "tariff": tariff_id,
                "packs": [p["id"] for p in packs],
                "activity": activity["id"],
                "recommender": recommender_id,
                "total": fees["total"],
            },
        )
    return public(backend, order)


def drop_draft(txn: Transaction, backend: Backend, staff: Staff, why: str) -> bool:
    """Remove the clerk's draft inside ``txn`` (audited as ``why``); False when none was kept."""
    if txn.get(DRAFTS, staff.id) is None:
        return False
    txn.delete(DRAFTS, staff.id)
    audit.record(txn, why, staff.id, backend.now_iso())
    return True


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


def _move_card(
    backend: Backend,
    staff: Staff,
    order: Doc,
    iccid: str,
    state: str,
    action: str,
    **details: str,
) -> None:
    """The order's card moves to ``state``: a move of the card by the order's agent that names
    the order (and ``details``) in the card's ledger."""
    sim_stock.transition(
        backend,
        staff,
        iccid,
        state=state,
        action=action,
        agent_id=order["agent_id"],
        details={"order_id": order["id"], **details},
    )


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
                _move_card(backend, staff, order, iccid, "write_interrupted", "write_fail")
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
        _move_card(backend, staff, order, iccid, "written", "write")
        updated = {**order, "state": "written", "written_at": at, "updated_at": at}
        txn.put(ORDERS, order_id, updated)
        audit.record(txn, "card_write.written", order_id, at, {"iccid": iccid, "imsi": imsi})
    return public(backend, updated)


def parse_money(text: str) -> Decimal | None:
    """Yuan as staff type them: digits, at most two decimals ("1e3" and "1,000" are refused)."""
    if not MONEY_TEXT.fullmatch(text.strip()):
        return None
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        return None
    if not value.is_finite() or value < 0 or value >= MONEY_MAX or value != value.quantize(CENT):
        return None
    return value


def presubmit(backend: Backend, staff: Staff, order_id: str, received: str) -> dict[str, Any]:
    """Pre-submit: the fees are paid (amount received, change computed) and an invoice number
    is given; the form and the invoice are printed from the answer."""
    order = get_order(backend, staff, order_id)
    _require_state(order, "written")
    amount = parse_money(received)
    if amount is None:
        raise DomainError(422, "payment_invalid", details={"field": "received"})
    fees = order.get("fees") or public(backend, order)["fees"]
    total = Decimal(fees["total"])
    if amount < total:
        raise DomainError(
            422,
            "payment_short",
            details={"field": "received", "total": fees["total"]},
            received=money(amount),
            total=fees["total"],
        )
    at = backend.now_iso()
    with backend.store.transaction() as txn:
        invoice_no = f"FP{txn.next_id('cw_invoice'):010d}"
        payment = {
            "total": fees["total"],
            "received": money(amount),
            "change": money(amount - total),
            "invoice_no": invoice_no,
            "presubmitted_at": at,
        }
        updated = {
            **order,
            "state": "presubmitted",
            "fees": fees,
            "payment": payment,
            "updated_at": at,
        }
        txn.put(ORDERS, order_id, updated)
        audit.record(txn, "card_write.presubmit", order_id, at, dict(payment))
    return public(backend, updated)


def confirm(backend: Backend, staff: Staff, order_id: str) -> dict[str, Any]:
    """Formal submit: the card is activated and the number becomes the customer's."""
    order = get_order(backend, staff, order_id)
    _require_state(order, "presubmitted")
    at = backend.now_iso()
    with backend.store.transaction() as txn:
        _move_card(
            backend, staff, order, order["iccid"], "activated", "activate", msisdn=order["msisdn"]
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
            _move_card(backend, staff, order, iccid, "picked_up", "write_reset")
        number = txn.get(NUMBERS, order["msisdn"])
        if number is not None:
            txn.put(NUMBERS, order["msisdn"], {**number, "state": "free", "order_id": None})
        updated = {**order, "state": "cancelled", "updated_at": at}
        txn.put(ORDERS, order_id, updated)
        audit.record(txn, "card_write.cancel", order_id, at, {"iccid": iccid})
    return public(backend, updated)
