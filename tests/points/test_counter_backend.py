"""The counter's backend: a shift's redemptions, cancelling a pending one, the code limit that
says when, the same issuance file refused twice, decoding problems by line, add-member checks."""

from __future__ import annotations

import pytest

from branchdesk.clients.api import Action
from branchdesk.clients.errors import ApiError
from branchdesk.clients.local import pii
from branchdesk.clients.local.points import imports
from branchdesk.clients.points_api import PointsApi

DEMO_MOBILE = "13800138000"


def ledger_sum(backend, member_id: str) -> int:
    return sum(r["points"] for r in backend.store.lookup("points_ledger", "member_id", member_id))


async def _create(api: PointsApi, member_id: str, points: int = 10):
    return await api.create_redemption(member_id, "pos", Action(), points=points)


async def test_the_shift_list_shows_own_redemptions_with_member_staff_and_outlet(
    cashier, supervisor, demo_member
):
    api = PointsApi(cashier)
    first = await _create(api, demo_member["id"], 10)
    second = await _create(api, demo_member["id"], 20)
    mine = await api.redemptions(since="2026-11-22T00:00:00+00:00")
    assert [r["id"] for r in mine] == [second["id"], first["id"]]
    row = mine[0]
    assert row["member_name"] and "*" in row["member_name"]
    assert row["member_mobile"] == "138****8000"
    assert row["created_by"] == "k001" and row["created_by_name"]
    assert row["institution_name"]
    assert await api.redemptions(since="2030-01-01T00:00:00+00:00") == []


async def test_a_cashier_cannot_list_another_cashiers_shift(cashier, supervisor, demo_member):
    with pytest.raises(ApiError) as err:
        await PointsApi(cashier).redemptions(created_by="s001")
    assert err.value.status == 403
    await _create(PointsApi(cashier), demo_member["id"])
    theirs = await PointsApi(supervisor).redemptions(
        created_by="k001", since="2026-11-22T08:00:00+00:00"
    )
    assert len(theirs) == 1


async def test_a_pending_redemption_can_be_cancelled_once_and_its_code_dies(
    backend, cashier, supervisor, demo_member, codes
):
    api = PointsApi(cashier)
    r = await _create(api, demo_member["id"], 30)
    code = codes(await supervisor.sms_outbox(DEMO_MOBILE), r["id"])
    cancelled = await api.cancel(r["id"], Action())
    assert cancelled["status"] == "cancelled"
    with pytest.raises(ApiError) as err:
        await api.verify(r["id"], code, Action())
    assert err.value.status == 409
    with pytest.raises(ApiError) as err:
        await api.cancel(r["id"], Action())
    assert err.value.code == "redemption_not_cancellable"
    assert ledger_sum(backend, demo_member["id"]) == 1000


async def test_cancelled_checkouts_do_not_use_up_the_hours_codes(cashier, demo_member):
    api = PointsApi(cashier)
    for _ in range(5):
        r = await _create(api, demo_member["id"])
        await api.cancel(r["id"], Action())
    assert (await _create(api, demo_member["id"]))["status"] == "pending_otp"


async def test_the_code_limit_says_when_the_next_code_can_be_sent(clock, cashier, demo_member):
    api = PointsApi(cashier)
    await _create(api, demo_member["id"])
    clock.advance(minutes=20)
    for _ in range(4):
        await _create(api, demo_member["id"])
    with pytest.raises(ApiError) as err:
        await _create(api, demo_member["id"])
    assert err.value.code == "otp_rate_limited"
    assert err.value.details["retry_after"] == 40 * 60
    assert "40 min" in err.value.message


async def test_cancelling_cannot_flood_a_phone(cashier, demo_member):
    api = PointsApi(cashier)
    for _ in range(10):
        r = await _create(api, demo_member["id"])
        await api.cancel(r["id"], Action())
    with pytest.raises(ApiError) as err:
        await _create(api, demo_member["id"])
    assert err.value.code == "otp_rate_limited"


def _file(cards: list[str]) -> bytes:
    return ("card_no,points,note\r\n" + "".join(f"{c},16,定期存款\r\n" for c in cards)).encode()


async def test_the_same_file_twice_is_refused_naming_the_earlier_batch(backend, supervisor):
    cards = [m["card_no"] for m in sorted(backend.store.scan("members"), key=lambda m: m["id"])]
    api = PointsApi(supervisor)
    raw = _file(cards[:2])
    first = await api.import_file(raw, Action(), dry_run=False, filename="a.csv")
    member = backend.store.lookup("members", "card_no", cards[0])[0]
    balance = ledger_sum(backend, member["id"])
    preview = await api.import_file(raw, Action(), dry_run=True)
    assert preview["earlier_batch"]["batch_id"] == first["batch_id"]
    with pytest.raises(ApiError) as err:
        await api.import_file(raw, Action(), dry_run=False)
    assert (err.value.status, err.value.code) == (409, "import_duplicate")
    assert err.value.details == {
        "batch_id": first["batch_id"],
        "by": "s001",
        "at": first_at(backend, first),
    }
    assert first["batch_id"] in err.value.message and "s001" in err.value.message
    assert ledger_sum(backend, member["id"]) == balance
    again = await api.import_file(raw, Action(), dry_run=False, confirm_reimport=True)
    assert again["batch_id"] != first["batch_id"]
    assert ledger_sum(backend, member["id"]) == balance + 16


def first_at(backend, result) -> str:
    return backend.store.get(imports.BATCHES, result["batch_id"])["at"]


async def test_an_undecodable_line_is_named_and_every_other_line_still_checked(backend, supervisor):
    cards = [m["card_no"] for m in sorted(backend.store.scan("members"), key=lambda m: m["id"])]
    raw = (
        b"card_no,points,note\r\n"
        + f"{cards[0]},16,定期存款\r\n".encode("gb18030")
        + f"{cards[1]},16,".encode()
        + b"\xb4\xff\xfe\r\n"
        + f"{cards[2]},abc,x\r\n".encode()
    )
    with pytest.raises(ApiError) as err:
        await PointsApi(supervisor).import_file(raw, Action(), dry_run=True)
    assert err.value.code == "import_invalid"
    problems = {(p["line"], p["problem"]) for p in err.value.details}
    assert problems == {(3, "encoding"), (4, "points")}
    encoding = next(p for p in err.value.details if p["problem"] == "encoding")
    assert encoding["value"] == str(len(f"{cards[1]},16,") + 1)


async def test_gb18030_files_import(backend, supervisor):
    cards = [m["card_no"] for m in sorted(backend.store.scan("members"), key=lambda m: m["id"])]
    raw = f"card_no,points,note\r\n{cards[0]},16,定期存款 10000 元一年\r\n".encode("gb18030")
    preview = await PointsApi(supervisor).import_file(raw, Action(), dry_run=True)
    assert preview["rows"] == 1 and preview["points"] == 16 and preview["members"] == 1
    assert preview["value"] == "8.00"
    assert preview["first_rows"][0]["note"] == "定期存款 10000 元一年"
    assert preview["first_rows"][0]["card"].startswith("…")


async def test_the_template_follows_the_program_rule(supervisor):
    template = await PointsApi(supervisor).import_template()
    assert "6210980000000000015,16,定期存款 10000 元一年" in template["content"]


async def test_a_second_member_with_the_same_id_number_is_refused(backend, supervisor):
    existing = next(m for m in backend.store.scan("members") if m.get("id_number"))
    with pytest.raises(ApiError) as err:
        await PointsApi(supervisor).create_member(
            {
                "name": "张三",
                "mobile": "13912345678",
                "id_number": pii.value(backend, "members", existing, "id_number"),
                "institution_id": existing["institution_id"],
            },
            Action(),
        )
    assert (err.value.status, err.value.code) == (409, "member_duplicate_id")
    assert err.value.details["member_id"] == existing["id"]


@pytest.mark.parametrize("points", [True, "10", 10.0])
async def test_points_must_be_a_json_integer(cashier, demo_member, points):
    with pytest.raises(ApiError) as err:
        await cashier.post(
            "/v1/redemptions",
            {"member_id": demo_member["id"], "channel": "pos", "points": points},
            Action(),
        )
    assert err.value.status == 422


async def test_a_huge_unit_price_is_a_refusal_not_a_server_error(cashier, backend):
    offline = next(
        m for m in backend.store.scan("members") if m.get("offline") and m.get("id_number")
    )
    item = {"name": "茶叶", "quantity": 1, "unit_price": "9e999999"}
    with pytest.raises(ApiError) as err:
        await cashier.post(
            "/v1/redemptions",
            {"member_id": offline["id"], "channel": "proxy", "items": [item]},
            Action(),
        )
    assert (err.value.status, err.value.code) == (422, "order_invalid")


async def test_an_unknown_program_is_a_field_error(supervisor, backend):
    institution = next(iter(backend.store.scan("points_institutions")))["id"]
    with pytest.raises(ApiError) as err:
        await PointsApi(supervisor).create_member(
            {
                "name": "李四",
                "mobile": "13912340000",
                "institution_id": institution,
                "program_id": "NOPE",
            },
            Action(),
        )
    assert (err.value.status, err.value.code) == (422, "member_field_invalid")
    assert err.value.details == {"field": "program_id"}
