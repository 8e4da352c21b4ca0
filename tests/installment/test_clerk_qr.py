"""Clerk registration and clerk QR codes: binding, validity (minute 30) and quota (4th customer)."""

from __future__ import annotations

import pytest
from installment.helpers import (
    CLERK_NAME,
    ID_NUMBER,
    JOB_NO,
    UNREGISTERED_JOB,
    bind_clerk,
    latest_code,
)

from branchdesk.clients.api import Action
from branchdesk.clients.errors import ApiError
from branchdesk.clients.installment_api import InstallmentApi
from branchdesk.clients.local.auth import STAFF, new_staff_doc
from support.backend import DEMO_PASSWORD, logged_in


def audit_actions(backend, action: str) -> list[dict]:
    return [r for r in backend.store.scan("audit") if r["action"] == action]


async def test_bind_with_sms_code(clerk, backend):
    api = InstallmentApi(clerk)
    assert (await api.clerk())["state"] == "unregistered"
    pending = await api.request_code(JOB_NO, CLERK_NAME, ID_NUMBER, JOB_NO, Action())
    assert pending["state"] == "pending"
    assert pending["id_number"] == "110105********002X"
    outbox = await clerk.sms_outbox(JOB_NO)
    assert outbox and "验证码" in outbox[0]["text"]
    code = latest_code(backend, JOB_NO)
    bound = await api.bind(code, Action())
    assert bound["state"] == "bound"
    assert bound["merchant_name"] == "中国移动兴义坪东营业厅"
    assert bound["mobile"] == "139****0001"
    assert audit_actions(backend, "installment.clerk_bound")[0]["actor"] == "c001"


async def test_registration_fields_checked_by_server(clerk):
    api = InstallmentApi(clerk)
    with pytest.raises(ApiError) as bad_id:
        await api.request_code(JOB_NO, CLERK_NAME, "110105194912310021", JOB_NO, Action())
    assert bad_id.value.status == 422
    assert bad_id.value.details == {"id_number": "id_checksum"}
    with pytest.raises(ApiError) as blank:
        await api.request_code("123", "", ID_NUMBER, JOB_NO, Action())
    assert set(blank.value.details) == {"job_no", "name"}
    with pytest.raises(ApiError) as other_mobile:
        await api.request_code(JOB_NO, CLERK_NAME, ID_NUMBER, "13985900003", Action())
    assert other_mobile.value.code == "installment_job_not_mobile"


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_unregistered_job_number_points_to_business_contact(backend, lang):
    client = await logged_in(backend, "c001", lang)
    api = InstallmentApi(client)
    await api.request_code(UNREGISTERED_JOB, CLERK_NAME, ID_NUMBER, UNREGISTERED_JOB, Action())
    with pytest.raises(ApiError) as failed:
        await api.bind(latest_code(backend, UNREGISTERED_JOB), Action())
    assert failed.value.status == 409
    assert failed.value.code == "installment_job_not_registered"
    assert ("业务联系人" if lang == "zh-CN" else "business contact") in failed.value.message
    assert (await api.clerk())["state"] == "pending"  # nothing half-done
    await client.aclose()


async def test_wrong_code_counts_tries_then_dies(clerk, backend):
    api = InstallmentApi(clerk)
    await api.request_code(JOB_NO, CLERK_NAME, ID_NUMBER, JOB_NO, Action())
    code = latest_code(backend, JOB_NO)
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(ApiError) as first:
        await api.bind(wrong, Action())
    assert first.value.code == "installment_code_invalid" and first.value.details["tries_left"] == 2
    with pytest.raises(ApiError):
        await api.bind(wrong, Action())
    with pytest.raises(ApiError) as third:
        await api.bind(wrong, Action())
    assert third.value.status == 410
    with pytest.raises(ApiError) as dead:
        await api.bind(code, Action())
    assert dead.value.code == "installment_code_dead"


async def test_code_expires(clerk, backend, clock):
    api = InstallmentApi(clerk)
    await api.request_code(JOB_NO, CLERK_NAME, ID_NUMBER, JOB_NO, Action())
    clock.advance(seconds=300)
    with pytest.raises(ApiError) as dead:
        await api.bind(latest_code(backend, JOB_NO), Action())
    assert dead.value.status == 410


async def test_job_number_bound_once(bound, backend):
    with backend.store.transaction() as txn:
        txn.put(STAFF, "c002", new_staff_doc("c002", "王五", ["clerk"], "test", DEMO_PASSWORD))
    second = await logged_in(backend, "c002")
    with pytest.raises(ApiError) as taken:
        await bind_clerk(InstallmentApi(second), backend)
    assert taken.value.code == "installment_job_taken"
    await second.aclose()


async def test_qr_needs_a_bound_clerk(clerk):
    with pytest.raises(ApiError) as refused:
        await InstallmentApi(clerk).new_qr(Action())
    assert refused.value.status == 409 and refused.value.code == "installment_not_bound"


async def test_qr_admits_three_customers_and_refuses_the_fourth(bound, backend):
    qr = await bound.new_qr(Action())
    assert qr["quota"] == 3 and qr["remaining"] == 3 and qr["state"] == "valid"
    assert qr["merchant_name"] == "中国移动兴义坪东营业厅"
    for _ in range(3):
        app = await bound.simulate_scan(qr["token"], Action())
        assert app["status"] == "in_progress" and app["step"] == "select_product"
        assert app["qr_id"] == qr["id"]
    current = await bound.current_qr()
    assert current["remaining"] == 0 and current["state"] == "used_up"
    with pytest.raises(ApiError) as fourth:
        await bound.simulate_scan(qr["token"], Action())
    assert fourth.value.status == 409 and fourth.value.code == "installment_qr_used_up"
    assert (await bound.applications())["total"] == 3
    fresh = await bound.new_qr(Action())
    assert fresh["id"] != qr["id"] and fresh["remaining"] == 3
    await bound.simulate_scan(fresh["token"], Action())


async def test_qr_valid_until_just_before_minute_30(bound, clock):
    qr = await bound.new_qr(Action())
    clock.advance(minutes=29, seconds=59)
    assert (await bound.current_qr())["seconds_left"] == 1
    await bound.simulate_scan(qr["token"], Action())
    clock.advance(seconds=1)  # issued + 30 min exactly: expired
    current = await bound.current_qr()
    assert current["state"] == "expired" and current["seconds_left"] == 0
    with pytest.raises(ApiError) as late:
        await bound.simulate_scan(qr["token"], Action())
    assert late.value.status == 410 and late.value.code == "installment_qr_expired"


async def test_forged_or_foreign_tokens_refused(bound):
    qr = await bound.new_qr(Action())
    forged = qr["token"][:-1] + ("0" if qr["token"][-1] != "0" else "1")
    for token in (forged, "BDQ1:Q99999999:00", "hello", qr["token"].replace("Q0", "Q9")):
        with pytest.raises(ApiError) as refused:
            await bound.simulate_scan(token, Action())
        assert refused.value.status == 422 and refused.value.code == "installment_qr_invalid"


async def test_scan_replay_admits_once(bound, backend):
    qr = await bound.new_qr(Action())
    action = Action()
    first = await bound.simulate_scan(qr["token"], action)
    again = await bound.simulate_scan(qr["token"], action)
    assert first == again
    assert (await bound.current_qr())["used"] == 1
    assert len(audit_actions(backend, "installment.customer_scan")) == 1


async def test_roles_enforced(backend):
    for staff_id in ("k001", "m001"):
        client = await logged_in(backend, staff_id)
        api = InstallmentApi(client)
        for call in (
            api.clerk(),
            api.applications(),
            api.orders(),
            api.new_qr(Action()),
            api.revoke("A00000001", "x", Action()),
        ):
            with pytest.raises(ApiError) as denied:
                await call
            assert denied.value.status == 403
        await client.aclose()
    supervisor = InstallmentApi(await logged_in(backend, "s001"))
    with pytest.raises(ApiError) as no_qr:
        await supervisor.new_qr(Action())
    assert no_qr.value.status == 403
    await supervisor.client.aclose()
