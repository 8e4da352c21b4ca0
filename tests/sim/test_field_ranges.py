"""What clerks type in the field: ranges with spaces or without the end's check digit, a range
bigger than what is there (take the available cards, explicitly), batch history for reprints,
and locations as names rather than machine references."""

from __future__ import annotations

from typing import Any

import pytest
from sim.sim_cards import card_range, iccids, pick_up

from branchdesk.clients.api import Action, ApiClient
from branchdesk.clients.errors import ApiError
from branchdesk.clients.iccid_batch import clean_iccid, complete_range_end
from branchdesk.clients.local.sim.seed import demo_iccid

N = "128k_normal"
# Branch 1: cards 101–350 of each type are in stock at 13ZDF14, 351–400 picked up by agents.


async def _post(client: ApiClient, path: str, body: dict[str, Any], **params: Any) -> Any:
    return await client.post(path, body, Action(), **params)


def _spaced(iccid: str) -> str:
    return " ".join(iccid[i : i + 4] for i in range(0, len(iccid), 4))


def test_a_pasted_iccid_with_spaces_and_an_end_without_check_digit() -> None:
    start = demo_iccid(1, N, 101)
    end = demo_iccid(1, N, 110)
    assert clean_iccid(_spaced(start)) == start
    assert clean_iccid("8986\u30000126\t0110") == "898601260110"
    assert complete_range_end(start, end[:-1]) == end
    assert complete_range_end(_spaced(start), _spaced(end[:-1])) == end
    assert complete_range_end(start, end) == end


async def test_the_range_accepts_spaces_and_shows_the_computed_check_digit(login_as: Any) -> None:
    clerk = await login_as("c001")
    start, end = demo_iccid(1, N, 101), demo_iccid(1, N, 110)
    body = {
        "agent_id": "A00101",
        "card_type": N,
        "range": {"start": _spaced(start), "end": _spaced(end[:-1])},
    }
    preview = await _post(clerk, "/v1/sim/pickups", body, dry_run="true")
    assert preview["found"] == 10 and preview["accepted"]
    assert preview["range_end"] == end


async def test_a_range_bigger_than_the_stock_takes_the_available_cards_only_when_asked(
    backend: Any, login_as: Any
) -> None:
    clerk = await login_as("c001")
    body = {"agent_id": "A00101", "card_type": N, **card_range(1, N, 341, 360)}
    preview = await _post(clerk, "/v1/sim/pickups", body, dry_run="true")
    assert (preview["available"], preview["skippable"]) == (10, 10)
    assert not preview["accepted"]
    with pytest.raises(ApiError) as err:
        await _post(clerk, "/v1/sim/pickups", body)
    assert err.value.code == "sim_batch_rejected"
    assert backend.store.get("sim_cards", demo_iccid(1, N, 341))["state"] == "in_stock"
    batch = await _post(clerk, "/v1/sim/pickups", {**body, "take_available": True})
    assert (batch["count"], batch["requested"], batch["skipped"]) == (10, 20, 10)
    assert backend.store.get("sim_cards", demo_iccid(1, N, 341))["state"] == "picked_up"


async def test_take_available_never_skips_cards_held_by_another_agent(login_as: Any) -> None:
    clerk = await login_as("c001")
    taken = await pick_up(clerk, "A00101", card_range(1, N, 101, 105))
    assert taken["count"] == 5
    body = {"agent_id": "A00102", "card_type": N, "fee_per_card": "0", **card_range(1, N, 101, 105)}
    with pytest.raises(ApiError) as err:
        await _post(clerk, "/v1/sim/returns", {**body, "take_available": True})
    assert err.value.code == "location_mismatch"


async def test_take_available_is_for_ranges_only(login_as: Any) -> None:
    clerk = await login_as("c001")
    body = {"agent_id": "A00101", "card_type": N, "iccids": iccids(1, N, 101, 102)}
    with pytest.raises(ApiError) as err:
        await _post(clerk, "/v1/sim/pickups", {**body, "take_available": True})
    assert err.value.code == "sim_take_available_range_only"


async def test_batch_history_lists_the_departments_batches_newest_first(login_as: Any) -> None:
    clerk = await login_as("c001")
    first = await pick_up(clerk, "A00101", card_range(1, N, 101, 103))
    second = await _post(
        clerk,
        "/v1/sim/returns",
        {
            "agent_id": "A00101",
            "card_type": N,
            "fee_per_card": "1.50",
            **card_range(1, N, 101, 102),
        },
    )
    history = await clerk.get("/v1/sim/batches")
    ids = [b["id"] for b in history]
    assert ids.index(second["id"]) < ids.index(first["id"])
    returns = await clerk.get("/v1/sim/batches", action="return")
    assert [b["id"] for b in returns][:1] == [second["id"]]
    assert returns[0]["amount_received"] == "3.00" and "iccids" not in returns[0]


async def test_card_lookup_names_the_location_and_transfers_show_their_target(
    login_as: Any,
) -> None:
    clerk = await login_as("c001", lang="zh-CN")
    iccid = demo_iccid(1, N, 101)
    card = await clerk.get(f"/v1/sim/cards/{iccid}")
    assert card["location"]["label"] == "和平分公司 社会渠道库 13ZDF14"
    assert "warehouse:" not in card["location"]["label"]
    secondary = demo_iccid(1, N, 1)
    await _post(
        clerk,
        "/v1/sim/transfers",
        {"from_warehouse": "130040", "card_type": N, "iccids": [secondary]},
    )
    history = (await clerk.get(f"/v1/sim/cards/{secondary}"))["history"]
    last = history[-1]
    assert (last["from"], last["to"]) == ("warehouse:130040", "warehouse:13ZDF14")
    assert last["from_label"] == "和平分公司 二级库 130040"
    assert last["to_label"] == "和平分公司 社会渠道库 13ZDF14"


async def test_a_refused_resubmit_names_the_location_in_words(login_as: Any) -> None:
    clerk = await login_as("c001")
    body = {"from_warehouse": "130040", "card_type": N, "iccids": iccids(1, N, 1, 2)}
    await _post(clerk, "/v1/sim/transfers", body)
    with pytest.raises(ApiError) as err:
        await _post(clerk, "/v1/sim/transfers", body)
    problem = err.value.details["wrong_state"][0]
    assert problem["location_label"] == "Heping branch secondary warehouse 130040"
