"""Client calls for account opening with on-site card writing (see clients/openapi.json)."""

from __future__ import annotations

from typing import Any

from branchdesk.clients.api import Action, ApiClient

BASE = "/v1/card-write"


class CardWriteApi:
    def __init__(self, client: ApiClient) -> None:
        self.client = client

    async def offer(self) -> dict[str, Any]:
        """Packages and first-month tariffs."""
        return await self.client.get(f"{BASE}/offer")

    async def numbers(self, digits: str | None = None, limit: int = 30) -> list[str]:
        return await self.client.get(f"{BASE}/numbers", digits=digits or None, limit=limit)

    async def orders(self, open_only: bool = True) -> list[dict[str, Any]]:
        return await self.client.get(f"{BASE}/orders", open=str(open_only).lower())

    async def order(self, order_id: str) -> dict[str, Any]:
        return await self.client.get(f"{BASE}/orders/{order_id}")

    async def create_order(
        self,
        customer: dict[str, str],
        msisdn: str,
        package_id: str,
        tariff_id: str,
        action: Action,
    ) -> dict[str, Any]:
        body = {
            "customer": customer,
            "msisdn": msisdn,
            "package_id": package_id,
            "tariff_id": tariff_id,
        }
        return await self.client.post(f"{BASE}/orders", body, action)

    async def bind_card(self, order_id: str, iccid: str, action: Action) -> dict[str, Any]:
        return await self.client.post(f"{BASE}/orders/{order_id}/card", {"iccid": iccid}, action)

    async def script(self, order_id: str) -> dict[str, Any]:
        """The write script, secrets included: keep it in memory only, never log it."""
        return await self.client.get(f"{BASE}/orders/{order_id}/script")

    async def report_failure(
        self,
        order_id: str,
        outcome: str,
        action: Action,
        tries_left: int | None = None,
    ) -> dict[str, Any]:
        body = {"outcome": outcome, "tries_left": tries_left}
        return await self.client.post(f"{BASE}/orders/{order_id}/failure", body, action)

    async def written(self, order_id: str, iccid: str, imsi: str, action: Action) -> dict[str, Any]:
        body = {"iccid": iccid, "imsi": imsi}
        return await self.client.post(f"{BASE}/orders/{order_id}/written", body, action)

    async def confirm(self, order_id: str, action: Action) -> dict[str, Any]:
        return await self.client.post(f"{BASE}/orders/{order_id}/confirm", {}, action)

    async def cancel(self, order_id: str, action: Action) -> dict[str, Any]:
        return await self.client.post(f"{BASE}/orders/{order_id}/cancel", {}, action)
