"""The issue's scenario over HTTP: a grant refused by a full disk never reappears."""

from __future__ import annotations

from pathlib import Path

import pytest

from branchdesk.clients.api import Action
from branchdesk.clients.errors import ApiError
from branchdesk.clients.local import sealing, seed
from branchdesk.clients.local.app import open_backend
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.settings import Settings
from branchdesk.clients.local.store import FileStore
from support.backend import logged_in
from support.faults import FlakyDisk


async def _balance(client, member_id: str) -> tuple[int, int]:
    ledger = await client.get(f"/v1/members/{member_id}/ledger")
    return ledger["member"]["points"], sum(row["points"] for row in ledger["rows"])


async def test_a_grant_refused_on_a_full_disk_is_not_resurrected(tmp_path: Path) -> None:
    data = tmp_path / "data"
    disk = FlakyDisk()
    store = FileStore(data, io=disk)
    backend = Backend(store=store, settings=Settings(), sealer=sealing.sealer_for(data))
    seed.initialise(backend, demo=True)
    client = await logged_in(backend, "s001")
    members = backend.store.scan("members")
    member_a, member_b = members[0]["id"], members[1]["id"]
    before_a = await _balance(client, member_a)
    refused = Action()
    disk.full = True
    with pytest.raises(ApiError) as err:
        await client.post("/v1/points/grants", {"member_id": member_a, "points": 500}, refused)
    assert err.value.status == 503 and err.value.code == "store_write_failed"
    assert await _balance(client, member_a) == before_a
    disk.full = False
    await client.post("/v1/points/grants", {"member_id": member_b, "points": 500}, Action())
    await client.aclose()
    store.abandon()  # kill -9

    backend = open_backend(data, demo=False)
    client = await logged_in(backend, "s001")
    assert await _balance(client, member_a) == before_a
    balance, ledger_sum = await _balance(client, member_b)
    assert balance == ledger_sum
    # The refused request's key was never recorded: the retry is evaluated afresh, for A.
    row = await client.post("/v1/points/grants", {"member_id": member_a, "points": 500}, refused)
    assert row["balance_after"] == before_a[0] + 500 and row["points"] == 500
    assert await _balance(client, member_a) == (before_a[0] + 500, before_a[1] + 500)
    await client.aclose()
    backend.store.close()
