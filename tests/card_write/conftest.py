"""Fixtures of the card-writing tests: the real PC/SC stack with the virtual SIM, a clerk."""

from typing import Any

import pytest

from branchdesk.clients.card_write_api import CardWriteApi
from support.pcsc import pcscd, virtual_sim  # noqa: F401  (pytest finds fixtures by name)


@pytest.fixture
async def api(login_as: Any) -> CardWriteApi:
    """The account-opening calls as the demo clerk c001."""
    return CardWriteApi(await login_as("c001"))
