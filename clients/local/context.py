"""Who is acting in the current request, for the audit log and idempotency scoping."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass
class RequestContext:
    lang: str = "en"
    staff_id: str | None = None
    idempotency_key: str | None = None


current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "branchdesk_request", default=None
)


def get() -> RequestContext:
    ctx = current.get()
    if ctx is None:
        ctx = RequestContext()
        current.set(ctx)
    return ctx
