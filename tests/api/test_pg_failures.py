"""Failure is visible on the shared database: down → 503 ``store_unavailable`` and /health says
so; a statement that runs too long → 503 ``store_timeout``; a full pool → 503 ``store_busy``,
never a hang. Each case then recovers by itself."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import psycopg
import pytest

from branchdesk.clients.api import Action, ApiClient
from branchdesk.clients.errors import ApiError, BackendUnreachable
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.shared_backend import open_shared_backend
from branchdesk.clients.points_api import PointsApi
from support.backend import DEMO_PASSWORD, asgi_client
from support.points import new_member


def _backend(url: str, **options: object) -> Backend:
    return open_shared_backend(url, demo=True, **options)


@pytest.fixture
def make(pg_url: str) -> Iterator[object]:
    made: list[Backend] = []

    def factory(**options: object) -> Backend:
        _backend(pg_url).store.close()  # seed with the default limits first
        b = _backend(pg_url, **options)
        made.append(b)
        return b

    yield factory
    for b in made:
        b.store.close()


async def _supervisor(backend: Backend) -> ApiClient:
    client = asgi_client(backend)
    await client.login("s001", DEMO_PASSWORD)
    return client


async def _raw(backend: Backend, path: str, token: str | None = None) -> httpx.Response:
    from branchdesk.clients.local.app import create_app

    transport = httpx.ASGITransport(app=create_app(backend))
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        return await http.get(path, headers=headers)


async def _raw_health(backend: Backend) -> httpx.Response:
    return await _raw(backend, "/health")


def _dbname(url: str) -> str:
    return psycopg.conninfo.conninfo_to_dict(url)["dbname"]


async def test_database_down_answers_503_and_health_says_so_then_recovers(make, pg_server, pg_url):
    backend = make()
    client = await _supervisor(backend)
    try:
        name = _dbname(pg_url)
        with pg_server.admin() as admin:
            admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
            )
        raw = await _raw(backend, "/v1/points/institutions", client.token)
        assert raw.status_code == 503
        assert raw.json()["error"]["code"] == "store_unavailable"
        # the client treats it as offline (the outbox queues, the header shows offline)
        with pytest.raises(BackendUnreachable) as down:
            await PointsApi(client).grant("M000001", 5, "down", Action())
        assert down.value.reason == "store_unavailable" and client.online is False
        health = await _raw_health(backend)
        assert health.status_code == 503
        assert health.json()["status"] == "unavailable"
        assert health.json()["store"]["read_only_reason"] == "store_unavailable"
        with pg_server.admin() as admin:
            admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
        deadline = time.monotonic() + 20
        while True:  # the pool reconnects by itself
            try:
                await client.get("/v1/points/institutions")
                break
            except (ApiError, BackendUnreachable):
                assert time.monotonic() < deadline
                await asyncio.sleep(0.2)
        assert (await _raw_health(backend)).json()["status"] == "ok"
    finally:
        await client.aclose()


async def test_statement_timeout_answers_503_store_timeout(make, pg_url):
    backend = make(statement_timeout_ms=300)
    client = await _supervisor(backend)
    try:
        with psycopg.connect(pg_url) as blocker:
            blocker.execute("LOCK TABLE documents IN ACCESS EXCLUSIVE MODE")
            started = time.monotonic()
            with pytest.raises(ApiError) as err:
                await client.get("/v1/points/institutions")
            assert (err.value.status, err.value.code) == (503, "store_timeout")
            assert time.monotonic() - started < 5
            blocker.rollback()
        assert await client.get("/v1/points/institutions")
    finally:
        await client.aclose()


async def test_full_pool_answers_503_store_busy_never_hangs(make, pg_url):
    backend = make(pool_size=1, pool_timeout=0.5, queue_timeout=0.3, statement_timeout_ms=1500)
    client = await _supervisor(backend)
    client.retries = 0  # the server's answers themselves (the client retries store_busy)
    try:
        with psycopg.connect(pg_url) as blocker:
            blocker.execute("LOCK TABLE documents IN ACCESS EXCLUSIVE MODE")

            async def call() -> str:
                try:
                    await client.get("/v1/points/institutions")
                    return "ok"
                except ApiError as exc:
                    return exc.code

            started = time.monotonic()
            codes = await asyncio.wait_for(asyncio.gather(*[call() for _ in range(4)]), 15)
            elapsed = time.monotonic() - started
            blocker.rollback()
        assert "store_busy" in codes, codes
        assert set(codes) <= {"store_busy", "store_timeout"}, codes
        assert elapsed < 10
        assert await client.get("/v1/points/institutions")
    finally:
        await client.aclose()


async def test_client_retries_store_conflict_with_the_same_key(make, monkeypatch):
    """The server answers 503 store_conflict after its own re-runs; the client's retry is
    safe (same idempotency key) and the cashier's action goes through instead of failing."""
    from branchdesk.clients.local import shared_requests

    backend = make()
    supervisor = await _supervisor(backend)
    try:
        member = await new_member(supervisor, "13700000202", "冲突测试")
        monkeypatch.setattr(shared_requests, "MAX_ATTEMPTS", 1)
        conflicts: list[int] = []
        answer = shared_requests.error_response

        def counted(status: int, code: str, lang: str) -> object:
            if code == "store_conflict":
                conflicts.append(status)
            return answer(status, code, lang)

        monkeypatch.setattr(shared_requests, "error_response", counted)
        supervisor.retries = 50
        supervisor.retry_delay = 0.01
        api = PointsApi(supervisor)
        await asyncio.gather(*[api.grant(member["id"], 10, "test", Action()) for _ in range(24)])
        detail = await api.ledger(member["id"])
        assert detail["member"]["points"] == 240
        assert conflicts, "no request met a serialization failure: the test proved nothing"
    finally:
        await supervisor.aclose()
