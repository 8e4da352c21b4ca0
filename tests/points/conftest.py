"""Fixtures of the points tests: a backend on a settable clock, codes read from the outbox."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from branchdesk.clients.api import ApiClient
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.settings import Settings
from support.backend import FakeClock

DEMO_MOBILE = "13800138000"
UNBOUND_MOBILE = "13800138001"
ONLINE_MOBILE = "13800138002"
CODE = re.compile(r"验证码 ([0-9]{6})")


def code_for(messages: list[dict[str, Any]], redemption_id: str) -> str:
    """The latest code sent for one redemption (the outbox lists the newest first)."""
    for message in messages:
        if message["purpose"] == f"redemption:{redemption_id}":
            match = CODE.search(message["text"])
            assert match, message
            return match.group(1)
    raise AssertionError(f"no code for {redemption_id}")


def ledger_sum(backend: Backend, member_id: str) -> int:
    return sum(r["points"] for r in backend.store.lookup("points_ledger", "member_id", member_id))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def backend(clock: FakeClock, backend_factory: Callable[..., Backend]) -> Backend:
    return backend_factory(Settings(clock=clock))


@pytest.fixture
async def cashier(login_as: Any) -> ApiClient:
    return await login_as("k001")


@pytest.fixture
async def supervisor(login_as: Any) -> ApiClient:
    return await login_as("s001")


@pytest.fixture
async def demo_member(cashier: ApiClient) -> dict[str, Any]:
    return await cashier.get("/v1/members", phone=DEMO_MOBILE)


@pytest.fixture
def codes() -> Any:
    """``codes(messages, redemption_id)`` → the latest code sent for that redemption."""
    return code_for


@pytest.fixture
def ledger_total() -> Any:
    """``ledger_total(backend, member_id)`` → the sum of the member's ledger rows."""
    return ledger_sum
