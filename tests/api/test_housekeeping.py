"""Idempotency records expire (24 h by default) and ended sessions are purged."""

from __future__ import annotations

import pytest

from branchdesk.clients.api import Action
from branchdesk.clients.local import idempotency
from branchdesk.clients.local.idempotency import TABLE, purge_expired
from branchdesk.clients.local.settings import Settings
from support.backend import FakeClock, logged_in, make_backend


async def test_records_expire_and_ended_sessions_go() -> None:
    clock = FakeClock()
    backend = make_backend(settings=Settings(clock=clock, sandbox=True))
    backend.settings.extra["idempotency_ttl_hours"] = 24
    client = await logged_in(backend, "s001")
    member = backend.store.scan("members")[0]["id"]
    action = Action()
    first = await client.post("/v1/points/grants", {"member_id": member, "points": 5}, action)
    assert backend.store.count(TABLE) == 1
    clock.advance(hours=25)
    assert purge_expired(backend) >= 2  # the record and the (12 h) session
    assert backend.store.count(TABLE) == 0 and backend.store.count("sessions") == 0
    client = await logged_in(backend, "s001")
    # After expiry the same key is a new request, not a replay.
    again = await client.post("/v1/points/grants", {"member_id": member, "points": 5}, action)
    assert again["seq"] != first["seq"]
    await client.aclose()
    backend.store.close()


async def test_the_periodic_purge_deletes_the_expired_records_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every ``PURGE_EVERY`` state changes the oldest records go while they are expired:
    those of before the first purge (read from the store) and those written since."""
    monkeypatch.setattr(idempotency, "PURGE_EVERY", 3)
    clock = FakeClock()
    backend = make_backend(settings=Settings(clock=clock, sandbox=True))
    backend.settings.extra["idempotency_ttl_hours"] = 1
    client = await logged_in(backend, "s001")
    member = backend.store.scan("members")[0]["id"]

    async def grant() -> None:
        await client.post("/v1/points/grants", {"member_id": member, "points": 1}, Action())

    for _ in range(4):  # the third one purges (nothing expired yet)
        await grant()
    assert backend.store.count(TABLE) == 4
    clock.advance(minutes=40)
    await grant()
    await grant()  # the sixth purges: the first four are 40 minutes old, kept
    assert backend.store.count(TABLE) == 6
    clock.advance(minutes=30)  # the first four are 70 minutes old, the next two 30
    await grant()
    await grant()
    await grant()  # the ninth purges
    left = [backend.store.get(TABLE, k) for k in backend.store.keys(TABLE)]
    assert len(left) == 5
    clock.advance(minutes=45)  # the fifth and sixth past the hour, the last three not
    for _ in range(3):
        await grant()
    assert backend.store.count(TABLE) == 6
    await client.aclose()
    backend.store.close()
