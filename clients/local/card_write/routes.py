"""HTTP: account opening with on-site card writing (clerk)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from branchdesk.clients.local import auth
from branchdesk.clients.local.auth import Staff
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.card_write import drafts
from branchdesk.clients.local.card_write import rules as card_write

router = APIRouter(tags=["card-write"])
ROLES = ("clerk",)
PREFIX = "/v1/card-write"


@dataclass(frozen=True)
class Clerk:
    """Who calls (an authenticated clerk) and the backend they call: what every route of
    account opening hands to the rules."""

    backend: Backend
    staff: Staff


async def _clerk(request: Request, staff: Staff = auth.require(*ROLES)) -> Clerk:
    return Clerk(auth.get_backend(request), staff)


CLERK = Depends(_clerk)


class PackageOut(BaseModel):
    id: str
    name_zh: str
    name_en: str
    monthly_fee: str
    prepay: str


class TariffOut(BaseModel):
    id: str
    name_zh: str
    name_en: str
    note_zh: str
    note_en: str


class PackOut(BaseModel):
    id: str
    name_zh: str
    name_en: str
    fee: str
    excludes: list[str] = Field(description="packages this pack cannot go with")


class ActivityOut(BaseModel):
    id: str
    name_zh: str
    name_en: str
    deposit: str
    min_fee: str = Field(description="lowest monthly fee of a package that may join")


class OfferOut(BaseModel):
    packages: list[PackageOut]
    tariffs: list[TariffOut]
    packs: list[PackOut]
    activities: list[ActivityOut]


class CustomerIn(BaseModel):
    name: str = Field(max_length=60)
    id_number: str = Field(max_length=30)
    contact: str = Field(max_length=20)
    address: str = Field("", max_length=120)


class AccountIn(BaseModel):
    payer_name: str = Field("", max_length=60, description="empty: the customer pays")
    bill_delivery: Literal["sms", "email", "paper"] = "sms"
    email: str = Field("", max_length=80)


class OrderIn(BaseModel):
    customer: CustomerIn
    recommender_id: str | None = Field(None, max_length=20, description="发展人工号")
    msisdn: str = Field(min_length=11, max_length=11, pattern=r"^[0-9]+$")
    account: AccountIn | None = None
    package_id: str = Field(min_length=1, max_length=16)
    tariff_id: str = Field(min_length=1, max_length=16)
    pack_ids: list[str] = Field(default_factory=list, max_length=10)
    activity_id: str | None = Field(None, max_length=16)


class DraftIn(BaseModel):
    """The form so far; ``step`` says which steps to check (that one and those before)."""

    step: Literal["customer", "recommender", "number", "account", "package", "packs", "activity"]
    customer: CustomerIn
    recommender_id: str | None = Field(None, max_length=20)
    msisdn: str | None = Field(None, max_length=11)
    account: AccountIn | None = None
    package_id: str | None = Field(None, max_length=16)
    tariff_id: str | None = Field(None, max_length=16)
    pack_ids: list[str] = Field(default_factory=list, max_length=10)
    activity_id: str | None = Field(None, max_length=16)


class FeeItemOut(BaseModel):
    code: str
    name_zh: str
    name_en: str
    amount: str


class FeesOut(BaseModel):
    items: list[FeeItemOut]
    total: str


class CheckOut(BaseModel):
    step: str
    fees: FeesOut


class DraftCustomerOut(BaseModel):
    """The customer as the clerk typed it (their own form, to refill it): not masked."""

    name: str
    id_number: str
    contact: str
    address: str


class DraftAccountOut(BaseModel):
    payer_name: str
    bill_delivery: str
    email: str


class DraftOut(BaseModel):
    """The clerk's saved form: ``step`` is the last step passed, ``fees`` its quote."""

    step: str
    customer: DraftCustomerOut
    recommender_id: str | None
    msisdn: str | None
    account: DraftAccountOut | None
    package_id: str | None
    tariff_id: str | None
    pack_ids: list[str]
    activity_id: str | None
    fees: FeesOut
    created_at: str
    updated_at: str


class DiscardOut(BaseModel):
    discarded: bool = Field(description="false when there was no draft")


class PresubmitIn(BaseModel):
    received: str = Field(min_length=1, max_length=12, description="yuan, e.g. 150.00")


class PaymentOut(BaseModel):
    total: str
    received: str
    change: str
    invoice_no: str
    presubmitted_at: str


class CustomerOut(BaseModel):
    name: str
    id_number: str = Field(description="masked")
    contact: str = Field(description="masked")
    address: str = Field(description="masked")


class OrderAccountOut(BaseModel):
    payer_name: str
    bill_delivery: str
    email: str = Field(description="masked")


class OrderPackOut(BaseModel):
    id: str
    name_zh: str | None
    name_en: str | None
    fee: str | None


class OrderActivityOut(BaseModel):
    id: str | None
    name_zh: str | None
    name_en: str | None
    deposit: str | None


class OrderPackageOut(BaseModel):
    id: str | None
    name_zh: str | None
    name_en: str | None
    monthly_fee: str | None
    prepay: str | None


class OrderTariffOut(BaseModel):
    id: str | None
    name_zh: str | None
    name_en: str | None


class OrderOut(BaseModel):
    id: str
    state: Literal[
        "reserved",
        "card_bound",
        "write_interrupted",
        "written",
        "presubmitted",
        "activated",
        "cancelled",
    ]
    msisdn: str
    customer: CustomerOut
    recommender_id: str | None
    account: OrderAccountOut
    package: OrderPackageOut
    tariff: OrderTariffOut
    packs: list[OrderPackOut]
    activity: OrderActivityOut
    fees: FeesOut
    payment: PaymentOut | None
    agent_id: str
    staff_id: str
    iccid: str | None
    imsi: str | None
    attempts: int
    created_at: str
    updated_at: str
    activated_at: str | None


class CardIn(BaseModel):
    iccid: str = Field(min_length=19, max_length=20, pattern=r"^[0-9]+$")


class ScriptOut(BaseModel):
    order_id: str
    iccid: str
    imsi: str
    msisdn: str
    spn: str
    ki: str
    opc: str
    adm: str


class FailureIn(BaseModel):
    outcome: Literal["untouched", "interrupted", "adm_rejected"]
    tries_left: int | None = Field(None, ge=0, le=15)


class WrittenIn(BaseModel):
    iccid: str = Field(min_length=19, max_length=20, pattern=r"^[0-9]+$")
    imsi: str = Field(min_length=6, max_length=15, pattern=r"^[0-9]+$")


@router.get(f"{PREFIX}/offer", response_model=OfferOut)
async def offer(clerk: Clerk = CLERK) -> Any:
    backend = clerk.backend
    return {
        "packages": card_write.packages(backend),
        "tariffs": card_write.tariffs(backend),
        "packs": card_write.packs(backend),
        "activities": card_write.activities(backend),
    }


@router.post(f"{PREFIX}/checks", response_model=CheckOut)
async def check(body: DraftIn, clerk: Clerk = CLERK) -> Any:
    """Check one form step of an account opening (and those before it) and quote the fees of
    what is chosen so far; 422 in the staff's words when a step is not right. Changes nothing."""
    return card_write.check_draft(
        clerk.backend, clerk.staff, body.step, body.model_dump(exclude={"step"})
    )


@router.post(f"{PREFIX}/draft", response_model=DraftOut)
async def save_draft(body: DraftIn, clerk: Clerk = CLERK) -> Any:
    """Check a form step as ``/checks`` does and keep the form so far as this clerk's draft
    (one per clerk), to resume after a restart or on another terminal."""
    return drafts.save_draft(
        clerk.backend, clerk.staff, body.step, body.model_dump(exclude={"step"})
    )


@router.get(f"{PREFIX}/draft", response_model=DraftOut)
async def draft(clerk: Clerk = CLERK) -> Any:
    """This clerk's unfinished form; 404 ``draft_not_found`` when there is none."""
    return drafts.get_draft(clerk.backend, clerk.staff)


@router.post(f"{PREFIX}/draft/discard", response_model=DiscardOut)
async def discard_draft(clerk: Clerk = CLERK) -> Any:
    return drafts.discard_draft(clerk.backend, clerk.staff)


@router.get(f"{PREFIX}/numbers", response_model=list[str])
async def numbers(
    digits: str | None = Query(None, max_length=11, pattern=r"^[0-9]*$"),
    limit: int = Query(30, ge=1, le=200),
    clerk: Clerk = CLERK,
) -> Any:
    return card_write.free_numbers(clerk.backend, digits or None, limit)


@router.get(f"{PREFIX}/orders", response_model=list[OrderOut])
async def orders(
    open_only: bool = Query(True, alias="open"),
    clerk: Clerk = CLERK,
) -> Any:
    return card_write.list_orders(clerk.backend, clerk.staff, open_only)


@router.post(f"{PREFIX}/orders", status_code=201, response_model=OrderOut)
async def create_order(body: OrderIn, clerk: Clerk = CLERK) -> Any:
    return card_write.create_order(
        clerk.backend,
        clerk.staff,
        name=body.customer.name,
        id_number=body.customer.id_number,
        contact=body.customer.contact,
        address=body.customer.address,
        msisdn=body.msisdn,
        package_id=body.package_id,
        tariff_id=body.tariff_id,
        recommender_id=body.recommender_id,
        account=body.account.model_dump() if body.account else None,
        pack_ids=body.pack_ids,
        activity_id=body.activity_id,
    )


@router.get(f"{PREFIX}/orders/{{order_id}}", response_model=OrderOut)
async def order(order_id: str, clerk: Clerk = CLERK) -> Any:
    backend = clerk.backend
    return card_write.public(backend, card_write.get_order(backend, clerk.staff, order_id))


@router.post(f"{PREFIX}/orders/{{order_id}}/card", response_model=OrderOut)
async def bind_card(order_id: str, body: CardIn, clerk: Clerk = CLERK) -> Any:
    """Read card: bind the blank card in the reader; 409 ``write_script_missing`` when the
    card data file has no entry for it, ``card_not_blank`` when it is not a blank card."""
    return card_write.bind_card(clerk.backend, clerk.staff, order_id, body.iccid)


@router.get(f"{PREFIX}/orders/{{order_id}}/script", response_model=ScriptOut)
async def script(order_id: str, response: Response, clerk: Clerk = CLERK) -> Any:
    """The write script with the card's secrets: only for the clerk who owns the order, only
    while a card is bound. Never cached; never kept for idempotent replay (a GET)."""
    response.headers["Cache-Control"] = "no-store"
    return card_write.write_script(clerk.backend, clerk.staff, order_id)


@router.post(f"{PREFIX}/orders/{{order_id}}/failure", response_model=OrderOut)
async def failure(order_id: str, body: FailureIn, clerk: Clerk = CLERK) -> Any:
    return card_write.report_write_failure(
        clerk.backend, clerk.staff, order_id, body.outcome, body.tries_left
    )


@router.post(f"{PREFIX}/orders/{{order_id}}/written", response_model=OrderOut)
async def written(order_id: str, body: WrittenIn, clerk: Clerk = CLERK) -> Any:
    return card_write.record_written(clerk.backend, clerk.staff, order_id, body.iccid, body.imsi)


@router.post(f"{PREFIX}/orders/{{order_id}}/presubmit", response_model=OrderOut)
async def presubmit(order_id: str, body: PresubmitIn, clerk: Clerk = CLERK) -> Any:
    """Pre-submit a written order: the fees are paid (422 ``payment_short`` when the amount
    received does not cover them) and an invoice number given, for the form and invoice."""
    return card_write.presubmit(clerk.backend, clerk.staff, order_id, body.received)


@router.post(f"{PREFIX}/orders/{{order_id}}/confirm", response_model=OrderOut)
async def confirm(order_id: str, clerk: Clerk = CLERK) -> Any:
    """Formal submit of a pre-submitted order: the card is activated."""
    return card_write.confirm(clerk.backend, clerk.staff, order_id)


@router.post(f"{PREFIX}/orders/{{order_id}}/cancel", response_model=OrderOut)
async def cancel(order_id: str, clerk: Clerk = CLERK) -> Any:
    return card_write.cancel(clerk.backend, clerk.staff, order_id)
