"""Fixtures of the installment tests: a backend on a settable clock, a bound clerk."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from installment.helpers import bind_clerk

from branchdesk.clients.api import ApiClient
from branchdesk.clients.installment_api import InstallmentApi
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.settings import Settings
from support.backend import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(clock: FakeClock) -> Settings:
    # Sessions outlive the 7-day revocation window the tests walk through.
    return Settings(clock=clock, session_hours=24 * 30, extra={"installment.refusal_rate": 0.0})


@pytest.fixture
def backend(settings: Settings, backend_factory: Callable[..., Backend]) -> Backend:
    return backend_factory(settings)


@pytest.fixture
async def clerk(login_as: Any) -> ApiClient:
    return await login_as("c001")


@pytest.fixture
async def bound(clerk: ApiClient, backend: Backend) -> InstallmentApi:
    api = InstallmentApi(clerk)
    await bind_clerk(api, backend)
    return api


@pytest.fixture
async def supervisor(login_as: Any) -> ApiClient:
    return await login_as("s001")
