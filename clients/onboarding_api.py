"""Client calls of the marketer onboarding workflow, with the offline outbox behind changes."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NotRequired, TypedDict, cast

from branchdesk.clients import validators
from branchdesk.clients.api import Action, ApiClient
from branchdesk.clients.errors import BackendUnreachable
from branchdesk.clients.models import (
    AreaRow,
    ChecklistOut,
    CustomerDetail,
    CustomerPage,
    HandoffOut,
    ItemOut,
    NextStep,
    Progress,
    SectionOut,
)
from branchdesk.clients.onboarding_fields import INPUT_FIELDS
from branchdesk.clients.outbox import PENDING, PENDING_PREFIX, OutboxSync

__all__ = ["PENDING_PREFIX", "Checklist", "ChecklistItem", "OnboardingApi", "Queued"]
# Row ids of customers created offline, not yet sent: ``pending:<outbox entry id>``.
PII_FIELDS = ("id_number", "mobile", "card_number")
"""Kept masked in the offline copies: offline, an edit leaves them as they are unless typed."""
MASKS: dict[str, Callable[[str], str]] = {
    "id_number": validators.mask_id_number,
    "mobile": validators.mask_mobile,
    "card_number": validators.mask_card,
}


@dataclass(frozen=True)
class Queued:
    """A change kept in the outbox because the backend could not be reached."""

    entry: dict[str, Any]


class ChecklistItem(ItemOut):
    pending: NotRequired[str]
    """Set while a change of the item waits in the outbox: the outbox entry's status."""


class Checklist(TypedDict):
    """A checklist as the screens see it: ``ChecklistOut`` with the outbox laid over it."""

    customer: CustomerDetail
    sections: list[SectionOut]
    items: list[ChecklistItem]
    progress: Progress
    next_step: NextStep
    offline: bool
    """True when this is the last copy read, shown because the backend cannot be reached."""


class OnboardingApi:
    def __init__(self, client: ApiClient, sync: OutboxSync | None = None) -> None:
        self.client = client
        self.sync = sync

    @property
    def offline_session(self) -> bool:
        """Logged in offline: nothing goes to the server, reads come from the kept copies."""
        return self.sync is not None and self.sync.offline_session

    def _offline(self) -> None:
        if self.offline_session:
            raise BackendUnreachable(self.client.label, "offline_session")

    # -- reading ----------------------------------------------------------------------------
    async def areas(self) -> list[str]:
        if not self.offline_session:
            try:
                areas = cast("list[str]", await self.client.get("/v1/onboarding/areas"))
            except BackendUnreachable:
                if self._recall("areas") is None:
                    raise
            else:
                self._remember("areas", areas)
                return areas
        return cast("list[str]", self._recall("areas") or [])

    async def search(
        self, q: str = "", area: str | None = None, limit: int = 50, offset: int = 0
    ) -> CustomerPage:
        """Online: the server's search (its rows kept for offline work). Offline: the kept
        customers and those created offline (marked ``pending``), filtered the same way."""
        if not self.offline_session:
            try:
                page = cast(
                    "CustomerPage",
                    await self.client.get(
                        "/v1/customers", q=q, area=area, limit=limit, offset=offset
                    ),
                )
            except BackendUnreachable:
                if self.sync is None:
                    raise
            else:
                self._remember_customers(page["items"])
                return page
        return self._offline_search(q, area, limit, offset)

    async def keep_for_offline(self, limit: int = 200) -> int:
        """Before a visit day: keep the own customers and their checklists on this machine."""
        page = await self.search(limit=limit)
        for row in page["items"]:
            await self.checklist(row["id"])
        return len(page["items"])

    def _remember_customers(self, rows: Sequence[Mapping[str, Any]]) -> None:
        if self.sync is None or not rows:
            return
        kept = dict(self._recall("customers") or {})
        kept.update({row["id"]: dict(row) for row in rows})
        self._remember("customers", kept)

    def _offline_search(self, q: str, area: str | None, limit: int, offset: int) -> CustomerPage:
        rows: list[dict[str, Any]] = []
        for row in (self._recall("customers") or {}).values():
            shown = self._with_updates(dict(row))
            kept = self._recall(f"checklist:{row['id']}")
            if kept is not None:
                overlaid = self._overlay(kept, offline=True)
                shown["progress_done"] = overlaid["progress"]["done"]
                shown["progress_required"] = overlaid["progress"]["required"]
                pending = [i["pending"] for i in overlaid["items"] if i.get("pending")]
                if pending:
                    shown["pending"] = pending[0]
            rows.append(shown)
        for entry in self.sync.entries() if self.sync else []:
            if entry["kind"] != "customer.create":
                continue
            body = entry["body"]
            rows.append(
                {
                    **self._pending_summary(entry),
                    "pending": entry["status"],
                    "search": str(body.get("mobile", "")),
                }
            )
        needle = q.strip().lower()

        def matches(row: dict[str, Any]) -> bool:
            if area and row["area"] != area:
                return False
            fields = ("name", "area", "mobile", "licence_no", "search")
            return not needle or any(needle in str(row.get(f, "")).lower() for f in fields)

        found = [r for r in rows if matches(r)]
        found.sort(key=lambda r: (r["id"].startswith(PENDING_PREFIX), r["id"]))
        for row in found:
            row.pop("search", None)
        return cast(
            "CustomerPage",
            {"total": len(found), "items": found[offset : offset + limit], "offline": True},
        )

    async def customer(self, customer_id: str, *, reveal: bool = False) -> CustomerDetail:
        """Offline (or created offline): the kept copy, PII masked (``revealed`` False), with
        the queued changes laid over it; a reveal needs the server and is refused offline."""
        if customer_id.startswith(PENDING_PREFIX) or self.offline_session:
            kept = None if reveal else self._kept_customer(customer_id)
            if kept is None:
                raise BackendUnreachable(self.client.label, "offline_session")
            return kept
        return cast(
            "CustomerDetail",
            await self.client.get(
                f"/v1/customers/{customer_id}", reveal="true" if reveal else None
            ),
        )

    async def checklist(self, customer_id: str) -> Checklist:
        """The checklist; offline, the last copy read with the queued changes laid over it."""
        name = f"checklist:{customer_id}"
        if customer_id.startswith(PENDING_PREFIX):
            return self._pending_checklist(customer_id)
        if self.offline_session:
            kept = cast("ChecklistOut | None", self._recall(name))
            if kept is None:
                self._offline()
            return self._overlay(cast("ChecklistOut", kept), offline=True)
        try:
            data = cast(
                "ChecklistOut", await self.client.get(f"/v1/customers/{customer_id}/checklist")
            )
        except BackendUnreachable:
            cached = cast("ChecklistOut | None", self._recall(name))
            if cached is None:
                raise
            return self._overlay(cached, offline=True)
        self._remember(name, data)
        return self._overlay(data, offline=False)

    async def handoff(self, customer_id: str) -> HandoffOut:
        """The hand-off package; offline, made from the kept copy and the queued changes
        (``offline`` set: PII masked for customers read online, as on the screens)."""
        if not customer_id.startswith(PENDING_PREFIX) and not self.offline_session:
            return cast("HandoffOut", await self.client.get(f"/v1/customers/{customer_id}/handoff"))
        data = await self.checklist(customer_id)
        package = {
            "customer": data["customer"],
            "sections": data["sections"],
            "items": data["items"],
            "progress": data["progress"],
            "next_step": data["next_step"],
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "generated_by": self.sync.staff_id if self.sync else "",
            "offline": True,
        }
        return cast("HandoffOut", package)

    async def area_export(self, area: str) -> list[AreaRow]:
        self._offline()
        return cast("list[AreaRow]", await self.client.get(f"/v1/onboarding/areas/{area}/export"))

    # -- changes ----------------------------------------------------------------------------
    async def create_customer(
        self, data: dict[str, Any], action: Action
    ) -> CustomerDetail | Queued:
        return cast(
            "CustomerDetail | Queued",
            await self._change(
                "POST",
                "/v1/customers",
                data,
                action,
                kind="customer.create",
                target="",
                summary=data.get("name", ""),
            ),
        )

    async def update_customer(
        self, customer_id: str, data: dict[str, Any], base_version: int, action: Action
    ) -> CustomerDetail | Queued:
        body = {**data, "base_version": base_version}
        created = self._pending_entry(customer_id) if self.sync is not None else None
        if created is not None and self.sync is not None:
            # Created offline and not sent yet: the edit goes into the new customer itself
            # (a new key: if the first request did reach the server, this one is refused as a
            # duplicate there, and the sync screen shows it, rather than making two).
            merged = {**created["body"], **{k: v for k, v in data.items() if v is not None}}
            self.sync.outbox.update(created["id"], body=merged, key=action.key)
            self.sync.notify()
            return Queued({**created, "body": merged})
        queued = self._queued_update(customer_id)
        if queued is not None and self.offline_session:
            # One change of the customer waits already: this edit joins it (a new key, as it
            # is a new request), so the next sync sends one change over the copy read online.
            assert self.sync is not None
            body = {**queued["body"], **data, "base_version": queued["body"]["base_version"]}
            self.sync.outbox.update(queued["id"], body=body, key=action.key)
            self.sync.notify()
            return Queued({**queued, "body": body, "key": action.key})
        return cast(
            "CustomerDetail | Queued",
            await self._change(
                "PATCH",
                f"/v1/customers/{customer_id}",
                body,
                action,
                kind="customer.update",
                target=customer_id,
                summary=data.get("name", ""),
            ),
        )

    async def set_item(
        self,
        customer_id: str,
        item_id: str,
        *,
        status: str,
        base_version: int,
        note: str = "",
        evidence: dict[str, str] | None = None,
        action: Action,
        title: str = "",
    ) -> ItemOut | Queued:
        body = {
            "status": status,
            "base_version": base_version,
            "note": note,
            "evidence": evidence or {},
        }
        if customer_id.startswith(PENDING_PREFIX) and self.sync is not None:
            # The customer is not on the server yet: the change waits for it (the outbox sends
            # it after the customer, with the server's id).
            queued = self._queued_item(customer_id, item_id)
            path = f"/v1/customers/{customer_id}/items/{item_id}"
            if queued is not None:  # the item's change waits already: this one joins it
                body["base_version"] = queued["body"]["base_version"]
                self.sync.outbox.update(queued["id"], body=body, key=action.key)
                self.sync.notify()
                return Queued({**queued, "body": body})
            return Queued(
                self.sync.queue(
                    "PUT",
                    path,
                    body,
                    action,
                    kind="item",
                    target=f"{customer_id}/{item_id}",
                    summary=title,
                )
            )
        return cast(
            "ItemOut | Queued",
            await self._change(
                "PUT",
                f"/v1/customers/{customer_id}/items/{item_id}",
                body,
                action,
                kind="item",
                target=f"{customer_id}/{item_id}",
                summary=title,
            ),
        )

    async def _change(
        self,
        method: str,
        path: str,
        body: dict[str, Any],
        action: Action,
        *,
        kind: str,
        target: str,
        summary: str,
    ) -> Any:
        try:
            self._offline()
            return await self.client.request(method, path, json=body, action=action)
        except BackendUnreachable:
            if self.sync is None:
                raise
            return Queued(
                self.sync.queue(
                    method, path, body, action, kind=kind, target=target, summary=summary
                )
            )

    # -- offline copies ---------------------------------------------------------------------
    def _remember(self, name: str, data: Any) -> None:
        if self.sync is not None:
            self.sync.outbox.remember(self.sync.staff_id, self.client.label, name, data)

    def _recall(self, name: str) -> Any:
        if self.sync is None:
            return None
        return self.sync.outbox.recall(self.sync.staff_id, self.client.label, name)

    def _entries(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in (self.sync.entries() if self.sync else []) if e["kind"] == kind]

    def _queued_update(self, customer_id: str) -> dict[str, Any] | None:
        return next(
            (
                e
                for e in self._entries("customer.update")
                if e["target"] == customer_id and e["status"] == PENDING
            ),
            None,
        )

    def _queued_item(self, customer_id: str, item_id: str) -> dict[str, Any] | None:
        target = f"{customer_id}/{item_id}"
        return next((e for e in self._entries("item") if e["target"] == target), None)

    def _with_updates(self, row: dict[str, Any]) -> dict[str, Any]:
        """A kept customer with its queued edit laid over it (PII masked), marked ``pending``."""
        entry = next(
            (e for e in self._entries("customer.update") if e["target"] == row["id"]), None
        )
        if entry is None:
            return row
        changed = {k: v for k, v in entry["body"].items() if k in row and k != "version"}
        for field in PII_FIELDS:
            if field in changed and changed[field]:
                changed[field] = MASKS[field](str(changed[field]))
        return {**row, **changed, "pending": entry["status"]}

    def _pending_entry(self, customer_id: str) -> dict[str, Any] | None:
        if not customer_id.startswith(PENDING_PREFIX):
            return None
        entry_id = customer_id[len(PENDING_PREFIX) :]
        return next((e for e in self._entries("customer.create") if e["id"] == entry_id), None)

    def _pending_summary(self, entry: dict[str, Any]) -> dict[str, Any]:
        body = entry["body"]
        return {
            "id": PENDING_PREFIX + entry["id"],
            "name": body.get("name", ""),
            "area": body.get("area") or "",
            "mobile": validators.mask_mobile(str(body.get("mobile", ""))),
            "licence_no": body.get("licence_no", ""),
            "marketer_id": self.sync.staff_id if self.sync else "",
            "progress_done": 0,
            "progress_required": 0,
            "version": 0,
        }

    def _kept_customer(self, customer_id: str) -> CustomerDetail | None:
        """The customer as this machine knows it: created offline (the typed values, PII
        masked as on the screens), or the copy read with its checklist, queued edit over it."""
        if customer_id.startswith(PENDING_PREFIX):
            entry = self._pending_entry(customer_id)
            if entry is None:
                return None
            body = entry["body"]
            detail = {
                **self._pending_summary(entry),
                "id_number": validators.mask_id_number(str(body.get("id_number", ""))),
                "card_number": validators.mask_card(str(body.get("card_number", ""))),
                "card_bank": body.get("card_bank"),
                "token_type": body.get("token_type") or "undecided",
                "order_amount": str(body.get("order_amount", "")),
                "revealed": False,
                "created_at": entry["queued_at"],
                "updated_at": entry["queued_at"],
                "updated_by": entry["staff_id"],
                "payment": None,  # the server's advice (bank of the card's BIN) comes at sync
                "limits": None,
            }
            return cast("CustomerDetail", detail)
        kept = self._recall(f"checklist:{customer_id}")
        if kept is None:
            return None
        return cast("CustomerDetail", self._with_updates(dict(kept["customer"])))

    def _pending_checklist(self, customer_id: str) -> Checklist:
        """The checklist of a customer created offline: the items of a checklist read online
        (the server's catalogue, titles and order), none started, the queued ticks over it."""
        customer = self._kept_customer(customer_id)
        templates = [
            v
            for k, v in (self._all_kept("checklist:") or {}).items()
            if not k.startswith(PENDING_PREFIX)
        ]
        if customer is None or not templates:
            raise BackendUnreachable(self.client.label, "offline_session")
        # A checklist of the same security device marks the same items not applicable.
        same = [t for t in templates if t["customer"]["token_type"] == customer["token_type"]]
        template = (same or templates)[0]
        items = []
        for item in template["items"]:
            status = "not_applicable" if not item["applicable"] else "not_started"
            blank = {**item, "status": status, "note": "", "evidence": {}, "version": 0}
            items.append({**blank, "updated_by": None, "updated_at": None})
        sections = [{**s, "done": 0} for s in template["sections"]]
        progress = {**template["progress"], "done": 0}
        first = next((i for i in items if i["status"] == "not_started"), None)
        blank_list = {
            "customer": customer,
            "sections": sections,
            "items": items,
            "progress": progress,
            "next_step": {"item": first["id"] if first else None, "text": ""},
        }
        return self._overlay(cast("ChecklistOut", blank_list), offline=True)

    def _all_kept(self, prefix: str) -> dict[str, Any]:
        """Every kept copy whose name starts with ``prefix`` (by the rest of the name)."""
        if self.sync is None:
            return {}
        sync = self.sync
        return sync.outbox.recall_all(sync.staff_id, self.client.label, prefix)

    def _overlay(self, data: ChecklistOut, *, offline: bool) -> Checklist:
        """Show queued item changes over a checklist, marked ``pending``."""
        queued: dict[str, dict[str, Any]] = {}
        if self.sync is not None:
            prefix = f"{data['customer']['id']}/"
            queued = {
                e["target"].split("/", 1)[1]: e
                for e in self.sync.entries()
                if e["kind"] == "item" and e["target"].startswith(prefix)
            }
        items: list[ChecklistItem] = []
        for item in data["items"]:
            entry = queued.get(item["id"])
            if entry is None:
                items.append(cast("ChecklistItem", item))
                continue
            body = entry["body"]
            changed = cast("ChecklistItem", {**item})
            changed["status"] = body["status"]
            changed["note"] = body["note"]
            changed["evidence"] = body["evidence"]
            changed["version"] = body["base_version"] + 1
            changed["pending"] = entry["status"]
            items.append(changed)
        sections, progress = data["sections"], data["progress"]
        if queued:
            # The counts as they will be once the queued changes are sent.
            sections = [
                {**s, "done": s["done"] + _gained(data["items"], items, s["id"])} for s in sections
            ]
            progress = {
                **progress,
                "done": progress["done"] + _gained(data["items"], items, "checklist"),
            }
        return Checklist(
            customer=self._with_updates(dict(data["customer"])),  # type: ignore[typeddict-item]
            sections=sections,
            items=items,
            progress=progress,
            next_step=data["next_step"],
            offline=offline,
        )


def _gained(before: Sequence[ItemOut], after: Sequence[ItemOut], section: str) -> int:
    """How many more items of ``section`` are done in ``after`` than in ``before``."""

    def done(items: Sequence[ItemOut]) -> int:
        return sum(1 for i in items if i["section"] == section and i["status"] == "done")

    return done(after) - done(before)


# -- exports -------------------------------------------------------------------------------------
HANDOFF_HEADER = ("section", "item", "status", "note", "evidence", "updated_by", "updated_at")
CUSTOMER_FIELDS = ("id", *INPUT_FIELDS, "marketer_id")
AREA_FIELDS = (
    "id",
    "name",
    "area",
    "mobile",
    "licence_no",
    "marketer_id",
    "checklist_done",
    "checklist_required",
    "materials_done",
    "materials_required",
    "documents_done",
    "documents_required",
    "credit_done",
    "credit_required",
)


def _plain(field: str, value: Any) -> str:
    return "" if value is None else str(value)


def handoff_csv(
    package: HandoffOut,
    labels: dict[str, str],
    value: Callable[[str, Any], str] = _plain,
) -> str:
    """Customer fields, then one row per item; ``labels`` translates statuses and fields,
    ``value(field, raw)`` shows a value as people read it (codes as labels, times local)."""
    out = io.StringIO()
    writer = csv.writer(out)
    customer = package["customer"]
    for name in CUSTOMER_FIELDS:
        writer.writerow(
            [
                labels.get("customer", "customer"),
                labels.get(f"field.{name}", name),
                value(name, customer.get(name)),
            ]
        )
    writer.writerow([])
    writer.writerow([labels.get(f"col.{h}", h) for h in HANDOFF_HEADER])
    sections = {s["id"]: s["title"] for s in package["sections"]}
    for item in package["items"]:
        writer.writerow(
            [
                sections[item["section"]],
                item["title"],
                labels.get(f"status.{item['status']}", item["status"]),
                item["note"],
                "; ".join(
                    f"{labels.get(f'evidence.{k}', k)}: {v}"
                    for k, v in sorted(item["evidence"].items())
                ),
                item["updated_by"] or "",
                value("updated_at", item["updated_at"]),
            ]
        )
    return out.getvalue()


def area_csv(rows: Sequence[Mapping[str, Any]], labels: dict[str, str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([labels.get(f"area.{f}", f) for f in AREA_FIELDS])
    for row in rows:
        writer.writerow([row[f] for f in AREA_FIELDS])
    return out.getvalue()
