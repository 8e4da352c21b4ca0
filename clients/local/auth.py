"""Staff accounts, sessions, lockout, and role enforcement for every operation."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import Depends, Request

from branchdesk.clients.local import audit, context, login_guard
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.errors import DomainError
from branchdesk.clients.local.store import Doc

ROLES = ("marketer", "clerk", "cashier", "trainer", "supervisor")
STAFF = "staff"
DEMO_BRANCH = "邮储银行兴义分行坪东支行"
"""The branch of the demo accounts."""
SESSIONS = "sessions"


@dataclass(frozen=True)
class Staff:
    id: str
    name: str
    roles: tuple[str, ...]
    branch: str
    dept_id: str | None = None

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "roles": list(self.roles),
            "branch": self.branch,
            "dept_id": self.dept_id,
        }

    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)


def staff_from_doc(doc: Doc) -> Staff:
    return Staff(
        id=doc["id"],
        name=doc["name"],
        roles=tuple(doc["roles"]),
        branch=doc["branch"],
        dept_id=doc.get("dept_id"),
    )


@functools.lru_cache(maxsize=64)
def hash_password(password: str, salt_hex: str) -> str:
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=bytes.fromhex(salt_hex), n=2**14, r=8, p=1, dklen=32
    )
    return digest.hex()


def new_staff_doc(
    staff_id: str,
    name: str,
    roles: list[str],
    branch: str,
    password: str,
    dept_id: str | None = None,
    salt_hex: str | None = None,
) -> Doc:
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")
    salt = salt_hex or secrets.token_hex(16)
    return {
        "id": staff_id,
        "name": name,
        "roles": list(roles),
        "branch": branch,
        "dept_id": dept_id,
        "salt": salt,
        "password_hash": hash_password(password, salt),
        "failed_attempts": 0,
        "locked_until": None,
    }


def _token_key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


UNKNOWN_SALT = "00" * 16


async def login_async(
    backend: Backend, staff_id: str, password: str, client: str | None = None
) -> tuple[str, Staff]:
    """``login`` with the scrypt work in a worker thread, so the event loop keeps serving.

    A client or ID that must wait (``login_guard``) is answered before any password work."""
    now = backend.settings.now()
    login_guard.check_client(backend, client, now)
    staff_id = staff_id.strip()
    doc = backend.store.get(STAFF, staff_id)
    state = doc if doc is not None else login_guard.unknown_state(backend, staff_id)
    waiting = login_guard.id_waiting(_parse_any(state.get("locked_until")), now)
    if waiting is not None:
        login_guard.client_failed(backend, client, now)
        raise waiting
    salt = doc["salt"] if doc else UNKNOWN_SALT
    digest = await asyncio.to_thread(hash_password, password, salt)
    try:
        return login(backend, staff_id, password, digest=digest)
    except DomainError as exc:
        if exc.status in (401, 429):
            login_guard.client_failed(backend, client, backend.settings.now())
        raise


def _unknown_id(backend: Backend, staff_id: str, now: datetime) -> DomainError:
    """The answer for an ID that does not exist: counted down and backed off exactly like a
    real one (kept in memory only), so answers do not tell which staff IDs exist."""
    state = login_guard.unknown_state(backend, staff_id)
    waiting = login_guard.id_waiting(state["locked_until"], now)
    if waiting is not None:
        return waiting
    state["failed_attempts"] += 1
    state["locked_until"], error = login_guard.id_failed(backend, state["failed_attempts"], now)
    return error


def login(
    backend: Backend, staff_id: str, password: str, *, digest: str | None = None
) -> tuple[str, Staff]:
    """Check a password; wrong ones in a row make the ID wait (``login_guard``), never lock it."""
    settings = backend.settings
    now = settings.now()
    doc = backend.store.get(STAFF, staff_id.strip())
    if doc is None:
        # Same cost and same answers as a real ID with a wrong password.
        if digest is None:
            hash_password(password, UNKNOWN_SALT)
        raise _unknown_id(backend, staff_id.strip(), now)
    waiting = login_guard.id_waiting(_parse(doc.get("locked_until")), now)
    if waiting is not None:
        raise waiting
    if digest is None:
        digest = hash_password(password, doc["salt"])
    ok = hmac.compare_digest(digest, doc["password_hash"])
    with backend.store.transaction() as txn:
        if not ok:
            failures = int(doc.get("failed_attempts") or 0) + 1
            until, error = login_guard.id_failed(backend, failures, now)
            updated = {
                **doc,
                "failed_attempts": failures,
                "locked_until": until.isoformat(timespec="seconds") if until else None,
            }
            txn.put(STAFF, doc["id"], updated)
            if failures == settings.lockout_threshold:
                audit.record(txn, "staff.backoff", doc["id"], now.isoformat(), actor=doc["id"])
        else:
            token = secrets.token_urlsafe(32)
            expires = now + timedelta(hours=settings.session_hours)
            txn.put(STAFF, doc["id"], {**doc, "failed_attempts": 0, "locked_until": None})
            txn.put(
                SESSIONS,
                _token_key(token),
                {
                    "staff_id": doc["id"],
                    "created_at": now.isoformat(timespec="seconds"),
                    "expires_at": expires.isoformat(timespec="seconds"),
                },
            )
            audit.record(txn, "session.create", doc["id"], now.isoformat(), actor=doc["id"])
            error = None
    if error is not None:
        raise error
    return token, staff_from_doc(doc)


def unlock(backend: Backend, staff_id: str, by: Staff) -> Doc:
    """A supervisor clears a staff ID's failure streak and backoff (audited)."""
    now = backend.now_iso()
    with backend.store.transaction() as txn:
        doc = txn.get(STAFF, staff_id)
        if doc is None:
            raise DomainError(404, "staff_not_found", staff_id=staff_id)
        updated = {**doc, "failed_attempts": 0, "locked_until": None}
        txn.put(STAFF, staff_id, updated)
        audit.record(
            txn,
            "staff.unlock",
            staff_id,
            now,
            {"failed_attempts": doc.get("failed_attempts") or 0},
            actor=by.id,
        )
    return updated


def _parse_any(value: Any) -> datetime | None:
    """A staff document keeps ISO text; the unknown-ID stand-in keeps datetimes."""
    return _parse(value) if isinstance(value, str) else value


def resolve_token(backend: Backend, token: str | None) -> Staff | None:
    if not token:
        return None
    session = backend.store.get(SESSIONS, _token_key(token))
    if session is None:
        return None
    expires = _parse(session["expires_at"])
    if expires is None or expires <= backend.settings.now():
        return None
    doc = backend.store.get(STAFF, session["staff_id"])
    return staff_from_doc(doc) if doc else None


def logout(backend: Backend, token: str) -> None:
    key = _token_key(token)
    session = backend.store.get(SESSIONS, key)
    if session is None:
        return
    with backend.store.transaction() as txn:
        txn.delete(SESSIONS, key)
        audit.record(txn, "session.delete", session["staff_id"], backend.now_iso())


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def get_backend(request: Request) -> Backend:
    backend: Backend = request.app.state.backend
    return backend


def require(*roles: str) -> Any:
    """Dependency: the authenticated staff member, who must hold one of ``roles``."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")

    async def dependency(request: Request) -> Staff:
        backend = get_backend(request)
        token = bearer_token(request)
        if token is None:
            raise DomainError(401, "unauthenticated")
        staff = resolve_token(backend, token)
        if staff is None:
            raise DomainError(401, "session_expired")
        context.get().staff_id = staff.id
        if roles and not staff.has(*roles):
            raise DomainError(403, "forbidden", details={"required_roles": list(roles)})
        return staff

    REQUIRED_ROLES[dependency] = roles
    return Depends(dependency)


REQUIRED_ROLES: dict[Any, tuple[str, ...]] = {}
"""The roles each ``require`` dependency admits (read by ``lean`` to call plain operations)."""


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
