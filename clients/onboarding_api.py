"""Client calls of the marketer onboarding workflow, with the offline outbox behind changes."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict, cast

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
from branchdesk.clients.outbox import OutboxSync


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

    # -- reading ----------------------------------------------------------------------------
    async def areas(self) -> list[str]:
        return cast("list[str]", await self.client.get("/v1/onboarding/areas"))

    async def search(
        self, q: str = "", area: str | None = None, limit: int = 50, offset: int = 0
    ) -> CustomerPage:
        return cast(
            "CustomerPage",
            await self.client.get("/v1/customers", q=q, area=area, limit=limit, offset=offset),
        )

    async def customer(self, customer_id: str, *, reveal: bool = False) -> CustomerDetail:
        return cast(
            "CustomerDetail",
            await self.client.get(
                f"/v1/customers/{customer_id}", reveal="true" if reveal else None
            ),
        )

    async def checklist(self, customer_id: str) -> Checklist:
        """The checklist; offline, the last copy read with the queued changes laid over it."""
        name = f"checklist:{customer_id}"
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
        return cast("HandoffOut", await self.client.get(f"/v1/customers/{customer_id}/handoff"))

    async def area_export(self, area: str) -> list[AreaRow]:
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
        return Checklist(
            customer=data["customer"],
            sections=data["sections"],
            items=items,
            progress=data["progress"],
            next_step=data["next_step"],
            offline=offline,
        )


# -- exports -------------------------------------------------------------------------------------
HANDOFF_HEADER = ("section", "item", "status", "note", "evidence", "updated_by", "updated_at")
CUSTOMER_FIELDS = (
    "id",
    "name",
    "id_number",
    "mobile",
    "area",
    "licence_no",
    "card_number",
    "card_bank",
    "token_type",
    "order_amount",
    "marketer_id",
)
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
