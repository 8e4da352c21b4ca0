"""Installment phone purchase (中移金服 credit phone purchase): clerks and clerk QR codes.

A shop clerk binds their staff account to a job number (= their own mobile) that the local
business contact has pre-registered for a merchant; an SMS code proves the mobile. A bound
clerk generates QR codes: a signed token naming the code, valid while ``now < issued + 30 min``,
admitting at most 3 customers. Applications, the funder's review and the back office are in
``installment_orders``; the simulated customer side of local/demo mode in ``installment_sim``.
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import random
import secrets
from datetime import datetime, timedelta
from typing import Any

from branchdesk.clients import validators
from branchdesk.clients.local import audit, context, pii
from branchdesk.clients.local.auth import Staff
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.errors import SMS_UNAVAILABLE, DomainError, register_messages
from branchdesk.clients.local.store import Doc, Transaction

MERCHANTS = "inst_merchants"
CLERKS = "inst_clerks"
CLERK_PII = ("id_number", "mobile", "job_no")
"""Sealed in a clerk's document (``pii.seal``); the job number is the clerk's own mobile."""
QR_CODES = "inst_qr_codes"
QR_KEY_DOC = "installment_qr_key"
TOKEN_PREFIX = "BDQ1"
CODE_DIGITS = 6

DEFAULTS: dict[str, float] = {
    "qr_valid_minutes": 30,
    "qr_quota": 3,
    "bind_code_ttl_seconds": 300,
    "bind_code_max_tries": 3,
}

register_messages(
    {
        "installment_field_invalid": {
            "zh-CN": "请检查填写内容:{fields}。",
            "en": "Check these fields: {fields}.",
        },
        "installment_job_not_mobile": {
            "zh-CN": "工号必须是本人手机号。",
            "en": "The job number must be your own mobile number.",
        },
        "installment_job_not_registered": {
            "zh-CN": "绑定失败:工号 {job_no} 未登记,请联系当地业务联系人登记工号后再绑定。",
            "en": "Binding failed: job number {job_no} is not registered; ask your local "
            "business contact to register it, then bind again.",
        },
        "installment_job_taken": {
            "zh-CN": "工号 {job_no} 已被其他账号绑定。",
            "en": "Job number {job_no} is already bound to another account.",
        },
        "installment_no_registration": {
            "zh-CN": "请先填写登记信息并获取验证码。",
            "en": "Fill in the registration and request a code first.",
        },
        "installment_code_invalid": {
            "zh-CN": "验证码错误,还可尝试 {left} 次。",
            "en": "Wrong code; {left} {left|try|tries} left.",
        },
        "installment_code_dead": {
            "zh-CN": "验证码已失效(过期或错误次数过多),请重新获取。",
            "en": "The code is no longer valid (expired or too many tries); request a new one.",
        },
        "installment_not_bound": {
            "zh-CN": "您还不是已绑定的营业员,请先完成营业员登记。",
            "en": "You are not a bound clerk yet; complete the clerk registration first.",
        },
        "installment_already_bound": {
            "zh-CN": "该账号已绑定工号 {job_no}。",
            "en": "This account is already bound to job number {job_no}.",
        },
        "installment_qr_invalid": {
            "zh-CN": "抱歉,您不能办理此业务(二维码无效)。",
            "en": "Sorry, you cannot apply for this service (the QR code is not valid).",
        },
        "installment_qr_expired": {
            "zh-CN": "二维码已于 {at} 过期,请营业员重新生成。",
            "en": "The QR code expired at {at}; ask the clerk to generate a new one.",
        },
        "installment_qr_used_up": {
            "zh-CN": "该二维码已服务 {quota} 位客户,请营业员重新生成。",
            "en": "This QR code has already admitted {quota} customers; ask the clerk for a "
            "new one.",
        },
        "installment_sms_unavailable": SMS_UNAVAILABLE,
    }
)


def setting(backend: Backend, name: str) -> float:
    value = backend.settings.extra.get(f"installment.{name}")
    try:
        return float(value) if value is not None else DEFAULTS[name]  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return DEFAULTS[name]


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def local_minute(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


# -- clerk registration -----------------------------------------------------------------------
def clerk_view(doc: Doc | None, backend: Backend) -> dict[str, Any]:
    """The clerk's own registration: their job number in full, the rest masked."""
    if doc is None:
        return {"state": "unregistered"}
    merchant = backend.store.get(MERCHANTS, doc.get("merchant_id") or "")
    return {
        "state": doc["state"],
        "job_no": job_number(backend, doc),
        "name": doc["name"],
        "id_number": pii.masked(doc, "id_number"),
        "mobile": pii.masked(doc, "mobile"),
        "merchant_id": doc.get("merchant_id"),
        "merchant_name": merchant["name"] if merchant else None,
        "bound_at": doc.get("bound_at"),
        "code_expires_at": doc.get("code_expires_at"),
    }


def request_code(
    backend: Backend, staff: Staff, job_no: str, name: str, id_number: str, mobile: str
) -> dict[str, Any]:
    """Record the clerk's registration details and send an SMS code to their mobile."""
    job_no, name, mobile = job_no.strip(), name.strip(), mobile.strip()
    id_number = id_number.strip().upper()
    problems = validators.clerk_registration_errors(job_no, name, id_number, mobile)
    if problems.get("job_no") == "job_not_mobile":
        raise DomainError(422, "installment_job_not_mobile", details=problems)
    if problems:
        raise DomainError(
            422, "installment_field_invalid", details=problems, fields=", ".join(problems)
        )
    if not backend.settings.sandbox:
        raise DomainError(503, "installment_sms_unavailable")
    now = backend.settings.now()
    with backend.store.transaction() as txn:
        current = txn.get(CLERKS, staff.id)
        if current is not None and current["state"] == "bound":
            raise DomainError(409, "installment_already_bound", job_no=job_number(backend, current))
        key = _server_key(txn)
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        expires = now + timedelta(seconds=setting(backend, "bind_code_ttl_seconds"))
        nonce = secrets.token_hex(8)
        doc = clerk_doc(backend, staff.id, job_no, name, id_number, None)
        doc.update(
            state="pending",
            code_nonce=nonce,
            code_mac=_code_mac(key, staff.id, nonce, job_no, code),
            code_expires_at=iso(expires),
            bound_at=None,
        )
        txn.put(CLERKS, staff.id, doc)
        audit.record(
            txn,
            "installment.clerk_code",
            staff.id,
            iso(now),
            {"job_no": validators.mask_mobile(job_no)},
        )
        minutes = max(1, int(setting(backend, "bind_code_ttl_seconds")) // 60)
        text = (
            f"【中移金服】营业员绑定验证码 {code},工号 {job_no},{minutes} 分钟内有效。"
            "请勿告诉他人。"
        )
        at, purpose = iso(now), f"installment_clerk:{staff.id}"
        txn.after_commit.append(lambda: backend.sms.send(mobile, text, at, purpose))
    return clerk_view(doc, backend)


def clerk_doc(
    backend: Backend,
    staff_id: str,
    job_no: str,
    name: str,
    id_number: str,
    merchant_id: str | None,
) -> Doc:
    """A clerk bound to ``merchant_id`` (None: not yet), PII sealed."""
    now = iso(backend.settings.now())
    doc = {
        "staff_id": staff_id,
        "state": "bound",
        "job_no": job_no,
        "name": name,
        "id_number": id_number,
        "mobile": job_no,
        "merchant_id": merchant_id,
        "code_nonce": None,
        "code_mac": None,
        "code_expires_at": None,
        "code_tries": 0,
        "created_at": now,
        "bound_at": now,
    }
    return pii.seal(backend, CLERKS, doc, CLERK_PII)


def job_number(backend: Backend, doc: Doc) -> str:
    return pii.value(backend, CLERKS, doc, "job_no") or ""


def bind(backend: Backend, staff: Staff, code: str) -> dict[str, Any]:
    """Check the SMS code, then bind to the merchant that pre-registered the job number."""
    store = backend.store
    doc = store.get(CLERKS, staff.id)
    if doc is None:
        raise DomainError(409, "installment_no_registration")
    job_no = job_number(backend, doc)
    if doc["state"] == "bound":
        raise DomainError(409, "installment_already_bound", job_no=job_no)
    now = backend.settings.now()
    if not doc.get("code_mac") or parse_time(doc["code_expires_at"]) <= now:
        raise DomainError(410, "installment_code_dead")
    key_doc = store.get("_meta", QR_KEY_DOC)
    code = (code or "").strip()
    ok = (
        key_doc is not None
        and len(code) == CODE_DIGITS
        and code.isdigit()
        and hmac.compare_digest(
            _code_mac(bytes.fromhex(key_doc["key"]), staff.id, doc["code_nonce"], job_no, code),
            doc["code_mac"],
        )
    )
    if not ok:
        tries = doc["code_tries"] + 1
        max_tries = int(setting(backend, "bind_code_max_tries"))
        dead = tries >= max_tries
        # A failed try must outlive the refused request, whose transaction rolls back.
        _commit_apart(
            backend,
            CLERKS,
            staff.id,
            {**doc, "code_tries": tries, **({"code_mac": None} if dead else {})},
            "installment.clerk_code_wrong",
            {"tries": tries},
        )
        if dead:
            raise DomainError(410, "installment_code_dead")
        left = max_tries - tries
        raise DomainError(422, "installment_code_invalid", details={"tries_left": left}, left=left)
    with store.transaction() as txn:
        merchant = _merchant_for_job(txn, backend, job_no)
        if merchant is None:
            raise DomainError(
                409,
                "installment_job_not_registered",
                details={"job_no": job_no},
                job_no=job_no,
            )
        for other in pii.lookup(backend, CLERKS, "job_no", job_no, txn.store):
            if other["staff_id"] != staff.id and other["state"] == "bound":
                raise DomainError(409, "installment_job_taken", job_no=job_no)
        bound = {
            **doc,
            "state": "bound",
            "merchant_id": merchant["id"],
            "bound_at": iso(now),
            "code_mac": None,
        }
        txn.put(CLERKS, staff.id, bound)
        audit.record(
            txn,
            "installment.clerk_bound",
            staff.id,
            iso(now),
            {"job_no": validators.mask_mobile(job_no), "merchant_id": merchant["id"]},
        )
    return clerk_view(bound, backend)


def bound_clerk(backend: Backend, staff: Staff) -> Doc:
    doc = backend.store.get(CLERKS, staff.id)
    if doc is None or doc["state"] != "bound":
        raise DomainError(409, "installment_not_bound")
    return doc


def _merchant_for_job(txn: Transaction, backend: Backend, job_no: str) -> Doc | None:
    """The merchant that registered ``job_no``: merchants keep the keyed hashes of their job
    numbers (``registered_jobs`` in the clear in a store written before)."""
    hashed = pii.lookup_key(backend, "job_no", job_no)
    for merchant in txn.store.scan(MERCHANTS):
        if hashed in merchant.get("registered_job_hashes", []):
            return merchant
        if job_no in merchant.get("registered_jobs", []):
            return merchant
    return None


def _code_mac(key: bytes, staff_id: str, nonce: str, job_no: str, code: str) -> str:
    message = "|".join(["clerk-bind", staff_id, nonce, job_no, code])
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def _commit_apart(
    backend: Backend, table: str, key: str, doc: Doc, action: str, details: dict[str, Any]
) -> None:
    ctx = context.get()
    actor, idem = ctx.staff_id, ctx.idempotency_key

    def write() -> None:
        context.current.set(context.RequestContext(staff_id=actor, idempotency_key=idem))
        with backend.store.transaction() as txn:
            txn.put(table, key, doc)
            audit.record(txn, action, key, backend.now_iso(), details)

    # A fresh context has no current transaction, so this one commits on its own.
    contextvars.Context().run(write)


# -- QR codes ---------------------------------------------------------------------------------
def _server_key(txn: Transaction) -> bytes:
    doc = txn.get("_meta", QR_KEY_DOC)
    if doc is None:
        doc = txn.put("_meta", QR_KEY_DOC, {"key": secrets.token_hex(32)})
    return bytes.fromhex(doc["key"])


def _token_mac(key: bytes, code_id: str) -> str:
    return hmac.new(key, f"qr|{code_id}".encode(), hashlib.sha256).hexdigest()[:20].upper()


def make_token(key: bytes, code_id: str) -> str:
    """``BDQ1:<code id>:<20 hex>``: QR alphanumeric mode, so it fits a small QR version."""
    return f"{TOKEN_PREFIX}:{code_id}:{_token_mac(key, code_id)}"


def code_id_from_token(store: Any, token: str) -> str | None:
    """The code id a genuine token names, or None for anything forged or malformed."""
    parts = (token or "").strip().split(":")
    key_doc = store.get("_meta", QR_KEY_DOC)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or key_doc is None:
        return None
    expected = _token_mac(bytes.fromhex(key_doc["key"]), parts[1])
    return parts[1] if hmac.compare_digest(expected, parts[2].upper()) else None


def qr_view(doc: Doc, backend: Backend) -> dict[str, Any]:
    now = backend.settings.now()
    expires = parse_time(doc["expires_at"])
    merchant = backend.store.get(MERCHANTS, doc["merchant_id"])
    used = len(doc["admitted"])
    left = max(0, int((expires - now).total_seconds()))
    if now >= expires:
        state = "expired"
    elif used >= doc["quota"]:
        state = "used_up"
    else:
        state = "valid"
    return {
        "id": doc["id"],
        "token": doc["token"],
        "merchant_id": doc["merchant_id"],
        "merchant_name": merchant["name"] if merchant else doc["merchant_id"],
        "issued_at": doc["issued_at"],
        "expires_at": doc["expires_at"],
        "quota": doc["quota"],
        "used": used,
        "remaining": max(0, doc["quota"] - used),
        "seconds_left": left,
        "state": state,
    }


def issue_qr(backend: Backend, staff: Staff) -> dict[str, Any]:
    clerk = bound_clerk(backend, staff)
    now = backend.settings.now()
    with backend.store.transaction() as txn:
        key = _server_key(txn)
        code_id = f"Q{txn.next_id(QR_CODES):08d}"
        expires = now + timedelta(minutes=setting(backend, "qr_valid_minutes"))
        doc = {
            "id": code_id,
            "token": make_token(key, code_id),
            "clerk_staff_id": staff.id,
            "merchant_id": clerk["merchant_id"],
            "issued_at": iso(now),
            "expires_at": iso(expires),
            "quota": int(setting(backend, "qr_quota")),
            "admitted": [],
        }
        txn.put(QR_CODES, code_id, doc)
        audit.record(
            txn, "installment.qr_issued", code_id, iso(now), {"merchant_id": clerk["merchant_id"]}
        )
    return qr_view(doc, backend)


def current_qr(backend: Backend, staff: Staff) -> dict[str, Any] | None:
    codes = backend.store.lookup(QR_CODES, "clerk_staff_id", staff.id)
    if not codes:
        return None
    return qr_view(max(codes, key=lambda c: c["id"]), backend)


def admit(txn: Transaction, backend: Backend, token: str, application_id: str) -> Doc:
    """A customer scans a code: the rules of validity and quota, enforced here, never on screen.

    Valid while ``now < issued + validity`` (at exactly 30 minutes it is expired); the quota is
    counted in customers admitted, so the 4th customer is refused.
    """
    code_id = code_id_from_token(txn.store, token)
    doc = txn.get(QR_CODES, code_id) if code_id else None
    if doc is None:
        raise DomainError(422, "installment_qr_invalid")
    now = backend.settings.now()
    expires = parse_time(doc["expires_at"])
    if now >= expires:
        raise DomainError(
            410,
            "installment_qr_expired",
            details={"expired_at": doc["expires_at"]},
            at=local_minute(expires),
        )
    if len(doc["admitted"]) >= doc["quota"]:
        raise DomainError(
            409, "installment_qr_used_up", details={"quota": doc["quota"]}, quota=doc["quota"]
        )
    updated = {**doc, "admitted": [*doc["admitted"], application_id]}
    txn.put(QR_CODES, doc["id"], updated)
    return updated


# -- demo data --------------------------------------------------------------------------------
DEMO_MERCHANTS = [
    ("MER001", "中国移动兴义坪东营业厅", ["13985900001", "13985900002", "13985900003"]),
    ("MER002", "中国移动兴义桔山合作厅", ["13985900011", "13985900012"]),
]
DEMO_BOUND_CLERK = ("ic-demo", "13985900002", "杨秀英", "MER001")


def seed_merchants(txn: Transaction, backend: Backend, rng: random.Random) -> None:
    for merchant_id, name, jobs in DEMO_MERCHANTS:
        hashes = [pii.lookup_key(backend, "job_no", job) for job in jobs]
        txn.put(
            MERCHANTS,
            merchant_id,
            {"id": merchant_id, "name": name, "registered_job_hashes": hashes},
        )
    staff_id, job_no, name, merchant_id = DEMO_BOUND_CLERK
    first17 = "52230119900101" + f"{rng.randrange(1000):03d}"
    id_number = first17 + validators.id_check_char(first17)
    txn.put(CLERKS, staff_id, clerk_doc(backend, staff_id, job_no, name, id_number, merchant_id))
