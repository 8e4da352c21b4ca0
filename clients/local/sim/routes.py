"""HTTP: blank SIM card stock — warehouses, agents, pick-ups, returns, transfers, card lookup."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field, StringConstraints

from branchdesk.clients.iccid_batch import (
    MAX_BATCH,
    RangeError,
    clean_iccid,
    complete_range_end,
    iter_range,
    range_size,
)
from branchdesk.clients.local import auth
from branchdesk.clients.local.auth import Staff
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.errors import DomainError
from branchdesk.clients.local.sim import rules as sim_stock
from branchdesk.clients.local.sim.rules import Report
from branchdesk.clients.local.store import Doc

router = APIRouter(tags=["sim"])
ROLES = ("clerk", "supervisor")

CardType = Literal["128k_normal", "128k_micro"]
IccidText = Annotated[str, StringConstraints(max_length=40)]


class RangeIn(BaseModel):
    start: IccidText
    end: IccidText


class BatchSource(BaseModel):
    card_type: CardType
    iccids: list[IccidText] | None = Field(None, max_length=MAX_BATCH)
    range: RangeIn | None = None
    take_available: bool = Field(
        False,
        description="range only: leave out the cards not there or not in the right state",
    )


class AgentBatchIn(BatchSource):
    agent_id: str = Field(min_length=1, max_length=32)


class ReturnIn(AgentBatchIn):
    fee_per_card: str | None = Field(
        None, pattern=r"^\d{1,6}(\.\d{1,2})?$", description="return fee per card, CNY"
    )


class TransferIn(BatchSource):
    from_warehouse: str = Field(min_length=1, max_length=16)


class WarehouseOut(BaseModel):
    code: str
    kind: Literal["secondary", "channel"]
    target: str | None
    branch_no: int
    branch_zh: str
    branch_en: str
    dept_id: str


class AgentOut(BaseModel):
    id: str
    name_zh: str
    name_en: str
    dept_id: str
    warehouse: str


class StockWarehouse(WarehouseOut):
    counts: dict[str, dict[str, int]]


class StockAgent(AgentOut):
    counts: dict[str, dict[str, int]]


class StockOut(BaseModel):
    warehouses: list[StockWarehouse]
    agents: list[StockAgent]


class PreviewCards(BaseModel):
    """Every card of a preview, as columns: row i is iccid[i], state[i], ... ("" = none)."""

    iccid: list[str]
    state: list[str]
    location: list[int] = Field(description="index into labels; -1 for an unknown card")
    problem: list[str]
    labels: list[str]


class PreviewOut(BaseModel):
    dry_run: bool
    requested: int
    found: int
    available: int
    skippable: int
    range_end: str | None = None
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
    cards: PreviewCards | None = None


class BatchOut(BaseModel):
    """A committed batch: the receipt data."""

    id: str
    action: str
    card_type: str | None = None
    dept_id: str | None = None
    count: int
    first: str | None = None
    last: str | None = None
    operator: str
    operator_name: str | None = None
    at: str
    agent_id: str | None = None
    agent_name_zh: str | None = None
    agent_name_en: str | None = None
    warehouse: str | None = None
    fee_per_card: str | None = None
    amount_received: str | None = None
    status: str | None = None
    source: str | None = None
    target: str | None = None
    source_label: str | None = Field(None, description="transfers: the warehouse as read, code too")
    target_label: str | None = Field(None, description="transfers: the warehouse as read, code too")
    source_kind: str | None = Field(None, description="transfers: secondary | channel")
    target_kind: str | None = Field(None, description="transfers: secondary | channel")
    decided_by: str | None = None
    decided_at: str | None = None
    requested: int | None = None
    skipped: int | None = None
    from_: str | None = Field(None, alias="from")
    to: str | None = None

    model_config = {"populate_by_name": True}


class MoveOut(BaseModel):
    at: str
    by: str
    by_name: str = ""
    action: str
    from_: str = Field(alias="from")
    to: str
    from_label: str = ""
    to_label: str = ""
    state: str
    batch: str

    model_config = {"populate_by_name": True}


class LocationOut(BaseModel):
    kind: Literal["warehouse", "agent"]
    id: str
    label: str
    name_zh: str
    name_en: str


class CardOut(BaseModel):
    iccid: str
    card_type: str
    dept_id: str
    state: str
    location: LocationOut
    batch: str | None
    history: list[MoveOut]


def _iccids(body: BatchSource) -> Iterable[str]:
    if (body.iccids is None) == (body.range is None):
        raise DomainError(422, "sim_batch_source")
    if body.range is not None:
        start, end = _range(body.range)
        try:
            range_size(start, end)
        except RangeError as exc:
            raise DomainError(422, exc.code, {"field": "range"}, **exc.params) from None
        return iter_range(start, end)
    if body.take_available:
        raise DomainError(422, "sim_take_available_range_only")
    if not body.iccids:
        raise DomainError(422, "sim_batch_empty")
    return [clean_iccid(i) for i in body.iccids]


def _range(value: RangeIn) -> tuple[str, str]:
    return clean_iccid(value.start), complete_range_end(value.start, value.end)


def _preview(report: sim_stock.Report, body: BatchSource) -> dict[str, Any]:
    preview = report.public()
    if body.range is not None:
        preview["range_end"] = _range(body.range)[1]
    return preview


@router.get("/v1/warehouses", response_model=list[WarehouseOut])
async def warehouses(request: Request, staff: Staff = auth.require(*ROLES)) -> Any:
    return sim_stock.list_warehouses(auth.get_backend(request))


@router.get("/v1/agents", response_model=list[AgentOut])
async def agents(
    request: Request, dept: str | None = None, staff: Staff = auth.require(*ROLES)
) -> Any:
    return sim_stock.list_agents(auth.get_backend(request), dept.strip() if dept else None)


@router.get("/v1/sim/stock", response_model=StockOut)
async def stock(request: Request, staff: Staff = auth.require(*ROLES)) -> Any:
    return sim_stock.stock_overview(auth.get_backend(request))


@router.get("/v1/sim/cards/{iccid}", response_model=CardOut, response_model_by_alias=True)
async def card(iccid: str, request: Request, staff: Staff = auth.require(*ROLES)) -> Any:
    return sim_stock.card_view(auth.get_backend(request), iccid.strip())


@router.get("/v1/sim/batches", response_model=list[BatchOut], response_model_by_alias=True)
async def batches(
    request: Request,
    action: Literal["transfer_out", "pickup", "return"] | None = None,
    limit: int = Query(sim_stock.BATCH_LIST_LIMIT, ge=1, le=sim_stock.BATCH_LIST_LIMIT),
    staff: Staff = auth.require(*ROLES),
) -> Any:
    """The department's batch history, newest first: for reprinting receipts."""
    return sim_stock.list_batches(auth.get_backend(request), staff, action=action, limit=limit)


@router.get("/v1/sim/batches/{batch_id}", response_model=BatchOut)
async def batch(batch_id: str, request: Request, staff: Staff = auth.require(*ROLES)) -> Any:
    return sim_stock.public_batch(sim_stock.get_batch(auth.get_backend(request), batch_id))


@dataclass(frozen=True)
class BatchCall:
    """What the three batch routes share: who asks, on which backend, preview or commit."""

    backend: Backend
    staff: Staff
    response: Response
    dry_run: bool
    list_cards: bool

    async def run(
        self, body: BatchSource, spec: sim_stock.BatchSpec, commit: Callable[[Report], Doc]
    ) -> Any:
        """The preview (200, nothing written) or the committed batch (201)."""
        listing = self.dry_run and self.list_cards
        report = await sim_stock.check_batch(self.backend, spec, _iccids(body), list_cards=listing)
        if self.dry_run:
            self.response.status_code = 200
            return _preview(report, body)
        return sim_stock.public_batch(commit(report))


def batch_call(
    request: Request,
    response: Response,
    dry_run: bool = Query(False),
    cards: bool = Query(False, description="dry_run: list every card (state, where, problem)"),
    staff: Staff = auth.require(*ROLES),
) -> BatchCall:
    return BatchCall(auth.get_backend(request), staff, response, dry_run, cards)


BATCH_POST: dict[str, Any] = {
    "status_code": 201,
    "response_model": BatchOut | PreviewOut,
    "responses": {200: {"model": PreviewOut, "description": "dry_run preview"}},
}


@router.post("/v1/sim/pickups", **BATCH_POST)
async def pickup(body: AgentBatchIn, call: BatchCall = Depends(batch_call)) -> Any:
    spec, agent = sim_stock.pickup_spec(call.backend, call.staff, body.agent_id, body.card_type)
    return await call.run(
        body,
        spec,
        lambda report: sim_stock.commit_pickup(
            call.backend, call.staff, spec, agent, report, body.take_available
        ),
    )


@router.post("/v1/sim/returns", **BATCH_POST)
async def return_cards(body: ReturnIn, call: BatchCall = Depends(batch_call)) -> Any:
    spec, agent = sim_stock.pickup_spec(
        call.backend, call.staff, body.agent_id, body.card_type, "return"
    )
    return await call.run(
        body,
        spec,
        lambda report: sim_stock.commit_return(
            call.backend, call.staff, spec, agent, report, body.fee_per_card, body.take_available
        ),
    )


@router.post("/v1/sim/transfers", **BATCH_POST)
async def transfer(body: TransferIn, call: BatchCall = Depends(batch_call)) -> Any:
    spec, warehouse = sim_stock.transfer_spec(
        call.backend, call.staff, body.from_warehouse, body.card_type
    )
    return await call.run(
        body,
        spec,
        lambda report: sim_stock.commit_transfer(
            call.backend, call.staff, spec, warehouse, report, body.take_available
        ),
    )


@router.get("/v1/sim/transfers", response_model=list[BatchOut])
async def transfers(
    request: Request,
    status: Literal["pending", "approved", "rejected"] | None = None,
    staff: Staff = auth.require(*ROLES),
) -> Any:
    return sim_stock.list_transfers(auth.get_backend(request), status)


@router.post("/v1/sim/transfers/{transfer_id}/approve", response_model=BatchOut)
async def approve(transfer_id: str, request: Request, staff: Staff = auth.require(*ROLES)) -> Any:
    backend = auth.get_backend(request)
    return sim_stock.public_batch(sim_stock.decide_transfer(backend, staff, transfer_id, True))


@router.post("/v1/sim/transfers/{transfer_id}/reject", response_model=BatchOut)
async def reject(transfer_id: str, request: Request, staff: Staff = auth.require(*ROLES)) -> Any:
    backend = auth.get_backend(request)
    return sim_stock.public_batch(sim_stock.decide_transfer(backend, staff, transfer_id, False))
