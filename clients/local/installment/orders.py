"""Installment applications: steps and statuses, the funder's review, the merchant back office.

Steps (the customer's app): 选择产品 → 身份认证 → 补充信息 → 合同确认 → 上传凭证 → 我的申请.
Statuses: in_progress (the customer is filling in) → in_review → approved → contract_pending →
voucher_pending → completed, or refused; a completed order may be revoked within 7 days
(allowed while ``now < completed_at + 7 days``).

Things that happen on the funder's side with time (the review's outcome, the contract being
issued, the card verification that releases the money) are planned when the triggering step
happens and revealed by ``settle`` once the clock passes their moment. Reads show the settled
view; a write settles first. So the flow is deterministic under a fake clock and needs no timer.
"""

from __future__ import annotations

import os
import random
from datetime import date, datetime, timedelta
from typing import Any, Literal, get_args

from branchdesk.clients import validators
from branchdesk.clients.local import audit, context, pii
from branchdesk.clients.local.auth import Staff
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.errors import DomainError, register_messages
from branchdesk.clients.local.installment.rules import (
    CLERKS,
    MERCHANTS,
    bound_clerk,
    iso,
    local_minute,
    parse_time,
)
from branchdesk.clients.local.store import Doc, Transaction

APPLICATIONS = "inst_applications"
Step = Literal[
    "select_product", "identity", "supplementary", "contract", "voucher", "my_applications"
]
Status = Literal[
    "in_progress",
    "in_review",
    "approved",
    "refused",
    "contract_pending",
    "voucher_pending",
    "completed",
    "revoked",
]
"""An application's step in the customer's app and its status (the routes' models use them)."""
STEPS: tuple[str, ...] = get_args(Step)
STATUSES: tuple[str, ...] = get_args(Status)
DEFAULT_PRODUCT = {
    "package": "畅享套餐 128元",
    "term_months": 12,
    "brand": "华为",
    "model": "nova 12",
    "down_payment": "0.00",
    "price": "2999.00",
}
"""What the simulated customer picks when the step names nothing."""
CARD_STATES = ("not_started", "verifying", "passed", "failed")

DEFAULTS: dict[str, float] = {
    "review_delay_seconds": 120,
    "refused_delay_seconds": 900,
    "refusal_rate": 0.2,
    "review_seed": 0,
    "review_warn_seconds": 600,
    "contract_delay_seconds": 60,
    "card_verify_seconds": 300,
    "card_failure_rate": 0.0,
    "revoke_days": 7,
}

register_messages(
    {
        "installment_application_not_found": {
            "zh-CN": "未找到申请 {id}。",
            "en": "Application {id} not found.",
        },
        "installment_cannot_advance": {
            "zh-CN": "申请 {id} 当前状态为“{state}”,客户暂时不能进行下一步。",
            "en": "Application {id} is {state}; the customer cannot take the next step now.",
        },
        "installment_not_revocable": {
            "zh-CN": "只有已完成的订单可以撤销(订单 {id} 当前为“{state}”)。",
            "en": "Only completed orders can be revoked (order {id} is {state}).",
        },
        "installment_revoke_window_closed": {
            "zh-CN": "订单 {id} 于 {completed} 完成,撤销期限已于 {deadline} 截止"
            "(完成后 7 天内可撤销)。",
            "en": "Order {id} was completed on {completed}; revocation closed on {deadline} "
            "(allowed within 7 days of completion).",
        },
        "installment_bad_date": {
            "zh-CN": "日期格式应为 YYYY-MM-DD。",
            "en": "Dates must be YYYY-MM-DD.",
        },
        "installment_not_your_order": {
            "zh-CN": "该订单不属于您的商户。",
            "en": "This order does not belong to your merchant.",
        },
    }
)

STATUS_WORDS = {
    "in_progress": {"zh-CN": "办理中", "en": "in progress"},
    "in_review": {"zh-CN": "审核中", "en": "in review"},
    "approved": {"zh-CN": "审核通过", "en": "approved"},
    "refused": {"zh-CN": "审核拒绝", "en": "refused"},
    "contract_pending": {"zh-CN": "待确认合同", "en": "contract pending"},
    "voucher_pending": {"zh-CN": "待上传凭证", "en": "voucher pending"},
    "completed": {"zh-CN": "已完成", "en": "completed"},
    "revoked": {"zh-CN": "已撤销", "en": "revoked"},
}


def setting(backend: Backend, name: str) -> float:
    value = backend.settings.extra.get(f"installment.{name}")
    if value is None:
        value = os.environ.get(f"BRANCHDESK_INSTALLMENT_{name.upper()}")
    try:
        return float(value) if value is not None else DEFAULTS[name]  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return DEFAULTS[name]


def _rng(backend: Backend, application_id: str, purpose: str) -> random.Random:
    seed = int(setting(backend, "review_seed"))
    return random.Random(f"{seed}:{application_id}:{purpose}")


# -- time-driven changes ----------------------------------------------------------------------
def settle(doc: Doc, now: datetime) -> Doc:
    """The application as it stands at ``now``: reveal what the funder decided meanwhile."""
    out = doc
    if (
        out["status"] == "in_review"
        and out.get("review_due_at")
        and now >= parse_time(out["review_due_at"])
    ):
        if out["review_outcome"] == "refused":
            out = {**out, "status": "refused", "reviewed_at": out["review_due_at"]}
        else:
            out = {
                **out,
                "status": "approved",
                "step": "contract",
                "reviewed_at": out["review_due_at"],
            }
    if (
        out["status"] == "approved"
        and out.get("contract_due_at")
        and now >= parse_time(out["contract_due_at"])
    ):
        out = {**out, "status": "contract_pending"}
    if (
        out.get("card_verification") == "verifying"
        and out.get("card_verify_due_at")
        and now >= parse_time(out["card_verify_due_at"])
    ):
        result = out.get("card_outcome") or "passed"
        out = {
            **out,
            "card_verification": result,
            "payment_received_at": out["card_verify_due_at"] if result == "passed" else None,
        }
    return out


def review_seconds(doc: Doc, now: datetime) -> int | None:
    """How long the funder has had (or took for) a settled application; None before submit."""
    if not doc.get("submitted_at"):
        return None
    end = parse_time(doc["reviewed_at"]) if doc.get("reviewed_at") else now
    return max(0, int((end - parse_time(doc["submitted_at"])).total_seconds()))


def likely_refused(doc: Doc, seconds: int | None, warn_seconds: float) -> bool:
    """Still with the funder after more than ``review_warn_seconds``: most likely refused."""
    return doc["status"] == "in_review" and seconds is not None and seconds > warn_seconds


def view(doc: Doc, backend: Backend, now: datetime | None = None) -> dict[str, Any]:
    now = now or backend.settings.now()
    doc = settle(doc, now)
    seconds = review_seconds(doc, now)
    merchant = backend.store.get(MERCHANTS, doc["merchant_id"])
    clerk = backend.store.get(CLERKS, doc["clerk_staff_id"])
    completed = doc.get("completed_at")
    revoke_until = None
    if completed:
        revoke_until = iso(parse_time(completed) + timedelta(days=setting(backend, "revoke_days")))
    addons = doc.get("addons") or {}
    return {
        "id": doc["id"],
        "qr_id": doc["qr_id"],
        "merchant_id": doc["merchant_id"],
        "merchant_name": merchant["name"] if merchant else doc["merchant_id"],
        "clerk_job_no": pii.masked(clerk, "job_no") if clerk else None,
        "clerk_name": clerk["name"] if clerk else None,
        "customer_name": validators.mask_name(doc["customer_name"]),
        "customer_mobile": pii.masked(doc, "customer_mobile") or "",
        "created_at": doc["created_at"],
        "step": doc["step"],
        "status": doc["status"],
        "product": doc.get("product"),
        "addons_ticked": sorted(k for k, v in addons.items() if v),
        "submitted_at": doc.get("submitted_at"),
        "reviewed_at": doc.get("reviewed_at"),
        "review_seconds": seconds,
        "likely_refused": likely_refused(doc, seconds, setting(backend, "review_warn_seconds")),
        "completed_at": completed,
        "revoke_until": revoke_until,
        "card_verification": doc.get("card_verification", "not_started"),
        "payment_received": bool(doc.get("payment_received_at")),
        "payment_received_at": doc.get("payment_received_at"),
        "revoked_at": doc.get("revoked_at"),
        "revoke_reason": doc.get("revoke_reason"),
    }


# -- applications -----------------------------------------------------------------------------
def create_application(
    txn: Transaction,
    backend: Backend,
    qr: Doc,
    application_id: str,
    customer_name: str,
    customer_mobile: str,
) -> Doc:
    now = iso(backend.settings.now())
    doc = {
        "id": application_id,
        "qr_id": qr["id"],
        "clerk_staff_id": qr["clerk_staff_id"],
        "merchant_id": qr["merchant_id"],
        "customer_name": customer_name,
        "customer_mobile": customer_mobile,
        "created_at": now,
        "created_date": now[:10],
        "step": "select_product",
        "status": "in_progress",
        "product": None,
        "addons": None,
        "card_verification": "not_started",
    }
    return put_new(txn, backend, doc)


def put_new(txn: Transaction, backend: Backend, doc: Doc) -> Doc:
    """Store a new application, the customer's mobile sealed (``pii``); returns what is stored."""
    doc = pii.seal(backend, APPLICATIONS, doc, ("customer_mobile",))
    txn.put(APPLICATIONS, doc["id"], doc)
    return doc


def load(txn: Transaction, backend: Backend, application_id: str) -> Doc:
    doc = txn.get(APPLICATIONS, application_id)
    if doc is None:
        raise DomainError(404, "installment_application_not_found", id=application_id)
    return settle(doc, backend.settings.now())


def advance(
    txn: Transaction, backend: Backend, application_id: str, choices: dict[str, Any]
) -> Doc:
    """The customer takes the next step of the app (the simulated side calls this)."""
    doc = load(txn, backend, application_id)
    now = backend.settings.now()
    step, status = doc["step"], doc["status"]
    if status == "in_progress" and step == "select_product":
        product = choices.get("product") or dict(DEFAULT_PRODUCT)
        doc = {**doc, "product": product, "step": "identity"}
    elif status == "in_progress" and step == "identity":
        addons = {
            "life_insurance": bool(choices.get("life_insurance")),
            "flexible_repayment": bool(choices.get("flexible_repayment")),
        }
        doc = {**doc, "addons": addons, "step": "supplementary"}
    elif status == "in_progress" and step == "supplementary":
        rng = _rng(backend, application_id, "review")
        refused = rng.random() < setting(backend, "refusal_rate")
        delay = setting(backend, "refused_delay_seconds" if refused else "review_delay_seconds")
        due = now + timedelta(seconds=delay)
        doc = {
            **doc,
            "status": "in_review",
            "submitted_at": iso(now),
            "review_outcome": "refused" if refused else "approved",
            "review_due_at": iso(due),
            "contract_due_at": iso(
                due + timedelta(seconds=setting(backend, "contract_delay_seconds"))
            ),
        }
    elif status == "contract_pending":
        doc = {
            **doc,
            "status": "voucher_pending",
            "step": "voucher",
            "contract_confirmed_at": iso(now),
        }
    elif status == "voucher_pending":
        failed = _rng(backend, application_id, "card").random() < setting(
            backend, "card_failure_rate"
        )
        doc = {
            **doc,
            "status": "completed",
            "step": "my_applications",
            "voucher_uploaded_at": iso(now),
            "completed_at": iso(now),
            "card_verification": "verifying",
            "card_outcome": "failed" if failed else "passed",
            "card_verify_due_at": iso(
                now + timedelta(seconds=setting(backend, "card_verify_seconds"))
            ),
        }
    else:
        raise DomainError(
            409,
            "installment_cannot_advance",
            details={"status": status},
            id=application_id,
            state=_status_word(status),
        )
    txn.put(APPLICATIONS, application_id, doc)
    audit.record(
        txn,
        "installment.application_step",
        application_id,
        iso(now),
        {"step": doc["step"], "status": doc["status"]},
    )
    return doc


def _status_word(status: str) -> str:
    return STATUS_WORDS.get(status, {}).get(context.get().lang, status)


def board(
    backend: Backend, staff: Staff, limit: int, before: str | None, merchant_id: str | None
) -> dict[str, Any]:
    """One page of the applications of the clerk's customers (a supervisor sees every clerk's),
    newest first: at most ``limit`` with an id below ``before`` (the last id of the page before).

    The store answers the page, the total and the late ones from its indexes (migration 0006),
    so a request costs the same however many applications the table holds.
    """
    where: dict[str, Any] = {}
    if not staff.has("supervisor"):
        bound_clerk(backend, staff)
        where["clerk_staff_id"] = staff.id
    if merchant_id:
        where["merchant_id"] = merchant_id
    docs = backend.store.select(
        APPLICATIONS, where=where, field="id", hi=before, newest_first=True, limit=limit
    )
    now = backend.settings.now()
    late = late_count(backend, where, now, setting(backend, "review_warn_seconds"))
    return {
        "items": [view(d, backend, now) for d in docs],
        "total": _count(backend, where),
        "late": late,
    }


def late_count(backend: Backend, where: dict[str, Any], now: datetime, warn: float) -> int:
    """How many of the board's applications are ``likely_refused`` at ``now``, counted from
    the store's ordered indexes: only the few near a boundary are read and judged.

    Stored as in review and submitted more than ``warn`` + 2 s ago: long enough in review,
    so late unless the funder's answer is due by now (``settle`` reveals it). The ones
    submitted since are read and judged one by one, and so are those due within a second
    of now; every other due time is counted as a range. (Times are the rules' ISO stamps,
    which compare as text.)
    """
    store = backend.store
    in_review = {**where, "status": "in_review"}
    long_ago = iso(now - timedelta(seconds=warn + 2))
    recent = store.select(APPLICATIONS, where=in_review, field="submitted_at", lo=long_ago)
    late = 0
    for doc in recent:
        settled = settle(doc, now)
        late += likely_refused(settled, review_seconds(settled, now), warn)
    waiting = store.count_range(APPLICATIONS, where=in_review, field="submitted_at", hi=long_ago)
    just_before, just_after = iso(now - timedelta(seconds=1)), iso(now + timedelta(seconds=1))
    answered = store.count_range(
        APPLICATIONS, where=in_review, field="review_due_at", hi=just_before
    ) + sum(
        _answered(doc, now)
        for doc in store.select(
            APPLICATIONS, where=in_review, field="review_due_at", lo=just_before, hi=just_after
        )
    )
    answered -= sum(_answered(doc, now) for doc in recent)  # the old ones only
    return late + waiting - answered


def _answered(doc: Doc, now: datetime) -> bool:
    """The funder's answer to an application in review is due by ``now`` (see ``settle``)."""
    return bool(doc.get("review_due_at")) and now >= parse_time(doc["review_due_at"])


def _count(backend: Backend, where: dict[str, Any]) -> int:
    if not where:
        return backend.store.count(APPLICATIONS)
    if "clerk_staff_id" in where:  # one clerk's customers: a short list, from its index
        return len(backend.store.select(APPLICATIONS, where=where))
    counts = backend.store.tally(APPLICATIONS, tuple(where))  # a merchant's: counted, not read
    return counts.get(tuple(where.values()), 0)


def get_application(backend: Backend, staff: Staff, application_id: str) -> dict[str, Any]:
    doc = backend.store.get(APPLICATIONS, application_id)
    if doc is None:
        raise DomainError(404, "installment_application_not_found", id=application_id)
    _check_merchant(backend, staff, doc)
    return view(doc, backend)


def _check_merchant(backend: Backend, staff: Staff, doc: Doc) -> None:
    if staff.has("supervisor"):
        return
    clerk = bound_clerk(backend, staff)
    if doc["merchant_id"] != clerk["merchant_id"]:
        raise DomainError(403, "installment_not_your_order")


# -- merchant back office ---------------------------------------------------------------------
def _date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d").date().isoformat()
    except ValueError:
        raise DomainError(422, "installment_bad_date", details={"value": value}) from None


def query_orders(
    backend: Backend, staff: Staff, date_from: str | None, date_to: str | None, status: str | None
) -> list[dict[str, Any]]:
    """Orders of the clerk's merchant (a supervisor's: all) by creation date and status."""
    start, end = _date(date_from), _date(date_to)
    where: dict[str, Any] = {}
    if not staff.has("supervisor"):
        where["merchant_id"] = bound_clerk(backend, staff)["merchant_id"]
    after_end = (date.fromisoformat(end) + timedelta(days=1)).isoformat() if end else None
    docs = backend.store.select(
        APPLICATIONS, where=where, field="created_date", lo=start, hi=after_end
    )
    now = backend.settings.now()
    out = []
    for doc in docs:
        row = view(doc, backend, now)
        if status and row["status"] != status:
            continue
        out.append(row)
    return sorted(out, key=lambda r: r["id"], reverse=True)


def revoke(backend: Backend, staff: Staff, application_id: str, reason: str) -> dict[str, Any]:
    now = backend.settings.now()
    with backend.store.transaction() as txn:
        doc = load(txn, backend, application_id)
        _check_merchant(backend, staff, doc)
        if doc["status"] != "completed":
            raise DomainError(
                409,
                "installment_not_revocable",
                details={"status": doc["status"]},
                id=application_id,
                state=_status_word(doc["status"]),
            )
        completed = parse_time(doc["completed_at"])
        deadline = completed + timedelta(days=setting(backend, "revoke_days"))
        if now >= deadline:
            raise DomainError(
                409,
                "installment_revoke_window_closed",
                details={"completed_at": doc["completed_at"], "revoke_until": iso(deadline)},
                id=application_id,
                completed=local_minute(completed),
                deadline=local_minute(deadline),
            )
        doc = {
            **doc,
            "status": "revoked",
            "revoked_at": iso(now),
            "revoke_reason": reason,
            "revoked_by": staff.id,
        }
        txn.put(APPLICATIONS, application_id, doc)
        audit.record(txn, "installment.order_revoked", application_id, iso(now), {"reason": reason})
    return view(doc, backend, now)
