"""HTTP: members, redemptions with SMS codes, reversal, issuance, points detail and reports."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field, StrictInt

from branchdesk.clients.local import auth
from branchdesk.clients.local.auth import Staff
from branchdesk.clients.local.points import imports as points_import
from branchdesk.clients.local.points import reports as points_reports
from branchdesk.clients.local.points import rules as points

router = APIRouter(tags=["points"])
REDEEMERS = ("cashier", "supervisor")

Channel = Literal["mall", "pos", "proxy", "outlet"]


class MemberOut(BaseModel):
    id: str
    name: str
    mobile: str
    card: str
    id_number: str | None
    id_bound: bool
    offline: bool
    program_id: str
    rate: str
    points: int
    value: str
    institution_id: str
    institution_name: str


class MemberIn(BaseModel):
    name: str = Field(min_length=1, max_length=40)
    mobile: str = Field(min_length=1, max_length=20)
    card_no: str | None = Field(default=None, max_length=23)
    id_number: str | None = Field(default=None, max_length=18)
    institution_id: str = Field(min_length=1, max_length=20)
    program_id: str | None = Field(default=None, max_length=20)
    offline: bool = True


class OrderItem(BaseModel):
    name: str = Field(min_length=1, max_length=60)
    quantity: StrictInt
    unit_price: str = Field(max_length=20, description="CNY, decimal string")


class RedemptionIn(BaseModel):
    member_id: str = Field(max_length=20)
    points: StrictInt | None = Field(default=None, description="required unless items are given")
    channel: Channel
    order_ref: str | None = Field(default=None, max_length=40)
    items: list[OrderItem] | None = Field(default=None, max_length=50)


class RedemptionOut(BaseModel):
    id: str
    member_id: str
    status: Literal["pending_otp", "settled", "reversed", "cancelled"]
    points: int
    amount: str
    rate: str
    channel: str
    order_ref: str | None = None
    order_amount: str | None = None
    items: list[OrderItem] | None = None
    institution_id: str
    created_at: str
    settled_at: str | None = None
    balance_after: int | None = None
    code_expires_at: str | None = None
    code_sent_at: str | None = None
    reversed_at: str | None = None
    reverse_reason: str | None = None
    cancelled_at: str | None = None
    created_by: str | None = None
    created_by_name: str = ""
    member_name: str = ""
    member_card: str = ""
    member_mobile: str = ""
    institution_name: str = ""


class VerifyIn(BaseModel):
    code: str = Field(max_length=12)


class ReverseIn(BaseModel):
    reason: str = Field(min_length=1, max_length=200)


class GrantIn(BaseModel):
    member_id: str = Field(max_length=20)
    points: StrictInt
    kind: Literal["earn", "adjust"] = "earn"
    note: str = Field(default="", max_length=200)


class LedgerRow(BaseModel):
    seq: int
    kind: str
    points: int
    balance_after: int
    at: str
    ref: str | None = None
    channel: str | None = None
    note: str = ""


class LedgerOut(BaseModel):
    member: MemberOut
    rows: list[LedgerRow]
    total: int


class ImportIn(BaseModel):
    csv: str | None = Field(default=None, max_length=points_import.MAX_BYTES)
    content_base64: str | None = Field(
        default=None,
        max_length=points_import.MAX_BYTES * 4 // 3 + 4,
        description="the file's bytes (UTF-8 or GB18030), decoded by the server line by line",
    )
    filename: str = Field(default="", max_length=200)
    confirm_reimport: bool = Field(
        default=False, description="import a file whose content was imported before, on purpose"
    )


class ImportProblem(BaseModel):
    line: int
    problem: str
    value: str = ""
    first_line: int | None = None


class ImportPreviewRow(BaseModel):
    line: int
    card: str
    member: str
    points: int
    note: str


class BatchRef(BaseModel):
    batch_id: str
    by: str
    at: str


class ImportOut(BaseModel):
    rows: int
    points: int
    members: int
    value: str
    first_rows: list[ImportPreviewRow]
    batch_id: str | None
    dry_run: bool
    problems: list[ImportProblem]
    sha256: str
    earlier_batch: BatchRef | None = None


class TemplateOut(BaseModel):
    filename: str
    content: str


class Institution(BaseModel):
    id: str
    name: str
    province: str
    city: str
    county: str


class DayPoints(BaseModel):
    date: str
    points: int


class ReportOut(BaseModel):
    report: str
    date_from: str
    date_to: str
    columns: list[str]
    rows: list[list[Any]]
    totals: dict[str, Any]
    daily: list[DayPoints]


def _backend(request: Request) -> Any:
    return auth.get_backend(request)


@router.get(
    "/v1/members", response_model=MemberOut, responses={404: {"description": "member_not_found"}}
)
async def find_member(
    request: Request,
    card: str | None = Query(default=None, max_length=23),
    phone: str | None = Query(default=None, max_length=20),
    staff: Staff = auth.require(*REDEEMERS),
) -> dict[str, Any]:
    backend = _backend(request)
    return points.member_view(backend.store, points.find_member(backend, card, phone))


@router.post(
    "/v1/members",
    status_code=201,
    response_model=MemberOut,
    responses={409: {"description": "member_exists"}},
)
async def create_member(
    body: MemberIn, request: Request, staff: Staff = auth.require("supervisor")
) -> dict[str, Any]:
    backend = _backend(request)
    member = points.create_member(backend, staff, body.model_dump())
    return points.member_view(backend.store, member)


@router.get("/v1/members/{member_id}/ledger", response_model=LedgerOut)
async def member_ledger(
    member_id: str, request: Request, staff: Staff = auth.require(*REDEEMERS)
) -> dict[str, Any]:
    store = _backend(request).store
    member = points.get_member(store, member_id)
    rows = points.ledger_rows(store, member_id)
    return {"member": points.member_view(store, member), "rows": rows[-500:], "total": len(rows)}


@router.get("/v1/points/institutions", response_model=list[Institution])
async def institutions(
    request: Request, staff: Staff = auth.require(*REDEEMERS)
) -> list[dict[str, Any]]:
    return sorted(_backend(request).store.scan(points.INSTITUTIONS), key=lambda d: d["id"])


@router.post(
    "/v1/redemptions",
    status_code=201,
    response_model=RedemptionOut,
    responses={
        409: {"description": "insufficient_points, member_id_unbound"},
        429: {"description": "otp_rate_limited"},
    },
)
async def create_redemption(
    body: RedemptionIn, request: Request, staff: Staff = auth.require(*REDEEMERS)
) -> dict[str, Any]:
    data = body.model_dump()
    if data["items"] is None:
        data.pop("items")
    backend = _backend(request)
    return points.redemption_view(backend.store, points.create_redemption(backend, staff, data))


@router.get("/v1/redemptions", response_model=list[RedemptionOut])
async def list_redemptions(
    request: Request,
    created_by: str | None = Query(default=None, max_length=20),
    since: str | None = Query(default=None, max_length=32, description="UTC ISO instant"),
    until: str | None = Query(default=None, max_length=32, description="UTC ISO instant"),
    status: Literal["pending_otp", "settled", "reversed", "cancelled"] | None = None,
    staff: Staff = auth.require(*REDEEMERS),
) -> list[dict[str, Any]]:
    """A shift's redemptions: a cashier's own, newest first (a supervisor may name anyone)."""
    return points.list_redemptions(
        _backend(request).store,
        staff,
        created_by=created_by,
        since=since,
        until=until,
        status=status,
    )


@router.get("/v1/redemptions/{redemption_id}", response_model=RedemptionOut)
async def get_redemption(
    redemption_id: str, request: Request, staff: Staff = auth.require(*REDEEMERS)
) -> dict[str, Any]:
    store = _backend(request).store
    return points.redemption_view(store, points.get_redemption(store, redemption_id))


@router.post(
    "/v1/redemptions/{redemption_id}/cancel",
    response_model=RedemptionOut,
    responses={409: {"description": "redemption_not_cancellable"}},
)
async def cancel_redemption(
    redemption_id: str, request: Request, staff: Staff = auth.require(*REDEEMERS)
) -> dict[str, Any]:
    backend = _backend(request)
    return points.redemption_view(backend.store, points.cancel(backend, staff, redemption_id))


@router.post(
    "/v1/redemptions/{redemption_id}/otp",
    response_model=RedemptionOut,
    responses={429: {"description": "otp_cooldown, otp_rate_limited"}},
)
async def resend_code(
    redemption_id: str, request: Request, staff: Staff = auth.require(*REDEEMERS)
) -> dict[str, Any]:
    backend = _backend(request)
    return points.redemption_view(backend.store, points.resend_code(backend, staff, redemption_id))


@router.post(
    "/v1/redemptions/{redemption_id}/verify",
    response_model=RedemptionOut,
    responses={
        422: {"description": "otp_invalid"},
        410: {"description": "otp_dead"},
        409: {"description": "insufficient_points, redemption_not_pending"},
    },
)
async def verify(
    redemption_id: str,
    body: VerifyIn,
    request: Request,
    staff: Staff = auth.require(*REDEEMERS),
) -> dict[str, Any]:
    backend = _backend(request)
    doc = points.settle(backend, staff, redemption_id, body.code)
    return points.redemption_view(backend.store, doc)


@router.post(
    "/v1/redemptions/{redemption_id}/reverse",
    response_model=RedemptionOut,
    responses={409: {"description": "already_reversed, redemption_not_settled"}},
)
async def reverse(
    redemption_id: str,
    body: ReverseIn,
    request: Request,
    staff: Staff = auth.require("supervisor"),
) -> dict[str, Any]:
    backend = _backend(request)
    doc = points.reverse(backend, staff, redemption_id, body.reason)
    return points.redemption_view(backend.store, doc)


@router.post("/v1/points/grants", status_code=201, response_model=LedgerRow)
async def grant(
    body: GrantIn, request: Request, staff: Staff = auth.require("supervisor")
) -> dict[str, Any]:
    return points.grant(_backend(request), staff, body.model_dump())


@router.get("/v1/points/imports/template", response_model=TemplateOut)
async def import_template(staff: Staff = auth.require("supervisor")) -> dict[str, Any]:
    return {"filename": points_import.TEMPLATE_NAME, "content": points_import.TEMPLATE}


@router.post(
    "/v1/points/imports",
    status_code=201,
    response_model=ImportOut,
    responses={
        422: {"description": "import_invalid (details: bad lines)"},
        409: {"description": "import_duplicate (details: the earlier batch)"},
    },
)
async def import_points(
    body: ImportIn,
    request: Request,
    dry_run: bool = Query(default=False),
    staff: Staff = auth.require("supervisor"),
) -> dict[str, Any]:
    raw = points_import.file_bytes(body.csv, body.content_base64)
    return points_import.import_csv(
        _backend(request),
        staff,
        raw,
        dry_run=dry_run,
        confirm_reimport=body.confirm_reimport,
        filename=body.filename,
    )


@router.get("/v1/points/reports/{report}", response_model=ReportOut)
async def report(
    report: str,
    request: Request,
    date_from: str | None = Query(default=None, alias="from", max_length=10),
    date_to: str | None = Query(default=None, alias="to", max_length=10),
    institution: str | None = Query(default=None, max_length=20),
    channel: str | None = Query(default=None, max_length=10),
    staff: Staff = auth.require("supervisor"),
) -> dict[str, Any]:
    return points_reports.build(
        _backend(request),
        report,
        date_from=date_from,
        date_to=date_to,
        institution=institution,
        channel=channel,
    )
