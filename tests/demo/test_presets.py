"""Scenario presets: each one resets the sandbox and sets up its teaching case, for real.

The cases are checked by doing what the trainee would do through the real API and getting the
refusal staff are trained to recognise.
"""

from __future__ import annotations

from typing import Any

import pytest

from branchdesk.clients.api import Action, ApiClient
from branchdesk.clients.demo_api import DemoApi
from branchdesk.clients.errors import ApiError
from branchdesk.clients.local import pii
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.demo import presets
from branchdesk.clients.local.settings import Settings
from branchdesk.clients.local.sim.seed import demo_iccid
from branchdesk.clients.points_api import PointsApi
from support.backend import FakeClock, asgi_client, logged_in, make_backend


async def apply(client: ApiClient, name: str, action: Action | None = None) -> dict[str, Any]:
    return await DemoApi(client).apply_preset(name, action or Action())


async def test_trainer_lists_presets_in_the_ui_language(login_as: Any) -> None:
    trainer = await login_as("t001", "zh-CN")
    listed = await DemoApi(trainer).presets()
    assert [p["name"] for p in listed] == list(presets.PRESETS)
    assert listed[3]["title"] == "退卡代理商不一致(卡库位不一致)"


@pytest.mark.parametrize("staff_id", ["m001", "c001", "k001"])
async def test_only_trainers_and_supervisors(login_as: Any, staff_id: str) -> None:
    client = await login_as(staff_id)
    with pytest.raises(ApiError) as err:
        await apply(client, "baseline")
    assert (err.value.status, err.value.code) == (403, "forbidden")


async def test_unknown_preset_is_404_and_changes_nothing(login_as: Any, backend: Backend) -> None:
    trainer = await login_as("t001")
    audit_rows = backend.store.count("audit")
    with pytest.raises(ApiError) as err:
        await apply(trainer, "no_such_case")
    assert (err.value.status, err.value.code) == (404, "preset_not_found")
    assert "no_such_case" in err.value.message
    assert backend.store.count("audit") == audit_rows


async def test_refused_on_a_store_without_demo_data() -> None:
    real = make_backend(demo=False)
    try:
        from branchdesk.clients.local.auth import STAFF, new_staff_doc

        with real.store.transaction() as txn:
            txn.put(STAFF, "t9", new_staff_doc("t9", "T", ["trainer"], "b", "pass-word-1"))
        client = asgi_client(real)
        await client.login("t9", "pass-word-1")
        with pytest.raises(ApiError) as err:
            await apply(client, "baseline")
        assert (err.value.status, err.value.code) == (403, "preset_not_sandbox")
        await client.aclose()
    finally:
        real.store.close()


async def test_refused_when_the_backend_is_not_a_sandbox(login_as: Any, backend: Backend) -> None:
    backend.settings.sandbox = False
    trainer = await login_as("t001")
    with pytest.raises(ApiError) as err:
        await apply(trainer, "baseline")
    # A backend that is not a sandbox has no /v1/sandbox routes at all.
    assert (err.value.status, err.value.code) == (404, "not_found")


def _opened(backend: Backend, member_id: str) -> dict[str, Any]:
    doc = backend.store.get("members", member_id)
    plain = {f: pii.value(backend, "members", doc, f) for f in pii.FIELDS}
    keyed = {*pii.FIELDS, *(f"{f}_hash" for f in pii.FIELDS)}
    return {**{k: v for k, v in doc.items() if k not in keyed}, **plain}


async def test_baseline_undoes_changes_keeps_sessions_and_audits() -> None:
    # One fixed clock for both stores: the seed stamps records with the time it runs at.
    clock = FakeClock()
    backend = make_backend(settings=Settings(clock=clock))
    cashier = await logged_in(backend, "k001")
    api = PointsApi(cashier)
    member = await api.find_member("13800138000")
    await api.create_redemption(member["id"], "pos", Action(), points=100)
    assert backend.store.count("redemptions") > 0 and backend.sms.messages
    pristine = make_backend(settings=Settings(clock=clock))
    try:
        trainer = await logged_in(backend, "t001")
        result = await apply(trainer, "baseline")
        assert result["applied_by"] == "t001"
        for table in ("members", "points_balances", "sim_cards", "customers", "redemptions"):
            assert backend.store.count(table) == pristine.store.count(table), table
        # Each backend seals PII with its own key: compare what the sealed fields hold.
        assert _opened(backend, member["id"]) == _opened(pristine, member["id"])
    finally:
        pristine.store.close()
    assert backend.sms.messages == []
    # Both sessions survive: nobody in the training room is logged out by a reset.
    assert (await api.find_member("13800138000"))["points"] == 1000
    last = max(backend.store.scan("audit"), key=lambda row: row["seq"])
    assert (last["action"], last["target"], last["actor"]) == ("sandbox.preset", "baseline", "t001")


async def test_reset_is_idempotent(login_as: Any, backend: Backend) -> None:
    trainer = await login_as("t001")
    action = Action()
    first = await apply(trainer, "low_points", action)
    again = await apply(trainer, "low_points", action)
    assert again == first
    assert len(pii.lookup(backend, "members", "mobile", presets.LOW_POINTS_MOBILE)) == 1
    resets = [r for r in backend.store.scan("audit") if r["action"] == "sandbox.preset"]
    assert len(resets) == 1


async def test_low_points_is_refused_as_insufficient(login_as: Any) -> None:
    await apply(await login_as("s001"), "low_points")
    api = PointsApi(await login_as("k001", "zh-CN"))
    member = await api.find_member(presets.LOW_POINTS_MOBILE)
    assert member["points"] == presets.LOW_POINTS_BALANCE
    with pytest.raises(ApiError) as err:
        await api.create_redemption(member["id"], "pos", Action(), points=100)
    assert (err.value.status, err.value.code) == (409, "insufficient_points")


async def test_wrong_agent_return_is_location_mismatch(login_as: Any) -> None:
    result = await apply(await login_as("t001"), "wrong_agent")
    details = result["details"]
    assert details["picked_up_by"] == "A00102" and details["return_to"] == "A00101"
    clerk = await login_as("c001", "zh-CN")
    body = {
        "agent_id": details["return_to"],
        "card_type": "128k_normal",
        "range": {"start": details["start"], "end": details["end"]},
    }
    with pytest.raises(ApiError) as err:
        await clerk.post("/v1/sim/returns", body, Action())
    assert (err.value.code, err.value.message) == ("location_mismatch", "卡库位不一致")
    assert len(err.value.details["cards"]) == 5


async def test_card_written_is_known_written_at_c001s_agent(login_as: Any) -> None:
    result = await apply(await login_as("t001"), "card_written")
    iccid = demo_iccid(1, "128k_normal", presets.WRITTEN_SERIAL)
    assert result["details"]["iccid"] == iccid
    assert "--written" in result["teach"] and iccid in result["teach"]
    card = await (await login_as("c001")).get(f"/v1/sim/cards/{iccid}")
    assert card["state"] == "written"


async def test_ukey_missing_customer_has_item_three_open(login_as: Any, backend: Backend) -> None:
    result = await apply(await login_as("t001"), "ukey_missing")
    customer = backend.store.get("customers", result["details"]["customer_id"])
    assert customer["name"] == presets.UKEY_CUSTOMER and customer["token_type"] == "ukey"
    marketer = await login_as("m001")
    checklist = await marketer.get(f"/v1/customers/{customer['id']}/checklist")
    statuses = {item["id"]: item["status"] for item in checklist["items"]}
    assert statuses["card"] == statuses["online_banking"] == "done"
    assert statuses["security_device"] != "done"


async def test_otp_wrong_three_times_kills_the_code(login_as: Any) -> None:
    result = await apply(await login_as("t001"), "otp_wrong")
    details = result["details"]
    api = PointsApi(await login_as("k001"))
    member = await api.find_member(details["phone"])
    redemption = await api.create_redemption(
        member["id"], "pos", Action(), points=details["points"]
    )
    codes = []
    for _ in range(3):
        with pytest.raises(ApiError) as err:
            await api.verify(redemption["id"], details["wrong_code"], Action())
        codes.append(err.value.code)
    assert codes == ["otp_invalid", "otp_invalid", "otp_dead"]


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_every_teaching_text_is_complete(login_as: Any, lang: str) -> None:
    listed = await DemoApi(await login_as("t001", lang)).presets()
    for preset in listed:
        assert preset["title"] and preset["teach"] and "{" not in preset["teach"], preset
