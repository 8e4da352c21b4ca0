"""HTTP: the local backend's visible fakes. A real backend never has these paths.

The SMS outbox holds live one-time codes, so over the API it is for trainers and supervisors
only, and only for one phone at a time (``?phone=`` is required): a cashier cannot read the code
sent to a member's mobile and settle without the member.

The simulated phone of the TUI (``screens/points/phone.py``, shown to cashiers and clerks in the
guided tours) is the one exception: it sends ``X-Sandbox-Phone-Key`` with the backend's
``phone_key``. That key exists only where the person at the keyboard runs the sandbox
themselves: the embedded backend makes a random one in the TUI's own process, and ``branchdesk
web`` hands one to the demo server it starts and to its own browser tabs through the
environment (``BRANCHDESK_SANDBOX_PHONE_KEY``). A plain ``serve --demo`` has no key, so over
the network only the role rule above applies; a ``serve`` without ``--demo`` has none of these
routes (404).
"""

from __future__ import annotations

import hmac
import os
from typing import Any

from fastapi import APIRouter, Header, Query, Request
from pydantic import BaseModel

from branchdesk.clients.local import auth
from branchdesk.clients.local.auth import Staff
from branchdesk.clients.local.errors import DomainError, register_messages

router = APIRouter(tags=["sandbox"])
PHONE_KEY_HEADER = "X-Sandbox-Phone-Key"
OUTBOX_ROLES = ("trainer", "supervisor")
PHONE_KEY_ENV = "BRANCHDESK_SANDBOX_PHONE_KEY"
MIN_KEY_CHARS = 32


def phone_key_from_env() -> str | None:
    """The simulated phone's key handed down by ``branchdesk web``; a short one is ignored."""
    key = os.environ.get(PHONE_KEY_ENV, "")
    return key if len(key) >= MIN_KEY_CHARS else None


register_messages(
    {
        "phone_required": {
            "zh-CN": "请填写要查看的手机号。",
            "en": "Give the mobile number whose messages you want to see.",
        },
    }
)


class SmsMessage(BaseModel):
    phone: str
    text: str
    at: str
    purpose: str


def _simulated_phone(backend: Any, key: str | None) -> bool:
    expected = getattr(backend, "phone_key", None)
    return bool(expected and key and hmac.compare_digest(expected.encode(), key.encode()))


@router.get(
    "/v1/sandbox/sms-outbox",
    response_model=list[SmsMessage],
    responses={
        403: {"description": "forbidden: trainers and supervisors only"},
        422: {"description": "phone_required: the outbox is read one phone at a time"},
    },
)
async def sms_outbox(
    request: Request,
    phone: str | None = Query(default=None, min_length=1, max_length=32),
    phone_key: str | None = Header(
        default=None,
        alias=PHONE_KEY_HEADER,
        description="The in-process simulated phone of the demo; see the module docstring.",
    ),
    staff: Staff = auth.require(),
) -> list[dict[str, Any]]:
    backend = auth.get_backend(request)
    if not backend.settings.sandbox:
        raise DomainError(404, "not_found")
    if not _simulated_phone(backend, phone_key):
        if not staff.has(*OUTBOX_ROLES):
            raise DomainError(403, "forbidden", details={"required_roles": list(OUTBOX_ROLES)})
        if not phone:
            raise DomainError(422, "phone_required")
    return list(reversed(backend.sms.for_phone(phone)))
