"""Client calls of the points workflow (cashier and supervisor); see clients/openapi.json."""

from __future__ import annotations

import base64
import csv
import io
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from branchdesk.clients.api import Action, ApiClient
from branchdesk.clients.models import (
    ImportOut,
    Institution,
    LedgerOut,
    LedgerRow,
    MemberOut,
    RedemptionOut,
    ReportOut,
    SmsMessage,
    TemplateOut,
)

CHANNELS = ("mall", "pos", "proxy", "outlet")
REPORTS = ("institutions", "channels", "issuance", "redemptions")
CENT = Decimal("0.01")


def money_value(points: int, rate: str) -> str:
    """The money value of ``points`` at ``rate`` for display; the server's figure is binding."""
    return str((Decimal(points) * Decimal(rate)).quantize(CENT, rounding=ROUND_HALF_UP))


def points_needed(amount: Decimal, rate: str) -> int:
    return int((amount / Decimal(rate)).to_integral_value(rounding=ROUND_CEILING))


def parse_price(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or value <= 0 or value != value.quantize(CENT):
        return None
    return value


class PointsApi:
    def __init__(self, client: ApiClient) -> None:
        self.client = client

    async def find_member(self, query: str) -> MemberOut:
        """A member by card number (13+ digits) or mobile (11 digits)."""
        text = query.replace(" ", "")
        if len(text) == 11:
            return await self.client.get_as(MemberOut, "/v1/members", phone=text)
        return await self.client.get_as(MemberOut, "/v1/members", card=text)

    async def ledger(self, member_id: str) -> LedgerOut:
        return await self.client.get_as(LedgerOut, f"/v1/members/{member_id}/ledger")

    async def create_redemption(
        self,
        member_id: str,
        channel: str,
        action: Action,
        *,
        points: int | None = None,
        items: list[dict[str, Any]] | None = None,
        order_ref: str | None = None,
    ) -> RedemptionOut:
        body: dict[str, Any] = {"member_id": member_id, "channel": channel}
        if points is not None:
            body["points"] = points
        if items is not None:
            body["items"] = items
        if order_ref:
            body["order_ref"] = order_ref
        return await self.client.post_as(RedemptionOut, "/v1/redemptions", body, action)

    async def get_redemption(self, redemption_id: str) -> RedemptionOut:
        return await self.client.get_as(RedemptionOut, f"/v1/redemptions/{redemption_id}")

    async def resend_code(self, redemption_id: str, action: Action) -> RedemptionOut:
        return await self.client.post_as(
            RedemptionOut, f"/v1/redemptions/{redemption_id}/otp", {}, action
        )

    async def verify(self, redemption_id: str, code: str, action: Action) -> RedemptionOut:
        return await self.client.post_as(
            RedemptionOut, f"/v1/redemptions/{redemption_id}/verify", {"code": code}, action
        )

    async def reverse(self, redemption_id: str, reason: str, action: Action) -> RedemptionOut:
        return await self.client.post_as(
            RedemptionOut, f"/v1/redemptions/{redemption_id}/reverse", {"reason": reason}, action
        )

    async def grant(
        self, member_id: str, points: int, note: str, action: Action, kind: str = "earn"
    ) -> LedgerRow:
        return await self.client.post_as(
            LedgerRow,
            "/v1/points/grants",
            {"member_id": member_id, "points": points, "note": note, "kind": kind},
            action,
        )

    async def import_template(self) -> TemplateOut:
        return await self.client.get_as(TemplateOut, "/v1/points/imports/template")

    async def import_csv(self, text: str, action: Action, *, dry_run: bool) -> ImportOut:
        return await self.client.post_as(
            ImportOut, "/v1/points/imports", {"csv": text}, action, dry_run=str(dry_run).lower()
        )

    async def import_file(
        self,
        raw: bytes,
        action: Action,
        *,
        dry_run: bool,
        filename: str = "",
        confirm_reimport: bool = False,
    ) -> ImportOut:
        """Send the file's bytes; the server decodes them line by line and checks every line."""
        body = {
            "content_base64": base64.b64encode(raw).decode("ascii"),
            "filename": filename,
            "confirm_reimport": confirm_reimport,
        }
        return await self.client.post_as(
            ImportOut, "/v1/points/imports", body, action, dry_run=str(dry_run).lower()
        )

    async def redemptions(
        self,
        *,
        since: str | None = None,
        until: str | None = None,
        created_by: str | None = None,
        status: str | None = None,
    ) -> list[RedemptionOut]:
        """Redemptions handled by a cashier (the caller, unless a supervisor names someone)."""
        return await self.client.get_as(
            list[RedemptionOut],
            "/v1/redemptions",
            since=since,
            until=until,
            created_by=created_by,
            status=status,
        )

    async def cancel(self, redemption_id: str, action: Action) -> RedemptionOut:
        return await self.client.post_as(
            RedemptionOut, f"/v1/redemptions/{redemption_id}/cancel", {}, action
        )

    async def create_member(self, body: dict[str, Any], action: Action) -> MemberOut:
        return await self.client.post_as(MemberOut, "/v1/members", body, action)

    async def institutions(self) -> list[Institution]:
        return await self.client.get_as(list[Institution], "/v1/points/institutions")

    async def report(
        self,
        report: str,
        *,
        date_from: str | None = None,
        date_to: str | None = None,
        institution: str | None = None,
        channel: str | None = None,
    ) -> ReportOut:
        return await self.client.get_as(
            ReportOut,
            f"/v1/points/reports/{report}",
            **{
                "from": date_from,
                "to": date_to,
                "institution": institution,
                "channel": channel,
            },
        )

    async def sms_outbox(self) -> list[SmsMessage]:
        return await self.client.sms_outbox()


def report_csv(
    headers: list[str],
    rows: list[list[Any]],
    totals_row: list[Any] | None,
    *,
    footer: str | None = None,
) -> str:
    """A report as CSV text (UTF-8 with BOM when written, so spreadsheet tools read CJK)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    if totals_row is not None:
        writer.writerow(totals_row)
    if footer is not None:
        writer.writerow([footer])
    return out.getvalue()


def write_text(directory: Path, name: str, text: str, *, bom: bool = False) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(("\ufeff" if bom else "") + text, encoding="utf-8", newline="")
    tmp.replace(path)
    return path
