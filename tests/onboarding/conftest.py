"""Helpers for the onboarding tests: valid customer data with computed check digits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from branchdesk.clients import validators
from support.offline import MemoryKeyring, memory_keyring

ID_17 = "52230119850412301"
CARD_BODY = "621799000012345678"  # PSBC BIN


def valid_customer(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "测试客户",
        "id_number": ID_17 + validators.id_check_char(ID_17),
        "mobile": "13812345678",
        "area": "坪东",
        "licence_no": "522301100123",
        "card_number": CARD_BODY + str(validators.luhn_check_digit(CARD_BODY)),
        "token_type": "ukey",
        "order_amount": "120000",
    }
    data.update(overrides)
    return data


def card_with_bin(prefix: str, length: int = 19) -> str:
    body = prefix + "0" * (length - 1 - len(prefix))
    return body + str(validators.luhn_check_digit(body))


@pytest.fixture
def customer_data() -> Callable[..., dict[str, Any]]:
    return valid_customer


@pytest.fixture
def card_for() -> Callable[..., str]:
    return card_with_bin


@pytest.fixture
def ring() -> MemoryKeyring:
    """An in-process keyring for the offline visit day (the OS keyring is never touched)."""
    return memory_keyring()
