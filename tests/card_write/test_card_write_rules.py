"""Account opening with card writing: the server's rules over the real client and ASGI app.

The reader side is covered in tests/devices/test_card_write_pcsc.py (through pcscd); here the
app's reports (bind, written, failure) are sent as the app would send them.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from card_write.orders import CUSTOMER, blank_cards, refused

from branchdesk.clients.api import Action, ApiClient
from branchdesk.clients.card_write_api import CardWriteApi
from branchdesk.clients.local import sealing
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.card_write import catalog, rules, script
from branchdesk.clients.local.card_write.catalog import CARD_DATA, NUMBERS
from branchdesk.clients.local.card_write.rules import ORDERS
from branchdesk.clients.local.errors import MESSAGES
from branchdesk.clients.local.sim.rules import CARDS
from branchdesk.devices.profile import SimProfile
from branchdesk.tui import i18n
from support.backend import make_backend
from support.offline import memory_keyring


async def new_order(api: CardWriteApi, msisdn: str | None = None) -> dict[str, Any]:
    number = msisdn or (await api.numbers())[0]
    return await api.create_order(CUSTOMER, number, "P59", "half", Action())


async def test_offer_and_number_pool(api: CardWriteApi) -> None:
    offer = await api.offer()
    assert [p["id"] for p in offer["packages"]] == ["P39", "P59", "P99"]
    assert [t["id"] for t in offer["tariffs"]] == ["full", "half", "usage"]
    numbers = await api.numbers(limit=10)
    assert len(numbers) == 10 and all(n.startswith("1860220") and len(n) == 11 for n in numbers)
    tail = numbers[3][-2:]
    found = await api.numbers(tail)
    assert found and found[0].endswith(tail)


async def test_customer_fields_are_checked_with_field_details(
    api: CardWriteApi, backend: Backend
) -> None:
    number = (await api.numbers())[0]
    bad = {"name": " ", "id_number": "110105194912310021", "contact": "1380013800"}
    err = await refused(api.create_order(bad, number, "P59", "half", Action()))
    assert err.status == 422 and err.code == "card_write_invalid"
    assert {d["field"]: d["problem"] for d in err.details} == {
        "name": "required",
        "id_number": "id_checksum",
        "contact": "mobile_format",
        "address": "required",
    }
    assert backend.store.get(NUMBERS, number)["state"] == "free"


async def test_an_order_reserves_its_number_once(api: CardWriteApi, backend: Backend) -> None:
    order = await new_order(api)
    assert order["state"] == "reserved"
    assert order["customer"]["id_number"] == "110105********002X"
    assert order["customer"]["contact"] == "138****8000"
    assert backend.store.get(NUMBERS, order["msisdn"])["state"] == "reserved"
    assert order["msisdn"] not in await api.numbers(limit=200)
    err = await refused(new_order(api, order["msisdn"]))
    assert err.status == 409 and err.code == "number_taken"
    free = (await api.numbers())[0]
    err = await refused(api.create_order(CUSTOMER, free, "NOPE", "half", Action()))
    assert err.status == 422 and err.code == "package_not_found"
    err = await refused(api.create_order(CUSTOMER, "18602199999", "P59", "half", Action()))
    assert err.status == 404 and err.code == "number_not_found"


async def test_the_whole_order_changes_card_and_number(api: CardWriteApi, backend: Backend) -> None:
    iccid = blank_cards(backend)[0]
    order = await new_order(api)
    bound = await api.bind_card(order["id"], iccid, Action())
    assert bound["state"] == "card_bound" and bound["imsi"].startswith("46001")
    script = await api.script(order["id"])
    assert script["iccid"] == iccid and script["imsi"] == bound["imsi"]
    assert len(script["ki"]) == 32 and len(script["adm"]) == 8
    assert script["msisdn"] == "+86" + order["msisdn"]
    written = await api.written(order["id"], iccid, bound["imsi"], Action())
    assert written["state"] == "written"
    assert backend.store.get(CARDS, iccid)["state"] == "written"
    pre = await api.presubmit(order["id"], "200", Action())
    assert pre["state"] == "presubmitted" and pre["payment"]["change"] == "70.50"
    done = await api.confirm(order["id"], Action())
    assert done["state"] == "activated" and done["activated_at"]
    assert backend.store.get(CARDS, iccid)["state"] == "activated"
    number = backend.store.get(NUMBERS, order["msisdn"])
    assert number["state"] == "active" and number["iccid"] == iccid
    assert await api.orders() == []
    # The secrets never reach the audit log.
    audit = json.dumps(list(backend.store.scan("audit")))
    assert script["ki"] not in audit and script["opc"] not in audit
    assert any(
        r["action"] == "card_write.activate" and r["target"] == order["id"]
        for r in backend.store.scan("audit")
    )


async def test_write_script_missing_is_refused_with_the_staff_message(
    login_as: Any, backend: Backend
) -> None:
    iccid = blank_cards(backend, with_data=False)[0]
    api = CardWriteApi(await login_as("c001", "zh-CN"))
    order = await new_order(api)
    err = await refused(api.bind_card(order["id"], iccid, Action()))
    assert err.code == "write_script_missing"
    assert err.message == "写卡脚本内容不存在,请把号卡文件维护到数据库!"
    assert backend.store.get(ORDERS, order["id"])["state"] == "reserved"


async def test_cards_that_are_not_blank_stock_of_the_agent_are_refused(
    api: CardWriteApi, backend: Backend
) -> None:
    order = await new_order(api)
    in_stock = next(
        c["iccid"]
        for c in backend.store.scan(CARDS)
        if c["state"] == "in_stock" and c["dept_id"] == "TJ001"
    )
    err = await refused(api.bind_card(order["id"], in_stock, Action()))
    assert err.code == "sim_not_at_agent"
    # A card already activated by an earlier order: "请更换白卡!"
    first, second = blank_cards(backend)[:2]
    other = await new_order(api)
    await api.bind_card(other["id"], first, Action())
    await api.written(other["id"], first, (await api.script(other["id"]))["imsi"], Action())
    await api.presubmit(other["id"], "129.50", Action())
    await api.confirm(other["id"], Action())
    err = await refused(api.bind_card(order["id"], first, Action()))
    assert err.code == "card_not_blank" and err.status == 409
    # A card bound to another open order cannot be taken over.
    third = await new_order(api)
    await api.bind_card(third["id"], second, Action())
    err = await refused(api.bind_card(order["id"], second, Action()))
    assert err.code == "card_in_use"


async def test_interrupted_write_retries_with_the_same_number_and_card(
    api: CardWriteApi, backend: Backend
) -> None:
    iccid, other = blank_cards(backend)[:2]
    free_before = len(backend.store.lookup(NUMBERS, "state", "free"))
    order = await new_order(api)
    bound = await api.bind_card(order["id"], iccid, Action())
    failed = await api.report_failure(order["id"], "interrupted", Action())
    assert failed["state"] == "write_interrupted"
    assert backend.store.get(CARDS, iccid)["state"] == "write_interrupted"
    err = await refused(api.script(order["id"]))
    assert err.code == "order_state_invalid"
    err = await refused(api.bind_card(order["id"], other, Action()))
    assert err.code == "card_write_same_card" and iccid[-4:] in err.message
    again = await api.bind_card(order["id"], iccid, Action())
    assert again["msisdn"] == order["msisdn"] and again["imsi"] == bound["imsi"]
    assert again["attempts"] == 2
    await api.written(order["id"], iccid, again["imsi"], Action())
    await api.presubmit(order["id"], "129.50", Action())
    await api.confirm(order["id"], Action())
    assert backend.store.get(CARDS, iccid)["state"] == "activated"
    assert len(backend.store.lookup(NUMBERS, "state", "free")) == free_before - 1


async def test_rejected_adm_blocks_the_card_but_keeps_the_number(
    api: CardWriteApi, backend: Backend
) -> None:
    iccid, other = blank_cards(backend)[:2]
    order = await new_order(api)
    await api.bind_card(order["id"], iccid, Action())
    back = await api.report_failure(order["id"], "adm_rejected", Action(), tries_left=2)
    assert back["state"] == "reserved" and back["iccid"] is None
    assert backend.store.get(CARD_DATA, iccid)["adm_tries_left"] == 2
    err = await refused(api.bind_card(order["id"], iccid, Action()))
    assert err.code == "card_adm_rejected"
    moved = await api.bind_card(order["id"], other, Action())
    assert moved["msisdn"] == order["msisdn"]


async def test_verify_mismatch_and_cancel(api: CardWriteApi, backend: Backend) -> None:
    iccid = blank_cards(backend)[0]
    order = await new_order(api)
    bound = await api.bind_card(order["id"], iccid, Action())
    err = await refused(api.written(order["id"], iccid, "460019999999999", Action()))
    assert err.code == "card_write_verify_mismatch"
    await api.report_failure(order["id"], "interrupted", Action())
    cancelled = await api.cancel(order["id"], Action())
    assert cancelled["state"] == "cancelled"
    assert backend.store.get(CARDS, iccid)["state"] == "picked_up"
    assert backend.store.get(NUMBERS, order["msisdn"])["state"] == "free"
    assert bound["imsi"]
    err = await refused(api.confirm(order["id"], Action()))
    assert err.code == "order_state_invalid"


async def test_only_the_owning_clerk_gets_the_script(login_as: Any, backend: Backend) -> None:
    mine = CardWriteApi(await login_as("c001"))
    order = await new_order(mine)
    await mine.bind_card(order["id"], blank_cards(backend)[0], Action())
    other = CardWriteApi(await login_as("c002"))
    err = await refused(other.script(order["id"]))
    assert err.status == 403 and err.code == "order_not_yours"
    marketer = CardWriteApi(await login_as("m001"))
    err = await refused(marketer.script(order["id"]))
    assert err.status == 403 and err.code == "forbidden"


async def test_the_script_opens_only_the_card_bound_now(
    api: CardWriteApi, backend: Backend
) -> None:
    first, second = blank_cards(backend)[:2]
    secrets = {
        iccid: script.open_card_data(backend, CARD_DATA, backend.store.get(CARD_DATA, iccid))
        for iccid in (first, second)
    }
    order = await new_order(api)
    err = await refused(api.script(order["id"]))  # no card bound yet
    assert err.code == "order_state_invalid" and err.status == 409
    await api.bind_card(order["id"], first, Action())
    issued = await api.script(order["id"])
    assert issued["iccid"] == first
    assert {f: issued[f] for f in script.SECRET_FIELDS} == secrets[first] != secrets[second]
    # The card refused its ADM: it is unbound, and its keys are no longer released.
    await api.report_failure(order["id"], "adm_rejected", Action(), tries_left=2)
    err = await refused(api.script(order["id"]))
    assert err.code == "order_state_invalid"
    await api.bind_card(order["id"], second, Action())
    issued = await api.script(order["id"])
    assert issued["iccid"] == second
    assert {f: issued[f] for f in script.SECRET_FIELDS} == secrets[second]


async def test_replayed_confirm_is_idempotent(api: CardWriteApi, backend: Backend) -> None:
    iccid = blank_cards(backend)[0]
    order = await new_order(api)
    bound = await api.bind_card(order["id"], iccid, Action())
    await api.written(order["id"], iccid, bound["imsi"], Action())
    await api.presubmit(order["id"], "129.50", Action())
    action = Action()
    first = await api.confirm(order["id"], action)
    again = await api.confirm(order["id"], action)
    assert first == again
    activations = [r for r in backend.store.scan("audit") if r["action"] == "card_write.activate"]
    assert len(activations) == 1


async def test_missing_idempotency_key_is_refused(api: CardWriteApi) -> None:
    client: ApiClient = api.client
    order = await new_order(api)
    response = await client._http.post(
        f"/v1/card-write/orders/{order['id']}/cancel",
        json={},
        headers={"Authorization": f"Bearer {client.token}"},
    )
    assert response.status_code == 400


async def test_card_keys_are_sealed_at_rest(api: CardWriteApi, backend: Backend) -> None:
    iccid = blank_cards(backend)[0]
    stored = backend.store.get(CARD_DATA, iccid)
    assert all(stored[field].startswith("v1:") for field in ("adm", "ki", "opc"))
    order = await new_order(api)
    await api.bind_card(order["id"], iccid, Action())
    script = await api.script(order["id"])
    assert script["adm"] == catalog.DEMO_ADM and len(script["ki"]) == 32
    assert script["ki"] not in json.dumps(stored) and script["opc"] not in json.dumps(stored)
    # A sealed value moved to another card does not open there.
    other = blank_cards(backend)[1]
    moved = {**backend.store.get(CARD_DATA, other), "ki": stored["ki"]}
    with backend.store.transaction() as txn:
        txn.put(CARD_DATA, other, moved)
    second = await new_order(api)
    err = await refused(api.bind_card(second["id"], other, Action()))
    assert err.code == "write_script_invalid"


def test_card_keys_are_sealed_with_the_os_keyring_key_when_there_is_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The master key comes from the environment, else the OS keyring, else a 0600 file
    outside the data directory (tests/api/test_sealing.py); here the keyring."""
    monkeypatch.delenv(sealing.KEY_ENV, raising=False)
    ring = memory_keyring()
    data_dir = tmp_path / "data"
    durable = make_backend(data_dir)
    try:
        iccid = blank_cards(durable)[0]
        secrets = {"adm": "0102030405060708", "ki": "ab" * 16, "opc": "cd" * 16}
        doc = script.seal_card_data(durable, CARD_DATA, iccid, secrets)
    finally:
        durable.store.close()
    assert [service for service, _entry in ring.items] == [sealing.KEYRING_SERVICE]
    assert not sealing.key_file_path(data_dir).exists()
    with_ring_key = replace(durable, sealer=sealing.sealer_for(data_dir))
    assert script.open_card_data(with_ring_key, CARD_DATA, doc) == secrets
    other_key = replace(durable, sealer=sealing.Sealer(os.urandom(32)))
    assert script.open_card_data(other_key, CARD_DATA, doc) is None


def reseal(backend: Backend, iccid: str, **changes: str) -> None:
    secrets = {"adm": catalog.DEMO_ADM, "ki": "11" * 16, "opc": "22" * 16, **changes}
    with backend.store.transaction() as txn:
        txn.put(CARD_DATA, iccid, script.seal_card_data(backend, CARD_DATA, iccid, secrets))


@pytest.mark.parametrize(
    ("field", "value"), [("adm", "8888"), ("adm", "88888888888"), ("ki", "xyz"), ("opc", "11" * 15)]
)
async def test_a_bad_script_is_refused_before_the_card_is_bound(
    api: CardWriteApi, backend: Backend, field: str, value: str
) -> None:
    iccid = blank_cards(backend)[0]
    reseal(backend, iccid, **{field: value})
    order = await new_order(api)
    err = await refused(api.bind_card(order["id"], iccid, Action()))
    assert err.status == 409 and err.code == "write_script_invalid"
    assert field in err.message and value not in err.message
    again = await api.order(order["id"])
    assert again["state"] == "reserved" and again["iccid"] is None and again["imsi"] is None
    assert backend.store.get(CARDS, iccid)["state"] == "picked_up"
    audit = json.dumps(list(backend.store.scan("audit")))
    assert value not in audit


@pytest.mark.parametrize(
    ("setting", "value", "field"),
    [
        ("SPN", "中国联合网络通信集团", "spn"),  # UCS2: 1 + 20 bytes, EF.SPN holds 16
        ("SPN", "China Unicom Tianjin", "spn"),  # 20 characters of the default alphabet
        ("IMSI_PREFIX", "46001220", "imsi"),  # 16 digits
        ("IMSI_PREFIX", "46001A2", "imsi"),
    ],
)
async def test_a_bad_spn_or_imsi_is_refused_before_the_card_is_bound(
    api: CardWriteApi,
    backend: Backend,
    monkeypatch: pytest.MonkeyPatch,
    setting: str,
    value: str,
    field: str,
) -> None:
    """Issue 16: an over-long SPN raised ValueError in the writer after the card was bound."""
    iccid = blank_cards(backend)[0]
    order = await new_order(api)
    monkeypatch.setattr(rules, setting, value)
    err = await refused(api.bind_card(order["id"], iccid, Action()))
    assert err.status == 409 and err.code == "write_script_invalid"
    assert err.details["fields"] == [field] and field in err.message
    again = await api.order(order["id"])
    assert again["state"] == "reserved" and again["iccid"] is None and again["imsi"] is None
    assert backend.store.get(CARDS, iccid)["state"] == "picked_up"
    assert not [r for r in backend.store.scan("audit") if r["action"] == "card_write.script_issued"]


async def test_a_hex_adm_key_is_a_good_script(api: CardWriteApi, backend: Backend) -> None:
    iccid = blank_cards(backend)[0]
    reseal(backend, iccid, adm="A1B2C3D4E5F60718")
    order = await new_order(api)
    await api.bind_card(order["id"], iccid, Action())
    assert (await api.script(order["id"]))["adm"] == "A1B2C3D4E5F60718"


GOOD_SCRIPT = {
    "iccid": "89860070310112094320",
    "imsi": "460012200000001",
    "ki": "11" * 16,
    "opc": "22" * 16,
    "adm": "88888888",
    "msisdn": "+8618602200024",
    "spn": "中国联通",
}


def test_script_checks_match_what_the_card_takes() -> None:
    good = GOOD_SCRIPT
    assert script.problems(good) == []
    assert script.problems({**good, "adm": "0102030405060708"}) == []
    assert script.problems({**good, "spn": "仿" * 7}) == []  # 1 + 14 bytes
    assert script.problems({**good, "spn": "仿" * 8}) == ["spn"]  # 17 bytes do not fit
    assert script.problems({**good, "spn": "A" * 17}) == ["spn"]
    assert script.problems({**good, "imsi": "46001220000000A"}) == ["imsi"]
    assert script.problems({**good, "imsi": "4600122000000011"}) == ["imsi"]
    assert script.problems({**good, "iccid": "89860126011000003531"}) == ["iccid"]  # Luhn
    assert script.problems({**good, "msisdn": "+86-186"}) == ["msisdn"]


EDGES = {
    "spn": [
        "A" * 16,
        "A" * 17,
        "仿" * 7,
        "仿" * 8,
        "中国联通a",
        "a_b",
        "@",
        "",
        " ",
        "x" * 15 + "中",
    ],
    "imsi": ["46001", "460012", "46001220000000", "4600122000000011", "٤٦٠٠١٢٢٠٠٠٠٠٠٠١"],
    "adm": ["8888888", "888888888", "0102030405060708", "010203040506070g", "８８８８８８８８"],
    "msisdn": ["+", "+1", "1" * 20, "+" + "1" * 20, "1" * 21, "+86 186", "８６"],
    "ki": ["1" * 31, "gg" * 16, "11" * 17],
    "iccid": ["8986007031011209432", "898600703101120943200", "89860070310112094321"],
}


@pytest.mark.parametrize(
    ("field", "value"), [(field, value) for field, values in EDGES.items() for value in values]
)
def test_a_script_the_backend_accepts_is_one_the_writer_takes(field: str, value: str) -> None:
    """Issue 16: what the backend let through raised ValueError in the writer after binding."""
    bad = {**GOOD_SCRIPT, field: value}
    try:
        SimProfile(
            bad["iccid"], bad["imsi"], bad["ki"], bad["opc"], bad["adm"],
            msisdn=bad["msisdn"], spn=bad["spn"],
        )  # fmt: skip
    except ValueError:
        assert script.problems(bad) == [field]
    else:
        assert script.problems(bad) == []


# DOMAIN.md E, "Errors staff must recognise (same meaning, same words)", character for character.
STAFF_ERRORS = {
    "cw.error.no_reader": "连接写卡器失败,请尝试重新插入白卡!",
    "cw.error.driver": "写卡器驱动未安装.",
    "cw.error.not_blank": "请更换白卡!",
}


def test_the_four_staff_error_texts_are_those_staff_are_trained_on() -> None:
    """Issue 16 item 5: unchanged. (A full-width sweep of the catalog had changed two.)"""
    i18n.set_language("zh-CN")
    assert {key: i18n._(key) for key in STAFF_ERRORS} == STAFF_ERRORS
    assert (
        MESSAGES["write_script_missing"]["zh-CN"] == "写卡脚本内容不存在,请把号卡文件维护到数据库!"
    )
    tour = (Path(i18n.__file__).parent / "tours" / "card_write.toml").read_text(encoding="utf-8")
    for text in (*STAFF_ERRORS.values(), MESSAGES["write_script_missing"]["zh-CN"]):
        assert f"“{text}”" in tour  # the tour quotes them as they are
