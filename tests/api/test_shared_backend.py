"""Two `branchdesk serve` processes on one PostgreSQL database: the same rules as one process.

No process-local state carries correctness: overspending, double pick-ups and double effects
of one idempotency key are refused by the database, and a killed process loses nothing it
acknowledged.
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from branchdesk.clients.api import Action, ApiClient
from branchdesk.clients.errors import ApiError
from branchdesk.clients.points_api import PointsApi
from support.backend import DEMO_PASSWORD, ServedBackend
from support.points import new_member
from support.sim import overlapping_pickups_give_each_card_once

pytestmark = pytest.mark.slow
CODE = re.compile(r"验证码 ([0-9]{6})")


@pytest.fixture
def servers(pg_url: str, tmp_path: Path) -> Iterator[list[ServedBackend]]:
    """Two server processes on one database, sharing the master key as a service would."""
    env = {
        "BRANCHDESK_DATABASE_URL": pg_url,
        "BRANCHDESK_STORE_KEY": base64.b64encode(os.urandom(32)).decode(),
        "BRANCHDESK_POINTS_OTP_PER_HOUR": "1000",
        "BRANCHDESK_DB_POOL_SIZE": "6",
    }
    started: list[ServedBackend] = []
    try:
        for n in range(2):  # the first one seeds the demo data
            started.append(ServedBackend(tmp_path / f"unused-{n}", extra_env=env))
        yield started
    finally:
        for server in started:
            server.stop()


async def _login(server: ServedBackend, staff_id: str) -> ApiClient:
    # 200 requests queue behind a few connections on a shared 2-core machine: a client that
    # gives up after 10 s would retry into its own request still in flight (409).
    client = ApiClient(server.url, retry_delay=0.05, timeout=120)
    await client.login(staff_id, DEMO_PASSWORD)
    return client


async def test_200_concurrent_verifies_on_two_processes_never_overspend(servers):
    a, b = servers
    supervisor = await _login(a, "s001")
    cashiers = [await _login(a, "k001"), await _login(b, "k001")]
    readers = [supervisor, await _login(b, "s001")]
    try:
        member = await new_member(supervisor, "13700000101", "共享测试", 1000)
        apis = [PointsApi(c) for c in cashiers]
        created = await asyncio.gather(
            *[
                apis[i % 2].create_redemption(member["id"], "pos", Action(), points=10)
                for i in range(200)
            ]
        )
        codes: dict[str, str] = {}
        # Each process keeps its own simulated outbox; only a trainer or supervisor reads it.
        for reader in readers:
            for message in await reader.sms_outbox("13700000101"):
                rid = message["purpose"].removeprefix("redemption:")
                codes.setdefault(rid, CODE.search(message["text"]).group(1))
        assert all(r["id"] in codes for r in created)

        async def settle(i: int, r: dict[str, Any]) -> Any:
            try:  # each verify goes to the other process than the one that created it
                return await apis[(i + 1) % 2].verify(r["id"], codes[r["id"]], Action())
            except ApiError as exc:
                return exc

        results = await asyncio.gather(*[settle(i, r) for i, r in enumerate(created)])
        settled = [r for r in results if isinstance(r, dict)]
        refused = [r for r in results if isinstance(r, ApiError)]
        assert len(settled) == 100, {e.code for e in refused}
        assert {e.code for e in refused} == {"insufficient_points"}
        assert sorted(r["balance_after"] for r in settled) == list(range(0, 1000, 10))
        for api in apis:
            detail = await api.ledger(member["id"])
            assert detail["member"]["points"] == 0
            assert sum(r["points"] for r in detail["rows"]) == 0
    finally:
        for c in [*readers, *cashiers]:
            await c.aclose()


async def test_overlapping_pickups_on_two_processes_give_each_card_once(servers):
    a, b = servers
    first, second = await _login(a, "c001"), await _login(b, "c002")
    try:
        await overlapping_pickups_give_each_card_once(first, second, reader=second)
    finally:
        await first.aclose()
        await second.aclose()


async def test_one_idempotency_key_sent_to_both_processes_has_one_effect(servers):
    a, b = servers
    clients = [await _login(a, "s001"), await _login(b, "s001")]
    try:
        member = await new_member(clients[0], "13700000102", "共享测试", 1)
        for round_ in range(10):
            action = Action()
            body = {
                "member_id": member["id"],
                "points": 7,
                "note": f"round {round_}",
                "kind": "earn",
            }
            path = "/v1/points/grants"
            raw = [
                httpx.AsyncClient(base_url=s.url, headers=c._headers(action))
                for s, c in zip(servers, clients, strict=True)
            ]
            try:
                responses = await asyncio.gather(*[h.post(path, json=body) for h in raw])
            finally:
                for h in raw:
                    await h.aclose()
            statuses = sorted(r.status_code for r in responses)
            # one applies it; the other either saw it in flight (409) or replays it
            assert statuses in ([201, 409], [201, 201]), statuses
            ok = [r for r in responses if r.status_code < 300]
            assert len({r.json()["seq"] for r in ok}) == 1
        detail = await PointsApi(clients[1]).ledger(member["id"])
        grants = [r for r in detail["rows"] if r["kind"] == "earn"]
        assert len(grants) == 11 and detail["member"]["points"] == 71
    finally:
        for c in clients:
            await c.aclose()


async def test_kill_9_of_one_process_loses_no_acknowledged_write(servers):
    a, b = servers
    writer, reader = await _login(a, "s001"), await _login(b, "s001")
    try:
        member = await new_member(writer, "13700000103", "共享测试", 1)
        acknowledged: list[int] = []
        api = PointsApi(writer)

        async def grant_forever(worker: int) -> None:
            n = 0
            while True:
                n += 1
                try:
                    row = await api.grant(member["id"], 1, f"w{worker}-{n}", Action())
                except Exception:  # noqa: BLE001 - the server is being killed under us
                    return
                acknowledged.append(row["seq"])

        tasks = [asyncio.create_task(grant_forever(w)) for w in range(8)]
        while len(acknowledged) < 40:
            await asyncio.sleep(0.01)
        os.kill(a.process.pid, signal.SIGKILL)
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=60)
        a.process.wait()
        detail = await PointsApi(reader).ledger(member["id"])
        stored = {r["seq"] for r in detail["rows"] if r["kind"] == "earn"}
        assert len(acknowledged) >= 40
        assert set(acknowledged) <= stored
        assert detail["member"]["points"] == len(stored)  # 1 + one per acknowledged grant
    finally:
        await writer.aclose()
        await reader.aclose()
