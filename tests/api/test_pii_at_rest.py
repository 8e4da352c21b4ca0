"""ID numbers and mobiles are not readable from the store: not in the embedded store's files,
not in PostgreSQL's documents table, for each workflow that keeps them (points members,
onboarding customers, card-write customers, installment clerks and customers); the API answers
as before (masked, found by phone, duplicates refused)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, cast

import psycopg
import pytest

from branchdesk.clients import validators
from branchdesk.clients.api import Action, ApiClient
from branchdesk.clients.card_write_api import CardWriteApi
from branchdesk.clients.errors import ApiError
from branchdesk.clients.installment_api import InstallmentApi
from branchdesk.clients.local import pii
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.card_write.rules import CUSTOMER_PII, ORDERS
from branchdesk.clients.local.installment.orders import APPLICATIONS
from branchdesk.clients.local.installment.rules import CLERK_PII, CLERKS, MERCHANTS
from branchdesk.clients.local.onboarding.rules import CUSTOMERS
from branchdesk.clients.local.points.otp import CHALLENGES
from branchdesk.clients.onboarding_api import OnboardingApi
from branchdesk.clients.points_api import PointsApi
from support.backend import DEMO_PASSWORD, asgi_client, make_backend

MOBILE = "13712345678"
ID_NUMBER = "11010519491231002X"
DEMO_MOBILE = "13800138000"
TABLES = ("members", CHALLENGES, CUSTOMERS, ORDERS, CLERKS, MERCHANTS, APPLICATIONS, "audit")
RETAILER_MOBILE, RETAILER_MOBILE_2 = "13912345601", "13912345602"
RETAILER_ID = "52230119850412301" + validators.id_check_char("52230119850412301")
JOB_NO = "13985900001"  # pre-registered for MER001 in the demo data
TAKEN_JOB = "13985900002"  # the demo clerk's, bound
CLERK_ID = "11010119900307003" + validators.id_check_char("11010119900307003")
BUYER_MOBILE = "13612349876"
CODE = re.compile(r"验证码 ([0-9]{6})")


def _retailer(n: int, **overrides: str) -> dict[str, str]:
    body = f"621799000012{345678 + n:06d}"
    return {
        "name": "测试客户",
        "id_number": RETAILER_ID,
        "mobile": RETAILER_MOBILE,
        "area": "坪东",
        "licence_no": f"5223011{123 + n:05d}",
        "card_number": body + str(validators.luhn_check_digit(body)),
        "token_type": "ukey",
        "order_amount": "120000",
        **overrides,
    }


def _opened(backend: Backend, table: str, fields: tuple[str, ...]) -> list[str]:
    """The plain values behind every document of ``table`` (demo data included)."""
    found = []
    for doc in backend.store.scan(table):
        for holder in (doc, doc.get("customer") or {}):
            for field in fields:
                context = table if holder is doc else f"{table}.customer"
                if holder.get(field):
                    found.append(pii.value(backend, context, holder, field) or "")
    return [v for v in found if v]


async def _use_onboarding(backend: Backend) -> list[str]:
    """Create, find, refuse a duplicate, change the mobile, reveal; return the secrets."""
    client = asgi_client(backend)
    await client.login("m001", DEMO_PASSWORD)
    api = OnboardingApi(client)
    created = cast(dict[str, Any], await api.create_customer(_retailer(0), Action()))
    assert created["mobile"] == "139****5601" and "********" in created["id_number"]
    for q in (RETAILER_MOBILE, "5601", "139****5601"):
        assert [c["id"] for c in (await api.search(q=q))["items"]] == [created["id"]], q
    same_id = _retailer(1, mobile=RETAILER_MOBILE_2)
    same_mobile = _retailer(1, id_number=CLERK_ID)
    for field, data in (("id_number", same_id), ("mobile", same_mobile)):
        with pytest.raises(ApiError) as err:
            await api.create_customer(data, Action())
        assert (err.value.status, err.value.code) == (409, "customer_duplicate"), field
        found = (err.value.details["field"], err.value.details["existing_id"])
        assert found == (field, created["id"])
    changed = cast(
        dict[str, Any],
        await api.update_customer(
            created["id"], {"mobile": RETAILER_MOBILE_2}, created["version"], Action()
        ),
    )
    assert changed["mobile"] == "139****5602"
    assert (await api.search(q=RETAILER_MOBILE))["items"] == []
    assert [c["id"] for c in (await api.search(q=RETAILER_MOBILE_2))["items"]] == [created["id"]]
    shown = await api.customer(created["id"], reveal=True)
    assert (shown["mobile"], shown["id_number"]) == (RETAILER_MOBILE_2, RETAILER_ID)
    assert (await api.handoff(created["id"]))["customer"]["mobile"] == RETAILER_MOBILE_2
    await client.aclose()
    return [RETAILER_MOBILE, RETAILER_MOBILE_2, RETAILER_ID] + _opened(
        backend, CUSTOMERS, pii.FIELDS
    )


async def _use_card_write(backend: Backend) -> list[str]:
    client = asgi_client(backend)
    await client.login("c001", DEMO_PASSWORD)
    api = CardWriteApi(client)
    customer = {
        "name": "王小明",
        "id_number": ID_NUMBER,
        "contact": MOBILE,
        "address": "天津市和平区南京路 100 号",
    }
    order = await api.create_order(customer, (await api.numbers())[0], "P59", "half", Action())
    assert order["customer"]["id_number"] == "110105********002X"
    assert order["customer"]["contact"] == "137****5678"
    await client.aclose()
    return [MOBILE, ID_NUMBER] + _opened(backend, ORDERS, CUSTOMER_PII)


def _clerk_code(backend: Backend, job_no: str) -> str:
    text = next(m["text"] for m in reversed(backend.sms.messages) if m["phone"] == job_no)
    match = CODE.search(text)
    assert match, text
    return match.group(1)


async def _use_installment(backend: Backend) -> list[str]:
    """Bind a clerk (the demo clerk's job number found taken by its keyed hash, the merchant
    by the hash of the job numbers it registered), then take a customer's application."""
    client = asgi_client(backend)
    await client.login("c001", DEMO_PASSWORD)
    api = InstallmentApi(client)
    await api.request_code(TAKEN_JOB, "李建国", CLERK_ID, TAKEN_JOB, Action())
    with pytest.raises(ApiError) as err:
        await api.bind(_clerk_code(backend, TAKEN_JOB), Action())
    assert (err.value.status, err.value.code) == (409, "installment_job_taken")
    pending = await api.request_code(JOB_NO, "李建国", CLERK_ID, JOB_NO, Action())
    assert (pending["job_no"], pending["mobile"]) == (JOB_NO, "139****0001")
    bound = await api.bind(_clerk_code(backend, JOB_NO), Action())
    assert (bound["state"], bound["merchant_id"], bound["job_no"]) == ("bound", "MER001", JOB_NO)
    assert bound["id_number"] == validators.mask_id_number(CLERK_ID)
    qr = await api.new_qr(Action())
    application = await api.simulate_scan(qr["token"], Action(), "赵六", BUYER_MOBILE)
    assert application["customer_mobile"] == "136****9876"
    assert application["clerk_job_no"] == "139****0001"
    await client.aclose()
    registered = ["13985900002", "13985900003", "13985900011", "13985900012"]
    return [JOB_NO, CLERK_ID, BUYER_MOBILE, *registered] + [
        *_opened(backend, CLERKS, CLERK_PII),
        *_opened(backend, APPLICATIONS, ("customer_mobile",)),
    ]


async def _use_every_workflow(backend: Backend) -> list[str]:
    _, secrets = await _use_members(backend)
    secrets += await _use_onboarding(backend)
    secrets += await _use_card_write(backend)
    secrets += await _use_installment(backend)
    assert len(set(secrets)) > 40  # the demo data's values are among them
    return sorted(set(secrets))


async def _use_members(backend: Backend) -> tuple[dict[str, Any], list[str]]:
    """Create a member, look it up, redeem (an OTP challenge); return it and the secrets."""
    client: ApiClient = asgi_client(backend)
    await client.login("s001", DEMO_PASSWORD)
    api = PointsApi(client)
    created = await api.create_member(
        {"name": "王五", "mobile": MOBILE, "id_number": ID_NUMBER, "institution_id": "52230101"},
        Action(),
    )
    assert created["mobile"] == "137****5678"
    assert created["id_number"] == "110105********002X" and created["id_bound"]
    found = await api.find_member(MOBILE)
    assert found["id"] == created["id"] and found["mobile"] == "137****5678"
    demo = await api.find_member(DEMO_MOBILE)
    await api.create_redemption(demo["id"], "pos", Action(), points=10)
    assert [m["phone"] for m in await client.sms_outbox()][0] == DEMO_MOBILE
    demo_doc = backend.store.get("members", demo["id"])
    demo_id = pii.value(backend, "members", demo_doc, "id_number")
    assert demo_id and len(demo_id) == 18
    await client.aclose()
    return created, [MOBILE, ID_NUMBER, DEMO_MOBILE, demo_id]


async def test_duplicate_id_number_found_by_keyed_hash(backend: Backend) -> None:
    client = asgi_client(backend)
    await client.login("s001", DEMO_PASSWORD)
    api = PointsApi(client)
    body = {"name": "王五", "mobile": MOBILE, "id_number": ID_NUMBER, "institution_id": "52230101"}
    first = await api.create_member(body, Action())
    with pytest.raises(ApiError) as err:
        await api.create_member({**body, "mobile": "13712340000"}, Action())
    assert (err.value.status, err.value.code) == (409, "member_duplicate_id")
    assert err.value.details["member_id"] == first["id"]
    with pytest.raises(ApiError) as err:
        await api.create_member({**body, "id_number": None}, Action())
    assert (err.value.status, err.value.code) == (409, "member_exists")
    await client.aclose()


async def test_embedded_store_files_hold_no_mobile_or_id_of_any_workflow(tmp_path: Path) -> None:
    data = tmp_path / "data"
    backend = make_backend(data)
    secrets = await _use_every_workflow(backend)
    journal_and_snapshot = b"".join(p.read_bytes() for p in data.rglob("*") if p.is_file())
    backend.store.close()  # compacted into the snapshot
    compacted = b"".join(p.read_bytes() for p in data.rglob("*") if p.is_file())
    for raw in (journal_and_snapshot, compacted):
        for secret in secrets:
            assert secret.encode() not in raw, secret


async def test_stored_documents_hold_no_mobile_or_id_of_any_workflow(
    backend: Backend, store_kind: str
) -> None:
    """On PostgreSQL: the documents table as stored; embedded: every document in memory."""
    secrets = await _use_every_workflow(backend)
    if store_kind == "postgres":
        # The backend's own database (each test gets a copy of the seeded template).
        with psycopg.connect(backend.store.url) as conn:  # type: ignore[attr-defined]
            rows = conn.execute(
                "SELECT tbl, doc::text FROM documents WHERE tbl = ANY(%s)", (list(TABLES),)
            ).fetchall()
    else:
        rows = [
            (t, json.dumps(d, ensure_ascii=False)) for t in TABLES for d in backend.store.scan(t)
        ]
    assert {tbl for tbl, _ in rows} == set(TABLES)
    for tbl, text in rows:
        for secret in secrets:
            assert secret not in text, (tbl, secret)
