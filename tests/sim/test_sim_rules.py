"""SIM stock rules over the real client and the in-process ASGI app."""

from __future__ import annotations

from typing import Any

import pytest
from sim.sim_cards import card_range, iccids

from branchdesk.clients.api import Action, ApiClient
from branchdesk.clients.errors import ApiError
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.sim.rules import (
    AGENTS,
    BATCHES,
    CARDS,
    MOVES,
    card_view,
    transition,
)
from branchdesk.clients.local.sim.seed import demo_iccid
from branchdesk.clients.sim_api import SimApi

N = "128k_normal"
M = "128k_micro"
# Branch 1 (dept TJ001), 400 cards per type: 1–100 secondary 130040, 101–350 channel 13ZDF14
# in stock, 351–400 picked up by agents of TJ001.


def pickup_body(
    cards: dict[str, Any] | list[str], agent: str = "A00101", card_type: str = N
) -> dict[str, Any]:
    source = {"iccids": cards} if isinstance(cards, list) else cards
    return {"agent_id": agent, "card_type": card_type, **source}


async def post(client: ApiClient, path: str, body: dict[str, Any], **params: Any) -> Any:
    return await client.post(path, body, Action(), **params)


async def refused(client: ApiClient, path: str, body: dict[str, Any], **params: Any) -> ApiError:
    with pytest.raises(ApiError) as err:
        await post(client, path, body, **params)
    return err.value


def snapshot(backend: Backend) -> dict[str, Any]:
    s = backend.store
    return {t: {k: s.get(t, k) for k in s.keys(t)} for t in (CARDS, MOVES, BATCHES, "audit")}


async def test_warehouses_are_the_twenty_branches_of_the_table(login_as: Any) -> None:
    api = SimApi(await login_as("c001"))
    warehouses = await api.warehouses()
    assert len(warehouses) == 40
    heping = [w for w in warehouses if w["branch_zh"] == "和平分公司"]
    assert {(w["code"], w["kind"]) for w in heping} == {
        ("130040", "secondary"),
        ("13ZDF14", "channel"),
    }
    channel = {w["code"]: w["target"] for w in warehouses if w["kind"] == "secondary"}
    assert channel["130054"] == "13ZE501" and channel["130098"] == "13ZDF4B"
    agents = await api.agents("TJ001")
    assert [a["id"] for a in agents] == ["A00101", "A00102", "A00103"]
    assert await api.agents("nope") == []


@pytest.mark.parametrize("staff_id", ["m001", "k001", "t001"])
async def test_only_clerks_and_supervisors(login_as: Any, staff_id: str) -> None:
    client = await login_as(staff_id)
    with pytest.raises(ApiError) as err:
        await client.get("/v1/warehouses")
    assert err.value.status == 403
    err2 = await refused(client, "/v1/sim/pickups", pickup_body(card_range(1, N, 101, 102)))
    assert err2.status == 403


async def test_pickup_preview_changes_nothing_then_commit_moves_every_card(
    login_as: Any, backend: Backend
) -> None:
    client = await login_as("c001")
    before = snapshot(backend)
    preview = await post(
        client, "/v1/sim/pickups", pickup_body(card_range(1, N, 101, 150)), dry_run="true"
    )
    assert preview["accepted"] and preview["found"] == 50
    assert preview["first"] == demo_iccid(1, N, 101) and preview["last"] == demo_iccid(1, N, 150)
    assert snapshot(backend) == before
    receipt = await post(client, "/v1/sim/pickups", pickup_body(card_range(1, N, 101, 150)))
    assert receipt["count"] == 50 and receipt["agent_id"] == "A00101"
    assert receipt["operator"] == "c001" and receipt["first"] == demo_iccid(1, N, 101)
    for iccid in iccids(1, N, 101, 150):
        card = backend.store.get(CARDS, iccid)
        assert (card["state"], card["loc_kind"], card["loc_id"]) == ("picked_up", "agent", "A00101")
    view = await SimApi(client).card(demo_iccid(1, N, 120))
    assert view["state"] == "picked_up" and view["location"]["id"] == "A00101"
    last = view["history"][-1]
    assert (last["by"], last["from"], last["to"], last["action"], last["batch"]) == (
        "c001",
        "warehouse:13ZDF14",
        "agent:A00101",
        "pickup",
        receipt["id"],
    )
    audit = [a for a in backend.store.scan("audit") if a["action"] == "sim.pickup"]
    assert audit[-1]["target"] == receipt["id"] and audit[-1]["details"]["count"] == 50


async def test_preview_lists_every_kind_of_problem(login_as: Any, backend: Backend) -> None:
    client = await login_as("c001", "zh-CN")
    good = demo_iccid(1, N, 200)
    bad_luhn = good[:-1] + str((int(good[-1]) + 1) % 10)
    body = pickup_body(
        [
            good,
            bad_luhn,
            good,  # invalid, duplicate
            "89860126019999999990",  # not found (if Luhn ok) or invalid
            demo_iccid(2, N, 120),  # another department
            demo_iccid(1, M, 200),  # wrong type
            demo_iccid(1, N, 10),  # secondary warehouse: not yet transferred down
            demo_iccid(1, N, 399),  # already picked up
        ]
    )
    preview = await post(client, "/v1/sim/pickups", body, dry_run="true")
    assert not preview["accepted"] and preview["found"] == 1 and preview["requested"] == 8
    assert preview["invalid"][0] == {"index": 2, "iccid": bad_luhn, "reason": "luhn"}
    assert preview["duplicate"][0]["first_index"] == 1
    assert preview["counts"]["not_found"] + preview["counts"]["invalid"] == 2
    assert preview["wrong_department"] == [
        {"index": 5, "iccid": demo_iccid(2, N, 120), "dept_id": "TJ002"}
    ]
    assert preview["wrong_type"][0]["card_type"] == M
    states = {p["iccid"]: (p["state"], p["location"]) for p in preview["wrong_state"]}
    assert states[demo_iccid(1, N, 10)] == ("in_stock", "warehouse:130040")
    assert states[demo_iccid(1, N, 399)][0] == "picked_up"


async def test_one_bad_card_and_nothing_changes(login_as: Any, backend: Backend) -> None:
    client = await login_as("c001")
    before = snapshot(backend)
    cards = iccids(1, N, 101, 140) + [demo_iccid(1, N, 399)]
    err = await refused(client, "/v1/sim/pickups", pickup_body(cards))
    assert (err.status, err.code) == (409, "sim_batch_rejected")
    assert err.details["counts"]["wrong_state"] == 1
    assert snapshot(backend) == before


async def test_another_department_is_refused_with_the_department_named(login_as: Any) -> None:
    client = await login_as("c001", "zh-CN")
    err = await refused(
        client, "/v1/sim/pickups", pickup_body(iccids(1, N, 101, 102) + iccids(2, N, 120, 120))
    )
    assert (err.status, err.code) == (403, "sim_wrong_department")
    assert "TJ002" in err.message and "TJ001" in err.message
    err = await refused(
        client, "/v1/sim/pickups", pickup_body(card_range(1, N, 101, 102), agent="A00201")
    )
    assert err.code == "sim_agent_wrong_department" and "TJ002" in err.message
    err = await refused(
        client, "/v1/sim/pickups", pickup_body(card_range(1, N, 101, 102), agent="A99999")
    )
    assert (err.status, err.code) == (404, "sim_agent_not_found")


async def test_staff_without_department_is_refused(login_as: Any, backend: Backend) -> None:
    from branchdesk.clients.local.auth import STAFF

    with backend.store.transaction() as txn:
        txn.put(STAFF, "c002", {**backend.store.get(STAFF, "c002"), "dept_id": None})
    client = await login_as("c002")
    err = await refused(client, "/v1/sim/pickups", pickup_body(card_range(1, N, 101, 102)))
    assert (err.status, err.code) == (403, "sim_no_department")


async def test_wrong_card_type_and_body_shape_refusals(login_as: Any) -> None:
    client = await login_as("c001")
    err = await refused(
        client, "/v1/sim/pickups", {**pickup_body(card_range(1, N, 101, 102)), "card_type": "256k"}
    )
    assert (err.status, err.code) == (422, "validation_error")
    both = {**pickup_body(card_range(1, N, 101, 102)), "iccids": iccids(1, N, 101, 102)}
    assert (await refused(client, "/v1/sim/pickups", both)).code == "sim_batch_source"
    assert (await refused(client, "/v1/sim/pickups", pickup_body([]))).code == "sim_batch_empty"
    reversed_range = pickup_body(card_range(1, N, 150, 101))
    assert (await refused(client, "/v1/sim/pickups", reversed_range)).code == "range_reversed"
    huge = {"range": {"start": demo_iccid(1, N, 1), "end": demo_iccid(1, N, 100_001)}}
    err = await refused(client, "/v1/sim/pickups", pickup_body(huge))
    assert err.code == "range_too_large" and "100000" in err.message


async def test_return_to_another_agent_is_location_mismatch(
    login_as: Any, backend: Backend
) -> None:
    client = await login_as("c001", "zh-CN")
    await post(client, "/v1/sim/pickups", pickup_body(card_range(1, N, 101, 110)))
    before = snapshot(backend)
    err = await refused(
        client, "/v1/sim/returns", pickup_body(card_range(1, N, 101, 110), agent="A00102")
    )
    assert (err.status, err.code, err.message) == (409, "location_mismatch", "卡库位不一致")
    assert err.details["cards"] == iccids(1, N, 101, 110)
    assert snapshot(backend) == before
    receipt = await post(
        client,
        "/v1/sim/returns",
        {**pickup_body(card_range(1, N, 101, 110)), "fee_per_card": "2.5"},
    )
    assert (receipt["fee_per_card"], receipt["amount_received"]) == ("2.50", "25.00")
    card = backend.store.get(CARDS, demo_iccid(1, N, 105))
    assert (card["state"], card["loc_id"]) == ("in_stock", "13ZDF14")


async def test_cards_in_stock_cannot_be_returned(login_as: Any) -> None:
    client = await login_as("c001")
    err = await refused(client, "/v1/sim/returns", pickup_body(card_range(1, N, 101, 103)))
    assert err.code == "sim_batch_rejected" and err.details["counts"]["wrong_state"] == 3


async def test_pickup_is_idempotent(login_as: Any, backend: Backend) -> None:
    client = await login_as("c001")
    action = Action()
    body = pickup_body(card_range(1, N, 101, 105))
    first = await client.post("/v1/sim/pickups", body, action)
    again = await client.post("/v1/sim/pickups", body, action)
    assert first == again
    assert len(backend.store.lookup(BATCHES, "action", "pickup")) == 1


async def test_transfer_down_stays_pending_until_another_operator_approves(
    login_as: Any, backend: Backend
) -> None:
    sender, receiver = await login_as("c001"), await login_as("c002")
    body = {"from_warehouse": "130040", "card_type": M, **card_range(1, M, 1, 30)}
    preview = await post(sender, "/v1/sim/transfers", body, dry_run="true")
    assert preview["found"] == 30
    transfer = await post(sender, "/v1/sim/transfers", body)
    assert transfer["status"] == "pending" and transfer["target"] == "13ZDF14"
    card = backend.store.get(CARDS, demo_iccid(1, M, 5))
    assert (card["state"], card["loc_id"]) == ("in_transfer", "130040")
    # pending cards cannot be picked up
    err = await refused(sender, "/v1/sim/pickups", pickup_body(card_range(1, M, 1, 2), card_type=M))
    assert err.code == "sim_batch_rejected"
    assert [t["id"] for t in await SimApi(receiver).transfers()] == [transfer["id"]]
    err = await refused(sender, f"/v1/sim/transfers/{transfer['id']}/approve", {})
    assert (err.status, err.code) == (409, "sim_same_operator")
    done = await post(receiver, f"/v1/sim/transfers/{transfer['id']}/approve", {})
    assert done["status"] == "approved" and done["decided_by"] == "c002"
    card = backend.store.get(CARDS, demo_iccid(1, M, 5))
    assert (card["state"], card["loc_id"]) == ("in_stock", "13ZDF14")
    err = await refused(receiver, f"/v1/sim/transfers/{transfer['id']}/reject", {})
    assert err.code == "sim_transfer_closed"
    await post(sender, "/v1/sim/pickups", pickup_body(card_range(1, M, 1, 2), card_type=M))


async def test_transfer_reject_returns_the_cards(login_as: Any, backend: Backend) -> None:
    sender, receiver = await login_as("c001"), await login_as("s001")
    body = {"from_warehouse": "130040", "card_type": N, **card_range(1, N, 1, 5)}
    transfer = await post(sender, "/v1/sim/transfers", body)
    await post(receiver, f"/v1/sim/transfers/{transfer['id']}/reject", {})
    card = backend.store.get(CARDS, demo_iccid(1, N, 1))
    assert (card["state"], card["loc_id"]) == ("in_stock", "130040")
    history = (await SimApi(sender).card(demo_iccid(1, N, 1)))["history"]
    assert [h["action"] for h in history] == ["stock_in", "transfer_out", "transfer_reject"]


async def test_transfer_only_from_own_secondary_warehouse(login_as: Any) -> None:
    client = await login_as("c001")
    body = {"card_type": N, **card_range(1, N, 1, 5)}
    err = await refused(client, "/v1/sim/transfers", {**body, "from_warehouse": "13ZDF14"})
    assert (err.status, err.code) == (422, "sim_not_secondary")
    err = await refused(client, "/v1/sim/transfers", {**body, "from_warehouse": "130043"})
    assert (err.status, err.code) == (403, "sim_wrong_department")


async def test_stock_overview_counts(login_as: Any) -> None:
    stock = await SimApi(await login_as("s001")).stock()
    by_code = {w["code"]: w["counts"] for w in stock["warehouses"]}
    assert by_code["130040"][N]["in_stock"] == 100
    assert by_code["13ZDF14"][M]["in_stock"] == 250
    at_agents = sum(
        a["counts"].get(N, {}).get("picked_up", 0)
        for a in stock["agents"]
        if a["dept_id"] == "TJ001"
    )
    assert at_agents == 50


async def test_card_lookup_unknown(login_as: Any) -> None:
    client = await login_as("c001", "zh-CN")
    with pytest.raises(ApiError) as err:
        await SimApi(client).card("89860100000000000000")
    assert err.value.status == 404 and "89860100000000000000" in err.value.message


def test_transition_for_card_writing(backend: Backend) -> None:
    from branchdesk.clients.local.auth import Staff
    from branchdesk.clients.local.errors import DomainError

    picked = next(
        c
        for c in backend.store.scan(CARDS)
        if c["loc_id"] == "A00101" and c["state"] == "picked_up"
    )
    staff = Staff("c001", "李建国", ("clerk",), "b", "TJ001")
    assert backend.store.get(AGENTS, "A00101")
    with pytest.raises(DomainError) as err:
        transition(
            backend, staff, picked["iccid"], state="written", action="write", agent_id="A00102"
        )
    assert err.value.code == "sim_not_at_agent"
    moved = transition(
        backend, staff, picked["iccid"], state="written", action="write", agent_id="A00101"
    )
    assert moved["state"] == "written"
    with pytest.raises(DomainError) as err:
        transition(backend, staff, picked["iccid"], state="in_stock", action="return")
    assert err.value.code == "sim_state_invalid"
    history = card_view(backend, picked["iccid"])["history"]
    assert (history[-1]["action"], history[-1]["by"], history[-1]["state"]) == (
        "write",
        "c001",
        "written",
    )
    assert len(backend.store.lookup(MOVES, "iccid", picked["iccid"])) == len(history)
