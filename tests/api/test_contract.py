"""The contract: the committed OpenAPI document is the served one, and the server honours it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import schemathesis
from hypothesis import settings
from schemathesis.checks import (
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
)

from branchdesk.clients.api import ApiClient
from branchdesk.clients.local.app import create_app
from support.backend import DEMO_PASSWORD, make_backend

COMMITTED = Path(__file__).resolve().parents[2] / "clients" / "openapi.json"


async def test_served_openapi_equals_the_committed_document(client: ApiClient) -> None:
    served = await client.get("/openapi.json")
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert served == committed, "run `make openapi` and commit clients/openapi.json"


async def test_health_and_meta(client: ApiClient) -> None:
    assert await client.health() is True
    meta = await client.meta()
    assert meta["demo"] is True and meta["sandbox"] is True


async def test_errors_have_the_documented_shape(client: ApiClient) -> None:
    response = await client._http.get("/v1/no-such-path")
    assert response.status_code == 404
    body = response.json()
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == "not_found"


_backend = make_backend()
_app = create_app(_backend)
# Logging out would end the session that every other generated case uses.
schema = schemathesis.openapi.from_asgi("/openapi.json", _app).exclude(
    method="DELETE", path="/v1/sessions/current"
)


@pytest.fixture(scope="module")
def token() -> str:
    import asyncio

    async def login() -> str:
        client = ApiClient.for_asgi(_app)
        await client.login("s001", DEMO_PASSWORD)
        return client.token or ""

    return asyncio.run(login())


def _drops_auth(case: schemathesis.Case) -> bool:
    """A negative case that leaves out the (declared) Authorization header on purpose."""
    data = getattr(getattr(case.meta, "phase", None), "data", None)
    return "Authorization" in str(getattr(data, "description", "") or "")


@schema.parametrize()
@settings(max_examples=15, deadline=None)
def test_the_server_conforms_to_its_schema(case: schemathesis.Case, token: str) -> None:
    headers = {"Idempotency-Key": "schemathesis-" + case.id}
    if not _drops_auth(case):
        headers["Authorization"] = f"Bearer {token}"
    case.call_and_validate(
        headers=headers,
        checks=[not_a_server_error, response_schema_conformance, negative_data_rejection],
    )
