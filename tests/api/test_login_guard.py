"""Login: answers tell nothing about which IDs exist; per-ID and per-client waits with backoff;
no stranger can keep a staff member out (a supervisor unlocks). All through the ASGI app."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from branchdesk.clients.api import EMBEDDED_URL, Action, ApiClient
from branchdesk.clients.errors import ApiError
from branchdesk.clients.local.app import create_app
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.settings import Settings
from support.backend import DEMO_PASSWORD, FakeClock, make_backend


def _from(backend: Backend, address: str, lang: str = "en") -> ApiClient:
    """A client at its own peer address, as a terminal on the branch network."""
    transport = httpx.ASGITransport(app=create_app(backend), client=(address, 40000))
    return ApiClient(EMBEDDED_URL, transport=transport, lang=lang, retry_delay=0.01)


async def _answers(client: ApiClient, staff_id: str) -> list[tuple[int, str, str, object]]:
    seen = []
    for _ in range(6):
        with pytest.raises(ApiError) as err:
            await client.login(staff_id, "wrong-password")
        message = err.value.message.replace(staff_id, "<id>")
        seen.append((err.value.status, err.value.code, message, err.value.details))
    return seen


async def test_unknown_and_known_ids_count_down_and_wait_alike(
    backend: Backend, client: ApiClient
) -> None:
    # A stopped clock: on the real one the second wait could read 29 s for one ID and 30 s for
    # the other when a second boundary falls between them.
    backend.settings.clock = FakeClock(datetime.now(UTC))
    known = await _answers(client, "m001")
    unknown = await _answers(client, "m999")
    assert known == unknown
    assert [code for _, code, _, _ in known] == ["bad_credentials"] * 4 + ["login_backoff"] * 2
    assert "4 tries left" in known[0][2]
    assert "(1 try left)" in known[3][2] and "tries" not in known[3][2]
    assert known[4][3] == {"retry_after": 30}


async def test_backoff_answer_is_429_with_retry_after_header_in_the_ui_language() -> None:
    backend = make_backend(settings=Settings(clock=FakeClock()))
    app = create_app(backend)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=EMBEDDED_URL
    ) as http:
        for _ in range(5):
            response = await http.post(
                "/v1/sessions",
                json={"staff_id": "k001", "password": "wrong"},
                headers={"Accept-Language": "zh-CN"},
            )
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "30"
    error = response.json()["error"]
    assert error["code"] == "login_backoff" and error["details"] == {"retry_after": 30}
    assert error["message"] == "该工号登录失败次数过多,请 30 秒后再试;主管可以为其解锁。"


async def test_one_client_is_slowed_down_across_ids_others_are_not() -> None:
    clock = FakeClock()
    backend = make_backend(settings=Settings(clock=clock, extra={"login.client_free_failures": 3}))
    attacker, colleague = _from(backend, "10.0.0.66"), _from(backend, "10.0.0.7")
    for staff_id in ("m001", "c001", "k001"):
        with pytest.raises(ApiError) as err:
            await attacker.login(staff_id, "guess")
        assert err.value.code == "bad_credentials"
    with pytest.raises(ApiError) as err:
        await attacker.login("t001", "guess")
    assert err.value.code == "bad_credentials"  # the 4th failure is answered, then the wait
    with pytest.raises(ApiError) as err:
        await attacker.login("s001", DEMO_PASSWORD)  # even a right password waits
    assert (err.value.status, err.value.code) == (429, "login_rate_limited")
    assert err.value.details == {"retry_after": 30}
    assert "from this terminal" in err.value.message
    assert (await colleague.login("s001", DEMO_PASSWORD)).id == "s001"
    clock.advance(seconds=30)
    with pytest.raises(ApiError) as err:
        await attacker.login("s001", "guess")
    assert err.value.code == "bad_credentials"
    with pytest.raises(ApiError) as err:
        await attacker.login("s001", "guess")
    assert err.value.details == {"retry_after": 60}  # the next failure doubles the wait
    await attacker.aclose()
    await colleague.aclose()


async def test_a_stranger_cannot_keep_staff_out_a_supervisor_unlocks() -> None:
    clock = FakeClock()
    backend = make_backend(settings=Settings(clock=clock))
    stranger, cashier_desk = _from(backend, "10.0.0.66"), _from(backend, "10.0.0.8")
    supervisor, other = _from(backend, "10.0.0.9"), _from(backend, "10.0.0.10")
    for _ in range(5):
        with pytest.raises(ApiError):
            await stranger.login("k001", "guess")
    # The ID waits, but only for a short while and never for a fixed lock.
    with pytest.raises(ApiError) as err:
        await cashier_desk.login("k001", DEMO_PASSWORD)
    assert (err.value.code, err.value.details) == ("login_backoff", {"retry_after": 30})
    await other.login("c001", DEMO_PASSWORD)
    with pytest.raises(ApiError) as err:
        await other.post("/v1/staff/k001/unlock", {}, Action())
    assert (err.value.status, err.value.code) == (403, "forbidden")
    await supervisor.login("s001", DEMO_PASSWORD)
    with pytest.raises(ApiError) as err:
        await supervisor.post("/v1/staff/k999/unlock", {}, Action())
    assert (err.value.status, err.value.code) == (404, "staff_not_found")
    unlocked = await supervisor.post("/v1/staff/k001/unlock", {}, Action())
    assert unlocked == {"staff_id": "k001", "failed_attempts": 0, "locked_until": None}
    assert (await cashier_desk.login("k001", DEMO_PASSWORD)).id == "k001"
    row = [r for r in backend.store.scan("audit") if r["action"] == "staff.unlock"][-1]
    assert (row["target"], row["actor"], row["details"]) == ("k001", "s001", {"failed_attempts": 5})
    for c in (stranger, cashier_desk, supervisor, other):
        await c.aclose()


async def test_unlock_needs_a_login_and_an_idempotency_key() -> None:
    backend = make_backend()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(backend)), base_url=EMBEDDED_URL
    ) as http:
        keyed = {"Idempotency-Key": "unlock-1"}
        response = await http.post("/v1/staff/k001/unlock", json={}, headers=keyed)
        assert response.status_code == 401
        token = (
            await http.post("/v1/sessions", json={"staff_id": "s001", "password": DEMO_PASSWORD})
        ).json()["token"]
        response = await http.post(
            "/v1/staff/k001/unlock", json={}, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "idempotency_key_missing"
