"""Members' ID numbers and mobiles are not readable from the store: not in the embedded store's
files, not in PostgreSQL's documents table; the API answers as before (masked, found by phone)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest

from branchdesk.clients.api import Action, ApiClient
from branchdesk.clients.errors import ApiError
from branchdesk.clients.local import pii
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.points.otp import CHALLENGES
from branchdesk.clients.points_api import PointsApi
from support.backend import DEMO_PASSWORD, asgi_client, make_backend

MOBILE = "13712345678"
ID_NUMBER = "11010519491231002X"
DEMO_MOBILE = "13800138000"
TABLES = ("members", CHALLENGES)


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


async def test_embedded_store_files_hold_no_member_mobile_or_id(tmp_path: Path) -> None:
    data = tmp_path / "data"
    backend = make_backend(data)
    _, secrets = await _use_members(backend)
    journal_and_snapshot = b"".join(p.read_bytes() for p in data.rglob("*") if p.is_file())
    backend.store.close()  # compacted into the snapshot
    compacted = b"".join(p.read_bytes() for p in data.rglob("*") if p.is_file())
    for raw in (journal_and_snapshot, compacted):
        for secret in secrets:
            assert secret.encode() not in raw, secret


async def test_stored_documents_hold_no_member_mobile_or_id(
    backend: Backend, store_kind: str, request: pytest.FixtureRequest
) -> None:
    """On PostgreSQL: the documents table as stored; embedded: every document in memory."""
    _, secrets = await _use_members(backend)
    if store_kind == "postgres":
        with psycopg.connect(request.getfixturevalue("pg_url")) as conn:
            rows = conn.execute(
                "SELECT tbl, doc::text FROM documents WHERE tbl IN (%s, %s)", TABLES
            ).fetchall()
    else:
        rows = [
            (t, json.dumps(d, ensure_ascii=False)) for t in TABLES for d in backend.store.scan(t)
        ]
    assert {tbl for tbl, _ in rows} == set(TABLES)
    for tbl, text in rows:
        for secret in secrets:
            assert secret not in text, (tbl, secret)
