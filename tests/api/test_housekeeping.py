"""Idempotency records expire (24 h by default) and ended sessions are purged."""

from __future__ import annotations

from branchdesk.clients.api import Action
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
