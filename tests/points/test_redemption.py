"""Redemption rules over the real client and the in-process ASGI app."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from branchdesk.clients.api import Action
from branchdesk.clients.errors import ApiError
from branchdesk.clients.points_api import PointsApi

DEMO_MOBILE = "13800138000"
UNBOUND_MOBILE = "13800138001"
ONLINE_MOBILE = "13800138002"
CODE = re.compile(r"验证码 ([0-9]{6})")


def code_for(messages, redemption_id: str) -> str:
    for message in messages:
        if message["purpose"] == f"redemption:{redemption_id}":
            return CODE.search(message["text"]).group(1)
    raise AssertionError(redemption_id)


def ledger_sum(backend, member_id: str) -> int:
    return sum(r["points"] for r in backend.store.lookup("points_ledger", "member_id", member_id))


async def _create(api: PointsApi, member_id: str, points: int = 100, channel: str = "pos"):
    return await api.create_redemption(member_id, channel, Action(), points=points)


async def _code(client, redemption_id: str) -> str:
    return code_for(await client.sms_outbox(DEMO_MOBILE), redemption_id)


async def test_lookup_by_mobile_and_card_shows_masked_member_and_value(cashier, demo_member):
    assert demo_member["points"] == 1000
    assert demo_member["rate"] == "0.50" and demo_member["value"] == "500.00"
    assert demo_member["mobile"] == "138****8000" and demo_member["id_bound"]
    assert "*" in demo_member["name"] and "*" in demo_member["id_number"]
    api = PointsApi(cashier)
    card = cashier_card = await api.find_member(DEMO_MOBILE)
    assert card["id"] == cashier_card["id"]
    with pytest.raises(ApiError) as err:
        await api.find_member("13900000000")
    assert err.value.status == 404 and err.value.code == "member_not_found"


async def test_lookup_by_card_number(backend, cashier, demo_member):
    card_no = backend.store.get("members", demo_member["id"])["card_no"]
    found = await PointsApi(cashier).find_member(card_no)
    assert found["id"] == demo_member["id"]


async def test_settle_with_code_deducts_once_and_balance_is_ledger_sum(
    backend, cashier, demo_member
):
    api = PointsApi(cashier)
    r = await _create(api, demo_member["id"], 58)
    assert r["status"] == "pending_otp" and r["amount"] == "29.00" and r["rate"] == "0.50"
    settled = await api.verify(r["id"], await _code(cashier, r["id"]), Action())
    assert settled["status"] == "settled" and settled["balance_after"] == 942
    member = await api.find_member(DEMO_MOBILE)
    assert member["points"] == 942 == ledger_sum(backend, demo_member["id"])
    assert backend.store.get("points_balances", demo_member["id"])["balance"] == 942
    actions = [a["action"] for a in backend.store.scan("audit")]
    assert "redemption.create" in actions and "redemption.settle" in actions


async def test_code_is_stored_only_as_hmac(backend, cashier, demo_member):
    api = PointsApi(cashier)
    r = await _create(api, demo_member["id"])
    code = await _code(cashier, r["id"])
    challenge = backend.store.get(
        "otp_challenges", backend.store.get("redemptions", r["id"])["challenge_id"]
    )
    assert code not in str(challenge) and len(challenge["mac"]) == 64
    assert code not in str(backend.store.scan("audit"))
    assert code not in str(backend.store.get("redemptions", r["id"]))


async def test_insufficient_points_409_with_missing_count(cashier, demo_member):
    with pytest.raises(ApiError) as err:
        await _create(PointsApi(cashier), demo_member["id"], 1001)
    assert err.value.status == 409 and err.value.code == "insufficient_points"
    assert err.value.details == {"balance": 1000, "required": 1001, "missing": 1}


async def test_member_without_bound_id_cannot_redeem(cashier):
    api = PointsApi(cashier)
    member = await api.find_member(UNBOUND_MOBILE)
    assert member["id_bound"] is False and member["id_number"] is None
    with pytest.raises(ApiError) as err:
        await _create(api, member["id"], 10)
    assert err.value.status == 409 and err.value.code == "member_id_unbound"


@pytest.mark.parametrize("points", [0, -5, 10_000_001])
async def test_bad_points_refused(cashier, demo_member, points):
    with pytest.raises(ApiError) as err:
        await _create(PointsApi(cashier), demo_member["id"], points)
    assert err.value.status == 422


async def test_wrong_code_three_times_kills_it(backend, cashier, demo_member):
    api = PointsApi(cashier)
    r = await _create(api, demo_member["id"])
    code = await _code(cashier, r["id"])
    wrong = "000000" if code != "000000" else "111111"
    for left in (2, 1):
        with pytest.raises(ApiError) as err:
            await api.verify(r["id"], wrong, Action())
        assert (err.value.status, err.value.code) == (422, "otp_invalid")
        assert err.value.details == {"tries_left": left}
    with pytest.raises(ApiError) as err:
        await api.verify(r["id"], wrong, Action())
    assert (err.value.status, err.value.code) == (410, "otp_dead")
    with pytest.raises(ApiError) as err:
        await api.verify(r["id"], code, Action())
    assert (err.value.status, err.value.code) == (410, "otp_dead")
    assert ledger_sum(backend, demo_member["id"]) == 1000


async def test_code_expires_after_five_minutes(clock, cashier, demo_member):
    api = PointsApi(cashier)
    r = await _create(api, demo_member["id"])
    code = await _code(cashier, r["id"])
    clock.advance(seconds=301)
    with pytest.raises(ApiError) as err:
        await api.verify(r["id"], code, Action())
    assert (err.value.status, err.value.code) == (410, "otp_dead")


async def test_code_is_single_use(cashier, demo_member):
    api = PointsApi(cashier)
    r = await _create(api, demo_member["id"])
    code = await _code(cashier, r["id"])
    await api.verify(r["id"], code, Action())
    with pytest.raises(ApiError) as err:
        await api.verify(r["id"], code, Action())
    assert (err.value.status, err.value.code) == (409, "redemption_not_pending")


async def test_only_latest_code_counts_and_resend_has_cooldown(clock, cashier, demo_member):
    api = PointsApi(cashier)
    r = await _create(api, demo_member["id"])
    first = await _code(cashier, r["id"])
    with pytest.raises(ApiError) as err:
        await api.resend_code(r["id"], Action())
    assert (err.value.status, err.value.code) == (429, "otp_cooldown")
    assert err.value.details["retry_after"] == 60
    clock.advance(seconds=61)
    await api.resend_code(r["id"], Action())
    second = await _code(cashier, r["id"])
    if first != second:
        with pytest.raises(ApiError) as err:
            await api.verify(r["id"], first, Action())
        assert err.value.code == "otp_invalid"
    assert (await api.verify(r["id"], second, Action()))["status"] == "settled"


async def test_at_most_five_codes_per_mobile_per_hour(clock, cashier, demo_member):
    api = PointsApi(cashier)
    for _ in range(5):
        await _create(api, demo_member["id"], 1)
    with pytest.raises(ApiError) as err:
        await _create(api, demo_member["id"], 1)
    assert (err.value.status, err.value.code) == (429, "otp_rate_limited")
    clock.advance(minutes=61)
    await _create(api, demo_member["id"], 1)


async def test_limits_are_settings(backend, cashier, demo_member):
    backend.settings.extra["points.otp_per_hour"] = 7
    api = PointsApi(cashier)
    for _ in range(7):
        await _create(api, demo_member["id"], 1)
    with pytest.raises(ApiError):
        await _create(api, demo_member["id"], 1)


async def test_code_approves_only_its_own_redemption(cashier, demo_member):
    api = PointsApi(cashier)
    a = await _create(api, demo_member["id"], 10)
    b = await _create(api, demo_member["id"], 500)
    code_a = await _code(cashier, a["id"])
    code_b = await _code(cashier, b["id"])
    if code_a != code_b:
        with pytest.raises(ApiError) as err:
            await api.verify(b["id"], code_a, Action())
        assert err.value.code == "otp_invalid"
    assert (await api.verify(b["id"], code_b, Action()))["balance_after"] == 500


async def test_settle_rechecks_balance(backend, cashier, demo_member):
    api = PointsApi(cashier)
    a = await _create(api, demo_member["id"], 600)
    b = await _create(api, demo_member["id"], 600)
    await api.verify(a["id"], await _code(cashier, a["id"]), Action())
    with pytest.raises(ApiError) as err:
        await api.verify(b["id"], await _code(cashier, b["id"]), Action())
    assert err.value.code == "insufficient_points" and err.value.details["missing"] == 200
    assert ledger_sum(backend, demo_member["id"]) == 400


async def test_reverse_supervisor_only_once_with_reason(backend, cashier, supervisor, demo_member):
    api = PointsApi(cashier)
    r = await _create(api, demo_member["id"], 100)
    await api.verify(r["id"], await _code(cashier, r["id"]), Action())
    with pytest.raises(ApiError) as err:
        await api.reverse(r["id"], "customer returned goods", Action())
    assert err.value.status == 403
    boss = PointsApi(supervisor)
    with pytest.raises(ApiError) as err:
        await boss.reverse(r["id"], "   ", Action())
    assert err.value.status == 422
    done = await boss.reverse(r["id"], "customer returned goods", Action())
    assert done["status"] == "reversed" and done["reverse_reason"] == "customer returned goods"
    with pytest.raises(ApiError) as err:
        await boss.reverse(r["id"], "again", Action())
    assert (err.value.status, err.value.code) == (409, "already_reversed")
    assert ledger_sum(backend, demo_member["id"]) == 1000
    kinds = [row["kind"] for row in (await api.ledger(demo_member["id"]))["rows"]]
    assert kinds[-2:] == ["redeem", "reverse"]


async def test_pending_redemption_cannot_be_reversed(cashier, supervisor, demo_member):
    r = await _create(PointsApi(cashier), demo_member["id"], 10)
    with pytest.raises(ApiError) as err:
        await PointsApi(supervisor).reverse(r["id"], "x", Action())
    assert err.value.code == "redemption_not_settled"


@pytest.mark.parametrize("staff_id", ["m001", "c001", "t001"])
async def test_other_roles_are_refused(login_as, staff_id, demo_member):
    client = await login_as(staff_id)
    with pytest.raises(ApiError) as err:
        await client.get("/v1/members", phone=DEMO_MOBILE)
    assert err.value.status == 403
    with pytest.raises(ApiError) as err:
        await PointsApi(client).create_redemption(demo_member["id"], "pos", Action(), points=1)
    assert err.value.status == 403


async def test_cashier_cannot_issue_or_see_reports(cashier, demo_member):
    api = PointsApi(cashier)
    for call in (
        api.grant(demo_member["id"], 10, "x", Action()),
        api.report("channels"),
        api.import_csv("card_no,points,note\r\n", Action(), dry_run=True),
    ):
        with pytest.raises(ApiError) as err:
            await call
        assert err.value.status == 403


async def test_proxy_order_covers_amount_or_says_how_many_points_are_missing(cashier, demo_member):
    api = PointsApi(cashier)
    items = [
        {"name": "大米 5kg", "quantity": 2, "unit_price": "45.50"},
        {"name": "食用油", "quantity": 1, "unit_price": "69.90"},
    ]
    r = await api.create_redemption(demo_member["id"], "proxy", Action(), items=items)
    assert r["order_amount"] == "160.90" and r["points"] == 322 and r["amount"] == "161.00"
    big = [{"name": "电视机", "quantity": 1, "unit_price": "600.00"}]
    with pytest.raises(ApiError) as err:
        await api.create_redemption(demo_member["id"], "proxy", Action(), items=big)
    assert err.value.code == "insufficient_points" and err.value.details["missing"] == 200
    bad = [{"name": "x", "quantity": 0, "unit_price": "1.00"}]
    with pytest.raises(ApiError) as err:
        await api.create_redemption(demo_member["id"], "proxy", Action(), items=bad)
    assert err.value.status == 422


async def test_proxy_only_for_offline_members(cashier):
    api = PointsApi(cashier)
    online = await api.find_member(ONLINE_MOBILE)
    with pytest.raises(ApiError) as err:
        await api.create_redemption(online["id"], "proxy", Action(), points=10)
    assert err.value.code == "proxy_offline_only"
    assert (await api.create_redemption(online["id"], "mall", Action(), points=10))["id"]


async def test_rate_comes_from_the_program(backend, cashier, demo_member):
    with backend.store.transaction() as txn:
        txn.put("programs", "P01", {**backend.store.get("programs", "P01"), "rate": "1.00"})
    member = await PointsApi(cashier).find_member(DEMO_MOBILE)
    assert member["value"] == "1000.00"
    r = await _create(PointsApi(cashier), demo_member["id"], 58)
    assert Decimal(r["amount"]) == Decimal("58.00")


async def test_errors_in_chinese(backend, demo_member):
    from support.backend import logged_in

    client = await logged_in(backend, "k001", lang="zh-CN")
    try:
        with pytest.raises(ApiError) as err:
            await _create(PointsApi(client), demo_member["id"], 2000)
        assert "积分不足" in err.value.message and "1000" in err.value.message
    finally:
        await client.aclose()


async def test_no_sms_outside_sandbox(backend, cashier, demo_member):
    backend.settings.sandbox = False
    before = backend.store.count("redemptions")
    with pytest.raises(ApiError) as err:
        await _create(PointsApi(cashier), demo_member["id"], 10)
    assert err.value.status == 503
    assert backend.store.count("redemptions") == before
