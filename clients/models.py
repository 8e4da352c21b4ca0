"""Typed responses of the branchdesk API: one TypedDict per response schema of
``clients/openapi.json`` (written by ``make models``; a test checks them against it).
A schema that has all the fields of another one extends it.

Only the typing module is imported: this is on the first-frame path. No
``from __future__ import annotations``: TypedDict reads ``NotRequired`` at run time.
"""

from typing import Any, Literal, NotRequired, TypedDict


class StoreHealth(TypedDict):
    writable: bool
    read_only_reason: NotRequired[str | None]
    last_write_error: NotRequired[str | None]
    problems: list[str]


class HealthOut(TypedDict):
    status: str
    store: StoreHealth


class DemoAccount(TypedDict):
    staff_id: str
    role: str
    password: str
    name: NotRequired[str | None]


class MetaOut(TypedDict):
    name: str
    version: str
    demo: bool
    sandbox: bool
    demo_accounts: list[DemoAccount]
    demo_job_number: NotRequired[str | None]


class StaffOut(TypedDict):
    id: str
    name: str
    roles: list[str]
    branch: str
    dept_id: NotRequired[str | None]


class SessionOut(TypedDict):
    token: str
    staff: StaffOut


class UnlockOut(TypedDict):
    staff_id: str
    failed_attempts: int
    locked_until: NotRequired[str | None]


class ClerkOut(TypedDict):
    state: Literal["unregistered", "pending", "bound"]
    job_no: NotRequired[str | None]
    name: NotRequired[str | None]
    id_number: NotRequired[str | None]
    mobile: NotRequired[str | None]
    merchant_id: NotRequired[str | None]
    merchant_name: NotRequired[str | None]
    bound_at: NotRequired[str | None]
    code_expires_at: NotRequired[str | None]


class QrOut(TypedDict):
    id: str
    token: str
    merchant_id: str
    merchant_name: str
    issued_at: str
    expires_at: str
    quota: int
    used: int
    remaining: int
    seconds_left: int
    state: Literal["valid", "expired", "used_up"]


class Product(TypedDict):
    package: str
    term_months: int
    brand: str
    model: str
    down_payment: str
    price: str


class ApplicationOut(TypedDict):
    id: str
    qr_id: str
    merchant_id: str
    merchant_name: str
    clerk_job_no: NotRequired[str | None]
    clerk_name: NotRequired[str | None]
    customer_name: str
    customer_mobile: str
    created_at: str
    step: Literal[
        "select_product", "identity", "supplementary", "contract", "voucher", "my_applications"
    ]
    status: Literal[
        "in_progress",
        "in_review",
        "approved",
        "refused",
        "contract_pending",
        "voucher_pending",
        "completed",
        "revoked",
    ]
    product: NotRequired[Product | None]
    addons_ticked: list[str]
    submitted_at: NotRequired[str | None]
    reviewed_at: NotRequired[str | None]
    review_seconds: NotRequired[int | None]
    likely_refused: bool
    completed_at: NotRequired[str | None]
    revoke_until: NotRequired[str | None]
    card_verification: Literal["not_started", "verifying", "passed", "failed"]
    payment_received: bool
    payment_received_at: NotRequired[str | None]
    revoked_at: NotRequired[str | None]
    revoke_reason: NotRequired[str | None]


class ApplicationPage(TypedDict):
    items: list[ApplicationOut]
    total: int
    late: int


class SmsMessage(TypedDict):
    phone: str
    text: str
    at: str
    purpose: str


class WarehouseOut(TypedDict):
    code: str
    kind: Literal["secondary", "channel"]
    target: str | None
    branch_no: int
    branch_zh: str
    branch_en: str
    dept_id: str


class AgentOut(TypedDict):
    id: str
    name_zh: str
    name_en: str
    dept_id: str
    warehouse: str


class StockWarehouse(WarehouseOut):
    counts: dict[str, dict[str, int]]


class StockAgent(AgentOut):
    counts: dict[str, dict[str, int]]


class StockOut(TypedDict):
    warehouses: list[StockWarehouse]
    agents: list[StockAgent]


class LocationOut(TypedDict):
    kind: Literal["warehouse", "agent"]
    id: str
    label: str
    name_zh: str
    name_en: str


MoveOut = TypedDict(
    "MoveOut",
    {
        "at": str,
        "by": str,
        "by_name": NotRequired[str],
        "action": str,
        "from": str,
        "to": str,
        "from_label": NotRequired[str],
        "to_label": NotRequired[str],
        "state": str,
        "batch": str,
    },
)


class CardOut(TypedDict):
    iccid: str
    card_type: str
    dept_id: str
    state: str
    location: LocationOut
    batch: str | None
    history: list[MoveOut]


BatchOut = TypedDict(
    "BatchOut",
    {
        "id": str,
        "action": str,
        "card_type": NotRequired[str | None],
        "dept_id": NotRequired[str | None],
        "count": int,
        "first": NotRequired[str | None],
        "last": NotRequired[str | None],
        "operator": str,
        "operator_name": NotRequired[str | None],
        "at": str,
        "agent_id": NotRequired[str | None],
        "agent_name_zh": NotRequired[str | None],
        "agent_name_en": NotRequired[str | None],
        "warehouse": NotRequired[str | None],
        "fee_per_card": NotRequired[str | None],
        "amount_received": NotRequired[str | None],
        "status": NotRequired[str | None],
        "source": NotRequired[str | None],
        "target": NotRequired[str | None],
        "source_label": NotRequired[str | None],
        "target_label": NotRequired[str | None],
        "source_kind": NotRequired[str | None],
        "target_kind": NotRequired[str | None],
        "decided_by": NotRequired[str | None],
        "decided_at": NotRequired[str | None],
        "requested": NotRequired[int | None],
        "skipped": NotRequired[int | None],
        "from": NotRequired[str | None],
        "to": NotRequired[str | None],
    },
)


class PreviewCards(TypedDict):
    """Every card of a preview, as columns: row i is iccid[i], state[i], ... ("" = none)."""

    iccid: list[str]
    state: list[str]
    location: list[int]
    problem: list[str]
    labels: list[str]


class PreviewOut(TypedDict):
    dry_run: bool
    requested: int
    found: int
    available: int
    skippable: int
    range_end: NotRequired[str | None]
    first: str | None
    last: str | None
    accepted: bool
    counts: dict[str, int]
    invalid: list[dict[str, Any]]
    duplicate: list[dict[str, Any]]
    not_found: list[dict[str, Any]]
    wrong_department: list[dict[str, Any]]
    wrong_type: list[dict[str, Any]]
    wrong_state: list[dict[str, Any]]
    location_mismatch: list[dict[str, Any]]
    cards: NotRequired[PreviewCards | None]


class MemberOut(TypedDict):
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


class LedgerRow(TypedDict):
    seq: int
    kind: str
    points: int
    balance_after: int
    at: str
    ref: NotRequired[str | None]
    channel: NotRequired[str | None]
    note: NotRequired[str]


class LedgerOut(TypedDict):
    member: MemberOut
    rows: list[LedgerRow]
    total: int


class Institution(TypedDict):
    id: str
    name: str
    province: str
    city: str
    county: str


class OrderItem(TypedDict):
    name: str
    quantity: int
    unit_price: str


class RedemptionOut(TypedDict):
    id: str
    member_id: str
    status: Literal["pending_otp", "settled", "reversed", "cancelled"]
    points: int
    amount: str
    rate: str
    channel: str
    order_ref: NotRequired[str | None]
    order_amount: NotRequired[str | None]
    items: NotRequired[list[OrderItem] | None]
    institution_id: str
    created_at: str
    settled_at: NotRequired[str | None]
    balance_after: NotRequired[int | None]
    code_expires_at: NotRequired[str | None]
    code_sent_at: NotRequired[str | None]
    reversed_at: NotRequired[str | None]
    reverse_reason: NotRequired[str | None]
    cancelled_at: NotRequired[str | None]
    created_by: NotRequired[str | None]
    created_by_name: NotRequired[str]
    member_name: NotRequired[str]
    member_card: NotRequired[str]
    member_mobile: NotRequired[str]
    institution_name: NotRequired[str]


class TemplateOut(TypedDict):
    filename: str
    content: str


class ImportPreviewRow(TypedDict):
    line: int
    card: str
    member: str
    points: int
    note: str


class ImportProblem(TypedDict):
    line: int
    problem: str
    value: NotRequired[str]
    first_line: NotRequired[int | None]


class BatchRef(TypedDict):
    batch_id: str
    by: str
    at: str


class ImportOut(TypedDict):
    rows: int
    points: int
    members: int
    value: str
    first_rows: list[ImportPreviewRow]
    batch_id: str | None
    dry_run: bool
    problems: list[ImportProblem]
    sha256: str
    earlier_batch: NotRequired[BatchRef | None]


class DayPoints(TypedDict):
    date: str
    points: int


class ReportOut(TypedDict):
    report: str
    date_from: str
    date_to: str
    columns: list[str]
    rows: list[list[Any]]
    totals: dict[str, Any]
    daily: list[DayPoints]


class CustomerSummary(TypedDict):
    id: str
    name: str
    area: str
    mobile: str
    licence_no: str
    marketer_id: str
    progress_done: int
    progress_required: int
    version: int


class CustomerPage(TypedDict):
    total: int
    items: list[CustomerSummary]


class PaymentAdvice(TypedDict):
    bank: str | None
    bank_name: str | None
    detected: bool
    ask_bank: bool
    channel: str | None
    wrong_channel_error: str | None
    settlement_excluded: bool


class LimitsAdvice(TypedDict):
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


class SectionOut(TypedDict):
    id: str
    title: str
    done: int
    required: int


class ItemOut(TypedDict):
    id: str
    section: str
    title: str
    requires: list[str]
    evidence_fields: list[str]
    may_skip: bool
    applicable: bool
    status: Literal["not_started", "in_progress", "done", "not_applicable", "blocked"]
    note: str
    evidence: dict[str, str]
    version: int
    updated_by: str | None
    updated_at: str | None


class Progress(TypedDict):
    done: int
    required: int


class NextStep(TypedDict):
    item: str | None
    text: str


class ChecklistOut(TypedDict):
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


class PresetOut(TypedDict):
    name: str
    title: str
    teach: str


class PresetApplied(TypedDict):
    name: str
    title: str
    teach: str
    details: dict[str, Any]
    applied_at: str
    applied_by: str


class ResetNotice(TypedDict):
    at: str
    by: str
    by_name: str
    preset: str
    title: str


class PackageOut(TypedDict):
    id: str
    name_zh: str
    name_en: str
    monthly_fee: str
    prepay: str


class TariffOut(TypedDict):
    id: str
    name_zh: str
    name_en: str
    note_zh: str
    note_en: str


class PackOut(TypedDict):
    id: str
    name_zh: str
    name_en: str
    fee: str
    excludes: list[str]


class ActivityOut(TypedDict):
    id: str
    name_zh: str
    name_en: str
    deposit: str
    min_fee: str


class OfferOut(TypedDict):
    packages: list[PackageOut]
    tariffs: list[TariffOut]
    packs: list[PackOut]
    activities: list[ActivityOut]


class FeeItemOut(TypedDict):
    code: str
    name_zh: str
    name_en: str
    amount: str


class FeesOut(TypedDict):
    items: list[FeeItemOut]
    total: str


class CheckOut(TypedDict):
    step: str
    fees: FeesOut


class DraftCustomerOut(TypedDict):
    """The customer as the clerk typed it (their own form, to refill it): not masked."""

    name: str
    id_number: str
    contact: str
    address: str


class DraftAccountOut(TypedDict):
    payer_name: str
    bill_delivery: str
    email: str


class DraftOut(TypedDict):
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


class DiscardOut(TypedDict):
    discarded: bool


class CustomerOut(TypedDict):
    name: str
    id_number: str
    contact: str
    address: str


class OrderAccountOut(TypedDict):
    payer_name: str
    bill_delivery: str
    email: str


class OrderPackageOut(TypedDict):
    id: str | None
    name_zh: str | None
    name_en: str | None
    monthly_fee: str | None
    prepay: str | None


class OrderTariffOut(TypedDict):
    id: str | None
    name_zh: str | None
    name_en: str | None


class OrderPackOut(TypedDict):
    id: str
    name_zh: str | None
    name_en: str | None
    fee: str | None


class OrderActivityOut(TypedDict):
    id: str | None
    name_zh: str | None
    name_en: str | None
    deposit: str | None


class PaymentOut(TypedDict):
    total: str
    received: str
    change: str
    invoice_no: str
    presubmitted_at: str


class OrderOut(TypedDict):
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


class ScriptOut(TypedDict):
    order_id: str
    iccid: str
    imsi: str
    msisdn: str
    spn: str
    ki: str
    opc: str
    adm: str
