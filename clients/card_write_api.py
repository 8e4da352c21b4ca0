"""Client calls for account opening with on-site card writing (see clients/openapi.json)."""

from __future__ import annotations

from typing import Any

from branchdesk.clients.api import Action, ApiClient
from branchdesk.clients.models import (
    CheckOut,
    DiscardOut,
    DraftOut,
    OfferOut,
    OrderOut,
    ScriptOut,
)

BASE = "/v1/card-write"


class CardWriteApi:
    def __init__(self, client: ApiClient) -> None:
        self.client = client

    async def offer(self) -> OfferOut:
        """Packages and first-month tariffs."""
        return await self.client.get_as(OfferOut, f"{BASE}/offer")

    async def numbers(self, digits: str | None = None, limit: int = 30) -> list[str]:
        return await self.client.get_as(
            list[str], f"{BASE}/numbers", digits=digits or None, limit=limit
        )

    async def orders(self, open_only: bool = True) -> list[OrderOut]:
        return await self.client.get_as(
            list[OrderOut], f"{BASE}/orders", open=str(open_only).lower()
        )

    async def order(self, order_id: str) -> OrderOut:
        return await self.client.get_as(OrderOut, f"{BASE}/orders/{order_id}")

    async def check(self, step: str, draft: dict[str, Any], action: Action) -> CheckOut:
        """Check a form step (and those before it); the fees so far. Changes nothing."""
        body = {**draft, "step": step}
        return await self.client.post_as(CheckOut, f"{BASE}/checks", body, action)

    async def save_draft(self, step: str, draft: dict[str, Any], action: Action) -> DraftOut:
        """Check a form step like ``check`` and keep the form as this clerk's draft."""
        body = {**draft, "step": step}
        return await self.client.post_as(DraftOut, f"{BASE}/draft", body, action)

    async def draft(self) -> DraftOut:
        """This clerk's unfinished form (ApiError 404 ``draft_not_found`` when none)."""
        return await self.client.get_as(DraftOut, f"{BASE}/draft")

    async def discard_draft(self, action: Action) -> DiscardOut:
        return await self.client.post_as(DiscardOut, f"{BASE}/draft/discard", {}, action)

    async def create_order(
        self,
        customer: dict[str, str],
        msisdn: str,
        package_id: str,
        tariff_id: str,
        action: Action,
        **more: Any,
    ) -> OrderOut:
        """``more``: recommender_id, account, pack_ids, activity_id (see OrderIn)."""
        body = {
            "customer": customer,
            "msisdn": msisdn,
            "package_id": package_id,
            "tariff_id": tariff_id,
            **more,
        }
        return await self.client.post_as(OrderOut, f"{BASE}/orders", body, action)

    async def presubmit(self, order_id: str, received: str, action: Action) -> OrderOut:
        body = {"received": received}
        return await self.client.post_as(
            OrderOut, f"{BASE}/orders/{order_id}/presubmit", body, action
        )

    async def bind_card(self, order_id: str, iccid: str, action: Action) -> OrderOut:
        return await self.client.post_as(
            OrderOut, f"{BASE}/orders/{order_id}/card", {"iccid": iccid}, action
        )

    async def script(self, order_id: str) -> ScriptOut:
        """The write script, secrets included: keep it in memory only, never log it."""
        return await self.client.get_as(ScriptOut, f"{BASE}/orders/{order_id}/script")

    async def report_failure(
        self,
        order_id: str,
        outcome: str,
        action: Action,
        tries_left: int | None = None,
    ) -> OrderOut:
        body = {"outcome": outcome, "tries_left": tries_left}
        return await self.client.post_as(
            OrderOut, f"{BASE}/orders/{order_id}/failure", body, action
        )

    async def written(self, order_id: str, iccid: str, imsi: str, action: Action) -> OrderOut:
        body = {"iccid": iccid, "imsi": imsi}
        return await self.client.post_as(
            OrderOut, f"{BASE}/orders/{order_id}/written", body, action
        )

    async def confirm(self, order_id: str, action: Action) -> OrderOut:
        return await self.client.post_as(OrderOut, f"{BASE}/orders/{order_id}/confirm", {}, action)

    async def cancel(self, order_id: str, action: Action) -> OrderOut:
        return await self.client.post_as(OrderOut, f"{BASE}/orders/{order_id}/cancel", {}, action)
