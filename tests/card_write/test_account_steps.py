"""The form steps of DOMAIN.md E checked by the server one by one, in the staff's words, and
the money steps: fees, pre-submit (payment, invoice number), formal submit."""

from __future__ import annotations

from typing import Any

import pytest
from card_write.orders import CUSTOMER, refused

from branchdesk.clients.api import Action
from branchdesk.clients.card_write_api import CardWriteApi
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.card_write.catalog import CARD_DATA
from branchdesk.clients.local.card_write.rules import ORDERS
from branchdesk.clients.local.sim.rules import CARDS
from branchdesk.clients.local.sim.seed import DEMO_AGENT


@pytest.fixture
async def api_zh(login_as: Any) -> CardWriteApi:
    return CardWriteApi(await login_as("c001", "zh-CN"))


def draft(msisdn: str, **more: Any) -> dict[str, Any]:
    return {
        "customer": CUSTOMER,
        "recommender_id": "c002",
        "msisdn": msisdn,
        "account": {"payer_name": "", "bill_delivery": "sms", "email": ""},
        "package_id": "P59",
        "tariff_id": "full",
        "pack_ids": ["V5"],
        "activity_id": "S50",
        **more,
    }


async def test_the_offer_lists_packs_and_activities(api: CardWriteApi) -> None:
    offer = await api.offer()
    assert [p["id"] for p in offer["packs"]] == ["D10", "V5", "RBT"]
    assert [a["id"] for a in offer["activities"]] == ["NONE", "S50", "NEWDATA"]
    assert offer["packs"][0]["excludes"] == ["P99"]


async def test_each_step_is_checked_in_the_staff_words(
    api: CardWriteApi, api_zh: CardWriteApi
) -> None:
    msisdn = (await api.numbers())[0]
    good = draft(msisdn)
    # Basic info: the starred address is required.
    err = await refused(
        api.check("customer", {**good, "customer": {**CUSTOMER, "address": ""}}, Action())
    )
    assert err.code == "card_write_invalid"
    assert err.details == [{"field": "address", "problem": "required"}]
    # Recommender: optional, but a given one must exist.
    assert (await api.check("recommender", {**good, "recommender_id": None}, Action()))["step"]
    for client, words in (
        (api, "No staff member has the recommender ID x999"),
        (api_zh, "发展人工号 x999 不存在"),
    ):
        err = await refused(
            client.check("recommender", {**good, "recommender_id": "x999"}, Action())
        )
        assert err.code == "recommender_not_found" and words in err.message
    # Number: must be free.
    err = await refused(api.check("number", {**good, "msisdn": "18602199999"}, Action()))
    assert err.code == "number_not_found"
    # Account info: e-mail bills need an e-mail address.
    bad_account = {"payer_name": "", "bill_delivery": "email", "email": "not-an-address"}
    err = await refused(api_zh.check("account", {**good, "account": bad_account}, Action()))
    assert err.code == "account_email_required" and "邮箱地址" in err.message
    # Package and first-month tariff.
    err = await refused(api.check("package", {**good, "tariff_id": "nope"}, Action()))
    assert err.code == "tariff_not_found"
    # Optional packs: not with a package that includes them, at most three, no repeats.
    err = await refused(
        api_zh.check("packs", {**good, "package_id": "P99", "pack_ids": ["D10"]}, Action())
    )
    assert err.code == "pack_not_allowed" and "冰激凌 99元套餐" in err.message
    err = await refused(api.check("packs", {**good, "pack_ids": ["V5", "V5"]}, Action()))
    assert err.code == "pack_duplicate" and "Voice pack" in err.message
    err = await refused(
        api.check("packs", {**good, "pack_ids": ["V5", "D10", "RBT", "V5"]}, Action())
    )
    assert err.code == "packs_too_many"
    # Activity: S50 needs a package of 59 a month or more.
    err = await refused(api.check("activity", {**good, "package_id": "P39"}, Action()))
    assert err.code == "activity_needs_package" and "59.00" in err.message
    # A later step checks the earlier ones too.
    err = await refused(api.check("activity", {**good, "recommender_id": "x999"}, Action()))
    assert err.code == "recommender_not_found"


async def test_the_quote_lists_every_fee(api: CardWriteApi) -> None:
    msisdn = (await api.numbers())[0]
    quote = await api.check("activity", draft(msisdn), Action())
    items = {i["code"]: i["amount"] for i in quote["fees"]["items"]}
    assert items == {
        "prepay": "100.00",
        "first_month": "59.00",
        "pack:V5": "5.00",
        "activity:S50": "50.00",
    }
    assert quote["fees"]["total"] == "214.00"
    half = await api.check("activity", draft(msisdn, tariff_id="half", pack_ids=[]), Action())
    assert half["fees"]["total"] == "179.50"
    usage = await api.check(
        "activity", draft(msisdn, tariff_id="usage", activity_id="NONE"), Action()
    )
    assert usage["fees"]["total"] == "105.00"


async def test_the_whole_sequence_with_fees_presubmit_and_formal_submit(
    api: CardWriteApi, api_zh: CardWriteApi, backend: Backend
) -> None:
    iccid = sorted(
        c["iccid"]
        for c in backend.store.scan(CARDS)
        if c["state"] == "picked_up"
        and c["loc_id"] == DEMO_AGENT
        and backend.store.get(CARD_DATA, c["iccid"]) is not None
    )[0]
    msisdn = (await api.numbers())[0]
    body = draft(
        msisdn,
        account={"payer_name": "王大明", "bill_delivery": "email", "email": "wang@example.com"},
    )
    order = await api.create_order(
        body["customer"],
        msisdn,
        "P59",
        "full",
        Action(),
        recommender_id="c002",
        account=body["account"],
        pack_ids=["V5"],
        activity_id="S50",
    )
    assert order["recommender_id"] == "c002"
    assert order["account"] == {
        "payer_name": "王大明",
        "bill_delivery": "email",
        "email": "w***@example.com",
    }
    assert [p["id"] for p in order["packs"]] == ["V5"] and order["activity"]["id"] == "S50"
    assert order["fees"]["total"] == "214.00" and order["payment"] is None
    assert order["customer"]["address"].endswith("****")
    assert "100 号" not in order["customer"]["address"]
    stored = backend.store.get(ORDERS, order["id"])
    assert stored["customer"]["address"] == CUSTOMER["address"]
    # Formal submit before the card is written, or before the fees are paid: refused.
    err = await refused(api.confirm(order["id"], Action()))
    assert err.code == "order_state_invalid"
    bound = await api.bind_card(order["id"], iccid, Action())
    await api.written(order["id"], iccid, bound["imsi"], Action())
    err = await refused(api.confirm(order["id"], Action()))
    assert err.code == "order_state_invalid"
    # Pre-submit: the amount received must cover the fees.
    for received, code in (
        ("abc", "payment_invalid"),
        ("1e3", "payment_invalid"),
        ("1,000", "payment_invalid"),
        ("1.234", "payment_invalid"),
        ("-1", "payment_invalid"),
    ):
        err = await refused(api.presubmit(order["id"], received, Action()))
        assert err.code == code, received
    err = await refused(api_zh.presubmit(order["id"], "200", Action()))
    assert err.code == "payment_short"
    assert err.message == "实收金额 200.00 元不足应收 214.00 元"
    action = Action()
    pre = await api.presubmit(order["id"], "220", action)
    again = await api.presubmit(order["id"], "220", action)  # a retry: the same answer
    assert pre == again
    assert pre["state"] == "presubmitted"
    payment = pre["payment"]
    assert payment is not None
    assert (payment["received"], payment["change"], payment["total"]) == (
        "220.00",
        "6.00",
        "214.00",
    )
    assert payment["invoice_no"].startswith("FP")
    # A pre-submitted order cannot be cancelled: the card is written and paid for.
    err = await refused(api.cancel(order["id"], Action()))
    assert err.code == "order_state_invalid"
    done = await api.confirm(order["id"], Action())
    assert done["state"] == "activated" and done["payment"] == payment
    actions = [r["action"] for r in backend.store.scan("audit") if r["target"] == order["id"]]
    assert actions.count("card_write.presubmit") == 1
    assert actions[-1] == "card_write.activate"
