"""Issuing points: CSV import (all-or-nothing, bad lines by number), manual grant, detail."""

from __future__ import annotations

import pytest

from branchdesk.clients.api import Action
from branchdesk.clients.errors import ApiError
from branchdesk.clients.points_api import PointsApi

DEMO_MOBILE = "13800138000"


@pytest.fixture
async def cards(backend):
    return [m["card_no"] for m in sorted(backend.store.scan("members"), key=lambda m: m["id"])]


def _sum(backend, member_id):
    return sum(r["points"] for r in backend.store.lookup("points_ledger", "member_id", member_id))


async def test_template_imports_as_is_after_filling_cards(supervisor, cards, backend):
    api = PointsApi(supervisor)
    template = await api.import_template()
    assert template["filename"].endswith(".csv")
    lines = template["content"].splitlines()
    assert lines[0] == "card_no,points,note"
    text = f"\ufeffcard_no,points,note\r\n{cards[0]},160,定期存款\r\n{cards[3]},5,保险\r\n"
    preview = await api.import_csv(text, Action(), dry_run=True)
    assert preview["rows"] == 2 and preview["points"] == 165 and preview["batch_id"] is None
    member = backend.store.lookup("members", "card_no", cards[0])[0]
    assert _sum(backend, member["id"]) == 1000
    done = await api.import_csv(text, Action(), dry_run=False)
    assert done["batch_id"] and done["rows"] == 2
    assert _sum(backend, member["id"]) == 1160
    assert backend.store.get("points_balances", member["id"])["balance"] == 1160


async def test_every_bad_line_reported_and_nothing_issued(supervisor, cards, backend):
    text = (
        "card_no,points,note\n"
        f"{cards[0]},10,ok\n"
        f"{cards[1]},abc,bad number\n"
        f"{cards[2]},-5,negative\n"
        "\n"
        "6210989999999999999,10,unknown member\n"
        f"{cards[0]},10,duplicate\n"
        f"{cards[3]},1.5,fraction\n"
        f"{cards[4]},10\n"
        "12ab,10,bad card\n"
    )
    before = {m: _sum(backend, m) for m in ("M000001", "M000002")}
    with pytest.raises(ApiError) as err:
        await PointsApi(supervisor).import_csv(text, Action(), dry_run=False)
    assert err.value.status == 422 and err.value.code == "import_invalid"
    problems = {(p["line"], p["problem"]) for p in err.value.details}
    assert problems == {
        (3, "points"),
        (4, "points"),
        (6, "unknown_member"),
        (7, "duplicate"),
        (8, "points"),
        (9, "columns"),
        (10, "card_no"),
    }
    dup = next(p for p in err.value.details if p["problem"] == "duplicate")
    assert dup["first_line"] == 2
    assert before == {m: _sum(backend, m) for m in before}
    assert not backend.store.scan("points_batches")


async def test_wrong_header_and_empty_file(supervisor):
    api = PointsApi(supervisor)
    with pytest.raises(ApiError) as err:
        await api.import_csv("mobile,amount\r\n1,2\r\n", Action(), dry_run=True)
    assert (
        err.value.details
        == [{"line": 1, "problem": "header", "value": "mobile,amount", "first_line": None}]
        or err.value.details[0]["line"] == 1
    )
    with pytest.raises(ApiError) as err:
        await api.import_csv("\ufeff\r\n\r\n", Action(), dry_run=True)
    assert err.value.code == "import_empty"


async def test_crlf_bom_and_quoted_notes(supervisor, cards, backend):
    text = f'\ufeffcard_no,points,note\r\n"{cards[5]}",20,"存款, 一年"\r\n'
    done = await PointsApi(supervisor).import_csv(text, Action(), dry_run=False)
    assert done["points"] == 20
    row = backend.store.lookup("points_ledger", "ref", done["batch_id"])[0]
    assert row["note"] == "存款, 一年"


async def test_import_retry_applies_once(supervisor, cards, backend):
    text = f"card_no,points,note\n{cards[0]},7,x\n"
    action = Action()
    api = PointsApi(supervisor)
    first = await api.import_csv(text, action, dry_run=False)
    again = await api.import_csv(text, action, dry_run=False)
    assert first == again
    member = backend.store.lookup("members", "card_no", cards[0])[0]
    assert _sum(backend, member["id"]) == 1007


async def test_manual_grant_adjust_and_detail(supervisor, cashier, backend):
    api = PointsApi(supervisor)
    member = await api.find_member(DEMO_MOBILE)
    row = await api.grant(member["id"], 16, "定期存款 10000 元一年", Action())
    assert row["kind"] == "earn" and row["balance_after"] == 1016
    with pytest.raises(ApiError) as err:
        await api.grant(member["id"], -20, "", Action(), kind="adjust")
    assert err.value.code == "reason_required"
    with pytest.raises(ApiError) as err:
        await api.grant(member["id"], -5000, "fix", Action(), kind="adjust")
    assert err.value.code == "balance_negative"
    await api.grant(member["id"], -16, "录入错误", Action(), kind="adjust")
    detail = await PointsApi(cashier).ledger(member["id"])
    assert [r["kind"] for r in detail["rows"]][-2:] == ["earn", "adjust"]
    assert detail["member"]["points"] == 1000 == sum(r["points"] for r in detail["rows"])


async def test_add_member_then_grant(supervisor, backend):
    created = await supervisor.post(
        "/v1/members",
        {
            "name": "赵六",
            "mobile": "13912345678",
            "institution_id": "52230103",
            "id_number": "11010519491231002X",
        },
        Action(),
    )
    assert created["points"] == 0 and created["id_bound"] and created["mobile"] == "139****5678"
    with pytest.raises(ApiError) as err:
        await supervisor.post(
            "/v1/members",
            {"name": "赵六", "mobile": "13912345678", "institution_id": "52230103"},
            Action(),
        )
    assert err.value.code == "member_exists"
    with pytest.raises(ApiError) as err:
        await supervisor.post(
            "/v1/members",
            {"name": "x", "mobile": "23912345678", "institution_id": "52230103"},
            Action(),
        )
    assert err.value.status == 422


async def test_balance_equals_ledger_sum_for_every_member(backend, supervisor, cards):
    await PointsApi(supervisor).import_csv(
        "card_no,points,note\n" + "".join(f"{c},3,x\n" for c in cards[:10]), Action(), dry_run=False
    )
    for member in backend.store.scan("members"):
        assert backend.store.get("points_balances", member["id"])["balance"] == _sum(
            backend, member["id"]
        )
