"""The idempotency record of a state change, for both request paths: the embedded store's
(``idempotency``) and the shared store's (``shared_requests``).

A record keeps what a retry with the same key must get again: the request's fingerprint, the
status, the headers a client reads, and the response body. The body is sealed (``sealing``,
context ``idempotency:<staff>:<key>``): an answer may carry what the store keeps only sealed
(a clerk's own job number, for one), so the record must not give it away either. Records
written before hold the body in the clear and replay as they are.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.sealing import PREFIX

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Headers = list[tuple[bytes, bytes]]

TABLE = "idempotency"
REPLAY_HEADER = b"idempotent-replayed"
KEPT_HEADERS = (b"content-type", b"location")


def bearer(headers: Mapping[str, str]) -> str | None:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def read_body(receive: Receive) -> bytes:
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(parts)


def replaying(body: bytes, then: Receive | None = None) -> Receive:
    """A ``receive`` that gives ``body`` (read before) once, then ``then``'s messages, or a
    disconnect when there is no ``then``."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await then() if then is not None else {"type": "http.disconnect"}

    return receive


def fingerprint(scope: Scope, body: bytes) -> str:
    """What makes two requests with one key the same request."""
    parts = [scope["method"].encode(), scope["path"].encode(), scope["query_string"], body]
    return hashlib.sha256(b"\n".join(parts)).hexdigest()


def record(
    backend: Backend, record_key: str, fingerprint: str, status: int, headers: Headers, body: bytes
) -> dict[str, Any]:
    return {
        "fingerprint": fingerprint,
        "status": status,
        "headers": [
            [k.decode("latin-1"), v.decode("latin-1")]
            for k, v in headers
            if k.lower() in KEPT_HEADERS
        ],
        "body": backend.sealer.seal(body, context=f"{TABLE}:{record_key}"),
        "at": backend.now_iso(),
    }


def replay(backend: Backend, record_key: str, record: Mapping[str, Any]) -> tuple[Headers, bytes]:
    """The headers (marked as a replay) and the body of a stored answer."""
    headers = [(k.encode(), v.encode()) for k, v in record["headers"]]
    headers.append((REPLAY_HEADER, b"true"))
    stored = record["body"]
    if stored.startswith(PREFIX):
        return headers, backend.sealer.unseal(stored, context=f"{TABLE}:{record_key}")
    return headers, stored.encode("utf-8")
