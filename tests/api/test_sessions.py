"""Sessions, lockout and role enforcement, through the real client and the ASGI app."""

from __future__ import annotations

import pytest

from branchdesk.clients.api import ApiClient
from branchdesk.clients.errors import ApiError
from branchdesk.clients.local.app import create_app
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.settings import Settings
from support.backend import DEMO_PASSWORD, DEMO_ROLES, FakeClock, asgi_client, make_backend


@pytest.mark.parametrize("staff_id", sorted(DEMO_ROLES))
async def test_each_demo_account_logs_in_with_its_role(client: ApiClient, staff_id: str) -> None:
    staff = await client.login(staff_id, DEMO_PASSWORD)
    assert staff.id == staff_id
    assert staff.roles == (DEMO_ROLES[staff_id],)
    assert staff.branch
    assert client.token
    me = await client.get("/v1/sessions/current")
    assert me["id"] == staff_id


async def test_wrong_password_says_how_many_tries_are_left(client: ApiClient) -> None:
    with pytest.raises(ApiError) as err:
        await client.login("m001", "wrong-password")
    assert err.value.status == 401
    assert err.value.code == "bad_credentials"
    assert "4 tries left" in err.value.message


async def test_unknown_staff_id_gets_the_same_answer_as_a_wrong_password(
    client: ApiClient,
) -> None:
    with pytest.raises(ApiError) as err:
        await client.login("nobody", "whatever")
    assert err.value.code == "bad_credentials"


async def test_messages_follow_accept_language(backend: Backend) -> None:
    client = asgi_client(backend, lang="zh-CN")
    with pytest.raises(ApiError) as err:
        await client.login("m001", "wrong")
    assert err.value.message == "工号或密码错误(还可尝试 4 次)。"
    await client.aclose()


async def test_five_wrong_passwords_make_the_staff_id_wait_with_backoff() -> None:
    clock = FakeClock()
    backend = make_backend(settings=Settings(clock=clock))
    client = asgi_client(backend)
    for _ in range(4):
        with pytest.raises(ApiError):
            await client.login("c001", "wrong")
    with pytest.raises(ApiError) as err:
        await client.login("c001", "wrong")
    assert (err.value.status, err.value.code) == (429, "login_backoff")
    assert err.value.details == {"retry_after": 30}
    assert "try again in 30 seconds" in err.value.message
    # During the wait even the right password is not checked.
    with pytest.raises(ApiError) as err:
        await client.login("c001", DEMO_PASSWORD)
    assert err.value.code == "login_backoff"
    clock.advance(seconds=30)
    # Each further failure doubles the wait (60 s, 120 s, ...), capped at 15 minutes.
    waits = []
    for _ in range(7):
        with pytest.raises(ApiError) as err:
            await client.login("c001", "wrong")
        waits.append(err.value.details["retry_after"])
        clock.advance(seconds=waits[-1])
    assert waits == [60, 120, 240, 480, 900, 900, 900]
    assert (await client.login("c001", DEMO_PASSWORD)).id == "c001"
    # A good login resets the count: four more failures do not make it wait.
    for _ in range(4):
        with pytest.raises(ApiError) as err:
            await client.login("c001", "wrong")
        assert err.value.code == "bad_credentials"
    await client.aclose()
    actions = [row["action"] for row in backend.store.scan("audit")]
    assert "staff.backoff" in actions


async def test_a_failure_streak_is_per_staff_id(client: ApiClient) -> None:
    for _ in range(4):
        with pytest.raises(ApiError):
            await client.login("m001", "wrong")
    with pytest.raises(ApiError) as err:
        await client.login("k001", "wrong")
    assert "4 tries left" in err.value.message


async def test_session_expires_and_logout_ends_it() -> None:
    clock = FakeClock()
    backend = make_backend(settings=Settings(clock=clock, session_hours=1))
    client = asgi_client(backend)
    await client.login("k001", DEMO_PASSWORD)
    clock.advance(minutes=61)
    with pytest.raises(ApiError) as err:
        await client.get("/v1/sessions/current")
    assert err.value.status == 401
    assert err.value.code == "session_expired"
    await client.login("k001", DEMO_PASSWORD)
    token = client.token
    await client.logout()
    client.token = token
    with pytest.raises(ApiError) as err:
        await client.get("/v1/sessions/current")
    assert err.value.status == 401
    await client.aclose()


async def test_tokens_are_not_stored_in_the_store(client: ApiClient, backend: Backend) -> None:
    await client.login("m001", DEMO_PASSWORD)
    assert client.token
    dump = repr(list(backend.store.scan("sessions")))
    assert client.token not in dump
    assert DEMO_PASSWORD not in repr(list(backend.store.scan("staff")))


def _protected_routes() -> list[tuple[str, str]]:
    """Every operation of the contract except login, meta and health."""
    paths = create_app(make_backend()).openapi()["paths"]
    open_operations = {("POST", "/v1/sessions"), ("GET", "/v1/meta"), ("GET", "/health")}
    return [
        (method.upper(), path)
        for path, operations in paths.items()
        for method in operations
        if (method.upper(), path) not in open_operations
    ]


@pytest.mark.parametrize(("method", "path"), _protected_routes())
async def test_every_operation_requires_a_session(
    client: ApiClient, method: str, path: str
) -> None:
    concrete = path.replace("{", "").replace("}", "")
    with pytest.raises(ApiError) as err:
        await client.request(method, concrete, json={})
    assert err.value.status == 401, (method, path, err.value.code)


async def test_demo_accounts_are_listed_only_with_demo_data() -> None:
    demo = asgi_client(make_backend(demo=True))
    real = asgi_client(make_backend(demo=False))
    assert [a["staff_id"] for a in (await demo.meta())["demo_accounts"]] == [
        "m001",
        "m002",
        "c001",
        "c002",
        "k001",
        "t001",
        "s001",
    ]
    assert (await real.meta())["demo_accounts"] == []
    with pytest.raises(ApiError):
        await real.login("m001", DEMO_PASSWORD)
    await demo.aclose()
    await real.aclose()


def test_demo_seed_is_deterministic() -> None:
    first, second = make_backend(), make_backend()
    for table in ("staff",):
        assert list(first.store.scan(table)) == list(second.store.scan(table))
