"""`branchdesk serve` as a real subprocess on loopback, used through the same client."""

from __future__ import annotations

from pathlib import Path

import pytest

from branchdesk.clients.errors import ApiError, BackendUnreachable
from support.backend import DEMO_PASSWORD, ServedBackend, serve_to_the_end

pytestmark = pytest.mark.slow


async def test_login_through_a_served_backend(served: ServedBackend) -> None:
    client = served.client()
    staff = await client.login("k001", DEMO_PASSWORD)
    assert staff.roles == ("cashier",)
    assert client.label == served.url
    assert (await client.meta())["demo"] is True
    with pytest.raises(ApiError) as err:
        await client.login("k001", "wrong")
    assert err.value.status == 401
    await client.aclose()


async def test_a_stopped_server_is_reported_as_unreachable(tmp_path: Path) -> None:
    server = ServedBackend(tmp_path / "data")
    client = server.client()
    await client.login("m001", DEMO_PASSWORD)
    server.stop()
    client.retries = 1
    with pytest.raises(BackendUnreachable):
        await client.get("/v1/sessions/current")
    assert client.online is False
    assert await client.health() is False
    await client.aclose()


async def test_data_survives_a_server_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = ServedBackend(data)
    client = server.client()
    with pytest.raises(ApiError):
        await client.login("s001", "wrong")
    await client.aclose()
    server.stop()
    server = ServedBackend(data, demo=False)
    client = server.client()
    # Demo data was loaded on first run only, and the failed attempt was kept.
    assert (await client.meta())["demo"] is True
    with pytest.raises(ApiError) as err:
        await client.login("s001", "wrong")
    assert "3 tries left" in err.value.message
    await client.aclose()
    server.stop()


def test_a_second_server_on_the_same_store_is_refused(served: ServedBackend) -> None:
    out = serve_to_the_end(served.data_dir)
    assert out.returncode == 1
    assert str(served.data_dir / "store.json") in out.stderr
    assert "in use by another process" in out.stderr
