"""Sandbox only in demo: outbox roles, no sandbox routes without ``--demo``, no codes in logs."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import httpx
import pytest

from branchdesk.clients.api import PHONE_KEY_HEADER, Action, ApiClient
from branchdesk.clients.errors import ApiError
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.settings import Settings
from branchdesk.clients.points_api import PointsApi
from support.backend import DEMO_PASSWORD, ServedBackend, asgi_client

DEMO_MOBILE = "13800138000"
CODE = re.compile(r"验证码 ([0-9]{6})")


async def _remote(backend: Backend, staff_id: str) -> ApiClient:
    """A client as over the network: without the simulated phone's key."""
    client = asgi_client(backend, phone=False)
    await client.login(staff_id, DEMO_PASSWORD)
    return client


async def _send_code(backend: Backend) -> str:
    cashier = await _remote(backend, "k001")
    api = PointsApi(cashier)
    member = await api.find_member(DEMO_MOBILE)
    redemption = await api.create_redemption(member["id"], "pos", Action(), points=10)
    await cashier.aclose()
    return str(redemption["id"])


def test_settings_default_to_no_sandbox() -> None:
    assert Settings().sandbox is False


@pytest.mark.parametrize("staff_id", ["m001", "c001", "k001"])
async def test_outbox_refused_to_other_roles(backend: Backend, staff_id: str) -> None:
    await _send_code(backend)
    client = await _remote(backend, staff_id)
    for phone in (DEMO_MOBILE, None):
        with pytest.raises(ApiError) as err:
            await client.sms_outbox(phone)
        assert (err.value.status, err.value.code) == (403, "forbidden")
    await client.aclose()


@pytest.mark.parametrize("staff_id", ["t001", "s001"])
async def test_outbox_for_trainer_and_supervisor_one_phone_at_a_time(
    backend: Backend, staff_id: str
) -> None:
    rid = await _send_code(backend)
    client = await _remote(backend, staff_id)
    with pytest.raises(ApiError) as err:
        await client.sms_outbox()
    assert (err.value.status, err.value.code) == (422, "phone_required")
    messages = await client.sms_outbox(DEMO_MOBILE)
    assert [m["purpose"] for m in messages] == [f"redemption:{rid}"]
    assert await client.sms_outbox("13900000000") == []
    await client.aclose()


async def test_simulated_phone_key_opens_the_whole_outbox(backend: Backend) -> None:
    """The embedded TUI's phone panel (its key never leaves the process) serves the tours."""
    rid = await _send_code(backend)
    phone = asgi_client(backend)
    await phone.login("k001", DEMO_PASSWORD)
    assert phone.has_simulated_phone
    assert [m["purpose"] for m in await phone.sms_outbox()] == [f"redemption:{rid}"]
    # A guessed or empty key is no key.
    for key in ("x" * 43, ""):
        response = await phone._http.get(
            "/v1/sandbox/sms-outbox",
            headers={"Authorization": f"Bearer {phone.token}", PHONE_KEY_HEADER: key},
        )
        assert response.status_code == 403
    await phone.aclose()


async def test_outbox_needs_a_login(backend: Backend) -> None:
    client = asgi_client(backend)
    with pytest.raises(ApiError) as err:
        await client.sms_outbox(DEMO_MOBILE)
    assert err.value.status == 401
    await client.aclose()


async def test_no_code_or_mobile_in_the_log(
    backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    rid = await _send_code(backend)
    message = next(m for m in backend.sms.messages if m["purpose"] == f"redemption:{rid}")
    code = CODE.search(message["text"]).group(1)
    assert caplog.records, "the SMS is logged (masked)"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "138****8000" in logged
    assert not re.search(rf"(?<!\d){code}(?!\d)", logged) and DEMO_MOBILE not in logged


@pytest.mark.slow
def test_serve_without_demo_has_no_sandbox(tmp_path: Path) -> None:
    server = ServedBackend(tmp_path / "data", demo=False)
    try:
        meta = httpx.get(f"{server.url}/v1/meta").json()
        assert meta["sandbox"] is False
        doc = httpx.get(f"{server.url}/openapi.json").json()
        assert not [p for p in doc["paths"] if p.startswith("/v1/sandbox")]
        for path in ("/v1/sandbox/sms-outbox", "/v1/sandbox/presets"):
            response = httpx.get(f"{server.url}{path}", params={"phone": DEMO_MOBILE})
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "not_found"
    finally:
        server.stop()


@pytest.mark.slow
async def test_served_demo_logs_no_code_or_mobile(tmp_path: Path) -> None:
    server = ServedBackend(tmp_path / "data", extra_args=["--log-level", "debug"])
    try:
        assert httpx.get(f"{server.url}/v1/meta").json()["sandbox"] is True
        cashier, supervisor = server.client(), server.client()
        await cashier.login("k001", DEMO_PASSWORD)
        await supervisor.login("s001", DEMO_PASSWORD)
        api = PointsApi(cashier)
        member = await api.find_member(DEMO_MOBILE)
        await api.create_redemption(member["id"], "pos", Action(), points=10)
        with pytest.raises(ApiError) as err:
            await cashier.sms_outbox(DEMO_MOBILE)
        assert err.value.status == 403
        (message,) = await supervisor.sms_outbox(DEMO_MOBILE)
        code = CODE.search(message["text"]).group(1)
        await cashier.aclose()
        await supervisor.aclose()
    finally:
        server.stop()
    log = server.log_path.read_text(encoding="utf-8")
    assert "138****8000" in log
    assert not re.search(rf"(?<!\d){code}(?!\d)", log) and DEMO_MOBILE not in log
