"""HTTP: clerk registration, clerk QR codes, the applications board, the merchant back office,
and (local/demo only) the simulated customer under /v1/sandbox."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from branchdesk.clients.local import auth
from branchdesk.clients.local.auth import Staff
from branchdesk.clients.local.errors import DomainError
from branchdesk.clients.local.installment import orders as installment_orders
from branchdesk.clients.local.installment import rules as installment
from branchdesk.clients.local.installment import simulation as installment_sim

router = APIRouter(tags=["installment"])
BASE = "/v1/installment"

Status = installment_orders.Status
Step = installment_orders.Step


class ClerkOut(BaseModel):
    state: Literal["unregistered", "pending", "bound"]
    job_no: str | None = None
    name: str | None = None
    id_number: str | None = Field(default=None, description="masked")
    mobile: str | None = Field(default=None, description="masked")
    merchant_id: str | None = None
    merchant_name: str | None = None
    bound_at: str | None = None
    code_expires_at: str | None = None


class RegistrationIn(BaseModel):
    job_no: str = Field(max_length=20, description="the clerk's own mobile number")
    name: str = Field(max_length=40)
    id_number: str = Field(max_length=18)
    mobile: str = Field(max_length=20)


class BindIn(BaseModel):
    code: str = Field(max_length=12)


class QrOut(BaseModel):
    id: str
    token: str = Field(description="the QR payload: BDQ1:<code id>:<signature>")
    merchant_id: str
    merchant_name: str
    issued_at: str
    expires_at: str = Field(description="valid while now < expires_at")
    quota: int
    used: int
    remaining: int
    seconds_left: int
    state: Literal["valid", "expired", "used_up"]


class Product(BaseModel):
    package: str = Field(max_length=40)
    term_months: int
    brand: str = Field(max_length=20)
    model: str = Field(max_length=40)
    down_payment: str = Field(max_length=12)
    price: str = Field(max_length=12)


class ApplicationOut(BaseModel):
    id: str
    qr_id: str
    merchant_id: str
    merchant_name: str
    clerk_job_no: str | None = None
    clerk_name: str | None = None
    customer_name: str = Field(description="masked")
    customer_mobile: str = Field(description="masked")
    created_at: str
    step: Step
    status: Status
    product: Product | None = None
    addons_ticked: list[str]
    submitted_at: str | None = None
    reviewed_at: str | None = None
    review_seconds: int | None = None
    likely_refused: bool
    completed_at: str | None = None
    revoke_until: str | None = Field(default=None, description="revocable while now < this")
    card_verification: Literal["not_started", "verifying", "passed", "failed"]
    payment_received: bool
    payment_received_at: str | None = None
    revoked_at: str | None = None
    revoke_reason: str | None = None


class ApplicationPage(BaseModel):
    items: list[ApplicationOut]
    total: int = Field(description="applications on every page together")
    late: int = Field(description="of those, how many are likely refused")


class RevokeIn(BaseModel):
    reason: str = Field(min_length=1, max_length=200)


class ScanIn(BaseModel):
    token: str = Field(max_length=200)
    customer_name: str | None = Field(default=None, max_length=40)
    customer_mobile: str | None = Field(default=None, max_length=20)


class AdvanceIn(BaseModel):
    product: Product | None = None
    life_insurance: bool = False
    flexible_repayment: bool = False


@router.get(f"{BASE}/clerk", response_model=ClerkOut)
async def get_clerk(
    request: Request, staff: Staff = auth.require("clerk", "supervisor")
) -> dict[str, Any]:
    backend = auth.get_backend(request)
    return installment.clerk_view(backend.store.get(installment.CLERKS, staff.id), backend)


@router.post(f"{BASE}/clerk/code", response_model=ClerkOut)
async def request_code(
    body: RegistrationIn, request: Request, staff: Staff = auth.require("clerk")
) -> dict[str, Any]:
    return installment.request_code(
        auth.get_backend(request), staff, body.job_no, body.name, body.id_number, body.mobile
    )


@router.post(f"{BASE}/clerk/bind", response_model=ClerkOut)
async def bind(
    body: BindIn, request: Request, staff: Staff = auth.require("clerk")
) -> dict[str, Any]:
    return installment.bind(auth.get_backend(request), staff, body.code)


@router.post(f"{BASE}/qr-codes", response_model=QrOut, status_code=201)
async def issue_qr(request: Request, staff: Staff = auth.require("clerk")) -> dict[str, Any]:
    return installment.issue_qr(auth.get_backend(request), staff)


@router.get(f"{BASE}/qr-codes/current", response_model=QrOut)
async def current_qr(request: Request, staff: Staff = auth.require("clerk")) -> dict[str, Any]:
    code = installment.current_qr(auth.get_backend(request), staff)
    if code is None:
        raise DomainError(404, "not_found")
    return code


@router.get(f"{BASE}/applications", response_model=ApplicationPage)
async def applications(
    request: Request,
    limit: int = Query(default=50, ge=1, le=200),
    before: str | None = Query(
        default=None, max_length=20, description="the last id of the page before (a cursor)"
    ),
    merchant_id: str | None = Query(default=None, max_length=20),
    staff: Staff = auth.require("clerk", "supervisor"),
) -> dict[str, Any]:
    """The board, newest first, a page at a time; ``total`` and ``late`` count every page."""
    return installment_orders.board(
        auth.get_backend(request), staff, limit, before or None, merchant_id or None
    )


@router.get(f"{BASE}/applications/{{application_id}}", response_model=ApplicationOut)
async def application(
    application_id: str, request: Request, staff: Staff = auth.require("clerk", "supervisor")
) -> dict[str, Any]:
    return installment_orders.get_application(auth.get_backend(request), staff, application_id)


@router.get(f"{BASE}/orders", response_model=list[ApplicationOut])
async def orders(
    request: Request,
    date_from: str | None = Query(default=None, max_length=10, description="YYYY-MM-DD"),
    date_to: str | None = Query(default=None, max_length=10, description="YYYY-MM-DD"),
    status: Status | None = Query(default=None),
    staff: Staff = auth.require("clerk", "supervisor"),
) -> list[dict[str, Any]]:
    return installment_orders.query_orders(
        auth.get_backend(request), staff, date_from, date_to, status
    )


@router.post(f"{BASE}/orders/{{application_id}}/revoke", response_model=ApplicationOut)
async def revoke(
    application_id: str,
    body: RevokeIn,
    request: Request,
    staff: Staff = auth.require("clerk", "supervisor"),
) -> dict[str, Any]:
    return installment_orders.revoke(
        auth.get_backend(request), staff, application_id, body.reason.strip()
    )


@router.post(
    "/v1/sandbox/installment/scans",
    response_model=ApplicationOut,
    status_code=201,
    tags=["sandbox"],
)
async def simulated_scan(
    body: ScanIn, request: Request, staff: Staff = auth.require("clerk", "supervisor", "trainer")
) -> dict[str, Any]:
    return installment_sim.scan(
        auth.get_backend(request), body.token, body.customer_name, body.customer_mobile
    )


@router.post(
    "/v1/sandbox/installment/applications/{application_id}/advance",
    response_model=ApplicationOut,
    tags=["sandbox"],
)
async def simulated_step(
    application_id: str,
    body: AdvanceIn,
    request: Request,
    staff: Staff = auth.require("clerk", "supervisor", "trainer"),
) -> dict[str, Any]:
    choices: dict[str, Any] = {
        "life_insurance": body.life_insurance,
        "flexible_repayment": body.flexible_repayment,
    }
    if body.product is not None:
        choices["product"] = body.product.model_dump()
    return installment_sim.step(auth.get_backend(request), application_id, choices)
