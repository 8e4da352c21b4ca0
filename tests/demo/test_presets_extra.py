"""The installment_bound preset: c001 bound as 13985900001, a late review and a recent sale —
what the installment tour starts from (the binding SMS code cannot be known by a tour file)."""

from __future__ import annotations

from typing import Any

from branchdesk.clients.api import Action
from branchdesk.clients.demo_api import DemoApi
from branchdesk.clients.installment_api import InstallmentApi
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.demo import presets
from branchdesk.clients.local.installment.orders import APPLICATIONS
from branchdesk.tui.tour import TOURS_DIR, load_tour
from support.tui import SIZE, TOUR_SPEED, login, make_app, wait_for


async def test_installment_bound_binds_c001_with_a_late_review_and_a_recent_sale(
    login_as: Any,
    backend: Backend,
) -> None:
    result = await DemoApi(await login_as("t001")).apply_preset("installment_bound", Action())
    assert result["details"]["job_no"] == "13985900001"
    api = InstallmentApi(await login_as("c001"))
    profile = await api.clerk()
    assert (profile["state"], profile["job_no"]) == ("bound", "13985900001")
    assert profile["merchant_name"] == "中国移动兴义坪东营业厅"
    board = {a["id"]: a for a in (await api.applications())["items"]}
    late_id, sale_id = result["details"]["late_id"], result["details"]["recent_id"]
    assert set(board) == {late_id, sale_id}
    assert board[late_id]["customer_name"] == presets.LATE_REVIEW[0][0] + "**"  # masked
    assert board[late_id]["likely_refused"]
    assert board[late_id]["review_seconds"] >= presets.LATE_REVIEW[1] * 60
    assert board[sale_id]["status"] == "completed"
    completed = await api.orders("", "", "completed")
    assert completed[0]["id"] == sale_id  # newest first: the tour's F3 filter lands on it
    assert completed[0]["payment_received"] and completed[0]["revoke_until"]
    sale = completed[0]
    revoked = await api.revoke(sale["id"], "客户退机", Action())
    assert revoked["status"] == "revoked"


async def test_installment_bound_again_starts_from_the_same_case(
    login_as: Any, backend: Backend
) -> None:
    demo = DemoApi(await login_as("t001"))
    first = await demo.apply_preset("installment_bound", Action())
    second = await demo.apply_preset("installment_bound", Action())
    assert first["details"] == second["details"]
    assert sum(1 for _ in backend.store.scan(APPLICATIONS)) == 10


async def test_the_installment_tour_really_revokes_the_recent_sale(backend: Backend) -> None:
    tour = load_tour(TOURS_DIR / "installment.toml")
    app = make_app(backend, "zh-CN")
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "t001")
        details = (await DemoApi(app.client).apply_preset(tour.preset or "", Action()))["details"]
        runner = app.start_tour(tour, auto=True, speed=TOUR_SPEED)
        await wait_for(pilot, lambda: runner.finished or bool(runner.problems), timeout=30)
        assert runner.problems == []
    sale = backend.store.get(APPLICATIONS, details["recent_id"])
    assert (sale["status"], sale["revoke_reason"]) == ("revoked", "客户退机")
    scanned = [
        a
        for a in backend.store.scan(APPLICATIONS)
        if a["clerk_staff_id"] == "c001" and a["status"] == "in_progress"
    ]
    assert len(scanned) == 1  # the simulated customer's scan
