"""HTTP: log in and out, who am I, and what this backend is."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from branchdesk import __version__
from branchdesk.clients.local import auth
from branchdesk.clients.local.auth import STAFF, Staff

router = APIRouter()

DEMO_PASSWORD = "demo-pass-1"
DEMO_ACCOUNTS = [
    ("m001", "marketer"),
    ("c001", "clerk"),
    ("k001", "cashier"),
    ("t001", "trainer"),
    ("s001", "supervisor"),
]

_ROLE_ORDER = {role: n for n, (_sid, role) in enumerate(DEMO_ACCOUNTS)}
DEMO_JOB_NUMBER = "13985900001"
"""c001's job number at the demo merchant MER001 (``installment.rules.DEMO_MERCHANTS``)."""


class LoginIn(BaseModel):
    staff_id: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class StaffOut(BaseModel):
    id: str
    name: str
    roles: list[str]
    branch: str
    dept_id: str | None = None


class SessionOut(BaseModel):
    token: str
    staff: StaffOut


class DemoAccount(BaseModel):
    staff_id: str
    role: str
    password: str
    name: str | None = None


class MetaOut(BaseModel):
    name: str
    version: str
    demo: bool
    sandbox: bool
    demo_accounts: list[DemoAccount]
    demo_job_number: str | None = None
    """The job number a demo clerk binds in the installment workflow (c001 at MER001)."""


class StoreHealth(BaseModel):
    writable: bool
    read_only_reason: str | None = None
    last_write_error: str | None = None
    problems: list[str]


class HealthOut(BaseModel):
    status: str
    """ok; degraded: damage was found and reported at start; read_only: writes are refused."""
    store: StoreHealth


@router.get("/health", response_model=HealthOut, tags=["meta"])
async def health(request: Request, response: Response) -> dict[str, Any]:
    """On a shared database that cannot be reached: 503, ``unavailable``, the store's code."""
    store = auth.get_backend(request).store.health()
    if store.get("unavailable"):
        response.status_code = 503
        return {"status": "unavailable", "store": store}
    status = "read_only" if not store["writable"] else "degraded" if store["problems"] else "ok"
    return {"status": status, "store": store}


@router.get("/v1/meta", response_model=MetaOut, tags=["meta"])
async def meta(request: Request) -> dict[str, Any]:
    backend = auth.get_backend(request)
    demo = backend.settings.demo
    return {
        "name": "branchdesk local backend",
        "version": __version__,
        "demo": demo,
        "sandbox": backend.settings.sandbox,
        "demo_accounts": _demo_accounts(backend) if demo else [],
        "demo_job_number": DEMO_JOB_NUMBER if demo else None,
    }


def _demo_accounts(backend: Any) -> list[dict[str, Any]]:
    """Every account of the demo store (workflows seed more than DEMO_ACCOUNTS: m002, c002)."""
    accounts = []
    for doc in sorted(
        backend.store.scan(STAFF),
        key=lambda d: (_ROLE_ORDER.get((d.get("roles") or [""])[0], 9), d["id"]),
    ):
        if doc.get("disabled") or not doc.get("roles"):
            continue
        accounts.append(
            {
                "staff_id": doc["id"],
                "role": doc["roles"][0],
                "password": DEMO_PASSWORD,
                "name": doc.get("name"),
            }
        )
    return accounts


@router.post(
    "/v1/sessions",
    status_code=201,
    response_model=SessionOut,
    tags=["sessions"],
    responses={
        401: {"description": "bad_credentials"},
        429: {"description": "login_backoff (this staff ID) or login_rate_limited (this client)"},
    },
)
async def create_session(body: LoginIn, request: Request) -> dict[str, Any]:
    """Log in. Exempt from Idempotency-Key: there is no staff member yet to scope a key to.

    Failures make the staff ID and the client wait, never lock (see ``login_guard``)."""
    client = request.client.host if request.client else None
    token, staff = await auth.login_async(
        auth.get_backend(request), body.staff_id, body.password, client
    )
    return {"token": token, "staff": staff.public()}


class UnlockOut(BaseModel):
    staff_id: str
    failed_attempts: int
    locked_until: str | None = None


@router.post(
    "/v1/staff/{staff_id}/unlock",
    response_model=UnlockOut,
    tags=["sessions"],
    responses={404: {"description": "staff_not_found"}},
)
async def unlock_staff(
    staff_id: str, request: Request, staff: Staff = auth.require("supervisor")
) -> dict[str, Any]:
    """A supervisor ends a staff ID's login backoff after failed attempts (audited)."""
    doc = auth.unlock(auth.get_backend(request), staff_id, staff)
    return {"staff_id": doc["id"], "failed_attempts": 0, "locked_until": None}


@router.get("/v1/sessions/current", response_model=StaffOut, tags=["sessions"])
async def current_session(staff: Staff = auth.require()) -> dict[str, Any]:
    return staff.public()


@router.delete("/v1/sessions/current", status_code=204, tags=["sessions"])
async def delete_session(request: Request, staff: Staff = auth.require()) -> Response:
    token = auth.bearer_token(request)
    assert token is not None
    auth.logout(auth.get_backend(request), token)
    return Response(status_code=204)
