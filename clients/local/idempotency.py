"""``Idempotency-Key`` handling for every state-changing request, as one ASGI middleware.

- missing key → 400; same key + same request → the stored response again;
  same key + other request → 422; first request still running → 409. Keys are per staff member.
- The whole request runs in one store transaction that also writes the idempotency record, so
  the change and its record reach disk together. A request that fails (4xx/5xx) changes nothing
  and records nothing, so retrying it is simply evaluated again.
- State-changing requests are serialised by the backend's write lock: a rule's check and the
  write that depends on it can never interleave with another request.
"""

from __future__ import annotations

import collections
import contextlib
from collections.abc import Awaitable, Callable, Iterable, Iterator, MutableMapping
from datetime import datetime, timedelta
from typing import Any

from branchdesk.clients.local import auth, context, replies
from branchdesk.clients.local import store as store_module
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.errors import negotiate_lang, send_error
from branchdesk.clients.local.store import StoreError, StoreReadOnly, Transaction

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

TABLE = replies.TABLE
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_KEY_LENGTH = 255


PURGE_EVERY = 500  # state-changing requests between two housekeeping passes
TTL_HOURS = 24


def ttl(backend: Backend) -> timedelta:
    return timedelta(hours=float(backend.settings.get("idempotency_ttl_hours", TTL_HOURS)))  # type: ignore[arg-type]


def _expired(backend: Backend, record: dict[str, Any]) -> bool:
    try:
        at = datetime.fromisoformat(record["at"])
    except (KeyError, TypeError, ValueError):
        return True
    return at + ttl(backend) <= backend.settings.now()


def purge_expired(backend: Backend, candidates: Iterable[str] | None = None) -> int:
    """Delete idempotency records past their time to live and sessions that have ended;
    ``candidates``: the records to look at (default: every one)."""
    store = backend.store
    now = backend.settings.now()
    keys = store.keys(TABLE) if candidates is None else candidates
    old_keys = [k for k in keys if _expired(backend, store.get(TABLE, k) or {})]
    ended = []
    for key in store.keys(auth.SESSIONS):
        session = store.get(auth.SESSIONS, key) or {}
        try:
            if datetime.fromisoformat(session["expires_at"]) <= now:
                ended.append(key)
        except (KeyError, TypeError, ValueError):
            ended.append(key)
    if not old_keys and not ended:
        return 0
    with context_free(), store.transaction() as txn:
        for key in old_keys:
            txn.delete(TABLE, key)
        for key in ended:
            txn.delete(auth.SESSIONS, key)
    return len(old_keys) + len(ended)


@contextlib.contextmanager
def context_free() -> Iterator[None]:
    """Run outside any request-wide transaction (housekeeping commits on its own)."""
    token = store_module._current_txn.set(None)
    try:
        yield
    finally:
        store_module._current_txn.reset(token)


class _Rollback(Exception):
    """Raised inside the request transaction to undo the writes of a failed request."""


class IdempotencyMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        backend: Backend,
        exempt: frozenset[tuple[str, str]],
        routed: Callable[[Scope], bool] | None = None,
    ) -> None:
        self.app = app
        self.backend = backend
        self.exempt = exempt
        self.routed = routed or (lambda scope: True)
        """Whether an operation answers this method and path: a request for none (404, 405)
        is not a state change and needs no key."""
        self._in_flight: set[str] = set()
        self._since_purge = 0
        self._written: collections.deque[tuple[str, str]] | None = None
        """(time, key) of the idempotency records, oldest first, so the periodic purge looks
        at the expired ones only, not at every record: filled from the store at the first
        purge, then as this process writes records."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        ctx = context.RequestContext(lang=negotiate_lang(headers.get("accept-language")))
        token = context.current.set(ctx)
        try:
            method, path = scope["method"], scope["path"]
            if method in MUTATING and not self.routed(scope):
                await self.app(scope, receive, send)
                return
            if getattr(self.backend.store, "shared", False):
                await self._shared(scope, receive, send, headers, ctx)
                return
            if (
                method not in MUTATING
                or not path.startswith("/v1/")
                or (method, path) in self.exempt
            ):
                await self.app(scope, receive, send)
                return
            await self._idempotent(scope, receive, send, headers, ctx)
        finally:
            context.current.reset(token)

    async def _shared(
        self, scope: Scope, receive: Receive, send: Send, headers: dict[str, str], ctx: Any
    ) -> None:
        """A shared store (PostgreSQL): in-flight and records live in the database."""
        from branchdesk.clients.local import shared_requests

        method, path = scope["method"], scope["path"]
        key: str | None = None
        if method in MUTATING and path.startswith("/v1/") and (method, path) not in self.exempt:
            raw = headers.get("idempotency-key", "")
            key = raw.strip()
            if not key or len(raw) > MAX_KEY_LENGTH:
                code = "idempotency_key_invalid" if key else "idempotency_key_missing"
                await send_error(send, 400, code, ctx.lang)
                return
        store = self.backend.store
        await shared_requests.handle(self.app, store, self.backend, scope, receive, send, ctx, key)

    async def _idempotent(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        headers: dict[str, str],
        ctx: context.RequestContext,
    ) -> None:
        raw = headers.get("idempotency-key", "")
        key = raw.strip()
        if not key:
            await send_error(send, 400, "idempotency_key_missing", ctx.lang)
            return
        if len(raw) > MAX_KEY_LENGTH:  # as sent: spaces around a key count towards its limit
            await send_error(send, 400, "idempotency_key_invalid", ctx.lang)
            return
        staff = auth.resolve_token(self.backend, replies.bearer(headers))
        if staff is None:
            await self.app(scope, receive, send)  # the route answers 401
            return
        ctx.staff_id = staff.id
        ctx.idempotency_key = key
        body = await replies.read_body(receive)
        fingerprint = replies.fingerprint(scope, body)
        record_key = f"{staff.id}:{key}"
        if await self._replayed(record_key, fingerprint, send, ctx.lang):
            return
        if record_key in self._in_flight:
            await send_error(send, 409, "idempotency_in_progress", ctx.lang)
            return
        self._in_flight.add(record_key)
        try:
            async with self.backend.write_lock:
                if await self._replayed(record_key, fingerprint, send, ctx.lang):
                    return
                self._since_purge += 1
                if self._since_purge >= PURGE_EVERY:
                    self._since_purge = 0
                    with contextlib.suppress(store_module.StoreError):
                        purge_expired(self.backend, self._expired_records())
                try:
                    txn, status, response_headers, response_body = await self._run(
                        scope, body, record_key, fingerprint
                    )
                except StoreError as exc:
                    await _send_store_error(send, exc, ctx.lang)
                    return
            # Outside the lock: the next request runs while this commit reaches the disk
            # together with others (group commit); the answer waits until it is durable.
            if txn is not None:
                try:
                    await txn.durable()
                except StoreError as exc:
                    await _send_store_error(send, exc, ctx.lang)
                    return
                if self._written is not None:
                    # Once durable: a record not yet committed reads as absent (gone).
                    self._written.append((self.backend.now_iso(), record_key))
        finally:
            self._in_flight.discard(record_key)
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
        await send({"type": "http.response.body", "body": response_body})

    def _expired_records(self) -> list[str]:
        """The oldest records while they are expired (or gone): all the purge must delete,
        since records are written in time order. A clock set back only delays a purge."""
        store = self.backend.store
        if self._written is None:
            self._written = collections.deque(
                sorted(
                    (str((store.get(TABLE, k) or {}).get("at", "")), k) for k in store.keys(TABLE)
                )
            )
        expired: list[str] = []
        while self._written:
            record = store.get(TABLE, self._written[0][1])
            if record is not None and not _expired(self.backend, record):
                break
            expired.append(self._written.popleft()[1])
        return expired

    async def _replayed(self, record_key: str, fingerprint: str, send: Send, lang: str) -> bool:
        record = self.backend.store.get(TABLE, record_key)
        if record is None or _expired(self.backend, record):
            return False
        if record["fingerprint"] != fingerprint:
            await send_error(send, 422, "idempotency_key_reused", lang)
            return True
        replay_headers, replay_body = replies.replay(self.backend, record_key, record)
        await send(
            {"type": "http.response.start", "status": record["status"], "headers": replay_headers}
        )
        await send({"type": "http.response.body", "body": replay_body})
        return True

    async def _run(
        self, scope: Scope, body: bytes, record_key: str, fingerprint: str
    ) -> tuple[Transaction | None, int, list[tuple[bytes, bytes]], bytes]:
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        committed: Transaction | None = None
        try:
            with self.backend.store.transaction() as txn:
                txn.deferred = True
                await self.app(scope, replies.replaying(body), capture)
                status = int(start.get("status", 500))
                if not 200 <= status < 300:
                    raise _Rollback
                headers = list(start.get("headers", []))
                answer = replies.record(
                    self.backend, record_key, fingerprint, status, headers, b"".join(chunks)
                )
                txn.put(TABLE, record_key, answer)
                committed = txn
        except _Rollback:
            pass
        status = int(start.get("status", 500))
        return committed, status, list(start.get("headers", [])), b"".join(chunks)


def store_error_code(exc: StoreError) -> str:
    return "store_read_only" if isinstance(exc, StoreReadOnly) else "store_write_failed"


async def _send_store_error(send: Send, exc: StoreError, lang: str) -> None:
    await send_error(send, 503, store_error_code(exc), lang)
