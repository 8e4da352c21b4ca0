"""Client calls of the installment phone purchase workflow (clerk, supervisor); see
clients/openapi.json. The sandbox calls exist only on local and demo backends."""

from __future__ import annotations

from datetime import datetime
from typing import Any, get_args

from branchdesk.clients import models
from branchdesk.clients.api import Action, ApiClient
from branchdesk.clients.models import ApplicationOut, ApplicationPage, ClerkOut, QrOut

STEPS: tuple[str, ...] = get_args(models.ApplicationOut.__annotations__["step"])
STATUSES: tuple[str, ...] = get_args(models.ApplicationOut.__annotations__["status"])
"""An application's steps and statuses, in the contract's order (from the generated models)."""


def seconds_left(expires_at: str, now: datetime) -> int:
    """Whole seconds until ``expires_at`` for a countdown (the server decides validity)."""
    return max(0, int((datetime.fromisoformat(expires_at) - now).total_seconds()))


class InstallmentApi:
    def __init__(self, client: ApiClient) -> None:
        self.client = client

    # -- clerk ------------------------------------------------------------------------------
    async def clerk(self) -> ClerkOut:
        return await self.client.get_as(ClerkOut, "/v1/installment/clerk")

    async def request_code(
        self, job_no: str, name: str, id_number: str, mobile: str, action: Action
    ) -> ClerkOut:
        body = {"job_no": job_no, "name": name, "id_number": id_number, "mobile": mobile}
        return await self.client.post_as(ClerkOut, "/v1/installment/clerk/code", body, action)

    async def bind(self, code: str, action: Action) -> ClerkOut:
        return await self.client.post_as(
            ClerkOut, "/v1/installment/clerk/bind", {"code": code}, action
        )

    # -- QR codes ---------------------------------------------------------------------------
    async def new_qr(self, action: Action) -> QrOut:
        return await self.client.post_as(QrOut, "/v1/installment/qr-codes", {}, action)

    async def current_qr(self) -> QrOut:
        return await self.client.get_as(QrOut, "/v1/installment/qr-codes/current")

    # -- applications and orders ------------------------------------------------------------
    async def applications(
        self, limit: int = 50, before: str | None = None, merchant_id: str | None = None
    ) -> ApplicationPage:
        """A page of the board, newest first; ``before``: the last id of the page before."""
        return await self.client.get_as(
            ApplicationPage,
            "/v1/installment/applications",
            limit=limit,
            before=before or None,
            merchant_id=merchant_id or None,
        )

    async def application(self, application_id: str) -> ApplicationOut:
        return await self.client.get_as(
            ApplicationOut, f"/v1/installment/applications/{application_id}"
        )

    async def orders(
        self, date_from: str | None = None, date_to: str | None = None, status: str | None = None
    ) -> list[ApplicationOut]:
        return await self.client.get_as(
            list[ApplicationOut],
            "/v1/installment/orders",
            date_from=date_from or None,
            date_to=date_to or None,
            status=status or None,
        )

    async def revoke(self, application_id: str, reason: str, action: Action) -> ApplicationOut:
        return await self.client.post_as(
            ApplicationOut,
            f"/v1/installment/orders/{application_id}/revoke",
            {"reason": reason},
            action,
        )

    # -- simulated customer (local and demo only) -------------------------------------------
    async def simulate_scan(
        self,
        token: str,
        action: Action,
        customer_name: str | None = None,
        customer_mobile: str | None = None,
    ) -> ApplicationOut:
        body: dict[str, Any] = {"token": token}
        if customer_name:
            body["customer_name"] = customer_name
        if customer_mobile:
            body["customer_mobile"] = customer_mobile
        return await self.client.post_as(
            ApplicationOut, "/v1/sandbox/installment/scans", body, action
        )

    async def simulate_step(
        self,
        application_id: str,
        action: Action,
        *,
        life_insurance: bool = False,
        flexible_repayment: bool = False,
    ) -> ApplicationOut:
        body = {"life_insurance": life_insurance, "flexible_repayment": flexible_repayment}
        return await self.client.post_as(
            ApplicationOut,
            f"/v1/sandbox/installment/applications/{application_id}/advance",
            body,
            action,
        )
