"""Blank SIM card stock: warehouses, agents, cards, and every move of a card.

The card model: every card has exactly one ``state`` and one location (``loc_kind`` is
``warehouse`` or ``agent``, ``loc_id`` its code). Every move writes a history row to
``sim_moves`` (who, when, from, to, state, batch, action) in the same transaction as the card,
plus one audit row per batch. State machine (``TRANSITIONS``)::

    in_stock ──transfer_out──▶ in_transfer ──transfer_in / transfer_reject──▶ in_stock
    in_stock ──pickup──▶ picked_up ──return──▶ in_stock
    picked_up ──write_fail──▶ write_interrupted ──write──▶ written ──activate──▶ activated
    picked_up ──write──▶ written

Card writing (a later module) reuses ``card_at_agent`` and ``transition``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from branchdesk.clients.iccid_batch import iccid_problem
from branchdesk.clients.local import audit, context
from branchdesk.clients.local.auth import STAFF, Staff
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.errors import DomainError, register_messages
from branchdesk.clients.local.store import Doc, Transaction

WAREHOUSES = "sim_warehouses"
AGENTS = "sim_agents"
CARDS = "sim_cards"
MOVES = "sim_moves"
BATCHES = "sim_batches"
CARD_FIELDS = ("iccid", "card_type", "dept_id", "state", "loc_kind", "loc_id")
"""What the batch checks read of a card (all a batch needs: its moves write only those)."""

CARD_TYPES = ("128k_normal", "128k_micro")
STATES = ("in_stock", "in_transfer", "picked_up", "write_interrupted", "written", "activated")
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    ("in_stock", "in_transfer"): frozenset({"transfer_out"}),
    ("in_transfer", "in_stock"): frozenset({"transfer_in", "transfer_reject"}),
    ("in_stock", "picked_up"): frozenset({"pickup"}),
    ("picked_up", "in_stock"): frozenset({"return"}),
    ("picked_up", "write_interrupted"): frozenset({"write_fail"}),
    ("picked_up", "written"): frozenset({"write"}),
    ("write_interrupted", "written"): frozenset({"write"}),
    ("write_interrupted", "picked_up"): frozenset({"write_reset"}),
    ("written", "activated"): frozenset({"activate"}),
}
LIST_CAP = 200
"""Problem lists in a report carry at most this many rows each; ``counts`` has the totals."""
SKIPPABLE = ("not_found", "wrong_type", "wrong_state")
"""Problems a clerk may explicitly leave out of a range ("take the N available cards");
cards of another department or held by another agent are never skipped silently."""
BATCH_LIST_LIMIT = 200


# -- the 20 warehouses of the source table: (no, branch zh, branch en, secondary, target) ----
BRANCHES: tuple[tuple[int, str, str, str, str], ...] = (
    (1, "和平分公司", "Heping branch", "130040", "13ZDF14"),
    (2, "河东分公司", "Hedong branch", "130043", "13ZDF13"),
    (3, "南开分公司", "Nankai branch", "130042", "13ZDF17"),
    (4, "河北分公司", "Hebei branch", "130044", "13ZDF15"),
    (5, "红桥分公司", "Hongqiao branch", "130045", "13ZDF18"),
    (6, "河西分公司", "Hexi branch", "130041", "13ZDF16"),
    (7, "塘沽分公司", "Tanggu branch", "130050", "13ZDF1D"),
    (8, "西青分公司", "Xiqing branch", "130047", "13ZDF1B"),
    (9, "东丽分公司", "Dongli branch", "130046", "13ZDF19"),
    (10, "武清分公司", "Wuqing branch", "130054", "13ZE501"),
    (11, "宝坻分公司", "Baodi branch", "130055", "13ZDF22"),
    (12, "北辰分公司", "Beichen branch", "130049", "13ZDF1A"),
    (13, "大港分公司", "Dagang branch", "130052", "13ZDF1F"),
    (14, "蓟县分公司", "Jixian branch", "130057", "13ZDF23"),
    (15, "津南分公司", "Jinnan branch", "130048", "13ZDF1C"),
    (16, "汉沽分公司", "Hangu branch", "130051", "13ZDF1E"),
    (17, "静海分公司", "Jinghai branch", "130053", "13ZDF21"),
    (18, "宁河分公司", "Ninghe branch", "130056", "13ZDF20"),
    (19, "销售部", "Sales department", "130072", "13ZDEF6"),
    (20, "渠道业务管理室", "Channel business office", "130098", "13ZDF4B"),
)


def dept_of_branch(no: int) -> str:
    return f"TJ{no:03d}"


def warehouse_docs() -> list[Doc]:
    docs: list[Doc] = []
    for no, name_zh, name_en, secondary, target in BRANCHES:
        common = {
            "branch_no": no,
            "branch_zh": name_zh,
            "branch_en": name_en,
            "dept_id": dept_of_branch(no),
        }
        docs.append({"code": secondary, "kind": "secondary", "target": target, **common})
        docs.append({"code": target, "kind": "channel", "target": None, **common})
    return docs


register_messages(
    {
        "location_mismatch": {
            "zh-CN": "卡库位不一致",
            "en": "Card location mismatch: the cards are held by another agent",
        },
        "sim_wrong_department": {
            "zh-CN": "卡属于部门 {dept},与操作员部门 {own} 不一致",
            "en": "The cards belong to department {dept}, not to your department {own}",
        },
        "sim_agent_wrong_department": {
            "zh-CN": "社会渠道属于部门 {dept},与操作员部门 {own} 不一致",
            "en": "The agent belongs to department {dept}, not to your department {own}",
        },
        "sim_no_department": {
            "zh-CN": "您的工号没有部门编号,不能办理白卡库存业务",
            "en": "Your staff ID has no department ID; it cannot handle blank card stock",
        },
        "sim_agent_not_found": {
            "zh-CN": "找不到社会渠道 {agent}",
            "en": "No agent {agent}",
        },
        "sim_warehouse_not_found": {
            "zh-CN": "找不到仓库 {warehouse}",
            "en": "No warehouse {warehouse}",
        },
        "sim_not_secondary": {
            "zh-CN": "仓库 {warehouse} 不是二级库,只能从二级库下拨",
            "en": "Warehouse {warehouse} is not a secondary warehouse; transfers start there",
        },
        "sim_card_not_found": {
            "zh-CN": "找不到卡号 {iccid}",
            "en": "No card with ICCID {iccid}",
        },
        "sim_batch_rejected": {
            "zh-CN": "批次中有 {n} 张卡不能办理,未做任何变更",
            "en": "{n} cards in the batch cannot be processed; nothing was changed",
        },
        "sim_batch_source": {
            "zh-CN": "请提供卡号列表或号段,二者选一",
            "en": "Give either a list of ICCIDs or a range, not both",
        },
        "sim_batch_empty": {"zh-CN": "批次中没有卡号", "en": "The batch has no ICCIDs"},
        "sim_take_available_range_only": {
            "zh-CN": "只有按号段领退卡时才能只取可用的卡",
            "en": "Taking only the available cards works for a range, not a file",
        },
        "sim_batch_too_large": {
            "zh-CN": "一个批次最多 {limit} 张卡(本次 {count} 张)",
            "en": "A batch holds at most {limit} cards (this one has {count})",
        },
        "range_start_invalid": {
            "zh-CN": "起始卡号 {value} 不正确",
            "en": "The start ICCID {value} is not valid",
        },
        "range_end_invalid": {
            "zh-CN": "终止卡号 {value} 不正确",
            "en": "The end ICCID {value} is not valid",
        },
        "range_prefix_mismatch": {
            "zh-CN": "起止卡号的长度或前缀不一致",
            "en": "Start and end ICCIDs differ in length or prefix",
        },
        "range_reversed": {
            "zh-CN": "终止卡号小于起始卡号",
            "en": "The end ICCID is before the start ICCID",
        },
        "range_too_large": {
            "zh-CN": "号段共 {count} 张卡,超过上限 {limit} 张",
            "en": "The range spans {count} cards, over the limit of {limit}",
        },
        "sim_same_operator": {
            "zh-CN": "调拨发起人不能审核自己的调拨",
            "en": "The operator who sent a transfer cannot approve it",
        },
        "sim_transfer_not_found": {
            "zh-CN": "找不到调拨单 {id}",
            "en": "No transfer {id}",
        },
        "sim_transfer_closed": {
            "zh-CN": "调拨单 {id} 已处理({outcome})",
            "en": "Transfer {id} is already {outcome}",
        },
        "sim_batch_not_found": {"zh-CN": "找不到批次 {id}", "en": "No batch {id}"},
        "sim_state_invalid": {
            "zh-CN": "卡 {iccid} 当前状态为 {state},不能执行该操作",
            "en": "Card {iccid} is {state}; this operation is not allowed",
        },
        "sim_not_at_agent": {
            "zh-CN": "卡 {iccid} 未领用到本渠道",
            "en": "Card {iccid} is not picked up by this agent",
        },
    }
)


# -- reading ---------------------------------------------------------------------------------
def staff_doc(backend: Backend, staff: Staff) -> Doc:
    return backend.store.get(STAFF, staff.id) or {}


def require_dept(staff: Staff) -> str:
    if not staff.dept_id:
        raise DomainError(403, "sim_no_department")
    return staff.dept_id


def get_agent(backend: Backend, agent_id: str) -> Doc:
    agent = backend.store.get(AGENTS, agent_id)
    if agent is None:
        raise DomainError(404, "sim_agent_not_found", agent=agent_id)
    return agent


def get_warehouse(backend: Backend, code: str) -> Doc:
    warehouse = backend.store.get(WAREHOUSES, code)
    if warehouse is None:
        raise DomainError(404, "sim_warehouse_not_found", warehouse=code)
    return warehouse


def location_label(kind: str, loc_id: str) -> str:
    """The machine reference of a location, kept in batches and history rows."""
    return f"{kind}:{loc_id}"


_KIND_NAMES = {
    "zh-CN": {"secondary": "二级库", "channel": "社会渠道库", "agent": "社会渠道"},
    "en": {"secondary": "secondary warehouse", "channel": "channel warehouse", "agent": "agent"},
}


def location_name(backend: Backend, ref_or_kind: str, loc_id: str | None = None) -> str:
    """A location as people read it, in the request's language: 和平分公司 二级库 130040."""
    kind, _, ident = ref_or_kind.partition(":") if loc_id is None else (ref_or_kind, "", loc_id)
    lang = "zh-CN" if context.get().lang == "zh-CN" else "en"
    names = _KIND_NAMES[lang]
    if kind == "agent":
        agent = backend.store.get(AGENTS, ident) or {}
        name = agent.get("name_zh" if lang == "zh-CN" else "name_en") or ident
        return f"{name} ({ident})" if lang == "en" else f"{name}（{ident}）"
    wh = backend.store.get(WAREHOUSES, ident)
    if wh is None:
        return ident
    branch = wh["branch_zh"] if lang == "zh-CN" else wh["branch_en"]
    return f"{branch} {names[wh['kind']]} {ident}"


def card_view(backend: Backend, iccid: str) -> dict[str, Any]:
    card = backend.store.get(CARDS, iccid)
    if card is None:
        raise DomainError(404, "sim_card_not_found", iccid=iccid)
    moves = sorted(backend.store.lookup(MOVES, "iccid", iccid), key=lambda m: m["batch"])
    return {
        "iccid": iccid,
        "card_type": card["card_type"],
        "dept_id": card["dept_id"],
        "state": card["state"],
        "location": {
            "kind": card["loc_kind"],
            "id": card["loc_id"],
            "label": location_name(backend, card["loc_kind"], card["loc_id"]),
            **_location_names(backend, card["loc_kind"], card["loc_id"]),
        },
        "batch": card.get("batch"),
        "history": [_history_row(backend, m) for m in moves],
    }


def _history_row(backend: Backend, move: Doc) -> dict[str, Any]:
    batch = backend.store.get(BATCHES, move["batch"]) or {}
    to = move["to"]
    if batch.get("action") == "transfer_out" and batch.get("target"):
        # In transfer the cards stay booked at the source; the move is toward the target.
        to = location_label("warehouse", batch["target"])
    return {
        "at": batch.get("at", ""),
        "by": batch.get("operator", ""),
        "by_name": batch.get("operator_name") or "",
        "action": batch.get("action", ""),
        "from": move["from"],
        "to": to,
        "from_label": location_name(backend, move["from"]),
        "to_label": location_name(backend, to),
        "state": move["state"],
        "batch": move["batch"],
    }


def _location_names(backend: Backend, kind: str, loc_id: str) -> dict[str, str]:
    if kind == "agent":
        agent = backend.store.get(AGENTS, loc_id) or {}
        return {"name_zh": agent.get("name_zh", loc_id), "name_en": agent.get("name_en", loc_id)}
    wh = backend.store.get(WAREHOUSES, loc_id) or {}
    return {"name_zh": wh.get("branch_zh", loc_id), "name_en": wh.get("branch_en", loc_id)}


def stock_overview(backend: Backend) -> dict[str, Any]:
    """Counts of cards by location, type and state."""
    counts: dict[tuple[str, str], dict[str, dict[str, int]]] = {}
    tallied = backend.store.tally(CARDS, ("loc_kind", "loc_id", "card_type", "state"))
    for (loc_kind, loc_id, card_type, state), n in tallied.items():
        by_state = counts.setdefault((loc_kind, loc_id), {}).setdefault(card_type, {})
        by_state[state] = by_state.get(state, 0) + n
    warehouses = [
        {**_public_warehouse(wh), "counts": counts.get(("warehouse", wh["code"]), {})}
        for wh in sorted(backend.store.scan(WAREHOUSES), key=lambda w: (w["branch_no"], w["kind"]))
    ]
    agents = [
        {**_public_agent(a), "counts": counts.get(("agent", a["id"]), {})}
        for a in sorted(backend.store.scan(AGENTS), key=lambda a: a["id"])
    ]
    return {"warehouses": warehouses, "agents": agents}


def _public_warehouse(wh: Doc) -> dict[str, Any]:
    keys = ("code", "kind", "target", "branch_no", "branch_zh", "branch_en", "dept_id")
    return {k: wh.get(k) for k in keys}


def _public_agent(agent: Doc) -> dict[str, Any]:
    return {k: agent.get(k) for k in ("id", "name_zh", "name_en", "dept_id", "warehouse")}


def list_warehouses(backend: Backend) -> list[dict[str, Any]]:
    return [
        _public_warehouse(wh)
        for wh in sorted(backend.store.scan(WAREHOUSES), key=lambda w: (w["branch_no"], w["kind"]))
    ]


def list_agents(backend: Backend, dept: str | None) -> list[dict[str, Any]]:
    docs = backend.store.lookup(AGENTS, "dept_id", dept) if dept else backend.store.scan(AGENTS)
    return [_public_agent(a) for a in sorted(docs, key=lambda a: a["id"])]


# -- moving cards ----------------------------------------------------------------------------
def new_batch_id(txn: Transaction) -> str:
    return f"SB{txn.next_id(BATCHES):08d}"


def move_card(
    txn: Transaction,
    card: Doc,
    *,
    state: str,
    loc_kind: str,
    loc_id: str,
    action: str,
    batch_id: str,
) -> Doc:
    """Move one card along the state machine and write its history row. Refuses other moves.

    The history row holds what differs per card (from, to, state); who, when and the action
    are on the batch (``sim_batches``), written in the same transaction. That keeps a
    100,000-card batch small in memory and in the journal.
    """
    if action not in TRANSITIONS.get((card["state"], state), ()):
        raise DomainError(409, "sim_state_invalid", iccid=card["iccid"], state=card["state"])
    iccid = card["iccid"]
    moved = {**card, "state": state, "loc_kind": loc_kind, "loc_id": loc_id, "batch": batch_id}
    txn.put(CARDS, iccid, moved)
    txn.put(
        MOVES,
        f"{batch_id}:{iccid}",
        {
            "iccid": iccid,
            "batch": batch_id,
            "from": sys.intern(f"{card['loc_kind']}:{card['loc_id']}"),
            "to": sys.intern(f"{loc_kind}:{loc_id}"),
            "state": state,
        },
    )
    return moved


def move_cards(
    txn: Transaction,
    cards: list[Doc],
    *,
    state: str,
    loc_kind: str,
    loc_id: str,
    action: str,
    batch_id: str,
) -> None:
    """``move_card`` for every card of a batch, in order; on a shared database in two
    statements (the cards patched, their history rows written) instead of one write each.

    The checks are ``move_card``'s: the first card whose state does not allow the move is the
    one refused. Only the fields that move are written, so the cards of a batch can be read
    with ``CARD_FIELDS`` only.
    """
    patch_many = getattr(txn, "patch_many", None)
    if patch_many is None:
        for card in cards:
            move_card(
                txn,
                card,
                state=state,
                loc_kind=loc_kind,
                loc_id=loc_id,
                action=action,
                batch_id=batch_id,
            )
        return
    refused = {
        s for s in {c["state"] for c in cards} if action not in TRANSITIONS.get((s, state), ())
    }
    if refused:
        card = next(c for c in cards if c["state"] in refused)
        raise DomainError(409, "sim_state_invalid", iccid=card["iccid"], state=card["state"])
    keys = [c["iccid"] for c in cards]
    patch_many(
        CARDS, keys, {"state": state, "loc_kind": loc_kind, "loc_id": loc_id, "batch": batch_id}
    )
    sources: dict[tuple[str, str], list[str]] = {}
    for card in cards:
        sources.setdefault((card["loc_kind"], card["loc_id"]), []).append(card["iccid"])
    for (kind, source), moved in sources.items():
        common = {
            "batch": batch_id,
            "from": f"{kind}:{source}",
            "to": f"{loc_kind}:{loc_id}",
            "state": state,
        }
        txn.put_each(MOVES, moved, f"{batch_id}:", common, "iccid")  # type: ignore[attr-defined]


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic GC while a big batch allocates its (acyclic) documents: full collections over
    a large store would otherwise cost more than the batch itself."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def card_at_agent(backend: Backend, iccid: str, agent_id: str) -> Doc:
    """The card, which must be picked up by ``agent_id`` (for card writing)."""
    card = backend.store.get(CARDS, iccid)
    if card is None:
        raise DomainError(404, "sim_card_not_found", iccid=iccid)
    if card["loc_kind"] != "agent" or card["loc_id"] != agent_id:
        raise DomainError(409, "sim_not_at_agent", iccid=iccid)
    return card


def transition(
    backend: Backend,
    staff: Staff,
    iccid: str,
    *,
    state: str,
    action: str,
    agent_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> Doc:
    """One card, one move, as its own batch (card writing and activation use this)."""
    card = card_at_agent(backend, iccid, agent_id) if agent_id else backend.store.get(CARDS, iccid)
    if card is None:
        raise DomainError(404, "sim_card_not_found", iccid=iccid)
    dept = require_dept(staff)
    if card["dept_id"] != dept:
        raise DomainError(403, "sim_wrong_department", dept=card["dept_id"], own=dept)
    at = backend.now_iso()
    with backend.store.transaction() as txn:
        batch_id = new_batch_id(txn)
        moved = move_card(
            txn,
            card,
            state=state,
            loc_kind=card["loc_kind"],
            loc_id=card["loc_id"],
            action=action,
            batch_id=batch_id,
        )
        txn.put(
            BATCHES,
            batch_id,
            {
                "id": batch_id,
                "action": action,
                "count": 1,
                "first": iccid,
                "last": iccid,
                "operator": staff.id,
                "at": at,
                "dept_id": dept,
                **(details or {}),
            },
        )
        audit.record(txn, f"sim.{action}", iccid, at, {"batch": batch_id, "state": state})
    return moved


# -- batch evaluation ------------------------------------------------------------------------
@dataclass
class Report:
    """What a batch would do: the cards that pass, and every problem by kind."""

    requested: int = 0
    ok: list[Doc] = field(default_factory=list)
    problems: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {
            "invalid": [],
            "duplicate": [],
            "not_found": [],
            "wrong_department": [],
            "wrong_type": [],
            "wrong_state": [],
            "location_mismatch": [],
        }
    )
    cards: CardList | None = None
    """Every card of the batch, in order, when the preview was asked to list them."""

    @property
    def problem_count(self) -> int:
        return sum(len(v) for v in self.problems.values())

    @property
    def skippable(self) -> int:
        return sum(len(self.problems[k]) for k in SKIPPABLE)

    def public(self, dry_run: bool = True) -> dict[str, Any]:
        return {
            "dry_run": dry_run,
            "requested": self.requested,
            "found": len(self.ok),
            "available": len(self.ok),
            "skippable": self.skippable,
            "first": self.ok[0]["iccid"] if self.ok else None,
            "last": self.ok[-1]["iccid"] if self.ok else None,
            "accepted": self.problem_count == 0 and bool(self.ok),
            "counts": {k: len(v) for k, v in self.problems.items()},
            **{k: v[:LIST_CAP] for k, v in self.problems.items()},
            **({"cards": self.cards.public()} if self.cards is not None else {}),
        }


@dataclass
class CardList:
    """Every card of a preview as columns (compact for 100,000 cards): state, where, problem.

    ``location`` indexes ``labels`` (-1: nowhere, the card is unknown); ``state`` and
    ``problem`` are codes ("" when none) the client translates.
    """

    iccid: list[str] = field(default_factory=list)
    state: list[str] = field(default_factory=list)
    location: list[int] = field(default_factory=list)
    problem: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    label_index: dict[tuple[str, str], int] = field(default_factory=dict)

    def add(self, backend: Backend, iccid: str, card: Doc | None, problem: str) -> None:
        self.iccid.append(iccid)
        self.problem.append(problem)
        if card is None:
            self.state.append("")
            self.location.append(-1)
            return
        self.state.append(card["state"])
        where = (card["loc_kind"], card["loc_id"])
        index = self.label_index.get(where)
        if index is None:
            index = self.label_index[where] = len(self.labels)
            self.labels.append(location_name(backend, *where))
        self.location.append(index)

    def public(self) -> dict[str, Any]:
        return {
            "iccid": self.iccid,
            "state": self.state,
            "location": self.location,
            "problem": self.problem,
            "labels": self.labels,
        }


@dataclass
class BatchSpec:
    action: str  # pickup | return | transfer_out
    card_type: str
    dept_id: str
    source_kind: str  # where the cards must be now
    source_id: str
    state: str  # the state they must be in


def evaluate(
    backend: Backend,
    spec: BatchSpec,
    iccids: Iterable[str],
    report: Report,
    start_index: int,
    seen: dict[str, int],
) -> None:
    """Check a chunk of the batch into ``report`` (O(1) per card: dict lookups only)."""
    card_of: Callable[[str, str], Doc | None] = backend.store.get  # one dict lookup per card
    get_fields = getattr(backend.store, "get_fields", None)
    if get_fields is not None:  # a shared database: one query for the whole chunk
        iccids = list(iccids)
        found: dict[str, Doc] = get_fields(CARDS, [raw.strip() for raw in iccids], CARD_FIELDS)

        def card_of(_table: str, iccid: str) -> Doc | None:
            return found.get(iccid)

    listed = report.cards
    for index, raw in enumerate(iccids, start=start_index):
        report.requested += 1
        iccid = raw.strip()
        kind, card = _check_card(backend, spec, report, index, iccid, seen, card_of)
        if listed is not None:
            listed.add(backend, iccid[:40], card, kind)


def _check_card(
    backend: Backend,
    spec: BatchSpec,
    report: Report,
    index: int,
    iccid: str,
    seen: dict[str, int],
    card_of: Callable[[str, str], Doc | None],
) -> tuple[str, Doc | None]:
    """File one card of a batch as accepted ("") or under its problem: (kind, the card)."""
    problems = report.problems
    reason = iccid_problem(iccid)
    if reason is not None:
        problems["invalid"].append({"index": index, "iccid": iccid[:40], "reason": reason})
        return "invalid", None
    first = seen.get(iccid)
    if first is not None:
        problems["duplicate"].append({"index": index, "iccid": iccid, "first_index": first})
        return "duplicate", None
    seen[iccid] = index
    card = card_of(CARDS, iccid)
    if card is None:
        problems["not_found"].append({"index": index, "iccid": iccid})
        return "not_found", None
    if card["dept_id"] != spec.dept_id:
        problems["wrong_department"].append(
            {"index": index, "iccid": iccid, "dept_id": card["dept_id"]}
        )
        return "wrong_department", card
    if card["card_type"] != spec.card_type:
        problems["wrong_type"].append(
            {"index": index, "iccid": iccid, "card_type": card["card_type"]}
        )
        return "wrong_type", card
    if (
        card["state"] == spec.state
        and card["loc_kind"] == spec.source_kind
        and card["loc_id"] == spec.source_id
    ):
        report.ok.append(card)
        return "", card
    if spec.action == "return" and card["state"] == "picked_up":
        problems["location_mismatch"].append(
            {"index": index, "iccid": iccid, "agent_id": card["loc_id"]}
        )
        return "location_mismatch", card
    problems["wrong_state"].append(
        {
            "index": index,
            "iccid": iccid,
            "state": card["state"],
            "location": location_label(card["loc_kind"], card["loc_id"]),
            "location_label": location_name(backend, card["loc_kind"], card["loc_id"]),
        }
    )
    return "wrong_state", card


def refuse(report: Report, own_dept: str) -> None:
    """Raise the refusal for a batch with problems (nothing has been written yet)."""
    details = report.public(dry_run=False)
    mismatched = report.problems["location_mismatch"]
    if mismatched:
        details["cards"] = [p["iccid"] for p in mismatched[:LIST_CAP]]
        raise DomainError(409, "location_mismatch", details)
    other_dept = report.problems["wrong_department"]
    if other_dept:
        depts = sorted({p["dept_id"] for p in other_dept})
        raise DomainError(403, "sim_wrong_department", details, dept=", ".join(depts), own=own_dept)
    if report.problem_count:
        raise DomainError(409, "sim_batch_rejected", details, n=report.problem_count)
    raise DomainError(422, "sim_batch_empty", details)


def apply_batch(
    backend: Backend,
    staff: Staff,
    spec: BatchSpec,
    report: Report,
    *,
    state: str,
    loc_kind: str,
    loc_id: str,
    extra: dict[str, Any],
    take_available: bool = False,
) -> Doc:
    """Move every accepted card, write the batch and its audit row; one transaction.

    With ``take_available`` the cards that are not there or not in the right state are left
    out, explicitly, and counted on the batch; any other problem still refuses the batch.
    """
    skipped = report.skippable if take_available else 0
    if report.problem_count - skipped or not report.ok:
        refuse(report, spec.dept_id)
    at = backend.now_iso()
    with backend.store.transaction() as txn, gc_paused():
        batch_id = new_batch_id(txn)
        move_cards(
            txn,
            report.ok,
            state=state,
            loc_kind=loc_kind,
            loc_id=loc_id,
            action=spec.action,
            batch_id=batch_id,
        )
        batch = {
            "id": batch_id,
            "action": spec.action,
            "card_type": spec.card_type,
            "dept_id": spec.dept_id,
            "count": len(report.ok),
            "first": report.ok[0]["iccid"],
            "last": report.ok[-1]["iccid"],
            "from": location_label(spec.source_kind, spec.source_id),
            "to": location_label(loc_kind, loc_id),
            "operator": staff.id,
            "operator_name": staff.name,
            "at": at,
            "requested": report.requested,
            "skipped": skipped,
            **extra,
        }
        txn.put(BATCHES, batch_id, batch)
        audit.record(
            txn,
            f"sim.{spec.action}",
            batch_id,
            at,
            {
                "count": batch["count"],
                "first": batch["first"],
                "last": batch["last"],
                "from": batch["from"],
                "to": batch["to"],
                "card_type": spec.card_type,
            },
        )
    return batch


def fee_total(fee_per_card: str | None, count: int) -> tuple[str, str]:
    fee = Decimal(fee_per_card or "0").quantize(Decimal("0.01"))
    return str(fee), str((fee * count).quantize(Decimal("0.01")))


# -- transfers (调拨 下拨 → 调入审核) -----------------------------------------------------------
def get_batch(backend: Backend, batch_id: str) -> Doc:
    batch = backend.store.get(BATCHES, batch_id)
    if batch is None:
        raise DomainError(404, "sim_batch_not_found", id=batch_id)
    return batch


def public_batch(batch: Doc) -> dict[str, Any]:
    return {k: v for k, v in batch.items() if k != "iccids"}


def list_batches(
    backend: Backend, staff: Staff, *, action: str | None, limit: int = BATCH_LIST_LIMIT
) -> list[dict[str, Any]]:
    """Transfers, pick-ups and returns of the staff member's department, newest first."""
    dept = require_dept(staff)
    docs = backend.store.lookup(BATCHES, "dept_id", dept)
    chosen = [
        d
        for d in docs
        if d.get("action") in ("transfer_out", "pickup", "return")
        and (action is None or d.get("action") == action)
    ]
    chosen.sort(key=lambda d: d["id"], reverse=True)
    return [
        {**public_batch(d), **(_transfer_labels(backend, d) if d.get("source") else {})}
        for d in chosen[:limit]
    ]


def list_transfers(backend: Backend, status: str | None) -> list[dict[str, Any]]:
    """Transfers (newest first) with their warehouses as people read them, codes included."""
    docs = backend.store.lookup(BATCHES, "action", "transfer_out")
    return [
        {**public_batch(d), **_transfer_labels(backend, d)}
        for d in sorted(docs, key=lambda d: d["id"], reverse=True)
        if status is None or d.get("status") == status
    ]


def _transfer_labels(backend: Backend, transfer: Doc) -> dict[str, str | None]:
    labels: dict[str, str | None] = {}
    for end in ("source", "target"):
        code = transfer[end]
        warehouse = backend.store.get(WAREHOUSES, code) or {}
        labels[f"{end}_label"] = location_name(backend, "warehouse", code)
        labels[f"{end}_kind"] = warehouse.get("kind")
    return labels


def decide_transfer(backend: Backend, staff: Staff, transfer_id: str, approve: bool) -> Doc:
    """The receiving side approves (cards into the target warehouse) or rejects (back)."""
    dept = require_dept(staff)
    transfer = backend.store.get(BATCHES, transfer_id)
    if transfer is None or transfer.get("action") != "transfer_out":
        raise DomainError(404, "sim_transfer_not_found", id=transfer_id)
    if transfer["dept_id"] != dept:
        raise DomainError(403, "sim_wrong_department", dept=transfer["dept_id"], own=dept)
    if transfer["status"] != "pending":
        raise DomainError(409, "sim_transfer_closed", id=transfer_id, outcome=transfer["status"])
    if transfer["operator"] == staff.id:
        raise DomainError(409, "sim_same_operator")
    action = "transfer_in" if approve else "transfer_reject"
    destination = transfer["target"] if approve else transfer["source"]
    at = backend.now_iso()
    with backend.store.transaction() as txn, gc_paused():
        batch_id = new_batch_id(txn)
        for iccid in transfer["iccids"]:
            card = txn.get(CARDS, iccid)
            if card is None or card.get("batch") != transfer_id:
                state = card["state"] if card is not None else "missing"
                raise DomainError(409, "sim_state_invalid", iccid=iccid, state=state)
            move_card(
                txn,
                card,
                state="in_stock",
                loc_kind="warehouse",
                loc_id=destination,
                action=action,
                batch_id=batch_id,
            )
        decided = {
            **transfer,
            "status": "approved" if approve else "rejected",
            "decided_by": staff.id,
            "decided_at": at,
            "decision_batch": batch_id,
        }
        txn.put(BATCHES, transfer_id, decided)
        txn.put(
            BATCHES,
            batch_id,
            {
                "id": batch_id,
                "action": action,
                "card_type": transfer["card_type"],
                "dept_id": dept,
                "count": transfer["count"],
                "first": transfer["first"],
                "last": transfer["last"],
                "from": transfer["to"] if approve else transfer["from"],
                "to": location_label("warehouse", destination),
                "operator": staff.id,
                "operator_name": staff.name,
                "at": at,
                "transfer": transfer_id,
            },
        )
        audit.record(
            txn, f"sim.{action}", transfer_id, at, {"batch": batch_id, "count": transfer["count"]}
        )
    return decided


# -- the three batch operations: specs, checks, commits ---------------------------------------
CHUNK = 5_000
SHARED_CHUNK = 100_000


def pickup_spec(
    backend: Backend, staff: Staff, agent_id: str, card_type: str, action: str = "pickup"
) -> tuple[BatchSpec, Doc]:
    dept = require_dept(staff)
    agent = get_agent(backend, agent_id)
    if agent["dept_id"] != dept:
        raise DomainError(403, "sim_agent_wrong_department", dept=agent["dept_id"], own=dept)
    if action == "pickup":
        spec = BatchSpec("pickup", card_type, dept, "warehouse", agent["warehouse"], "in_stock")
    else:
        spec = BatchSpec("return", card_type, dept, "agent", agent["id"], "picked_up")
    return spec, agent


def transfer_spec(
    backend: Backend, staff: Staff, code: str, card_type: str
) -> tuple[BatchSpec, Doc]:
    dept = require_dept(staff)
    warehouse = get_warehouse(backend, code)
    if warehouse["kind"] != "secondary":
        raise DomainError(422, "sim_not_secondary", warehouse=code)
    if warehouse["dept_id"] != dept:
        raise DomainError(403, "sim_wrong_department", dept=warehouse["dept_id"], own=dept)
    return BatchSpec("transfer_out", card_type, dept, "warehouse", code, "in_stock"), warehouse


async def check_batch(
    backend: Backend, spec: BatchSpec, iccids: Iterable[str], *, list_cards: bool = False
) -> Report:
    """Evaluate the whole batch, letting other requests run between chunks (reads only)."""
    report = Report(cards=CardList() if list_cards else None)
    seen: dict[str, int] = {}
    index = 1
    iterator = iter(iccids)
    # A shared database: the request has a thread of its own, and one query for the whole
    # batch costs the database one pass over the cards instead of one per chunk.
    size = SHARED_CHUNK if hasattr(backend.store, "get_fields") else CHUNK
    while chunk := list(itertools.islice(iterator, size)):
        evaluate(backend, spec, chunk, report, index, seen)
        index += len(chunk)
        await asyncio.sleep(0)
    return report


@dataclass(frozen=True)
class Destination:
    """Where a committed batch puts its cards, and what its batch record adds."""

    state: str
    loc_kind: str
    loc_id: str
    extra: dict[str, Any]

    def fields(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "loc_kind": self.loc_kind,
            "loc_id": self.loc_id,
            "extra": self.extra,
        }


def _agent_fields(agent: Doc) -> dict[str, Any]:
    return {
        "agent_id": agent["id"],
        "agent_name_zh": agent["name_zh"],
        "agent_name_en": agent["name_en"],
        "warehouse": agent["warehouse"],
    }


def commit_pickup(
    backend: Backend,
    staff: Staff,
    spec: BatchSpec,
    agent: Doc,
    report: Report,
    take_available: bool = False,
) -> Doc:
    to = Destination("picked_up", "agent", agent["id"], _agent_fields(agent))
    return apply_batch(backend, staff, spec, report, **to.fields(), take_available=take_available)


def commit_return(
    backend: Backend,
    staff: Staff,
    spec: BatchSpec,
    agent: Doc,
    report: Report,
    fee_per_card: str | None,
    take_available: bool = False,
) -> Doc:
    fee, received = fee_total(fee_per_card, len(report.ok))
    extra = {**_agent_fields(agent), "fee_per_card": fee, "amount_received": received}
    to = Destination("in_stock", "warehouse", agent["warehouse"], extra)
    return apply_batch(backend, staff, spec, report, **to.fields(), take_available=take_available)


def commit_transfer(
    backend: Backend,
    staff: Staff,
    spec: BatchSpec,
    warehouse: Doc,
    report: Report,
    take_available: bool = False,
) -> Doc:
    extra = {
        "source": warehouse["code"],
        "target": warehouse["target"],
        "to": location_label("warehouse", warehouse["target"]),
        "status": "pending",
        "iccids": [c["iccid"] for c in report.ok],
    }
    to = Destination("in_transfer", "warehouse", warehouse["code"], extra)
    return apply_batch(backend, staff, spec, report, **to.fields(), take_available=take_available)
