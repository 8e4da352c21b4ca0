"""Marketer onboarding: customers, their readiness checklist and tick lists (DOMAIN.md A, B).

A marketer reads and changes only own customers; a supervisor the whole branch. Customers and
checklist items carry a ``version``; a change sent with an older ``base_version`` is refused with
``409 version_conflict`` and the current copy, so an offline change never overwrites silently.
Items never touched are not stored: they read as ``not_started`` at version 0.
"""

from __future__ import annotations

import random
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from branchdesk.clients import validators
from branchdesk.clients.local import audit, context, pii
from branchdesk.clients.local.auth import DEMO_BRANCH, STAFF, Staff, new_staff_doc
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.errors import DomainError, register_messages
from branchdesk.clients.local.onboarding.advice import BANKS, limits_advice, payment_advice
from branchdesk.clients.local.onboarding.catalog import (
    AREAS,
    BY_ID,
    DEPENDENTS,
    ETOKEN_LIMIT,
    ITEMS,
    SECTIONS,
    STATUSES,
    TOKEN_TYPES,
    applies,
    section_title,
)
from branchdesk.clients.local.store import Doc, Transaction
from branchdesk.clients.onboarding_fields import INPUT_FIELDS

CUSTOMERS = "customers"
ITEMS_TABLE = "onboarding_items"
FIELDS = INPUT_FIELDS
_LICENCE = re.compile(r"^[0-9A-Za-z]{8,20}$")
_SERIAL = re.compile(r"^[0-9A-Za-z-]{6,32}$")
MAX_AMOUNT = Decimal("100000000")

UNIQUE_FIELDS = ("id_number", "mobile", "licence_no", "card_number")
"""One retailer, one customer record: a second record with any of these is refused."""

register_messages(
    {
        "customer_duplicate": {
            "zh-CN": "已有客户 {existing}（{name}）使用相同的{field_label}，请打开该客户继续办理。",
            "en": "Customer {existing} ({name}) already has this {field_label}; "
            "open that customer instead.",
        },
        "onb.unique.id_number": {"zh-CN": "身份证号", "en": "ID number"},
        "onb.unique.mobile": {"zh-CN": "手机号", "en": "mobile number"},
        "onb.unique.licence_no": {"zh-CN": "烟草专卖许可证号", "en": "tobacco licence number"},
        "onb.unique.card_number": {"zh-CN": "银行卡号", "en": "card number"},
        "customer_not_found": {"zh-CN": "客户不存在。", "en": "No such customer."},
        "customer_not_yours": {
            "zh-CN": "该客户不归您管理,无权查看或修改。",
            "en": "This customer is not yours; you may not read or change it.",
        },
        "customer_invalid": {
            "zh-CN": "客户信息有误,请检查标出的字段。",
            "en": "Some customer details are wrong; check the marked fields.",
        },
        "item_not_found": {"zh-CN": "没有这个事项。", "en": "No such item."},
        "item_invalid": {
            "zh-CN": "事项内容有误,请检查标出的字段。",
            "en": "The item is not valid; check the marked fields.",
        },
        "prerequisite_not_done": {
            "zh-CN": "不能标记为已完成:前置事项「{prerequisite}」尚未完成。",
            "en": 'Cannot mark this done: the prerequisite "{prerequisite}" is not done yet.',
        },
        "dependent_done": {
            "zh-CN": "事项「{dependent}」已完成且依赖本项,请先更改「{dependent}」。",
            "en": '"{dependent}" is done and depends on this item; change it first.',
        },
        "item_required": {
            "zh-CN": "「{item}」是必需事项,不能标记为不适用。",
            "en": '"{item}" is required and cannot be marked not applicable.',
        },
        "item_not_applicable": {
            "zh-CN": "「{item}」仅适用于使用 UKey 的客户(该客户使用电子令牌)。",
            "en": '"{item}" applies only to UKey customers (this customer uses an e-token).',
        },
        "token_type_missing": {
            "zh-CN": "请先在客户资料中选择安全工具类型(UKey 或电子令牌)。",
            "en": "Choose the security device (UKey or e-token) in the customer details first.",
        },
        "version_conflict": {
            "zh-CN": "服务器上的数据已被他人修改,请比较两个版本后选择保留哪一个。",
            "en": "The server copy changed meanwhile; compare both versions and choose one.",
        },
        "marketer_unknown": {
            "zh-CN": "营销人员 {marketer} 不存在或不在本网点。",
            "en": "Marketer {marketer} does not exist or is not in this branch.",
        },
        "onb.field.required": {"zh-CN": "必填。", "en": "Required."},
        "onb.field.id_length": {
            "zh-CN": "身份证号应为 18 位。",
            "en": "The ID number has 18 characters.",
        },
        "onb.field.id_chars": {
            "zh-CN": "身份证号应为 17 位数字加 1 位数字或 X。",
            "en": "The ID number is 17 digits and a digit or X.",
        },
        "onb.field.id_birthdate": {
            "zh-CN": "身份证号中的出生日期无效。",
            "en": "The birth date in the ID number is not valid.",
        },
        "onb.field.id_checksum": {
            "zh-CN": "身份证号校验位不正确,请核对。",
            "en": "The ID number's check character is wrong; check it.",
        },
        "onb.field.mobile_format": {
            "zh-CN": "手机号应为 11 位,以 13–19 开头。",
            "en": "A mobile number has 11 digits and starts 13–19.",
        },
        "onb.field.digits_only": {"zh-CN": "只能输入数字。", "en": "Digits only."},
        "onb.field.card_length": {
            "zh-CN": "卡号应为 13–19 位数字。",
            "en": "A card number has 13–19 digits.",
        },
        "onb.field.luhn": {
            "zh-CN": "卡号校验位不正确,请核对。",
            "en": "The card number's check digit is wrong; check it.",
        },
        "onb.field.area_unknown": {
            "zh-CN": "片区不在列表中。",
            "en": "The area is not in the list.",
        },
        "onb.field.name_length": {
            "zh-CN": "姓名不能超过 40 个字。",
            "en": "The name is at most 40 characters.",
        },
        "onb.field.licence_format": {
            "zh-CN": "许可证号应为 8–20 位字母或数字。",
            "en": "The licence number is 8–20 letters or digits.",
        },
        "onb.field.amount_invalid": {
            "zh-CN": "请输入大于 0 的金额(最多两位小数)。",
            "en": "Enter an amount above 0 with at most two decimals.",
        },
        "onb.field.bank_unknown": {"zh-CN": "请选择发卡行。", "en": "Choose the issuing bank."},
        "onb.field.token_unknown": {
            "zh-CN": "安全工具类型无效。",
            "en": "Unknown security device type.",
        },
        "onb.field.etoken_over_limit": {
            "zh-CN": "典型订单金额超过电子令牌限额 100,000 元,需使用 UKey + 短信。",
            "en": "The typical order is above the e-token limit of 100,000 CNY: use UKey + SMS.",
        },
        "onb.field.serial_format": {
            "zh-CN": "编号应为 6–32 位字母、数字或连字符。",
            "en": "6–32 letters, digits or hyphens.",
        },
        "onb.field.date_format": {
            "zh-CN": "日期格式为 YYYY-MM-DD,且不能晚于今天。",
            "en": "A date as YYYY-MM-DD, not after today.",
        },
        "onb.field.status_unknown": {"zh-CN": "状态无效。", "en": "Unknown status."},
        "onb.field.note_length": {
            "zh-CN": "备注不能超过 500 个字。",
            "en": "The note is at most 500 characters.",
        },
        "onb.next.item": {"zh-CN": "下一步:{item}", "en": "Next: {item}"},
        "onb.next.blocked": {
            "zh-CN": "下一步:解决受阻事项「{item}」",
            "en": 'Next: unblock "{item}"',
        },
        "onb.next.handoff": {
            "zh-CN": "全部完成:导出交接材料交公司部",
            "en": "All done: export the hand-off package for the corporate department",
        },
    }
)


def _lang() -> str:
    return context.get().lang


def _field_error(field: str, code: str) -> dict[str, str]:
    from branchdesk.clients.local.errors import render

    return {"field": field, "code": code, "message": render(f"onb.field.{code}", _lang())}


# -- validation ---------------------------------------------------------------------------------
def parse_amount(value: str) -> Decimal | None:
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT:
        return None
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        return None
    return amount.quantize(Decimal("0.01"))


def validate_customer(data: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Clean values and field errors (code + message in the request language)."""
    errors: list[dict[str, str]] = []
    clean: dict[str, Any] = {}

    def check(field: str, code: str | None) -> None:
        if code:
            errors.append(_field_error(field, code))

    name = str(data.get("name") or "").strip()
    check("name", "required" if not name else ("name_length" if len(name) > 40 else None))
    clean["name"] = name
    id_number = str(data.get("id_number") or "").strip().upper()
    check("id_number", validators.id_number_error(id_number))
    clean["id_number"] = id_number
    mobile = str(data.get("mobile") or "").strip()
    check("mobile", validators.mobile_error(mobile))
    clean["mobile"] = mobile
    area = str(data.get("area") or "").strip()
    check("area", "required" if not area else (None if area in AREAS else "area_unknown"))
    clean["area"] = area
    licence = str(data.get("licence_no") or "").strip().upper()
    check(
        "licence_no",
        "required" if not licence else (None if _LICENCE.match(licence) else "licence_format"),
    )
    clean["licence_no"] = licence
    card = str(data.get("card_number") or "").replace(" ", "")
    check("card_number", validators.card_number_error(card))
    clean["card_number"] = card
    bank = data.get("card_bank") or None
    check("card_bank", None if bank is None or bank in BANKS else "bank_unknown")
    clean["card_bank"] = bank
    token = data.get("token_type") or "undecided"
    check("token_type", None if token in TOKEN_TYPES else "token_unknown")
    clean["token_type"] = token
    raw_amount = str(data.get("order_amount") or "").strip()
    amount = parse_amount(raw_amount) if raw_amount else None
    check(
        "order_amount",
        "required" if not raw_amount else (None if amount is not None else "amount_invalid"),
    )
    clean["order_amount"] = str(amount) if amount is not None else raw_amount
    if amount is not None and amount > ETOKEN_LIMIT and token == "etoken":
        check("token_type", "etoken_over_limit")
    return clean, errors


# -- access -------------------------------------------------------------------------------------
def visible_customers(backend: Backend, staff: Staff) -> list[Doc]:
    if staff.has("supervisor"):
        return backend.store.lookup(CUSTOMERS, "branch", staff.branch)
    return backend.store.lookup(CUSTOMERS, "marketer_id", staff.id)


def load_customer(backend: Backend, staff: Staff, customer_id: str) -> Doc:
    doc = backend.store.get(CUSTOMERS, customer_id)
    if doc is None:
        raise DomainError(404, "customer_not_found")
    if staff.has("supervisor") and doc["branch"] == staff.branch:
        return doc
    if staff.has("marketer") and doc["marketer_id"] == staff.id:
        return doc
    raise DomainError(403, "customer_not_yours")


# -- views --------------------------------------------------------------------------------------
def search_text(doc: Doc) -> str:
    """What a query may find by substring; a full mobile is found by its keyed hash instead
    (``search``), so the text keeps only the masked one."""
    masked = validators.mask_mobile(doc["mobile"])
    return "\n".join([doc["name"], doc["area"], masked, doc["licence_no"]]).lower()


def summary(doc: Doc) -> dict[str, Any]:
    return {
        "id": doc["id"],
        "name": doc["name"],
        "area": doc["area"],
        "mobile": pii.masked(doc, "mobile") or "",
        "licence_no": doc["licence_no"],
        "marketer_id": doc["marketer_id"],
        "progress_done": doc["progress"]["done"],
        "progress_required": doc["progress"]["required"],
        "version": doc["version"],
    }


def detail(doc: Doc, *, reveal: bool = False) -> dict[str, Any]:
    lang = _lang()
    amount = Decimal(doc["order_amount"])
    return {
        **summary(doc),
        "mobile": doc["mobile"] if reveal else pii.masked(doc, "mobile"),
        "id_number": doc["id_number"] if reveal else pii.masked(doc, "id_number"),
        "card_number": doc["card_number"] if reveal else validators.mask_card(doc["card_number"]),
        "card_bank": doc.get("card_bank"),
        "token_type": doc["token_type"],
        "order_amount": doc["order_amount"],
        "revealed": reveal,
        "created_at": doc["created_at"],
        "updated_at": doc["updated_at"],
        "updated_by": doc["updated_by"],
        "payment": payment_advice(doc["card_number"], doc.get("card_bank"), lang),
        "limits": limits_advice(amount, doc["token_type"]),
    }


def search(
    backend: Backend, staff: Staff, q: str, area: str | None, limit: int, offset: int
) -> dict[str, Any]:
    docs = visible_customers(backend, staff)
    needle = q.strip().lower()
    if area:
        docs = [d for d in docs if d["area"] == area]
    if needle:
        mobile = pii.lookup_key(backend, "mobile", needle)
        docs = [d for d in docs if needle in d["search"] or d.get("mobile_hash") == mobile]
    return {"total": len(docs), "items": [summary(d) for d in docs[offset : offset + limit]]}


def _stored_items(backend: Backend, customer_id: str) -> dict[str, Doc]:
    return {d["item"]: d for d in backend.store.lookup(ITEMS_TABLE, "customer_id", customer_id)}


def _item_view(definition: Any, stored: Doc | None, token_type: str, lang: str) -> dict[str, Any]:
    status = stored["status"] if stored else "not_started"
    if not applies(definition, token_type):
        status = "not_applicable"
    return {
        "id": definition.id,
        "section": definition.section,
        "title": definition.title(lang),
        "requires": list(definition.requires),
        "evidence_fields": list(definition.evidence),
        "may_skip": definition.may_skip,
        "applicable": applies(definition, token_type),
        "status": status,
        "note": stored["note"] if stored else "",
        "evidence": dict(stored["evidence"]) if stored else {},
        "version": stored["version"] if stored else 0,
        "updated_by": stored["updated_by"] if stored else None,
        "updated_at": stored["updated_at"] if stored else None,
    }


def _progress(statuses: dict[str, str], section: str) -> dict[str, int]:
    ids = [i.id for i in ITEMS if i.section == section and statuses[i.id] != "not_applicable"]
    return {"done": sum(statuses[i] == "done" for i in ids), "required": len(ids)}


def _next_step(views: list[dict[str, Any]], lang: str) -> dict[str, Any]:
    from branchdesk.clients.local.errors import render

    for view in views:
        if view["section"] == "credit" or view["status"] in ("done", "not_applicable"):
            continue
        code = "onb.next.blocked" if view["status"] == "blocked" else "onb.next.item"
        return {"item": view["id"], "text": render(code, lang, item=view["title"])}
    return {"item": None, "text": render("onb.next.handoff", lang)}


def checklist(backend: Backend, doc: Doc) -> dict[str, Any]:
    lang = _lang()
    stored = _stored_items(backend, doc["id"])
    views = [_item_view(i, stored.get(i.id), doc["token_type"], lang) for i in ITEMS]
    statuses = {v["id"]: v["status"] for v in views}
    return {
        "customer": detail(doc),
        "sections": [
            {"id": s, "title": section_title(s, lang), **_progress(statuses, s)} for s in SECTIONS
        ],
        "items": views,
        "progress": _progress(statuses, "checklist"),
        "next_step": _next_step(views, lang),
    }


# -- changes ------------------------------------------------------------------------------------
def _conflict(current: dict[str, Any]) -> DomainError:
    return DomainError(409, "version_conflict", details={"current": current})


def _new_customer_doc(
    backend: Backend,
    cid: str,
    clean: dict[str, Any],
    marketer_id: str,
    branch: str,
    now: str,
    actor: str,
) -> Doc:
    doc = {
        "id": cid,
        **clean,
        "marketer_id": marketer_id,
        "branch": branch,
        "version": 1,
        "created_at": now,
        "updated_at": now,
        "updated_by": actor,
        "progress": {"done": 0, "required": 0},
    }
    doc["progress"] = _progress(_statuses_for(doc, {}), "checklist")
    doc["search"] = search_text(doc)
    return pii.seal(backend, CUSTOMERS, doc)


def _statuses_for(doc: Doc, stored: dict[str, Doc]) -> dict[str, str]:
    statuses = {}
    for item in ITEMS:
        record = stored.get(item.id)
        statuses[item.id] = record["status"] if record else "not_started"
        if not applies(item, doc["token_type"]):
            statuses[item.id] = "not_applicable"
    return statuses


def _refuse_duplicate(backend: Backend, clean: dict[str, Any], own_id: str | None) -> None:
    from branchdesk.clients.local.errors import render

    for field in UNIQUE_FIELDS:
        value = clean.get(field)
        if not value:
            continue
        others = (
            pii.lookup(backend, CUSTOMERS, field, value)
            if field in pii.FIELDS
            else backend.store.lookup(CUSTOMERS, field, value)
        )
        for other in others:
            if other["id"] != own_id:
                raise DomainError(
                    409,
                    "customer_duplicate",
                    details={
                        "field": field,
                        "existing_id": other["id"],
                        "marketer_id": other["marketer_id"],
                    },
                    existing=other["id"],
                    name=validators.mask_name(other["name"]),
                    field_label=render(f"onb.unique.{field}", _lang()),
                )


def create_customer(backend: Backend, staff: Staff, data: dict[str, Any]) -> Doc:
    clean, errors = validate_customer(data)
    if errors:
        raise DomainError(422, "customer_invalid", details=errors)
    _refuse_duplicate(backend, clean, None)
    marketer_id = staff.id
    if staff.has("supervisor") and data.get("marketer_id"):
        marketer = backend.store.get(STAFF, str(data["marketer_id"]))
        if marketer is None or marketer["branch"] != staff.branch:
            raise DomainError(422, "marketer_unknown", marketer=data["marketer_id"])
        marketer_id = marketer["id"]
    now = backend.now_iso()
    with backend.store.transaction() as txn:
        cid = f"C{txn.next_id(CUSTOMERS):06d}"
        doc = _new_customer_doc(backend, cid, clean, marketer_id, staff.branch, now, staff.id)
        txn.put(CUSTOMERS, cid, doc)
        audit.record(txn, "customer.create", cid, now, {"area": clean["area"]})
    return doc


def update_customer(
    backend: Backend, staff: Staff, customer_id: str, data: dict[str, Any], base_version: int
) -> Doc:
    doc = load_customer(backend, staff, customer_id)
    if doc["version"] != base_version:
        raise _conflict(detail(doc))
    plain = pii.opened(backend, CUSTOMERS, doc)
    merged = {f: plain.get(f) for f in FIELDS}
    merged.update({k: v for k, v in data.items() if k in FIELDS and v is not None})
    clean, errors = validate_customer(merged)
    if errors:
        raise DomainError(422, "customer_invalid", details=errors)
    changed = sorted(f for f in FIELDS if clean[f] != plain.get(f))
    if not changed:
        return doc
    _refuse_duplicate(backend, clean, customer_id)
    now = backend.now_iso()
    with backend.store.transaction() as txn:
        updated = {
            **doc,
            **clean,
            "version": doc["version"] + 1,
            "updated_at": now,
            "updated_by": staff.id,
        }
        updated["progress"] = _progress(
            _statuses_for(updated, _stored_items(backend, customer_id)), "checklist"
        )
        updated["search"] = search_text(updated)
        updated = pii.seal(backend, CUSTOMERS, updated)
        txn.put(CUSTOMERS, customer_id, updated)
        audit.record(txn, "customer.update", customer_id, now, {"fields": changed})
    return updated


def _check_evidence(
    item_id: str, token_type: str, evidence: dict[str, str], today: date, status: str
) -> list[dict[str, str]]:
    errors = []
    for key in ("ukey_serial", "etoken_number"):
        if evidence.get(key) and not _SERIAL.match(evidence[key]):
            errors.append(_field_error(key, "serial_format"))
    if evidence.get("activation_date"):
        try:
            when = date.fromisoformat(evidence["activation_date"])
        except ValueError:
            when = None
        if when is None or when > today:
            errors.append(_field_error("activation_date", "date_format"))
    if item_id == "security_device" and status == "done":
        needed = "ukey_serial" if token_type == "ukey" else "etoken_number"
        if not evidence.get(needed):
            errors.append(_field_error(needed, "required"))
    return errors


def set_item(
    backend: Backend, staff: Staff, customer_id: str, item_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    """Change one item's status, note and evidence, with the dependency rules of A1."""
    lang = _lang()
    doc = load_customer(backend, staff, customer_id)
    definition = BY_ID.get(item_id)
    if definition is None:
        raise DomainError(404, "item_not_found")
    stored = _stored_items(backend, customer_id)
    current = stored.get(item_id)
    token_type = doc["token_type"]
    if (current["version"] if current else 0) != body["base_version"]:
        raise _conflict(_item_view(definition, current, token_type, lang))
    status = body["status"]
    note = str(body.get("note") or "").strip()
    evidence = {
        k: str(v).strip()
        for k, v in (body.get("evidence") or {}).items()
        if k in definition.evidence and v is not None and str(v).strip()
    }
    errors = []
    if status not in STATUSES:
        errors.append(_field_error("status", "status_unknown"))
    if len(note) > 500:
        errors.append(_field_error("note", "note_length"))
    errors += _check_evidence(item_id, token_type, evidence, backend.settings.now().date(), status)
    if status == "done" and item_id == "security_device" and token_type == "undecided":
        raise DomainError(409, "token_type_missing")
    if errors:
        raise DomainError(422, "item_invalid", details=errors)
    statuses = _statuses_for(doc, stored)
    if not applies(definition, token_type) and status != "not_applicable":
        raise DomainError(409, "item_not_applicable", item=definition.title(lang))
    if status == "not_applicable" and not definition.may_skip:
        raise DomainError(409, "item_required", item=definition.title(lang))
    if status == "done":
        for prerequisite in definition.requires:
            if statuses[prerequisite] != "done":
                raise DomainError(
                    409,
                    "prerequisite_not_done",
                    details={"prerequisite": prerequisite},
                    prerequisite=BY_ID[prerequisite].title(lang),
                )
    elif statuses[item_id] == "done":
        for dependent in DEPENDENTS[item_id]:
            if statuses[dependent] == "done":
                raise DomainError(
                    409,
                    "dependent_done",
                    details={"dependent": dependent},
                    dependent=BY_ID[dependent].title(lang),
                )
    now = backend.now_iso()
    record = {
        "customer_id": customer_id,
        "item": item_id,
        "status": status,
        "note": note,
        "evidence": evidence,
        "version": (current["version"] if current else 0) + 1,
        "updated_by": staff.id,
        "updated_at": now,
    }
    with backend.store.transaction() as txn:
        _write_item(txn, doc, stored, record)
        audit.record(
            txn,
            "onboarding.item",
            customer_id,
            now,
            {"item": item_id, "from": statuses[item_id], "to": status},
        )
    return _item_view(definition, record, token_type, lang)


def _write_item(txn: Transaction, doc: Doc, stored: dict[str, Doc], record: Doc) -> None:
    txn.put(ITEMS_TABLE, f"{record['customer_id']}:{record['item']}", record)
    statuses = _statuses_for(doc, {**stored, record["item"]: record})
    progress = _progress(statuses, "checklist")
    if progress != doc["progress"]:
        txn.put(CUSTOMERS, doc["id"], {**doc, "progress": progress})


def reveal(backend: Backend, staff: Staff, customer_id: str) -> dict[str, Any]:
    doc = load_customer(backend, staff, customer_id)
    with backend.store.transaction() as txn:
        audit.record(txn, "customer.reveal", customer_id, backend.now_iso())
    return detail(pii.opened(backend, CUSTOMERS, doc), reveal=True)


def handoff(backend: Backend, staff: Staff, customer_id: str) -> dict[str, Any]:
    """The package for the corporate department: full details and every item; audited."""
    doc = load_customer(backend, staff, customer_id)
    package = checklist(backend, doc)
    package["customer"] = detail(pii.opened(backend, CUSTOMERS, doc), reveal=True)
    package["generated_at"] = backend.now_iso()
    package["generated_by"] = staff.id
    with backend.store.transaction() as txn:
        audit.record(txn, "customer.export", customer_id, backend.now_iso(), {"kind": "handoff"})
    return package


def area_rows(backend: Backend, staff: Staff, area: str) -> list[dict[str, Any]]:
    """All visible customers of an area with their progress per section (masked PII)."""
    if area not in AREAS:
        raise DomainError(422, "customer_invalid", details=[_field_error("area", "area_unknown")])
    rows = []
    for doc in visible_customers(backend, staff):
        if doc["area"] != area:
            continue
        statuses = _statuses_for(doc, _stored_items(backend, doc["id"]))
        row = summary(doc)
        for section in SECTIONS:
            progress = _progress(statuses, section)
            row[f"{section}_done"] = progress["done"]
            row[f"{section}_required"] = progress["required"]
        rows.append(row)
    with backend.store.transaction() as txn:
        audit.record(
            txn,
            "customer.export",
            f"area:{area}",
            backend.now_iso(),
            {"kind": "area", "count": len(rows)},
        )
    return rows


# -- demo data ----------------------------------------------------------------------------------
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = (
    "秀英",
    "建华",
    "国强",
    "丽娟",
    "志明",
    "海燕",
    "永红",
    "德兵",
    "春梅",
    "光明",
    "晓东",
    "桂芳",
    "正林",
    "玉兰",
    "家顺",
    "明富",
)
SHOPS = ("便利店", "烟酒店", "小卖部", "副食店", "商店")
DEMO_CARD_BINS = ("621799", "622188", "622202", "622848", "621700", "621559", "6217788", "628888")


def demo_customer(rng: random.Random, n: int) -> dict[str, Any]:
    """Deterministic valid customer data (ID and card check digits computed)."""
    area = AREAS[n % len(AREAS)]
    birth = date(1960 + rng.randrange(40), 1 + rng.randrange(12), 1 + rng.randrange(28))
    first17 = f"522301{birth:%Y%m%d}{rng.randrange(1000):03d}"
    bin_ = DEMO_CARD_BINS[rng.randrange(len(DEMO_CARD_BINS))]
    body = bin_ + "".join(str(rng.randrange(10)) for _ in range(18 - len(bin_)))
    amount = rng.choice(("8000", "25000", "60000", "95000", "150000", "320000"))
    return {
        "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
        "id_number": first17 + validators.id_check_char(first17),
        "mobile": f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
        "area": area,
        "licence_no": f"5223{rng.randrange(10**8):08d}",
        "card_number": body + str(validators.luhn_check_digit(body)),
        "card_bank": None,
        "token_type": "ukey" if Decimal(amount) > ETOKEN_LIMIT else rng.choice(TOKEN_TYPES),
        "order_amount": amount,
    }


def insert_customer(
    txn: Transaction,
    backend: Backend,
    data: dict[str, Any],
    marketer_id: str,
    branch: str,
    now: str,
) -> Doc:
    clean, errors = validate_customer(data)
    if errors:
        raise ValueError(errors)
    cid = f"C{txn.next_id(CUSTOMERS):06d}"
    doc = _new_customer_doc(backend, cid, clean, marketer_id, branch, now, marketer_id)
    txn.put(CUSTOMERS, cid, doc)
    return doc


def seed_onboarding(txn: Transaction, backend: Backend, rng: random.Random) -> None:
    """A second marketer m002 and ~30 customers, most of them m001's, some part-way through."""
    from branchdesk.clients.local.sessions_routes import DEMO_PASSWORD

    txn.put(
        STAFF,
        "m002",
        new_staff_doc(
            "m002",
            "赵文斌",
            ["marketer"],
            DEMO_BRANCH,
            DEMO_PASSWORD,
            salt_hex="6d3030322d64656d6f2d73616c742d31",
        ),
    )
    now = backend.now_iso()
    order = (
        "card",
        "online_banking",
        "security_device",
        "ukey_installed",
        "activated",
        "xsm_account",
    )
    for n in range(30):
        marketer = "m002" if n % 6 == 5 else "m001"
        doc = insert_customer(txn, backend, demo_customer(rng, n), marketer, DEMO_BRANCH, now)
        steps = rng.randrange(len(order) + 1)
        stored: dict[str, Doc] = {}
        for item_id in order[:steps]:
            status = "done"
            if not applies(BY_ID[item_id], doc["token_type"]):
                continue
            evidence = {}
            if item_id == "security_device":
                if doc["token_type"] == "undecided":
                    break
                key = "ukey_serial" if doc["token_type"] == "ukey" else "etoken_number"
                evidence[key] = f"SN{rng.randrange(10**8):08d}"
            record = {
                "customer_id": doc["id"],
                "item": item_id,
                "status": status,
                "note": "",
                "evidence": evidence,
                "version": 1,
                "updated_by": marketer,
                "updated_at": now,
            }
            _write_item(txn, doc, stored, record)
            stored[item_id] = record
            doc = txn.get(CUSTOMERS, doc["id"]) or doc
