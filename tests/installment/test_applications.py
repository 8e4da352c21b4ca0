"""Applications: steps, the funder's review (delay, refusal, "likely refused"), the back office
order query and the 7-day revocation window."""

from __future__ import annotations

from datetime import datetime

import pytest
from installment.helpers import bind_clerk

from branchdesk.clients.api import Action
from branchdesk.clients.errors import ApiError
from branchdesk.clients.installment_api import InstallmentApi
from support.backend import logged_in, make_backend


async def start(api: InstallmentApi) -> dict:
    qr = await api.new_qr(Action())
    return await api.simulate_scan(qr["token"], Action())


async def submit(api: InstallmentApi, **addons: bool) -> dict:
    app = await start(api)
    await api.simulate_step(app["id"], Action())  # product chosen
    await api.simulate_step(app["id"], Action(), **addons)  # identity
    return await api.simulate_step(app["id"], Action())  # submitted for review


async def complete(api: InstallmentApi, clock) -> dict:
    app = await submit(api)
    clock.advance(seconds=120 + 60)  # review delay, then the contract is issued
    await api.simulate_step(app["id"], Action())  # contract confirmed
    return await api.simulate_step(app["id"], Action())  # voucher uploaded


async def test_steps_through_to_completion(bound, clock):
    app = await start(bound)
    steps = [(await bound.simulate_step(app["id"], Action()))["step"] for _ in range(2)]
    assert steps == ["identity", "supplementary"]
    submitted = await bound.simulate_step(app["id"], Action())
    assert submitted["status"] == "in_review" and submitted["review_seconds"] == 0
    with pytest.raises(ApiError) as waiting:
        await bound.simulate_step(app["id"], Action())
    assert waiting.value.code == "installment_cannot_advance"
    clock.advance(seconds=119)
    assert (await bound.application(app["id"]))["status"] == "in_review"
    clock.advance(seconds=1)
    approved = await bound.application(app["id"])
    assert approved["status"] == "approved" and approved["step"] == "contract"
    assert approved["review_seconds"] == 120
    clock.advance(seconds=60)
    assert (await bound.application(app["id"]))["status"] == "contract_pending"
    voucher = await bound.simulate_step(app["id"], Action())
    assert (voucher["status"], voucher["step"]) == ("voucher_pending", "voucher")
    done = await bound.simulate_step(app["id"], Action())
    assert (done["status"], done["step"]) == ("completed", "my_applications")
    assert done["card_verification"] == "verifying" and not done["payment_received"]
    clock.advance(seconds=300)
    paid = await bound.application(app["id"])
    assert paid["card_verification"] == "passed" and paid["payment_received"]


async def test_long_review_flagged_likely_refused(bound, backend, clock):
    backend.settings.extra["installment.refusal_rate"] = 1.0
    app = await submit(bound)
    clock.advance(seconds=600)
    assert not (await bound.application(app["id"]))["likely_refused"]  # 10 min exactly: not yet
    clock.advance(seconds=1)
    flagged = await bound.application(app["id"])
    assert flagged["status"] == "in_review" and flagged["likely_refused"]
    clock.advance(seconds=299)
    refused = await bound.application(app["id"])
    assert refused["status"] == "refused" and not refused["likely_refused"]
    assert refused["review_seconds"] == 900


async def test_refusal_rate_is_deterministic(backend, clock):
    outcomes = []
    for _ in range(2):
        # Same seed, same application ids → the same decisions, run after run.
        other = make_backend(
            settings=type(backend.settings)(
                clock=clock,
                extra={"installment.refusal_rate": 0.5, "installment.refused_delay_seconds": 120},
            )
        )
        client = await logged_in(other, "c001")
        api = InstallmentApi(client)
        await bind_clerk(api, other)
        ids = [(await submit(api))["id"] for _ in range(6)]
        clock.advance(seconds=120)
        outcomes.append([(await api.application(i))["status"] for i in ids])
        await client.aclose()
    assert outcomes[0] == outcomes[1]
    assert {"approved", "refused"} <= set(outcomes[0])


async def test_addons_ticked_are_reported(bound):
    app = await submit(bound, life_insurance=True)
    assert app["addons_ticked"] == ["life_insurance"]


async def test_board_shows_only_own_customers(bound, supervisor):
    mine = await start(bound)
    board = await bound.applications()
    assert [a["id"] for a in board["items"]] == [mine["id"]] and board["total"] == 1
    assert board["items"][0]["customer_mobile"].count("*") == 4
    everyone = await InstallmentApi(supervisor).applications()
    assert everyone["total"] > 1  # the seeded orders of the demo clerk too


async def test_board_pages_newest_first_with_a_total(bound, supervisor, backend):
    api = InstallmentApi(supervisor)
    seeded = await api.applications(limit=200)
    assert seeded["total"] == backend.store.count("inst_applications") == len(seeded["items"])
    ids = [a["id"] for a in seeded["items"]]
    assert ids == sorted(ids, reverse=True)
    pages, before = [], None
    while True:
        page = await api.applications(limit=3, before=before)
        assert page["total"] == seeded["total"] and page["late"] == seeded["late"]
        if not page["items"]:
            break
        pages.append([a["id"] for a in page["items"]])
        before = pages[-1][-1]
    assert all(len(p) == 3 for p in pages[:-1]) and 1 <= len(pages[-1]) <= 3
    assert [i for p in pages for i in p] == ids  # every application once, in order
    mine = await start(bound)
    first = await api.applications(limit=3)
    assert first["items"][0]["id"] == mine["id"] and first["total"] == seeded["total"] + 1
    assert (await api.applications(limit=3, before=pages[0][0]))["items"][0]["id"] == ids[1]


async def test_board_filters_by_merchant_and_counts_the_late_ones(
    bound, supervisor, backend, clock
):
    api = InstallmentApi(supervisor)
    everyone = await api.applications(limit=200)
    merchants = {a["merchant_id"] for a in everyone["items"]}
    for merchant in merchants:
        theirs = await api.applications(limit=200, merchant_id=merchant)
        expected = [a["id"] for a in everyone["items"] if a["merchant_id"] == merchant]
        assert [a["id"] for a in theirs["items"]] == expected
        assert theirs["total"] == len(expected)
    assert (await api.applications(merchant_id="MER999"))["total"] == 0
    late_before = everyone["late"]
    assert late_before == sum(a["likely_refused"] for a in everyone["items"])
    backend.settings.extra["installment.refusal_rate"] = 1.0  # the funder answers in 15 minutes
    app = await submit(bound)
    assert (await bound.applications())["late"] == 0  # just submitted
    clock.advance(seconds=60 * 10 + 1)  # over 10 minutes, still waiting for the funder
    mine = await bound.applications()
    assert (mine["total"], mine["late"]) == (1, 1) and mine["items"][0]["id"] == app["id"]
    assert (await api.applications(limit=1))["late"] >= 1  # counted beyond the page too
    clock.advance(seconds=5 * 60)  # refused: no longer waiting
    assert (await bound.applications())["late"] == 0


async def test_order_query_by_date_and_status(bound, supervisor, clock):
    api = InstallmentApi(supervisor)
    today = clock.now.date().isoformat()
    failed = [o for o in await api.orders(status="completed") if o["card_verification"] == "failed"]
    assert failed and not failed[0]["payment_received"]
    assert all(o["status"] == "completed" for o in await api.orders(status="completed"))
    todays = await api.orders(date_from=today, date_to=today)
    assert todays and all(o["created_at"][:10] == today for o in todays)
    merchant = await bound.orders()  # the clerk sees their merchant's orders
    assert {o["merchant_id"] for o in merchant} == {"MER001"}
    with pytest.raises(ApiError) as bad:
        await api.orders(date_from="22/11/2026")
    assert bad.value.code == "installment_bad_date"


async def test_revoke_within_seven_days(bound, backend, clock):
    order = await complete(bound, clock)
    clock.advance(days=7, seconds=-1)
    action = Action()
    revoked = await bound.revoke(order["id"], "客户退机", action)
    assert revoked["status"] == "revoked" and revoked["revoke_reason"] == "客户退机"
    assert await bound.revoke(order["id"], "客户退机", action) == revoked  # replay
    rows = [r for r in backend.store.scan("audit") if r["action"] == "installment.order_revoked"]
    assert len(rows) == 1 and rows[0]["idempotency_key"] == action.key
    with pytest.raises(ApiError) as twice:
        await bound.revoke(order["id"], "again", Action())
    assert twice.value.code == "installment_not_revocable"


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_revoke_refused_at_seven_days_with_the_date(backend, clock, lang):
    client = await logged_in(backend, "c001", lang)
    api = InstallmentApi(client)
    await bind_clerk(api, backend)
    order = await complete(api, clock)
    clock.advance(days=7)  # completed_at + 7 days exactly: closed
    with pytest.raises(ApiError) as late:
        await api.revoke(order["id"], "too late", Action())
    assert late.value.status == 409 and late.value.code == "installment_revoke_window_closed"
    assert late.value.details["revoke_until"] == order["revoke_until"]
    deadline = datetime.fromisoformat(order["revoke_until"]).astimezone()
    assert deadline.strftime("%Y-%m-%d %H:%M") in late.value.message
    assert (await api.application(order["id"]))["status"] == "completed"
    await client.aclose()


async def test_clerk_cannot_revoke_other_merchants_orders(backend, clock):
    client = await logged_in(backend, "c001")
    api = InstallmentApi(client)
    await bind_clerk(api, backend, "13985900011")  # a job number of MER002
    seeded = [
        o
        for o in await InstallmentApi(await logged_in(backend, "s001")).orders()
        if o["merchant_id"] == "MER001" and o["status"] == "completed"
    ]
    with pytest.raises(ApiError) as denied:
        await api.revoke(seeded[0]["id"], "x", Action())
    assert denied.value.status == 403
    await client.aclose()
