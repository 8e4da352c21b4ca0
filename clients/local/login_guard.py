"""Login rate limits: per staff ID and per client, with backoff instead of a lockout.

A stranger who knows a staff ID (they are on badges and in ``/v1/meta`` of a demo) must not be
able to keep that person out. So nothing locks for a fixed time: after ``lockout_threshold``
wrong passwords in a row the ID is refused for a short while (30 s), doubling with every
further failure up to ``lockout_minutes``; a success or a supervisor's unlock
(``POST /v1/staff/{id}/unlock``) clears it. During the wait the password is not even checked,
so guessing gains nothing. The per-ID state lives in the staff document (shared by every
``serve`` process on one database); unknown IDs get the same answers from memory, so answers
do not tell which IDs exist.

Per client (the peer address), failures beyond ``login.client_free_failures`` are answered
with a growing wait too, before any password work, so one client cannot spend the server's
scrypt time on many IDs. A client's failures are forgotten after a quiet
``login.client_quiet_seconds``; a success does not clear them (a valid account must not
launder guesses). Answers are ``429`` with ``details.retry_after`` (seconds) and a
``Retry-After`` header.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.errors import DomainError, register_messages

BACKOFF_SECONDS = 30
CLIENT_FREE_FAILURES = 20
CLIENT_BACKOFF_SECONDS = 30
CLIENT_QUIET_SECONDS = 900
MAX_TRACKED = 10_000

register_messages(
    {
        "login_backoff": {
            "zh-CN": "该工号登录失败次数过多,请 {seconds} 秒后再试;主管可以为其解锁。",
            "en": "Too many failed logins for this staff ID; try again in {seconds} seconds "
            "(a supervisor can unlock it).",
        },
        "login_rate_limited": {
            "zh-CN": "此终端登录失败次数过多,请 {seconds} 秒后再试。",
            "en": "Too many failed logins from this terminal; try again in {seconds} seconds.",
        },
        "staff_not_found": {
            "zh-CN": "没有工号为 {staff_id} 的员工。",
            "en": "There is no staff member {staff_id}.",
        },
    }
)


def _setting(backend: Backend, name: str, default: int) -> int:
    value = backend.settings.get(name, default)
    return int(value) if isinstance(value, int | float | str) else default


def _wait_error(code: str, until: datetime, now: datetime) -> DomainError:
    seconds = max(1, int((until - now).total_seconds() + 0.999))
    return DomainError(429, code, details={"retry_after": seconds}, seconds=seconds)


def backoff_until(backend: Backend, failures: int, now: datetime) -> datetime | None:
    """When the next attempt on an ID with ``failures`` wrong passwords in a row may come."""
    threshold = backend.settings.lockout_threshold
    if failures < threshold:
        return None
    cap = backend.settings.lockout_minutes * 60
    base = _setting(backend, "login.backoff_seconds", BACKOFF_SECONDS)
    return now + timedelta(seconds=min(cap, base * 2 ** min(failures - threshold, 20)))


def id_waiting(until: datetime | None, now: datetime) -> DomainError | None:
    """The refusal for an ID still in its backoff, else None."""
    return _wait_error("login_backoff", until, now) if until is not None and until > now else None


def id_failed(
    backend: Backend, failures: int, now: datetime
) -> tuple[datetime | None, DomainError]:
    """The answer to the ``failures``-th wrong password in a row, and the backoff it sets."""
    until = backoff_until(backend, failures, now)
    if until is None:
        left = backend.settings.lockout_threshold - failures
        return None, DomainError(401, "bad_credentials", left=left)
    return until, _wait_error("login_backoff", until, now)


def unknown_state(backend: Backend, staff_id: str) -> dict[str, Any]:
    """The in-memory stand-in of a staff document's failure fields for an unknown ID."""
    states = backend.unknown_logins
    state = states.setdefault(staff_id, {"failed_attempts": 0, "locked_until": None})
    if len(states) > MAX_TRACKED:
        states.pop(next(iter(states)))
    return state


def check_client(backend: Backend, client: str | None, now: datetime) -> None:
    """Refuse a client still waiting after too many failures (before any password work)."""
    state = backend.login_clients.get(client or "")
    if state is None:
        return
    if (now - state["last"]).total_seconds() > _setting(
        backend, "login.client_quiet_seconds", CLIENT_QUIET_SECONDS
    ):
        del backend.login_clients[client or ""]
        return
    if state["until"] is not None and state["until"] > now:
        raise _wait_error("login_rate_limited", state["until"], now)


def client_failed(backend: Backend, client: str | None, now: datetime) -> None:
    clients = backend.login_clients
    state = clients.setdefault(client or "", {"failures": 0, "until": None, "last": now})
    if len(clients) > MAX_TRACKED:
        clients.pop(next(iter(clients)))
    state["failures"] += 1
    state["last"] = now
    free = _setting(backend, "login.client_free_failures", CLIENT_FREE_FAILURES)
    over = state["failures"] - free
    if over > 0:
        base = _setting(backend, "login.client_backoff_seconds", CLIENT_BACKOFF_SECONDS)
        cap = backend.settings.lockout_minutes * 60
        state["until"] = now + timedelta(seconds=min(cap, base * 2 ** min(over - 1, 20)))
