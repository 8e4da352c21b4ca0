"""Requests on a shared store (PostgreSQL): correct with any number of processes and hosts.

The idempotency middleware hands every ``/v1`` request to ``handle`` when the store is shared.
Nothing here relies on process-local state for correctness:

- **In flight**: a session-level advisory lock on the idempotency record's key, taken on the
  request's own connection before its transaction starts. Another process asking for the same
  key sees the lock and answers 409; the lock dies with the connection if a process is killed.
- **Replay / 422**: the record is read inside the request's SERIALIZABLE transaction and
  written in it, with the change (a row with a unique key). Two processes racing on one key
  cannot both commit: the loser's commit fails and its retry finds the record and replays it.
- **Serialization failures** (``StoreConflict``): the whole request is run again from its
  buffered body, with jittered backoff. After ``FREE_ATTEMPTS`` a request retries in the *retry
  lane*: a database advisory lock that retrying requests of every process take in turn, so a
  hot row (one member's balance) makes progress instead of livelocking; after ``MAX_ATTEMPTS``,
  503 ``store_conflict``, and the client's retry (same key) is safe. Side effects that are not
  in the store (the SMS outbox) run only after the final commit (``txn.after_commit``).
- **The event loop stays free**: the request's store work is blocking psycopg, so the whole
  request runs in a worker thread with its own event loop; the server's loop only moves bytes.
  There are as many worker threads as the pool has connections (plus headroom for the pool),
  so waiting requests queue in memory without holding a connection; one that waited longer
  than the store's ``queue_timeout`` answers 503 ``store_busy`` at once instead of hanging.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from branchdesk.clients.local import auth, context, replies
from branchdesk.clients.local.errors import DomainError, error_json
from branchdesk.clients.local.pg_store import (
    Outcome,
    PgStore,
    StoreConflict,
    StoreUnavailable,
    mapped_errors,
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Response = tuple[int, list[tuple[bytes, bytes]], bytes]

MAX_ATTEMPTS = 40
FREE_ATTEMPTS = 2
RETRY_LANE = 0x62726E646C616E65  # advisory lock id ("brndlane")
BACKOFF_S = 0.004
TABLE = replies.TABLE
RECORD = "SELECT doc FROM documents WHERE tbl = %s AND key = %s"


def applies(store: Any) -> bool:
    return bool(getattr(store, "shared", False))


@dataclass
class _Loops(threading.local):
    loop: asyncio.AbstractEventLoop | None = None


_loops = _Loops()


def _thread_loop() -> asyncio.AbstractEventLoop:
    if _loops.loop is None:
        _loops.loop = asyncio.new_event_loop()
    return _loops.loop


@dataclass
class _Executor:
    pools: dict[int, ThreadPoolExecutor] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def for_store(self, store: PgStore) -> ThreadPoolExecutor:
        with self.lock:
            pool = self.pools.get(id(store))
            if pool is None:
                workers = store.request_slots
                pool = ThreadPoolExecutor(workers, thread_name_prefix="branchdesk-request")
                self.pools[id(store)] = pool
            return pool


_executors = _Executor()


def error_response(status: int, code: str, lang: str) -> Response:
    return status, [(b"content-type", b"application/json")], error_json(code, lang)


class _Attempt:
    """Feeds the buffered body to the app and captures its response."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.sent = False
        self.start: Message = {}
        self.chunks: list[bytes] = []

    async def receive(self) -> Message:
        if not self.sent:
            self.sent = True
            return {"type": "http.request", "body": self.body, "more_body": False}
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.start.update(message)
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))

    def response(self) -> Response:
        headers = [
            (k, v) for k, v in self.start.get("headers", []) if k.lower() != b"content-length"
        ]
        return int(self.start.get("status", 500)), headers, b"".join(self.chunks)


def _backoff(attempt: int) -> None:
    if attempt < FREE_ATTEMPTS:
        time.sleep(random.uniform(0, BACKOFF_S * (2**attempt)))


class _Lane:
    """The retry lane on one connection, entered once a request has failed FREE_ATTEMPTS."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.held = False

    def enter_if(self, attempt: int) -> None:
        if attempt >= FREE_ATTEMPTS and not self.held:
            self.conn.execute("SELECT pg_advisory_lock(%s)", (RETRY_LANE,))
            self.held = True

    def release(self) -> list[tuple[str, tuple[int]]]:
        """The statement that leaves the lane, to send with a commit (``left`` once it ran)."""
        return [("SELECT pg_advisory_unlock(%s)", (RETRY_LANE,))] if self.held else []

    def left(self) -> None:
        self.held = False

    def leave(self) -> None:
        if self.held:
            self.conn.execute("SELECT pg_advisory_unlock(%s)", (RETRY_LANE,))
            self.held = False


async def handle(
    app: Callable[[Scope, Receive, Send], Awaitable[None]],
    store: Any,
    backend: Any,
    scope: Scope,
    receive: Receive,
    send: Send,
    ctx: context.RequestContext,
    idempotency_key: str | None,
) -> None:
    """Run one ``/v1`` request off the event loop; idempotent when a key is given."""
    body = await replies.read_body(receive)
    runner = _Runner(app, store, backend, scope, body, ctx, idempotency_key)
    loop = asyncio.get_running_loop()
    status, headers, payload = await loop.run_in_executor(
        _executors.for_store(store),
        _with_context(runner.run, ctx, time.monotonic() + store.queue_timeout),
    )
    headers = [*headers, (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def _with_context(
    fn: Callable[[], Response], ctx: context.RequestContext, deadline: float
) -> Callable[[], Response]:
    def run() -> Response:
        if time.monotonic() > deadline:
            return error_response(503, "store_busy", ctx.lang)
        token = context.current.set(ctx)
        try:
            return fn()
        finally:
            context.current.reset(token)

    return run


class _Runner:
    def __init__(
        self,
        app: Callable[[Scope, Receive, Send], Awaitable[None]],
        store: PgStore,
        backend: Any,
        scope: Scope,
        body: bytes,
        ctx: context.RequestContext,
        idempotency_key: str | None,
    ) -> None:
        self.app = app
        self.store = store
        self.backend = backend
        self.scope = scope
        self.body = body
        self.ctx = ctx
        self.key = idempotency_key
        self.unlock: tuple[str, tuple[int]] | None = None

    def run(self) -> Response:
        try:
            if self.key is None:
                return self._plain()
            return self._idempotent(self.key)
        except DomainError as exc:  # StoreUnavailable / StoreConflict outside the app
            return error_response(exc.status, exc.code, self.ctx.lang)

    def _call_app(self) -> Response:
        attempt = _Attempt(self.body)
        _thread_loop().run_until_complete(self.app(self.scope, attempt.receive, attempt.send))
        return attempt.response()

    # -- reads, logins, GETs that audit: each store transaction stands alone ---------------
    def _plain(self) -> Response:
        for attempt in range(FREE_ATTEMPTS):
            outcome = Outcome()
            token = self.store.outcome.set(outcome)
            try:
                response = self._call_app()
            finally:
                self.store.outcome.reset(token)
            if not outcome.conflict or outcome.commits:
                return response
            _backoff(attempt)
        return response  # rare (logins, audited reads): the client may try again

    # -- state changes: one transaction with the idempotency record -----------------------
    def _idempotent(self, key: str) -> Response:
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in self.scope["headers"]}
        staff = auth.resolve_token(self.backend, replies.bearer(headers))
        if staff is None:
            return self._call_app()  # the route answers 401
        self.ctx.staff_id = staff.id
        self.ctx.idempotency_key = key
        fingerprint = replies.fingerprint(self.scope, self.body)
        record_key = f"{staff.id}:{key}"
        lock_id = _lock_id(record_key)
        with self.store.connection() as conn:
            # The key's lock and the record's first read in one round trip: the read runs
            # after the lock is taken (its own snapshot), so it sees any commit made under it.
            with mapped_errors(), conn.pipeline():
                lock = conn.execute("SELECT pg_try_advisory_lock(%s)", (lock_id,), prepare=False)
                first = conn.execute(RECORD, (TABLE, record_key), prepare=False)
            locked = lock.fetchone()
            if not locked or not locked[0]:
                return error_response(409, "idempotency_in_progress", self.ctx.lang)
            self.unlock = ("SELECT pg_advisory_unlock(%s)", (lock_id,))
            try:
                return self._attempts(conn, record_key, fingerprint, first.fetchone())
            finally:
                if self.unlock is not None:  # not already sent with the commit
                    conn.execute(*self.unlock)

    def _attempts(
        self, conn: Any, record_key: str, fingerprint: str, found: tuple[Any, ...] | None
    ) -> Response:
        lane = _Lane(conn)
        try:
            return self._in_lane(conn, lane, record_key, fingerprint, found)
        finally:
            lane.leave()

    def _in_lane(
        self,
        conn: Any,
        lane: _Lane,
        record_key: str,
        fingerprint: str,
        found: tuple[Any, ...] | None,
    ) -> Response:
        for attempt in range(MAX_ATTEMPTS):
            lane.enter_if(attempt)
            # Read before the transaction, on this connection, holding the key's advisory lock:
            # whoever wrote the record committed before we got the lock, so this read sees it,
            # and a serializable read of an absent key would lock an index page that every
            # other request's record lands on (false conflicts). The unique key still guards.
            # (The first attempt's read came with the lock.)
            if attempt:
                with mapped_errors():
                    found = conn.execute(RECORD, (TABLE, record_key)).fetchone()
            if found is not None:
                return self._replay(found[0], record_key, fingerprint)
            txn = self.store.begin(conn)
            try:
                with self.store.bound(txn):
                    response = self._call_app()
                    if txn.failure is not None:
                        raise txn.failure
                    status, headers, payload = response
                    if not 200 <= status < 300:
                        txn.rollback()
                        return response
                    answer = replies.record(
                        self.backend, record_key, fingerprint, status, headers, payload
                    )
                    txn.put(TABLE, record_key, answer)
                    # The locks go with the COMMIT (the server skips them if it fails).
                    assert self.unlock is not None
                    txn.then = [*lane.release(), self.unlock]
                    txn.commit()
                    lane.left()
                    self.unlock = None
            except StoreConflict:
                txn.rollback()
                _backoff(attempt)
                continue
            except StoreUnavailable as exc:
                txn.rollback()
                return error_response(exc.status, exc.code, self.ctx.lang)
            except BaseException:
                txn.rollback()
                raise
            for callback in txn.after_commit:
                callback()
            return response
        return error_response(503, "store_conflict", self.ctx.lang)

    def _replay(self, record: dict[str, Any], record_key: str, fingerprint: str) -> Response:
        if record["fingerprint"] != fingerprint:
            return error_response(422, "idempotency_key_reused", self.ctx.lang)
        headers, body = replies.replay(self.backend, record_key, record)
        return record["status"], headers, body


def _lock_id(record_key: str) -> int:
    """A signed 64-bit advisory lock id for an idempotency record key."""
    digest = hashlib.sha256(b"branchdesk-idem:" + record_key.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)
