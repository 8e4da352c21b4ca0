"""Over a real ``branchdesk serve``: no overspending under concurrency; a retried settle applies
once after a dropped connection."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
import pytest

from branchdesk.clients.api import Action, ApiClient
from branchdesk.clients.errors import ApiError
from branchdesk.clients.points_api import PointsApi
from support.backend import ServedBackend
from support.points import new_member

pytestmark = pytest.mark.slow
CODE = re.compile(r"验证码 ([0-9]{6})")


@pytest.fixture
def served(tmp_path: Path):
    server = ServedBackend(tmp_path / "data", extra_env={"BRANCHDESK_POINTS_OTP_PER_HOUR": "500"})
    yield server
    server.stop()


async def test_fifty_concurrent_redemptions_never_overspend(served):
    supervisor, cashier = served.client(), served.client()
    try:
        await supervisor.login("s001", "demo-pass-1")
        await cashier.login("k001", "demo-pass-1")
        member = await new_member(supervisor, "13700000001", "并发测试", 100)
        api = PointsApi(cashier)
        created = await asyncio.gather(
            *[api.create_redemption(member["id"], "pos", Action(), points=10) for _ in range(50)]
        )
        outbox = await supervisor.sms_outbox("13700000001")  # cashiers may not read it
        codes = {}
        for message in outbox:
            rid = message["purpose"].removeprefix("redemption:")
            codes.setdefault(rid, CODE.search(message["text"]).group(1))
        assert all(r["id"] in codes for r in created)

        async def settle(r):
            try:
                return await api.verify(r["id"], codes[r["id"]], Action())
            except ApiError as exc:
                return exc

        results = await asyncio.gather(*[settle(r) for r in created])
        settled = [r for r in results if isinstance(r, dict)]
        refused = [r for r in results if isinstance(r, ApiError)]
        assert len(settled) == 10
        assert {e.code for e in refused} == {"insufficient_points"}
        assert sorted(r["balance_after"] for r in settled) == list(range(0, 100, 10))
        detail = await api.ledger(member["id"])
        assert detail["member"]["points"] == 0
        assert sum(r["points"] for r in detail["rows"]) == 0
    finally:
        await supervisor.aclose()
        await cashier.aclose()


class DropFirstResponse(httpx.AsyncBaseTransport):
    """Forwards every request; for the first settle, drops the response after the server
    processed it, as a connection lost on the way back would."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.dropped = 0
        self.settle_calls = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.url.path.endswith("/verify"):
            self.settle_calls += 1
            if not self.dropped:
                await response.aread()
                await response.aclose()
                self.dropped += 1
                raise httpx.ReadError("connection reset by peer", request=request)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_settle_retried_after_dropped_connection_applies_once(served):
    transport = DropFirstResponse(httpx.AsyncHTTPTransport())
    cashier = ApiClient(served.url, transport=transport, retry_delay=0.05)
    supervisor = served.client()
    try:
        await supervisor.login("s001", "demo-pass-1")
        await cashier.login("k001", "demo-pass-1")
        member = await new_member(supervisor, "13700000002", "并发测试", 100)
        api = PointsApi(cashier)
        r = await api.create_redemption(member["id"], "pos", Action(), points=30)
        outbox = await supervisor.sms_outbox("13700000002")
        code = CODE.search(outbox[0]["text"]).group(1)
        result = await api.verify(r["id"], code, Action())
        assert transport.dropped == 1 and transport.settle_calls == 2
        assert result["status"] == "settled" and result["balance_after"] == 70
        detail = await api.ledger(member["id"])
        assert detail["member"]["points"] == 70
        assert [row["kind"] for row in detail["rows"]] == ["earn", "redeem"]
    finally:
        await supervisor.aclose()
        await cashier.aclose()
