"""HTTP: marketer onboarding — customers, checklist items, reveal, hand-off and area exports."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from branchdesk.clients.local import auth
from branchdesk.clients.local.auth import Staff
from branchdesk.clients.local.onboarding import rules as onboarding
from branchdesk.clients.local.onboarding.catalog import AREAS

router = APIRouter(tags=["onboarding"])
ROLES = ("marketer", "supervisor")
Status = Literal["not_started", "in_progress", "done", "not_applicable", "blocked"]
ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "forbidden / customer_not_yours"},
    404: {"description": "customer_not_found"},
}


class CustomerIn(BaseModel):
    name: str = Field(default="", max_length=200)
    id_number: str = Field(default="", max_length=40)
    mobile: str = Field(default="", max_length=40)
    area: str = Field(default="", max_length=40)
    licence_no: str = Field(default="", max_length=40)
    card_number: str = Field(default="", max_length=40)
    card_bank: str | None = Field(default=None, max_length=20)
    token_type: str = Field(default="undecided", max_length=20)
    order_amount: str = Field(default="", max_length=40)
    marketer_id: str | None = Field(default=None, max_length=64)


class CustomerPatch(BaseModel):
    base_version: int
    name: str | None = Field(default=None, max_length=200)
    id_number: str | None = Field(default=None, max_length=40)
    mobile: str | None = Field(default=None, max_length=40)
    area: str | None = Field(default=None, max_length=40)
    licence_no: str | None = Field(default=None, max_length=40)
    card_number: str | None = Field(default=None, max_length=40)
    card_bank: str | None = Field(default=None, max_length=20)
    token_type: str | None = Field(default=None, max_length=20)
    order_amount: str | None = Field(default=None, max_length=40)


class ItemIn(BaseModel):
    status: Status
    base_version: int = Field(ge=0)
    note: str = Field(default="", max_length=2000)
    evidence: dict[str, str] = Field(default_factory=dict)


class CustomerSummary(BaseModel):
    id: str
    name: str
    area: str
    mobile: str
    licence_no: str
    marketer_id: str
    progress_done: int
    progress_required: int
    version: int


class CustomerPage(BaseModel):
    total: int
    items: list[CustomerSummary]


class PaymentAdvice(BaseModel):
    bank: str | None
    bank_name: str | None
    detected: bool
    ask_bank: bool
    channel: str | None
    wrong_channel_error: str | None
    settlement_excluded: bool


class LimitsAdvice(BaseModel):
    etoken_limit: str
    needs_ukey_sms: bool
    token_mismatch: bool


class CustomerDetail(CustomerSummary):
    id_number: str
    card_number: str
    card_bank: str | None
    token_type: str
    order_amount: str
    revealed: bool
    created_at: str
    updated_at: str
    updated_by: str
    payment: PaymentAdvice
    limits: LimitsAdvice


class ItemOut(BaseModel):
    id: str
    section: str
    title: str
    requires: list[str]
    evidence_fields: list[str]
    may_skip: bool
    applicable: bool
    status: Status
    note: str
    evidence: dict[str, str]
    version: int
    updated_by: str | None
    updated_at: str | None


class SectionOut(BaseModel):
    id: str
    title: str
    done: int
    required: int


class Progress(BaseModel):
    done: int
    required: int


class NextStep(BaseModel):
    item: str | None
    text: str


class ChecklistOut(BaseModel):
    customer: CustomerDetail
    sections: list[SectionOut]
    items: list[ItemOut]
    progress: Progress
    next_step: NextStep


class HandoffOut(ChecklistOut):
    generated_at: str
    generated_by: str


class AreaRow(CustomerSummary):
    checklist_done: int
    checklist_required: int
    materials_done: int
    materials_required: int
    documents_done: int
    documents_required: int
    credit_done: int
    credit_required: int


@router.get("/v1/onboarding/areas", response_model=list[str])
async def areas(staff: Staff = auth.require(*ROLES)) -> list[str]:
    return list(AREAS)


@router.get("/v1/customers", response_model=CustomerPage)
async def list_customers(
    request: Request,
    q: str = Query(default="", max_length=100),
    area: str | None = Query(default=None, max_length=40),
    limit: int = Query(default=50, ge=1, le=500),
    offset: int = Query(default=0, ge=0),
    staff: Staff = auth.require(*ROLES),
) -> dict[str, Any]:
    """Own customers (supervisors: the branch), filtered as the marketer types."""
    return onboarding.search(auth.get_backend(request), staff, q, area, limit, offset)


@router.post(
    "/v1/customers",
    status_code=201,
    response_model=CustomerDetail,
    responses={422: {"description": "customer_invalid, with field details"}},
)
async def create_customer(
    body: CustomerIn, request: Request, staff: Staff = auth.require(*ROLES)
) -> dict[str, Any]:
    doc = onboarding.create_customer(auth.get_backend(request), staff, body.model_dump())
    return onboarding.detail(doc)


@router.get("/v1/customers/{customer_id}", response_model=CustomerDetail, responses=ERRORS)
async def get_customer(
    customer_id: str,
    request: Request,
    reveal: bool = False,
    staff: Staff = auth.require(*ROLES),
) -> dict[str, Any]:
    """Masked by default; ``reveal=true`` shows the full values and records an audit row."""
    backend = auth.get_backend(request)
    if not reveal:
        return onboarding.detail(onboarding.load_customer(backend, staff, customer_id))
    async with backend.write_lock:
        return onboarding.reveal(backend, staff, customer_id)


@router.patch(
    "/v1/customers/{customer_id}",
    response_model=CustomerDetail,
    responses={**ERRORS, 409: {"description": "version_conflict"}},
)
async def update_customer(
    customer_id: str,
    body: CustomerPatch,
    request: Request,
    staff: Staff = auth.require(*ROLES),
) -> dict[str, Any]:
    data = body.model_dump(exclude={"base_version"}, exclude_unset=True)
    doc = onboarding.update_customer(
        auth.get_backend(request), staff, customer_id, data, body.base_version
    )
    return onboarding.detail(doc)


@router.get("/v1/customers/{customer_id}/checklist", response_model=ChecklistOut, responses=ERRORS)
async def get_checklist(
    customer_id: str, request: Request, staff: Staff = auth.require(*ROLES)
) -> dict[str, Any]:
    backend = auth.get_backend(request)
    return onboarding.checklist(backend, onboarding.load_customer(backend, staff, customer_id))


@router.put(
    "/v1/customers/{customer_id}/items/{item_id}",
    response_model=ItemOut,
    responses={**ERRORS, 409: {"description": "prerequisite_not_done, version_conflict, ..."}},
)
async def put_item(
    customer_id: str,
    item_id: str,
    body: ItemIn,
    request: Request,
    staff: Staff = auth.require(*ROLES),
) -> dict[str, Any]:
    return onboarding.set_item(
        auth.get_backend(request), staff, customer_id, item_id, body.model_dump()
    )


@router.get("/v1/customers/{customer_id}/handoff", response_model=HandoffOut, responses=ERRORS)
async def get_handoff(
    customer_id: str, request: Request, staff: Staff = auth.require(*ROLES)
) -> dict[str, Any]:
    """The hand-off package for the corporate department (full details; audited)."""
    backend = auth.get_backend(request)
    async with backend.write_lock:
        return onboarding.handoff(backend, staff, customer_id)


@router.get("/v1/onboarding/areas/{area}/export", response_model=list[AreaRow])
async def export_area(
    area: str, request: Request, staff: Staff = auth.require(*ROLES)
) -> list[dict[str, Any]]:
    backend = auth.get_backend(request)
    async with backend.write_lock:
        return onboarding.area_rows(backend, staff, area)
