"""Login answers tell nothing about which staff IDs exist."""

from __future__ import annotations

import pytest

from branchdesk.clients.api import ApiClient
from branchdesk.clients.errors import ApiError


async def _answers(client: ApiClient, staff_id: str) -> list[tuple[int, str, str]]:
    seen = []
    for _ in range(6):
        with pytest.raises(ApiError) as err:
            await client.login(staff_id, "wrong-password")
        message = err.value.message.replace(staff_id, "<id>")
        seen.append((err.value.status, err.value.code, message))
    return seen


async def test_unknown_and_known_ids_count_down_and_lock_alike(client: ApiClient) -> None:
    known = await _answers(client, "m001")
    unknown = await _answers(client, "m999")
    assert known == unknown
    assert [code for _, code, _ in known] == ["bad_credentials"] * 4 + ["account_locked"] * 2
    assert "4 tries left" in known[0][2]
