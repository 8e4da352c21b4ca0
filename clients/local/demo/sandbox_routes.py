"""HTTP: the local backend's visible fakes. A real backend never has these paths."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from branchdesk.clients.local import auth
from branchdesk.clients.local.auth import Staff
from branchdesk.clients.local.errors import DomainError

router = APIRouter(tags=["sandbox"])


class SmsMessage(BaseModel):
    phone: str
    text: str
    at: str
    purpose: str


@router.get("/v1/sandbox/sms-outbox", response_model=list[SmsMessage])
async def sms_outbox(
    request: Request, phone: str | None = Query(default=None), staff: Staff = auth.require()
) -> list[dict[str, Any]]:
    backend = auth.get_backend(request)
    if not backend.settings.sandbox:
        raise DomainError(404, "not_found")
    return list(reversed(backend.sms.for_phone(phone)))
