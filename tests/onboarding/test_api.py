"""The onboarding API over the real client and the in-process ASGI app."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from branchdesk.clients.api import Action
from branchdesk.clients.errors import ApiError
from branchdesk.clients.local import pii
from branchdesk.clients.local.onboarding.advice import WRONG_CHANNEL_ERROR
from branchdesk.clients.onboarding_api import OnboardingApi


async def _api(login_as, staff_id: str = "m001", lang: str = "en") -> OnboardingApi:
    return OnboardingApi(await login_as(staff_id, lang))


async def _refused(
    api: OnboardingApi, *where: str, **change: Any
) -> pytest.ExceptionInfo[ApiError]:
    """``api.set_item(*where, **change)`` (a customer ID and an item) refused: what it raised."""
    with pytest.raises(ApiError) as err:
        await api.set_item(*where, action=Action(), **change)
    return err


_serial = itertools.count()


@pytest.fixture(autouse=True)
def _first_retailer_per_test() -> None:
    global _serial
    _serial = itertools.count()


async def _new(api: OnboardingApi, **overrides) -> dict:
    """A new customer; each call in a test is another retailer (ID, mobile, licence and card
    differ), the first one with the values the assertions name."""
    from branchdesk.clients import validators

    n = next(_serial)
    body = f"621799000012{345678 + n:06d}"
    id_body = f"52230119850412{301 + n:03d}"
    data = {
        "name": "测试客户",
        "id_number": id_body + validators.id_check_char(id_body),
        "mobile": f"138{12345678 + n:08d}",
        "area": "坪东",
        "licence_no": f"5223011{123 + n:05d}",
        "card_number": body + str(validators.luhn_check_digit(body)),
        "token_type": "ukey",
        "order_amount": "120000",
    }
    return await api.create_customer({**data, **overrides}, Action())


async def test_create_masks_pii_and_audits(login_as, backend):
    api = await _api(login_as)
    created = await _new(api)
    assert created["mobile"] == "138****5678"
    assert created["id_number"].startswith("522301") and "********" in created["id_number"]
    assert created["card_number"].startswith("…")
    assert created["progress_done"] == 0 and created["progress_required"] == 6
    rows = [r for r in backend.store.scan("audit") if r["action"] == "customer.create"]
    assert rows and rows[-1]["target"] == created["id"] and rows[-1]["idempotency_key"]


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("id_number", "522301198504123010", "id_checksum"),
        ("card_number", "6217990000123456780", "luhn"),
        ("mobile", "1381234567", "mobile_format"),
        ("name", "  ", "required"),
        ("area", "北京", "area_unknown"),
        ("order_amount", "12.345", "amount_invalid"),
    ],
)
async def test_bad_fields_get_field_messages(login_as, field, value, code):
    api = await _api(login_as, lang="zh-CN")
    with pytest.raises(ApiError) as err:
        await _new(api, **{field: value})
    assert err.value.status == 422 and err.value.code == "customer_invalid"
    problems = {d["field"]: d for d in err.value.details}
    assert problems[field]["code"] == code
    assert problems[field]["message"]  # in the request language
    assert not problems[field]["message"].isascii()


async def test_etoken_over_limit_is_refused(login_as):
    api = await _api(login_as)
    with pytest.raises(ApiError) as err:
        await _new(api, token_type="etoken", order_amount="150000")
    assert err.value.details[0]["code"] == "etoken_over_limit"


async def test_permissions(login_as):
    mine = await _new(await _api(login_as, "m001"))
    other = await _api(login_as, "m002")
    with pytest.raises(ApiError) as err:
        await other.checklist(mine["id"])
    assert err.value.status == 403 and err.value.code == "customer_not_yours"
    err = await _refused(other, mine["id"], "card", status="done", base_version=0)
    assert err.value.status == 403
    assert all(c["marketer_id"] == "m002" for c in (await other.search())["items"])
    supervisor = await _api(login_as, "s001")
    assert (await supervisor.checklist(mine["id"]))["customer"]["id"] == mine["id"]
    assert (await supervisor.search())["total"] > (await other.search())["total"]
    for role in ("c001", "k001", "t001"):
        with pytest.raises(ApiError) as err:
            await (await _api(login_as, role)).search()
        assert err.value.status == 403


async def test_dependency_refusal_names_the_prerequisite(login_as):
    api = await _api(login_as, lang="zh-CN")
    cid = (await _new(api))["id"]
    err = await _refused(api, cid, "online_banking", status="done", base_version=0)
    assert err.value.status == 409 and err.value.code == "prerequisite_not_done"
    assert "客户持有我行卡" in err.value.message
    await api.set_item(cid, "card", status="done", base_version=0, action=Action())
    await api.set_item(cid, "online_banking", status="done", base_version=0, action=Action())
    err = await _refused(api, cid, "ukey_installed", status="done", base_version=0)  # 4 needs 3
    assert err.value.details == {"prerequisite": "security_device"}
    # undoing a prerequisite while its dependent is done is refused too
    err = await _refused(api, cid, "card", status="in_progress", base_version=1)
    assert err.value.code == "dependent_done"


async def test_evidence_progress_and_next_step(login_as):
    api = await _api(login_as)
    cid = (await _new(api))["id"]
    for item in ("card", "online_banking"):
        await api.set_item(cid, item, status="done", base_version=0, action=Action())
    err = await _refused(api, cid, "security_device", status="done", base_version=0)
    assert err.value.code == "item_invalid" and err.value.details[0]["field"] == "ukey_serial"
    done = await api.set_item(
        cid,
        "security_device",
        status="done",
        base_version=0,
        evidence={"ukey_serial": "UK-20261122"},
        action=Action(),
    )
    assert done["evidence"] == {"ukey_serial": "UK-20261122"} and done["updated_by"] == "m001"
    view = await api.checklist(cid)
    assert view["progress"] == {"done": 3, "required": 6}
    assert view["next_step"]["item"] == "ukey_installed"
    summary = (await api.search(q="测试客户"))["items"][0]
    assert (summary["progress_done"], summary["progress_required"]) == (3, 6)
    evidence = {"activation_date": "2099-01-01"}
    err = await _refused(api, cid, "activated", status="done", base_version=0, evidence=evidence)
    assert err.value.details[0]["code"] == "date_format"


async def test_etoken_customer_skips_ukey_install(login_as):
    api = await _api(login_as)
    cid = (await _new(api, token_type="etoken", order_amount="50000"))["id"]
    view = await api.checklist(cid)
    assert view["progress"]["required"] == 5
    item = next(i for i in view["items"] if i["id"] == "ukey_installed")
    assert item["status"] == "not_applicable" and not item["applicable"]
    err = await _refused(api, cid, "ukey_installed", status="done", base_version=0)
    assert err.value.code == "item_not_applicable"
    err = await _refused(api, cid, "card", status="not_applicable", base_version=0)
    assert err.value.code == "item_required"


async def test_version_conflict_returns_current_copy(login_as):
    api = await _api(login_as)
    cid = (await _new(api))["id"]
    await api.set_item(
        cid, "card", status="in_progress", note="first", base_version=0, action=Action()
    )
    err = await _refused(api, cid, "card", status="done", base_version=0)
    assert err.value.status == 409 and err.value.code == "version_conflict"
    assert err.value.details["current"]["note"] == "first"
    assert err.value.details["current"]["version"] == 1
    customer = await api.customer(cid)
    await api.update_customer(cid, {"name": "新名字"}, customer["version"], Action())
    with pytest.raises(ApiError) as err:
        await api.update_customer(cid, {"name": "又一个"}, customer["version"], Action())
    assert err.value.details["current"]["name"] == "新名字"


async def test_idempotent_replay_changes_once(login_as, backend):
    api = await _api(login_as)
    cid = (await _new(api))["id"]
    action = Action()
    first = await api.set_item(cid, "card", status="done", base_version=0, action=action)
    again = await api.set_item(cid, "card", status="done", base_version=0, action=action)
    assert first == again
    rows = [r for r in backend.store.scan("audit") if r["action"] == "onboarding.item"]
    assert len(rows) == 1


async def test_reveal_is_audited_and_needs_no_key(login_as, backend):
    api = await _api(login_as)
    created = await _new(api)
    full = await api.customer(created["id"], reveal=True)
    assert full["mobile"] == "13812345678" and full["revealed"]
    assert any(
        r["action"] == "customer.reveal" and r["target"] == created["id"]
        for r in backend.store.scan("audit")
    )


@pytest.mark.parametrize(
    ("prefix", "bank", "channel", "excluded"),
    [
        ("621799", "psbc", "psbc", False),
        ("622848", "abc", "abc", False),
        ("621559", "icbc", "icbc", True),
        ("6217788", "rcu", "online_payment", True),
        ("436742", "ccb", "online_payment", False),
    ],
)
async def test_payment_advice(login_as, card_for, prefix, bank, channel, excluded):
    api = await _api(login_as)
    advice = (await _new(api, card_number=card_for(prefix)))["payment"]
    assert (advice["bank"], advice["channel"], advice["settlement_excluded"]) == (
        bank,
        channel,
        excluded,
    )
    expected = WRONG_CHANNEL_ERROR if channel in ("icbc", "abc", "psbc") else None
    assert advice["wrong_channel_error"] == expected


async def test_unknown_bin_asks_for_the_bank(login_as, card_for):
    api = await _api(login_as)
    created = await _new(api, card_number=card_for("999999", 16))
    assert created["payment"]["ask_bank"] and created["payment"]["channel"] is None
    updated = await api.update_customer(
        created["id"], {"card_bank": "icbc"}, created["version"], Action()
    )
    assert updated["payment"]["channel"] == "icbc" and not updated["payment"]["ask_bank"]
    assert WRONG_CHANNEL_ERROR == "该商户不支持工行农行邮储卡支付,请使用他行卡进行支付"


async def test_limits_advice(login_as):
    api = await _api(login_as)
    assert (await _new(api, order_amount="100000.01"))["limits"]["needs_ukey_sms"]
    assert not (await _new(api, order_amount="100000"))["limits"]["needs_ukey_sms"]


async def test_search_by_name_area_mobile_licence(login_as):
    api = await _api(login_as)
    await _new(api, name="独特名", mobile="13900001111", licence_no="LIC99887766", area="安龙")
    for q in ("独特", "1111", "139****1111", "lic9988"):
        assert [c["name"] for c in (await api.search(q=q))["items"]] == ["独特名"], q
    assert all(c["area"] == "安龙" for c in (await api.search(area="安龙"))["items"])


async def test_handoff_and_area_export(login_as, backend):
    api = await _api(login_as)
    cid = (await _new(api))["id"]
    package = await api.handoff(cid)
    assert package["customer"]["mobile"] == "13812345678"
    assert len(package["items"]) == 22
    rows = await api.area_export("坪东")
    assert any(r["id"] == cid for r in rows) and all(r["area"] == "坪东" for r in rows)
    kinds = [
        r["details"].get("kind")
        for r in backend.store.scan("audit")
        if r["action"] == "customer.export"
    ]
    assert kinds == ["handoff", "area"]


async def test_a_second_record_of_the_same_retailer_is_refused_with_a_pointer(login_as, backend):
    api = await _api(login_as)
    first = await _new(api)
    for field in ("id_number", "mobile", "licence_no", "card_number"):
        raw = pii.opened(backend, "customers", backend.store.get("customers", first["id"]))[field]
        with pytest.raises(ApiError) as err:
            await _new(api, **{field: raw})
        assert (err.value.status, err.value.code) == (409, "customer_duplicate")
        assert err.value.details["existing_id"] == first["id"]
        assert err.value.details["field"] == field
        assert first["id"] in err.value.message
    other = await _new(api)
    with pytest.raises(ApiError) as err:
        await api.update_customer(
            other["id"],
            {
                "mobile": pii.opened(
                    backend, "customers", backend.store.get("customers", first["id"])
                )["mobile"]
            },
            other["version"],
            Action(),
        )
    assert err.value.code == "customer_duplicate"


async def test_the_duplicate_refusal_reads_in_chinese(login_as, backend):
    api = await _api(login_as, lang="zh-CN")
    first = await _new(api)
    with pytest.raises(ApiError) as err:
        await _new(
            api,
            mobile=pii.opened(backend, "customers", backend.store.get("customers", first["id"]))[
                "mobile"
            ],
        )
    assert f"已有客户 {first['id']}" in err.value.message and "手机号" in err.value.message
