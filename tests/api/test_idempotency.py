"""Idempotency-Key per API.md: replay, 422, 409, 400; atomic with the change; audited."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from pydantic import BaseModel

from branchdesk.clients.api import Action, ApiClient
from branchdesk.clients.errors import ApiError
from branchdesk.clients.local import audit, auth
from branchdesk.clients.local.app import create_app
from branchdesk.clients.local.auth import Staff
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.errors import DomainError
from support.backend import DEMO_PASSWORD, make_backend


class CounterIn(BaseModel):
    amount: int
    fail_after_write: bool = False


def _app_with_counter(
    backend: Backend, gate: asyncio.Event | None = None, entered: asyncio.Event | None = None
) -> FastAPI:
    """The real app plus one test operation that writes, audits and may wait or refuse."""
    app = create_app(backend)

    async def bump(body: CounterIn, request: Request, staff: Staff = auth.require()) -> Any:
        if entered is not None:
            entered.set()
        if gate is not None:
            await gate.wait()
        with backend.store.transaction() as txn:
            current = txn.get("counters", "c") or {"value": 0}
            txn.put("counters", "c", {"value": current["value"] + body.amount})
            audit.record(txn, "counter.bump", "c", backend.now_iso(), {"amount": body.amount})
            if body.fail_after_write:
                raise DomainError(409, "forbidden")
        return {"value": current["value"] + body.amount}

    app.add_api_route("/v1/test/counter", bump, methods=["POST"], status_code=201)
    return app


class _SeenStatuses:
    """ASGI wrapper that records each response status, so a test can await a 409."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.statuses: list[int] = []
        self.conflict = asyncio.Event()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def record(message: Any) -> None:
            if message["type"] == "http.response.start":
                self.statuses.append(message["status"])
                if message["status"] == 409:
                    self.conflict.set()
            await send(message)

        await self.app(scope, receive, record)


async def _client(app: Any, staff_id: str = "m001") -> ApiClient:
    client = ApiClient.for_asgi(app, lang="en", retry_delay=0.01)
    await client.login(staff_id, DEMO_PASSWORD)
    return client


def _counter(backend: Backend) -> int:
    doc = backend.store.get("counters", "c")
    return doc["value"] if doc else 0


async def test_replay_returns_the_stored_response_and_changes_nothing() -> None:
    backend = make_backend()
    client = await _client(_app_with_counter(backend))
    action = Action()
    first = await client.post("/v1/test/counter", {"amount": 5}, action)
    again = await client.post("/v1/test/counter", {"amount": 5}, action)
    assert first == again == {"value": 5}
    assert _counter(backend) == 5
    other = await client.post("/v1/test/counter", {"amount": 5}, Action())
    assert other == {"value": 10}


async def test_replay_is_marked_and_keeps_the_status() -> None:
    backend = make_backend()
    app = _app_with_counter(backend)
    client = await _client(app)
    headers = {"Authorization": f"Bearer {client.token}", "Idempotency-Key": "k-1"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as raw:
        first = await raw.post("/v1/test/counter", json={"amount": 1}, headers=headers)
        second = await raw.post("/v1/test/counter", json={"amount": 1}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert "idempotent-replayed" not in first.headers
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()


async def test_same_key_with_another_body_is_422() -> None:
    backend = make_backend()
    client = await _client(_app_with_counter(backend))
    action = Action()
    await client.post("/v1/test/counter", {"amount": 5}, action)
    with pytest.raises(ApiError) as err:
        await client.post("/v1/test/counter", {"amount": 6}, action)
    assert err.value.status == 422
    assert err.value.code == "idempotency_key_reused"
    assert _counter(backend) == 5


async def test_missing_or_oversized_key_is_400() -> None:
    backend = make_backend()
    app = _app_with_counter(backend)
    client = await _client(app)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as raw:
        auth_header = {"Authorization": f"Bearer {client.token}"}
        missing = await raw.post("/v1/test/counter", json={"amount": 1}, headers=auth_header)
        too_long = await raw.post(
            "/v1/test/counter",
            json={"amount": 1},
            headers={**auth_header, "Idempotency-Key": "x" * 256},
        )
        padded = await raw.post(  # schemathesis found it: spaces made a long key look short
            "/v1/test/counter",
            json={"amount": 1},
            headers={**auth_header, "Idempotency-Key": "x" * 250 + " " * 6},
        )
        longest = await raw.post(
            "/v1/test/counter",
            json={"amount": 1},
            headers={**auth_header, "Idempotency-Key": "x" * 255},
        )
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "idempotency_key_missing"
    assert too_long.status_code == 400
    assert too_long.json()["error"]["code"] == "idempotency_key_invalid"
    assert padded.status_code == 400
    assert padded.json()["error"]["code"] == "idempotency_key_invalid"
    assert longest.status_code == 201
    assert _counter(backend) == 1


async def test_same_key_while_the_first_request_runs_is_409() -> None:
    backend = make_backend()
    gate, entered = asyncio.Event(), asyncio.Event()
    app = _app_with_counter(backend, gate, entered)
    client = await _client(app)
    client.retries = 0
    action = Action()
    first = asyncio.create_task(client.post("/v1/test/counter", {"amount": 2}, action))
    await asyncio.wait_for(entered.wait(), 10)
    with pytest.raises(ApiError) as err:
        await client.post("/v1/test/counter", {"amount": 2}, action)
    assert err.value.status == 409
    assert err.value.code == "idempotency_in_progress"
    gate.set()
    assert await first == {"value": 2}
    assert _counter(backend) == 2


async def test_client_waits_out_a_409_and_then_gets_the_replay() -> None:
    backend = make_backend()
    gate, entered = asyncio.Event(), asyncio.Event()
    app = _SeenStatuses(_app_with_counter(backend, gate, entered))
    client = await _client(app)
    client.retry_delay = 0.05
    action = Action()
    first = asyncio.create_task(client.post("/v1/test/counter", {"amount": 3}, action))
    await asyncio.wait_for(entered.wait(), 10)
    second = asyncio.create_task(client.post("/v1/test/counter", {"amount": 3}, action))
    await asyncio.wait_for(app.conflict.wait(), 10)  # the second was told to wait
    gate.set()
    assert await first == await second == {"value": 3}
    assert _counter(backend) == 3


async def test_keys_are_scoped_per_staff_member() -> None:
    backend = make_backend()
    app = _app_with_counter(backend)
    marketer, cashier = await _client(app, "m001"), await _client(app, "k001")
    action = Action()
    await marketer.post("/v1/test/counter", {"amount": 1}, action)
    await cashier.post("/v1/test/counter", {"amount": 1}, action)
    assert _counter(backend) == 2


async def test_a_refused_request_changes_nothing_and_is_not_recorded() -> None:
    backend = make_backend()
    client = await _client(_app_with_counter(backend))
    audit_before = backend.store.count("audit")
    action = Action()
    with pytest.raises(ApiError) as err:
        await client.post("/v1/test/counter", {"amount": 7, "fail_after_write": True}, action)
    assert err.value.status == 409
    assert _counter(backend) == 0
    assert backend.store.count("audit") == audit_before
    assert backend.store.count("idempotency") == 0


async def test_every_change_is_audited_with_who_when_what_and_the_key() -> None:
    backend = make_backend()
    client = await _client(_app_with_counter(backend), "c001")
    action = Action()
    await client.post("/v1/test/counter", {"amount": 4}, action)
    rows = [r for r in backend.store.scan("audit") if r["action"] == "counter.bump"]
    assert len(rows) == 1
    row = rows[0]
    assert row["actor"] == "c001"
    assert row["idempotency_key"] == action.key
    assert row["target"] == "c"
    assert row["details"] == {"amount": 4}
    assert row["at"].startswith("20")


async def test_dropped_connection_is_retried_with_the_same_key_and_applies_once() -> None:
    backend = make_backend()
    app = _app_with_counter(backend)

    class DropFirstResponse(httpx.AsyncBaseTransport):
        """The network: the server processes the request, then the reply is lost once."""

        def __init__(self) -> None:
            self.inner = httpx.ASGITransport(app=app)
            self.dropped = False
            self.keys: list[str] = []

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            response = await self.inner.handle_async_request(request)
            if request.url.path == "/v1/test/counter":
                self.keys.append(request.headers["idempotency-key"])
                if not self.dropped:
                    self.dropped = True
                    await response.aread()
                    raise httpx.ReadError("connection reset by peer")
            return response

    transport = DropFirstResponse()
    client = ApiClient("http://local.branchdesk", transport=transport, retry_delay=0.01)
    await client.login("m001", DEMO_PASSWORD)
    result = await client.post("/v1/test/counter", {"amount": 9})
    assert result == {"value": 9}
    assert _counter(backend) == 9
    assert len(transport.keys) == 2 and transport.keys[0] == transport.keys[1]
